"""Crash safety of `roost purge` and `roost altmove` on an mdbox Dovecot
wrote: the real binary is killed right after each of its fsyncs in turn
(ROOST_FAULT_AFTER_FSYNCS=1, 2, ...) until a run gets through. After every
kill the store must show every message (same mailbox, UID, GUID) exactly
once; a re-run must finish the job (no expunged message left in the m.*
files, the ALT moves done); finally doveadm must agree with roost.
(The 200-random-kill loops of the same operations are the unit tests
"mdbox purge/altmove: 200 SIGKILLs ...".)"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("ROOST_SOURCE_DIR",
                                           Path(__file__).resolve().parents[2])) / "tests" / "harness"))

from roostharness import roost  # noqa: E402
from roostharness.checks import Checks, fixture_message  # noqa: E402
from roostharness.dovecot import DovecotSandbox  # noqa: E402

CHECKS = Checks()
check = CHECKS.check
MAX_POINTS = 120


def rows(out):
    return sorted(out.splitlines()[1:])


def main():
    with DovecotSandbox(users=["u1"], mail_location="mdbox:~/mdbox:ALT=~/mdbox-alt",
                        separator="/") as dv:
        dv.start()
        cfg = dv.config_path
        D = lambda *a: dv.doveadm(*a, check=True)  # noqa: E731
        # A Dovecot-written store: two mailboxes, copies, expunges, small
        # rotate size so there are several m.* files.
        for n in range(1, 25):
            dv.save("u1", "INBOX", fixture_message(n, "x" * (n * 37)).encode())
        D("mailbox", "create", "-u", "u1", "Keep")
        D("copy", "-u", "u1", "Keep", "mailbox", "INBOX", "uid", "1:8")
        D("expunge", "-u", "u1", "mailbox", "INBOX", "uid", "2:20")
        home = dv.user_home("u1")
        template = Path(str(home) + "-template")
        shutil.copytree(home / "mdbox", template / "mdbox", symlinks=True)
        fetch = ["-f", "tab", "fetch", "-u", "u1", "mailbox uid guid", "all"]
        expected = rows(D(*fetch).stdout)
        template_bytes = sum(p.stat().st_size for p in (template / "mdbox" / "storage").glob("m.*"))

        def R(*args, env=None, expect=0):
            return roost.run(list(args), config=cfg, expect=expect, env=env)

        for verb in (["purge", "-u", "u1"], ["altmove", "-u", "u1", "mailbox", "*", "uid", "1:4"]):
            completed = False
            for point in range(1, MAX_POINTS + 1):
                for d in ("mdbox", "mdbox-alt"):
                    shutil.rmtree(home / d, ignore_errors=True)
                shutil.copytree(template / "mdbox", home / "mdbox", symlinks=True)
                dv.chown_homes()
                env = dict(os.environ, ROOST_FAULT_AFTER_FSYNCS=str(point))
                r = subprocess.run(roost.argv(["-o", "mdbox_rotate_size=1k", *verb], cfg), env=env,
                                   capture_output=True)
                killed = r.returncode < 0
                now = rows(R(*fetch).stdout)
                check(now == expected, f"{verb[0]} killed after fsync {point}: messages differ\n"
                                       f"{now}\nexpected {expected}")
                # The re-run finishes the job.
                R("-o", "mdbox_rotate_size=1k", *verb)
                check(rows(R(*fetch).stdout) == expected, f"{verb[0]} re-run after fsync {point}")
                if verb[0] == "purge":
                    sizes = sum(p.stat().st_size for p in (home / "mdbox" / "storage").glob("m.*"))
                    check(sizes < template_bytes * 3 // 4,
                          f"purge re-run reclaimed the expunged mail ({template_bytes} -> {sizes} bytes)")
                else:
                    check(any((home / "mdbox-alt" / "storage").glob("m.*")),
                          f"altmove re-run after fsync {point} moved mail to ALT")
                if not killed:
                    completed = True
                    break
            check(completed, f"{verb[0]} completed within {MAX_POINTS} fault points")
            print(f"{verb[0]}: killed at fsync points 1..{point - 1}, each time consistent")
            dv.chown_homes()
            check(rows(D(*fetch).stdout) == expected, f"doveadm agrees after the {verb[0]} kills")
        shutil.rmtree(template, ignore_errors=True)
    CHECKS.finish()


if __name__ == "__main__":
    main()
