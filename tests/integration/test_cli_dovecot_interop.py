"""The roost CLI against the real Dovecot 2.3, on one Maildir, both ways.

1. Dovecot writes a Maildir (subfolders, a non-ASCII folder, flags, keywords,
   an expunge); `roost -f tab fetch 'mailbox uid guid flags' all` must print
   exactly what `doveadm -f tab fetch ...` prints, and mailbox list/status
   must agree.
2. Roost writes a Maildir for a second user (the same operations through
   roost's verbs); doveadm must read it back with the same UIDs, GUIDs,
   flags and keywords.
3. Every verb and formatter runs, and bad input gets the documented exit
   code with nothing changed.
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


def same(args, a, b):
    """Dovecot lists mailboxes in the order its list index holds them (newest
    top-level folder first), which the store alone doesn't record. Output of
    a query restricted to one mailbox (a `mailbox X` search key) must match
    byte for byte; output spanning mailboxes is compared as a set of lines
    (the header line of tab/table output still first)."""
    if "fetch" in args or "search" in args:
        verb = args.index("fetch") if "fetch" in args else args.index("search")
        if "mailbox" in args[verb + 1:]:
            return a == b
    la, lb = a.splitlines(), b.splitlines()
    if "-f" in args and args[args.index("-f") + 1] in ("tab", "table"):
        return la[:1] == lb[:1] and sorted(la[1:]) == sorted(lb[1:])
    return sorted(la) == sorted(lb)


def main():
    with DovecotSandbox(users=["u1", "u2"]) as dv:
        dv.start()
        cfg = dv.config_path

        def R(*args, expect=0, input=None):
            return roost.run(list(args), config=cfg, expect=expect, input=input)

        def D(*args, input=None):
            return dv.doveadm(*args, input=input, check=True)

        # ---- 1. Dovecot writes, Roost reads -------------------------------
        for n in range(1, 5):
            dv.save("u1", "INBOX", msg(n).encode())
        D("mailbox", "create", "-u", "u1", "Sub/Child", "Entwürfe")
        dv.save("u1", "Sub/Child", msg(5, "in child").encode())
        dv.save("u1", "Entwürfe", msg(6, "Grüße").encode())
        D("flags", "add", "-u", "u1", "\\Seen", "mailbox", "INBOX", "uid", "1")
        D("flags", "add", "-u", "u1", "\\Answered \\Draft todo $Label1", "mailbox", "INBOX", "uid", "3")
        D("flags", "add", "-u", "u1", "\\Deleted", "mailbox", "INBOX", "uid", "2")
        D("expunge", "-u", "u1", "mailbox", "INBOX", "deleted")
        D("mailbox", "subscribe", "-u", "u1", "INBOX", "Sub/Child")

        for args in (["-f", "tab", "fetch", "-u", "u1", "mailbox uid guid flags", "all"],
                     ["-f", "tab", "fetch", "-u", "u1", "uid size.physical size.virtual date.received", "mailbox", "INBOX", "all"],
                     ["-f", "tab", "fetch", "-u", "u1", "uid hdr.subject", "mailbox", "Entwürfe", "all"],
                     ["-f", "flow", "search", "-u", "u1", "mailbox", "INBOX", "seen"],
                     ["search", "-u", "u1", "all"],
                     ["-f", "tab", "fetch", "-u", "u1", "mailbox-guid mailbox uid", "all"],
                     ["mailbox", "list", "-u", "u1"],
                     ["mailbox", "list", "-u", "u1", "-s"],
                     ["-f", "tab", "mailbox", "status", "-u", "u1", "messages recent uidnext uidvalidity unseen vsize guid", "*"],
                     ["-f", "tab", "mailbox", "status", "-u", "u1", "-t", "all", "*"],
                     ["-f", "json", "fetch", "-u", "u1", "uid flags", "mailbox", "INBOX", "keyword", "todo"],
                     ["-f", "pager", "fetch", "-u", "u1", "uid text", "mailbox", "Sub/Child", "all"],
                     ["-f", "table", "fetch", "-u", "u1", "mailbox uid flags", "all"]):
            r, d = roost.run_both(dv, args)
            check(r.returncode == d.returncode == 0,
                  f"{args}: exit roost {r.returncode} doveadm {d.returncode}: {r.stderr}{d.stderr}")
            check(same(args, r.stdout, d.stdout),
                  f"{args}: output differs\n--- roost\n{r.stdout}\n--- doveadm\n{d.stdout}")

        # ---- 2. Roost writes, Dovecot reads --------------------------------
        for n in range(1, 5):
            R("save", "-u", "u2", "-m", "INBOX", input=msg(n))
        R("mailbox", "create", "-u", "u2", "Sub/Child", "Entwürfe")
        R("save", "-u", "u2", "-m", "Sub/Child", input=msg(5, "in child"))
        R("save", "-u", "u2", "-m", "Entwürfe", input=msg(6, "Grüße"))
        R("flags", "add", "-u", "u2", "\\Seen", "mailbox", "INBOX", "uid", "1")
        R("flags", "add", "-u", "u2", "\\Answered \\Draft todo $Label1", "mailbox", "INBOX", "uid", "3")
        R("flags", "add", "-u", "u2", "\\Deleted", "mailbox", "INBOX", "uid", "2")
        R("expunge", "-u", "u2", "mailbox", "INBOX", "deleted")
        R("mailbox", "subscribe", "-u", "u2", "INBOX", "Sub/Child")
        dv.chown_homes()
        for args in (["-f", "tab", "fetch", "-u", "u2", "mailbox uid guid flags", "all"],
                     ["-f", "tab", "fetch", "-u", "u2", "uid size.virtual hdr.subject", "all"],
                     ["mailbox", "list", "-u", "u2"],
                     ["mailbox", "list", "-u", "u2", "-s"],
                     ["-f", "tab", "mailbox", "status", "-u", "u2", "messages uidnext uidvalidity unseen vsize guid", "*"]):
            r, d = roost.run_both(dv, args)
            check(d.returncode == 0, f"doveadm can't read roost's store: {args}: {d.stderr}")
            check(same(args, r.stdout, d.stdout),
                  f"roost-written store, {args}: differs\n--- roost\n{r.stdout}\n--- doveadm\n{d.stdout}")
        flags = D("-f", "tab", "fetch", "-u", "u2", "uid flags", "mailbox", "INBOX", "all").stdout
        check("\\Answered \\Draft" in flags and "todo" in flags and "$Label1" in flags,
              f"doveadm sees roost's flags and keywords: {flags}")
        check("\n2\t" not in flags, f"expunged UID 2 is gone for doveadm: {flags}")

        # ---- 3. the other verbs, then bad input ------------------------------
        R("copy", "-u", "u2", "Sub/Child", "mailbox", "INBOX", "uid", "1")
        R("move", "-u", "u2", "Entwürfe", "mailbox", "INBOX", "uid", "4")
        out = R("-f", "tab", "fetch", "-u", "u2", "mailbox uid hdr.subject", "all").stdout
        check("Sub/Child\t2\tmessage 1" in out, f"copy landed as Sub/Child uid 2: {out}")
        check("Entwürfe\t2\tmessage 4" in out and "INBOX\t4" not in out, f"move: {out}")
        R("mailbox", "rename", "-u", "u2", "Entwürfe", "Archiv")
        R("mailbox", "delete", "-u", "u2", "-r", "Sub")
        listing = R("mailbox", "list", "-u", "u2").stdout
        check(listing.split() == ["Archiv", "INBOX"], f"rename/delete -r: {listing}")
        dv.chown_homes()
        d = D("mailbox", "list", "-u", "u2").stdout
        check(sorted(d.split()) == sorted(listing.split()), f"doveadm agrees on the mailbox list: {d!r} vs {listing!r}")
        R("flags", "replace", "-u", "u2", "\\Flagged", "mailbox", "INBOX", "all")
        out = R("-f", "tab", "fetch", "-u", "u2", "uid flags", "mailbox", "INBOX", "all").stdout
        check(all("\\Flagged" in l and "todo" not in l for l in out.splitlines()[1:]), f"replace: {out}")

        before = R("-f", "tab", "fetch", "-u", "u2", "mailbox uid flags", "all").stdout
        for args, code in ((["fetch", "-u", "nobody", "uid", "all"], 67),
                           (["search", "-u", "u2", "bogus"], 64),
                           (["fetch", "-u", "u2", "uid bogusfield", "all"], 64),
                           (["mailbox", "status", "-u", "u2", "messages", "NoSuchBox"], 68),
                           (["copy", "-u", "u2", "NoSuchBox", "mailbox", "INBOX", "all"], 68),
                           (["mailbox", "create", "-u", "u2", "../escape"], 64),
                           (["mailbox", "create", "-u", "u2", "a//b"], 64),
                           (["expunge", "-u", "u2", "all"], 64),
                           (["-f", "xml", "mailbox", "list", "-u", "u2"], 64),
                           (["nosuchverb"], 64),
                           (["fetch", "uid", "all"], 64)):
            p = R(*args, expect=None)
            check(p.returncode == code, f"{args}: exit {p.returncode}, want {code}; stderr: {p.stderr}")
            check(p.stderr.strip() != "", f"{args}: no error message")
        after = R("-f", "tab", "fetch", "-u", "u2", "mailbox uid flags", "all").stdout
        check(before == after, "bad input changed nothing")
        check(not (dv.mail_root("u2").parent / "escape").exists(), "no directory escaped the root")

        # `doveadm` as argv[0] behaves the same.
        link = Path(dv.root) / "doveadm"
        link.symlink_to(roost.roost_bin())
        p = roost.run(["mailbox", "list", "-u", "u2"], config=cfg, binary=str(link))
        check(p.stdout == listing,
              f"roost as doveadm: {p.stdout}")

    CHECKS.finish()


if __name__ == "__main__":
    main()
