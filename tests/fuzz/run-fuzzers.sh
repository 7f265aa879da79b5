#!/bin/sh
# Builds the libFuzzer targets in build-fuzz/ and runs each one for the given
# number of seconds (default 60) on its seed corpus in fixtures/fuzz/<target>.
# New inputs go to build-fuzz/corpus/<target>; crashes to build-fuzz/crashes/.
set -eu
seconds=${1:-60}
src=$(cd "$(dirname "$0")/../.." && pwd)
build="$src/build-fuzz"
cmake -S "$src" -B "$build" -DROOST_FUZZ=ON -DROOST_TESTS=OFF \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
make -C "$build" -j2 fuzz_mutf7 fuzz_mime fuzz_search_query fuzz_maildir fuzz_index fuzz_config fuzz_dovecot_index fuzz_dsync
status=0
for target in mutf7 mime search_query maildir index config dovecot_index dsync; do
  corpus="$build/corpus/$target"
  crashes="$build/crashes/$target"
  mkdir -p "$corpus" "$crashes"
  echo "== fuzz_$target for ${seconds}s"
  if ! "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=65536 \
      -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$crashes/" \
      "$corpus" "$src/fixtures/fuzz/$target" 2>"$build/fuzz_$target.log"; then
    echo "fuzz_$target FAILED: see $build/fuzz_$target.log and $crashes/"
    tail -40 "$build/fuzz_$target.log"
    status=1
  else
    tail -1 "$build/fuzz_$target.log"
  fi
done
exit $status
