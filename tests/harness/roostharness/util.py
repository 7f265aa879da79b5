"""Small shared helpers: free loopback ports, waiting, process-tree cleanup.

Kept in one place because every sandbox needs the same "is it up yet" and
"kill exactly what we started" logic, and getting either wrong makes tests
flaky or leaves daemons behind on a shared machine.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path
from typing import Callable, Iterable


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that was free on *host* a moment ago.

    The kernel picks it (bind to port 0); there is a small race until the
    daemon binds it, which is acceptable on a test machine.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_until(pred: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll *pred* until it returns true or *timeout* seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if pred():
                return True
        except OSError:
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def read_greeting(host: str, port: int, timeout: float = 3.0, nbytes: int = 512) -> bytes:
    """Connect to host:port and return the first chunk the server sends."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.settimeout(timeout)
        return s.recv(nbytes)


def tcp_accepts(host: str, port: int, timeout: float = 1.0) -> bool:
    """True if a TCP connection to host:port succeeds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def pid_alive(pid: int) -> bool:
    """True if *pid* exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return False
    # state is the field after the ")" that closes the comm field
    state = stat[stat.rfind(b")") + 2:][:1]
    return state not in (b"Z", b"X", b"")


def descendants(root_pid: int) -> list[int]:
    """All live descendants of *root_pid* (children, grandchildren, ...).

    Read from /proc so that we can later kill exactly the processes a daemon
    we started has spawned, never anything matched by name.
    """
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        rest = stat[stat.rfind(b")") + 2:].split()
        if len(rest) < 2:
            continue
        children.setdefault(int(rest[1]), []).append(int(entry))
    out: list[int] = []
    todo = [root_pid]
    while todo:
        p = todo.pop()
        for c in children.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def kill_pids(pids: Iterable[int], sig: int = signal.SIGKILL) -> None:
    """Send *sig* to each pid, ignoring ones that are already gone."""
    for p in pids:
        try:
            os.kill(p, sig)
        except (ProcessLookupError, PermissionError):
            pass


def tail(path: os.PathLike | str, lines: int = 40) -> str:
    """Last *lines* lines of a text file, or a note that it does not exist."""
    p = Path(path)
    try:
        data = p.read_text(errors="replace").splitlines()
    except OSError as e:
        return f"<cannot read {p}: {e}>"
    return "\n".join(data[-lines:])


def exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so ``with`` blocks stop their daemons.

    A test runner that times out usually sends SIGTERM first; without this
    the Python process would die on the spot and leave its private dovecot
    or sshd running. Installed only from the main thread and only over the
    default handler (never replaces a handler someone else set).
    """
    import threading
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return

    def _handler(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _handler)
