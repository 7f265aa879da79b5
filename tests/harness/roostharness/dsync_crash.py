"""Crash safety and resume of ``roost sync`` / ``backup`` / ``import``.

One mode per call of :func:`run_mode`, so each mode can be its own ctest
entry (they run in parallel). A mode is a series of *segments*; each one:

1. takes a fresh copy of a small seeded source store (templates made once
   per format: maildir, mbox, sdbox, mdbox) and an empty destination, the
   (source, destination) format pair rotating over all 16 pairs;
2. runs the verb again and again, each run SIGKILLed at a random instant
   (uniform over the time a full run takes) or aborted at its N-th fsync
   (``ROOST_FAULT_AFTER_FSYNCS``), the source (and for ``sync`` the
   destination) changing between runs: new mail, flag changes;
3. lets one run complete and checks: exit 0; for sync/backup ``roost
   verify`` finds the two stores identical (counts, UIDs, flags, keywords,
   bodies; not where a side is mbox, which keeps its own UIDs) and an
   independent ``roost fetch`` of both shows the same mail (mailbox, flags,
   subject) exactly as often: 0 lost, 0 duplicated, flags converged; for
   import the fetch shows every source mail under the parent folder exactly
   once with its flags.

Only runs that really died (killed, or aborted at the fault point) count as
kill points. Every store is addressed with ``-o mail_location=...`` on one
sandbox configuration, so no Dovecot has to run.
"""

from __future__ import annotations

import itertools
import os
import random
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import crash, roost, verify
from .checks import Checks
from .dovecot import DovecotSandbox

FORMATS = ("maildir", "mbox", "sdbox", "mdbox")
USER = "u1"
BOXES = ("INBOX", "Work", "Lists/dev")
PARENT = "Imported"  # import's parent folder


def location(fmt: str, root: Path) -> str:
    """A mail location of *fmt* under *root* (mbox with its INBOX file)."""
    if fmt == "mbox":
        return f"mbox:{root}/mail:INBOX={root}/mail/inbox"
    return f"{fmt}:{root}/{'Maildir' if fmt == 'maildir' else fmt}"


def message(tag: str) -> bytes:
    return (f"From: c@example.com\nSubject: {tag}\nMessage-ID: <{tag}@example.com>\n"
            f"Date: Mon, 1 Jan 2024 00:00:00 +0000\n\nbody {tag}\n" + "line\n" * 40).encode()


@dataclass
class ModeResult:
    mode: str
    kills: int = 0
    runs: int = 0
    segments: int = 0
    pairs: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    def summary(self) -> str:
        pairs = ", ".join(f"{a}->{b} {n}" for (a, b), n in sorted(self.pairs.items()))
        return (f"{self.mode}: {self.kills} kill points in {self.runs} runs, {self.segments} "
                f"completing runs, {self.elapsed:.1f}s; kill points by pair: {pairs}")


class _Store:
    def __init__(self, cfg: str, fmt: str, root: Path):
        self.cfg, self.fmt, self.root, self.loc = cfg, fmt, root, location(fmt, root)

    def run(self, args, **kw):
        return roost.run(["-o", f"mail_location={self.loc}", *args], config=self.cfg, **kw)

    def argv(self, args):
        return roost.argv(["-o", f"mail_location={self.loc}", *args], self.cfg)

    def save(self, box: str, tag: str):
        self.run(["save", "-u", USER, "-m", box], input=message(tag))

    def contents(self, prefix: str = "") -> Counter:
        """(mailbox, flags, subject) -> count, from roost fetch."""
        p = self.run(["-f", "tab", "fetch", "-u", USER, "mailbox flags hdr.subject", "all"])
        out: Counter = Counter()
        for line in p.stdout.splitlines()[1:]:
            if not line:
                continue
            box, flags, subj = line.split("\t")
            if prefix:
                if not box.startswith(prefix):
                    continue
                box = box[len(prefix):]
            out[(box, " ".join(sorted(f for f in flags.split() if f != "\\Recent")), subj)] += 1
        return out


def _copytree(src: Path, dst: Path) -> None:
    """cp -a as the owner of *dst*'s parent (roost runs as the mail user)."""
    shutil.copytree(src, dst, symlinks=True)
    st = dst.parent.stat()
    for root, dirs, files in os.walk(dst):
        for name in [root, *(os.path.join(root, x) for x in dirs + files)]:
            os.lchown(name, st.st_uid, st.st_gid)


