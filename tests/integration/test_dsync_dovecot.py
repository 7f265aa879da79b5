"""roost backup cross-checked with real Dovecot 2.3.

1. Dovecot writes a Maildir (subfolders, flags, keywords, an expunge).
   `roost backup` copies it to another Maildir location. `doveadm -f tab
   fetch 'mailbox guid uid flags'` on the copy must print what it prints on
   the source, and mailbox GUIDs/UIDVALIDITY/UIDNEXT must match.
2. Real `doveadm backup` over the same pair then finds nothing to change:
   the copy's mail files, UIDs, GUIDs and flags stay exactly as they were.
3. After changes on the source (new mail, flags, expunge, rename, delete), a
   second `roost backup` brings the copy level again, with the same check.
4. Real `doveadm sync` as the master with `roost dsync-server` as the remote
   side (Dovecot's dsync byte stream over a pipe): the Roost side ends up
   with the same mailboxes, UIDs, GUIDs and flags; a second run is a no-op
   that exits 0.
5. The other way round: `roost backup` / `roost sync` as the master with real
   `doveadm dsync-server` as the remote side: the Dovecot side ends up equal.
"""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("ROOST_SOURCE_DIR",
                                           Path(__file__).resolve().parents[2])) / "tests" / "harness"))

from roostharness import compare, roost  # noqa: E402
from roostharness.checks import Checks, fixture_message  # noqa: E402
from roostharness.dovecot import DOVEADM, DovecotSandbox  # noqa: E402

CHECKS = Checks()
check = CHECKS.check


def main():
    with DovecotSandbox(users=["u1"]) as dv:
        dv.start()
        cfg = dv.config_path
        home = dv.user_home("u1")
        backup_loc = f"maildir:{home}/backup"

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

        for n in range(1, 6):
            D("save", "-u", "u1", "-m", "INBOX", input=fixture_message(n))
        D("mailbox", "create", "-u", "u1", "Work", "Work/Sub")
        D("save", "-u", "u1", "-m", "Work/Sub", input=fixture_message(7))
        D("save", "-u", "u1", "-m", "Work", input=fixture_message(8))
        D("flags", "add", "-u", "u1", "\\Seen $Label1", "mailbox", "INBOX", "1:3")
        D("flags", "add", "-u", "u1", "\\Flagged", "mailbox", "Work", "all")
        D("expunge", "-u", "u1", "mailbox", "INBOX", "2")
        dv.stop()  # Roost works on the store alone; Dovecot restarts below
        dv.start()

        for rnd in range(3):
            p = roost.run(["backup", "-u", "u1", backup_loc], config=cfg, expect=None)
            check(p.returncode == 0, f"round {rnd}: roost backup exit {p.returncode}: {p.stderr}")
            src, dst = fetch(), fetch(backup_loc)
            check(src == dst, f"round {rnd}: doveadm fetch differs:\n source {src}\n backup {dst}")
            check(status() == status(backup_loc),
                  f"round {rnd}: mailbox status differs:\n {status()}\n {status(backup_loc)}")
            files_before = compare.maildir_mail_files(f"{home}/backup")
            p = dv.doveadm("backup", "-u", "u1", backup_loc)
            check(p.returncode == 0, f"round {rnd}: doveadm backup exit {p.returncode}: {p.stderr}")
            check(compare.maildir_mail_files(f"{home}/backup") == files_before,
                  f"round {rnd}: doveadm backup changed the copy's mail files:\n"
                  f" before {files_before}\n after  {compare.maildir_mail_files(f'{home}/backup')}")
            check(fetch(backup_loc) == dst,
                  f"round {rnd}: doveadm backup changed UIDs/GUIDs/flags:\n {dst}\n"
                  f" {fetch(backup_loc)}")
            # Changes on the source for the next round.
            D("save", "-u", "u1", "-m", "INBOX", input=fixture_message(20 + rnd))
            D("flags", "remove", "-u", "u1", "\\Seen", "mailbox", "INBOX", "1")
            D("expunge", "-u", "u1", "mailbox", "INBOX", "3")
            if rnd == 0:
                D("mailbox", "rename", "-u", "u1", "Work/Sub", "Moved")
                D("mailbox", "create", "-u", "u1", "Fresh", "Gone")
            elif rnd == 1:
                D("mailbox", "rename", "-u", "u1", "Fresh", "Renamed")
                D("mailbox", "delete", "-u", "u1", "Gone")
        # 4. Dovecot's master against Roost's slave over the wire protocol.
        remote_loc = f"maildir:{home}/roost-replica"
        with DovecotSandbox(users=["u1"], mail_location=remote_loc) as rs:
            dv.chown_homes()
            remote = [roost.roost_bin(), "-c", str(rs.config_path), "dsync-server", "-u", "u1"]
            for rnd in range(2):
                p = dv.doveadm("sync", "-u", "u1", *remote, timeout=60)
                check(p.returncode == 0, f"doveadm sync -> roost dsync-server round {rnd}: exit "
                                         f"{p.returncode}: {p.stderr[-1500:]}")
                check(fetch() == fetch(remote_loc),
                      f"doveadm sync -> roost round {rnd}: the Roost side differs:\n"
                      f" dovecot {fetch()}\n roost   {fetch(remote_loc)}")
                D("save", "-u", "u1", "-m", "INBOX", input=fixture_message(40 + rnd))
                D("flags", "add", "-u", "u1", "\\Answered", "mailbox", "INBOX", "1")
        # 5. Roost's master against Dovecot's slave.
        dv_loc = f"maildir:{home}/dovecot-replica"
        with DovecotSandbox(users=["u1"], mail_location=dv_loc) as ds:
            ds.start()
            dv.chown_homes()
            remote = [DOVEADM, "-c", str(ds.config_path), "dsync-server", "-u", "u1"]
            for verb in ("backup", "backup", "sync"):
                p = roost.run([verb, "-u", "u1", *remote], config=cfg, expect=None, timeout=120)
                check(p.returncode == 0, f"roost {verb} -> doveadm dsync-server: exit "
                                         f"{p.returncode}: {p.stderr[-1500:]}")
                check(fetch() == fetch(dv_loc),
                      f"roost {verb} -> doveadm dsync-server: the Dovecot side differs:\n"
                      f" source  {fetch()}\n replica {fetch(dv_loc)}")
                D("save", "-u", "u1", "-m", "INBOX", input=fixture_message(50))
    CHECKS.finish()


if __name__ == "__main__":
    main()
