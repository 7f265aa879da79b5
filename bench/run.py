#!/usr/bin/python3
"""Side-by-side benchmark: the same doveadm workloads on Roost and on Dovecot.

One command::

    /usr/bin/python3 bench/run.py                      # all workloads, 10k msgs, 5 reps
    /usr/bin/python3 bench/run.py --only fetch-uid-flags,search-body --reps 3
    /usr/bin/python3 bench/run.py --roost doveadm      # harness self-check: doveadm on both sides
    /usr/bin/python3 bench/run.py --record             # also append to docs/PERFORMANCE.md

How it measures (so the numbers mean the same thing on both sides):

* one seeded corpus (``roostharness.corpus``, Maildir++) is generated once;
  each side gets its OWN fresh copy in its own DovecotSandbox (same
  dovecot.conf shape, same user), so neither side sees the other's indexes;
* both sides run the identical argv (``roost -c cfg ...`` and
  ``doveadm -c cfg ...``);
* each workload first gets one warm-up run per side (not measured: it builds
  Dovecot's indexes and fills the page cache), then ``--reps`` measured runs
  that ALTERNATE between the sides (roost, dovecot, dovecot, roost, ...);
* wall time is the median over the reps; peak RSS is the child's
  ``ru_maxrss`` (max over reps / over the invocations of a multi-invocation
  workload), taken through GNU time because a plain ``os.wait4`` on a child
  forked from Python reports at least Python's own RSS (see run_measured);
* the warm-up outputs of both sides are compared (row order ignored) and a
  mismatch is reported, so a fast-but-wrong result is visible.

Timings are printed and optionally recorded; they are never asserted by tests.

Adding a workload = adding one entry to WORKLOADS.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
SOURCE_DIR = Path(os.environ.get("ROOST_SOURCE_DIR") or HERE.parent)
sys.path.insert(0, str(SOURCE_DIR / "tests" / "harness"))

from roostharness import compare, corpus  # noqa: E402
from roostharness import roost as roostmod  # noqa: E402
from roostharness.dovecot import DovecotSandbox  # noqa: E402

USER = "user1"


# ---------------------------------------------------------------- measuring

@dataclass
class Measure:
    wall: float
    maxrss_kb: int
    returncode: int
    stdout: bytes = b""
    stderr: bytes = b""


GNU_TIME = "/usr/bin/time"


def run_measured(argv: list[str], stdin: bytes | None = None, capture: bool = True) -> Measure:
    """Run *argv* once; wall time and the child's peak RSS.

    Why not just ``os.wait4(child).ru_maxrss``: Linux keeps the high-water
    RSS across exec, so a child forked from this Python process reports at
    least the *parent's* RSS (even /bin/true shows ~22 MiB here, more with a
    corpus in memory). So the command is started through GNU time
    (``/usr/bin/time -f %M``, Debian package ``time``): it forks the command
    from its own ~2 MiB image and reports the command's ru_maxrss. Without
    GNU time, wait4's value is used (an upper bound, noted in the output).
    """
    rss_file = None
    if os.access(GNU_TIME, os.X_OK):
        fd, rss_file = tempfile.mkstemp(prefix="roost-bench-rss-")
        os.close(fd)
        argv = [GNU_TIME, "-f", "%M", "-o", rss_file, "--", *argv]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                             stdout=out, stderr=err)
        if stdin is not None:
            try:
                p.stdin.write(stdin)
            except BrokenPipeError:
                pass
            p.stdin.close()
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)  # tell Popen it was reaped
        o = e = b""
        if capture:
            out.seek(0)
            o = out.read()
        err.seek(0)
        e = err.read()
    maxrss = ru.ru_maxrss
    if rss_file:
        try:
            lines = Path(rss_file).read_text().split()
            maxrss = int(lines[-1])   # "Command exited with non-zero status N" may precede it
        except (OSError, ValueError, IndexError):
            pass
        finally:
            os.unlink(rss_file)
    return Measure(wall, maxrss, p.returncode, o, e)


# ---------------------------------------------------------------- workloads

@dataclass
class Side:
    """One side of the comparison: its name, sandbox and argv prefix."""
    name: str
    sandbox: DovecotSandbox
    prefix: list[str]            # e.g. [roost, "-c", cfg] or ["doveadm", "-c", cfg]
    template: Path | None = None  # the store copied into this side's home (see restore_store)

    def argv(self, *args: str) -> list[str]:
        return [*self.prefix, *args]


@dataclass
class Workload:
    """A named workload; ``run(side, rep)`` performs it once and returns a Measure.

    ``args``: one doveadm invocation (most workloads). For anything else
    (loops, several commands) give ``runner`` instead.
    """
    name: str
    description: str
    args: list[str] | None = None
    runner: Callable[["Side", int, argparse.Namespace], Measure] | None = None
    compare_output: bool = True
    ignore_columns: tuple[str, ...] = ()   # tab columns that legitimately differ per copy
    # The store both sides work on: "maildir" (the corpus as generated),
    # "mbox", "sdbox", "mdbox", or a derived store such as "mdbox-half-expunged"
    # (see STORES). messages: corpus size for this workload (None = --messages).
    store: str = "maildir"
    messages: int | None = None
    # Untimed step before EVERY run (warm-up and reps), e.g. put back a fresh
    # copy of the store so that a writing workload (purge, altmove) or a cold
    # open always starts from the same bytes.
    prepare: Callable[["Side", argparse.Namespace], None] | None = None
    # A non-Roost reference measured in the same reps on the roost side's
    # sandbox (after prepare), e.g. `cp -a` of the store as the disk's
    # ceiling for a full backup. Reported in the notes column.
    ceiling: Callable[["Side", argparse.Namespace], Measure] | None = None
    ceiling_name: str = ""
    # Heavy workloads (100k-message corpora) run only when named in --only.
    heavy: bool = False

    def run(self, side: Side, rep: int, opts: argparse.Namespace) -> Measure:
        if self.prepare:
            self.prepare(side, opts)
        if self.runner:
            return self.runner(side, rep, opts)
        return run_measured(side.argv(*self.args))


def save_loop(side: Side, rep: int, opts: argparse.Namespace) -> Measure:
    """Save --save-messages messages, one ``save -m INBOX`` invocation each.

    doveadm save reads exactly one message from stdin, and there is no bulk
    equivalent with the same semantics, so both sides run the same loop of
    invocations; wall = the whole loop, RSS = the largest invocation.
    """
    msgs = opts._save_msgs
    total, peak = 0.0, 0
    for i, m in enumerate(msgs):
        r = run_measured(side.argv("save", "-u", USER, "-m", "INBOX"), stdin=m, capture=False)
        if r.returncode != 0:
            return Measure(total + r.wall, max(peak, r.maxrss_kb), r.returncode, b"", r.stderr)
        total += r.wall
        peak = max(peak, r.maxrss_kb)
    return Measure(total, peak, 0, f"saved {len(msgs)}\n".encode())


WORKLOADS: list[Workload] = [
    Workload("fetch-uid-flags", "fetch 'uid flags' all (every mailbox)",
             ["-f", "tab", "fetch", "-u", USER, "uid flags", "all"]),
    Workload("search-subject", f"search subject {corpus.SUBJECT_WORD} (every mailbox)",
             ["search", "-u", USER, "subject", corpus.SUBJECT_WORD]),
    Workload("search-body", f"search body {corpus.BODY_WORD} (every mailbox)",
             ["search", "-u", USER, "body", corpus.BODY_WORD]),
    Workload("status-inbox", "mailbox status all INBOX",
             ["-f", "tab", "mailbox", "status", "-u", USER, "all", "INBOX"],
             ignore_columns=("firstsaved", "highestmodseq")),  # copy's save time; modseq numbering is each side's own
    Workload("save", "save N messages into INBOX, one invocation each (--save-messages)",
             runner=save_loop, compare_output=False),
]


# ------------------------------------------------------- other store formats

#: mail_location per store kind. mdbox carries ALT= so that altmove has a
#: target; an ALT root that does not exist yet costs nothing.
STORE_LOCATIONS = {
    "maildir": "maildir:~/Maildir",
    "mbox": "mbox:~/mail:INBOX=~/mail/inbox",
    "sdbox": "sdbox:~/sdbox",
    "mdbox": "mdbox:~/mdbox:ALT=~/mdbox-alt",
}
#: Derived stores: (base kind, doveadm step applied once to the template).
#: Half of every mailbox expunged -> the purge workload has 50% to drop.
DERIVED_STORES = {
    "mdbox-half-expunged": ("mdbox", [["expunge", "-u", USER, "mailbox", "*", "uid", "1:*", "NOT",
                                        "uid", "{odd}"]]),
}


def store_kind(store: str) -> str:
    return DERIVED_STORES[store][0] if store in DERIVED_STORES else store


def restore_store(side: "Side", opts: argparse.Namespace) -> None:
    """Put a fresh copy of the workload's store into *side*'s home (untimed).

    Everything under the home except Dovecot's own runtime bits is replaced,
    so indexes either side built in an earlier run are gone too (a cold open).
    """
    home = side.sandbox.user_home(USER)
    for child in list(home.iterdir()) if home.exists() else []:
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    shutil.copytree(side.template, home, symlinks=True, dirs_exist_ok=True)
    side.sandbox.chown_homes()


def drop_mbox_indexes(side: "Side", opts: argparse.Namespace) -> None:
    """Remove both sides' mbox index directories (.imap/): a cold open that
    must scan the whole mbox file."""
    shutil.rmtree(side.sandbox.user_home(USER) / "mail" / ".imap", ignore_errors=True)


def odd_uid_set(limit: int) -> str:
    return ",".join(str(u) for u in range(1, limit + 1, 2))


def build_template(cache: Path, store: str, messages: int, seed: int, opts) -> Path:
    """The user's home for *store*: built once per (store, size) and reused.

    Maildir and mbox are written by the corpus generator; sdbox and mdbox are
    converted from the Maildir by the real Dovecot (``doveadm backup``), so the
    roost side reads a store that Dovecot wrote, the way a migration would.
    """
    key = cache / f"{store}-{messages}"
    if key.exists():
        return key
    kind = store_kind(store)
    if store in DERIVED_STORES:
        base = build_template(cache, kind, messages, seed, opts)
        sb = DovecotSandbox(users=[USER], mail_location=STORE_LOCATIONS[kind])
        sb.setup()
        try:
            shutil.copytree(base, sb.user_home(USER), symlinks=True, dirs_exist_ok=True)
            sb.chown_homes()
            sb.start()
            for step in DERIVED_STORES[store][1]:
                sb.doveadm(*[a.replace("{odd}", odd_uid_set(messages)) for a in step], check=True,
                           timeout=1200)
            sb.stop()
            shutil.copytree(sb.user_home(USER), key, symlinks=True)
        finally:
            sb.cleanup()
        return key
    inbox_only = store == "mbox"
    c = corpus.generate(seed=seed, messages=messages,
                        folders=[("INBOX", True, None)] if inbox_only else None)
    if kind == "mbox":
        corpus.write_mbox(c, cache / "mbox-src", user_dir="{user}/mail")
        shutil.copytree(cache / "mbox-src" / USER, key)
        shutil.rmtree(cache / "mbox-src")
        return key
    maildir = cache / f"maildir-{messages}"
    if not maildir.exists():
        corpus.write_maildir(c, cache / "maildir-src", user_dir="{user}/Maildir")
        shutil.copytree(cache / "maildir-src" / USER, maildir)
        shutil.rmtree(cache / "maildir-src")
    if kind == "maildir":
        return maildir
    sb = DovecotSandbox(users=[USER])
    sb.setup()
    try:
        shutil.copytree(maildir, sb.user_home(USER), dirs_exist_ok=True)
        sb.chown_homes()
        sb.start()
        sb.backup_to(USER, STORE_LOCATIONS[kind].split(":ALT=")[0], timeout=1200)
        sb.stop()
        key.mkdir()
        src = sb.user_home(USER) / kind
        shutil.copytree(src, key / kind, symlinks=True)
    finally:
        sb.cleanup()
    return key


def per_format_workloads() -> list[Workload]:
    out = []
    for fmt in ("mbox", "sdbox", "mdbox"):
        out += [
            Workload(f"{fmt}-fetch-uid-flags", f"{fmt}: fetch 'uid flags' all",
                     ["-f", "tab", "fetch", "-u", USER, "uid flags", "all"], store=fmt),
            Workload(f"{fmt}-search-body", f"{fmt}: search body {corpus.BODY_WORD}",
                     ["search", "-u", USER, "body", corpus.BODY_WORD], store=fmt),
        ]
    out += [
        Workload("mbox-open-scan", "mbox: cold open of a ~100 MB / 20,000-message INBOX "
                 "(no index): mailbox status all INBOX",
                 ["-f", "tab", "mailbox", "status", "-u", USER, "messages uidnext unseen vsize", "INBOX"],
                 store="mbox", messages=20000, prepare=drop_mbox_indexes),
        Workload("mdbox-purge", "mdbox: purge after half of every mailbox was expunged",
                 ["purge", "-u", USER], store="mdbox-half-expunged", prepare=restore_store),
        Workload("mdbox-altmove", "mdbox: altmove of half the messages (odd UIDs) to ALT storage",
                 None, runner=lambda side, rep, opts: run_measured(side.argv(
                     "altmove", "-u", USER, "mailbox", "*", "uid", odd_uid_set(opts.messages))),
                 store="mdbox", prepare=restore_store),
    ]
    return out


WORKLOADS += per_format_workloads()


# ------------------------------------------------------------ dsync family

def backup_dir(side: "Side") -> Path:
    return side.sandbox.user_home(USER) / "backup"


def backup_argv(side: "Side", verb: str = "backup") -> list[str]:
    return side.argv(verb, "-u", USER, f"mdbox:{backup_dir(side)}")


def fresh_backup_target(side: "Side", opts: argparse.Namespace) -> None:
    shutil.rmtree(backup_dir(side), ignore_errors=True)


def cp_a_store(side: "Side", opts: argparse.Namespace) -> Measure:
    """The disk's ceiling for a full backup: copy the same Maildir with cp -a."""
    dst = side.sandbox.user_home(USER) / "cp-a-copy"
    shutil.rmtree(dst, ignore_errors=True)
    m = run_measured(["cp", "-a", str(side.sandbox.user_home(USER) / "Maildir"), str(dst)])
    subprocess.run(["sync"], check=False)
    shutil.rmtree(dst, ignore_errors=True)
    return m


