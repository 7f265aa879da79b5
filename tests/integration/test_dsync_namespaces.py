"""sync/backup -N with two namespaces (the INBOX namespace and an
"Archive/" namespace with its own location): every namespace's mailboxes
travel with their prefix in one run, to a mail location (as folders), to
`roost dsync-server` of a user with the same namespaces (both ways), and a
destination that lacks a namespace is an error naming it."""
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


def message(tag):
    return (f"From: o@example.com\nSubject: {tag}\nMessage-ID: <{tag}@example.com>\n\n"
            f"body {tag}\n").encode()


def archive_ns(location):
    return ("namespace archive {\n  prefix = Archive/\n  separator = /\n"
            f"  location = {location}\n  list = yes\n}}\n")


def main():
    with DovecotSandbox(users=["u1"],
                        extra_conf=archive_ns("maildir:~/ArchiveStore")) as a:
        home = a.user_home("u1")
        cfg = a.config_path

        def R(*args, expect=0, config=cfg, input=None):
            return roost.run(list(args), config=config, expect=expect, input=input)

        def boxes(config, *extra):
            return sorted(l for l in R(*extra, "mailbox", "list", "-u", "u1", config=config)
                          .stdout.splitlines() if l)

        def subjects(config, box, *extra):
            out = R(*extra, "-f", "tab", "fetch", "-u", "u1", "hdr.subject", "mailbox", box,
                    config=config).stdout.splitlines()[1:]
            return sorted(out)

        a.chown_homes()
        R("mailbox", "create", "-u", "u1", "Work", "Archive/2019")
        R("save", "-u", "u1", "-m", "INBOX", input=message("inbox-1"))
        R("save", "-u", "u1", "-m", "Work", input=message("work-1"))
        R("save", "-u", "u1", "-m", "Archive/2019", input=message("arch-1"))
        R("save", "-u", "u1", "-m", "Archive/2019", input=message("arch-2"))
        check("Archive/2019" in boxes(cfg), f"source lists {boxes(cfg)}")

        # 1. To a mail location: one run, the Archive namespace's mailboxes
        # become folders under their prefix (read back through a config
        # with that one location as its only namespace).
        copy = f"mdbox:{home}/copy"
        only = f"mdbox:{home}/inbox-ns-only"
        p = R("backup", "-u", "u1", "-N", copy, expect=None)
        check(p.returncode == 0, f"backup -N: exit {p.returncode}: {p.stderr[-800:]}")
        # Without -N only the INBOX namespace travels.
        R("backup", "-u", "u1", only)
        with DovecotSandbox(users=["u1"], mail_location=copy) as cc, \
                DovecotSandbox(users=["u1"], mail_location=only) as oc:
            got = boxes(cc.config_path)
            check("Archive/2019" in got and "Work" in got and "INBOX" in got,
                  f"backup -N copied {got}")
            got = subjects(cc.config_path, "Archive/2019")
            check(got == ["arch-1", "arch-2"], f"Archive/2019 on the copy: {got}")
            got = boxes(oc.config_path)
            check("Work" in got and not any(b.startswith("Archive") for b in got),
                  f"backup without -N copied {got}")
            # A second -N run has nothing left to do.
            p = R("backup", "-u", "u1", "-N", "-v", copy, expect=None)
            check(p.returncode == 0 and "saved" not in p.stderr,
                  f"second backup -N: exit {p.returncode}: {p.stderr[-800:]}")

        # 2. To roost dsync-server of a user with the same two namespaces
        # (other locations): both namespaces, both directions.
        with DovecotSandbox(users=["u1"], mail_location=f"mdbox:{home}/peer-main",
                            extra_conf=archive_ns(f"sdbox:{home}/peer-archive")) as b:
            remote = [roost.roost_bin(), "-c", str(b.config_path), "dsync-server", "-u", "u1"]
            a.chown_homes()
            p = R("sync", "-u", "u1", "-N", *remote, expect=None)
            check(p.returncode == 0, f"sync -N to dsync-server: exit {p.returncode}: "
                                     f"{p.stderr[-800:]}")
            check(subjects(b.config_path, "Archive/2019") == ["arch-1", "arch-2"],
                  f"peer Archive/2019: {subjects(b.config_path, 'Archive/2019')}")
            check(subjects(b.config_path, "Work") == ["work-1"],
                  f"peer Work: {subjects(b.config_path, 'Work')}")
            check(Path(f"{home}/peer-archive").is_dir(),
                  "the peer's Archive namespace location was not used")
            R("save", "-u", "u1", "-m", "Archive/2019", input=message("arch-peer"),
              config=b.config_path)
            R("mailbox", "create", "-u", "u1", "Archive/2020", config=b.config_path)
            a.chown_homes()
            p = R("sync", "-u", "u1", "-N", *remote, expect=None)
            check(p.returncode == 0, f"second sync -N: exit {p.returncode}: {p.stderr[-800:]}")
            check(subjects(cfg, "Archive/2019") == ["arch-1", "arch-2", "arch-peer"],
                  f"source Archive/2019 after the peer's save: {subjects(cfg, 'Archive/2019')}")
            check("Archive/2020" in boxes(cfg), f"peer-created Archive/2020 missing: {boxes(cfg)}")
            # The source's Archive namespace got it, not a folder in INBOX's.
            check(any(Path(home, "ArchiveStore").rglob("*2020*")),
                  "Archive/2020 was not created in the Archive namespace's location")

        # 3. A destination without the Archive/ namespace: an error naming it.
        with DovecotSandbox(users=["u1"], mail_location=f"maildir:{home}/one-ns") as c:
            remote = [roost.roost_bin(), "-c", str(c.config_path), "dsync-server", "-u", "u1"]
            a.chown_homes()
            p = R("sync", "-u", "u1", "-N", *remote, expect=None)
            check(p.returncode != 0, "sync -N to a destination without Archive/ succeeded")
            check("Archive/" in p.stderr, f"the error doesn't name the namespace: {p.stderr!r}")
        # 4. To real Dovecot's dsync-server with the same two namespaces.
        with DovecotSandbox(users=["u1"], mail_location=f"maildir:{home}/dv-main",
                            extra_conf=archive_ns(f"maildir:{home}/dv-archive")) as d:
            d.start()
            remote = ["doveadm", "-c", str(d.config_path), "dsync-server", "-u", "u1"]
            a.chown_homes()
            d.chown_homes()
            p = R("sync", "-u", "u1", "-N", *remote, expect=None)
            check(p.returncode == 0, f"sync -N to doveadm dsync-server: exit {p.returncode}: "
                                     f"{p.stderr[-800:]}")
            got = d.fetch_tab("u1", "hdr.subject", ["mailbox", "Archive/2019"])
            check(sorted(got.split()[1:]) == ["arch-1", "arch-2", "arch-peer"],
                  f"Dovecot's Archive/2019: {got!r}")
            check(Path(f"{home}/dv-archive").is_dir(),
                  "Dovecot's Archive namespace location was not used")
            # 5. doveadm sync -N as the master against roost dsync-server
            # (doveadm names no prefixes: the server takes all its visible
            # namespaces).
            d.save("u1", "Archive/2019", message("arch-dovecot"))
            a.chown_homes()
            d.chown_homes()
            remote = [roost.roost_bin(), "-c", str(cfg), "dsync-server", "-u", "u1"]
            p = d.doveadm("sync", "-u", "u1", "-N", *remote, timeout=120)
            check(p.returncode == 0, f"doveadm sync -N -> roost dsync-server: exit "
                                     f"{p.returncode}: {p.stderr[-800:]}")
            check(subjects(cfg, "Archive/2019") ==
                  ["arch-1", "arch-2", "arch-dovecot", "arch-peer"],
                  f"roost's Archive/2019 after doveadm sync -N: {subjects(cfg, 'Archive/2019')}")
    CHECKS.finish()


if __name__ == "__main__":
    main()
