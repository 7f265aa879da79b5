#!/bin/bash
# Install everything Roost's build and tests need on Debian 12 (bookworm).
#
# Idempotent and non-interactive; run as root. The packages' own system
# services (dovecot, ssh) are kept from starting: tests start private
# instances with their own configs and ports, and a system dovecot/sshd would
# only hold ports and confuse "which daemon answered" debugging.
#
# Usage: sudo scripts/install-deps.sh
set -euo pipefail

PACKAGES=(
  build-essential cmake ccache pkg-config clang libclang-rt-14-dev
  libboost-dev libboost-program-options-dev libboost-filesystem-dev
  libssl-dev libssh2-1-dev zlib1g-dev libxxhash-dev nlohmann-json3-dev
  catch2 libargon2-dev libcrypt-dev python3
  dovecot-core dovecot-imapd dovecot-pop3d
  openssh-server openssh-client time
)
# courier-* and cyrus-* conflict with dovecot-imapd: never install them.

LOG=$(mktemp /tmp/roost-install-deps.XXXXXX.log)
step() { echo "install-deps: $*"; }
fail() {
  echo "install-deps: FAILED: $*" >&2
  echo "install-deps: ---- last 40 lines of $LOG ----" >&2
  tail -n 40 "$LOG" >&2 || true
  exit 1
}

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: must run as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive

# 1. Keep services from starting during the install. Debian's invoke-rc.d
#    consults /usr/sbin/policy-rc.d; exit code 101 means "action forbidden".
POLICY=/usr/sbin/policy-rc.d
OUR_POLICY=0
if [ -e "$POLICY" ]; then
  step "policy-rc.d already present (left as is)"
else
  printf '#!/bin/sh\n# installed by roost scripts/install-deps.sh for the duration of the install\nexit 101\n' > "$POLICY"
  chmod 755 "$POLICY"
  OUR_POLICY=1
  step "installed temporary policy-rc.d (services will not start)"
fi
cleanup() { if [ "$OUR_POLICY" = 1 ]; then rm -f "$POLICY"; fi; }
trap cleanup EXIT

# 2. apt-get update only when the lists are missing or older than a day.
lists_fresh=0
if compgen -G "/var/lib/apt/lists/*_InRelease" > /dev/null || compgen -G "/var/lib/apt/lists/*_Release" > /dev/null; then
  if [ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*Release' -mtime -1 -print -quit)" ]; then
    lists_fresh=1
  fi
fi
if [ "$lists_fresh" = 1 ]; then
  step "apt lists are fresh (< 1 day), skipping apt-get update"
else
  step "apt-get update"
  apt-get update >>"$LOG" 2>&1 || fail "apt-get update"
fi

# 3. Install only what is missing (keeps re-runs fast and quiet).
missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  step "all ${#PACKAGES[@]} packages already installed"
else
  step "apt-get install ${missing[*]}"
  apt-get install -y --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}" >>"$LOG" 2>&1 || fail "apt-get install"
fi

# 4. If a system instance got started anyway (e.g. a policy-rc.d that allowed
#    it), stop exactly that instance, identified by its system pid file.
stop_pidfile() {  # name pidfile
  local pid
  [ -f "$2" ] || return 0
  pid=$(cat "$2" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    step "stopping system $1 (pid $pid) started by the package"
    kill "$pid" 2>/dev/null || true
  fi
}
stop_pidfile dovecot /run/dovecot/master.pid
stop_pidfile sshd /run/sshd.pid

# 5. sshd refuses to start without its privilege-separation directory.
mkdir -p /run/sshd && chmod 755 /run/sshd
step "ensured /run/sshd exists"

# 6. Sanity: the tools the tests call must be there.
for tool in doveadm dovecot doveconf /usr/sbin/sshd ssh ssh-keygen cmake /usr/bin/python3; do
  command -v "$tool" >/dev/null 2>&1 || fail "tool $tool not found after install"
done
rm -f "$LOG"
step "done"
