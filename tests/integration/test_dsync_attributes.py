"""Mailbox attributes (METADATA) between Roost and real Dovecot 2.3.

Dovecot is configured with `mail_attribute_dict = file:<mail root>/dovecot-attributes`,
the file Roost keeps attributes in, so both read the same entries.

1. `doveadm mailbox metadata set` on the source; Roost reads them
   (`roost mailbox metadata get/list`) from the same store, and
   `roost backup` carries them to another location, where `roost` and
   `doveadm` (pointed at the copy's dict) show them. A second backup after
   a doveadm unset removes the copy's value.
2. `doveadm sync` as the master against `roost dsync-server` (the dsync
   byte stream over a pipe): the Roost replica gets the attributes; Roost
   then sets one and unsets another on its side, the next `doveadm sync`
   brings both back to Dovecot.
3. `roost sync` as the master against `doveadm dsync-server`: Dovecot's
   replica gets the attributes; a doveadm change there comes back to the
   Roost side with the next `roost sync`.
5. Every attribute set/unset (the same value again too) raises the
   mailbox's HIGHESTMODSEQ by one in Dovecot, and in Roost alike.
4. `-m \\Archive` finds the mailbox whose /private/specialuse says so (set
   by Roost: Dovecot 2.3 refuses to change that attribute), and
   `metadata get /private/specialuse` shows the configured flag of a mailbox
   without a stored one.
"""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("ROOST_SOURCE_DIR",
                                           Path(__file__).resolve().parents[2])) / "tests" / "harness"))

from roostharness import roost  # noqa: E402
from roostharness.checks import Checks, fixture_message  # noqa: E402
from roostharness.dovecot import DOVEADM, DovecotSandbox  # noqa: E402

CHECKS = Checks()
check = CHECKS.check


def attr_conf(root):
    return f"mail_attribute_dict = file:{root}/dovecot-attributes\n"


