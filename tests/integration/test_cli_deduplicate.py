"""`roost deduplicate` against `doveadm deduplicate` on identical stores.

Two sandboxes get the same Maildir store (written by Dovecot): messages
copied within their mailbox (same GUID), messages saved twice with the same
Message-ID (different GUIDs), messages without Message-ID, duplicates in two
mailboxes. The same deduplicate argv runs on each side, roost on one and
doveadm on the other; afterwards both stores must hold exactly the same
UIDs and GUIDs (read by doveadm on both sides), step after step: by GUID
restricted to one mailbox, by GUID restricted to some UIDs, by Message-ID
over every mailbox. Then `roost deduplicate` is killed at random instants
(SIGKILL and fault injection at fsync points) while new duplicates keep
arriving: no message may ever be lost, and a last run leaves exactly one
copy of each.
"""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("ROOST_SOURCE_DIR",
                                           Path(__file__).resolve().parents[2])) / "tests" / "harness"))

from roostharness import crash, roost  # noqa: E402
from roostharness.checks import Checks, fixture_message  # noqa: E402
from roostharness.dovecot import DovecotSandbox  # noqa: E402

CHECKS = Checks()
check = CHECKS.check
U = "u1"


def message(n, message_id=True, mid=None):
    text = fixture_message(n)
    if not message_id:
        text = "".join(line + "\n" for line in text.splitlines() if not line.startswith("Message-ID:"))
    elif mid:
        text = text.replace(f"<m{n}@example.com>", mid)
    return text.encode()


def state(dv):
    return dv.doveadm("-f", "tab", "fetch", "-u", U, "mailbox uid guid flags", "all", check=True).stdout


def main():
    with DovecotSandbox(users=[U]) as dvd, DovecotSandbox(users=[U]) as dvr:
        dvd.start()
        dvr.start()
        D = lambda *a, **k: dvd.doveadm(*a, check=True, **k)  # noqa: E731
        D("mailbox", "create", "-u", U, "Other")
        for n in range(1, 7):
            dvd.save(U, "INBOX", message(n))
        dvd.save(U, "INBOX", message(7, mid="<m2@example.com>"))   # same Message-ID as 2
        dvd.save(U, "INBOX", message(8, message_id=False))
        dvd.save(U, "INBOX", message(8, message_id=False))          # same text, new GUID
        D("copy", "-u", U, "INBOX", "mailbox", "INBOX", "uid", "2:4")  # GUID duplicates 10-12
        D("copy", "-u", U, "INBOX", "mailbox", "INBOX", "uid", "3")    # a third copy of 3
        D("copy", "-u", U, "Other", "mailbox", "INBOX", "uid", "1:2")
        D("copy", "-u", U, "Other", "mailbox", "Other", "all")
        D("flags", "add", "-u", U, "\\Seen", "mailbox", "INBOX", "uid", "10")
        dvr.copy_home_from(dvd, U)
        check(state(dvr) == state(dvd), "both sandboxes start identical")
        before = state(dvd)

        steps = [
            ["deduplicate", "-u", U, "mailbox", "INBOX", "uid", "1:10"],
            ["deduplicate", "-u", U, "mailbox", "INBOX", "all"],
            ["deduplicate", "-u", U, "-m", "mailbox", "*", "all"],
        ]
        for args in steps:
            r = roost.run(args, config=dvr.config_path, expect=None)
            d = dvd.doveadm(*args)
            check(r.returncode == d.returncode == 0,
                  f"{args}: exit roost {r.returncode} doveadm {d.returncode}: {r.stderr}{d.stderr}")
            dvr.chown_homes()
            sr, sd = state(dvr), state(dvd)
            check(sr == sd, f"{args}: stores differ after deduplicate\n--- roost\n{sr}\n--- doveadm\n{sd}")

        after = state(dvd)
        check(after != before and after.count("\n") < before.count("\n"),
              f"the steps removed something:\n{before}\n{after}")
        inbox_uids = [line.split("\t")[1] for line in after.splitlines()[1:] if line.startswith("INBOX\t")]
        check("10" not in inbox_uids and "2" in inbox_uids,
              f"the lowest UID is kept (2 stays, its copy 10 goes): {inbox_uids}")
        check("7" not in inbox_uids, f"-m removed uid 7 (Message-ID of 2): {inbox_uids}")
        check("8" in inbox_uids and "9" in inbox_uids,
              f"messages without Message-ID are never deduplicated: {inbox_uids}")

        # Usage and user errors, as doveadm.
        check(roost.run(["deduplicate", "-u", U], config=dvr.config_path, expect=None).returncode == 64,
              "no query: 64")
        check(roost.run(["deduplicate", "-u", "nobody", "all"], config=dvr.config_path,
                        expect=None).returncode == 67, "unknown user: 67")
        check(roost.run(["deduplicate", "-u", U, "-x", "all"], config=dvr.config_path,
                        expect=None).returncode == 64, "unknown option: 64")

    mbox_section()
    crash_section()
    CHECKS.finish()


