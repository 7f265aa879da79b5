"""Crash safety of roost's write verbs: 200 runs of save / flags / expunge,
each killed with SIGKILL at a random point (a random delay, or right after
its N-th fsync through ROOST_FAULT_AFTER_FSYNCS). After every run the store
must open, every message whose save finished must be there, none doubled,
no UID reused; finally real Dovecot reads the same store and agrees."""
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("ROOST_SOURCE_DIR",
                                           Path(__file__).resolve().parents[2])) / "tests" / "harness"))

from roostharness import crash, roost  # noqa: E402
from roostharness.dovecot import DovecotSandbox  # noqa: E402

RUNS = 200
TIME_LIMIT = 150.0


def message(i):
    return (f"From: crash@example.com\nSubject: crash-{i}\nMessage-ID: <crash-{i}@example.com>\n\n"
            f"body {i}\n" + "filler line\n" * (i % 7)).encode()


def main():
    rng = random.Random(20261122)
    failures = []
    with DovecotSandbox(users=["u1"]) as dv:
        cfg = dv.config_path

        def fetch():
            p = roost.run(["-f", "tab", "fetch", "-u", "u1", "uid guid flags hdr.subject",
                           "mailbox", "INBOX", "all"], config=cfg, expect=None)
            if p.returncode != 0:
                return None, p.stderr
            rows = [l.split("\t") for l in p.stdout.splitlines()[1:] if l]
            return rows, ""

        for i in range(10):
            roost.run(["save", "-u", "u1", "-m", "INBOX"], config=cfg, input=message(i))
        saved_ok = set(range(10))     # subjects whose save exited 0
        expunge_tried = set()         # subjects an expunge ran for (killed or not:
                                      # a killed expunge may have done its work)
        uid_of = {}                   # uid -> subject ever seen
        next_subject = 10
        start = time.monotonic()
        runs = kills = 0
        for run in range(RUNS):
            if time.monotonic() - start > TIME_LIMIT:
                break
            rows, err = fetch()
            if rows is None:
                failures.append(f"run {run}: store doesn't open before the run: {err}")
                break
            op = run % 3
            live = [r for r in rows]
            if op == 0 or not live:
                subj = next_subject
                next_subject += 1
                argv = roost.argv(["save", "-u", "u1", "-m", "INBOX"], cfg)
                stdin = message(subj)
            elif op == 1:
                target = rng.choice(live)
                argv = roost.argv(["flags", rng.choice(["add", "remove"]), "-u", "u1", "\\Seen $Crash",
                                   "mailbox", "INBOX", "uid", target[0]], cfg)
                stdin = None
            else:
                target = rng.choice(live)
                argv = roost.argv(["expunge", "-u", "u1", "mailbox", "INBOX", "uid", target[0]], cfg)
                stdin = None
            fault = rng.randint(1, 6) if rng.random() < 0.5 else None
            res = crash.run_and_kill(argv, min_delay=0.0, max_delay=0.03, seed=rng.randint(0, 1 << 30),
                                     fault_after_fsyncs=fault, timed_kill=fault is None, input=stdin)
            runs += 1
            kills += 1 if (res.killed or res.self_aborted) else 0
            if op == 2:
                expunge_tried.add(int(target[3].split("-")[1]))
            if res.returncode == 0:
                if op == 0:
                    saved_ok.add(subj)
            elif not (res.killed or res.self_aborted):
                failures.append(f"run {run}: {' '.join(argv)} failed on its own: {res.stderr[-500:]!r}")

            rows, err = fetch()
            if rows is None:
                failures.append(f"run {run} ({res.how}): store doesn't open: {err}")
                break
            subjects = [int(r[3].split("-")[1]) for r in rows]
            uids = [int(r[0]) for r in rows]
            if uids != sorted(set(uids)):
                failures.append(f"run {run}: UIDs not unique/ascending: {uids}")
            if len(subjects) != len(set(subjects)):
                failures.append(f"run {run} ({res.how}): a message is doubled: {sorted(subjects)}")
            lost = (saved_ok - expunge_tried) - set(subjects)
            if lost:
                failures.append(f"run {run} ({res.how}): lost saved messages {sorted(lost)}")
            for u, s in zip(uids, subjects):
                if uid_of.setdefault(u, s) != s:
                    failures.append(f"run {run}: UID {u} reused (was crash-{uid_of[u]}, now crash-{s})")
            if len(failures) > 5:
                break

        print(f"{runs} runs, {kills} killed mid-way, {len(saved_ok)} saves completed, "
              f"{time.monotonic() - start:.1f}s")
        if runs < RUNS and not failures and time.monotonic() - start > TIME_LIMIT:
            print(f"note: stopped by the {TIME_LIMIT:.0f}s time bound after {runs} runs")

        # Real Dovecot reads the store Roost wrote under crashes.
        dv.chown_homes()
        dv.start()
        d = dv.doveadm("-f", "tab", "fetch", "-u", "u1", "uid guid", "mailbox", "INBOX", "all")
        r = roost.run(["-f", "tab", "fetch", "-u", "u1", "uid guid", "mailbox", "INBOX", "all"],
                      config=cfg, expect=None)
        if d.returncode != 0 or d.stdout != r.stdout:
            failures.append(f"doveadm and roost disagree after the crash runs:\n--- roost\n"
                            f"{r.stdout}\n--- doveadm (exit {d.returncode})\n{d.stdout}{d.stderr}")

    for f in failures:
        print("FAIL:", f)
    if failures:
        sys.exit(1)
    print("crash checks passed")


if __name__ == "__main__":
    main()
