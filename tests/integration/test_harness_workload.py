"""roostharness.workload: the seeded workload generator, checked on its own.

1. Deterministic: the same seed applied to two users' empty stores (through
   roost) gives the same record and the same mail (mailboxes, UIDs, flags,
   keywords, message text); a different seed gives a different record.
2. It does what it records: every operation kind of the default mix shows
   up in a long run, and the store's message count per mailbox matches
   what the record's saves, expunges, renames and deletes leave.
3. Dovecot as the writer: the same seed through doveadm on a third user
   gives the same record and the same mail as through roost.
4. Two runs in a row continue from the store's state (a second run is not
   a replay of the first) and the record keeps growing.
"""
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("ROOST_SOURCE_DIR",
                                           Path(__file__).resolve().parents[2])) / "tests" / "harness"))

from roostharness import roost  # noqa: E402
from roostharness.checks import Checks  # noqa: E402
from roostharness.dovecot import DovecotSandbox  # noqa: E402
from roostharness.workload import DEFAULT_WEIGHTS, Workload, doveadm_writer, roost_writer  # noqa: E402

CHECKS = Checks()
check = CHECKS.check


def snapshot(dv, user):
    """Mailboxes with uid, flags and a hash of the text of each message, as
    doveadm sees them (GUIDs and UIDVALIDITY are per store, left out)."""
    rows = []
    # The text is fetched one message at a time: it may hold TABs/newlines.
    listing = dv.doveadm("-f", "tab", "fetch", "-u", user, "mailbox uid flags", "all",
                         check=True).stdout.splitlines()[1:]
    for line in listing:
        box, uid, flags = line.split("\t")
        text = dv.doveadm("fetch", "-u", user, "text", "mailbox", box, "uid", uid,
                          check=True, binary=True).stdout
        # Line endings don't count: doveadm save stores LF (mail_save_crlf =
        # no), roost save keeps the CRLF it was given.
        text = text.replace(b"\r\n", b"\n")
        rows.append((box, int(uid), " ".join(sorted(f for f in flags.split() if f != "\\Recent")),
                     hashlib.sha1(text).hexdigest()))
    boxes = dv.doveadm("-f", "tab", "mailbox", "list", "-u", user, check=True).stdout.splitlines()[1:]
    subs = dv.doveadm("-f", "tab", "mailbox", "list", "-u", user, "-s", check=True).stdout.splitlines()[1:]
    return {"rows": sorted(rows), "mailboxes": sorted(boxes), "subscriptions": sorted(subs)}


def expected_counts(record):
    """Messages per mailbox the record says should be there."""
    counts = {"INBOX": 0}
    for r in record:
        op, box = r["op"], r.get("mailbox")
        if op.startswith("save"):
            counts[box] = counts.get(box, 0) + 1
        elif op == "expunge":
            counts[box] -= len(r["uids"])
        elif op == "create":
            counts.setdefault(box, 0)
        elif op == "rename":
            counts[r["to"]] = counts.pop(box, 0)
        elif op == "delete":
            counts.pop(box, None)
    return counts


def main():
    users = ["w1", "w2", "w3", "w4"]
    with DovecotSandbox(users=users) as dv:
        dv.start()
        cfg = dv.config_path

        a = Workload(seed=11, user="w1", writer=roost_writer(cfg))
        b = Workload(seed=11, user="w2", writer=roost_writer(cfg))
        ra, rb = a.run(60), b.run(60)
        dv.chown_homes()
        check(len(ra) == 60, f"60 operations applied ({len(ra)})")
        check(json.dumps(ra) == json.dumps(rb), "same seed, same record")
        sa, sb = snapshot(dv, "w1"), snapshot(dv, "w2")
        check(sa == sb, f"same seed, same mail:\n{json.dumps(sa)[:1500]}\n{json.dumps(sb)[:1500]}")

        other = Workload(seed=12, user="w4", writer=roost_writer(cfg)).run(60)
        check(json.dumps(other) != json.dumps(ra), "another seed, another record")

        # The store matches the record.
        status = roost.run(["-f", "tab", "mailbox", "status", "-u", "w1", "messages", "*"],
                           config=cfg).stdout.splitlines()[1:]
        have = {line.split("\t")[0]: int(line.split("\t")[1]) for line in status}
        want = expected_counts(ra)
        check(have == want, f"messages per mailbox: store {have}, record {want}")

        # A longer run covers every kind of the mix.
        more = a.run(240)
        kinds = {r["op"] for r in a.record}
        missing = {k for k in DEFAULT_WEIGHTS} - kinds
        check(not missing, f"every operation kind appears in 300 steps; missing {missing}")
        check(len(a.record) == 300 and a.record[-1]["step"] == 299, "record keeps growing")
        check(json.dumps(more[:5]) != json.dumps(ra[:5]), "a second run continues, not replays")
        status = roost.run(["-f", "tab", "mailbox", "status", "-u", "w1", "messages", "*"],
                           config=cfg).stdout.splitlines()[1:]
        have = {line.split("\t")[0]: int(line.split("\t")[1]) for line in status}
        check(have == expected_counts(a.record), f"after 300 steps: store {have}, "
                                                 f"record {expected_counts(a.record)}")
        dups = [r for r in a.record if r["op"] == "save_same_content"]
        check(all(any(s["sha1"] == d["sha1"] for s in a.record[:d["step"]] if s["op"].startswith("save"))
                  for d in dups), "same-content saves repeat earlier bytes")

        with tempfile.TemporaryDirectory() as tmp:
            a.save_record(Path(tmp) / "ops.json")
            saved = json.loads((Path(tmp) / "ops.json").read_text())
            check(saved["seed"] == 11 and len(saved["operations"]) == 300, "record saved as JSON")

        # Dovecot as the writer: the same seed gives the same mail.
        c = Workload(seed=11, user="w3", writer=doveadm_writer(dv))
        rc = c.run(60)
        check(json.dumps(rc) == json.dumps(ra), "doveadm writer: same record")
        sc = snapshot(dv, "w3")
        check(sc == sa, f"doveadm writer: same mail as the roost writer:\n{json.dumps(sc)[:1500]}\n"
                        f"{json.dumps(sa)[:1500]}")

    CHECKS.finish()


if __name__ == "__main__":
    main()
