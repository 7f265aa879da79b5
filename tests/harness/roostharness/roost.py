"""Running the roost binary with doveadm's argv.

``roost`` mirrors doveadm's CLI, so a test builds ONE argv and runs it on
both sides: ``roost -c <cfg> -f tab fetch -u U 'uid flags' all`` and
``doveadm -c <cfg> -f tab fetch -u U 'uid flags' all``.

The binary comes from ``$ROOST_BIN`` (set by ctest), else
``<source>/build/cli/roost``. While roost is still being written, setting
``ROOST_BIN=doveadm`` (or any path) runs the harness against the real
doveadm on both sides.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterable, Mapping, Sequence

HARNESS_DIR = Path(__file__).resolve().parent.parent          # tests/harness
SOURCE_DIR = Path(os.environ.get("ROOST_SOURCE_DIR") or HARNESS_DIR.parent.parent)


class RoostError(AssertionError):
    """roost exited with an unexpected code; message has argv/stdout/stderr."""


def roost_bin() -> str:
    """Path (or command name) of the roost binary under test."""
    b = os.environ.get("ROOST_BIN")
    if b:
        return b
    return str(SOURCE_DIR / "build" / "cli" / "roost")


def roost_available(binary: str | None = None) -> bool:
    """True if the roost binary exists and is executable."""
    b = binary or roost_bin()
    if os.sep in b:
        return os.access(b, os.X_OK)
    return shutil.which(b) is not None


def _fmt(p: subprocess.CompletedProcess) -> str:
    def s(x):
        if isinstance(x, bytes):
            x = x.decode("utf-8", "replace")
        x = x or ""
        return x if len(x) < 4000 else x[:4000] + f"\n... ({len(x)} chars)"
    argv = p.args if isinstance(p.args, str) else " ".join(map(str, p.args))
    return f"argv: {argv}\nexit: {p.returncode}\nstdout:\n{s(p.stdout)}\nstderr:\n{s(p.stderr)}"


def run(args: Sequence[str], *, config: str | os.PathLike | None = None,
        expect: int | Iterable[int] | None = 0, input: bytes | str | None = None,
        binary: str | None = None, timeout: float = 120, raw: bool = False,
        env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``roost [-c config] *args`` and return the CompletedProcess.

    *expect*: exit code(s) that are OK (None = accept anything); otherwise
    RoostError with the argv, exit code, stdout and stderr in the message.
    Output is text (surrogateescape) unless *raw*.
    """
    argv = [binary or roost_bin()]
    if config is not None:
        argv += ["-c", str(config)]
    argv += list(args)
    if isinstance(input, str):
        input = input.encode()
    try:
        p = subprocess.run(argv, input=input, capture_output=True, timeout=timeout,
                           env=None if env is None else {**os.environ, **env})
    except FileNotFoundError as e:
        raise RoostError(f"roost binary not found: {argv[0]} ({e}); set ROOST_BIN") from None
    if not raw:
        p = subprocess.CompletedProcess(p.args, p.returncode,
                                        p.stdout.decode("utf-8", "surrogateescape"),
                                        p.stderr.decode("utf-8", "surrogateescape"))
    if expect is not None:
        ok = {expect} if isinstance(expect, int) else set(expect)
        if p.returncode not in ok:
            raise RoostError(f"roost exited {p.returncode}, expected {sorted(ok)}\n{_fmt(p)}")
    return p


def run_both(sandbox, args: Sequence[str], *, input: bytes | str | None = None,
             binary: str | None = None, timeout: float = 120, raw: bool = False):
    """Run the same argv as ``roost -c cfg`` and ``doveadm -c cfg``.

    Returns ``(roost_result, doveadm_result)`` without checking exit codes;
    compare them with :mod:`roostharness.compare`. Both act on the SAME
    store, so use this for read-only commands; for writing commands use two
    sandboxes with identical stores (``DovecotSandbox.copy_home_from``).
    """
    r = run(args, config=sandbox.config_path, expect=None, input=input, binary=binary,
            timeout=timeout, raw=raw)
    d = sandbox.doveadm(*args, input=input, timeout=timeout, binary=raw)
    return r, d


def argv(args: Sequence[str], config: str | os.PathLike, binary: str | None = None) -> list[str]:
    """``[roost, "-c", config, *args]`` (for bench/crash drivers)."""
    return [binary or roost_bin(), "-c", str(config), *args]
