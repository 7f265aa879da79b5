"""`auto:<path>`: roost tells the format of an existing store from its files.

1. Copies of the stores real Dovecot 2.3 wrote (fixtures/): with
   ``mail_location = auto:<copy>`` roost lists and fetches exactly what
   Dovecot's fetch printed for Maildir and mbox (expected.tsv); sdbox and
   mdbox stores are recognized as such (the error, if their driver is not
   built in, names that format, never another).
2. A store Dovecot creates now (Maildir with subfolders) read through
   auto: gives the same fetch output as doveadm on the explicit location.
3. Nothing there (exit 68) and two formats in one directory (exit 65) give
   clear errors.
"""
import os
import shutil
import sys
import tempfile
from pathlib import Path

SRC = Path(os.environ.get("ROOST_SOURCE_DIR", Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(SRC / "tests" / "harness"))

from roostharness import roost  # noqa: E402
from roostharness.checks import Checks, fixture_message  # noqa: E402
from roostharness.dovecot import DovecotSandbox  # noqa: E402

CHECKS = Checks()
check = CHECKS.check

CONF = """\
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = /
}
passdb {
  driver = static
  args = password=x
}
userdb {
  driver = static
  args = uid=0 gid=0 home=%s
}
"""


def sorted_lines(text):
    lines = text.splitlines()
    return lines[:1] + sorted(lines[1:])


def fetch(cfg, location, expect=0):
    return roost.run(["-o", f"mail_location={location}", "-f", "tab", "fetch", "-u", "u1",
                      "mailbox uid guid flags", "all"], config=cfg, expect=expect)


def main():
    tmp = Path(tempfile.mkdtemp(prefix="roost-auto-"))
    try:
        cfg = tmp / "roost.conf"
        cfg.write_text(CONF % (tmp / "home"))
        fx = SRC / "fixtures"

        # ---- 1. the Dovecot-written fixtures -------------------------------
        maildir = tmp / "Maildir"
        shutil.copytree(fx / "maildir/dovecot-2.3/store/Maildir", maildir)
        for d in ("cur", "tmp", ".Sub/cur", ".Sub/new", ".Sub/tmp", ".Sub.Child/cur", ".Sub.Child/tmp"):
            (maildir / d).mkdir(parents=True, exist_ok=True)
        r = fetch(cfg, f"auto:{maildir}")
        want = (fx / "maildir/dovecot-2.3/expected.tsv").read_text()
        check(sorted_lines(r.stdout) == sorted_lines(want),
              f"auto: on the Maildir fixture\n--- roost\n{r.stdout}\n--- expected\n{want}")

        mbox = tmp / "mbox"
        shutil.copytree(fx / "mbox/store/mail", mbox)
        r = fetch(cfg, f"auto:{mbox}")
        want = (fx / "mbox/expected.tsv").read_text()
        check(sorted_lines(r.stdout) == sorted_lines(want),
              f"auto: on the mbox fixture\n--- roost\n{r.stdout}\n--- expected\n{want}")

        for fmt in ("sdbox", "mdbox"):
            # A copy: opening a dbox store writes Roost's index beside Dovecot's.
            store = tmp / fmt
            shutil.copytree(fx / f"dbox/{fmt}/store/{fmt}", store, symlinks=True)
            r = fetch(cfg, f"auto:{store}", expect=None)
            check(r.returncode == 0 or f"format '{fmt}'" in r.stderr,
                  f"auto: on the {fmt} fixture is {fmt}: exit {r.returncode} {r.stderr}")

        # ---- 2. a store Dovecot writes now ---------------------------------
        with DovecotSandbox(users=["u1"], mail_format="maildir") as dv:
            dv.start()
            for n in range(1, 4):
                dv.save("u1", "INBOX", fixture_message(n).encode())
            dv.doveadm("mailbox", "create", "-u", "u1", "Work/Projects", check=True)
            dv.save("u1", "Work/Projects", fixture_message(5).encode())
            dv.doveadm("flags", "add", "-u", "u1", "\\Flagged", "mailbox", "INBOX", "uid", "2",
                       check=True)
            root = dv.mail_root("u1")
            d = dv.doveadm("-f", "tab", "fetch", "-u", "u1", "mailbox uid guid flags", "all",
                           check=True)
            r = roost.run(["-o", f"mail_location=auto:{root}", "-f", "tab", "fetch", "-u", "u1",
                           "mailbox uid guid flags", "all"], config=dv.config_path)
            check(sorted_lines(r.stdout) == sorted_lines(d.stdout),
                  f"auto: on a fresh Dovecot Maildir\n--- roost\n{r.stdout}\n--- doveadm\n{d.stdout}")

        # ---- 3. errors -------------------------------------------------------
        empty = tmp / "empty"
        empty.mkdir()
        r = fetch(cfg, f"auto:{empty}", expect=None)
        check(r.returncode == 68 and "no mail store found" in r.stderr,
              f"auto: on an empty dir: {r.returncode} {r.stderr}")
        both = tmp / "both"
        (both / "cur").mkdir(parents=True)
        (both / "storage").mkdir()
        (both / "storage" / "m.1").write_bytes(b"")
        r = fetch(cfg, f"auto:{both}", expect=None)
        check(r.returncode == 65 and "several formats" in r.stderr and "mdbox" in r.stderr
              and "maildir" in r.stderr, f"auto: on a mixed dir: {r.returncode} {r.stderr}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    CHECKS.finish()


if __name__ == "__main__":
    main()
