"""The roost mbox driver against the real Dovecot 2.3, both ways, plus an
MTA-style appender running while roost rewrites the file.

1. Dovecot writes an mbox store (subfolders, flags, keywords, an expunge);
   `roost -f tab fetch 'mailbox uid guid flags' all` must print what
   doveadm prints, and the message text must be the same.
2. Roost writes an mbox store for a second user; doveadm must read the same
   UIDs, GUIDs, flags, keywords and bodies.
3. A Python appender delivers messages with dotlock + fcntl (as procmail /
   Dovecot's LDA do) while roost flags and expunges: every appended message
   survives with a UID.
"""
import fcntl
import multiprocessing
import os
import sys
import time
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
    if not a.startswith("uid\t") and not a.startswith("mailbox\t") and not a.startswith("messages\t"):
        return a == b
    la, lb = a.splitlines(), b.splitlines()
    return la[:1] == lb[:1] and sorted(la[1:]) == sorted(lb[1:])


def dotlock(path, timeout=30):
    """Takes `<path>.lock` the way MTAs do (O_EXCL create)."""
    lock = path + ".lock"
    deadline = time.time() + timeout
    while True:
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.write(fd, f"{os.getpid()}".encode())
            os.close(fd)
            return lock
        except FileExistsError:
            if time.time() > deadline:
                raise
            time.sleep(0.005)


def appender(path, count, done):
    """An MTA: dotlock, open, fcntl write lock, append, fsync, unlock. Runs
    as the mail user, like a delivery agent."""
    st = os.stat(os.path.dirname(path))
    if os.geteuid() == 0:
        os.setgid(st.st_gid)
        os.setuid(st.st_uid)
    for i in range(count):
        lock = dotlock(path)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX)
                size = os.fstat(fd).st_size
                sep = b"\n" if size > 0 else b""
                data = (sep + b"From mta@example.com  Mon Jan  1 00:00:00 2024\n"
                        b"Subject: mta " + str(i).encode() + b"\nMessage-ID: <mta" +
                        str(i).encode() + b"@example.com>\n\nappended " + str(i).encode() + b"\n")
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
        finally:
            os.unlink(lock)
        time.sleep(0.01)
    done.set()


