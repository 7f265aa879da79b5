"""Crash safety and resume of `roost import`: ROOST_DSYNC_CRASH_KILLS kill
points (default 200; SIGKILL at a random instant or abort at the N-th fsync),
over every pair of maildir, mbox, sdbox and mdbox, each few kills followed by
a completing run that must leave 0 mail lost, 0 duplicated, flags converged
(roostharness.dsync_crash has the details). ROOST_DSYNC_CRASH_SECONDS bounds
the time; reaching fewer kill points than asked fails."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("ROOST_SOURCE_DIR",
                                           Path(__file__).resolve().parents[2])) / "tests" / "harness"))

from roostharness import dsync_crash  # noqa: E402

if __name__ == "__main__":
    dsync_crash.main("import", default_seed=7000 + 2)
