#!/usr/bin/python3
"""IMAP load driver: N concurrent clients doing a bounded mix of commands.

Works against any IMAP server (Dovecot's imap listener from a
DovecotSandbox, or Roost's server) given host:port, user and password::

    /usr/bin/python3 bench/imap_load.py --port 14143 --user u1 --password pw \\
        --clients 8 --ops 200 --duration 20

Each client thread: LOGIN, SELECT INBOX, then a weighted random mix of
FETCH / SEARCH / STORE / APPEND / NOOP / IDLE (short, ended with DONE),
until its share of ``--ops`` or ``--duration`` is used up, then LOGOUT.
Every command is bounded by a socket timeout. Prints ops/s and latency
percentiles (p50/p90/p99/max) per command and overall.

Only loopback targets are allowed unless ``--allow-remote`` is given: the
driver writes (APPEND/STORE) into the mailbox it logs into.

Plain IMAP over a raw socket (no imaplib) so that the exact bytes and the
timing of each command are under our control.
"""

from __future__ import annotations

import argparse
import ipaddress
import random
import socket
import statistics
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

MIX = [("FETCH", 35), ("SEARCH", 15), ("STORE", 20), ("APPEND", 10), ("NOOP", 10), ("IDLE", 5),
       ("SELECT", 5)]
STORE_FLAGS = ["\\Seen", "\\Flagged", "loadtest"]


class ImapError(RuntimeError):
    pass


