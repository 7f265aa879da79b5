"""`roost sync -s` as the master against real Dovecot 2.3 `doveadm dsync-server`.

A Dovecot slave checks the state against its own counters (a state above
them makes it refuse an incremental run) and syncs every mailbox the master
announces; Roost keeps Dovecot's state rules with it:

1. First run with an empty state (`-s ''`): full, both sides equal.
2. No change: `sync -s <state>` exits 0 and copies nothing (no mail file
   added on either side, flags unchanged); after at most one more run the
   state repeats (the mailbox is left out unannounced, as Dovecot's master
   does).
3. New mail and a flag change on each side: carried both ways by the next
   `sync -s`, from the state (Dovecot logs no failed incremental sync).
4. An attribute set on the Roost side only: carried to Dovecot by the next
   `sync -s`. New mail on the Dovecot side only (the Roost side unchanged):
   carried too (Dovecot's tree tells its UIDNEXT).
5. A state the slave can't use (a private modseq above its own, as Roost
   wrote before): Roost syncs that mailbox in full on another pass, exits 0
   and prints a state the next run uses incrementally.
6. The other way round, `doveadm sync -s` as the master against `roost
   dsync-server`: changes on each side carried from the state (Dovecot's
   importer takes flag changes for UIDs in the state and every change in
   UID order, or it aborts).
Throughout, neither Roost's stderr (the dsync-server's goes there) nor
Dovecot's log shows "Failed to do incremental sync".
"""
import base64
import os
import struct
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("ROOST_SOURCE_DIR",
                                           Path(__file__).resolve().parents[2])) / "tests" / "harness"))

from roostharness import compare, roost  # noqa: E402
from roostharness.checks import Checks, fixture_message  # noqa: E402
from roostharness.dovecot import DOVEADM, DovecotSandbox  # noqa: E402

CHECKS = Checks()
check = CHECKS.check
FAILED_INCREMENTAL = "Failed to do incremental sync"


def attr_conf(root):
    return f"mail_attribute_dict = file:{root}/dovecot-attributes\n"


def state_records(state):
    """The -s state's mailbox records as dicts (Dovecot's binary layout)."""
    raw = base64.b64decode(state)
    out = []
    for off in range(4, len(raw) - 4, 44):
        guid = raw[off:off + 16].hex()
        uv, uid, ms_lo, ms_hi, pvt_lo, pvt_hi, count = struct.unpack_from("<7I", raw, off + 16)
        out.append({"guid": guid, "uidvalidity": uv, "uid": uid,
                    "modseq": ms_lo | ms_hi << 32, "pvt_modseq": pvt_lo | pvt_hi << 32,
                    "messages": count})
    return out


def with_pvt_modseq(state, pvt):
    """The same state with every record's private modseq set to `pvt`."""
    raw = bytearray(base64.b64decode(state)[:-4])
    for off in range(4, len(raw), 44):
        struct.pack_into("<2I", raw, off + 32, pvt & 0xffffffff, pvt >> 32)
    raw += struct.pack("<I", zlib.crc32(bytes(raw)))
    return base64.b64encode(bytes(raw)).decode()


