"""Integration test: bench/imap_load.py drives a real IMAP server (Dovecot sandbox).

Bounded: 4 clients, 120 mixed commands, 20 s at most. Checks that every
command kind ran, there were no protocol errors, and APPENDs landed.
"""

import os
import sys
import unittest
from pathlib import Path

SRC = Path(os.environ.get("ROOST_SOURCE_DIR") or Path(__file__).resolve().parents[2])
sys.path.insert(0, str(SRC / "tests" / "harness"))
sys.path.insert(0, str(SRC / "bench"))

import imap_load  # noqa: E402
from roostharness.dovecot import DovecotSandbox  # noqa: E402


class ImapLoadTest(unittest.TestCase):
    def test_load_against_dovecot(self):
        with DovecotSandbox(users=["u1"], imap=True) as dv:
            dv.start()
            for i in range(10):
                dv.save("u1", "INBOX", f"Subject: seed {i}\n\nbody\n".encode())
            r = imap_load.run("127.0.0.1", dv.ports["imap"], "u1", dv.users["u1"],
                              clients=4, ops=120, duration=20, seed=3)
            imap_load.print_report(r)
            self.assertEqual(r["errors"], [])
            self.assertEqual(r["per_op"]["LOGIN"]["n"], 4)
            self.assertEqual(r["per_op"]["LOGOUT"]["n"], 4)
            for op in ("FETCH", "SEARCH", "STORE", "APPEND"):
                self.assertGreater(r["per_op"].get(op, {"n": 0})["n"], 0, op)
            self.assertGreater(r["ops_per_s"], 0)
            appended = r["per_op"]["APPEND"]["n"]
            out = dv.doveadm("-f", "tab", "mailbox", "status", "-u", "u1", "messages", "INBOX", check=True).stdout
            self.assertEqual(int(out.splitlines()[1].split("\t")[-1]), 10 + appended)

    def test_refuses_non_loopback(self):
        with self.assertRaises(SystemExit):
            imap_load.run("192.0.2.1", 143, "u", "p", clients=1, ops=1, duration=1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
