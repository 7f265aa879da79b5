"""roostharness: the proof harness shared by Roost's integration tests and bench.

Every integration test and benchmark uses these pieces instead of private
copies, so that "Roost behaves like Dovecot" is always checked the same way:

* :mod:`roostharness.dovecot` -- DovecotSandbox, a private real Dovecot 2.3
* :mod:`roostharness.roost`   -- running the roost binary with the same argv
* :mod:`roostharness.sshd`    -- SshdSandbox, a private OpenSSH server
* :mod:`roostharness.corpus`  -- deterministic mail corpus generator/writers
* :mod:`roostharness.crash`   -- SIGKILL crash injection loops
* :mod:`roostharness.compare` -- comparing ``doveadm -f tab fetch`` outputs
* :mod:`roostharness.util`    -- free ports, process helpers, temp dirs

Standard library only (Debian's /usr/bin/python3, 3.11).
"""

__all__ = ["dovecot", "roost", "sshd", "corpus", "crash", "compare", "util"]
