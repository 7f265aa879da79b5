"""Every roost verb and formatter once, against doveadm where both exist:
mailbox mutf7/subscribe/unsubscribe/status, force-resync, index (mail
dropped in by an MTA), user, config, help, -o overrides, -A/-F/masks with the
username column, -D, and bad Maildir input (malformed file names, a
truncated dovecot-uidlist, an unreadable mail file)."""
import os
import shutil
import stat
import sys
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("ROOST_SOURCE_DIR",
                                           Path(__file__).resolve().parents[2])) / "tests" / "harness"))

from roostharness import roost  # noqa: E402
from roostharness.checks import Checks  # noqa: E402
from roostharness.dovecot import DovecotSandbox  # noqa: E402

CHECKS = Checks()
check = CHECKS.check


def msg(n):
    return (f"From: a@example.com\nTo: b@example.com\nSubject: verbs {n}\n"
            f"Date: Tue, 2 Jan 2024 10:00:00 +0100\nMessage-ID: <v{n}@example.com>\n\nbody {n}\n")


def main():
    with DovecotSandbox(users=["u1", "u2", "other"]) as dv:
        dv.start()
        cfg = dv.config_path

        def R(*args, expect=0, input=None):
            return roost.run(list(args), config=cfg, expect=expect, input=input)

        for u in ("u1", "u2", "other"):
            for n in range(1, 4):
                R("save", "-u", u, input=msg(n))

        # mutf7 both ways, like doveadm.
        for args in (["mailbox", "mutf7", "Entwürfe", "Отправленные"],
                     ["mailbox", "mutf7", "-7", "Entw&APw-rfe"]):
            r, d = roost.run_both(dv, args)
            check(r.stdout == d.stdout and r.returncode == 0, f"{args}: {r.stdout!r} vs {d.stdout!r}")
        check(R("mailbox", "mutf7", "-7", "&Jjo-bad&", expect=None).returncode == 65,
              "invalid modified UTF-7 is a data error")

        # A missing mailbox is "not found" (68) on both sides.
        r, d = roost.run_both(dv, ["save", "-u", "u1", "-m", "NoSuchBox"], input=msg(8))
        check(r.returncode == d.returncode == 68, f"save into a missing mailbox: {r.returncode} vs {d.returncode}")

        # subscribe / unsubscribe / list -s
        R("mailbox", "create", "-u", "u1", "-s", "Archive")
        R("mailbox", "subscribe", "-u", "u1", "INBOX")
        R("mailbox", "unsubscribe", "-u", "u1", "Archive")
        r, d = roost.run_both(dv, ["mailbox", "list", "-u", "u1", "-s"])
        check(r.stdout == d.stdout == "INBOX\n", f"subscriptions: {r.stdout!r} vs {d.stdout!r}")

        # status: every field, every formatter, -t.
        for fmt in ("flow", "tab", "table", "pager", "json"):
            args = ["-f", fmt, "mailbox", "status", "-u", "u1",
                    "messages recent uidnext uidvalidity unseen vsize guid", "INBOX"]
            r, d = roost.run_both(dv, args)
            check(r.stdout == d.stdout, f"status -f {fmt}:\n{r.stdout}\nvs\n{d.stdout}")
        r = R("mailbox", "status", "-u", "u1", "all", "INBOX").stdout
        check("highestmodseq=" in r and "firstsaved=" in r, f"status all: {r}")
        check(R("mailbox", "status", "-u", "u1", "-t", "uidnext", "*", expect=None).returncode == 64,
              "-t with a field that can't be summed is a usage error")

        # fetch fields (those Dovecot prints the same way for the same mail).
        fields = ("uid seq guid flags size.physical size.virtual date.sent date.sent.unixtime "
                  "date.received.unixtime hdr.subject hdr.message-id imap.envelope imap.body "
                  "imap.bodystructure pop3.uidl mailbox user")
        r, d = roost.run_both(dv, ["-f", "json", "fetch", "-u", "u1", fields, "mailbox", "INBOX", "all"])
        check(r.stdout == d.stdout, f"fetch fields:\n{r.stdout}\nvs\n{d.stdout}")
        for field in ("text", "hdr", "body", "body.snippet", "date.received", "date.saved",
                      "mailbox-guid", "modseq", "pop3.order"):
            p = R("fetch", "-u", "u1", field, "mailbox", "INBOX", "uid", "1", expect=None)
            check(p.returncode == 0 and p.stdout, f"fetch {field}: {p.returncode} {p.stderr}")

        # An MTA drops a message into new/: index picks it up, search finds it.
        mdir = dv.mail_root("u1")
        (mdir / "new" / "1700000000.M1P1.mta").write_text(msg(99))
        shutil.chown(mdir / "new" / "1700000000.M1P1.mta", "mail", "mail")
        R("index", "-u", "u1", "INBOX")
        out = R("-f", "tab", "fetch", "-u", "u1", "uid hdr.subject", "mailbox", "INBOX", "subject", "verbs 99").stdout
        check("verbs 99" in out, f"delivered mail indexed: {out}")

        # force-resync rebuilds Roost's index from the files, UIDs kept.
        before = R("-f", "tab", "fetch", "-u", "u1", "uid guid flags", "mailbox", "INBOX", "all").stdout
        for f in mdir.glob("roost.index*"):
            f.unlink()
        R("force-resync", "-u", "u1", "INBOX")
        after = R("-f", "tab", "fetch", "-u", "u1", "uid guid flags", "mailbox", "INBOX", "all").stdout
        check(before == after, f"force-resync kept everything:\n{before}\nvs\n{after}")

        # Several users: masks, -A, -F add a username column as doveadm does.
        users_file = Path(dv.root) / "users.list"
        users_file.write_text("u1\nu2\n")
        for sel in (["-u", "u*"], ["-A"], ["-F", str(users_file)]):
            r, d = roost.run_both(dv, ["-f", "tab", "mailbox", "status", *sel, "messages", "INBOX"])
            check(sorted(r.stdout.splitlines()) == sorted(d.stdout.splitlines()),
                  f"{sel}:\n{r.stdout}\nvs\n{d.stdout}")

        # user, config, help, -o, -D
        r, d = roost.run_both(dv, ["user", "u1"])
        check(r.stdout == d.stdout and r.returncode == d.returncode == 0, f"user:\n{r.stdout}\nvs\n{d.stdout}")
        r, d = roost.run_both(dv, ["user", "nosuchuser"])
        check(r.returncode == d.returncode == 67, f"user unknown: {r.returncode} vs {d.returncode}")
        p = R("config", "mail_location")
        check(p.stdout.strip().startswith("mail_location = "), f"config key: {p.stdout}")
        check("passdb" in R("config").stdout, "config prints sections")
        check("fetch" in R("help").stdout and R("help", "fetch").stdout.startswith("roost fetch"),
              "help")
        R("-o", "mail_location=maildir:~/OtherMaildir", "save", "-u", "u2", input=msg(7))
        p = R("-o", "mail_location=maildir:~/OtherMaildir", "mailbox", "status", "-u", "u2",
              "messages", "INBOX")
        check(p.stdout == "INBOX messages=1\n" and
              (Path(dv.user_home("u2")) / "OtherMaildir" / "new").is_dir(),
              f"-o mail_location: {p.stdout}")
        p = R("-D", "mailbox", "list", "-u", "u2")
        check("not used by roost (ignored): listen" in p.stderr,
              f"-D lists settings Roost ignores: {p.stderr[:300]}")

        # Bad Maildir input: nothing breaks, nothing else changes.
        (mdir / "cur" / "garbage:2,ZZ\x01").write_text(msg(50))
        (mdir / "cur" / "no-size-extras:2,S").write_text(msg(51))
        os.chown(mdir / "cur" / "garbage:2,ZZ\x01", 8, 8)
        os.chown(mdir / "cur" / "no-size-extras:2,S", 8, 8)
        p = R("-f", "tab", "fetch", "-u", "u1", "uid flags hdr.subject", "mailbox", "INBOX", "all", expect=None)
        check(p.returncode == 0 and "verbs 51" in p.stdout, f"odd file names read: {p.returncode} {p.stderr}")
        uidlist = mdir / "dovecot-uidlist"
        content = uidlist.read_bytes()
        uidlist.write_bytes(content[: len(content) // 2])
        p = R("-f", "tab", "fetch", "-u", "u1", "uid guid", "mailbox", "INBOX", "all", expect=None)
        check(p.returncode == 0, f"truncated uidlist recovered: {p.stderr}")
        kept = {l.split("\t")[1]: l.split("\t")[0] for l in before.splitlines()[1:]}
        now = {l.split("\t")[1]: l.split("\t")[0] for l in p.stdout.splitlines()[1:]}
        check(all(now.get(g) == u for g, u in kept.items()),
              f"UIDs kept through a truncated uidlist:\n{before}\nvs\n{p.stdout}")
        victim = next((mdir / "cur").glob("no-size-extras*"))
        victim.chmod(0)
        p = R("fetch", "-u", "u1", "text", "mailbox", "INBOX", "subject", "verbs 51", expect=None)
        check(p.returncode == 77 and str(victim.name) in p.stderr,
              f"unreadable file: exit {p.returncode}, stderr {p.stderr}")
        victim.chmod(0o600)

    CHECKS.finish()


if __name__ == "__main__":
    main()
