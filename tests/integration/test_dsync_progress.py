"""The progress line of roost backup / sync / import: on stderr when stderr
is a terminal (run under a pty here), one self-overwriting line ("\\r", no
newline) erased at the end, also against a remote dsync-server; nothing
when stderr is a pipe unless --progress forces it; --no-progress turns it
off on a terminal."""
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("ROOST_SOURCE_DIR",
                                           Path(__file__).resolve().parents[2])) / "tests" / "harness"))

from roostharness import roost  # noqa: E402
from roostharness.checks import Checks  # noqa: E402
from roostharness.dovecot import DovecotSandbox  # noqa: E402

LINE = re.compile(r"\r(backup|sync|import): \d+/\d+ mailboxes, \d+ messages?, [0-9.]+ [kMG]?B"
                  r"(, [0-9.]+ [kMG]?B/s)?, ETA (--:--|\d+:\d\d)")


def run_tty(argv):
    """argv with stderr on a pty: (exit code, stdout, what the terminal got)."""
    master, slave = pty.openpty()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    got = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        got += chunk
    os.close(master)
    out = p.stdout.read()
    p.stdout.close()
    return p.wait(timeout=60), out.decode(), got.decode(errors="replace")


def main():
    ck = Checks()
    with DovecotSandbox(users=["u1"], mail_format="maildir") as dv:
        home = dv.user_home("u1")
        cfg = str(dv.config_path)
        for box in ("INBOX", "Work"):
            if box != "INBOX":
                roost.run(["mailbox", "create", "-u", "u1", box], config=cfg)
            for i in range(20):
                roost.run(["save", "-u", "u1", "-m", box], config=cfg,
                          input=f"Subject: {box} {i}\n\n{'x' * 2000}\n".encode())
        dest = f"mdbox:{home}/copy"

        rc, out, term = run_tty(roost.argv(["backup", "-u", "u1", dest], cfg))
        ck.check(rc == 0, f"backup under a pty exited {rc}: {term}")
        ck.check(LINE.search(term), f"no progress line on the terminal: {term!r}")
        ck.check("\n" not in term.replace("\r\n", ""), f"progress wrote whole lines: {term!r}")
        last = term.rsplit("\r", 2)
        ck.check(len(last) == 3 and last[2] == "" and last[1].strip() == "",
                 f"the progress line was not erased at the end: {term[-200:]!r}")
        ck.check(LINE.search(out) is None, f"progress on stdout: {out!r}")
        roost.run(["-f", "json", "verify", "-u", "u1", dest], config=cfg)  # the copy is whole

        # Not a terminal: nothing, unless forced.
        p = roost.run(["backup", "-f", "-u", "u1", dest], config=cfg)
        ck.check(LINE.search(p.stderr) is None, f"progress without a terminal: {p.stderr!r}")
        p = roost.run(["backup", "-f", "--progress", "-u", "u1", dest], config=cfg)
        ck.check(LINE.search(p.stderr), f"--progress showed nothing: {p.stderr!r}")
        # Forced off on a terminal.
        rc, _out, term = run_tty(roost.argv(["backup", "-f", "--no-progress", "-u", "u1", dest],
                                            cfg))
        ck.check(rc == 0 and LINE.search(term) is None, f"--no-progress: {rc} {term!r}")

        # A remote peer (as through ssh): the local side shows it.
        with DovecotSandbox(users=["u1"], mail_location=f"sdbox:{home}/remote") as rem:
            remote = [roost.roost_bin(), "-c", str(rem.config_path), "dsync-server", "-u", "u1"]
            rc, _out, term = run_tty(roost.argv(["backup", "-u", "u1", *remote], cfg))
            ck.check(rc == 0 and LINE.search(term), f"remote backup under a pty: {rc} {term!r}")
            p = roost.run(["-f", "tab", "fetch", "-u", "u1", "mailbox", "all"],
                          config=rem.config_path)
            ck.check(p.stdout.count("Work") == 20, f"remote backup copied: {p.stdout}")

        # sync and import show it too; -v lines don't garble it.
        roost.run(["save", "-u", "u1", "-m", "INBOX"], config=cfg, input=b"Subject: new\n\nnew\n")
        rc, _out, term = run_tty(roost.argv(["sync", "-v", "-u", "u1", dest], cfg))
        ck.check(rc == 0 and LINE.search(term) and "sync:" in term,
                 f"sync under a pty: {rc} {term!r}")
        ck.check("mailbox INBOX" in term, f"sync -v lost its log lines: {term!r}")
        with DovecotSandbox(users=["u1"], mail_location=f"sdbox:{home}/imported") as other:
            rc, _out, term = run_tty(roost.argv(
                ["import", "-u", "u1", f"maildir:{home}/Maildir", "Old", "all"],
                str(other.config_path)))
            ck.check(rc == 0 and LINE.search(term) and "import:" in term,
                     f"import under a pty: {rc} {term!r}")
            p = roost.run(["-f", "tab", "fetch", "-u", "u1", "mailbox", "all"],
                          config=other.config_path)
            ck.check(p.stdout.count("Old/Work") == 20, f"import copied: {p.stdout}")
    ck.finish()


if __name__ == "__main__":
    main()