class Client:
    """A minimal synchronous IMAP4rev1 client on a socket (tagged commands)."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.f = self.sock.makefile("rb")
        self.n = 0
        greet = self.f.readline()
        if not greet.startswith(b"* OK"):
            raise ImapError(f"bad greeting {greet!r}")

    def _read_until_tagged(self, tag: bytes) -> tuple[bytes, list[bytes]]:
        untagged = []
        while True:
            line = self.f.readline()
            if not line:
                raise ImapError("connection closed")
            # literal {n}: read n bytes then the rest of the line
            while line.rstrip(b"\r\n").endswith(b"}") and b"{" in line:
                try:
                    n = int(line.rstrip(b"\r\n").rsplit(b"{", 1)[1][:-1].rstrip(b"+"))
                except ValueError:
                    break
                line += self.f.read(n) + self.f.readline()
            if line.startswith(tag + b" "):
                return line, untagged
            untagged.append(line)

    def cmd(self, text: str, literal: bytes | None = None) -> tuple[bytes, list[bytes]]:
        self.n += 1
        tag = f"c{self.n}".encode()
        if literal is None:
            self.sock.sendall(tag + b" " + text.encode() + b"\r\n")
        else:
            self.sock.sendall(tag + b" " + text.encode() + f" {{{len(literal)}}}\r\n".encode())
            cont = self.f.readline()
            if not cont.startswith(b"+"):
                raise ImapError(f"no continuation for literal: {cont!r}")
            self.sock.sendall(literal + b"\r\n")
        status, untagged = self._read_until_tagged(tag)
        if not status.startswith(tag + b" OK"):
            raise ImapError(f"{text.split()[0]} failed: {status!r}")
        return status, untagged

    def idle(self, seconds: float) -> None:
        self.n += 1
        tag = f"c{self.n}".encode()
        self.sock.sendall(tag + b" IDLE\r\n")
        cont = self.f.readline()
        if not cont.startswith(b"+"):
            raise ImapError(f"IDLE refused: {cont!r}")
        time.sleep(seconds)
        self.sock.sendall(b"DONE\r\n")
        status, _ = self._read_until_tagged(tag)
        if not status.startswith(tag + b" OK"):
            raise ImapError(f"IDLE failed: {status!r}")

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


@dataclass
class Stats:
    lat: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, op: str, secs: float) -> None:
        with self.lock:
            self.lat[op].append(secs)

    def error(self, msg: str) -> None:
        with self.lock:
            self.errors.append(msg)


def _message(rng: random.Random, i: int) -> bytes:
    return (f"From: load@example.com\r\nTo: u@example.com\r\nSubject: load {i} {rng.getrandbits(32):x}\r\n"
            f"Message-ID: <load-{i}-{rng.getrandbits(48):x}@example.com>\r\n\r\n"
            + "load test body line\r\n" * rng.randint(1, 40)).encode()


def client_thread(cid: int, opts, stats: Stats, deadline: float, n_ops: int) -> None:
    rng = random.Random(opts.seed * 1000 + cid)
    ops, weights = zip(*MIX)
    c = None
    try:
        t = time.perf_counter()
        c = Client(opts.host, opts.port, opts.timeout)
        c.cmd(f'LOGIN "{opts.user}" "{opts.password}"')
        stats.add("LOGIN", time.perf_counter() - t)
        t = time.perf_counter()
        _, untagged = c.cmd("SELECT INBOX")
        stats.add("SELECT", time.perf_counter() - t)
        exists = 0
        for line in untagged:
            parts = line.split()
            if len(parts) >= 3 and parts[2] == b"EXISTS":
                exists = int(parts[1])
        done = 0
        while done < n_ops and time.monotonic() < deadline:
            op = rng.choices(ops, weights)[0]
            t = time.perf_counter()
            if op == "FETCH":
                if exists:
                    a = rng.randint(1, exists)
                    c.cmd(f"FETCH {a}:{min(exists, a + 20)} (UID FLAGS RFC822.SIZE ENVELOPE)")
                else:
                    c.cmd("NOOP")
            elif op == "SEARCH":
                c.cmd(rng.choice(["SEARCH UNSEEN", "SEARCH SUBJECT load", "UID SEARCH ALL", "SEARCH FLAGGED"]))
            elif op == "STORE":
                if exists:
                    flag = rng.choice(STORE_FLAGS)
                    sign = rng.choice("+-")
                    c.cmd(f"STORE {rng.randint(1, exists)} {sign}FLAGS ({flag})")
                else:
                    c.cmd("NOOP")
            elif op == "APPEND":
                c.cmd("APPEND INBOX", literal=_message(rng, cid * 1_000_000 + done))
                exists += 1
            elif op == "IDLE":
                c.idle(min(0.2, max(0.0, deadline - time.monotonic())))
            elif op == "SELECT":
                _, untagged = c.cmd("SELECT INBOX")
                for line in untagged:
                    parts = line.split()
                    if len(parts) >= 3 and parts[2] == b"EXISTS":
                        exists = int(parts[1])
            else:
                c.cmd("NOOP")
            stats.add(op, time.perf_counter() - t)
            done += 1
        t = time.perf_counter()
        c.sock.sendall(f"c{c.n + 1} LOGOUT\r\n".encode())
        c.n += 1
        c._read_until_tagged(f"c{c.n}".encode())
        stats.add("LOGOUT", time.perf_counter() - t)
    except (OSError, ImapError) as e:
        stats.error(f"client {cid}: {type(e).__name__}: {e}")
    finally:
        if c:
            c.close()


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = min(len(xs) - 1, max(0, round(p / 100 * (len(xs) - 1))))
    return xs[k]


def run(host: str, port: int, user: str, password: str, *, clients: int = 4, ops: int = 200,
        duration: float = 10.0, seed: int = 1, timeout: float = 10.0, allow_remote: bool = False) -> dict:
    """Run the load and return a result dict (also used by tests).

    ``ops`` is the total number of mixed commands (split across clients);
    ``duration`` bounds the whole run. Returns ``{"ops", "elapsed",
    "ops_per_s", "errors", "per_op": {op: {"n","p50","p90","p99","max"}}}``
    with latencies in milliseconds.
    """
    if not allow_remote:
        try:
            addr = ipaddress.ip_address(socket.gethostbyname(host))
        except (OSError, ValueError):
            raise SystemExit(f"imap_load: cannot resolve {host}")
        if not addr.is_loopback:
            raise SystemExit(f"imap_load: {host} is not a loopback address; pass --allow-remote to override")
    opts = argparse.Namespace(host=host, port=port, user=user, password=password, seed=seed, timeout=timeout)
    stats = Stats()
    deadline = time.monotonic() + duration
    per = [ops // clients + (1 if i < ops % clients else 0) for i in range(clients)]
    threads = [threading.Thread(target=client_thread, args=(i, opts, stats, deadline, per[i]), daemon=True)
               for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.monotonic()) + timeout + 5)
    elapsed = time.perf_counter() - t0
    hung = sum(1 for t in threads if t.is_alive())
    if hung:
        stats.error(f"{hung} client thread(s) still running after the time bound")
    all_lat = [x for v in stats.lat.values() for x in v]
    per_op = {op: {"n": len(v), "p50": pct(v, 50) * 1000, "p90": pct(v, 90) * 1000,
                   "p99": pct(v, 99) * 1000, "max": max(v) * 1000} for op, v in sorted(stats.lat.items())}
    return {"ops": len(all_lat), "elapsed": elapsed, "ops_per_s": len(all_lat) / elapsed if elapsed else 0.0,
            "errors": stats.errors, "per_op": per_op,
            "all": {"n": len(all_lat), "p50": pct(all_lat, 50) * 1000, "p90": pct(all_lat, 90) * 1000,
                    "p99": pct(all_lat, 99) * 1000, "max": (max(all_lat) * 1000) if all_lat else float("nan")}}


def print_report(r: dict) -> None:
    print(f"{r['ops']} ops in {r['elapsed']:.2f}s = {r['ops_per_s']:.1f} ops/s; errors: {len(r['errors'])}")
    print(f"{'op':8} {'n':>6} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for op, s in list(r["per_op"].items()) + [("ALL", r["all"])]:
        print(f"{op:8} {s['n']:6} {s['p50']:8.2f} {s['p90']:8.2f} {s['p99']:8.2f} {s['max']:8.2f}")
    for e in r["errors"][:10]:
        print("error:", e)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Bounded concurrent IMAP load driver.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--ops", type=int, default=200, help="total mixed commands across all clients")
    ap.add_argument("--duration", type=float, default=10.0, help="upper bound on the run, seconds")
    ap.add_argument("--timeout", type=float, default=10.0, help="per-command socket timeout")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--allow-remote", action="store_true")
    a = ap.parse_args(argv)
    r = run(a.host, a.port, a.user, a.password, clients=a.clients, ops=a.ops, duration=a.duration,
            seed=a.seed, timeout=a.timeout, allow_remote=a.allow_remote)
    print_report(r)
    return 1 if r["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