def _templates(cfg: str, work: Path, rng: random.Random) -> dict[str, Path]:
    """A small seeded store in every format (3 mailboxes, some flagged mail)."""
    seed_store = _Store(cfg, "maildir", work / "tpl-maildir")
    n = 0
    for box in BOXES:
        if box != "INBOX":
            seed_store.run(["mailbox", "create", "-u", USER, box])
        for _ in range(6):
            n += 1
            seed_store.save(box, f"t{n}")
        seed_store.run(["flags", "add", "-u", USER, "\\Seen $Work", "mailbox", box, "1:3"])
    seed_store.run(["flags", "add", "-u", USER, "\\Flagged", "mailbox", "INBOX",
                    str(rng.randint(1, 6))])
    out = {"maildir": seed_store.root}
    for fmt in FORMATS[1:]:
        root = work / f"tpl-{fmt}"
        seed_store.run(["backup", "-u", USER, location(fmt, root)])
        out[fmt] = root
    return out


def _calibrate(cfg: str, tpl: dict[str, Path], work: Path, mode: str) -> float:
    """Seconds a full, uninterrupted run takes (the slowest pair measured)."""
    worst = 0.0
    for src, dst in (("maildir", "mdbox"), ("mbox", "sdbox"), ("mdbox", "maildir")):
        s_root, d_root = work / "cal-src", work / "cal-dst"
        _copytree(tpl[src], s_root)
        argv = _verb_argv(mode, _Store(cfg, src, s_root), _Store(cfg, dst, d_root))
        t0 = time.monotonic()
        roost.run(argv[1:], expect=0)
        worst = max(worst, time.monotonic() - t0)
        shutil.rmtree(s_root)
        shutil.rmtree(d_root, ignore_errors=True)
    return worst


def _verb_argv(mode: str, src: _Store, dst: _Store) -> list[str]:
    if mode == "import":
        return dst.argv(["import", "-u", USER, src.loc, PARENT, "all"])
    return src.argv([mode, "-u", USER, dst.loc])


def run_mode(mode: str, cfg: str, work: Path, *, kills: int = 200, seed: int = 1,
             time_limit: float = 300.0, kills_per_segment: int = 5,
             pairs: list[tuple[str, str]] | None = None) -> ModeResult:
    """Runs *kills* kill points of *mode* (sync, backup or import) under
    *work* (a directory the mail user owns: roost runs as that user); stops early after *time_limit* seconds (the result says how far
    it got). *pairs*: the (source, destination) formats to rotate over
    (default: all 16). Failures are collected in the result, not raised."""
    rng = random.Random(seed)
    res = ModeResult(mode)
    t0 = time.monotonic()
    tpl = _templates(cfg, work, rng)
    full = _calibrate(cfg, tpl, work, mode)
    pairs = list(pairs or itertools.product(FORMATS, FORMATS))
    rng.shuffle(pairs)
    if os.environ.get("ROOST_DSYNC_CRASH_PAIRS"):  # e.g. "maildir:mbox,sdbox:mdbox", to chase one
        pairs = [tuple(p.split(":")) for p in os.environ["ROOST_DSYNC_CRASH_PAIRS"].split(",")]
    n = 0
    while res.kills < kills and time.monotonic() - t0 < time_limit:
        src_fmt, dst_fmt = pairs[res.segments % len(pairs)]
        res.segments += 1
        seg = work / f"seg{res.segments}"
        src = _Store(cfg, src_fmt, seg / "src")
        dst = _Store(cfg, dst_fmt, seg / "dst")
        seg.mkdir()
        os.chown(seg, work.stat().st_uid, work.stat().st_gid)
        _copytree(tpl[src_fmt], src.root)
        argv = _verb_argv(mode, src, dst)
        tag = f"{mode} {src_fmt}->{dst_fmt} (segment {res.segments})"
        seg_kills = 0
        attempts = 0
        # Aim the kills at the work a run still has: a timed kill within the
        # time the last uninterrupted run took (a full copy at first), a
        # fault point within the fsyncs a run did (learned from runs that
        # got past theirs).
        est, max_fsyncs = full, 30
        history = []  # how each run of the segment ended, for the failure message
        failures_before = len(res.failures)
        # A run that finishes before its kill isn't a kill point; a few of
        # those in a row mean there is nothing left to interrupt.
        while seg_kills < kills_per_segment and res.kills < kills and attempts < 3 * kills_per_segment:
            attempts += 1
            if rng.random() < 0.5:  # keep the source moving
                n += 1
                src.save(rng.choice(BOXES), f"n{n}")
            if mode != "import" and rng.random() < 0.5:
                side = dst if mode == "sync" and rng.random() < 0.4 and attempts > 1 else src
                side.run(["flags", rng.choice(["add", "remove"]), "-u", USER,
                          rng.choice(["\\Seen", "\\Answered", "$Work"]), "mailbox",
                          rng.choice(BOXES), f"{rng.randint(1, 4)}:{rng.randint(4, 8)}"],
                         expect=None)
            fault = rng.randint(1, max_fsyncs) if rng.random() < 0.6 else None
            r = crash.run_and_kill(argv, min_delay=0.0, max_delay=est,
                                   seed=rng.getrandbits(32), fault_after_fsyncs=fault,
                                   timed_kill=fault is None, timeout=60)
            res.runs += 1
            history.append(f"fsync {fault}: {r.how}" if fault else
                           f"{r.delay:.3f}s: {r.how} {r.returncode}")
            if r.hung:
                res.failures.append(f"{tag}: run hung (fault {fault}): {r.stderr[-500:]!r}")
            elif r.killed or r.self_aborted:
                seg_kills += 1
                res.kills += 1
                res.pairs[(src_fmt, dst_fmt)] += 1
            else:
                if r.returncode not in (0, 2):
                    res.failures.append(f"{tag}: an uninterrupted run exited {r.returncode}: "
                                        f"{r.stderr[-500:].decode(errors='replace')}")
                if fault is None:
                    est = max(0.005, r.elapsed)
                else:
                    max_fsyncs = max(1, fault - 1)
        # The completing run, then the proof.
        p = roost.run(argv[1:], expect=None)
        if p.returncode != 0:
            res.failures.append(f"{tag}: completing run exited {p.returncode}: {p.stderr[-800:]}")
        elif mode == "import":
            want, got = src.contents(), dst.contents(PARENT + "/")
            if want != got:
                res.failures.append(f"{tag} after {seg_kills} kills: import differs:\n"
                                    f"  missing {sorted((want - got).elements())}\n"
                                    f"  extra (duplicated) {sorted((got - want).elements())}")
        else:
            # mbox keeps its own UIDs (and matches mail by headers), so
            # where a side is mbox the mail is compared by content, not UID.
            rep = _verify(src, dst) if "mbox" not in (src_fmt, dst_fmt) else ""
            if rep:
                res.failures.append(f"{tag} after {seg_kills} kills: stores differ:\n{rep}")
            want, got = src.contents(), dst.contents()
            if want != got:
                res.failures.append(f"{tag} after {seg_kills} kills: mail differs:\n"
                                    f"  only in the source {sorted((want - got).elements())}\n"
                                    f"  only in the destination {sorted((got - want).elements())}")
        if len(res.failures) > failures_before:
            res.failures[-1] += f"\n  runs of the segment: {'; '.join(history)}"
            keep = os.environ.get("ROOST_DSYNC_CRASH_KEEP")
            if keep:  # the stores as the failure left them, for a closer look
                shutil.copytree(seg, Path(keep) / f"{mode}-{seg.name}", symlinks=True)
        shutil.rmtree(seg)
    res.elapsed = time.monotonic() - t0
    return res


