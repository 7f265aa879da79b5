#!/usr/bin/env bash
# Builds Roost and runs every test: the unit tests and the integration tests
# against real peers (normal build, warnings as errors), then the unit tests
# again in a build with AddressSanitizer + UBSan, then each fuzz target for a
# short bounded time. Ends with one line: "N passed, M failed".
#
# Usage: scripts/test-all.sh            (as root on Debian 12; installs deps)
# Env:   ROOST_JOBS (default: nproc), ROOST_FUZZ_SECONDS (default 10; 0 = skip)
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=${ROOST_JOBS:-$(nproc)}
fuzz_seconds=${ROOST_FUZZ_SECONDS:-10}
passed=0
failed=0
log_dir=$(mktemp -d /tmp/roost-test-logs.XXXXXX)

step() { printf '== %s\n' "$*"; }

# Adds the counts from a ctest log ("NN% tests passed, F tests failed out of T").
count_ctest() {
  local line total bad
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" | tail -n 1)
  if [ -z "$line" ]; then
    failed=$((failed + 1))
    echo "   (no ctest summary in $1: counted as one failure)"
    return
  fi
  total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
  bad=$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<<"$line")
  passed=$((passed + total - bad))
  failed=$((failed + bad))
}

if [ "$(id -u)" = 0 ]; then
  step "installing dependencies (apt)"
  scripts/install-deps.sh || { echo "dependency installation failed"; echo "0 passed, 1 failed"; exit 1; }
else
  step "not root: skipping apt; the integration tests need root (they start Dovecot and sshd)"
fi

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/roost-ccache}
# Hits across checkouts in different directories (CI clones afresh).
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1

# The integration tests start Roost's remote side (`dsync-server`) after
# Roost has dropped to an unprivileged mail user, so that user must be able
# to reach build/cli/roost: a checkout under a mode-0700 directory (e.g. a
# clone into `mktemp -d`) gets search permission (o+x, not read) on each
# directory above it that lacks it.
if [ "$(id -u)" = 0 ]; then
  d="$root"
  while [ "$d" != / ]; do
    perms=$(stat -c %A "$d")
    case "${perms:9:1}" in
      x | t) ;;
      *) chmod o+x "$d" && echo "   (gave others search permission on $d for the mail users)" ;;
    esac
    d=$(dirname "$d")
  done
fi

step "build (warnings are errors)"
if cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DROOST_WERROR=ON >"$log_dir/cmake.log" 2>&1 &&
   cmake --build build -j "$jobs" >"$log_dir/build.log" 2>&1; then
  step "unit and integration tests"
  (cd build && ctest --output-on-failure -j "$jobs" --timeout 900) 2>&1 | tee "$log_dir/ctest.log" | grep -E '^\s*[0-9]+/[0-9]+ Test|tests passed|Failed|\*\*\*' || true
  count_ctest "$log_dir/ctest.log"
else
  tail -n 60 "$log_dir/cmake.log" "$log_dir/build.log"
  failed=$((failed + 1))
fi

step "sanitizer build (address, undefined) of the unit tests"
if cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DROOST_SANITIZE=ON >"$log_dir/cmake-asan.log" 2>&1 &&
   cmake --build build-asan -j "$jobs" --target roost_unit_tests roost >"$log_dir/build-asan.log" 2>&1; then
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
     ctest --output-on-failure -j "$jobs" -L unit --timeout 900) 2>&1 | tee "$log_dir/ctest-asan.log" | grep -E 'tests passed|Failed|\*\*\*' || true
  count_ctest "$log_dir/ctest-asan.log"
else
  tail -n 60 "$log_dir/cmake-asan.log" "$log_dir/build-asan.log"
  failed=$((failed + 1))
fi

if [ "$fuzz_seconds" != 0 ] && [ -x tests/fuzz/run-fuzzers.sh ]; then
  step "fuzz targets, ${fuzz_seconds}s each"
  if tests/fuzz/run-fuzzers.sh "$fuzz_seconds" >"$log_dir/fuzz.log" 2>&1; then
    n=$(grep -c '^== fuzz_' "$log_dir/fuzz.log" || true)
    passed=$((passed + (n > 0 ? n : 1)))
  else
    tail -n 40 "$log_dir/fuzz.log"
    failed=$((failed + 1))
  fi
fi

echo "logs: $log_dir"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
