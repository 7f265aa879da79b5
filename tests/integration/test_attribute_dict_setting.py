"""mail_attribute_dict: Roost and real Dovecot 2.3 share a dict file at a
non-default place.

1. `mail_attribute_dict = file:~/attrs/%u.dict` (a ~ path with a %-variable,
   outside the mail root): what doveadm sets, Roost reads, and the other
   way round; the file is where the setting says, the mail root has no
   `dovecot-attributes`, the userdb's home is where `~` starts.
2. A `sync` to a second location carries the attributes into that
   location's own dict (`<root>/dovecot-attributes`), not the user's.
3. With the setting empty Dovecot has no attributes (its metadata commands
   fail), while Roost keeps them in `<mail root>/dovecot-attributes`.
4. An unsupported dict type (`redis:`) or a file-dict option: Roost's
   metadata commands exit 78 naming the setting; mail commands still work.
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


def main():
    conf = "mail_attribute_dict = file:~/attrs/%u.dict\n"
    with DovecotSandbox(users=["u1"], extra_conf=conf) as dv:
        dv.start()
        cfg = dv.config_path
        home = Path(dv.user_home("u1"))
        root = Path(dv.mail_root("u1"))

        def D(*args, expect_ok=True):
            p = dv.doveadm(*args)
            if expect_ok:
                check(p.returncode == 0, f"doveadm {args}: exit {p.returncode}: {p.stderr}")
            return p

        def R(*args, expect=0):
            return roost.run(list(args), config=cfg, expect=expect, timeout=120)

        def dv_get(box, key, *extra):
            return D(*extra, "mailbox", "metadata", "get", "-u", "u1", box, key).stdout.strip()

        def r_get(box, key, *extra):
            return R(*extra, "mailbox", "metadata", "get", "-u", "u1", box, key).stdout.strip()

        D("mailbox", "create", "-u", "u1", "Work")
        dv.save("u1", "Work", fixture_message(1))
        D("mailbox", "metadata", "set", "-u", "u1", "Work", "/private/comment", "from dovecot")
        D("mailbox", "metadata", "set", "-u", "u1", "INBOX", "/shared/vendor/x", "shared")
        dict_file = home / "attrs" / "u1.dict"
        check(dict_file.is_file(), f"Dovecot didn't write {dict_file}")

        # 1. The same dict, both ways.
        got = r_get("Work", "/private/comment")
        check(got == "from dovecot", f"roost get through file:~/attrs/%u.dict: {got!r}")
        check(r_get("INBOX", "/shared/vendor/x") == "shared", "roost get of a shared attribute")
        R("mailbox", "metadata", "set", "-u", "u1", "Work", "/private/note", "from roost")
        R("mailbox", "metadata", "unset", "-u", "u1", "INBOX", "/shared/vendor/x")
        dv.chown_homes()
        got = dv_get("Work", "/private/note")
        check(got == "from roost", f"doveadm reads Roost's set: {got!r}")
        got = dv_get("INBOX", "/shared/vendor/x")
        check(got == "", f"doveadm after Roost's unset: {got!r}")
        check(not (root / "dovecot-attributes").exists(),
              "Roost wrote the default dict although mail_attribute_dict names another")
        check((home / "attrs" / "u1.dict.roost").is_file(),
              "Roost's change file is not beside the configured dict")
        listed = R("mailbox", "metadata", "list", "-u", "u1", "-p", "Work").stdout.split()
        check(listed == ["/private/comment", "/private/note"], f"roost list: {listed}")

        # 2. A sync destination keeps its own dict.
        copy = home / "copy"
        R("sync", "-u", "u1", f"maildir:{copy}")
        copy_dict = copy / "dovecot-attributes"
        check(copy_dict.is_file(), "the sync destination has no dict of its own")
        got = r_get("Work", "/private/note", "-o", f"mail_location=maildir:{copy}",
                    "-o", f"mail_attribute_dict=file:{copy_dict}")
        check(got == "from roost", f"roost reads the copy's dict: {got!r}")
        dv.chown_homes()
        got = dv_get("Work", "/private/comment", "-o", f"mail_location=maildir:{copy}",
                     "-o", f"mail_attribute_dict=file:{copy_dict}")
        check(got == "from dovecot", f"doveadm reads the copy's dict: {got!r}")

        # 3. Empty setting: Dovecot has no attributes; Roost its default file.
        empty = ("-o", "mail_attribute_dict=")
        p = D(*empty, "mailbox", "metadata", "set", "-u", "u1", "Work", "/private/x", "v",
              expect_ok=False)
        check(p.returncode != 0, f"doveadm with mail_attribute_dict empty set an attribute: "
                                 f"{p.stdout!r} {p.stderr!r}")
        R(*empty, "mailbox", "metadata", "set", "-u", "u1", "Work", "/private/x", "default place")
        check((root / "dovecot-attributes").is_file(),
              "Roost with the setting empty: no <mail root>/dovecot-attributes")
        check(r_get("Work", "/private/x", *empty) == "default place", "roost default dict get")
        check(r_get("Work", "/private/x") == "", "the default dict leaked into the configured one")

        # 4. What Roost can't use: a clear error naming the setting.
        for bad in ("redis:host=127.0.0.1:port=6379", f"file:{home}/a.dict:lock=fcntl"):
            opt = ("-o", f"mail_attribute_dict={bad}")
            p = R(*opt, "mailbox", "metadata", "get", "-u", "u1", "Work", "/private/comment",
                  expect=None)
            check(p.returncode == 78 and "mail_attribute_dict" in p.stderr,
                  f"{bad}: exit {p.returncode}, {p.stderr!r}")
            p = R(*opt, "mailbox", "status", "-u", "u1", "messages", "Work", expect=None)
            check(p.returncode == 0 and "messages=1" in p.stdout,
                  f"{bad}: mail commands should still work: exit {p.returncode} {p.stderr!r}")
    CHECKS.finish()


if __name__ == "__main__":
    main()
