"""Seeded random workload on a mail store, applied through a doveadm-style CLI.

Sync tests need two sides that drift apart in realistic, reproducible ways
between runs: folders created, renamed and deleted, new mail (some of it
byte-identical to earlier mail, some with a Message-ID seen before), flag
and keyword storms, expunges, subscription changes. :class:`Workload`
applies such a sequence to one user's store through ``roost`` or through
the real ``doveadm`` (when a test wants Dovecot to be the writer), and
records every operation it applied.

Deterministic: the same seed on the same starting store gives the same
operations, the same message bytes and the same record. The generator reads
the store's state (mailbox list, UIDs) through the same CLI before choosing
its targets, so it can be run again on a side that a sync has changed.

::

    from roostharness.workload import Workload, roost_writer, doveadm_writer
    w = Workload(seed=7, user="u1", writer=roost_writer(dv.config_path))
    record = w.run(steps=200)            # list of dicts, one per operation
    w.save_record("ops.json")

    # Dovecot as the writer, on a second location of the same user:
    w = Workload(seed=8, user="u1", writer=doveadm_writer(dv),
                 global_args=["-o", "mail_location=maildir:~/Maildir-b"])

Operation kinds (``op`` in the record) and their default weights are in
:data:`DEFAULT_WEIGHTS`; pass ``weights=`` to change the mix.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
from pathlib import Path
from typing import Callable, Mapping, Sequence

from . import roost

#: op -> relative weight.
DEFAULT_WEIGHTS: dict[str, int] = {
    "save": 30,
    "save_same_content": 4,   # byte-identical to a message saved earlier
    "save_dup_message_id": 4, # new body, Message-ID of an earlier message
    "flags": 14,              # add/remove/replace system flags on a few mails
    "flag_storm": 3,          # one flag change over a whole mailbox
    "keywords": 8,            # add/remove keywords on a few mails
    "expunge": 8,
    "create": 5,
    "rename": 2,
    "delete": 2,
    "subscribe": 3,
}

#: Folder names the generator picks from (hierarchy written with "/", then
#: respelled with the store's separator): nested, non-ASCII, with spaces.
NAME_POOL = ["Projects", "Projects/Alpha", "Projects/Beta", "Receipts", "Travel 2024",
             "Entwürfe alt", "Письма", "Lists", "Lists/dev", "Old stuff", "Clients/ACME",
             "Clients/Initech", "Notes"]

SYSTEM_FLAGS = ["\\Seen", "\\Answered", "\\Flagged", "\\Draft", "\\Deleted"]
KEYWORDS = ["$Label1", "$Label2", "$Important", "Work", "todo", "$Junk", "$NotJunk"]

Writer = Callable[[Sequence[str], bytes | None], subprocess.CompletedProcess]


class WorkloadError(AssertionError):
    """A command of the workload failed (message has the argv and output)."""


def roost_writer(config: str | os.PathLike, binary: str | None = None) -> Writer:
    """Runs the workload's commands as ``roost -c <config> ...``."""
    def run(args: Sequence[str], input: bytes | None) -> subprocess.CompletedProcess:
        return roost.run(list(args), config=config, expect=None, input=input, binary=binary)
    return run


def doveadm_writer(sandbox) -> Writer:
    """Runs the workload's commands as ``doveadm -c <sandbox config> ...``
    (the sandbox must be started: doveadm mail commands need the daemon)."""
    def run(args: Sequence[str], input: bytes | None) -> subprocess.CompletedProcess:
        return sandbox.doveadm(*args, input=input)
    return run


