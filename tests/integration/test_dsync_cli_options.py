"""The options and exit codes of roost sync / backup / import: -m (also by
special-use name), -x, -s state in and out, the per-destination saved state,
-l, -1, -d (mail_replica), -N, -U (and dsync-server -U's replicator notify),
import -s and its resume, and the documented exit codes for bad input."""
import os
import shutil
import socket
import sys
import tempfile
import threading
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


def main():
    with DovecotSandbox(users=["u1"], special_use=True) as a:
        home = a.user_home("u1")
        dest = f"maildir:{home}/copy"
        with DovecotSandbox(users=["u1"], mail_location=dest) as b:
            a.chown_homes()
            cfg, bcfg = a.config_path, b.config_path

            def R(*args, expect=0, config=cfg, input=None):
                return roost.run(list(args), config=config, expect=expect, input=input)

            def boxes(config):
                return sorted(l for l in R("mailbox", "list", "-u", "u1", config=config)
                              .stdout.splitlines() if l)

            for box in ("Work", "Junk", "Trash"):
                if box not in boxes(cfg):
                    R("mailbox", "create", "-u", "u1", box)
                R("save", "-u", "u1", "-m", box, input=message(box))
            R("save", "-u", "u1", "-m", "INBOX", input=message("inbox"))

            # -m by special-use name: only Trash is copied.
            R("backup", "-u", "u1", "-m", "\\Trash", dest)
            got = boxes(bcfg)
            check("Trash" in got and "Work" not in got, f"-m \\Trash copied {got}")
            # -x: everything but Junk.
            R("sync", "-u", "u1", "-x", "Junk", dest)
            got = boxes(bcfg)
            check("Work" in got and "Junk" not in got, f"-x Junk gave {got}")
            # -s "": a state comes out; with it a no-op run prints a state again.
            p = R("sync", "-u", "u1", "-s", "", dest)
            state = p.stdout.strip()
            check(len(state) > 8 and state.endswith("="), f"-s '' printed {p.stdout!r}")
            p = R("sync", "-u", "u1", "-s", state, "-v", dest)
            check("unchanged since the state" in p.stderr, f"-v with a state: {p.stderr!r}")
            p = R("sync", "-u", "u1", "-s", "garbage!", dest)
            check("falling back to full sync" in p.stderr, "invalid state: no warning")
            # Without -s: the state kept for this peer after the last
            # successful run makes a no-op run incremental; -f ignores it.
            R("sync", "-u", "u1", dest)
            files = list(Path(home).rglob(".roost-dsync-state.*"))
            check(len(files) == 1, f"per-peer state files: {files}")
            p = R("sync", "-u", "u1", "-v", dest)
            check("unchanged since the state" in p.stderr, f"no -s, saved state: {p.stderr!r}")
            p = R("sync", "-u", "u1", "-f", "-v", dest)
            check("unchanged since the state" not in p.stderr, f"-f used the state: {p.stderr!r}")
            # -l: the lock is taken and released.
            R("sync", "-u", "u1", "-l", "5", dest)
            # -1: destination-only mail stays.
            R("save", "-u", "u1", "-m", "INBOX", input=message("dest-only"), config=bcfg)
            R("sync", "-1", "-u", "u1", dest)
            subjects = R("-f", "tab", "fetch", "-u", "u1", "hdr.subject", "mailbox", "INBOX",
                         "all", config=bcfg).stdout
            check("dest-only" in subjects, "sync -1 removed destination-only mail")
            src_subjects = R("-f", "tab", "fetch", "-u", "u1", "hdr.subject", "mailbox", "INBOX",
                             "all").stdout
            check("dest-only" not in src_subjects, "sync -1 changed the source")

            # import, twice: nothing doubled; -s subscribes.
            for _ in range(2):
                R("import", "-u", "u1", "-s", f"maildir:{home}/Maildir", "Old", "all",
                  config=bcfg)
            rows = R("-f", "tab", "fetch", "-u", "u1", "mailbox hdr.subject", "mailbox", "Old/*",
                     config=bcfg).stdout.splitlines()[1:]
            check(len(rows) == len(set(rows)) and len(rows) >= 4, f"import twice gave {rows}")
            subs = R("mailbox", "list", "-u", "u1", "-s", config=bcfg).stdout
            check("Old/Work" in subs, f"import -s didn't subscribe: {subs!r}")

            # A remote peer: the byte-stream channel through a pipe to
            # `roost dsync-server` (here on the same host, as ssh would run it).
            with DovecotSandbox(users=["u1"], mail_location=f"mbox:{home}/rem:INBOX={home}/rem/inbox") as c:
                remote = [roost.roost_bin(), "-c", str(c.config_path), "dsync-server", "-u", "u1"]
                R("sync", "-u", "u1", *remote)
                R("backup", "-u", "u1", *remote)
                src = R("-f", "tab", "fetch", "-u", "u1", "mailbox hdr.subject", "all").stdout
                rem = R("-f", "tab", "fetch", "-u", "u1", "mailbox hdr.subject", "all",
                        config=c.config_path).stdout
                check(sorted(src.splitlines()) == sorted(rem.splitlines()),
                      f"remote backup differs:\n{src}\n{rem}")
                # dsync-server -U tells a listening replicator the user was synced.
                sock_dir = tempfile.mkdtemp(prefix="roost-repl-")
                srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                srv.bind(os.path.join(sock_dir, "replicator-doveadm"))
                srv.listen(1)
                srv.settimeout(30)
                got = []

                def accept():
                    try:
                        conn, _ = srv.accept()
                        got.append(conn.makefile("rb").read().decode())
                        conn.close()
                    except OSError as e:
                        got.append(f"error {e}")

                t = threading.Thread(target=accept)
                t.start()
                os.chmod(sock_dir, 0o777)
                os.chmod(os.path.join(sock_dir, "replicator-doveadm"), 0o777)
                R("sync", "-u", "u1", roost.roost_bin(), "-c", str(c.config_path), "-o",
                  f"base_dir={sock_dir}", "dsync-server", "-u", "u1", "-U")
                t.join(35)
                srv.close()
                shutil.rmtree(sock_dir, ignore_errors=True)
                check(got and got[0].startswith("VERSION\treplicator-doveadm-client\t1\t0\n"
                                                "NOTIFY\tu1\t"),
                      f"replicator notify: {got!r}")
                R("backup", "-u", "u1", "false", expect=75)       # the remote fails
                R("backup", "-u", "u1", "--dry-run", *remote, expect=64)

            # -d: the destination from mail_replica (plugin setting or
            # userdb field), as doveadm reads it; %u is expanded.
            replica = f"maildir:{home}/replica-%u"
            R("-o", f"plugin/mail_replica={replica}", "backup", "-u", "u1", "-d")
            check(Path(f"{home}/replica-u1/cur").is_dir() or
                  any(Path(f"{home}/replica-u1").glob("*")), "-d didn't back up to mail_replica")
            rep_subjects = R("-o", "mail_location=maildir:" + f"{home}/replica-u1", "-f", "tab",
                             "fetch", "-u", "u1", "hdr.subject", "mailbox", "INBOX", "all").stdout
            check("inbox" in rep_subjects, f"-d replica lacks INBOX mail: {rep_subjects!r}")
            p = R("-o", f"plugin/mail_replica={replica}", "backup", "-u", "u1", "-d", dest)
            check("Don't give mail location with -d" in p.stderr, "-d with a location: no error")
            R("sync", "-u", "u1", "-d", expect=68)                # no mail_replica
            R("-o", "plugin/mail_replica=tcp:replica.example.org", "sync", "-u", "u1", "-d",
              expect=78)
            # -N: all namespaces; with the one namespace u1 has, the default.
            R("sync", "-u", "u1", "-N", dest)
            R("sync", "-u", "u1", "-N", "-n", "", dest, expect=64)
            # -U: accepted (doveadm's replicator notify; on dsync-server it
            # notifies a replicator if one listens).
            R("sync", "-u", "u1", "-U", dest)

            # Exit codes.
            R("sync", "-u", "u1", expect=64)                      # no destination
            R("sync", "-u", "u1", "-Q", dest, expect=64)          # unknown option
            R("sync", "-u", "nobody", dest, expect=67)
            R("sync", "-u", "u1", "-m", "\\Flagged", dest, expect=68)
            R("sync", "-u", "u1", "nosuchformat:/tmp/x", expect=(75, 78))
            R("import", "-u", "u1", f"maildir:{home}/Maildir", "X", "nonsense-key", expect=64,
              config=bcfg)
    CHECKS.finish()


if __name__ == "__main__":
    main()
