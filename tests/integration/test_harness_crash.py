"""Integration test: crash injection kills what it starts and drives check callbacks.

Uses the real doveadm as the writer (Roost is wired in by the lead via
ROOST_FAULT_AFTER_FSYNCS; doveadm ignores that variable, so fault-mode runs
simply exit). Bounded: at most 30 runs / 40 s.
"""

import os
import subprocess
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("ROOST_SOURCE_DIR") or Path(__file__).resolve().parents[2]) / "tests" / "harness"))

from roostharness import compare, crash, util  # noqa: E402
from roostharness.dovecot import DovecotSandbox  # noqa: E402


class CrashTest(unittest.TestCase):
    def test_kills_process_group(self):
        marker = Path(f"/tmp/roost-crash-test-{os.getpid()}")
        # the shell starts a grandchild that records its pid; both must die
        r = crash.run_and_kill(["sh", "-c", f"sleep 30 & echo $! > {marker}; wait"],
                               min_delay=0.3, max_delay=0.4, seed=1)
        try:
            self.assertTrue(r.killed)
            self.assertEqual(r.how, "killed")
            self.assertLess(r.elapsed, 5)
            grandchild = int(marker.read_text())
            self.assertTrue(util.wait_until(lambda: not util.pid_alive(grandchild), 5))
        finally:
            marker.unlink(missing_ok=True)

    def test_hang_detected(self):
        r = crash.run_and_kill(["sleep", "30"], timed_kill=False, timeout=0.5)
        self.assertTrue(r.killed and r.hung)
        st = crash.crash_loop(["sleep", "30"], n=1, fault_mode="fsync", per_run_timeout=0.5)
        self.assertEqual((st.hangs, len(st.failures)), (1, 1), st.summary())

    def test_fault_env_is_set_and_exit_counted(self):
        r = crash.run_and_kill(["sh", "-c", f'test "${crash.FAULT_ENV}" = 7'], fault_after_fsyncs=7,
                               timed_kill=False)
        self.assertFalse(r.killed)
        self.assertEqual(r.returncode, 0)
        r = crash.run_and_kill(["sh", "-c", "kill -ABRT $$"], timed_kill=False)
        self.assertTrue(r.self_aborted)

    def test_crash_loop_on_doveadm_save(self):
        with DovecotSandbox(users=["u1"]) as dv:
            dv.start()
            msg = b"Subject: crash\nMessage-ID: <c@x>\n\n" + b"line of body text\n" * 2000 + b"END\n"
            saved_ok = []

            def store_listing():
                root = dv.mail_root("u1")
                return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                              if p.is_file() and "/cur/" not in f"/{p.relative_to(root)}/"
                              and "/new/" not in f"/{p.relative_to(root)}/")

            def check(i, r):
                if r.how == "exit" and r.returncode == 0:
                    saved_ok.append(i)
                # The killed writer's whole process group is dead, so a
                # dotlock it left behind is stale by definition; Dovecot
                # itself would wait up to 120 s before overriding it.
                # That includes the list index's "*.newlock" (a killed
                # doveadm can leave dovecot.list.index.log.newlock).
                for pattern in ("*.lock", "*.newlock"):
                    for lock in dv.mail_root("u1").glob(pattern):
                        lock.unlink(missing_ok=True)
                try:
                    rs = dv.doveadm("force-resync", "-u", "u1", "INBOX", timeout=20)
                except subprocess.TimeoutExpired:
                    return f"force-resync hung; store: {store_listing()}\nlog: {util.tail(dv.log_path, 10)}"
                if rs.returncode != 0:
                    return f"force-resync failed: {rs.stderr}"
                out = dv.doveadm("-f", "tab", "fetch", "-u", "u1", "uid size.physical", "mailbox", "INBOX", "all",
                                 timeout=20)
                if out.returncode != 0:
                    return f"fetch failed: {out.stderr}"
                _, rows = compare.parse_tab(out.stdout)
                # Every message that is visible must be complete.
                bad = [row for row in rows if int(row[1]) != len(msg)]
                if bad:
                    return f"partial messages visible: {bad}"
                if len(rows) < len(saved_ok):
                    return f"{len(rows)} messages but {len(saved_ok)} saves succeeded"
                return None

            t0 = time.monotonic()
            st = crash.crash_loop(dv.argv("save", "-u", "u1", "-m", "INBOX"), [check], n=30, time_limit=40,
                                  seed=5, min_delay=0.0, max_delay=0.025, fault_mode="mixed", input=msg,
                                  per_run_timeout=20)
            print(st.summary())
            self.assertTrue(st.ok, st.summary())
            self.assertLess(time.monotonic() - t0, 60)
            self.assertGreater(st.runs, 0)
            self.assertEqual(st.runs, st.kills + st.fault_aborts + st.clean_exits)
            self.assertEqual(st.hangs, 0)
            self.assertGreater(st.clean_exits, 0)  # doveadm ignores the fault variable


if __name__ == "__main__":
    unittest.main(verbosity=2)
