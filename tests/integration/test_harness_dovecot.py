"""Integration test: the DovecotSandbox itself works (ctest: one test).

Checks that a private Dovecot starts from its temp-dir config, that doveadm
saves/fetches through it, that the IMAP/POP3/doveadm-HTTP listeners answer
on 127.0.0.1, that stop() leaves no process behind, and that a broken config
makes start() fail loudly (never a skip).
"""

import base64
import json
import os
import time
import socket
import sys
import unittest
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("ROOST_SOURCE_DIR") or Path(__file__).resolve().parents[2]) / "tests" / "harness"))

from roostharness import util  # noqa: E402
from roostharness.dovecot import DovecotError, DovecotSandbox  # noqa: E402


def imap_login(port: int, user: str, password: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        f = s.makefile("rb")
        greeting = f.readline()
        assert greeting.startswith(b"* OK"), greeting
        s.sendall(f"a LOGIN {user} {password}\r\n".encode())
        resp = f.readline()
        s.sendall(b"b LOGOUT\r\n")
        return resp


def imap_session(port: int, user: str, password: str, command: str) -> bytes:
    """LOGIN, run one command, return everything up to its tagged reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        f = s.makefile("rb")
        f.readline()
        s.sendall(f"a LOGIN {user} {password}\r\nb {command}\r\n".encode())
        out = b""
        while True:
            line = f.readline()
            if not line:
                break
            out += line
            if line.startswith(b"b "):
                break
        s.sendall(b"c LOGOUT\r\n")
        return out


class DovecotSandboxTest(unittest.TestCase):
    def test_start_save_fetch_listeners_stop(self):
        with DovecotSandbox(users=["u1", "u2"], imap=True, pop3=True, doveadm_tcp=True,
                            doveadm_http=True, special_use=True) as dv:
            dv.start()
            self.assertTrue(dv.running)
            for n in range(3):
                dv.save("u1", "INBOX", f"Subject: m{n}\nMessage-ID: <m{n}@x>\n\nbody {n}\n".encode())
            dv.doveadm("flags", "add", "-u", "u1", "\\Seen", "uid", "2", check=True)
            out = dv.fetch_tab("u1", "uid flags")
            self.assertEqual(out.splitlines()[0], "uid\tflags")
            rows = [l.split("\t") for l in out.splitlines()[1:]]
            self.assertEqual([r[0] for r in rows], ["1", "2", "3"])
            self.assertIn("\\Seen", rows[1][1])
            self.assertNotIn("\\Seen", rows[0][1])
            # The store is where the sandbox says it is.
            self.assertTrue((dv.mail_root("u1") / "dovecot-uidlist").exists())
            # u2 is a separate user with an empty INBOX.
            self.assertEqual(dv.fetch_tab("u2", "uid"), "uid\n")

            self.assertTrue(util.read_greeting("127.0.0.1", dv.ports["imap"]).startswith(b"* OK"))
            self.assertTrue(util.read_greeting("127.0.0.1", dv.ports["pop3"]).startswith(b"+OK"))
            self.assertTrue(imap_login(dv.ports["imap"], "u1", dv.users["u1"]).startswith(b"a OK"))
            self.assertTrue(imap_login(dv.ports["imap"], "u1", "wrong").startswith(b"a NO"))
            dv.doveadm("mailbox", "create", "-u", "u1", "Sent", "Junk", check=True)
            listing = imap_session(dv.ports["imap"], "u1", dv.users["u1"], 'LIST "" "*" RETURN (SPECIAL-USE)')
            self.assertIn(b'\\Sent) "/" Sent', listing)
            self.assertIn(b'\\Junk) "/" Junk', listing)

            req = urllib.request.Request(
                f"http://127.0.0.1:{dv.ports['http']}/doveadm/v1",
                data=json.dumps([["mailboxList", {"user": "u1"}, "t1"]]).encode(),
                headers={"Authorization": "X-Dovecot-API " + base64.b64encode(dv.doveadm_api_key.encode()).decode(),
                         "Content-Type": "application/json"})
            resp = json.loads(urllib.request.urlopen(req, timeout=10).read())
            self.assertEqual(resp[0][0], "doveadmResponse", resp)
            self.assertIn({"mailbox": "INBOX"}, resp[0][1])

            # doveadm TCP listener: a remote doveadm command with doveadm_password.
            remote = f"127.0.0.1:{dv.ports['doveadm']}"
            r = dv.doveadm("mailbox", "list", "-S", remote, "-u", "u1", check=True)
            self.assertEqual(sorted(r.stdout.split()), ["INBOX", "Junk", "Sent"])
            r = dv.doveadm("-o", "doveadm_password=wrong", "mailbox", "list", "-S", remote, "-u", "u1")
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("authentication failed", r.stderr)

            master = dv._master_pid
            kids = util.descendants(master)
            self.assertTrue(kids, "dovecot master has no children?")
            dv.stop()
            self.assertFalse(dv.running)
            self.assertFalse(util.pid_alive(master))
            # Children may take a moment to exit on a loaded machine, and a
            # pid may be reused by an unrelated process: wait, and only count
            # leftovers that are still Dovecot's.
            def leftovers():
                out = []
                for k in kids:
                    try:
                        cmd = Path(f"/proc/{k}/cmdline").read_bytes()
                    except OSError:
                        continue
                    if b"dovecot" in cmd or b"doveadm" in cmd or b"auth" in cmd:
                        out.append(k)
                return out
            deadline = time.monotonic() + 10
            while leftovers() and time.monotonic() < deadline:
                time.sleep(0.1)
            self.assertEqual(leftovers(), [])
            self.assertFalse(util.tcp_accepts("127.0.0.1", dv.ports["imap"]))
            dv.stop()  # idempotent

    def test_mail_formats_and_separators(self):
        """Every mail_format default location works, and the separator is honoured."""
        cases = [("sdbox", None, "/"), ("mdbox", None, "/"), ("mbox", None, "/"),
                 ("maildir", None, "."), ("maildir", "maildir:~/Mail:LAYOUT=fs", "/")]
        for fmt, loc, sep in cases:
            with self.subTest(fmt=fmt, loc=loc, sep=sep):
                with DovecotSandbox(users=["u1"], mail_format=fmt, mail_location=loc, separator=sep) as dv:
                    dv.start()
                    box = f"A{sep}B"
                    dv.doveadm("mailbox", "create", "-u", "u1", box, check=True)
                    dv.save("u1", box, b"Subject: nested\n\nbody\n")
                    dv.save("u1", "INBOX", b"Subject: top\n\nbody\n")
                    listed = dv.doveadm("mailbox", "list", "-u", "u1", check=True).stdout.split()
                    self.assertIn(box, listed)
                    out = dv.doveadm("-f", "tab", "fetch", "-u", "u1", "mailbox uid", "all", check=True).stdout
                    self.assertEqual(sorted(out.splitlines()[1:]), sorted([f"{box}\t1", "INBOX\t1"]))
                    self.assertTrue(dv.mail_root("u1").exists(), dv.mail_root("u1"))
                    self.assertTrue(str(dv.mail_root("u1")).startswith(str(dv.user_home("u1"))))

    def test_broken_config_fails_loudly(self):
        with DovecotSandbox(users=["u1"], extra_conf="this_is_not_a_setting = 1\nservice {\n") as dv:
            with self.assertRaises(DovecotError) as cm:
                dv.start()
            msg = str(cm.exception)
            self.assertIn("exited", msg)
            self.assertIn("dovecot.conf", msg)
            self.assertFalse(dv.running)

    def test_mail_commands_need_running_daemon(self):
        """Documented fact: without the daemon the userdb lookup fails (exit 75)."""
        with DovecotSandbox(users=["u1"]) as dv:
            r = dv.doveadm("mailbox", "list", "-u", "u1")
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("auth-userdb", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