def main():
    with DovecotSandbox(users=["u1", "u2", "u3"], mail_format="mbox") as dv:
        dv.start()
        cfg = dv.config_path

        def R(*args, expect=0, input=None):
            return roost.run(list(args), config=cfg, expect=expect, input=input)

        def D(*args, input=None):
            return dv.doveadm(*args, input=input, check=True)

        # ---- 1. Dovecot writes, Roost reads -------------------------------
        for n in range(1, 5):
            dv.save("u1", "INBOX", msg(n).encode())
        D("mailbox", "create", "-u", "u1", "Sub/Child")
        dv.save("u1", "Sub/Child", msg(5, "in child").encode())
        D("flags", "add", "-u", "u1", "\\Seen", "mailbox", "INBOX", "uid", "1")
        D("flags", "add", "-u", "u1", "\\Answered \\Draft todo $Label1", "mailbox", "INBOX", "uid", "3")
        D("flags", "add", "-u", "u1", "\\Deleted", "mailbox", "INBOX", "uid", "2")
        D("expunge", "-u", "u1", "mailbox", "INBOX", "deleted")
        D("mailbox", "subscribe", "-u", "u1", "INBOX", "Sub/Child")
        for args in (["-f", "tab", "fetch", "-u", "u1", "mailbox uid guid flags", "all"],
                     ["-f", "pager", "fetch", "-u", "u1", "uid text", "mailbox", "INBOX", "all"],
                     ["-f", "tab", "fetch", "-u", "u1", "uid size.physical size.virtual", "mailbox", "INBOX", "all"],
                     ["-f", "tab", "mailbox", "status", "-u", "u1", "messages uidnext uidvalidity unseen guid", "*"]):
            r, d = roost.run_both(dv, args)
            check(r.returncode == d.returncode == 0,
                  f"{args}: exit roost {r.returncode} doveadm {d.returncode}: {r.stderr}{d.stderr}")
            check(same_lines(r.stdout, d.stdout),
                  f"{args}: output differs\n--- roost\n{r.stdout}\n--- doveadm\n{d.stdout}")

        # ---- 2. Roost writes, Dovecot reads --------------------------------
        for n in range(1, 5):
            R("save", "-u", "u2", "-m", "INBOX", input=msg(n))
        R("mailbox", "create", "-u", "u2", "Sub/Child")
        R("save", "-u", "u2", "-m", "Sub/Child", input=msg(5, "in child"))
        R("flags", "add", "-u", "u2", "\\Seen", "mailbox", "INBOX", "uid", "1")
        R("flags", "add", "-u", "u2", "\\Answered \\Draft todo $Label1", "mailbox", "INBOX", "uid", "3")
        R("flags", "add", "-u", "u2", "\\Deleted", "mailbox", "INBOX", "uid", "2")
        R("expunge", "-u", "u2", "mailbox", "INBOX", "deleted")
        dv.chown_homes()
        for args in (["-f", "tab", "fetch", "-u", "u2", "mailbox uid guid flags", "all"],
                     ["-f", "pager", "fetch", "-u", "u2", "uid text", "mailbox", "INBOX", "all"],
                     ["-f", "tab", "mailbox", "status", "-u", "u2", "messages uidnext uidvalidity unseen", "INBOX"]):
            r, d = roost.run_both(dv, args)
            check(d.returncode == 0, f"doveadm can't read roost's store: {args}: {d.stderr}")
            check(same_lines(r.stdout, d.stdout),
                  f"roost-written store, {args}: differs\n--- roost\n{r.stdout}\n--- doveadm\n{d.stdout}")
        flags = D("-f", "tab", "fetch", "-u", "u2", "uid flags", "mailbox", "INBOX", "all").stdout
        check("\\Answered \\Draft" in flags and "todo" in flags and "$Label1" in flags,
              f"doveadm sees roost's flags and keywords: {flags}")
        check("\n2\t" not in flags, f"expunged UID 2 is gone for doveadm: {flags}")
        # Dovecot changes the file; roost sees it.
        D("flags", "add", "-u", "u2", "\\Flagged", "mailbox", "INBOX", "uid", "4")
        dv.save("u2", "INBOX", msg(7).encode())
        r, d = roost.run_both(dv, ["-f", "tab", "fetch", "-u", "u2", "mailbox uid guid flags", "all"])
        check(same_lines(r.stdout, d.stdout), f"after doveadm changes: \n{r.stdout}\n{d.stdout}")

        # ---- 3. concurrent appender ----------------------------------------
        for n in range(1, 4):
            R("save", "-u", "u3", "-m", "INBOX", input=msg(n))
        dv.chown_homes()
        inbox = str(dv.mail_root("u3") / "inbox")
        count = 40
        done = multiprocessing.Event()
        p = multiprocessing.Process(target=appender, args=(inbox, count, done))
        p.start()
        deadline = time.time() + 120
        i = 0
        while not done.is_set() and time.time() < deadline:
            i += 1
            R("flags", "add" if i % 2 else "remove", "-u", "u3", "\\Flagged", "mailbox", "INBOX", "all")
            if i % 3 == 0:
                R("flags", "add", "-u", "u3", "\\Deleted", "mailbox", "INBOX", "subject", "message")
                R("expunge", "-u", "u3", "mailbox", "INBOX", "deleted")
        p.join(60)
        out = R("-f", "tab", "fetch", "-u", "u3", "uid hdr.subject", "mailbox", "INBOX", "all").stdout
        subjects = [l.split("\t", 1)[1] for l in out.splitlines()[1:]]
        for k in range(count):
            check(subjects.count(f"mta {k}") == 1, f"appended message {k} survives exactly once: {out}")
        uids = [int(l.split("\t")[0]) for l in out.splitlines()[1:]]
        check(uids == sorted(set(uids)), f"UIDs unique and ascending: {uids}")
        dv.chown_homes()
        d = D("-f", "tab", "fetch", "-u", "u3", "uid hdr.subject", "mailbox", "INBOX", "all").stdout
        check(same_lines(out, d), f"doveadm agrees after the appender:\n{out}\n{d}")

    CHECKS.finish()


if __name__ == "__main__":
    main()