def mbox_section():
    """The same on mbox, where a message's GUID is its header's MD5: copies
    share it, so do messages saved twice with the same header."""
    with DovecotSandbox(users=[U], mail_format="mbox") as dvd, \
            DovecotSandbox(users=[U], mail_format="mbox") as dvr:
        dvd.start()
        dvr.start()
        for n in range(1, 6):
            dvd.save(U, "INBOX", message(n))
        dvd.save(U, "INBOX", message(2))                             # same header as 2
        dvd.save(U, "INBOX", message(9, mid="<m1@example.com>"))     # Message-ID of 1
        dvd.doveadm("copy", "-u", U, "INBOX", "mailbox", "INBOX", "uid", "3:4", check=True)
        dvr.copy_home_from(dvd, U)
        before = state(dvd).count("\n")
        for args in (["deduplicate", "-u", U, "mailbox", "INBOX", "all"],
                     ["deduplicate", "-u", U, "-m", "mailbox", "INBOX", "all"]):
            r = roost.run(args, config=dvr.config_path, expect=None)
            d = dvd.doveadm(*args)
            check(r.returncode == d.returncode == 0, f"mbox {args}: exit {r.returncode}/{d.returncode} {r.stderr}")
            dvr.chown_homes()
            sr, sd = state(dvr), state(dvd)
            check(sr == sd, f"mbox {args}: stores differ\n--- roost\n{sr}\n--- doveadm\n{sd}")
        after = state(dvd).count("\n")
        check(before - after == 4, f"mbox: 3 GUID copies and 1 Message-ID copy removed ({before} -> {after})")


def crash_section():
    with DovecotSandbox(users=[U]) as dv:
        dv.start()
        cfg = dv.config_path
        dv.doveadm("mailbox", "create", "-u", U, "Orig", check=True)
        for n in range(1, 31):
            dv.save(U, "Orig", message(n))
        dv.doveadm("copy", "-u", U, "INBOX", "mailbox", "Orig", "all", check=True)

        def guids(box):
            out = roost.run(["-f", "tab", "fetch", "-u", U, "guid", "mailbox", box, "all"],
                            config=cfg, timeout=60).stdout
            return out.splitlines()[1:]

        originals = sorted(guids("Orig"))

        def add_duplicates(i):
            # Every round brings another copy of each message.
            roost.run(["copy", "-u", U, "INBOX", "mailbox", "Orig", "all"], config=cfg, timeout=60)

        def nothing_lost(i, result):
            have = guids("INBOX")
            missing = set(originals) - set(have)
            if missing:
                return f"run {i}: {len(missing)} messages lost, e.g. {sorted(missing)[:2]}"
            if set(have) - set(originals):
                return f"run {i}: unknown messages in INBOX"
            return ""

        st = crash.crash_loop(roost.argv(["deduplicate", "-u", U, "mailbox", "INBOX", "all"], cfg),
                              [nothing_lost], n=60, time_limit=90, seed=5, max_delay=0.15,
                              before_each=add_duplicates, max_fsyncs=6)
        print("deduplicate crash loop:", st.summary())
        check(not st.failures, f"crash loop: {st.failures[:3]}")
        check(st.kills + st.fault_aborts >= 10, f"enough interrupted runs: {st.summary()}")
        roost.run(["deduplicate", "-u", U, "mailbox", "INBOX", "all"], config=cfg)
        final = sorted(guids("INBOX"))
        check(final == originals, f"after a clean run: one copy of each ({len(final)} vs {len(originals)})")
        dv.chown_homes()
        d = dv.doveadm("-f", "tab", "fetch", "-u", U, "guid", "mailbox", "INBOX", "all", check=True)
        check(sorted(d.stdout.splitlines()[1:]) == originals, "Dovecot reads the same store after the crashes")


if __name__ == "__main__":
    main()