def main():
    with DovecotSandbox(users=["u1"], extra_conf=attr_conf("%h/Maildir")) as rs, \
            DovecotSandbox(users=["u1"], extra_conf=attr_conf("%h/Maildir")) as ds:
        ds.start()
        rhome, dhome = rs.user_home("u1"), ds.user_home("u1")
        remote = [DOVEADM, "-c", str(ds.config_path), "dsync-server", "-u", "u1"]

        def R(*args, expect=0, input=None):
            return roost.run(list(args), config=rs.config_path, expect=expect, input=input,
                             timeout=120)

        def D(*args, input=None):
            return ds.doveadm(*args, input=input, check=True)

        def dovecot_log():
            return ds.log_path.read_text(errors="replace") if ds.log_path.exists() else ""

        def sync(state, what, refusal_expected=False):
            rs.chown_homes()
            ds.chown_homes()
            p = R("sync", "-v", "-u", "u1", "-s", state, *remote, expect=None)
            check(p.returncode == 0,
                  f"{what}: roost sync -s exit {p.returncode}: {p.stderr[-2000:]}")
            check(refusal_expected or FAILED_INCREMENTAL not in p.stderr,
                  f"{what}: the Dovecot slave refused the state: {p.stderr[-2000:]}")
            lines = p.stdout.strip().splitlines()
            new_state = lines[-1] if lines else ""
            check(state_records(new_state), f"{what}: no state printed: {p.stdout!r}")
            for r in state_records(new_state):
                check(r["pvt_modseq"] == 0,
                      f"{what}: the state's private modseq must be 0 (no private flags): {r}")
            return new_state, p.stderr

        def mails(out):  # one line a mail, without the header line
            return [line for line in compare.sorted_without_recent(out).splitlines()
                    if line and not line.startswith("mailbox\t")]

        def roost_fetch():
            return mails(R("-f", "tab", "fetch", "-u", "u1", "mailbox guid uid flags", "all").stdout)

        def dovecot_fetch():
            return mails(D("-f", "tab", "fetch", "-u", "u1", "mailbox guid uid flags", "all").stdout)

        def files():
            return (compare.maildir_mail_files(f"{rhome}/Maildir"),
                    compare.maildir_mail_files(f"{dhome}/Maildir"))

        # Roost's Maildir: INBOX only.
        for n in range(1, 4):
            R("save", "-u", "u1", "-m", "INBOX", input=fixture_message(n))
        R("flags", "add", "-u", "u1", "\\Seen", "mailbox", "INBOX", "1")

        # 1. Full first run.
        state, _ = sync("", "first run")
        check(roost_fetch() == dovecot_fetch(),
              f"first run: stores differ:\n roost   {roost_fetch()}\n dovecot {dovecot_fetch()}")
        check(len(dovecot_fetch()) == 3, f"first run: Dovecot has {dovecot_fetch()}")

        # 2. No change.
        before_files, before_fetch = files(), roost_fetch()
        seen = [state]
        for rnd in range(3):
            state, err = sync(state, f"no change, run {rnd}")
            check(files() == before_files, f"no change, run {rnd}: mail files changed")
            check(roost_fetch() == before_fetch == dovecot_fetch(),
                  f"no change, run {rnd}: flags/UIDs changed:\n {before_fetch}\n"
                  f" roost   {roost_fetch()}\n dovecot {dovecot_fetch()}")
            if state == seen[-1]:
                check("unchanged since the state" in err,
                      f"no change, run {rnd}: same state but the mailbox was synced: {err}")
                break
            seen.append(state)
        check(len(seen) <= 2, f"no change: the state never settled: {seen}")

        # 3. New mail and a flag change on each side.
        R("save", "-u", "u1", "-m", "INBOX", input=fixture_message(4))
        R("flags", "add", "-u", "u1", "\\Flagged", "mailbox", "INBOX", "2")
        ds.chown_homes()
        D("save", "-u", "u1", "-m", "INBOX", input=fixture_message(5))
        D("flags", "add", "-u", "u1", "$Label1", "mailbox", "INBOX", "3")
        state, err = sync(state, "changes on both sides")
        check("changed since the state" in err,
              f"changes on both sides: the run didn't start from the state: {err}")
        got_r, got_d = roost_fetch(), dovecot_fetch()
        check(got_r == got_d, f"changes on both sides: stores differ:\n roost   {got_r}\n"
                              f" dovecot {got_d}")
        check(len(got_r) == 5, f"changes on both sides: want 5 mails, Roost has {got_r}")
        flags = " ".join(got_r)
        check("\\Flagged" in flags and "$Label1" in flags,
              f"changes on both sides: a flag change wasn't carried: {got_r}")

        # 4. An attribute set on the Roost side only.
        R("mailbox", "metadata", "set", "-u", "u1", "INBOX", "/private/comment", "from roost")
        state, _ = sync(state, "attribute on the Roost side")
        ds.chown_homes()
        got = D("mailbox", "metadata", "get", "-u", "u1", "INBOX",
                "/private/comment").stdout.strip()
        check(got == "from roost", f"attribute on the Roost side: Dovecot has {got!r}")

        D("save", "-u", "u1", "-m", "INBOX", input=fixture_message(10))
        state, err = sync(state, "new mail on the Dovecot side only")
        check(len(roost_fetch()) == 6 and roost_fetch() == dovecot_fetch(),
              f"new mail on the Dovecot side only: not carried:\n roost   {roost_fetch()}\n"
              f" dovecot {dovecot_fetch()}")

        # 5. A state the Dovecot slave can't use: synced in full on another pass.
        stale = with_pvt_modseq(state, 7)
        R("save", "-u", "u1", "-m", "INBOX", input=fixture_message(6))
        state, err = sync(stale, "stale state", refusal_expected=True)
        check("syncing it in full" in err,
              f"stale state: Roost didn't re-run the mailbox in full: {err}")
        check(roost_fetch() == dovecot_fetch() and len(roost_fetch()) == 7,
              f"stale state: stores differ:\n roost   {roost_fetch()}\n"
              f" dovecot {dovecot_fetch()}")
        # Dovecot itself logs the refusal of the stale state (not Roost's).
        log_before = dovecot_log().count(FAILED_INCREMENTAL)
        R("save", "-u", "u1", "-m", "INBOX", input=fixture_message(7))
        state, err = sync(state, "after the stale state")
        check("syncing it in full" not in err,
              f"after the stale state: the state printed wasn't usable: {err}")
        check(roost_fetch() == dovecot_fetch() and len(roost_fetch()) == 8,
              f"after the stale state: stores differ:\n roost   {roost_fetch()}\n"
              f" dovecot {dovecot_fetch()}")
        check(dovecot_log().count(FAILED_INCREMENTAL) == log_before,
              "Dovecot's log shows a failed incremental sync after the stale state")

        # 6. Dovecot's master with a state, Roost's dsync-server as the slave.
        roost_remote = [roost.roost_bin(), "-c", str(rs.config_path), "dsync-server", "-u", "u1"]

        def dovecot_sync(state, what):
            rs.chown_homes()
            ds.chown_homes()
            p = ds.doveadm("sync", "-u", "u1", "-s", state, *roost_remote, timeout=120)
            check(p.returncode == 0 and "Panic" not in p.stderr,
                  f"{what}: doveadm sync -s exit {p.returncode}: {p.stderr[-2000:]}")
            check(FAILED_INCREMENTAL not in p.stderr,
                  f"{what}: Dovecot refused the state: {p.stderr[-2000:]}")
            got_r, got_d = roost_fetch(), dovecot_fetch()
            check(got_r == got_d, f"{what}: stores differ:\n roost   {got_r}\n dovecot {got_d}")
            return p.stdout.strip()

        dstate = dovecot_sync("", "doveadm sync, first")
        dstate = dovecot_sync(dstate, "doveadm sync, no change")
        D("save", "-u", "u1", "-m", "INBOX", input=fixture_message(8))
        D("flags", "add", "-u", "u1", "\\Answered", "mailbox", "INBOX", "1")
        dstate = dovecot_sync(dstate, "doveadm sync, Dovecot-side changes")
        check(state_records(dstate), f"doveadm sync: no state after a change: {dstate!r}")
        R("save", "-u", "u1", "-m", "INBOX", input=fixture_message(9))
        R("flags", "add", "-u", "u1", "$Label2", "mailbox", "INBOX", "2")
        dovecot_sync(dstate, "doveadm sync, Roost-side changes")
        got = " ".join(dovecot_fetch())
        check(len(dovecot_fetch()) == 10 and "\\Answered" in got and "$Label2" in got,
              f"doveadm sync: changes not carried: {dovecot_fetch()}")

    CHECKS.finish()


if __name__ == "__main__":
    main()
