"""Deterministic, seeded mail corpus generator and on-disk writers.

The same ``(seed, messages, users, ...)`` always gives byte-identical
messages, folder trees, flags and keywords, so tests and benchmarks can be
reproduced and Roost and Dovecot can be handed identical copies.

What it produces (realistic variety on purpose: each kind exercises a
different parser or storage path):

* users ``user1..userN``; folder tree with INBOX, special-use folders
  (Sent, Drafts, Trash, Junk), nested folders (``Archive/2024``,
  ``Lists/dovecot``) and non-ASCII names (``Entwürfe``, ``Отправленные``)
* messages: text/plain, multipart/alternative (text+html), multipart/mixed
  with base64 attachments, 8-bit UTF-8 bodies and headers, RFC 2047
  encoded-word headers (B and Q), missing Message-ID, duplicate
  Message-IDs, CRLF or LF line endings, optional large (1-3 MB) messages
* system flags and keywords (at most 26 keywords per folder: Maildir limit)

Writers:

* :func:`write_maildir` -- Maildir++ written directly (tmp/new/cur,
  ``<base>,S=<size>,W=<vsize>:2,<flags>`` names, ``dovecot-uidlist`` v3,
  ``dovecot-keywords``, ``maildirfolder``, ``subscriptions`` v2, folder
  names in modified UTF-7), openable by Dovecot and Roost
* :func:`write_mbox` -- one mboxrd file per folder (``From_`` lines,
  ``>From`` quoting, Status/X-Status/X-Keywords headers for flags)
* :func:`write_eml` -- one ``.eml`` file per message

Each writer also writes ``manifest.json`` at the output root describing
exactly what was written (see :meth:`Corpus.manifest`).

CLI::

    python3 -m roostharness.corpus --seed 1 --messages 10000 --format maildir --out DIR
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import sys
import time
from dataclasses import dataclass, field
from email.utils import format_datetime
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

# ------------------------------------------------------------------ constants

#: Folder tree of every user: (name with "/" as hierarchy separator, subscribed, special-use)
FOLDERS: list[tuple[str, bool, str | None]] = [
    ("INBOX", True, None),
    ("Sent", True, "\\Sent"),
    ("Drafts", True, "\\Drafts"),
    ("Trash", True, "\\Trash"),
    ("Junk", True, "\\Junk"),
    ("Archive", True, "\\Archive"),
    ("Archive/2023", False, None),
    ("Archive/2024", True, None),
    ("Lists", False, None),
    ("Lists/dovecot", True, None),
    ("Lists/roost-dev", True, None),
    ("Entwürfe", True, None),
    ("Отправленные", True, None),
    ("Work", True, None),
    ("Work/Projects", False, None),
    ("Work/Projects/Roost & Co", True, None),
]

#: Relative weight of each folder when distributing messages. Folders that
#: have children get none: in mbox's fs layout a parent is a directory and
#: cannot hold mail, and the corpus must be the same in every format.
FOLDER_WEIGHTS = {"INBOX": 40, "Sent": 10, "Archive/2023": 8, "Archive/2024": 8,
                  "Lists/dovecot": 8, "Lists/roost-dev": 6, "Trash": 4, "Junk": 3,
                  "Drafts": 2, "Entwürfe": 2, "Отправленные": 3, "Work/Projects/Roost & Co": 4,
                  "Archive": 0, "Lists": 0, "Work": 0, "Work/Projects": 0}

KEYWORDS = ["$Forwarded", "$Junk", "$NotJunk", "$Label1", "$Label2", "todo", "work",
            "important", "later"]

#: The IMAP system flags in the order ``doveadm fetch flags`` prints them.
SYSTEM_FLAGS = ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"]
#: Maildir info letters (ASCII order) for system flags.
MAILDIR_LETTER = {"\\Draft": "D", "\\Flagged": "F", "\\Answered": "R", "\\Seen": "S", "\\Deleted": "T"}

#: A word that appears in the subject of ~5% of messages (bench: search subject).
SUBJECT_WORD = "foo"
#: A word that appears in the body of ~2% of messages (bench: search body).
BODY_WORD = "quetzalcoatl"

WORDS = ("the of and to in is that for it as was with be by on not he this are or his from at "
         "which but have an they you were her she there been one all we their has would when "
         "if so no will more other what some them time can only into new two may first also "
         "after any could these over such where most even back well much through our used "
         "mailbox server message folder backup restore index cache sync replica storage "
         "meeting project release schedule budget report review draft invoice weekend "
         "coffee lunch travel ticket question answer patch commit branch deploy metrics").split()
UTF8_WORDS = ["Grüße", "Änderung", "Straße", "naïve", "café", "Привет", "письмо", "日本語",
              "Ελληνικά", "ñandú", "Zürich", "Øresund"]
NAMES = [("Alice Example", "alice@example.com"), ("Bob Builder", "bob@example.org"),
         ("Carol Müller", "carol@example.de"), ("Dmitri Иванов", "dmitri@example.ru"),
         ("Eve Adams", "eve@example.net"), ("Frank O'Brien", "frank@example.ie"),
         ("Grace Hopper", "grace@example.com"), ("Heidi Klum", "heidi@example.de"),
         ("roost-dev list", "roost-dev@lists.example.org"), ("dovecot list", "dovecot@dovecot.org")]

EPOCH_START = 1577836800   # 2020-01-01
EPOCH_SPAN = 4 * 365 * 86400


# ------------------------------------------------------------------- encoding

def imap_utf7_encode(name: str) -> str:
    """Modified UTF-7 (RFC 3501 5.1.3) as Dovecot stores folder names on disk."""
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            b = "".join(buf).encode("utf-16-be")
            out.append("&" + base64.b64encode(b).decode().rstrip("=").replace("/", ",") + "-")
            buf.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            buf.append(ch)
    flush()
    return "".join(out)


def imap_utf7_decode(s: str) -> str:
    """Inverse of :func:`imap_utf7_encode`."""
    out: list[str] = []
    i = 0
    while i < len(s):
        c = s[i]
        if c != "&":
            out.append(c)
            i += 1
            continue
        j = s.index("-", i)
        chunk = s[i + 1:j]
        if not chunk:
            out.append("&")
        else:
            b64 = chunk.replace(",", "/")
            b64 += "=" * (-len(b64) % 4)
            out.append(base64.b64decode(b64).decode("utf-16-be"))
        i = j + 1
    return "".join(out)


def encoded_word(text: str, rng: random.Random) -> str:
    """RFC 2047 encoded-word for *text* (B or Q encoding, UTF-8 or Latin-1)."""
    charset = "UTF-8"
    try:
        if rng.random() < 0.3:
            text.encode("iso-8859-1")
            charset = "ISO-8859-1"
    except UnicodeEncodeError:
        pass
    raw = text.encode(charset)
    if rng.random() < 0.5:
        return f"=?{charset}?B?{base64.b64encode(raw).decode()}?="
    q = "".join(chr(b) if (0x21 <= b <= 0x7E and chr(b) not in "=?_") else ("_" if b == 0x20 else f"={b:02X}")
                for b in raw)
    return f"=?{charset}?Q?{q}?="


# -------------------------------------------------------------------- model

@dataclass(slots=True)
class MessageSpec:
    """Everything about one message except its bytes (made lazily, deterministically)."""
    index: int                 # global index, seeds the message's own RNG
    user: str
    folder: str
    uid: int
    date: int                  # INTERNALDATE (unix seconds) = Date header = file mtime
    flags: list[str]           # system flags, in SYSTEM_FLAGS order
    keywords: list[str]        # keyword names
    kind: str                  # plain | utf8 | alternative | attachment | large
    message_id: str | None
    crlf: bool
    subject_word: bool
    body_word: bool


@dataclass
class Corpus:
    """A generated corpus: message specs per user and folder, bytes on demand."""
    seed: int
    users: list[str]
    folders: list[tuple[str, bool, str | None]]
    specs: dict[str, dict[str, list[MessageSpec]]] = field(default_factory=dict)

    def messages(self) -> Iterator[MessageSpec]:
        for u in self.users:
            for f, _, _ in self.folders:
                yield from self.specs[u][f]

    def render(self, spec: MessageSpec) -> bytes:
        """The exact bytes of *spec* (deterministic: seeded by seed and index)."""
        return render_message(self.seed, spec)

    def manifest(self, extra: dict | None = None) -> dict:
        """JSON-able description of the corpus: what a reader must find.

        ``users[u].folders[name]`` has ``count``, ``uids``, ``flags`` (uid ->
        system flags), ``keywords`` (uid -> names), ``subscribed``,
        ``special_use``, ``message_ids`` (uid -> id or null) and
        ``keyword_list`` (the folder's keyword order).
        """
        users = {}
        for u in self.users:
            fo = {}
            for name, sub, su in self.folders:
                specs = self.specs[u][name]
                fo[name] = {
                    "count": len(specs),
                    "subscribed": sub,
                    "special_use": su,
                    "uids": [s.uid for s in specs],
                    "flags": {str(s.uid): s.flags for s in specs},
                    "keywords": {str(s.uid): s.keywords for s in specs},
                    "message_ids": {str(s.uid): s.message_id for s in specs},
                    "subject_has_word": [s.uid for s in specs if s.subject_word],
                    "body_has_word": [s.uid for s in specs if s.body_word],
                    "keyword_list": folder_keywords(specs),
                }
            users[u] = {"folders": fo}
        m = {"seed": self.seed, "messages": sum(1 for _ in self.messages()),
             "subject_word": SUBJECT_WORD, "body_word": BODY_WORD, "users": users}
        if extra:
            m.update(extra)
        return m


def folder_keywords(specs: list[MessageSpec]) -> list[str]:
    """Keywords used in a folder, in first-use order (their Maildir indexes)."""
    seen: dict[str, None] = {}
    for s in specs:
        for k in s.keywords:
            seen.setdefault(k, None)
    return list(seen)


def generate(seed: int = 1, messages: int = 1000, users: int = 1, large: int = 0,
             folders: list[tuple[str, bool, str | None]] | None = None) -> Corpus:
    """Plan a corpus: *messages* in total, spread over *users* and folders.

    *large* messages (1-3 MB, base64 attachment) are placed among the first
    messages of INBOX so that small corpora still contain them. Only the
    specs are computed here; bytes are rendered lazily by the writers so a
    1M-message corpus does not have to fit in memory as bytes.
    """
    rng = random.Random(seed)
    folders = list(folders or FOLDERS)
    user_names = [f"user{i + 1}" for i in range(users)]
    c = Corpus(seed=seed, users=user_names, folders=folders)
    names = [f for f, _, _ in folders]
    weights = [FOLDER_WEIGHTS.get(f, 2) for f in names]
    all_ids: list[str] = []
    idx = 0
    for ui, u in enumerate(user_names):
        c.specs[u] = {f: [] for f in names}
        n_user = messages // users + (1 if ui < messages % users else 0)
        # Dates increase with the index within a folder (like real delivery).
        dates = sorted(EPOCH_START + rng.randrange(EPOCH_SPAN) for _ in range(n_user))
        assign = rng.choices(names, weights=weights, k=n_user) if n_user else []
        large_left = large if ui == 0 else 0
        for k in range(n_user):
            folder = "INBOX" if large_left > 0 else assign[k]
            box = c.specs[u][folder]
            kind_r = rng.random()
            if large_left > 0:
                kind = "large"
                large_left -= 1
            elif kind_r < 0.45:
                kind = "plain"
            elif kind_r < 0.65:
                kind = "utf8"
            elif kind_r < 0.85:
                kind = "alternative"
            else:
                kind = "attachment"
            flags = []
            if rng.random() < (0.2 if folder == "INBOX" else 0.9):
                flags.append("\\Seen")
            if rng.random() < 0.1:
                flags.append("\\Answered")
            if rng.random() < 0.05:
                flags.append("\\Flagged")
            if folder in ("Drafts", "Entwürfe") or rng.random() < 0.01:
                flags.append("\\Draft")
            if folder == "Trash" and rng.random() < 0.5 or rng.random() < 0.01:
                flags.append("\\Deleted")
            flags = [f for f in SYSTEM_FLAGS if f in flags]
            kws: list[str] = []
            if rng.random() < 0.15:
                kws = sorted(set(rng.sample(KEYWORDS, rng.randint(1, 3))), key=KEYWORDS.index)
            r = rng.random()
            if r < 0.02:
                mid = None                                   # missing Message-ID
            elif r < 0.04 and all_ids:
                mid = rng.choice(all_ids)                    # duplicate Message-ID
            else:
                mid = f"<{seed}.{idx}.{rng.getrandbits(40):x}@gen.example.org>"
                all_ids.append(mid)
            box.append(MessageSpec(
                index=idx, user=u, folder=folder, uid=len(box) + 1, date=dates[k],
                flags=flags, keywords=kws, kind=kind, message_id=mid,
                crlf=rng.random() < 0.1, subject_word=rng.random() < 0.05,
                body_word=rng.random() < 0.02))
            idx += 1
    return c


# ------------------------------------------------------------------ rendering

def _text(rng: random.Random, nwords: int, utf8: bool = False, body_word: bool = False) -> str:
    words = rng.choices(WORDS, k=nwords)
    if utf8:
        for _ in range(max(1, nwords // 12)):
            words[rng.randrange(nwords)] = rng.choice(UTF8_WORDS)
    if body_word:
        words[rng.randrange(nwords)] = BODY_WORD
    lines, line = [], []
    for i, w in enumerate(words):
        line.append(w)
        if len(line) >= 11 or i == nwords - 1:
            lines.append(" ".join(line))
            line = []
    # Lines that need quoting/escaping in mbox and dot-stuffing elsewhere.
    if rng.random() < 0.1:
        lines.insert(rng.randrange(len(lines) + 1), "From the start of a line, mbox must quote this")
    if rng.random() < 0.05:
        lines.insert(rng.randrange(len(lines) + 1), ".a line starting with a dot")
    return "\n".join(lines) + "\n"


def _b64_lines(data: bytes) -> str:
    enc = base64.b64encode(data).decode()
    return "\n".join(enc[i:i + 76] for i in range(0, len(enc), 76)) + "\n"


def render_message(seed: int, s: MessageSpec) -> bytes:
    """Build the RFC 5322 bytes of one message (LF, converted to CRLF if s.crlf)."""
    rng = random.Random(seed * 1_000_003 + s.index)
    frm = rng.choice(NAMES)
    to = (s.user, f"{s.user}@example.com")
    subj_words = " ".join(rng.choices(WORDS, k=rng.randint(2, 7)))
    if s.subject_word:
        subj_words = f"{SUBJECT_WORD} {subj_words}"
    h: list[str] = []

    def addr(name: str, email: str) -> str:
        if all(ord(ch) < 128 for ch in name):
            if any(ch in name for ch in "'.,"):
                return f'"{name}" <{email}>'
            return f"{name} <{email}>"
        return f"{encoded_word(name, rng)} <{email}>"

    h.append(f"From: {addr(*frm)}")
    h.append(f"To: {addr(*to)}")
    if rng.random() < 0.2:
        h.append(f"Cc: {addr(*rng.choice(NAMES))}")
    if s.kind == "utf8":
        subj_words += " " + rng.choice(UTF8_WORDS)
        if rng.random() < 0.5:
            subject = subj_words                               # raw 8-bit header
        else:
            subject = encoded_word(subj_words, rng)            # RFC 2047
    else:
        subject = subj_words
    h.append(f"Subject: {subject}")
    h.append("Date: " + format_datetime(datetime.fromtimestamp(s.date, timezone.utc)))
    if s.message_id is not None:
        h.append(f"Message-ID: {s.message_id}")
    if s.folder.startswith("Lists/"):
        h.append(f"List-Id: <{s.folder.split('/')[1]}.lists.example.org>")
    h.append("MIME-Version: 1.0")
    body: str
    if s.kind in ("plain",):
        h.append("Content-Type: text/plain; charset=us-ascii")
        body = _text(rng, rng.randint(20, 400), body_word=s.body_word)
    elif s.kind == "utf8":
        h.append("Content-Type: text/plain; charset=utf-8")
        h.append("Content-Transfer-Encoding: 8bit")
        body = _text(rng, rng.randint(20, 300), utf8=True, body_word=s.body_word)
    elif s.kind == "alternative":
        b = f"=_alt_{s.index}_{rng.getrandbits(32):08x}"
        h.append(f'Content-Type: multipart/alternative; boundary="{b}"')
        txt = _text(rng, rng.randint(20, 300), body_word=s.body_word)
        html = "<html><body><p>" + txt.replace("\n", "</p>\n<p>") + "</p></body></html>\n"
        body = (f"This is a multi-part message in MIME format.\n\n--{b}\n"
                f"Content-Type: text/plain; charset=us-ascii\n\n{txt}\n--{b}\n"
                f"Content-Type: text/html; charset=us-ascii\n\n{html}\n--{b}--\n")
    else:  # attachment / large
        b = f"=_mix_{s.index}_{rng.getrandbits(32):08x}"
        h.append(f'Content-Type: multipart/mixed; boundary="{b}"')
        txt = _text(rng, rng.randint(10, 120), body_word=s.body_word)
        if s.kind == "large":
            size = rng.randint(1_000_000, 3_000_000)
        else:
            size = rng.choice([300, 2000, 8000, 30000])
        # Pseudo-random but cheap: a seeded 4 KiB block repeated with a counter.
        block = rng.randbytes(4096)
        data = b"".join(block[:4088] + i.to_bytes(8, "big") for i in range(size // 4096 + 1))[:size]
        fname = rng.choice(["report.pdf", "photo.jpg", "data.bin", "Übersicht.xlsx"])
        if all(ord(ch) < 128 for ch in fname):
            disp = f'attachment; filename="{fname}"'
        else:
            disp = f"attachment; filename*=UTF-8''{''.join(ch if ch.isascii() else ''.join(f'%{x:02X}' for x in ch.encode()) for ch in fname)}"
        body = (f"This is a multi-part message in MIME format.\n\n--{b}\n"
                f"Content-Type: text/plain; charset=us-ascii\n\n{txt}\n--{b}\n"
                f"Content-Type: application/octet-stream; name=\"{fname if fname.isascii() else 'file.xlsx'}\"\n"
                f"Content-Transfer-Encoding: base64\nContent-Disposition: {disp}\n\n"
                f"{_b64_lines(data)}--{b}--\n")
    raw = ("\n".join(h) + "\n\n" + body).encode("utf-8")
    if s.crlf:
        raw = raw.replace(b"\n", b"\r\n")
    return raw


def virtual_size(raw: bytes) -> int:
    """Size with every bare LF counted as CRLF (IMAP RFC822.SIZE, Maildir W=)."""
    return len(raw) + raw.count(b"\n") - raw.count(b"\r\n")


# -------------------------------------------------------------------- writers

def _guid(*parts: object) -> str:
    return hashlib.md5("\0".join(map(str, parts)).encode()).hexdigest()


def maildir_dirname(folder: str) -> str:
    """Maildir++ directory of *folder* ('/'-separated name): ``.A.B`` in mUTF-7."""
    if folder == "INBOX":
        return "."
    parts = folder.split("/")
    for p in parts:
        if "." in p:
            raise ValueError(f"folder component {p!r} contains '.', not representable in Maildir++")
    return "." + ".".join(imap_utf7_encode(p) for p in parts)


def write_maildir(corpus: Corpus, out: str | os.PathLike, *, user_dir: str = "{user}/Maildir",
                  uidlist: bool = True, uidvalidity: int = 1700000000,
                  hostname: str = "roostgen") -> dict:
    """Write every user's mail as Maildir++ under *out*; return the manifest.

    The layout is ``out/<user>/Maildir`` (change with *user_dir*, ``{user}``
    is substituted). Messages with flags or keywords go to ``cur/`` with a
    ``:2,<letters>`` suffix, unflagged ones to ``new/`` without info, as
    Dovecot itself delivers them. File mtimes are set to INTERNALDATE.
    With *uidlist*, ``dovecot-uidlist`` v3 fixes the UIDs to the generator's;
    without it Dovecot assigns UIDs itself (in file name order).
    """
    out = Path(out)
    pid = 10000 + corpus.seed % 50000
    manifest_paths: dict[str, str] = {}
    for u in corpus.users:
        root = out / user_dir.format(user=u)
        manifest_paths[u] = str(root)
        root.mkdir(parents=True, exist_ok=True)
        subs: list[str] = []
        for fi, (folder, subscribed, _su) in enumerate(corpus.folders):
            d = root / maildir_dirname(folder) if folder != "INBOX" else root
            for sub in ("cur", "new", "tmp"):
                (d / sub).mkdir(parents=True, exist_ok=True)
            if folder != "INBOX":
                (d / "maildirfolder").touch()
            if subscribed:
                subs.append("\t".join(imap_utf7_encode(p) for p in folder.split("/")))
            specs = corpus.specs[u][folder]
            kwlist = folder_keywords(specs)
            if len(kwlist) > 26:
                raise ValueError(f"{folder}: more than 26 keywords")
            kwletter = {k: chr(ord("a") + i) for i, k in enumerate(kwlist)}
            lines = []
            for s in specs:
                raw = corpus.render(s)
                base = (f"{s.date}.M{s.index:06d}P{pid}.{hostname}"
                        f",S={len(raw)},W={virtual_size(raw)}")
                letters = "".join(sorted([MAILDIR_LETTER[f] for f in s.flags] +
                                         [kwletter[k] for k in s.keywords]))
                if letters:
                    path = d / "cur" / f"{base}:2,{letters}"
                else:
                    path = d / "new" / base
                with open(path, "wb") as f:
                    f.write(raw)
                os.utime(path, (s.date, s.date))
                lines.append(f"{s.uid} :{base}\n")
            if uidlist:
                hdr = f"3 V{uidvalidity + fi} N{len(specs) + 1} G{_guid(corpus.seed, u, folder)}\n"
                (d / "dovecot-uidlist").write_text(hdr + "".join(lines))
            if kwlist:
                (d / "dovecot-keywords").write_text("".join(f"{i} {k}\n" for i, k in enumerate(kwlist)))
        (root / "subscriptions").write_text("V\t2\n\n" + "".join(s + "\n" for s in subs))
    m = corpus.manifest({"format": "maildir", "roots": manifest_paths})
    (out / "manifest.json").write_text(json.dumps(m, ensure_ascii=False, indent=1))
    return m


def _mbox_from_line(spec: MessageSpec) -> bytes:
    t = time.gmtime(spec.date)
    return ("From MAILER-DAEMON " + time.strftime("%a %b %e %H:%M:%S %Y", t) + "\n").encode()


def _mboxrd_quote(raw: bytes) -> bytes:
    """mboxrd: prefix '>' to every line matching ^>*From (reversible)."""
    out = []
    for line in raw.split(b"\n"):
        if line.lstrip(b">").startswith(b"From "):
            line = b">" + line
        out.append(line)
    return b"\n".join(out)


def write_mbox(corpus: Corpus, out: str | os.PathLike, *, user_dir: str = "{user}/mail",
               status_headers: bool = True) -> dict:
    """Write one mboxrd file per folder: ``out/<user>/mail/inbox`` and
    ``out/<user>/mail/<A>/<B>`` (fs layout, mUTF-7 names), plus
    ``.subscriptions``; return the manifest.

    Flags become ``Status``/``X-Status``/``X-Keywords`` headers and UIDs
    ``X-IMAPbase``/``X-UID`` headers (what Dovecot's mbox driver reads and
    writes) when *status_headers*. Messages
    are stored with LF endings (CRLF messages keep their CRs: mbox is a byte
    stream).
    """
    out = Path(out)
    roots = {}
    for u in corpus.users:
        root = out / user_dir.format(user=u)
        roots[u] = str(root)
        root.mkdir(parents=True, exist_ok=True)
        subs = []
        for folder, subscribed, _ in corpus.folders:
            path = root / "inbox" if folder == "INBOX" else root.joinpath(
                *[imap_utf7_encode(p) for p in folder.split("/")])
            if subscribed:
                subs.append("\t".join(imap_utf7_encode(p) for p in folder.split("/")))
            if folder != "INBOX" and any(f.startswith(folder + "/") for f, _, _ in corpus.folders):
                # A folder with children: in mbox fs layout the parent is a
                # directory, so it cannot hold mail itself; children go inside.
                if corpus.specs[u][folder]:
                    raise ValueError(f"mbox: folder {folder!r} has children and cannot hold mail")
                path.mkdir(parents=True, exist_ok=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            specs = corpus.specs[u][folder]
            kwlist = folder_keywords(specs)
            uidvalidity = 1700000000 + corpus.folders.index((folder, subscribed, _))
            with open(path, "wb") as f:
                for s in specs:
                    raw = corpus.render(s)
                    if status_headers:
                        hdr_end = raw.find(b"\n\n") if not s.crlf else raw.find(b"\r\n\r\n")
                        nl = b"\r\n" if s.crlf else b"\n"
                        st = "R" if "\\Seen" in s.flags else ""
                        xs = "".join(l for f_, l in (("\\Answered", "A"), ("\\Flagged", "F"),
                                                    ("\\Draft", "T"), ("\\Deleted", "D")) if f_ in s.flags)
                        # Dovecot only accepts keywords declared in the
                        # first mail's X-IMAPbase; X-UID pins our UIDs.
                        base = (f"X-IMAPbase: {uidvalidity} {len(specs) + 1:010d}"
                                f"{''.join(' ' + k for k in kwlist)}".encode() + nl
                                if s is specs[0] else b"")
                        extra = (base + f"X-UID: {s.uid}".encode() + nl + f"Status: {st}O".encode() + nl +
                                 (f"X-Status: {xs}".encode() + nl if xs else b"") +
                                 (f"X-Keywords: {' '.join(s.keywords)}".encode() + nl if s.keywords else b""))
                        raw = raw[:hdr_end] + nl + extra.rstrip(b"\r\n") + raw[hdr_end:]
                    f.write(_mbox_from_line(s))
                    f.write(_mboxrd_quote(raw))
                    if not raw.endswith(b"\n"):
                        f.write(b"\n")
                    f.write(b"\n")
        (root / ".subscriptions").write_text("V\t2\n\n" + "".join(x + "\n" for x in subs))
    m = corpus.manifest({"format": "mbox", "roots": roots})
    (out / "manifest.json").write_text(json.dumps(m, ensure_ascii=False, indent=1))
    return m


def write_eml(corpus: Corpus, out: str | os.PathLike) -> dict:
    """Write ``out/<user>/<folder path>/<uid>.eml`` (UTF-8 folder names)."""
    out = Path(out)
    for s in corpus.messages():
        d = out / s.user / Path(*s.folder.split("/"))
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{s.uid}.eml").write_bytes(corpus.render(s))
    m = corpus.manifest({"format": "eml", "roots": {u: str(out / u) for u in corpus.users}})
    (out / "manifest.json").write_text(json.dumps(m, ensure_ascii=False, indent=1))
    return m


WRITERS = {"maildir": write_maildir, "mbox": write_mbox, "eml": write_eml}


def write(corpus: Corpus, fmt: str, out: str | os.PathLike, **kw) -> dict:
    """Dispatch to the writer for *fmt* (maildir, mbox, eml)."""
    return WRITERS[fmt](corpus, out, **kw)


def iter_messages(seed: int, n: int, user: str = "user1", folder: str = "INBOX") -> Iterator[bytes]:
    """*n* deterministic message bodies (e.g. for ``doveadm save`` loops)."""
    c = generate(seed=seed, messages=n, users=1, folders=[(folder, True, None)])
    for s in c.specs["user1"][folder]:
        yield c.render(s)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m roostharness.corpus",
                                 description="Generate a deterministic mail corpus.")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--messages", type=int, default=1000, help="total messages (1000, 10000, 100000, 1000000)")
    ap.add_argument("--users", type=int, default=1)
    ap.add_argument("--large", type=int, default=0, help="number of 1-3 MB messages")
    ap.add_argument("--format", choices=sorted(WRITERS), default="maildir")
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    t0 = time.monotonic()
    c = generate(seed=a.seed, messages=a.messages, users=a.users, large=a.large)
    m = write(c, a.format, a.out)
    print(f"wrote {m['messages']} messages for {len(c.users)} user(s) as {a.format} "
          f"to {a.out} in {time.monotonic() - t0:.1f}s (manifest.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