def _verify(src: _Store, dst: _Store) -> str:
    """'' when roost verify finds the two stores identical (mailboxes,
    UIDVALIDITY, UIDs, flags, keywords, bodies), else the differences."""
    rep = verify.report(src.loc, dst.loc, config=src.cfg)
    reports = rep if isinstance(rep, list) else [rep]
    return "" if all(r.get("identical") for r in reports) else verify.describe(rep)


def main(mode: str, default_seed: int) -> None:
    """The body of one ctest entry per mode (tests/integration/
    test_dsync_crash_<mode>.py): env ROOST_DSYNC_CRASH_KILLS (default 200),
    _SEED, _SECONDS (default 400) override; fails on any lost, duplicated or
    unsynced mail, on fewer kill points than asked, or when a format pair
    was never interrupted."""
    kills = int(os.environ.get("ROOST_DSYNC_CRASH_KILLS", "200"))
    seed = int(os.environ.get("ROOST_DSYNC_CRASH_SEED", "0")) or default_seed
    time_limit = float(os.environ.get("ROOST_DSYNC_CRASH_SECONDS", "400"))
    pairs = [(a, b) for a in FORMATS for b in FORMATS]
    ck = Checks()
    with DovecotSandbox(users=[USER], mail_format="maildir") as dv:
        work = Path(dv.user_home(USER)) / "crash"
        work.mkdir()
        dv.chown_homes()
        res = run_mode(mode, str(dv.config_path), work, kills=kills,
                       seed=seed, time_limit=time_limit, pairs=pairs)
    print(res.summary())
    for f in res.failures:
        ck.check(False, f)
    ck.check(res.kills >= kills, f"only {res.kills} of {kills} kill points within {time_limit:.0f}s")
    ck.check(len(res.pairs) == len(pairs) or res.kills < len(pairs) * 5,
             f"not every format pair was interrupted: {sorted(res.pairs)}")
    ck.finish()
