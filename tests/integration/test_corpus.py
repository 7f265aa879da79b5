"""Integration test: generated corpora open in the real Dovecot as described.

The corpus generator writes Maildir++ (and mbox) directly, without Dovecot.
Here real Dovecot 2.3 opens those stores and every fact the generator's
manifest states is checked with doveadm: folder names (incl. non-ASCII and
'&'), subscriptions, message counts, UIDs, flags, keywords, GUIDs/sizes
encoded in Maildir file names, and the search words the bench relies on.
"""

import hashlib
import json
import os
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("ROOST_SOURCE_DIR") or Path(__file__).resolve().parents[2]) / "tests" / "harness"))

from roostharness import compare, corpus  # noqa: E402
from roostharness.dovecot import DovecotSandbox  # noqa: E402

SEED = 7
N = 800


def fetch_rows(dv, user, fields):
    out = dv.doveadm("-f", "tab", "fetch", "-u", user, fields, "all", check=True).stdout
    return compare.parse_tab(out)


class CorpusTest(unittest.TestCase):
    def test_deterministic(self):
        a = corpus.generate(seed=SEED, messages=200, users=2)
        b = corpus.generate(seed=SEED, messages=200, users=2)
        ha = hashlib.sha256(b"".join(a.render(s) for s in a.messages())).hexdigest()
        hb = hashlib.sha256(b"".join(b.render(s) for s in b.messages())).hexdigest()
        self.assertEqual(ha, hb)
        self.assertEqual(json.dumps(a.manifest()), json.dumps(b.manifest()))
        c = corpus.generate(seed=SEED + 1, messages=200, users=2)
        self.assertNotEqual(json.dumps(a.manifest()), json.dumps(c.manifest()))

    def test_eml_writer_and_cli(self):
        import email
        import subprocess
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            c = corpus.generate(seed=SEED, messages=120)
            m = corpus.write_eml(c, tmp)
            files = sorted(Path(tmp).rglob("*.eml"))
            self.assertEqual(len(files), 120)
            self.assertTrue((Path(tmp) / "user1" / "Entwürfe").is_dir() or
                            m["users"]["user1"]["folders"]["Entwürfe"]["count"] == 0)
            for f in files[:30]:
                msg = email.message_from_bytes(f.read_bytes())
                self.assertTrue(msg["From"] and msg["Date"], f)
            out = Path(tmp) / "cli"
            p = subprocess.run([sys.executable, "-m", "roostharness.corpus", "--seed", "2", "--messages", "50",
                                "--format", "maildir", "--out", str(out)], capture_output=True, text=True,
                               timeout=120, cwd=str(Path(corpus.__file__).resolve().parent.parent))
            self.assertEqual(p.returncode, 0, p.stderr)
            man = json.loads((out / "manifest.json").read_text())
            self.assertEqual(man["messages"], 50)
            on_disk = sum(1 for d in (out / "user1" / "Maildir").rglob("*")
                          if d.is_file() and d.parent.name in ("cur", "new"))
            self.assertEqual(on_disk, 50)

    def test_variety(self):
        c = corpus.generate(seed=SEED, messages=N, large=1)
        specs = list(c.messages())
        kinds = {s.kind for s in specs}
        self.assertEqual(kinds, {"plain", "utf8", "alternative", "attachment", "large"})
        self.assertTrue(any(s.message_id is None for s in specs), "no message without Message-ID")
        ids = [s.message_id for s in specs if s.message_id]
        self.assertLess(len(set(ids)), len(ids), "no duplicate Message-IDs")
        self.assertTrue(any(s.crlf for s in specs) and any(not s.crlf for s in specs))
        raws = [c.render(s) for s in specs]
        self.assertTrue(any(b"=?UTF-8?B?" in r or b"=?UTF-8?Q?" in r for r in raws), "no RFC 2047 words")
        self.assertTrue(any(b"Subject: " in r and "ü".encode() in r.split(b"\n\n")[0] or
                            any(w.encode() in r.split(b"\n\n")[0] for w in corpus.UTF8_WORDS) for r in raws),
                        "no 8-bit header")
        large = [r for s, r in zip(specs, raws) if s.kind == "large"]
        self.assertTrue(1_000_000 <= len(large[0]) <= 4_200_000, len(large[0]))
        self.assertTrue(any(b"Content-Transfer-Encoding: base64" in r for r in raws))

    def test_maildir_opens_in_dovecot(self):
        c = corpus.generate(seed=SEED, messages=N, users=2, large=1)
        # maildir_broken_filename_sizes: Dovecot ignores our S=/W= and
        # computes the sizes itself, so comparing them checks the generator.
        with DovecotSandbox(users=c.users, extra_conf="maildir_broken_filename_sizes = yes") as dv:
            t0 = time.monotonic()
            m = corpus.write_maildir(c, dv.root / "home", user_dir="{user}/Maildir")
            self.assertLess(time.monotonic() - t0, 30)
            dv.start()
            for u in c.users:
                self.assertEqual(Path(m["roots"][u]), dv.mail_root(u))
                folders = m["users"][u]["folders"]
                self.check_user(dv, u, folders, maildir=True)

    def test_dbox_copies_by_dovecot(self):
        """sdbox/mdbox versions of a corpus, written by Dovecot's own dsync."""
        c = corpus.generate(seed=SEED + 3, messages=200)
        with DovecotSandbox(users=c.users) as dv:
            m = corpus.write_maildir(c, dv.root / "home", user_dir="{user}/Maildir")
            dv.start()
            want = dv.doveadm("-f", "tab", "fetch", "-u", "user1", "mailbox uid guid flags", "all",
                              check=True).stdout
            for fmt in ("sdbox", "mdbox"):
                loc = dv.backup_to("user1", f"{fmt}:~/{fmt}")
                self.assertTrue((dv.user_home("user1") / fmt / "mailboxes").is_dir(), loc)
                got = dv.doveadm("-o", f"mail_location={loc}", "-f", "tab", "fetch", "-u", "user1",
                                 "mailbox uid guid flags", "all", check=True).stdout
                compare.assert_same(compare.normalize(got), compare.normalize(want), mode="sorted",
                                    label_a=fmt, label_b="maildir", what=fmt)
            self.assertEqual(len(want.splitlines()) - 1, m["messages"])

    def test_mbox_opens_in_dovecot(self):
        c = corpus.generate(seed=SEED + 2, messages=300)
        with DovecotSandbox(users=c.users, mail_format="mbox") as dv:
            m = corpus.write_mbox(c, dv.root / "home", user_dir="{user}/mail")
            dv.start()
            folders = m["users"]["user1"]["folders"]
            self.check_user(dv, "user1", folders, maildir=False)

    def check_user(self, dv, u, folders, maildir):
        # Folder names, including non-ASCII and '&', exactly as generated.
        listed = set(dv.doveadm("mailbox", "list", "-u", u, check=True).stdout.splitlines())
        self.assertEqual(listed, set(folders), "mailbox list")
        self.assertIn("Entwürfe", listed)
        self.assertIn("Отправленные", listed)
        subscribed = set(dv.doveadm("mailbox", "list", "-s", "-u", u, check=True).stdout.splitlines())
        self.assertEqual(subscribed, {f for f, v in folders.items() if v["subscribed"]}, "subscriptions")

        # Counts, uidnext and unseen per folder.
        out = dv.doveadm("-f", "tab", "mailbox", "status", "-u", u, "messages uidnext unseen", "*",
                         check=True).stdout
        status = compare.rows_by(out, "mailbox")
        for name, f in folders.items():
            if not maildir and (name, ) not in status:
                # mbox: a parent folder is a directory (\NoSelect), no status
                self.assertEqual(f["count"], 0, name)
                continue
            st = status[(name,)]
            self.assertEqual(int(st["messages"]), f["count"], f"{name}: messages")
            if maildir:
                self.assertEqual(int(st["uidnext"]), f["count"] + 1, f"{name}: uidnext")
            else:
                # Observed: Dovecot's mbox sync may put uidnext one past the
                # X-IMAPbase value (INBOX); the UIDs themselves are checked below.
                self.assertGreaterEqual(int(st["uidnext"]), f["count"] + 1, f"{name}: uidnext")
            unseen = sum(1 for uid in f["uids"] if "\\Seen" not in f["flags"][str(uid)])
            self.assertEqual(int(st["unseen"]), unseen, f"{name}: unseen")

        # Flags and keywords of every message (\Recent dropped, order-free).
        header, rows = fetch_rows(dv, u, "mailbox uid flags")
        got = sorted((r[0], r[1], compare.normalize_flags(r[2])) for r in rows)
        want = sorted(row for name, f in folders.items() for row in compare.expected_flags_rows(f, name))
        if got != want:
            diff = compare.diff("\n".join(map("\t".join, want)) + "\n", "\n".join(map("\t".join, got)) + "\n",
                                "generator manifest", "dovecot fetch")
            self.fail(f"flags/keywords differ for {u}:\n{diff}")
        self.assertTrue(any(f["keyword_list"] for f in folders.values()), "corpus has no keywords")

        if maildir:
            # GUID = base file name; virtual size = W= in the name.
            header, rows = fetch_rows(dv, u, "guid size.virtual size.physical")
            for guid, vsize, psize in rows:
                self.assertIn(f",W={vsize}", guid)
                self.assertIn(f",S={psize}", guid)

        # Message-IDs, including missing (empty) and duplicated ones.
        out = dv.doveadm("-f", "tab", "fetch", "-u", u, "mailbox uid hdr.message-id", "all", check=True).stdout
        got_ids = {(r[0], r[1]): r[2] for r in compare.parse_tab(out)[1]}
        want_ids = {(name, uid): mid or "" for name, f in folders.items()
                    for uid, mid in f["message_ids"].items()}
        self.assertEqual(got_ids, want_ids, "Message-IDs")
        self.assertIn("", want_ids.values(), "corpus has no message without Message-ID")

        # The words the bench searches for are where the manifest says.
        out = dv.doveadm("search", "-u", u, "mailbox", "INBOX", "subject", corpus.SUBJECT_WORD,
                         check=True).stdout
        uids = sorted(int(l.split()[1]) for l in out.splitlines() if l.strip())
        self.assertEqual(uids, sorted(folders["INBOX"]["subject_has_word"]), "search subject")
        out = dv.doveadm("search", "-u", u, "mailbox", "INBOX", "body", corpus.BODY_WORD, check=True).stdout
        uids = sorted(int(l.split()[1]) for l in out.splitlines() if l.strip())
        self.assertEqual(uids, sorted(folders["INBOX"]["body_has_word"]), "search body")


if __name__ == "__main__":
    unittest.main(verbosity=2)
