"""The roost sdbox driver against the real Dovecot 2.3, both ways.

1. Dovecot writes an sdbox store with ALT storage (subfolders, flags,
   keywords, an expunge, an altmove); roost's `fetch -f tab`, `search`,
   `mailbox status` and `mailbox list` must print what doveadm prints, and
   message text must be the same. Then Dovecot changes flags again and
   saves more: roost picks the changes up from Dovecot's index; roost
   changes flags, expunges and saves: Dovecot sees it at once.
2. Roost writes an sdbox store for a second user; Dovecot must see the same
   mailboxes, UIDs, GUIDs, bodies, flags, UIDVALIDITY and mailbox GUIDs
   without a force-resync (Roost keeps Dovecot's log of mailboxes it
   created), and after `doveadm force-resync -u u2 '*'` too.
3. The same with the index files under INDEX=.
4. Dovecot and roost writing one live mailbox at the same time.
5. zlib-compressed bodies (mail_plugins = zlib, zlib_save = gz) both ways.
"""
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("ROOST_SOURCE_DIR",
                                           Path(__file__).resolve().parents[2])) / "tests" / "harness"))

from roostharness import roost  # noqa: E402
from roostharness.checks import Checks, fixture_message  # noqa: E402
from roostharness.dovecot import DovecotSandbox  # noqa: E402

CHECKS = Checks()
check = CHECKS.check
msg = fixture_message


def same_lines(a, b):
    """Same header line, same set of lines (doveadm lists in directory order)."""
    la, lb = a.splitlines(), b.splitlines()
    if "\t" not in a:  # mailbox list: no header line
        return sorted(la) == sorted(lb)
    return la[:1] == lb[:1] and sorted(la[1:]) == sorted(lb[1:])


def compare(dv, args, what=""):
    r, d = roost.run_both(dv, args)
    check(r.returncode == d.returncode == 0,
          f"{what}{args}: exit roost {r.returncode} doveadm {d.returncode}: {r.stderr}{d.stderr}")
    check(same_lines(r.stdout, d.stdout),
          f"{what}{args}: output differs\n--- roost\n{r.stdout}{r.stderr}\n--- doveadm\n{d.stdout}")
    check("warning" not in r.stderr or "following Dovecot's" in r.stderr,
          f"{what}{args}: roost warns: {r.stderr}")


def column(out, name):
    lines = out.splitlines()
    i = lines[0].split("\t").index(name)
    return [l.split("\t")[i] for l in lines[1:]]


