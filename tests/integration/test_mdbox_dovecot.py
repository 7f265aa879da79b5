"""The roost mdbox driver against the real Dovecot 2.3, both ways, with ALT
storage, copies (refcounts), purge and altmove.

1. Dovecot writes an mdbox (subfolder, flags, keywords, an expunge, a copy,
   an altmove); roost must print what doveadm prints (mailboxes, UIDs,
   GUIDs, flags, keywords), the same bodies and mailbox status.
2. Roost writes an mdbox for a second user (the same operations, the copy
   by reference); doveadm must see the same — directly, and again after
   `doveadm force-resync -u u2 '*'`.
3. `roost purge` on the Dovecot-written store drops the expunged message
   from the m.* files; doveadm still agrees with roost.
4. `roost altmove` / `altmove -r` move bodies to the ALT storage and back;
   doveadm reads every body either way.
5. Dovecot changes the roost-written store; roost picks the changes up.
6. With the zlib plugin (zlib_save = gz) both write compressed bodies into
   m.* files and each reads the other's.
"""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("ROOST_SOURCE_DIR",
                                           Path(__file__).resolve().parents[2])) / "tests" / "harness"))

from roostharness import roost  # noqa: E402
from roostharness.checks import Checks, fixture_message  # noqa: E402
from roostharness.dovecot import DovecotSandbox  # noqa: E402

CHECKS = Checks()
check = CHECKS.check
msg = fixture_message

FETCH = ["-f", "tab", "fetch", "-u", "{u}", "mailbox uid guid flags", "all"]
BODIES = ["-f", "pager", "fetch", "-u", "{u}", "mailbox uid text", "all"]
STATUS = ["-f", "tab", "mailbox", "status", "-u", "{u}", "messages uidnext uidvalidity unseen", "INBOX"]


def norm(out):
    """Rows sorted, doveadm's \\Recent (session state) dropped."""
    lines = [l.replace(" \\Recent", "").replace("\\Recent ", "").replace("\\Recent", "")
             for l in out.splitlines()]
    return lines[:1] + sorted(lines[1:])


def m_files(root):
    return sorted(p.name for p in (root / "storage").glob("m.*"))


