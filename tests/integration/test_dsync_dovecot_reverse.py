"""The reverse cross-check: real `doveadm backup` first, then `roost backup`
over the same pair must find nothing to change.

Dovecot writes a Maildir (subfolders, flags, keywords, expunges, renames,
deletes between rounds) and `doveadm backup` copies it into a Maildir, an
sdbox and an mdbox destination. After each round, for each destination:

- `roost backup --dry-run` prints an empty plan (no mailbox to create,
  rename or delete, no message to copy or expunge, no flag change);
- `roost backup` exits 0 and leaves the destination as Dovecot made it:
  `doveadm -f tab fetch 'mailbox guid uid flags'` and `mailbox status`
  print the same as before, and (Maildir) not one mail file is renamed,
  added or removed;
- `roost verify` proves source and destination identical (exit 0).
"""
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("ROOST_SOURCE_DIR",
                                           Path(__file__).resolve().parents[2])) / "tests" / "harness"))

from roostharness import compare, roost  # noqa: E402
from roostharness.checks import Checks, fixture_message  # noqa: E402
from roostharness.dovecot import DovecotSandbox  # noqa: E402

CHECKS = Checks()
check = CHECKS.check


def plan_is_empty(plan):
    # Both keys are always there (a plan without them is a format change
    # this test must notice, not an empty plan).
    return plan.get("mailboxes", None) == [] and plan.get("messages", None) == []


def main():
    with DovecotSandbox(users=["u1"]) as dv:
        dv.start()
        cfg = dv.config_path
        home = dv.user_home("u1")
        dests = {
            "maildir": f"maildir:{home}/copy-maildir",
            "sdbox": f"sdbox:{home}/copy-sdbox",
            "mdbox": f"mdbox:{home}/copy-mdbox",
        }

        def D(*args, input=None):
            return dv.doveadm(*args, input=input, check=True)

        def fetch(loc=None):
            extra = ["-o", f"mail_location={loc}"] if loc else []
            return compare.sorted_without_recent(D(*extra, "-f", "tab", "fetch", "-u", "u1",
                                "mailbox guid uid flags", "all").stdout)

        def status(loc=None):
            extra = ["-o", f"mail_location={loc}"] if loc else []
            return compare.sorted_without_recent(D(*extra, "-f", "tab", "mailbox", "status", "-u", "u1",
                                "guid uidvalidity uidnext messages", "*").stdout)

        for n in range(1, 7):
            D("save", "-u", "u1", "-m", "INBOX", input=fixture_message(n))
        D("mailbox", "create", "-u", "u1", "Work", "Work/Sub", "Archive")
        D("save", "-u", "u1", "-m", "Work/Sub", input=fixture_message(7))
        D("save", "-u", "u1", "-m", "Work", input=fixture_message(8))
        D("save", "-u", "u1", "-m", "Archive", input=fixture_message(9))
        D("flags", "add", "-u", "u1", "\\Seen $Label1", "mailbox", "INBOX", "1:3")
        D("flags", "add", "-u", "u1", "\\Flagged \\Answered", "mailbox", "Work", "all")
        D("expunge", "-u", "u1", "mailbox", "INBOX", "2")
        D("mailbox", "subscribe", "-u", "u1", "Work", "Archive")

        for rnd in range(3):
            for fmt, loc in dests.items():
                D("backup", "-u", "u1", loc)
                before_fetch, before_status = fetch(loc), status(loc)
                root = loc.split(":", 1)[1]
                before_files = compare.maildir_mail_files(root)
                check(before_fetch == fetch(),
                      f"round {rnd} {fmt}: doveadm backup itself left a different copy")

                p = roost.run(["-f", "json", "backup", "-u", "u1", "--dry-run", loc],
                              config=cfg, expect=None)
                check(p.returncode == 0,
                      f"round {rnd} {fmt}: roost backup --dry-run exit {p.returncode}: {p.stderr}")
                try:
                    plan = json.loads(p.stdout)
                except ValueError:
                    plan = None
                    check(False, f"round {rnd} {fmt}: --dry-run printed no JSON: {p.stdout!r}")
                if plan is not None:
                    users = plan if isinstance(plan, list) else [plan]
                    for u in users:
                        check(plan_is_empty(u.get("plan", u)),
                              f"round {rnd} {fmt}: roost wants to change a copy doveadm "
                              f"backup just made:\n{json.dumps(u, indent=1)[:3000]}")

                p = roost.run(["backup", "-u", "u1", loc], config=cfg, expect=None)
                check(p.returncode == 0,
                      f"round {rnd} {fmt}: roost backup exit {p.returncode}: {p.stderr}")
                check(fetch(loc) == before_fetch,
                      f"round {rnd} {fmt}: roost backup changed UIDs/GUIDs/flags of "
                      f"Dovecot's copy:\n before {before_fetch}\n after  {fetch(loc)}")
                check(status(loc) == before_status,
                      f"round {rnd} {fmt}: roost backup changed mailbox GUID/UIDVALIDITY/"
                      f"UIDNEXT:\n before {before_status}\n after  {status(loc)}")
                if fmt == "maildir":
                    check(compare.maildir_mail_files(root) == before_files,
                          f"round {rnd} {fmt}: roost backup renamed/added/removed mail files")
                p = roost.run(["verify", "-u", "u1", loc], config=cfg, expect=None)
                check(p.returncode == 0,
                      f"round {rnd} {fmt}: roost verify exit {p.returncode}:\n"
                      f"{p.stdout[-2000:]}{p.stderr[-1000:]}")

            # Changes on the source for the next round.
            D("save", "-u", "u1", "-m", "INBOX", input=fixture_message(20 + rnd))
            D("flags", "remove", "-u", "u1", "\\Seen", "mailbox", "INBOX", "1")
            D("flags", "add", "-u", "u1", "$Label2", "mailbox", "Work", "1")
            D("expunge", "-u", "u1", "mailbox", "INBOX", "3")
            if rnd == 0:
                D("mailbox", "rename", "-u", "u1", "Work/Sub", "Moved")
                D("mailbox", "create", "-u", "u1", "Fresh", "Gone")
                D("mailbox", "unsubscribe", "-u", "u1", "Archive")
            elif rnd == 1:
                D("mailbox", "rename", "-u", "u1", "Fresh", "Renamed")
                D("mailbox", "delete", "-u", "u1", "Gone")
    CHECKS.finish()


if __name__ == "__main__":
    main()