def main():
    with DovecotSandbox(users=["u1", "u2"], mail_location="sdbox:~/sdbox:ALT=~/sdbox-alt") as dv:
        dv.start()
        cfg = dv.config_path

        def R(*args, expect=0, input=None):
            return roost.run(list(args), config=cfg, expect=expect, input=input)

        def D(*args, input=None):
            return dv.doveadm(*args, input=input, check=True)

        # 1. Dovecot writes, roost reads.
        for n in range(1, 5):
            dv.save("u1", "INBOX", msg(n).encode())
        D("mailbox", "create", "-u", "u1", "Sub/Child", "Ünïcode")
        dv.save("u1", "Sub/Child", msg(5, "in child").encode())
        D("flags", "add", "-u", "u1", "\\Seen", "mailbox", "INBOX", "uid", "1")
        D("flags", "add", "-u", "u1", "\\Answered \\Draft todo $Label1", "mailbox", "INBOX", "uid", "3")
        D("flags", "add", "-u", "u1", "\\Deleted", "mailbox", "INBOX", "uid", "2")
        D("expunge", "-u", "u1", "mailbox", "INBOX", "deleted")
        D("altmove", "-u", "u1", "mailbox", "INBOX", "uid", "4")
        D("mailbox", "subscribe", "-u", "u1", "INBOX", "Sub/Child")
        alt = dv.user_home("u1") / "sdbox-alt" / "mailboxes" / "INBOX" / "dbox-Mails" / "u.4"
        check(alt.exists(), f"doveadm altmove put u.4 into ALT storage ({alt})")
        checks = (["-f", "tab", "fetch", "-u", "u1", "mailbox uid guid flags", "all"],
                  ["-f", "pager", "fetch", "-u", "u1", "uid text", "mailbox", "INBOX", "all"],
                  ["-f", "tab", "fetch", "-u", "u1", "uid size.physical size.virtual date.received",
                   "mailbox", "INBOX", "all"],
                  ["-f", "tab", "search", "-u", "u1", "mailbox", "INBOX", "keyword", "todo"],
                  ["-f", "tab", "search", "-u", "u1", "seen"],
                  ["-f", "tab", "mailbox", "status", "-u", "u1",
                   "messages uidnext uidvalidity unseen guid", "INBOX", "Sub/Child"],
                  ["mailbox", "list", "-u", "u1"],
                  ["mailbox", "list", "-u", "u1", "-s"])
        for args in checks:
            compare(dv, args, "Dovecot-written store: ")

        # Dovecot changes flags and saves again: roost imports the change.
        D("flags", "remove", "-u", "u1", "\\Seen", "mailbox", "INBOX", "uid", "1")
        D("flags", "add", "-u", "u1", "\\Flagged newkw", "mailbox", "INBOX", "uid", "4")
        dv.save("u1", "INBOX", msg(6).encode())
        compare(dv, checks[0], "after Dovecot's second round: ")
        # Roost changes flags of the Dovecot store; its own view follows.
        R("flags", "add", "-u", "u1", "\\Seen", "mailbox", "INBOX", "uid", "5")
        out = R("-f", "tab", "fetch", "-u", "u1", "uid flags", "mailbox", "INBOX", "uid", "5").stdout
        check("\\Seen" in out, f"roost's own flag change on a Dovecot store sticks: {out}")
        out = R("-f", "tab", "fetch", "-u", "u1", "uid flags", "mailbox", "INBOX", "uid", "4").stdout
        check("\\Flagged" in out and "newkw" in out, f"Dovecot's flags still there: {out}")

        # Roost's flag change and expunge on Dovecot's store reach Dovecot at
        # once: roost appends them to Dovecot's log.
        dv.chown_homes()
        compare(dv, checks[0], "roost's flag change on Dovecot's store: ")
        R("expunge", "-u", "u1", "mailbox", "INBOX", "uid", "3")
        dv.chown_homes()
        d = D("-f", "tab", "fetch", "-u", "u1", "uid", "mailbox", "INBOX", "all").stdout
        check("3" not in d.split()[1:], f"Dovecot no longer lists UID 3 roost expunged: {d}")
        compare(dv, checks[0], "after roost's expunge: ")
        R("save", "-u", "u1", "-m", "INBOX", input=msg(7))
        dv.chown_homes()
        compare(dv, checks[0], "after roost saved into Dovecot's store: ")
        compare(dv, ["-f", "pager", "fetch", "-u", "u1", "uid text", "mailbox", "INBOX", "uid", "6"],
                "a message roost saved into Dovecot's store: ")
        # A force-resync by Dovecot changes nothing of that.
        D("force-resync", "-u", "u1", "INBOX")
        compare(dv, checks[0], "after Dovecot's force-resync: ")
        compare(dv, ["-f", "tab", "mailbox", "status", "-u", "u1",
                     "messages uidnext uidvalidity guid", "INBOX"], "after Dovecot's force-resync: ")

        # 2. Roost writes, Dovecot reads (after force-resync).
        for n in range(1, 5):
            R("save", "-u", "u2", "-m", "INBOX", input=msg(n))
        R("mailbox", "create", "-u", "u2", "Sub/Child", "Ünïcode")
        R("save", "-u", "u2", "-m", "Sub/Child", input=msg(5, "in child"))
        R("save", "-u", "u2", "-m", "Ünïcode", input=msg(6, "unicode box"))
        R("flags", "add", "-u", "u2", "\\Seen", "mailbox", "INBOX", "uid", "1")
        R("flags", "add", "-u", "u2", "\\Answered \\Draft todo $Label1", "mailbox", "INBOX", "uid", "3")
        R("flags", "add", "-u", "u2", "\\Deleted", "mailbox", "INBOX", "uid", "2")
        R("expunge", "-u", "u2", "mailbox", "INBOX", "deleted")
        R("flags", "remove", "-u", "u2", "$Label1", "mailbox", "INBOX", "uid", "3")
        R("mailbox", "subscribe", "-u", "u2", "INBOX", "Sub/Child")
        root = dv.user_home("u2") / "sdbox"
        check((root / "mailboxes" / "INBOX" / "dbox-Mails" / "u.1").exists(), "u.1 in Dovecot's layout")
        check((root / "mailboxes" / "&ANw-n&AO8-code").exists(), "modified UTF-7 name on disk")
        before = R("-f", "tab", "fetch", "-u", "u2", "mailbox uid guid", "all").stdout
        status_before = R("-f", "tab", "mailbox", "status", "-u", "u2", "uidvalidity guid", "INBOX").stdout
        dv.chown_homes()
        # Roost kept Dovecot's log of the mailboxes it created: Dovecot sees
        # everything, flags, UIDVALIDITY and GUIDs included, without a resync.
        for args in (["-f", "tab", "fetch", "-u", "u2", "mailbox uid guid flags", "all"],
                     ["-f", "pager", "fetch", "-u", "u2", "uid text", "all"],
                     ["-f", "tab", "mailbox", "status", "-u", "u2",
                      "messages uidnext uidvalidity unseen guid", "*"],
                     ["mailbox", "list", "-u", "u2"]):
            compare(dv, args, "roost-written store, no force-resync: ")
        # Once Dovecot has opened it, does Roost still reach Dovecot?
        R("flags", "add", "-u", "u2", "\\Flagged", "mailbox", "INBOX", "uid", "4")
        dv.chown_homes()
        d = D("-f", "tab", "fetch", "-u", "u2", "uid flags", "mailbox", "INBOX", "uid", "4").stdout
        check("\\Flagged" in d, f"roost's flag change after Dovecot opened the mailbox: {d}")
        D("force-resync", "-u", "u2", "*")
        for args in (["-f", "tab", "fetch", "-u", "u2", "mailbox uid guid", "all"],
                     ["-f", "pager", "fetch", "-u", "u2", "uid text", "all"],
                     ["-f", "tab", "fetch", "-u", "u2", "uid size.physical size.virtual", "mailbox", "INBOX", "all"],
                     ["mailbox", "list", "-u", "u2"],
                     ["mailbox", "list", "-u", "u2", "-s"]):
            r, d = roost.run_both(dv, args)
            check(d.returncode == 0, f"doveadm can't read roost's store: {args}: {d.stderr}")
            check(same_lines(r.stdout, d.stdout),
                  f"roost-written store, {args}: differs\n--- roost\n{r.stdout}\n--- doveadm\n{d.stdout}")
        d = D("-f", "tab", "fetch", "-u", "u2", "mailbox uid guid", "all").stdout
        check(same_lines(before, d), f"Dovecot after force-resync: same UIDs and GUIDs\n{before}\n{d}")
        d_status = D("-f", "tab", "mailbox", "status", "-u", "u2", "uidvalidity guid", "INBOX").stdout
        check(status_before == d_status,
              f"Dovecot's force-resync keeps roost's UIDVALIDITY and GUID: {status_before} {d_status}")
        # Dovecot allocated its own UIDVALIDITY and GUID: roost follows them.
        compare(dv, ["-f", "tab", "mailbox", "status", "-u", "u2",
                     "messages uidnext uidvalidity guid", "*"], "after Dovecot's force-resync: ")
        D("flags", "add", "-u", "u2", "\\Flagged", "mailbox", "INBOX", "uid", "3")
        compare(dv, ["-f", "tab", "fetch", "-u", "u2", "mailbox uid flags", "all"],
                "Dovecot's flags on a resynced roost store: ")
        # Mailbox renames and deletes by roost show in Dovecot's listing.
        R("mailbox", "create", "-u", "u2", "Old", "Old/Kid")
        R("save", "-u", "u2", "-m", "Old/Kid", input=msg(8, "kid"))
        R("mailbox", "rename", "-u", "u2", "Old", "New")
        R("mailbox", "delete", "-u", "u2", "Ünïcode")
        dv.chown_homes()
        compare(dv, ["mailbox", "list", "-u", "u2"], "after roost's rename and delete: ")
        compare(dv, ["-f", "tab", "fetch", "-u", "u2", "mailbox uid guid flags", "mailbox", "New/Kid", "all"],
                "renamed mailbox: ")
        # Dovecot saves into the resynced store; roost sees it.
        dv.save("u2", "INBOX", msg(9).encode())
        compare(dv, ["-f", "tab", "fetch", "-u", "u2", "mailbox uid guid flags", "all"],
                "after Dovecot saved into roost's store: ")

    # 3. INDEX= elsewhere: Dovecot keeps a mailbox's index in
    #    <INDEX>/mailboxes/<name>/ (no dbox-Mails/); both ways again.
    with DovecotSandbox(users=["u1", "u2"], mail_location="sdbox:~/sdbox:INDEX=~/idx") as dv:
        dv.start()
        cfg = dv.config_path
        dv.save("u1", "INBOX", msg(1).encode())
        dv.doveadm("mailbox", "create", "-u", "u1", "A/B", check=True)
        dv.save("u1", "A/B", msg(2).encode())
        dv.doveadm("flags", "add", "-u", "u1", "\\Seen", "mailbox", "A/B", "uid", "1", check=True)
        compare(dv, ["-f", "tab", "fetch", "-u", "u1", "mailbox uid guid flags", "all"], "INDEX=: ")
        roost.run(["save", "-u", "u2", "-m", "INBOX"], config=cfg, input=msg(1))
        roost.run(["mailbox", "create", "-u", "u2", "A/B"], config=cfg)
        roost.run(["save", "-u", "u2", "-m", "A/B"], config=cfg, input=msg(2))
        roost.run(["flags", "add", "-u", "u2", "\\Seen", "mailbox", "A/B", "uid", "1"], config=cfg)
        check((dv.user_home("u2") / "idx" / "mailboxes" / "A" / "B" / "dovecot.index.log").exists(),
              "roost keeps Dovecot's log where Dovecot looks for it under INDEX=")
        dv.chown_homes()
        compare(dv, ["-f", "tab", "fetch", "-u", "u2", "mailbox uid guid flags", "all"],
                "INDEX=, roost-written: ")
        compare(dv, ["-f", "tab", "mailbox", "status", "-u", "u2", "messages uidvalidity guid", "*"],
                "INDEX=, roost-written: ")

    # 4. Both write one live mailbox at once: Dovecot saves in a loop while
    #    roost saves and changes flags. Nothing may get corrupted, every save
    #    that reported success must be there once, and both must agree.
    with DovecotSandbox(users=["u1"], mail_location="sdbox:~/sdbox") as dv:
        dv.start()
        cfg = dv.config_path
        for n in range(1, 4):
            dv.save("u1", "INBOX", msg(n).encode())
        dv.chown_homes()
        dovecot_saved, roost_saved, problems = [], [], []

        def dovecot_saver():
            for i in range(20):
                d = dv.doveadm("save", "-u", "u1", "-m", "INBOX",
                               input=msg(100 + i, f"dovecot {i}").encode())
                if d.returncode == 0:
                    dovecot_saved.append(f"dovecot {i}")
                else:
                    problems.append(f"dovecot save {i}: {d.stderr}")

        t = threading.Thread(target=dovecot_saver)
        t.start()
        i = 0
        while t.is_alive() or i < 5:
            i += 1
            r = roost.run(["save", "-u", "u1", "-m", "INBOX"], config=cfg,
                          input=msg(200 + i, f"roost {i}"), expect=None)
            if r.returncode == 0:
                roost_saved.append(f"roost {i}")
            elif r.returncode != 75 or "try again" not in r.stderr:
                problems.append(f"roost save {i}: exit {r.returncode} {r.stderr}")
            r = roost.run(["flags", "add" if i % 2 else "remove", "-u", "u1", "\\Flagged",
                           "mailbox", "INBOX", "all"], config=cfg, expect=None)
            if r.returncode != 0:
                problems.append(f"roost flags {i}: exit {r.returncode} {r.stderr}")
            dv.chown_homes()
        t.join()
        check(not problems, f"concurrent writers: {problems}")
        args = ["-f", "tab", "fetch", "-u", "u1", "uid guid flags hdr.subject", "mailbox", "INBOX", "all"]
        compare(dv, args, "two writers on one live mailbox: ")
        subjects = [l.split("\t")[3] for l in R_out(cfg, args).splitlines()[1:]]
        for sub in dovecot_saved + roost_saved:
            check(subjects.count(sub) == 1, f"saved once: {sub} in {subjects}")
        print(f"note: concurrent round: {len(dovecot_saved)} Dovecot saves, {len(roost_saved)} roost "
              f"saves, {i - len(roost_saved)} roost saves refused with 'try again' (UID race)")

    # 5. zlib: Dovecot's compressed sdbox bodies are read; roost compresses
    #    its own saves the same way when zlib_save asks for it.
    with DovecotSandbox(users=["u1", "u2"], mail_location="sdbox:~/sdbox", mail_plugins=["zlib"],
                        plugin_settings={"zlib_save": "gz", "zlib_save_level": "6"}) as dv:
        dv.start()
        cfg = dv.config_path
        for n in range(1, 4):
            dv.save("u1", "INBOX", msg(n).encode())
        for n in range(1, 4):
            roost.run(["save", "-u", "u2", "-m", "INBOX"], config=cfg, input=msg(n))
        dv.chown_homes()
        for user in ("u1", "u2"):
            u1 = dv.user_home(user) / "sdbox" / "mailboxes" / "INBOX" / "dbox-Mails" / "u.1"
            data = u1.read_bytes()
            body_at = data.index(b"\n") + 1 + 30
            check(data[body_at:body_at + 2] == b"\x1f\x8b", f"{user}: u.1's body is gzip")
            for args in (["-f", "pager", "fetch", "-u", user, "uid text", "mailbox", "INBOX", "all"],
                         ["-f", "tab", "fetch", "-u", user, "uid guid size.physical size.virtual",
                          "mailbox", "INBOX", "all"]):
                compare(dv, args, f"zlib, {user}: ")

    CHECKS.finish()


def R_out(cfg, args):
    return roost.run(list(args), config=cfg).stdout


if __name__ == "__main__":
    main()
