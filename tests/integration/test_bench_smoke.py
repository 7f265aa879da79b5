"""Integration test: bench/run.py works end to end (tiny, doveadm on both sides).

Only the plumbing is checked (exit code, table, --record section); timings
are never asserted. Uses --roost doveadm so it runs before the roost CLI
exists; bounded to a 200-message corpus, 1 rep, 5 saves.
"""

import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SRC = Path(os.environ.get("ROOST_SOURCE_DIR") or Path(__file__).resolve().parents[2])


class BenchSmokeTest(unittest.TestCase):
    def test_bench_runs_and_records(self):
        with tempfile.TemporaryDirectory() as tmp:
            rec = Path(tmp) / "PERFORMANCE.md"
            p = subprocess.run(
                ["/usr/bin/python3", str(SRC / "bench" / "run.py"), "--roost", "doveadm",
                 "--messages", "200", "--reps", "1", "--save-messages", "5",
                 "--only", "fetch-uid-flags,status-inbox,save", "--record", "--record-file", str(rec)],
                capture_output=True, text=True, timeout=240)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn("| workload | roost median s | dovecot median s | ratio r/d", p.stdout)
            for w in ("fetch-uid-flags", "status-inbox", "save"):
                self.assertIn(f"| {w} |", p.stdout)
            self.assertNotIn("OUTPUT DIFFERS", p.stdout)
            self.assertIn("warm-up", p.stdout)
            text = rec.read_text()
            self.assertIn("bench/run.py", text)
            self.assertIn("seed 1, 200 messages", text)
            self.assertIn("CPUs", text)

    def test_list_and_missing_binary(self):
        p = subprocess.run(["/usr/bin/python3", str(SRC / "bench" / "run.py"), "--list"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0)
        self.assertIn("search-body", p.stdout)
        p = subprocess.run(["/usr/bin/python3", str(SRC / "bench" / "run.py"), "--roost", "/nonexistent/roost"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertIn("not found", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
