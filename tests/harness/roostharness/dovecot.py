"""DovecotSandbox: a private, real Dovecot 2.3 instance in a temp dir.

Roost must behave exactly like Dovecot's ``doveadm`` on the same stores, so
tests run both against one configuration file that lives in a temp dir and
never touches the system's /etc/dovecot.

Facts found while building this (Dovecot 2.3.19, Debian 12), see README.md:

* ``doveadm -c cfg <mail command> -u user`` does NOT work without a running
  dovecot: the userdb lookup goes through the ``auth-userdb`` socket of the
  auth process. So mail commands need :meth:`DovecotSandbox.start` first.
  Non-mail commands (``doveadm pw``, ``doveconf``) work without it.
* Dovecot refuses mail access as uid 0 ("Mail access not allowed for
  root") even with ``first_valid_uid = 0``; login processes refuse to run
  as root too. So mail is accessed as the unprivileged ``mail`` user
  (uid/gid 8 on Debian, configurable), login processes run as ``dovenull``
  and internal ones as ``dovecot``. Homes are chowned to the mail user; call
  :meth:`DovecotSandbox.chown_homes` after writing files as root (e.g. a
  generated corpus) and before Dovecot modifies them.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterable, Mapping

from . import util

DOVECOT = "dovecot"
DOVEADM = "doveadm"

#: Default mail_location per mailbox format (``~`` = the user's home).
DEFAULT_LOCATIONS = {
    "maildir": "maildir:~/Maildir",
    "mbox": "mbox:~/mail:INBOX=~/mail/inbox",
    "sdbox": "sdbox:~/sdbox",
    "mdbox": "mdbox:~/mdbox",
}


#: special_use=True: the special-use folders roostharness.corpus generates.
DEFAULT_SPECIAL_USE = {"Sent": "\\Sent", "Drafts": "\\Drafts", "Trash": "\\Trash",
                       "Junk": "\\Junk", "Archive": "\\Archive"}


class DovecotError(RuntimeError):
    """Dovecot could not be started/used; the message carries the log tail."""


class DovecotSandbox:
    """A private Dovecot with its own config, users, homes and ports.

    Use as a context manager; :meth:`stop` always runs on exit, also when the
    test body raised::

        with DovecotSandbox(users=["u1"], imap=True) as dv:
            dv.start()
            dv.doveadm("save", "-u", "u1", "-m", "INBOX", input=b"Subject: x\\n\\nhi\\n", check=True)

    Parameters:
        users: user names (passwords generated) or a mapping name -> password.
        mail_format: ``maildir``/``mbox``/``sdbox``/``mdbox`` (default location).
        mail_location: explicit ``mail_location`` (overrides *mail_format*);
            may use ``~``, ``%u``, ``%n``; options like ``:LAYOUT=fs`` are kept.
        separator: hierarchy separator of the inbox namespace.
        imap, pop3: add a loopback listener on a free port for that protocol.
        doveadm_tcp: add ``service doveadm { inet_listener }`` + doveadm_password.
        doveadm_http: add the doveadm HTTP API listener + doveadm_api_key.
        mail_user: system user that owns the mail (Dovecot won't use root).
        special_use: ``True`` for the corpus' folders (Sent, Drafts, Trash,
            Junk, Archive) or a mapping mailbox -> flag; written as
            ``mailbox X { special_use = \\Flag }`` in the inbox namespace.
        mail_plugins: plugins to load for mail processes, e.g. ``["zlib"]``
            (written as ``mail_plugins = $mail_plugins zlib``).
        plugin_settings: ``plugin { key = value }`` settings, e.g.
            ``{"zlib_save": "gz", "zlib_save_level": "6"}``.
        extra_conf: text appended verbatim to dovecot.conf (for tests that
            need other settings, or a deliberately broken config).
        root: use this directory instead of a fresh temp dir (not deleted).
        keep: don't delete the temp dir on exit (debugging).
    """

    def __init__(
        self,
        users: Iterable[str] | Mapping[str, str] = ("u1",),
        *,
        mail_format: str = "maildir",
        mail_location: str | None = None,
        separator: str = "/",
        imap: bool = False,
        pop3: bool = False,
        doveadm_tcp: bool = False,
        doveadm_http: bool = False,
        mail_user: str = "mail",
        special_use: bool | Mapping[str, str] = False,
        mail_plugins: Iterable[str] = (),
        plugin_settings: Mapping[str, str] | None = None,
        extra_conf: str = "",
        root: str | os.PathLike | None = None,
        keep: bool = False,
        start_timeout: float = 15.0,
    ) -> None:
        if isinstance(users, Mapping):
            self.users = dict(users)
        else:
            self.users = {u: "pw-" + secrets.token_hex(6) for u in users}
        if not self.users:
            raise ValueError("DovecotSandbox needs at least one user")
        if mail_location is None:
            if mail_format not in DEFAULT_LOCATIONS:
                raise ValueError(f"unknown mail_format {mail_format!r}")
            mail_location = DEFAULT_LOCATIONS[mail_format]
        self.mail_location = mail_location
        self.separator = separator
        self.want = {"imap": imap, "pop3": pop3, "doveadm": doveadm_tcp, "http": doveadm_http}
        self.mail_user = mail_user
        pw = pwd.getpwnam(mail_user)
        self.mail_uid, self.mail_gid = pw.pw_uid, pw.pw_gid
        if special_use is True:
            special_use = DEFAULT_SPECIAL_USE
        self.special_use = dict(special_use or {})
        self.mail_plugins = list(mail_plugins)
        self.plugin_settings = dict(plugin_settings or {})
        self.extra_conf = extra_conf
        self.keep = keep or bool(root)
        self._given_root = Path(root) if root else None
        self.start_timeout = start_timeout
        self.ports: dict[str, int] = {}
        self.doveadm_password = "dapw-" + secrets.token_hex(8)
        self.doveadm_api_key = "dakey-" + secrets.token_hex(8)
        self.root: Path | None = None
        self._master_pid: int | None = None
        self._children: set[int] = set()

    # ------------------------------------------------------------------ setup
    def __enter__(self) -> "DovecotSandbox":
        self.setup()
        return self

    def __exit__(self, *exc) -> None:
        self.cleanup()

    def setup(self) -> None:
        """Create the directory tree, passwd file and dovecot.conf."""
        util.exit_on_sigterm()
        if self._given_root:
            self.root = self._given_root
            self.root.mkdir(parents=True, exist_ok=True)
        else:
            self.root = Path(tempfile.mkdtemp(prefix="roost-dovecot-"))
        os.chmod(self.root, 0o755)  # dovecot/mail users must traverse it
        for d in ("run", "state", "home"):
            (self.root / d).mkdir(exist_ok=True)
        for u in self.users:
            h = self.user_home(u)
            h.mkdir(parents=True, exist_ok=True)
        self.chown_homes()
        for name, wanted in self.want.items():
            if wanted:
                self.ports[name] = util.free_port()
        self._write_passwd()
        self.config_path.write_text(self.render_config())

    def cleanup(self) -> None:
        """Stop the daemon (always) and remove the temp dir unless *keep*."""
        try:
            self.stop()
        finally:
            if self.root and not self.keep:
                shutil.rmtree(self.root, ignore_errors=True)

    @property
    def config_path(self) -> Path:
        """Path of this sandbox's dovecot.conf (pass to ``-c``)."""
        assert self.root is not None, "sandbox not set up (use 'with')"
        return self.root / "dovecot.conf"

    @property
    def log_path(self) -> Path:
        assert self.root is not None
        return self.root / "dovecot.log"

    @property
    def passwd_path(self) -> Path:
        assert self.root is not None
        return self.root / "passwd"

    def user_home(self, user: str) -> Path:
        """Home directory of *user* inside the sandbox."""
        assert self.root is not None
        return self.root / "home" / user

    def mail_location_for(self, user: str) -> str:
        """*mail_location* with ``~``, ``%u``, ``%n``, ``%h`` expanded for *user*."""
        home = str(self.user_home(user))
        loc = self.mail_location.replace("%u", user).replace("%n", user.split("@")[0])
        loc = loc.replace("%h", home)
        # "~/" may appear after the "format:" prefix and after ":KEY=".
        return loc.replace("~/", home + "/").replace("=~", "=" + home)

    def mail_root(self, user: str) -> Path:
        """The root directory of *user*'s mail (the path part of mail_location)."""
        loc = self.mail_location_for(user)
        path = loc.split(":", 1)[1] if ":" in loc else loc
        return Path(path.split(":", 1)[0])

    def chown_homes(self) -> None:
        """Give every file under the homes to the mail user.

        Needed after writing a store as root (corpus generator, roost running
        as root), because Dovecot accesses mail as *mail_user* and must be able
        to create its index/lock files next to the mails.
        """
        assert self.root is not None
        home = self.root / "home"
        os.chown(home, self.mail_uid, self.mail_gid)
        for dirpath, dirnames, filenames in os.walk(home):
            for n in dirnames + filenames:
                try:
                    os.lchown(os.path.join(dirpath, n), self.mail_uid, self.mail_gid)
                except FileNotFoundError:
                    pass

    def _write_passwd(self) -> None:
        lines = []
        for u, p in self.users.items():
            lines.append(f"{u}:{{PLAIN}}{p}:{self.mail_uid}:{self.mail_gid}::{self.user_home(u)}::\n")
        self.passwd_path.write_text("".join(lines))
        os.chmod(self.passwd_path, 0o644)

    def render_config(self) -> str:
        """The complete dovecot.conf text for this sandbox."""
        r = self.root
        protocols = [p for p in ("imap", "pop3") if self.want[p]]
        c = [
            "# generated by roostharness.dovecot.DovecotSandbox",
            f"base_dir = {r}/run",
            f"state_dir = {r}/state",
            f"log_path = {r}/dovecot.log",
            f"instance_name = roost-{r.name}",
            f"protocols = {' '.join(protocols)}",
            "listen = 127.0.0.1",
            "ssl = no",
            "disable_plaintext_auth = no",
            "auth_mechanisms = plain login",
            "first_valid_uid = 0",
            "first_valid_gid = 0",
            f"mail_uid = {self.mail_uid}",
            f"mail_gid = {self.mail_gid}",
            "default_internal_user = dovecot",
            "default_internal_group = dovecot",
            "default_login_user = dovenull",
            f"mail_location = {self.mail_location}",
            "",
            "namespace inbox {",
            "  inbox = yes",
            f"  separator = {self.separator}",
            *[line for box, flag in self.special_use.items()
              for line in (f'  mailbox "{box}" {{', f"    special_use = {flag}", "  }")],
            "}",
            "passdb {",
            "  driver = passwd-file",
            f"  args = scheme=PLAIN username_format=%u {self.passwd_path}",
            "}",
            "userdb {",
            "  driver = passwd-file",
            f"  args = username_format=%u {self.passwd_path}",
            "}",
        ]
        if self.want["imap"]:
            c += ["service imap-login {",
                  "  inet_listener imap {", "    address = 127.0.0.1", f"    port = {self.ports['imap']}", "  }",
                  "  inet_listener imaps {", "    port = 0", "  }", "}"]
        if self.want["pop3"]:
            c += ["service pop3-login {",
                  "  inet_listener pop3 {", "    address = 127.0.0.1", f"    port = {self.ports['pop3']}", "  }",
                  "  inet_listener pop3s {", "    port = 0", "  }", "}"]
        if self.want["doveadm"] or self.want["http"]:
            c.append("service doveadm {")
            if self.want["doveadm"]:
                c += ["  inet_listener {", "    address = 127.0.0.1", f"    port = {self.ports['doveadm']}", "  }"]
            if self.want["http"]:
                c += ["  inet_listener http {", "    address = 127.0.0.1",
                      f"    port = {self.ports['http']}", "    ssl = no", "  }"]
            c.append("}")
            if self.want["doveadm"]:
                c.append(f"doveadm_password = {self.doveadm_password}")
            if self.want["http"]:
                c.append(f"doveadm_api_key = {self.doveadm_api_key}")
        if self.mail_plugins:
            c.append("mail_plugins = $mail_plugins " + " ".join(self.mail_plugins))
        if self.plugin_settings:
            c += ["plugin {", *[f"  {k} = {v}" for k, v in self.plugin_settings.items()], "}"]
        if self.extra_conf:
            c += ["", "# extra_conf", self.extra_conf]
        return "\n".join(c) + "\n"

    # ------------------------------------------------------------- commands
    def doveadm(self, *args: str, input: bytes | str | None = None, check: bool = False,
                timeout: float = 120, binary: bool = False,
                env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess:
        """Run ``doveadm -c <cfg> *args``; returns the CompletedProcess.

        Output is text (UTF-8, undecodable bytes kept as surrogates) unless
        *binary*. With *check*, a non-zero exit raises DovecotError showing
        the command, its stderr and the log tail.
        """
        argv = [DOVEADM, "-c", str(self.config_path), *args]
        if isinstance(input, str):
            input = input.encode()
        p = subprocess.run(argv, input=input, capture_output=True, timeout=timeout,
                           env=None if env is None else {**os.environ, **env})
        if not binary:
            p = subprocess.CompletedProcess(
                p.args, p.returncode,
                p.stdout.decode("utf-8", "surrogateescape"),
                p.stderr.decode("utf-8", "surrogateescape"))
        if check and p.returncode != 0:
            err = p.stderr if isinstance(p.stderr, str) else p.stderr.decode("utf-8", "replace")
            raise DovecotError(
                f"doveadm failed (exit {p.returncode}): {' '.join(argv)}\n"
                f"stderr:\n{err}\n--- dovecot log tail ---\n{util.tail(self.log_path)}")
        return p

    def argv(self, *args: str) -> list[str]:
        """``["doveadm", "-c", cfg, *args]`` (for bench/compare drivers)."""
        return [DOVEADM, "-c", str(self.config_path), *args]

    # -------------------------------------------------------------- daemon
    @property
    def master_pid_path(self) -> Path:
        assert self.root is not None
        return self.root / "run" / "master.pid"

    def _read_master_pid(self) -> int | None:
        try:
            return int(self.master_pid_path.read_text().strip())
        except (OSError, ValueError):
            return None

    def _fail(self, what: str) -> None:
        msg = (f"DovecotSandbox: {what}\nconfig: {self.config_path}\n"
               f"--- dovecot log tail ({self.log_path}) ---\n{util.tail(self.log_path)}")
        self.stop()
        raise DovecotError(msg)

    def start(self) -> None:
        """Start ``dovecot -c cfg`` and wait until auth and listeners answer.

        Fails loudly (DovecotError with the log tail) if Dovecot does not
        come up within *start_timeout*; never silently skips.
        """
        if self.root is None:
            self.setup()
        self.chown_homes()
        # Output goes to a file, not a pipe: the daemonized master inherits
        # the descriptors and a pipe would never reach EOF.
        out_path = self.root / "dovecot-start.out"
        with open(out_path, "wb") as out:
            try:
                p = subprocess.run([DOVECOT, "-c", str(self.config_path)], stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=subprocess.STDOUT, timeout=self.start_timeout)
            except subprocess.TimeoutExpired:
                self._fail("`dovecot -c cfg` did not return")
        if p.returncode != 0:
            self._fail(f"`dovecot -c cfg` exited {p.returncode}:\n{util.tail(out_path)}")
        if not util.wait_until(lambda: self._read_master_pid() is not None, self.start_timeout):
            self._fail("master.pid never appeared")
        self._master_pid = self._read_master_pid()
        first_user = next(iter(self.users))
        # The auth process answers userdb lookups once it is up; this is the
        # same path every doveadm mail command takes.
        if not util.wait_until(
                lambda: self.doveadm("user", first_user, timeout=10).returncode == 0,
                self.start_timeout, interval=0.1):
            r = self.doveadm("user", first_user, timeout=10)
            self._fail(f"userdb lookup of {first_user} keeps failing (exit {r.returncode}): {r.stderr}")
        for name, port in self.ports.items():
            if not util.wait_until(lambda: util.tcp_accepts("127.0.0.1", port), self.start_timeout):
                self._fail(f"listener {name} on 127.0.0.1:{port} does not accept connections")
        self._remember_children()

    def _remember_children(self) -> None:
        if self._master_pid:
            self._children.update(util.descendants(self._master_pid))

    @property
    def running(self) -> bool:
        pid = self._master_pid or self._read_master_pid()
        return bool(pid) and util.pid_alive(pid)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the daemon: ``dovecot -c cfg stop``, then SIGKILL leftovers.

        Safe to call many times and when never started. Only processes that
        descend from this sandbox's master are killed.
        """
        if self.root is None or not self.config_path.exists():
            return
        pid = self._master_pid or self._read_master_pid()
        if not pid or not util.pid_alive(pid):
            self._master_pid = None
            return
        self._children.update(util.descendants(pid))
        try:
            subprocess.run([DOVECOT, "-c", str(self.config_path), "stop"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        if not util.wait_until(lambda: not util.pid_alive(pid), timeout):
            util.kill_pids([pid], signal.SIGKILL)
            util.wait_until(lambda: not util.pid_alive(pid), 5)
        leftovers = [c for c in self._children if util.pid_alive(c)]
        util.kill_pids(leftovers, signal.SIGKILL)
        self._children.clear()
        self._master_pid = None

    def restart(self) -> None:
        self.stop()
        self.start()

    # ------------------------------------------------------------- helpers
    def copy_home_from(self, src: "DovecotSandbox | str | os.PathLike", user: str,
                       src_user: str | None = None) -> None:
        """Replace *user*'s home with a copy of another sandbox's (or a dir's) home.

        For side-by-side tests of commands that WRITE: give Roost and Dovecot
        each their own sandbox with identical stores, run the same argv on
        each, then compare. Dovecot's index files are copied too.
        """
        src_dir = src.user_home(src_user or user) if isinstance(src, DovecotSandbox) else Path(src)
        dst = self.user_home(user)
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(src_dir, dst, symlinks=True)
        self.chown_homes()

    def backup_to(self, user: str, location: str, timeout: float = 600) -> str:
        """Copy *user*'s whole store to another mail location with Dovecot itself.

        ``doveadm backup -u user <location>`` (dsync one-way). This is how a
        corpus written as Maildir becomes an sdbox/mdbox store written by the
        real Dovecot (the generator only writes Maildir/mbox directly).
        ``~`` is expanded to the user's home. Returns the expanded location;
        open it with ``doveadm -o mail_location=<location> ...``.
        """
        loc = location.replace("~/", str(self.user_home(user)) + "/")
        self.doveadm("backup", "-u", user, loc, check=True, timeout=timeout)
        return loc

    def save(self, user: str, mailbox: str, message: bytes) -> None:
        """Save one message with ``doveadm save`` (raises on failure)."""
        self.doveadm("save", "-u", user, "-m", mailbox, input=message, check=True)

    def fetch_tab(self, user: str, fields: str = "uid flags", query: Iterable[str] = ("all",),
                  mailbox: str | None = None) -> str:
        """``doveadm -f tab fetch -u user fields [mailbox M] query`` stdout."""
        q = list(query)
        if mailbox is not None:
            q = ["mailbox", mailbox, *q]
        return self.doveadm("-f", "tab", "fetch", "-u", user, fields, *q, check=True).stdout


def main(argv: list[str] | None = None) -> int:
    """Manual use: start a sandbox, print how to reach it, wait for Ctrl-C.

    ``python3 -m roostharness.dovecot --users u1,u2 --imap --pop3 [--corpus 1000]``
    Handy for poking at Dovecot by hand or pointing bench/imap_load.py at it.
    """
    import argparse
    import json
    ap = argparse.ArgumentParser(prog="python3 -m roostharness.dovecot")
    ap.add_argument("--users", default="u1")
    ap.add_argument("--format", default="maildir", choices=sorted(DEFAULT_LOCATIONS))
    ap.add_argument("--imap", action="store_true")
    ap.add_argument("--pop3", action="store_true")
    ap.add_argument("--doveadm-tcp", action="store_true")
    ap.add_argument("--doveadm-http", action="store_true")
    ap.add_argument("--corpus", type=int, default=0, help="fill each user with N generated messages (maildir)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duration", type=float, default=3600, help="stop after this many seconds")
    a = ap.parse_args(argv)
    users = [u for u in a.users.split(",") if u]
    with DovecotSandbox(users=users, mail_format=a.format, imap=a.imap, pop3=a.pop3,
                        doveadm_tcp=a.doveadm_tcp, doveadm_http=a.doveadm_http) as dv:
        if a.corpus:
            if a.format != "maildir":
                ap.error("--corpus needs --format maildir")
            from . import corpus as _corpus
            c = _corpus.generate(seed=a.seed, messages=a.corpus * len(users), users=len(users))
            # the generator names users user1..N; copy each to the sandbox's user
            tmp = dv.root / "corpus"
            _corpus.write_maildir(c, tmp, user_dir="{user}/Maildir")
            for gen_user, user in zip(c.users, users):
                dv.copy_home_from(tmp / gen_user, user)
        dv.start()
        print(json.dumps({"config": str(dv.config_path), "log": str(dv.log_path), "ports": dv.ports,
                          "users": dv.users, "doveadm_password": dv.doveadm_password,
                          "doveadm_api_key": dv.doveadm_api_key}, indent=1, ensure_ascii=False))
        print(f"doveadm -c {dv.config_path} mailbox list -u {users[0]}", flush=True)
        try:
            time.sleep(a.duration)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    import sys
    sys.exit(main())
