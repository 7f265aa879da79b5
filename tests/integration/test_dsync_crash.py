"""Crash safety and resume of roost sync / backup / import: each run is
killed with SIGKILL at a random instant (a timed kill, or at its N-th fsync
through ROOST_FAULT_AFTER_FSYNCS), then a normal run must finish the job:
every mail of the source on the destination exactly once, flags equal, no
mail lost on either side. Between kills the source keeps changing.
KILLS_PER_MODE kill points per mode (fewer if TIME_LIMIT runs out; the
count reached is printed)."""
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("ROOST_SOURCE_DIR",
                                           Path(__file__).resolve().parents[2])) / "tests" / "harness"))

from roostharness import crash, roost  # noqa: E402
from roostharness.checks import Checks  # noqa: E402
from roostharness.dovecot import DovecotSandbox  # noqa: E402

KILLS_PER_MODE = int(os.environ.get("ROOST_DSYNC_CRASH_KILLS", "60"))
TIME_LIMIT = float(os.environ.get("ROOST_DSYNC_CRASH_SECONDS", "100"))  # per mode


def message(tag):
    return (f"From: c@example.com\nSubject: {tag}\nMessage-ID: <{tag}@example.com>\n"
            f"Date: Mon, 1 Jan 2024 00:00:00 +0000\n\nbody {tag}\n" + "line\n" * 40).encode()


def contents(cfg, prefix=""):
    p = roost.run(["-f", "tab", "fetch", "-u", "u1", "mailbox flags hdr.subject", "all"],
                  config=cfg)
    out = []
    for line in p.stdout.splitlines()[1:]:
        if line:
            box, flags, subj = line.split("\t")
            if prefix:
                if not box.startswith(prefix):
                    continue
                box = box[len(prefix):]
            out.append((box, " ".join(sorted(f for f in flags.split() if f != "\\Recent")),
                        subj))
    return sorted(out)


def run_mode(ck, mode, seed):
    rng = random.Random(seed)
    with DovecotSandbox(users=["u1"], mail_format="maildir") as a:
        home = a.user_home("u1")
        dest_loc = f"maildir:{home}/copy"
        with DovecotSandbox(users=["u1"], mail_location=dest_loc) as b:
            a.chown_homes()
            n = 0
            for box in ("INBOX", "Work", "Lists"):
                if box != "INBOX":
                    roost.run(["mailbox", "create", "-u", "u1", box], config=a.config_path)
                for _ in range(8):
                    n += 1
                    roost.run(["save", "-u", "u1", "-m", box], config=a.config_path,
                              input=message(f"m{n}"))
            if mode == "import":
                base = ["import", "-u", "u1", f"maildir:{home}/Maildir", "Imported", "all"]
                cfg = b.config_path
            else:
                base = [mode, "-u", "u1", dest_loc]
                cfg = a.config_path
            start = time.monotonic()
            kills = 0
            while kills < KILLS_PER_MODE and time.monotonic() - start < TIME_LIMIT:
                # Keep the source moving.
                n += 1
                roost.run(["save", "-u", "u1", "-m", rng.choice(["INBOX", "Work"])],
                          config=a.config_path, input=message(f"m{n}"))
                if mode != "import":
                    roost.run(["flags", rng.choice(["add", "remove"]), "-u", "u1", "\\Seen",
                               "mailbox", "INBOX", str(rng.randint(1, 5))],
                              config=a.config_path, expect=None)
                fault = rng.randint(1, 40) if rng.random() < 0.6 else None
                res = crash.run_and_kill(roost.argv(base, cfg), min_delay=0.0, max_delay=0.25,
                                         seed=rng.randint(0, 1 << 30), fault_after_fsyncs=fault,
                                         timed_kill=fault is None)
                if res.killed or res.self_aborted:
                    kills += 1
                elif res.returncode not in (0, 2):
                    ck.check(False, f"{mode}: unkilled run exit {res.returncode}: {res.stderr[-500:]}")
                if kills % 10 == 0 or kills >= KILLS_PER_MODE:
                    # Resume: a plain run finishes the job.
                    p = roost.run(base, config=cfg, expect=None)
                    ck.check(p.returncode == 0, f"{mode}: resume exit {p.returncode}: {p.stderr}")
                    src = contents(a.config_path)
                    if mode == "import":
                        dst = contents(b.config_path, "Imported/")
                        src = [(bx, "", s) for bx, _f, s in src]
                        dst = [(bx, "", s) for bx, _f, s in dst]
                    else:
                        dst = contents(b.config_path)
                    ck.check(src == dst, f"{mode} after {kills} kills: copy differs from the "
                                         f"source:\n missing {sorted(set(src) - set(dst))}\n "
                                         f"extra {sorted(set(dst) - set(src))}")
                    subjects = [s for _b, _f, s in dst]
                    ck.check(len(subjects) == len(set(subjects)),
                             f"{mode}: duplicated mail after {kills} kills")
            print(f"{mode}: {kills} kill points survived")


def main():
    ck = Checks()
    for i, mode in enumerate(["backup", "sync", "import"]):
        run_mode(ck, mode, 7000 + i)
    ck.finish()


if __name__ == "__main__":
    main()
