"""Comparing ``doveadm -f tab fetch`` outputs of Roost and Dovecot.

Two modes, because they answer different questions:

* ``exact``: byte-for-byte equality (output order, header line, trailing
  newline). This is what scripts parsing doveadm output rely on.
* ``sorted``: same multiset of rows regardless of order (the header line is
  still compared as-is). Useful where Dovecot's own order is incidental
  (e.g. mailbox iteration order of ``-A`` or ``mailbox *`` queries).

Both give a readable unified diff on mismatch, labelled with the side.
Optionally, flag tokens inside a column can be normalised (order of
flags/keywords, dropping ``\\Recent``) with :func:`normalize_flags`.
"""

from __future__ import annotations

import difflib
import os
import subprocess
from typing import Callable, Iterable, Sequence


class Mismatch(AssertionError):
    """Outputs differ; the message is a labelled unified diff."""


def _text(x) -> str:
    if isinstance(x, subprocess.CompletedProcess):
        x = x.stdout
    if isinstance(x, bytes):
        return x.decode("utf-8", "surrogateescape")
    return x or ""


def parse_tab(output) -> tuple[list[str], list[list[str]]]:
    """Split ``-f tab`` output into (header columns, rows of columns).

    Values containing newlines (e.g. ``body``/``hdr`` fields) are not
    escaped by doveadm's tab formatter; use exact mode for those.
    """
    lines = _text(output).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        return [], []
    return lines[0].split("\t"), [l.split("\t") for l in lines[1:]]


def normalize_flags(value: str, drop_recent: bool = True) -> str:
    """Canonical form of a ``flags`` value: drop \\Recent, sort tokens."""
    toks = [t for t in value.split() if not (drop_recent and t == "\\Recent")]
    return " ".join(sorted(toks))


def normalize(output, *, flags_columns: Sequence[str] = ("flags",), drop_recent: bool = True,
              row_filter: Callable[[list[str]], bool] | None = None) -> str:
    """Rewrite tab output with flags columns canonicalised (see normalize_flags)."""
    header, rows = parse_tab(output)
    idx = [i for i, h in enumerate(header) if h in flags_columns]
    out = ["\t".join(header)] if header else []
    for r in rows:
        if row_filter and not row_filter(r):
            continue
        r = list(r)
        for i in idx:
            if i < len(r):
                r[i] = normalize_flags(r[i], drop_recent)
        out.append("\t".join(r))
    return "\n".join(out) + ("\n" if out else "")


def drop_columns(output, names: Sequence[str]) -> str:
    """Tab output without the named columns (e.g. ``firstsaved``, which is
    the save time of a copy and legitimately differs between two stores)."""
    header, rows = parse_tab(output)
    keep = [i for i, h in enumerate(header) if h not in names]
    lines = ["\t".join(header[i] for i in keep)] if header else []
    lines += ["\t".join(r[i] for i in keep if i < len(r)) for r in rows]
    return "\n".join(lines) + ("\n" if lines else "")


def diff(a, b, label_a: str = "roost", label_b: str = "dovecot", context: int = 3,
         max_lines: int = 200) -> str:
    """Unified diff of two outputs, truncated to *max_lines* lines."""
    d = list(difflib.unified_diff(_text(a).splitlines(keepends=True), _text(b).splitlines(keepends=True),
                                  fromfile=label_a, tofile=label_b, n=context))
    if len(d) > max_lines:
        d = d[:max_lines] + [f"... ({len(d) - max_lines} more diff lines)\n"]
    return "".join(d)


def equal_exact(a, b) -> bool:
    return _text(a) == _text(b)


def equal_sorted(a, b) -> bool:
    ha, ra = parse_tab(a)
    hb, rb = parse_tab(b)
    return ha == hb and sorted(map(tuple, ra)) == sorted(map(tuple, rb))


def sorted_text(output) -> str:
    """Header line followed by the rows in sorted order."""
    header, rows = parse_tab(output)
    lines = ["\t".join(header)] + sorted("\t".join(r) for r in rows) if header else []
    return "\n".join(lines) + ("\n" if lines else "")


def assert_same(a, b, *, mode: str = "exact", label_a: str = "roost", label_b: str = "dovecot",
                what: str = "") -> None:
    """Raise Mismatch with a readable diff unless *a* and *b* agree.

    *mode* is ``exact`` (bytes) or ``sorted`` (row order ignored). *a*/*b*
    may be strings, bytes or CompletedProcess objects (stdout is used).
    """
    if mode == "exact":
        if equal_exact(a, b):
            return
        d = diff(a, b, label_a, label_b)
        if not d:  # differ only in a trailing newline or similar
            d = f"{label_a}: {_text(a)[-40:]!r}\n{label_b}: {_text(b)[-40:]!r}\n"
    elif mode == "sorted":
        if equal_sorted(a, b):
            return
        d = diff(sorted_text(a), sorted_text(b), label_a + " (sorted)", label_b + " (sorted)")
    else:
        raise ValueError(f"unknown mode {mode!r}")
    raise Mismatch(f"{what + ': ' if what else ''}{label_a} and {label_b} outputs differ ({mode} mode)\n{d}")


def assert_same_result(r, d, *, mode: str = "exact", check_stderr: bool = False, what: str = "") -> None:
    """Compare two CompletedProcess results: exit code, stdout (and stderr)."""
    if r.returncode != d.returncode:
        raise Mismatch(f"{what + ': ' if what else ''}exit codes differ: roost {r.returncode}, "
                       f"dovecot {d.returncode}\nroost stderr: {_text(r.stderr)[:2000]}\n"
                       f"dovecot stderr: {_text(d.stderr)[:2000]}")
    assert_same(r.stdout, d.stdout, mode=mode, what=what)
    if check_stderr:
        assert_same(r.stderr, d.stderr, mode="exact", what=(what + " stderr").strip())


def rows_by(output, *key_columns: str) -> dict[tuple[str, ...], dict[str, str]]:
    """Index tab output rows by the given key columns -> {column: value}."""
    header, rows = parse_tab(output)
    idx = [header.index(k) for k in key_columns]
    return {tuple(r[i] for i in idx): dict(zip(header, r)) for r in rows}


def expected_flags_rows(folder_manifest: dict, mailbox: str, keyword_order: Iterable[str] | None = None) -> list[tuple[str, str, str]]:
    """(mailbox, uid, normalised flags) rows a corpus manifest folder implies."""
    out = []
    for uid in folder_manifest["uids"]:
        toks = list(folder_manifest["flags"][str(uid)]) + list(folder_manifest["keywords"][str(uid)])
        out.append((mailbox, str(uid), " ".join(sorted(toks))))
    return out


def sorted_without_recent(output) -> str:
    """Tab output with \\Recent dropped from the flags column and rows sorted:
    how two stores' ``fetch``/``mailbox status`` are compared after a sync
    (\\Recent is per-session index state, not mail data)."""
    return sorted_text(normalize(output))


def maildir_mail_files(root) -> list[str]:
    """Every mail file under a Maildir root (cur/ and new/ of every folder),
    relative and sorted: a sync that changes nothing renames none of them."""
    out = []
    for dirpath, _dirs, files in os.walk(root):
        if os.path.basename(dirpath) in ("cur", "new"):
            out.extend(os.path.relpath(os.path.join(dirpath, f), root) for f in files)
    return sorted(out)
