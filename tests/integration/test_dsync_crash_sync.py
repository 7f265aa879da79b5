"""Crash safety and resume of `roost sync`: ROOST_DSYNC_CRASH_KILLS kill
points (default 200; SIGKILL at a random instant or abort at the N-th fsync),
over every pair of maildir, mbox, sdbox and mdbox,
each few kills followed by a completing run that must leave 0 mail lost,
0 duplicated, flags converged (roostharness.dsync_crash has the details).
ROOST_DSYNC_CRASH_SECONDS bounds the time; reaching fewer kill points than
asked fails."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("ROOST_SOURCE_DIR",
                                           Path(__file__).resolve().parents[2])) / "tests" / "harness"))

from roostharness import dsync_crash  # noqa: E402
from roostharness.checks import Checks  # noqa: E402
from roostharness.dovecot import DovecotSandbox  # noqa: E402

MODE = "sync"
KILLS = int(os.environ.get("ROOST_DSYNC_CRASH_KILLS", "200"))
SEED = int(os.environ.get("ROOST_DSYNC_CRASH_SEED", "0")) or 7000 + 1
TIME_LIMIT = float(os.environ.get("ROOST_DSYNC_CRASH_SECONDS", "400"))
FORMATS = list(dsync_crash.FORMATS)
PAIRS = [(a, b) for a in FORMATS for b in FORMATS]


def main():
    ck = Checks()
    with DovecotSandbox(users=[dsync_crash.USER], mail_format="maildir") as dv:
        work = Path(dv.user_home(dsync_crash.USER)) / "crash"
        work.mkdir()
        dv.chown_homes()
        res = dsync_crash.run_mode(MODE, str(dv.config_path), work, kills=KILLS,
                                   seed=SEED, time_limit=TIME_LIMIT, pairs=PAIRS)
    print(res.summary())
    for f in res.failures:
        ck.check(False, f)
    ck.check(res.kills >= KILLS, f"only {res.kills} of {KILLS} kill points within {TIME_LIMIT:.0f}s")
    ck.check(len(res.pairs) == len(PAIRS) or res.kills < len(PAIRS) * 5,
             f"not every format pair was interrupted: {sorted(res.pairs)}")
    ck.finish()


if __name__ == "__main__":
    main()
