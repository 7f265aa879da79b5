"""Bounded memory in two-way syncs: both sides get ~100 MB of new mail, so
during the sync each brain sends its whole share before reading the other's.
The channel queues spill beyond their bound to an unlinked file in $TMPDIR,
so the peak RSS stays well under the mail in flight, over the in-process
channel (`roost sync` to a local location) and the byte stream (a
`roost dsync-server` peer through a pipe). Timings are never asserted."""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("ROOST_SOURCE_DIR",
                                           Path(__file__).resolve().parents[2])) / "tests" / "harness"))

from roostharness import roost  # noqa: E402
from roostharness.checks import Checks  # noqa: E402
from roostharness.dovecot import DovecotSandbox  # noqa: E402

CHECKS = Checks()
check = CHECKS.check

MAILS_PER_SIDE = 100
MAIL_BYTES = 1 << 20          # 100 x 1 MiB = ~100 MiB of new mail on each side
RSS_LIMIT_KB = 72 * 1024      # "well under" the ~100 MiB each side sends


def big_message(tag: str) -> bytes:
    head = (f"From: o@example.com\nSubject: {tag}\nMessage-ID: <{tag}@example.com>\n"
            f"Date: Mon, 23 Nov 2026 05:00:00 +0000\n\n").encode()
    line = (f"{tag} " + "0123456789abcdef" * 4 + "\n").encode()
    body = line * (MAIL_BYTES // len(line))
    return head + body


def write_maildir_mails(maildir: Path, prefix: str) -> None:
    """Delivers the mails straight into new/, as an MTA would."""
    new = maildir / "new"
    new.mkdir(parents=True, exist_ok=True)
    for i in range(MAILS_PER_SIDE):
        (new / f"170000{i:04d}.M{i}P1.{prefix}").write_bytes(big_message(f"{prefix}-{i}"))


def timed_peak_rss(argv: list[str], env: dict) -> tuple[int, subprocess.CompletedProcess]:
    """Runs argv under GNU time; returns (peak RSS in KiB, result)."""
    with tempfile.NamedTemporaryFile(prefix="roost-rss-", delete=False) as f:
        out = f.name
    try:
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out, "--", *argv],
                           capture_output=True, text=True, timeout=600, env=env)
        rss = int(Path(out).read_text().split()[-1])
    finally:
        os.unlink(out)
    return rss, p


def subjects(cfg, location=None) -> list[str]:
    args = ["-f", "tab", "fetch", "-u", "u1", "hdr.subject", "mailbox", "INBOX", "all"]
    return sorted(roost.run(args, config=cfg).stdout.splitlines()[1:])


def run_case(name: str, dest_for, spill_dir: Path) -> None:
    with DovecotSandbox(users=["u1"]) as a:
        home = a.user_home("u1")
        replica = home / "replica"
        dest_cfg_sandbox = DovecotSandbox(users=["u1"], mail_location=f"maildir:{replica}")
        with dest_cfg_sandbox as b:
            a.chown_homes()
            argv_dest = dest_for(b, replica)
            # A converged pair first (one small mail), then new mail on both.
            roost.run(["save", "-u", "u1", "-m", "INBOX"], config=a.config_path,
                      input=b"Subject: seed\n\nseed\n")
            roost.run(["sync", "-u", "u1", *argv_dest], config=a.config_path)
            write_maildir_mails(home / "Maildir", f"{name}-src")
            write_maildir_mails(replica, f"{name}-dst")
            env = {**os.environ, "TMPDIR": str(spill_dir)}
            rss, p = timed_peak_rss([roost.roost_bin(), "-c", str(a.config_path), "sync",
                                     "-u", "u1", *argv_dest], env)
            check(p.returncode == 0, f"{name}: sync exited {p.returncode}: {p.stderr[-2000:]}")
            print(f"{name}: two-way sync of 2 x {MAILS_PER_SIDE} x {MAIL_BYTES >> 20} MiB, "
                  f"peak RSS {rss / 1024:.1f} MiB")
            check(rss < RSS_LIMIT_KB,
                  f"{name}: peak RSS {rss / 1024:.1f} MiB, expected < {RSS_LIMIT_KB // 1024} MiB")
            src, dst = subjects(a.config_path), subjects(b.config_path)
            check(len(src) == 2 * MAILS_PER_SIDE + 1, f"{name}: source has {len(src)} mails")
            check(src == dst, f"{name}: the two sides differ after the sync")
            # The spill files were unlinked from the start: nothing is left.
            check(not any(spill_dir.iterdir()), f"{name}: files left in TMPDIR: "
                  f"{list(spill_dir.iterdir())}")


def main():
    spill_dir = Path(tempfile.mkdtemp(prefix="roost-spill-"))
    spill_dir.chmod(0o1777)  # like /tmp: roost runs as the mail user
    try:
        # In-process channel pair: the destination is a local location.
        run_case("local", lambda b, replica: [f"maildir:{replica}"], spill_dir)
        # Byte-stream channel: the peer is `roost dsync-server` through a pipe.
        run_case("stream", lambda b, replica: [roost.roost_bin(), "-c", str(b.config_path),
                                               "dsync-server", "-u", "u1"], spill_dir)
    finally:
        shutil.rmtree(spill_dir, ignore_errors=True)
    CHECKS.finish()


if __name__ == "__main__":
    main()
