"""Integration test: roost runner + output comparison, self-checked with doveadm.

The roost side is run with binary="doveadm" on purpose: this test checks the
harness plumbing (same argv on both sides, exit-code assertions, exact and
sort-insensitive comparison, readable diffs), independent of whether the
roost CLI is built yet. Tests of Roost itself use the default ROOST_BIN.
"""

import os
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("ROOST_SOURCE_DIR") or Path(__file__).resolve().parents[2]) / "tests" / "harness"))

from roostharness import compare, roost  # noqa: E402
from roostharness.dovecot import DovecotSandbox  # noqa: E402


class CompareTest(unittest.TestCase):
    def test_run_both_and_compare(self):
        with DovecotSandbox(users=["u1"]) as dv:
            dv.start()
            for n in range(4):
                dv.save("u1", "INBOX", f"Subject: s{n}\n\nb\n".encode())
            dv.doveadm("mailbox", "create", "-u", "u1", "Sub", check=True)
            dv.save("u1", "Sub", b"Subject: in sub\n\nb\n")
            args = ["-f", "tab", "fetch", "-u", "u1", "mailbox uid flags", "all"]
            r, d = roost.run_both(dv, args, binary="doveadm")
            compare.assert_same_result(r, d, mode="exact")
            compare.assert_same(r, d, mode="sorted")

            # Expected exit codes: a clear assertion message on mismatch.
            with self.assertRaises(roost.RoostError) as cm:
                roost.run(["mailbox", "status", "-u", "u1", "messages", "NoSuchBox"],
                          config=dv.config_path, binary="doveadm")
            self.assertIn("exited", str(cm.exception))
            self.assertIn("NoSuchBox", str(cm.exception))
            p = roost.run(["mailbox", "status", "-u", "u1", "messages", "NoSuchBox"],
                          config=dv.config_path, binary="doveadm", expect={68, 65, 67, 75, 1})
            self.assertNotEqual(p.returncode, 0)

    def test_writing_command_on_twin_stores(self):
        """The pattern for writing commands: identical stores, same argv, compare."""
        with DovecotSandbox(users=["u1"]) as d_side, DovecotSandbox(users=["u1"]) as r_side:
            d_side.start()
            for n in range(3):
                d_side.save("u1", "INBOX", f"Subject: s{n}\n\nb\n".encode())
            r_side.copy_home_from(d_side, "u1")
            r_side.start()
            args = ["flags", "add", "-u", "u1", "\\Flagged", "uid", "2"]
            roost.run(args, config=r_side.config_path, binary="doveadm")
            d_side.doveadm(*args, check=True)
            fetch = ["-f", "tab", "fetch", "-u", "u1", "uid guid flags", "all"]
            r = roost.run(fetch, config=r_side.config_path, binary="doveadm")
            d = d_side.doveadm(*fetch, check=True)
            compare.assert_same(r, d, mode="exact")
            self.assertIn("\\Flagged", r.stdout)

    def test_modes_and_diff(self):
        a = "uid\tflags\n1\t\\Seen\n2\t\n"
        b = "uid\tflags\n2\t\n1\t\\Seen\n"
        compare.assert_same(a, b, mode="sorted")
        with self.assertRaises(compare.Mismatch) as cm:
            compare.assert_same(a, b, mode="exact", what="fetch")
        self.assertIn("--- roost", str(cm.exception))
        self.assertIn("+++ dovecot", str(cm.exception))
        with self.assertRaises(compare.Mismatch):
            compare.assert_same(a, "uid\tflags\n1\t\\Seen\n", mode="sorted")
        with self.assertRaises(compare.Mismatch):
            compare.assert_same(a, a.rstrip("\n"), mode="exact")
        self.assertEqual(compare.normalize_flags("\\Seen \\Recent $Label1 \\Answered"),
                         "$Label1 \\Answered \\Seen")
        self.assertEqual(compare.rows_by(a, "uid")[("1",)]["flags"], "\\Seen")

    def test_roost_bin_default(self):
        old = os.environ.pop("ROOST_BIN", None)
        try:
            self.assertTrue(roost.roost_bin().endswith("build/cli/roost"))
        finally:
            if old is not None:
                os.environ["ROOST_BIN"] = old
        with self.assertRaises(roost.RoostError):
            roost.run(["help"], binary="/nonexistent/roost")


if __name__ == "__main__":
    unittest.main(verbosity=2)