def synced_replica(side: "Side", opts: argparse.Namespace) -> None:
    """Untimed: make sure the mdbox replica exists and is in sync (each side
    with its own tool), so the timed sync starts from a converged pair."""
    r = run_measured(backup_argv(side, "sync"), capture=False)
    if r.returncode != 0:
        raise SystemExit(f"bench: preparing the replica failed on {side.name}: "
                         f"{r.stderr.decode(errors='replace')[-2000:]}")


def small_changes(side: "Side", opts: argparse.Namespace) -> None:
    """Untimed: converge, then 100 flag changes and 100 new mails on the
    source, made by doveadm on BOTH sides (the same outside writer, e.g. an
    IMAP server), so the timed sync has exactly that to carry over."""
    synced_replica(side, opts)
    n = getattr(opts, "_change_round", 0)
    opts._change_round = n + 1
    op = "add" if n % 2 == 0 else "remove"
    side.sandbox.doveadm("flags", op, "-u", USER, "\\Flagged", "mailbox", "INBOX", "1:100", check=True)
    for m in corpus.iter_messages(opts.seed + 2_000_000 + n * 100, 100):
        side.sandbox.doveadm("save", "-u", USER, "-m", "INBOX", input=m, check=True)


def dsync_workloads() -> list[Workload]:
    out = [
        Workload("backup-mdbox", "full backup of the Maildir store to an empty mdbox",
                 runner=lambda side, rep, opts: run_measured(backup_argv(side)),
                 prepare=fresh_backup_target, compare_output=False,
                 ceiling=cp_a_store, ceiling_name="cp -a"),
        Workload("sync-noop", "two-way sync with an mdbox replica when nothing changed",
                 runner=lambda side, rep, opts: run_measured(backup_argv(side, "sync")),
                 prepare=synced_replica, compare_output=False),
        Workload("sync-small-changes", "two-way sync after 100 flag changes + 100 new mails",
                 runner=lambda side, rep, opts: run_measured(backup_argv(side, "sync")),
                 prepare=small_changes, compare_output=False),
    ]
    # The same at fixed sizes (heavy: run only when named in --only).
    for n, suffix in ((10000, "10k"), (100000, "100k")):
        out += [
            Workload(f"backup-mdbox-{suffix}", f"full backup of a {n:,}-message Maildir to an empty mdbox",
                     runner=lambda side, rep, opts: run_measured(backup_argv(side)),
                     prepare=fresh_backup_target, compare_output=False, messages=n,
                     ceiling=cp_a_store, ceiling_name="cp -a", heavy=True),
            Workload(f"sync-noop-{suffix}", f"sync-noop with {n:,} messages",
                     runner=lambda side, rep, opts: run_measured(backup_argv(side, "sync")),
                     prepare=synced_replica, compare_output=False, messages=n, heavy=True),
            Workload(f"sync-small-changes-{suffix}", f"sync-small-changes with {n:,} messages",
                     runner=lambda side, rep, opts: run_measured(backup_argv(side, "sync")),
                     prepare=small_changes, compare_output=False, messages=n, heavy=True),
        ]
    return out