def main():
    with DovecotSandbox(users=["u1"], extra_conf=attr_conf("%h/Maildir"),
                        special_use={"Trash": "\\Trash"}) as dv:
        dv.start()
        cfg = dv.config_path
        home = dv.user_home("u1")

        def D(*args, input=None):
            return dv.doveadm(*args, input=input, check=True)

        def dv_get(box, key, sandbox=dv, extra=()):
            p = sandbox.doveadm(*extra, "mailbox", "metadata", "get", "-u", "u1", box, key,
                                check=True)
            return p.stdout.strip()

        def R(*args, config=cfg, expect=0):
            return roost.run(list(args), config=config, expect=expect, timeout=120)

        def r_get(box, key, config=cfg, extra=()):
            return R(*extra, "mailbox", "metadata", "get", "-u", "u1", box, key,
                     config=config).stdout.strip()

        D("mailbox", "create", "-u", "u1", "Work", "Archive", "Trash")
        D("save", "-u", "u1", "-m", "INBOX", input=fixture_message(1))
        D("save", "-u", "u1", "-m", "Work", input=fixture_message(2))
        D("mailbox", "metadata", "set", "-u", "u1", "Work", "/private/comment", "from dovecot")
        D("mailbox", "metadata", "set", "-u", "u1", "INBOX", "/shared/vendor/x", "shared value")
        D("mailbox", "metadata", "set", "-u", "u1", "INBOX", "/private/gone", "to be removed")

        # Dovecot 2.3 keeps /private/specialuse read-only (from the
        # configuration); Roost stores one, syncs it between Roost stores and
        # never sends it to a Dovecot peer (which would refuse it).
        R("mailbox", "metadata", "set", "-u", "u1", "Archive", "/private/specialuse", "\\Archive")
        dv.chown_homes()

        # 1. Same store: Roost reads what Dovecot wrote.
        check(r_get("Work", "/private/comment") == "from dovecot",
              f"roost get on Dovecot's store: {r_get('Work', '/private/comment')!r}")
        listed = R("mailbox", "metadata", "list", "-u", "u1", "-p", "INBOX").stdout.split()
        check(listed == ["/private/gone", "/shared/vendor/x"], f"roost list: {listed}")

        # Server metadata (-s, empty mailbox name) is INBOX's, as Dovecot keeps it.
        D("mailbox", "metadata", "set", "-u", "u1", "-s", "", "/shared/motd", "hello")
        got = R("mailbox", "metadata", "get", "-u", "u1", "-s", "", "/shared/motd").stdout.strip()
        check(got == "hello", f"roost get -s of doveadm's server metadata: {got!r}")
        R("mailbox", "metadata", "set", "-u", "u1", "-s", "", "/private/pmotd", "from roost")
        dv.chown_homes()
        got = dv.doveadm("mailbox", "metadata", "get", "-u", "u1", "-s", "", "/private/pmotd",
                         check=True).stdout.strip()
        check(got == "from roost", f"doveadm get -s of roost's server metadata: {got!r}")
        p = R("mailbox", "metadata", "get", "-u", "u1", "INBOX", "comment", expect=None)
        check(p.returncode == 64 and "/private/" in p.stderr,
              f"a key without /private/ or /shared/: exit {p.returncode} {p.stderr!r}")
        p = R("mailbox", "metadata", "get", "-u", "u1", "Nope", "/private/comment", expect=None)
        check(p.returncode == 68, f"metadata of a missing mailbox: exit {p.returncode}")

        backup = f"{home}/backup"
        backup_loc = f"maildir:{backup}"
        R("backup", "-u", "u1", backup_loc)
        # The copy keeps its attributes in its own dict: reading it takes
        # mail_attribute_dict pointed there too, for Roost as for doveadm.
        on_copy = ["-o", f"mail_location={backup_loc}",
                   "-o", f"mail_attribute_dict=file:{backup}/dovecot-attributes"]
        for box, key, want in (("Work", "/private/comment", "from dovecot"),
                               ("INBOX", "/shared/vendor/x", "shared value"),
                               ("Archive", "/private/specialuse", "\\Archive")):
            got = r_get(box, key, extra=on_copy)
            check(got == want, f"backup: roost get {box} {key} = {got!r}, want {want!r}")
        dv.chown_homes()
        got = dv_get("Work", "/private/comment", extra=on_copy)
        check(got == "from dovecot", f"backup: doveadm reads Roost's copy: {got!r}")

        D("mailbox", "metadata", "unset", "-u", "u1", "INBOX", "/private/gone")
        R("backup", "-u", "u1", backup_loc)
        got = r_get("INBOX", "/private/gone", extra=on_copy)
        check(got == "", f"backup after a doveadm unset: the copy still has {got!r}")
        check(r_get("INBOX", "/shared/vendor/x", extra=on_copy) == "shared value",
              "backup after unset lost another attribute")

        # 4. Special-use through the attribute and the configuration.
        R("backup", "-u", "u1", "-m", "\\Archive", f"maildir:{home}/archive-only")
        got = R("-o", f"mail_location=maildir:{home}/archive-only", "mailbox", "list", "-u",
                "u1").stdout.split()
        check("Archive" in got and "Work" not in got, f"backup -m \\Archive copied {got}")
        got = r_get("Trash", "/private/specialuse")
        want = dv_get("Trash", "/private/specialuse")
        check(got == want == "\\Trash",
              f"configured special-use: roost {got!r}, doveadm {want!r}")
        dv.chown_homes()

        # 2. doveadm sync (master) <-> roost dsync-server.
        replica = f"{home}/roost-replica"
        with DovecotSandbox(users=["u1"], mail_location=f"maildir:{replica}",
                            extra_conf=attr_conf(replica)) as rs:
            remote = [roost.roost_bin(), "-c", str(rs.config_path), "dsync-server", "-u", "u1"]

            def sync_from_dovecot(what):
                dv.chown_homes()
                p = dv.doveadm("sync", "-u", "u1", *remote, timeout=120)
                check(p.returncode == 0,
                      f"doveadm sync -> roost dsync-server ({what}): exit {p.returncode}: "
                      f"{p.stderr[-1500:]}")

            # Two INBOXes created apart get one GUID: each side adopts the
            # bigger one. Dovecot keeps attributes by mailbox GUID and leaves
            # them behind when its INBOX adopts another GUID (Roost moves
            # them along), so the replica starts with Dovecot's INBOX GUID.
            inbox_guid = D("mailbox", "status", "-u", "u1", "guid", "INBOX").stdout.split("=")[-1]
            R("mailbox", "create", "-u", "u1", "-g", inbox_guid.strip(), "INBOX",
              config=rs.config_path)
            sync_from_dovecot("first")
            for box, key, want in (("Work", "/private/comment", "from dovecot"),
                                   ("INBOX", "/shared/vendor/x", "shared value"),
                                   ("INBOX", "/private/gone", "")):
                got = r_get(box, key, config=rs.config_path)
                check(got == want, f"doveadm sync -> roost: {box} {key} = {got!r}, want {want!r}")
            R("mailbox", "metadata", "set", "-u", "u1", "Work", "/private/comment",
              "changed by roost", config=rs.config_path)
            R("mailbox", "metadata", "set", "-u", "u1", "INBOX", "/private/new", "new in roost",
              config=rs.config_path)
            R("mailbox", "metadata", "unset", "-u", "u1", "INBOX", "/shared/vendor/x",
              config=rs.config_path)
            sync_from_dovecot("after roost changes")
            for box, key, want in (("Work", "/private/comment", "changed by roost"),
                                   ("INBOX", "/private/new", "new in roost"),
                                   ("INBOX", "/shared/vendor/x", "")):
                got = dv_get(box, key)
                check(got == want,
                      f"roost changes -> doveadm sync: {box} {key} = {got!r}, want {want!r}")

        # 3. roost sync (master) <-> doveadm dsync-server.
        dv_replica = f"{home}/dovecot-replica"
        with DovecotSandbox(users=["u1"], mail_location=f"maildir:{dv_replica}",
                            extra_conf=attr_conf(dv_replica)) as ds:
            ds.start()
            remote = [DOVEADM, "-c", str(ds.config_path), "dsync-server", "-u", "u1"]

            def sync_to_dovecot(verb, what):
                dv.chown_homes()
                p = R(verb, "-u", "u1", *remote, expect=None)
                check(p.returncode == 0, f"roost {verb} -> doveadm dsync-server ({what}): exit "
                                         f"{p.returncode}: {p.stderr[-1500:]}")

            sync_to_dovecot("sync", "first")
            for box, key, want in (("Work", "/private/comment", "changed by roost"),
                                   ("INBOX", "/private/new", "new in roost")):
                got = dv_get(box, key, sandbox=ds)
                check(got == want, f"roost sync -> dovecot: {box} {key} = {got!r}, want {want!r}")
            ds.doveadm("mailbox", "metadata", "set", "-u", "u1", "Work", "/private/comment",
                       "changed in dovecot replica", check=True)
            ds.doveadm("mailbox", "metadata", "unset", "-u", "u1", "INBOX", "/private/new",
                       check=True)
            sync_to_dovecot("sync", "after dovecot changes")
            for box, key, want in (("Work", "/private/comment", "changed in dovecot replica"),
                                   ("INBOX", "/private/new", "")):
                got = r_get(box, key)
                check(got == want, f"dovecot changes -> roost sync: {box} {key} = {got!r}, "
                                   f"want {want!r}")

        # 5. An attribute set or unset raises the mailbox's HIGHESTMODSEQ by
        # one, in Dovecot (its attribute-update log record) and in Roost
        # alike, also when the value stays the same: a sync holding a state
        # then sees an attribute-only change.
        solo = f"{home}/solo"
        on_solo = ["-o", f"mail_location=maildir:{solo}",
                   "-o", f"mail_attribute_dict=file:{solo}/dovecot-attributes"]
        R(*on_solo, "mailbox", "create", "-u", "u1", "Work")
        roost.run([*on_solo, "save", "-u", "u1", "-m", "Work"], config=cfg,
                  input=fixture_message(3))
        dv.chown_homes()

        def steps(run, status):
            seen = [status()]
            for args in (("set", "Work", "/private/m", "one"), ("set", "Work", "/private/m", "one"),
                         ("set", "Work", "/shared/m", "two"), ("unset", "Work", "/private/m")):
                run("mailbox", "metadata", args[0], "-u", "u1", *args[1:])
                seen.append(status())
            return [b - a for a, b in zip(seen, seen[1:])]

        def dv_modseq():
            out = D("mailbox", "status", "-u", "u1", "highestmodseq", "Work").stdout
            return int(out.strip().split("=")[-1])

        def r_modseq():
            out = R(*on_solo, "mailbox", "status", "-u", "u1", "highestmodseq", "Work").stdout
            return int(out.strip().split("=")[-1])

        dv_steps = steps(lambda *a: D(*a), dv_modseq)
        r_steps = steps(lambda *a: R(*on_solo, *a), r_modseq)
        check(dv_steps == [1, 1, 1, 1], f"Dovecot's HIGHESTMODSEQ steps per attribute write: "
                                        f"{dv_steps}")
        check(r_steps == dv_steps, f"Roost's HIGHESTMODSEQ steps per attribute write: {r_steps}, "
                                   f"Dovecot's {dv_steps}")
    CHECKS.finish()


if __name__ == "__main__":
    main()
