"""Soft assertions for integration scripts: every failed check is printed
and remembered, the script goes on (one run shows every difference), and
``finish()`` ends the process with status 1 if anything failed."""

from __future__ import annotations

import sys


class Checks:
    def __init__(self) -> None:
        self.failures: list[str] = []

    def check(self, cond, what: str) -> bool:
        """Record *what* as a failure unless *cond* holds; returns *cond*."""
        if not cond:
            self.failures.append(what)
            print("FAIL:", what, flush=True)
        return bool(cond)

    def finish(self) -> None:
        """Print a summary and exit: 1 if any check failed, else 0."""
        if self.failures:
            print(f"{len(self.failures)} check(s) failed:")
            for f in self.failures:
                print("FAIL:", f.splitlines()[0] if f else f)
            sys.exit(1)
        print("all checks passed")
        sys.exit(0)


def fixture_message(n: int, subject: str | None = None) -> str:
    """The 9-line test message the shared Dovecot fixtures were made of
    (message n; a dot-started line and a From_-like line in the body)."""
    subject = subject or f"message {n}"
    return (f"From: Alice <alice@example.com>\nTo: u1@example.com\nSubject: {subject}\n"
            f"Date: Mon, 1 Jan 2024 00:00:0{n % 10} +0000\nMessage-ID: <m{n}@example.com>\n\n"
            f"This is message {n}.\n.a line starting with a dot\nFrom the start of a line\n")
