"""Proof that two stores hold the same mail, for sync/backup tests and benches.

A thin wrapper over ``roost -f json verify`` (the comparison itself lives in
Roost's formats/verify, through the storage model, so it works for every
driver)::

    from roostharness import verify
    rep = verify.report("maildir:~/backup/Maildir", user="u1", config=dv.config_path)
    verify.assert_identical("maildir:/a", "mbox:/b:INBOX=/b/inbox")   # two locations, no user
    verify.assert_identical("mdbox:~/mdbox", user="u1", config=cfg,
                            options=["--ignore-flags"])

``report`` returns the JSON report (a list of reports with -A); exit codes
64 and above raise :class:`VerifyError` with roost's stderr. ``assert_identical``
raises ``AssertionError`` listing the first differences.
"""

from __future__ import annotations

import json
import os
from typing import Sequence

from . import roost


class VerifyError(AssertionError):
    """roost verify could not compare (usage, unknown user, missing store...)."""


def report(a: str, b: str | None = None, *, user: str | None = None,
           config: str | os.PathLike | None = None, options: Sequence[str] = (),
           binary: str | None = None, timeout: float = 600):
    """Runs verify; *a* alone with *user* (the user's store vs *a*), or *a*
    and *b* without a user. Returns the parsed JSON report."""
    if (user is None) == (b is None):
        raise ValueError("give either user= and one location, or two locations")
    args = ["-f", "json", "verify", *options]
    args += ["-u", user, a] if user is not None else [a, b]
    p = roost.run(args, config=config, expect=None, binary=binary, timeout=timeout)
    if p.returncode not in (0, 2):
        raise VerifyError(f"roost verify exited {p.returncode}: {' '.join(map(str, p.args))}\n{p.stderr}")
    try:
        return json.loads(p.stdout)
    except ValueError as e:
        raise VerifyError(f"roost verify printed no JSON ({e}):\n{p.stdout[:2000]}") from None


def describe(rep, most: int = 20) -> str:
    """The differences of a report (or a list of reports) as text lines."""
    reports = rep if isinstance(rep, list) else [rep]
    lines = []
    for r in reports:
        who = f"{r['user']}: " if r.get("user") else ""
        for d in r.get("differences", [])[:most]:
            where = d["mailbox"] + (f" uid {d['uid']}" if d.get("uid") else "")
            lines.append(f"{who}{where}: {d['kind']} (A {d['a']!r}, B {d['b']!r})")
        total = r.get("totals", {}).get("differences", 0)
        if total > most:
            lines.append(f"{who}... {total - most} more")
    return "\n".join(lines)


def assert_identical(a: str, b: str | None = None, **kw) -> dict:
    """Like :func:`report`, raising AssertionError unless the stores are identical."""
    rep = report(a, b, **kw)
    reports = rep if isinstance(rep, list) else [rep]
    if not all(r.get("identical") for r in reports):
        raise AssertionError(f"stores differ ({a} vs {b or 'the user store'}):\n{describe(rep)}")
    return rep
