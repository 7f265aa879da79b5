"""`roost verify` against stores written by the real Dovecot 2.3.

1. A corpus store and its copy made by `doveadm backup`: verify exits 0,
   in the user form and in the two-location form, text and JSON.
2. Each kind of tampering on a fresh copy of the backup (missing message,
   extra message, flag, keyword, a body byte changed on disk, mailbox
   missing, UID renumbered, GUID changed, received date, subscription):
   exit 2 and a JSON
   report naming exactly that difference.
3. Across formats: copies made by `doveadm backup` (mbox) and `doveadm
   sync` (Maildir with LAYOUT=fs) of a Maildir store verify clean.
4. `--no-bodies` opens no mail file: with every mail file of the copy at
   mode 000 (roost works as the mail user, so it can't read them) it still
   succeeds, while a body pass fails with 77.
5. Errors: unknown user 67, missing location 68, usage 64.
"""
import json
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("ROOST_SOURCE_DIR",
                                           Path(__file__).resolve().parents[2])) / "tests" / "harness"))

from roostharness import corpus, roost, verify  # noqa: E402
from roostharness.checks import Checks, fixture_message  # noqa: E402
from roostharness.dovecot import DovecotSandbox  # noqa: E402

CHECKS = Checks()
check = CHECKS.check
USER = "user1"


def report_of(p):
    try:
        return json.loads(p.stdout)
    except ValueError:
        return {"unparsable": p.stdout, "stderr": p.stderr}


def kinds(rep):
    return sorted(d["kind"] for d in rep.get("differences", []))


def maildir_file(root: Path, mailbox_dir: str, guid: str) -> Path:
    """The file of the message whose GUID is `guid` (Dovecot names files of
    a dsync copy after the GUID)."""
    for sub in ("cur", "new"):
        for f in (root / mailbox_dir / sub).iterdir():
            if f.name.split(":")[0] == guid:
                return f
    raise AssertionError(f"no file for guid {guid} in {root / mailbox_dir}")