WORKLOADS += dsync_workloads()
WORKLOAD_BY_NAME = {w.name: w for w in WORKLOADS}


# ---------------------------------------------------------------- reporting

def machine_info() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {"nproc": str(os.cpu_count()), "cpu": cpu, "ram": ram,
            "kernel": platform.release(), "python": platform.python_version()}


def fmt_table(rows: list[dict]) -> str:
    head = ["workload", "roost median s", "dovecot median s", "ratio r/d", "roost peak RSS MiB",
            "dovecot peak RSS MiB", "notes"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for r in rows:
        lines.append("| " + " | ".join([
            r["workload"], f"{r['roost']:.3f}",
            f"{r['dovecot']:.3f}" if r["dovecot"] is not None else "not run",
            f"{r['roost'] / r['dovecot']:.2f}" if r["dovecot"] else "n/a",
            f"{r['roost_rss'] / 1024:.1f}",
            f"{r['dovecot_rss'] / 1024:.1f}" if r["dovecot_rss"] is not None else "-",
            r.get("notes", "")]) + " |")
    return "\n".join(lines)


def record(path: Path, opts, info: dict, table: str, roost_label: str) -> None:
    now = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    sec = [f"\n## {now} -- bench/run.py\n",
           f"* machine: {info['nproc']} CPUs, {info['cpu']}, {info['ram']} RAM, kernel {info['kernel']}",
           f"* corpus: seed {opts.seed}, {opts.messages} messages (Maildir++), user {USER}",
           f"* roost: `{roost_label}`; dovecot: `doveadm` (Dovecot {dovecot_version()})",
           f"* {opts.reps} measured reps per side, alternating, after 1 warm-up run per side; "
           f"median wall time; peak RSS = max ru_maxrss; save = {opts.save_messages} invocations",
           "", table, ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    with open(path, "a") as f:
        if new:
            f.write("# Performance\n\nSections appended by `bench/run.py --record` (see bench/README.md).\n")
        f.write("\n".join(sec))


def dovecot_version() -> str:
    try:
        return subprocess.run(["dovecot", "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        return "?"


# ---------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--roost", default=roostmod.roost_bin(),
                    help="roost binary (default $ROOST_BIN or build/cli/roost); 'doveadm' benches doveadm vs itself")
    ap.add_argument("--messages", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--save-messages", type=int, default=1000)
    ap.add_argument("--only", default="", help="comma-separated workload names (see --list)")
    ap.add_argument("--list", action="store_true", help="list workloads and exit")
    ap.add_argument("--record", action="store_true", help="append a dated section to docs/PERFORMANCE.md")
    ap.add_argument("--record-file", default=str(SOURCE_DIR / "docs" / "PERFORMANCE.md"))
    ap.add_argument("--keep", action="store_true", help="keep the sandboxes (paths are printed)")
    ap.add_argument("--no-dovecot", action="store_true",
                    help="measure the roost side (and ceilings) only, e.g. where doveadm takes too long; "
                         "the dovecot columns say 'not run'")
    opts = ap.parse_args(argv)

    if opts.list:
        for w in WORKLOADS:
            print(f"{w.name:18} {w.description}")
        return 0
    names = [n for n in opts.only.split(",") if n] or [w.name for w in WORKLOADS if not w.heavy]
    unknown = [n for n in names if n not in WORKLOAD_BY_NAME]
    if unknown:
        ap.error(f"unknown workload(s) {unknown}; see --list")
    if not roostmod.roost_available(opts.roost):
        print(f"bench: roost binary not found or not executable: {opts.roost}\n"
              f"       build it (cmake --build build) or pass --roost PATH "
              f"(--roost doveadm runs doveadm on both sides)", file=sys.stderr)
        return 2
    if opts.reps < 1:
        ap.error("--reps must be >= 1")

    info = machine_info()
    print(f"bench: {info['nproc']} CPUs ({info['cpu']}), {info['ram']}, kernel {info['kernel']}")
    t0 = time.monotonic()
    cache = Path(tempfile.mkdtemp(prefix="roost-bench-corpus-"))
    c = corpus.generate(seed=opts.seed, messages=opts.messages)
    corpus.write_maildir(c, cache, user_dir="default/Maildir")
    (cache / "stores").mkdir()
    print(f"bench: corpus seed={opts.seed} messages={opts.messages} generated in {time.monotonic() - t0:.1f}s")
    opts._save_msgs = list(corpus.iter_messages(opts.seed + 1_000_000, opts.save_messages))

    rows = []
    sandboxes: list[DovecotSandbox] = []
    try:
        def fresh_side(name: str, prefix_fn, w: Workload) -> Side:
            messages = w.messages or opts.messages
            if w.store == "maildir" and messages == opts.messages:
                template = cache / "default"
            else:
                template = build_template(cache / "stores", w.store, messages, opts.seed, opts)
            sb = DovecotSandbox(users=[USER], keep=opts.keep,
                                mail_location=STORE_LOCATIONS[store_kind(w.store)])
            sb.setup()
            sandboxes.append(sb)
            shutil.copytree(template, sb.user_home(USER), symlinks=True, dirs_exist_ok=True)
            sb.chown_homes()
            # Dovecot is started on both sides: doveadm needs its auth
            # service, and when --roost is doveadm so does the "roost" side.
            sb.start()
            return Side(name, sb, prefix_fn(sb), template)

        for wname in names:
            w = WORKLOAD_BY_NAME[wname]
            # Each side gets its own fresh copy of the corpus per workload, so
            # a writing workload never influences the next one.
            sides = [fresh_side("roost", lambda sb: [opts.roost, "-c", str(sb.config_path)], w)]
            if not opts.no_dovecot:
                sides.append(fresh_side("dovecot", lambda sb: ["doveadm", "-c", str(sb.config_path)], w))
            notes = []
            warm = {s.name: w.run(s, -1, opts) for s in sides}
            for s in sides:
                if warm[s.name].returncode != 0:
                    raise SystemExit(f"bench: {w.name} failed on {s.name} (exit {warm[s.name].returncode}):\n"
                                     f"{warm[s.name].stderr.decode(errors='replace')[-2000:]}")
            out_r = warm["roost"].stdout
            out_d = warm["dovecot"].stdout if "dovecot" in warm else out_r
            if w.ignore_columns:
                out_r = compare.drop_columns(out_r, w.ignore_columns)
                out_d = compare.drop_columns(out_d, w.ignore_columns)
            # Output without a header line (search) is compared as a set of
            # lines: mailbox order is each side's own listing order.
            headerless = "-f" not in (w.args or [])
            if headerless:
                same = sorted(out_r.splitlines()) == sorted(out_d.splitlines())
            else:
                same = compare.equal_sorted(out_r, out_d)
            if w.compare_output and not same:
                notes.append("OUTPUT DIFFERS")
                print(f"bench: WARNING: {w.name}: outputs differ\n" +
                      compare.diff(compare.sorted_text(out_r), compare.sorted_text(out_d), max_lines=30))
            times = {s.name: [] for s in sides}
            rss = {s.name: 0 for s in sides}
            ceiling_times, ceiling_rss = [], 0
            for rep in range(opts.reps):
                order = sides if rep % 2 == 0 else list(reversed(sides))
                for s in order:
                    m = w.run(s, rep, opts)
                    if m.returncode != 0:
                        raise SystemExit(f"bench: {w.name} rep {rep} failed on {s.name} (exit {m.returncode}):\n"
                                         f"{m.stderr.decode(errors='replace')[-2000:]}")
                    times[s.name].append(m.wall)
                    rss[s.name] = max(rss[s.name], m.maxrss_kb)
                if w.ceiling:
                    if w.prepare:
                        w.prepare(sides[0], opts)
                    cm = w.ceiling(sides[0], opts)
                    ceiling_times.append(cm.wall)
                    ceiling_rss = max(ceiling_rss, cm.maxrss_kb)
            if ceiling_times:
                c_med = statistics.median(ceiling_times)
                r_med = statistics.median(times["roost"])
                notes.append(f"{w.ceiling_name} {c_med:.3f}s (peak RSS {ceiling_rss / 1024:.1f} MiB), "
                             f"roost/{w.ceiling_name.split()[0]} {r_med / c_med:.2f}"
                             if c_med > 0 else f"{w.ceiling_name} n/a")
            if w.messages and w.messages != opts.messages:
                notes.insert(0, f"{w.messages:,} messages")
            if "dovecot" not in times:
                notes.append("doveadm not run (--no-dovecot)")
            row = {"workload": w.name, "roost": statistics.median(times["roost"]),
                   "dovecot": statistics.median(times["dovecot"]) if "dovecot" in times else None,
                   "roost_rss": rss["roost"], "dovecot_rss": rss.get("dovecot"), "notes": ", ".join(notes)}
            rows.append(row)
            dv = f"{row['dovecot']:.3f}s" if row["dovecot"] is not None else "not run"
            dr = f"{row['dovecot_rss'] / 1024:.1f} MiB" if row["dovecot_rss"] is not None else "-"
            print(f"bench: {w.name}: roost {row['roost']:.3f}s (peak RSS {row['roost_rss'] / 1024:.1f} MiB) "
                  f"dovecot {dv} (peak RSS {dr}); {row['notes']} "
                  f"(warm-up 1 run/side, {opts.reps} reps alternating)", flush=True)
            if not opts.keep:
                for s in sides:
                    s.sandbox.cleanup()
            else:
                print(f"bench: kept {[str(s.sandbox.root) for s in sides]}")
    finally:
        for sb in sandboxes:
            sb.stop()
            if not opts.keep:
                sb.cleanup()
        shutil.rmtree(cache, ignore_errors=True)

    table = fmt_table(rows)
    print()
    print(f"corpus: seed {opts.seed}, {opts.messages} messages; warm-up: 1 unmeasured run per side per workload; "
          f"{opts.reps} measured reps, alternating sides; times = median wall seconds")
    print(table)
    if opts.record:
        record(Path(opts.record_file), opts, info, table, opts.roost)
        print(f"bench: recorded in {opts.record_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