def main():
    with DovecotSandbox(users=["u1", "u2"], mail_location="mdbox:~/mdbox:ALT=~/mdbox-alt",
                        separator="/") as dv:
        dv.start()
        cfg = dv.config_path

        def R(*args, expect=0, input=None):
            return roost.run(list(args), config=cfg, expect=expect, input=input)

        def D(*args, input=None):
            return dv.doveadm(*args, input=input, check=True)

        def compare(user, what):
            for tmpl in (FETCH, BODIES, STATUS):
                args = [a.replace("{u}", user) for a in tmpl]
                r, d = roost.run_both(dv, args)
                check(r.returncode == 0 and d.returncode == 0,
                      f"{what} {args}: exit roost {r.returncode} doveadm {d.returncode}: "
                      f"{r.stderr}{d.stderr}")
                check(norm(r.stdout) == norm(d.stdout),
                      f"{what} {args}: differs\n--- roost\n{r.stdout}\n--- doveadm\n{d.stdout}")

        # ---- 1. Dovecot writes, Roost reads -------------------------------
        for n in range(1, 6):
            dv.save("u1", "INBOX", msg(n).encode())
        D("mailbox", "create", "-u", "u1", "Sub/Child")
        dv.save("u1", "Sub/Child", msg(6, "in child").encode())
        D("flags", "add", "-u", "u1", "\\Seen", "mailbox", "INBOX", "uid", "1")
        D("flags", "add", "-u", "u1", "\\Answered \\Draft todo $Label1", "mailbox", "INBOX", "uid", "3")
        D("flags", "add", "-u", "u1", "\\Deleted", "mailbox", "INBOX", "uid", "2")
        D("expunge", "-u", "u1", "mailbox", "INBOX", "deleted")
        D("copy", "-u", "u1", "Sub/Child", "mailbox", "INBOX", "uid", "1")
        D("altmove", "-u", "u1", "mailbox", "INBOX", "uid", "4")
        compare("u1", "dovecot-written")

        # ---- 2. Roost writes, Dovecot reads --------------------------------
        for n in range(1, 6):
            R("save", "-u", "u2", "-m", "INBOX", input=msg(n))
        R("mailbox", "create", "-u", "u2", "Sub/Child")
        R("save", "-u", "u2", "-m", "Sub/Child", input=msg(6, "in child"))
        R("flags", "add", "-u", "u2", "\\Seen", "mailbox", "INBOX", "uid", "1")
        R("flags", "add", "-u", "u2", "\\Answered \\Draft todo $Label1", "mailbox", "INBOX", "uid", "3")
        R("flags", "add", "-u", "u2", "\\Deleted", "mailbox", "INBOX", "uid", "2")
        R("expunge", "-u", "u2", "mailbox", "INBOX", "deleted")
        size_before = sum(p.stat().st_size for p in (dv.mail_root("u2") / "storage").glob("m.*"))
        R("copy", "-u", "u2", "Sub/Child", "mailbox", "INBOX", "uid", "1")
        size_after = sum(p.stat().st_size for p in (dv.mail_root("u2") / "storage").glob("m.*"))
        check(size_after == size_before, f"copy adds a reference, no bytes ({size_before} -> {size_after})")
        dv.chown_homes()
        compare("u2", "roost-written")
        D("force-resync", "-u", "u2", "*")
        compare("u2", "roost-written, after doveadm force-resync")

        # ---- 3. roost purge on Dovecot's store ------------------------------
        root1 = dv.mail_root("u1")
        before = m_files(root1)
        dv.chown_homes()
        R("purge", "-u", "u1")
        after = m_files(root1)
        check(before != after, f"purge rewrote the file holding the expunged mail: {before} -> {after}")
        dv.chown_homes()
        compare("u1", "after roost purge")
        r = R("-f", "tab", "fetch", "-u", "u1", "guid", "all").stdout
        rows = r.splitlines()[1:]
        check(len(rows) == 6 and len(set(rows)) == 5,
              f"no message lost or doubled by purge (INBOX 4 + Sub/Child 2, one a copy): {r}")

        # ---- 4. roost altmove and back --------------------------------------
        alt2 = dv.user_home("u2") / "mdbox-alt" / "storage"
        R("altmove", "-u", "u2", "mailbox", "INBOX", "all")
        check(len(list(alt2.glob("m.*"))) >= 1, "altmove put files into the ALT storage")
        dv.chown_homes()
        compare("u2", "after roost altmove")
        R("altmove", "-u", "u2", "-r", "all")
        check(len(list(alt2.glob("m.*"))) == 0, "altmove -r brought every file back")
        dv.chown_homes()
        compare("u2", "after roost altmove -r")

        # ---- 5. Dovecot changes Roost's store; Roost sees it ---------------
        D("flags", "add", "-u", "u2", "\\Flagged", "mailbox", "INBOX", "uid", "4")
        dv.save("u2", "INBOX", msg(7).encode())
        D("expunge", "-u", "u2", "mailbox", "INBOX", "uid", "5")
        compare("u2", "after doveadm changed the roost-written store")
        R("purge", "-u", "u2")
        dv.chown_homes()
        compare("u2", "after roost purge of dovecot's changes")

    # ---- 6. zlib: compressed bodies inside m.* both ways -------------------
    zlib = dict(mail_plugins=["zlib"], plugin_settings={"zlib_save": "gz", "zlib_save_level": "6"})
    with DovecotSandbox(users=["z1"], mail_location="mdbox:~/mdbox", separator="/", **zlib) as dv:
        dv.start()
        big = msg(1, "compressible " * 400)
        dv.save("z1", "INBOX", big.encode())
        roost.run(["save", "-u", "z1", "-m", "INBOX"], config=dv.config_path, input=msg(2, "roost " * 400))
        dv.chown_homes()
        for args in (["-f", "pager", "fetch", "-u", "z1", "uid text", "mailbox", "INBOX", "all"],
                     ["-f", "tab", "fetch", "-u", "z1", "uid guid size.physical", "mailbox", "INBOX", "all"]):
            r, d = roost.run_both(dv, args)
            check(r.returncode == 0 and d.returncode == 0, f"zlib {args}: {r.stderr}{d.stderr}")
            check(norm(r.stdout) == norm(d.stdout),
                  f"zlib {args}: differs\n--- roost\n{r.stdout}\n--- doveadm\n{d.stdout}")
        data = b"".join(p.read_bytes() for p in (dv.mail_root("z1") / "storage").glob("m.*"))
        check(data.count(b"compressible") < 5 and data.count(b"roost roost") < 5,
              "both bodies are stored compressed")

    CHECKS.finish()


if __name__ == "__main__":
    main()