class Workload:
    """A seeded sequence of mail operations on one user's store.

    Parameters:
        seed: the random seed (same seed + same starting store = same run).
        user: the user whose store is changed (``-u user``).
        writer: :func:`roost_writer` or :func:`doveadm_writer` (or any
            callable ``(args, input) -> CompletedProcess``).
        global_args: options put before the verb on every command, e.g.
            ``["-o", "mail_location=maildir:~/Maildir-b"]``.
        separator: the hierarchy separator of the user's inbox namespace.
        weights: op -> weight, to change the mix (see DEFAULT_WEIGHTS).
        tag: a word put into every generated Message-ID and Subject, so two
            workloads on two sides of a sync create distinguishable mail.
    """

    def __init__(self, seed: int, *, user: str, writer: Writer,
                 global_args: Sequence[str] = (), separator: str = "/",
                 weights: Mapping[str, int] | None = None, tag: str | None = None) -> None:
        self.seed = seed
        self.user = user
        self.writer = writer
        self.global_args = list(global_args)
        self.separator = separator
        self.weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
        unknown = set(self.weights) - set(DEFAULT_WEIGHTS)
        if unknown:
            raise ValueError(f"unknown workload operations: {sorted(unknown)}")
        self.tag = tag or f"s{seed}"
        self.rng = random.Random(seed)
        self.record: list[dict] = []
        self._serial = 0
        self._saved: list[bytes] = []        # bodies this workload saved
        self._message_ids: list[str] = []    # Message-IDs it used

    # ----------------------------------------------------------- commands
    def _run(self, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess:
        argv = [*self.global_args, *args]
        p = self.writer(argv, input)
        if p.returncode != 0:
            out = p.stdout if isinstance(p.stdout, str) else (p.stdout or b"").decode("utf-8", "replace")
            err = p.stderr if isinstance(p.stderr, str) else (p.stderr or b"").decode("utf-8", "replace")
            raise WorkloadError(f"workload command failed (exit {p.returncode}): {argv}\n"
                                f"stdout:\n{out}\nstderr:\n{err}")
        return p

    def _name(self, slash_name: str) -> str:
        return slash_name.replace("/", self.separator)

    def mailboxes(self) -> list[str]:
        """The user's selectable mailboxes now (names as the store spells
        them). `mailbox status` skips \\NoSelect parents, `mailbox list`
        doesn't."""
        out = self._run("-f", "tab", "mailbox", "status", "-u", self.user, "messages", "*").stdout
        names = [line.split("\t")[0] for line in out.splitlines()[1:] if line]
        return sorted(set(names) | {"INBOX"})

    def uids(self, mailbox: str) -> list[int]:
        """The UIDs in *mailbox* now, ascending."""
        out = self._run("-f", "tab", "fetch", "-u", self.user, "uid",
                        "mailbox", mailbox, "all").stdout
        return sorted(int(x) for x in out.splitlines()[1:] if x.strip())

    def subscriptions(self) -> list[str]:
        out = self._run("-f", "tab", "mailbox", "list", "-u", self.user, "-s").stdout
        return sorted(line for line in out.splitlines()[1:] if line)

    # ----------------------------------------------------------- messages
    def _message(self) -> tuple[bytes, str]:
        self._serial += 1
        n = self._serial
        mid = f"<{self.tag}.{n}.{self.rng.randrange(1 << 30):x}@workload.example>"
        words = " ".join(self.rng.choice(["alpha", "beta", "gamma", "delta", "roost", "mail",
                                          "sync", "über", "naïve", "Привет"])
                         for _ in range(self.rng.randint(3, 12)))
        crlf = self.rng.random() < 0.1
        lines = [f"From: Sender {n % 7} <sender{n % 7}@example.com>",
                 "To: Recipient <rcpt@example.com>",  # not the user: same seed, same bytes
                 f"Subject: {self.tag} message {n}",
                 f"Date: Mon, {1 + n % 28} Jan 2024 12:{n % 60:02d}:00 +0000",
                 f"Message-ID: {mid}",
                 "MIME-Version: 1.0",
                 "Content-Type: text/plain; charset=utf-8",
                 "Content-Transfer-Encoding: 8bit",
                 "",
                 words]
        lines += [f"line {i} {self.rng.random():.6f}" for i in range(self.rng.randint(0, 40))]
        nl = "\r\n" if crlf else "\n"
        return (nl.join(lines) + nl).encode(), mid

    @staticmethod
    def _with_message_id(body: bytes, old: str) -> bytes:
        head, sep, rest = body.partition(b"\nMessage-ID: ")
        _, nl, tail = rest.partition(b"\n")
        cr = b"\r" if _.endswith(b"\r") else b""
        return head + sep + old.encode() + cr + nl + tail

    # ----------------------------------------------------------- operations
    def _pick_box(self, boxes: list[str]) -> str:
        # INBOX gets more traffic, as in real life.
        return "INBOX" if self.rng.random() < 0.4 else self.rng.choice(boxes)

    def _pick_uids(self, uids: list[int], most: int = 5) -> list[int]:
        k = min(len(uids), self.rng.randint(1, most))
        return sorted(self.rng.sample(uids, k))

    @staticmethod
    def _uid_set(uids: list[int]) -> str:
        return ",".join(str(u) for u in uids)

    def _op_save(self, boxes: list[str], kind: str) -> dict | None:
        box = self._pick_box(boxes)
        if kind == "save_same_content" and self._saved:
            body = self.rng.choice(self._saved)
        elif kind == "save_dup_message_id" and self._message_ids:
            body, _ = self._message()
            body = self._with_message_id(body, self.rng.choice(self._message_ids))
        else:
            kind = "save"  # nothing saved yet to repeat
            body, mid = self._message()
            self._message_ids.append(mid)
        self._saved.append(body)
        self._run("save", "-u", self.user, "-m", box, input=body)
        return {"op": kind, "mailbox": box, "sha1": hashlib.sha1(body).hexdigest(),
                "bytes": len(body)}

    def _op_flags(self, boxes: list[str], storm: bool, keywords: bool) -> dict | None:
        box = self._pick_box(boxes)
        uids = self.uids(box)
        if not uids:
            return None
        how = self.rng.choice(["add", "remove"] if keywords else ["add", "remove", "replace"])
        pool = KEYWORDS if keywords else SYSTEM_FLAGS
        flags = sorted(self.rng.sample(pool, self.rng.randint(1, 2)))
        query = ["mailbox", box, "all"] if storm else \
            ["mailbox", box, "uid", self._uid_set(self._pick_uids(uids))]
        self._run("flags", how, "-u", self.user, " ".join(flags), *query)
        return {"op": "flag_storm" if storm else ("keywords" if keywords else "flags"),
                "mailbox": box, "how": how, "flags": flags, "query": query[2:]}

    def _op_expunge(self, boxes: list[str]) -> dict | None:
        box = self._pick_box(boxes)
        uids = self.uids(box)
        if not uids:
            return None
        chosen = self._pick_uids(uids, 3)
        self._run("expunge", "-u", self.user, "mailbox", box, "uid", self._uid_set(chosen))
        return {"op": "expunge", "mailbox": box, "uids": chosen}

    def _op_create(self, boxes: list[str]) -> dict | None:
        free = [n for n in NAME_POOL if self._name(n) not in boxes]
        if not free:
            return None
        name = self._name(self.rng.choice(free))
        self._run("mailbox", "create", "-u", self.user, name)
        return {"op": "create", "mailbox": name}

    def _leaves(self, boxes: list[str]) -> list[str]:
        """Mailboxes other than INBOX that have no children."""
        return [b for b in boxes if b != "INBOX"
                and not any(o.startswith(b + self.separator) for o in boxes)]

    def _op_rename(self, boxes: list[str]) -> dict | None:
        leaves = self._leaves(boxes)
        free = [n for n in NAME_POOL if self._name(n) not in boxes
                and self.separator not in self._name(n)]
        if not leaves or not free:
            return None
        old, new = self.rng.choice(leaves), self._name(self.rng.choice(free))
        self._run("mailbox", "rename", "-u", self.user, old, new)
        return {"op": "rename", "mailbox": old, "to": new}

    def _op_delete(self, boxes: list[str]) -> dict | None:
        leaves = self._leaves(boxes)
        if not leaves:
            return None
        box = self.rng.choice(leaves)
        self._run("mailbox", "delete", "-u", self.user, box)
        return {"op": "delete", "mailbox": box}

    def _op_subscribe(self, boxes: list[str]) -> dict | None:
        box = self.rng.choice(boxes)
        subscribed = box in self.subscriptions()
        self._run("mailbox", "unsubscribe" if subscribed else "subscribe", "-u", self.user, box)
        return {"op": "unsubscribe" if subscribed else "subscribe", "mailbox": box}

    def step(self) -> dict | None:
        """Applies one random operation; returns its record (None: the
        chosen operation had no target, e.g. expunge in an empty store)."""
        ops = [op for op, w in self.weights.items() if w > 0]
        op = self.rng.choices(ops, weights=[self.weights[o] for o in ops])[0]
        boxes = self.mailboxes()
        if op.startswith("save"):
            rec = self._op_save(boxes, op)
        elif op in ("flags", "flag_storm", "keywords"):
            rec = self._op_flags(boxes, storm=op == "flag_storm", keywords=op == "keywords")
        elif op == "expunge":
            rec = self._op_expunge(boxes)
        elif op == "create":
            rec = self._op_create(boxes)
        elif op == "rename":
            rec = self._op_rename(boxes)
        elif op == "delete":
            rec = self._op_delete(boxes)
        else:
            rec = self._op_subscribe(boxes)
        if rec is not None:
            rec["step"] = len(self.record)
            self.record.append(rec)
        return rec

    def run(self, steps: int) -> list[dict]:
        """Applies *steps* operations (skipped ones don't count); returns
        the records of this run."""
        start = len(self.record)
        tries = 0
        while len(self.record) - start < steps:
            tries += 1
            if tries > steps * 20:
                raise WorkloadError(f"workload could apply only {len(self.record) - start} "
                                    f"of {steps} operations (store too empty for the mix?)")
            self.step()
        return self.record[start:]

    def counts(self) -> dict[str, int]:
        """Operations applied so far, per kind."""
        out: dict[str, int] = {}
        for r in self.record:
            out[r["op"]] = out.get(r["op"], 0) + 1
        return out

    def save_record(self, path: str | os.PathLike) -> None:
        """Writes the record as JSON (seed, user, tag and the operations)."""
        Path(path).write_text(json.dumps({"seed": self.seed, "user": self.user, "tag": self.tag,
                                          "operations": self.record},
                                         ensure_ascii=False, indent=1))
