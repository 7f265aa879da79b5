"""roost sync / backup through the CLI over every ordered pair of maildir,
mbox, sdbox and mdbox, with a seeded random workload on both sides between
runs (new mail, flag storms, expunges, mailbox creates/renames/deletes, the same UID given to
different mails on each side). After each run both sides must hold the same
mail (compared independently through `roost fetch` on each side's own
configuration), nothing lost, nothing doubled, and a run must exit 0."""
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("ROOST_SOURCE_DIR",
                                           Path(__file__).resolve().parents[2])) / "tests" / "harness"))

from roostharness import roost  # noqa: E402
from roostharness.checks import Checks  # noqa: E402
from roostharness.dovecot import DovecotSandbox, DEFAULT_LOCATIONS  # noqa: E402

FORMATS = ["maildir", "mbox", "sdbox", "mdbox"]
# Rounds per ordered pair (16 pairs); ROOST_DSYNC_MATRIX_ROUNDS runs more
# locally. The default keeps the whole matrix within its share of CI time.
ROUNDS = int(os.environ.get("ROOST_DSYNC_MATRIX_ROUNDS", "6"))


def message(tag):
    return (f"From: w@example.com\nSubject: {tag}\nMessage-ID: <{tag}@example.com>\n"
            f"Date: Mon, 1 Jan 2024 00:00:00 +0000\n\nbody of {tag}\n").encode()


def contents(cfg):
    """mailbox -> sorted [(subject, flags)] as roost fetch reports them."""
    p = roost.run(["-f", "tab", "fetch", "-u", "u1", "mailbox flags hdr.subject", "all"],
                  config=cfg)
    out = {}
    for line in p.stdout.splitlines()[1:]:
        if not line:
            continue
        box, flags, subj = line.split("\t")
        flags = " ".join(sorted(f for f in flags.split() if f != "\\Recent"))
        out.setdefault(box, []).append((subj, flags))
    return {k: sorted(v) for k, v in out.items()}


def mailboxes(cfg):
    p = roost.run(["mailbox", "list", "-u", "u1"], config=cfg)
    return [l for l in p.stdout.splitlines() if l]


class Side:
    def __init__(self, cfg, rng, name):
        self.cfg, self.rng, self.name, self.n = cfg, rng, name, 0

    def save(self, box):
        self.n += 1
        roost.run(["save", "-u", "u1", "-m", box], config=self.cfg,
                  input=message(f"{self.name}-{self.n}"))

    def random_ops(self, count):
        rng = self.rng
        for _ in range(count):
            boxes = mailboxes(self.cfg)
            op = rng.choice(["save", "save", "flags", "flags", "expunge", "create", "rename",
                             "delete"])
            box = rng.choice(boxes)
            if op == "save":
                self.save(box)
            elif op == "flags":
                flags = rng.choice(["\\Seen", "\\Flagged", "$Work", "\\Answered \\Seen"])
                roost.run(["flags", rng.choice(["add", "remove"]), "-u", "u1", flags,
                           "mailbox", box, "all" if rng.random() < 0.3 else "1:2"],
                          config=self.cfg, expect=None)
            elif op == "expunge":
                roost.run(["expunge", "-u", "u1", "mailbox", box, "1"], config=self.cfg,
                          expect=None)
            elif op == "create":
                self.n += 1
                new = f"{self.name}Box{self.n}"
                roost.run(["mailbox", "create", "-u", "u1", new], config=self.cfg)
                self.save(new)
            elif op == "rename" and box != "INBOX":
                self.n += 1
                roost.run(["mailbox", "rename", "-u", "u1", box, f"{box}R{self.n}"],
                          config=self.cfg, expect=None)
            elif op == "delete" and box != "INBOX":
                roost.run(["mailbox", "delete", "-u", "u1", box], config=self.cfg, expect=None)


def run_pair(ck, fa, fb, seed):
    rng = random.Random(seed)
    with DovecotSandbox(users=["u1"], mail_format=fa) as a:
        replica_loc = DEFAULT_LOCATIONS[fb].replace("~/", str(a.user_home("u1")) + "/replica-")
        if fb == "mbox":
            replica_loc = (f"mbox:{a.user_home('u1')}/replica-mail:"
                           f"INBOX={a.user_home('u1')}/replica-mail/inbox")
        with DovecotSandbox(users=["u1"], mail_location=replica_loc) as b:
            a.chown_homes()
            sa, sb = Side(a.config_path, rng, "A"), Side(b.config_path, rng, "B")
            for i in range(3):
                sa.save("INBOX")
            tag = f"{fa}->{fb} seed {seed}"
            for rnd in range(ROUNDS):
                sa.random_ops(rng.randint(2, 6))
                if rnd > 0:
                    sb.random_ops(rng.randint(1, 4))
                if rnd == 2:
                    # The same UID for different mails on both sides.
                    sa.save("INBOX")
                    sb.save("INBOX")
                # The workload may expunge everything: only then may a sync end empty.
                had_mail = any(contents(a.config_path).values()) or any(
                    contents(b.config_path).values())
                p = roost.run(["sync", "-u", "u1", replica_loc], config=a.config_path,
                              expect=None)
                ck.check(p.returncode == 0, f"{tag} round {rnd}: sync exit {p.returncode}: "
                                            f"{p.stderr.strip()}")
                ca, cb = contents(a.config_path), contents(b.config_path)
                ck.check(not had_mail or sum(len(v) for v in ca.values()) > 0,
                         f"{tag} round {rnd}: no mail left")
                if os.environ.get("ROOST_TEST_VERBOSE"):
                    print(tag, rnd, ca)
                ck.check(ca == cb, f"{tag} round {rnd}: sides differ after sync:\n"
                                   f"  source  {ca}\n  replica {cb}")
                for box, rows in ca.items():
                    subjects = [s for s, _ in rows]
                    ck.check(len(subjects) == len(set(subjects)),
                             f"{tag} round {rnd}: duplicates in {box}: {subjects}")
            # Backup: the replica becomes the source again after its own changes.
            sb.random_ops(4)
            p = roost.run(["backup", "-u", "u1", replica_loc], config=a.config_path, expect=None)
            ck.check(p.returncode == 0, f"{tag}: backup exit {p.returncode}: {p.stderr.strip()}")
            ca, cb = contents(a.config_path), contents(b.config_path)
            ck.check(ca == cb, f"{tag}: replica differs from the source after backup:\n"
                               f"  source  {ca}\n  replica {cb}")
            # A dry run changes nothing and prints JSON.
            sb.save("INBOX")
            before = contents(b.config_path)
            p = roost.run(["backup", "-u", "u1", "--dry-run", replica_loc], config=a.config_path)
            ck.check(contents(b.config_path) == before, f"{tag}: --dry-run changed the replica")
            ck.check('"expunge"' in p.stdout, f"{tag}: --dry-run plan lacks the expunge: {p.stdout}")


def main():
    ck = Checks()
    seed = int(os.environ.get("ROOST_DSYNC_MATRIX_SEED", "20261123"))
    for fa in FORMATS:
        for fb in FORMATS:
            run_pair(ck, fa, fb, seed)
            seed += 1
    ck.finish()


if __name__ == "__main__":
    main()