def main():
    with DovecotSandbox(users=[USER], mail_format="maildir") as dv:
        c = corpus.generate(seed=3, messages=150, large=2)  # two 1-3 MB messages among them
        corpus.write_maildir(c, dv.root / "home", user_dir="{user}/Maildir")
        dv.start()
        cfg = dv.config_path
        home = dv.user_home(USER)
        live = home / "Maildir"

        def R(*args, expect=None, input=None):
            return roost.run(list(args), config=cfg, expect=expect, input=input)

        def D(*args, input=None):
            return dv.doveadm(*args, input=input, check=True)

        dv.backup_to(USER, "maildir:~/backup/Maildir")
        backup = home / "backup" / "Maildir"

        # ---- 1. identical --------------------------------------------------
        p = R("verify", "-u", USER, "maildir:~/backup/Maildir")
        check(p.returncode == 0, f"verify of a doveadm backup exits 0: {p.returncode}\n{p.stdout}{p.stderr}")
        check(p.stdout.strip().endswith("with bodies") and "identical" in p.stdout,
              f"summary says identical: {p.stdout}")
        p = R("-f", "json", "verify", "-u", USER, "maildir:%h/backup/Maildir")
        rep = report_of(p)
        check(p.returncode == 0 and rep.get("identical") is True, f"json identical: {p.stdout[:2000]}")
        t = rep.get("totals", {})
        check(t.get("messages_compared") == 150 and t.get("bodies_compared") == 150,
              f"every message compared with its body: {t}")
        check(t.get("messages_a") == t.get("messages_b") == 150, f"counts: {t}")
        check(rep.get("compared", {}).get("message_guids") is True, f"guids compared: {rep.get('compared')}")
        check(rep.get("user") == USER and rep.get("b", "").startswith("maildir:" + str(home)),
              f"report names user and the expanded location: {rep.get('user')} {rep.get('b')}")
        check(any(m["name"] == "INBOX" and m["messages_a"] > 0 for m in rep.get("mailboxes", [])),
              f"per-mailbox counts: {rep.get('mailboxes', [])[:3]}")
        try:
            verify.assert_identical(f"maildir:{live}", f"maildir:{backup}")
            verify.assert_identical("maildir:~/backup/Maildir", user=USER, config=cfg)
        except AssertionError as e:
            check(False, f"harness verify helper: {e}")
        p = R("verify", f"maildir:{live}", f"maildir:{backup}")
        check(p.returncode == 0, f"two-location form exits 0: {p.returncode}\n{p.stdout}{p.stderr}")
        p = R("-f", "json", "verify", "-A", "maildir:~/backup/Maildir")
        rep = report_of(p)
        check(p.returncode == 0 and isinstance(rep, list) and len(rep) == 1
              and rep[0].get("user") == USER and rep[0].get("identical") is True,
              f"-A: an array of per-user reports: {str(rep)[:300]}")
        p = R("-v", "verify", "-u", USER, "maildir:~/backup/Maildir")
        check(p.returncode == 0 and "messages/s" in p.stdout, f"-v reports speed: {p.stdout[-400:]}")

        # ---- 2. tampering, one kind at a time ------------------------------
        inbox_rows = D("-f", "tab", "fetch", "-u", USER, "uid guid flags", "mailbox", "INBOX", "all").stdout
        rows = [line.split("\t") for line in inbox_rows.splitlines()[1:]]
        uid_a, guid_a = int(rows[2][0]), rows[2][1]
        uid_last = int(rows[-1][0])

        def fresh_copy(name):
            dst = home / "tamper" / name
            shutil.rmtree(dst, ignore_errors=True)
            shutil.copytree(backup, dst, symlinks=True)
            dv.chown_homes()
            return dst, f"maildir:{dst}"

        def on_copy(loc, *args, input=None):
            return dv.doveadm("-o", f"mail_location={loc}", *args, input=input, check=True)

        def expect_only(name, loc, want_kind, **fields):
            p = R("-f", "json", "verify", "-u", USER, loc)
            rep = report_of(p)
            ok = check(p.returncode == 2, f"{name}: exit 2 expected, got {p.returncode}: {p.stderr}")
            diffs = rep.get("differences", [])
            ok &= check(len(diffs) == 1 and diffs[0]["kind"] == want_kind,
                        f"{name}: exactly one '{want_kind}' difference, got {diffs}")
            if diffs:
                for k, v in fields.items():
                    ok &= check(diffs[0].get(k) == v, f"{name}: {k} should be {v!r}: {diffs[0]}")
            check(rep.get("totals", {}).get("differences") == len(diffs), f"{name}: totals: {rep.get('totals')}")
            return rep

        _, loc = fresh_copy("missing")
        on_copy(loc, "expunge", "-u", USER, "mailbox", "INBOX", "uid", str(uid_a))
        expect_only("missing message", loc, "message-only-a", mailbox="INBOX", uid=uid_a, guid=guid_a)

        _, loc = fresh_copy("extra")
        on_copy(loc, "save", "-u", USER, "-m", "INBOX", input=fixture_message(77).encode())
        expect_only("extra message", loc, "message-only-b", mailbox="INBOX", uid=uid_last + 1)

        _, loc = fresh_copy("flags")
        old_flags = rows[2][2]
        new_flag = "\\Answered" if "\\Answered" not in old_flags else "\\Draft"
        on_copy(loc, "flags", "add", "-u", USER, new_flag, "mailbox", "INBOX", "uid", str(uid_a))
        rep = expect_only("flag changed", loc, "flags", mailbox="INBOX", uid=uid_a, guid=guid_a)
        if rep.get("differences"):
            check(new_flag in rep["differences"][0]["b"] and new_flag not in rep["differences"][0]["a"],
                  f"flags a/b: {rep['differences'][0]}")
        p = R("verify", "-u", USER, "--ignore-flags", loc)
        check(p.returncode == 0, f"--ignore-flags hides a flag change: {p.returncode} {p.stdout}")

        _, loc = fresh_copy("keyword")
        on_copy(loc, "flags", "add", "-u", USER, "Tampered", "mailbox", "INBOX", "uid", str(uid_a))
        rep = expect_only("keyword changed", loc, "keywords", mailbox="INBOX", uid=uid_a)
        if rep.get("differences"):
            check("Tampered" in rep["differences"][0]["b"], f"keyword named: {rep['differences'][0]}")

        dst, loc = fresh_copy("body")
        f = maildir_file(dst, ".", guid_a)
        data = bytearray(f.read_bytes())
        at = data.index(b"\n\n") + 3
        data[at] = ord("X") if data[at] != ord("X") else ord("Y")
        f.write_bytes(bytes(data))
        rep = expect_only("body byte changed", loc, "body", mailbox="INBOX", uid=uid_a)
        if rep.get("differences"):
            d = rep["differences"][0]
            check(d["a"].startswith("xxh3:") and d["b"].startswith("xxh3:") and d["a"] != d["b"],
                  f"body hashes shown: {d}")
        p = R("verify", "-u", USER, "--no-bodies", loc)
        check(p.returncode == 0, f"--no-bodies can't see a same-size body change (documented): {p.returncode}")

        dst, loc = fresh_copy("date")
        f = maildir_file(dst, ".", guid_a)
        os.utime(f, (978307200, 978307200))  # Maildir keeps INTERNALDATE as the mtime
        for idx in dst.glob("roost.index*"):
            idx.unlink()  # Roost's index would otherwise answer from what it saw before
        rep = expect_only("received date changed", loc, "received-date", mailbox="INBOX", uid=uid_a,
                          b="978307200")
        p = R("verify", "-u", USER, "--ignore-dates", loc)
        check(p.returncode == 0, f"--ignore-dates: {p.returncode} {p.stdout[-300:]}")

        _, loc = fresh_copy("mailbox")
        on_copy(loc, "mailbox", "delete", "-u", USER, "Lists/dovecot")
        expect_only("mailbox missing", loc, "mailbox-only-a", mailbox="Lists/dovecot")
        p = R("-f", "json", "verify", "-u", USER, "-m", "INBOX", "-m", "Sent", loc)
        check(p.returncode == 0 and report_of(p).get("totals", {}).get("mailboxes") == 2,
              f"-m limits the comparison: {p.returncode} {p.stdout[:300]}")

        _, loc = fresh_copy("renumbered")
        on_copy(loc, "copy", "-u", USER, "INBOX", "mailbox", "INBOX", "uid", str(uid_a))
        on_copy(loc, "expunge", "-u", USER, "mailbox", "INBOX", "uid", str(uid_a))
        expect_only("uid renumbered", loc, "uid", mailbox="INBOX", uid=uid_a, uid_b=uid_last + 1,
                    guid=guid_a)

        dst, loc = fresh_copy("guid")
        ul = dst / "dovecot-uidlist"
        lines = ul.read_text().splitlines(keepends=True)
        for i, line in enumerate(lines[1:], start=1):  # lines[0] is the header
            if line.split(" ", 1)[0] == str(uid_a):
                lines[i] = f"{uid_a} Gfeedfacefeedfacefeedfacefeedface :{line.split(':', 1)[1]}"
        ul.write_text("".join(lines))
        expect_only("guid changed", loc, "guid", mailbox="INBOX", uid=uid_a, a=guid_a,
                    b="feedfacefeedfacefeedfacefeedface")

        _, loc = fresh_copy("subscription")
        on_copy(loc, "mailbox", "unsubscribe", "-u", USER, "Sent")
        expect_only("subscription", loc, "subscription-only-a", mailbox="Sent")
        try:
            verify.assert_identical(loc, user=USER, config=cfg)
            check(False, "harness helper: assert_identical must fail on a difference")
        except AssertionError as e:
            check("subscription-only-a" in str(e), f"harness helper names the difference: {e}")

        # Several differences: counted all, listed up to --max-differences.
        _, loc = fresh_copy("many")
        on_copy(loc, "flags", "add", "-u", USER, "Tampered", "mailbox", "INBOX", "all")
        p = R("-f", "json", "verify", "-u", USER, "--max-differences", "3", loc)
        rep = report_of(p)
        n_inbox = len(rows)
        check(p.returncode == 2 and rep.get("totals", {}).get("differences") == n_inbox
              and len(rep.get("differences", [])) == 3,
              f"bounded list, full count ({n_inbox}): {rep.get('totals')}")
        p = R("verify", "-u", USER, loc)
        check(p.returncode == 2 and "DIFFERENT" in p.stdout and "keywords differ" in p.stdout,
              f"text report: {p.stdout[-500:]}")

        # ---- 4. --no-bodies opens no mail file ------------------------------
        dst, loc = fresh_copy("nobodies")
        R("verify", "-u", USER, loc, expect=0)  # the index is now up to date
        modes = 0
        for sub in dst.rglob("*"):
            if sub.is_file() and sub.parent.name in ("cur", "new"):
                os.chmod(sub, 0o000)
                modes += 1
        check(modes == 150, f"chmod 000 on every mail file ({modes})")
        p = R("verify", "-u", USER, "--no-bodies", loc)
        check(p.returncode == 0, f"--no-bodies with unreadable mail files: {p.returncode}\n{p.stdout}{p.stderr}")
        p = R("verify", "-u", USER, loc)
        check(p.returncode == 77, f"a body pass can't read them: 77 expected, got {p.returncode}: {p.stderr}")

        # A userdb only root may read (roost reads it before acting as the user).
        os.chmod(dv.passwd_path, 0o600)
        try:
            p = R("verify", "-u", USER, "--no-bodies", "maildir:~/backup/Maildir")
            check(p.returncode == 0, f"root-only passwd-file: {p.returncode} {p.stderr}")
        finally:
            os.chmod(dv.passwd_path, 0o644)

        # ---- 5. errors -------------------------------------------------------
        check(R("verify", "-u", "nosuchuser", "maildir:~/backup/Maildir").returncode == 67, "unknown user: 67")
        check(R("verify", "-u", USER, "maildir:~/no/such/dir").returncode == 68, "missing location: 68")
        check(R("verify", f"maildir:{live}", f"maildir:{home}/nope").returncode == 68,
              "missing second location: 68")
        check(R("verify", "-u", USER).returncode == 64, "no location: 64")
        check(R("verify", f"maildir:{live}").returncode == 64, "one location without user: 64")
        check(R("verify", "maildir:/x/%u", f"maildir:{live}").returncode == 64, "%u without user: 64")
        check(R("verify", f"{live}", f"maildir:{live}").returncode == 64, "no format: 64")
        check(R("verify", "--frobnicate", f"maildir:{live}", f"maildir:{backup}").returncode == 64,
              "unknown long option: 64")
        check(R("-f", "tab", "verify", f"maildir:{live}", f"maildir:{backup}").returncode == 64,
              "-f tab: 64")

    # ---- 3. across formats (a store mbox can hold: no mail in parents) -----
    with DovecotSandbox(users=[USER], mail_format="maildir") as dv:
        dv.start()
        cfg = dv.config_path
        for n in range(1, 9):
            dv.save(USER, "INBOX", fixture_message(n).encode())
        dv.doveadm("mailbox", "create", "-u", USER, "Sent", "Lists/dev", "Lists/ops", check=True)
        for n in range(9, 12):
            dv.save(USER, "Lists/dev", fixture_message(n).encode())
        crlf = fixture_message(12).replace("\n", "\r\n").encode()
        dv.save(USER, "Sent", crlf)
        dv.doveadm("flags", "add", "-u", USER, "\\Seen $Label1", "mailbox", "INBOX", "uid", "1:3", check=True)
        dv.doveadm("flags", "add", "-u", USER, "\\Answered \\Flagged", "mailbox", "Lists/dev", "uid", "2", check=True)
        dv.doveadm("expunge", "-u", USER, "mailbox", "INBOX", "uid", "4", check=True)
        dv.doveadm("mailbox", "subscribe", "-u", USER, "INBOX", "Lists/dev", check=True)
        home = dv.user_home(USER)
        mbox_loc = f"mbox:{home}/mbox:INBOX={home}/mbox/inbox"
        fs_loc = f"maildir:{home}/fs:LAYOUT=fs"
        dv.doveadm("backup", "-u", USER, mbox_loc, check=True)
        dv.doveadm("sync", "-u", USER, fs_loc, check=True)
        dv.chown_homes()

        p = roost.run(["-f", "json", "verify", "-u", USER, fs_loc], config=cfg, expect=None)
        rep = report_of(p)
        check(p.returncode == 0, f"maildir vs maildir LAYOUT=fs (doveadm sync): {p.returncode} "
                                 f"{kinds(rep)} {rep.get('differences', [])[:5]} {p.stderr}")
        # Mailbox GUIDs too: Roost's mbox driver takes the one Dovecot keeps
        # in its mbox index.
        p = roost.run(["-f", "json", "verify", "-u", USER, mbox_loc],
                      config=cfg, expect=None)
        rep = report_of(p)
        check(p.returncode == 0, f"maildir vs mbox (doveadm backup): {p.returncode} "
                                 f"{rep.get('differences', [])[:5]} {p.stderr}")
        check(rep.get("compared", {}).get("message_guids") is False,
              f"mbox GUIDs are header hashes, not compared: {rep.get('compared')}")
        check(rep.get("totals", {}).get("bodies_compared") == 11, f"bodies compared: {rep.get('totals')}")
        p = roost.run(["-f", "json", "verify", fs_loc, mbox_loc],
                      config=cfg, expect=None)
        check(p.returncode == 0, f"mbox vs fs-layout Maildir, two-location form: {p.returncode} "
                                 f"{report_of(p).get('differences', [])[:5]} {p.stderr}")
        # A change made through Dovecot on the mbox copy is seen.
        dv.doveadm("-o", f"mail_location={mbox_loc}", "flags", "remove", "-u", USER, "$Label1",
                   "mailbox", "INBOX", "uid", "2", check=True)
        p = roost.run(["-f", "json", "verify", "-u", USER, mbox_loc], config=cfg, expect=None)
        rep = report_of(p)
        check(p.returncode == 2 and kinds(rep) == ["keywords"], f"mbox keyword change seen: {kinds(rep)}")

    CHECKS.finish()


if __name__ == "__main__":
    main()
