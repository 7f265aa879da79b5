"""Crash injection: SIGKILL a writer at random points, then check the store.

Roost promises that a store is never corrupted by a crash at any point of
a write (the mail is either fully there or not there; indexes are rebuilt
or consistent). This module produces those crashes two ways:

* by time: the command is SIGKILLed after a random delay in
  ``[min_delay, max_delay]`` seconds (seeded, so a failing run can be
  replayed with the same seed);
* by fault point: the environment variable ``ROOST_FAULT_AFTER_FSYNCS=N``
  is set, and Roost's write path aborts itself after its N-th fsync (the
  lead wires this into Roost; this helper only sets the variable). Commands
  that don't know the variable (e.g. doveadm) just ignore it.

After every run the caller's ``check_store`` callbacks verify the store
(e.g. ``doveadm force-resync`` + fetch, or Roost's own verify command).

Processes are started in their own session and the whole process group is
killed, so helpers the command spawned don't survive it.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

FAULT_ENV = "ROOST_FAULT_AFTER_FSYNCS"


@dataclass
class RunResult:
    """Outcome of one :func:`run_and_kill` run."""
    argv: list[str]
    returncode: int | None
    killed: bool                 # we sent SIGKILL before it exited
    delay: float | None          # planned kill delay (None: no timed kill)
    fault_after: int | None      # ROOST_FAULT_AFTER_FSYNCS value, if set
    elapsed: float
    stdout: bytes = b""
    stderr: bytes = b""
    hung: bool = False           # killed because it outlived *timeout* (not the planned delay)

    @property
    def self_aborted(self) -> bool:
        """Exited by a signal we did not send (e.g. abort() at a fault point)."""
        return not self.killed and self.returncode is not None and self.returncode < 0

    @property
    def how(self) -> str:
        if self.killed:
            return "killed"
        if self.self_aborted:
            return "fault-abort"
        return "exit"


def run_and_kill(argv: Sequence[str], env: Mapping[str, str] | None = None, min_delay: float = 0.0,
                 max_delay: float = 0.5, seed: int | None = None, *,
                 fault_after_fsyncs: int | None = None, timed_kill: bool = True,
                 input: bytes | None = None, timeout: float = 60.0) -> RunResult:
    """Start *argv* and SIGKILL it (and its process group) at a random moment.

    The delay is drawn from ``random.Random(seed)`` in [min_delay, max_delay].
    With *fault_after_fsyncs*, ``ROOST_FAULT_AFTER_FSYNCS`` is set in the
    child's environment; set *timed_kill* False to rely on the fault point
    alone. A command still running after *timeout* is killed too (and
    counted as killed). Output is captured (kept small by the caller).
    """
    rng = random.Random(seed)
    delay = rng.uniform(min_delay, max_delay) if timed_kill else None
    child_env = dict(os.environ)
    if env:
        child_env.update(env)
    if fault_after_fsyncs is not None:
        child_env[FAULT_ENV] = str(fault_after_fsyncs)
    t0 = time.monotonic()
    p = subprocess.Popen(list(argv), env=child_env, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    killed = hung = False
    try:
        limit = delay if delay is not None else timeout
        try:
            out, err = p.communicate(input=input, timeout=min(limit, timeout))
        except subprocess.TimeoutExpired:
            hung = delay is None or timeout < delay
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            killed = True
            out, err = p.communicate()
    finally:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
        for stream in (p.stdin, p.stdout, p.stderr):
            if stream:
                stream.close()
    return RunResult(argv=list(argv), returncode=p.returncode, killed=killed, delay=delay,
                     fault_after=fault_after_fsyncs, elapsed=time.monotonic() - t0,
                     stdout=out[-4000:] if out else b"", stderr=err[-4000:] if err else b"", hung=hung)


@dataclass
class CrashStats:
    """Summary of a :func:`crash_loop`."""
    runs: int = 0
    kills: int = 0
    fault_aborts: int = 0
    clean_exits: int = 0
    hangs: int = 0
    failures: list[tuple[int, str]] = field(default_factory=list)
    elapsed: float = 0.0
    stopped_by_time: bool = False

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        s = (f"{self.runs} runs in {self.elapsed:.1f}s: {self.kills} killed, {self.fault_aborts} "
             f"fault-aborted, {self.clean_exits} exited, {self.hangs} hung; "
             f"{len(self.failures)} failures")
        if self.stopped_by_time:
            s += " (stopped by the time bound)"
        for i, msg in self.failures[:5]:
            s += f"\n  run {i}: {msg}"
        return s


CheckFn = Callable[[int, RunResult], "bool | None | str"]


def crash_loop(argv: Sequence[str] | Callable[[int], Sequence[str]], check_store: Sequence[CheckFn] = (), *,
               n: int = 200, time_limit: float = 120.0, seed: int = 1, min_delay: float = 0.0,
               max_delay: float = 0.5, fault_mode: str = "mixed", max_fsyncs: int = 50,
               env: Mapping[str, str] | None = None, before_each: Callable[[int], None] | None = None,
               input: bytes | Callable[[int], bytes] | None = None, per_run_timeout: float = 60.0,
               stop_on_failure: bool = False, hang_is_failure: bool = True) -> CrashStats:
    """Run up to *n* crash runs within *time_limit* seconds; count outcomes.

    *argv* may be a function of the run index (e.g. to save a different
    message each time). *fault_mode*: ``time`` (timed SIGKILL only),
    ``fsync`` (ROOST_FAULT_AFTER_FSYNCS = random 1..max_fsyncs, no timed
    kill) or ``mixed`` (alternating). A run that outlives *per_run_timeout*
    is killed and counted in ``hangs`` (a failure unless *hang_is_failure*
    is False: a writer that blocks after an earlier crash is a finding).
    Each ``check_store(i, result)`` runs
    after the run; it fails by raising (AssertionError or any exception),
    returning False, or returning a non-empty string (the reason).
    """
    if fault_mode not in ("time", "fsync", "mixed"):
        raise ValueError(f"unknown fault_mode {fault_mode!r}")
    rng = random.Random(seed)
    st = CrashStats()
    t0 = time.monotonic()
    for i in range(n):
        if time.monotonic() - t0 >= time_limit:
            st.stopped_by_time = True
            break
        if before_each:
            before_each(i)
        use_fault = fault_mode == "fsync" or (fault_mode == "mixed" and i % 2 == 1)
        a = argv(i) if callable(argv) else argv
        inp = input(i) if callable(input) else input
        r = run_and_kill(a, env, min_delay, max_delay, seed=rng.getrandbits(32),
                         fault_after_fsyncs=rng.randint(1, max_fsyncs) if use_fault else None,
                         timed_kill=not use_fault, input=inp, timeout=per_run_timeout)
        st.runs += 1
        if r.hung:
            st.hangs += 1
            if hang_is_failure:
                st.failures.append((i, f"[hung > {per_run_timeout}s, fault_after={r.fault_after}] "
                                       f"stderr: {r.stderr[-500:].decode(errors='replace')}"))
        if r.killed:
            st.kills += 1
        elif r.self_aborted:
            st.fault_aborts += 1
        else:
            st.clean_exits += 1
        for chk in check_store:
            try:
                res = chk(i, r)
            except Exception as e:  # noqa: BLE001 - any failure of a check is a finding
                res = f"{type(e).__name__}: {e}"
            if res is False or (isinstance(res, str) and res):
                msg = res if isinstance(res, str) else f"{getattr(chk, '__name__', 'check')} returned False"
                st.failures.append((i, f"[{r.how}, delay={r.delay}, fault_after={r.fault_after}] {msg}"))
        if st.failures and stop_on_failure:
            break
    st.elapsed = time.monotonic() - t0
    return st
