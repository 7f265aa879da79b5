"""Integration test: SshdSandbox starts a private sshd, ssh works, it stops."""

import os
import subprocess
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("ROOST_SOURCE_DIR") or Path(__file__).resolve().parents[2]) / "tests" / "harness"))

from roostharness import util  # noqa: E402
from roostharness.sshd import SshdSandbox  # noqa: E402


class SshdSandboxTest(unittest.TestCase):
    def test_ssh_true_and_stop(self):
        with SshdSandbox() as s:
            r = subprocess.run(s.ssh_command() + ["true"], capture_output=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace") + util.tail(s.log_path))
            r = s.run(["sh", "-c", "echo $((6*7))"], check=True)
            self.assertEqual(r.stdout, b"42\n")
            # stdin is carried through (the dsync-over-ssh pattern needs that)
            r = s.run("cat", input=b"piped\n", check=True)
            self.assertEqual(r.stdout, b"piped\n")
            pid, port = s.proc.pid, s.port
        self.assertFalse(util.pid_alive(pid))
        self.assertFalse(util.tcp_accepts("127.0.0.1", port))


if __name__ == "__main__":
    unittest.main(verbosity=2)
