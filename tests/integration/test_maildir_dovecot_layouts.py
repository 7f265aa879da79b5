"""Maildir interop with real Dovecot beyond the default layout: LAYOUT=fs in
both directions, both programs continuing one UID sequence, and the
dovecot-uidlist extension fields (G = message GUID kept by dsync, P = POP3
UIDL kept by migrations) written the way Roost writes them, read by
Dovecot. (The unit tests check that Roost writes exactly these fields.)"""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("ROOST_SOURCE_DIR",
                                           Path(__file__).resolve().parents[2])) / "tests" / "harness"))

from roostharness import roost  # noqa: E402
from roostharness.checks import Checks  # noqa: E402
from roostharness.dovecot import DovecotSandbox  # noqa: E402

CHECKS = Checks()
check = CHECKS.check


def main():
    with DovecotSandbox(users=["u1"], mail_location="maildir:~/Maildir:LAYOUT=fs") as dv:
        dv.start()
        cfg = dv.config_path

        def R(*args, expect=0, input=None):
            return roost.run(list(args), config=cfg, expect=expect, input=input)

        dv.doveadm("mailbox", "create", "-u", "u1", "Archiv/2024", check=True)
        dv.save("u1", "Archiv/2024", b"Subject: old\n\nx\n")
        listing = R("mailbox", "list", "-u", "u1").stdout.split("\n")
        check(sorted(filter(None, listing)) == ["Archiv", "Archiv/2024", "INBOX"],
              f"Dovecot's fs layout in roost: {listing}")
        R("mailbox", "create", "-u", "u1", "Entwürfe/Alt")
        R("save", "-u", "u1", "-m", "Entwürfe/Alt", input="Subject: new\n\nx\n")
        R("flags", "add", "-u", "u1", "\\Seen", "mailbox", "Entwürfe/Alt", "all")
        dv.chown_homes()
        check((dv.mail_root("u1") / "Entw&APw-rfe" / "Alt" / "cur").is_dir(),
              "fs layout: nested directories, modified UTF-7 names")
        for args in (["-f", "tab", "fetch", "-u", "u1", "mailbox uid guid flags", "mailbox", "Entwürfe/Alt", "all"],
                     ["-f", "tab", "fetch", "-u", "u1", "mailbox uid guid flags", "mailbox", "Archiv/2024", "all"]):
            r, d = roost.run_both(dv, args)
            check(r.stdout == d.stdout and d.returncode == 0, f"{args}:\n{r.stdout}\nvs\n{d.stdout}{d.stderr}")

        # One UID sequence for both programs.
        dv.save("u1", "INBOX", b"Subject: d1\n\nx\n")
        R("save", "-u", "u1", input="Subject: r2\n\nx\n")
        dv.chown_homes()
        dv.save("u1", "INBOX", b"Subject: d3\n\nx\n")
        r, d = roost.run_both(dv, ["-f", "tab", "fetch", "-u", "u1", "uid hdr.subject", "mailbox", "INBOX", "all"])
        check(r.stdout == d.stdout == "uid\thdr.subject\n1\td1\n2\tr2\n3\td3\n",
              f"UID sequence shared:\n{r.stdout}\nvs\n{d.stdout}")

        # G and P extension fields, as Roost writes them for a GUID/UIDL kept
        # by dsync or a migration.
        inbox = dv.mail_root("u1")
        uidlist = inbox / "dovecot-uidlist"
        lines = uidlist.read_text().splitlines()
        uid, name = lines[-1].split(" :", 1)
        lines[-1] = f"{uid} G0123456789abcdef0123456789abcdef Puidl-3 :{name}"
        uidlist.write_text("\n".join(lines) + "\n")
        for f in inbox.glob("dovecot.index*"):
            f.unlink()
        for f in inbox.glob("roost.*"):
            f.unlink()
        dv.chown_homes()
        r, d = roost.run_both(dv, ["-f", "tab", "fetch", "-u", "u1", "uid guid pop3.uidl", "mailbox", "INBOX", "uid", "3"])
        check(r.stdout == d.stdout == "uid\tguid\tpop3.uidl\n3\t0123456789abcdef0123456789abcdef\tuidl-3\n",
              f"uidlist G/P fields:\n{r.stdout}\nvs\n{d.stdout}{d.stderr}")

    CHECKS.finish()


if __name__ == "__main__":
    main()
