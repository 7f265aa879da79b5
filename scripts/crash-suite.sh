#!/usr/bin/env bash
# Runs every crash-injection test: writers killed with SIGKILL at random
# points (by time, and right after their N-th fsync through
# ROOST_FAULT_AFTER_FSYNCS), each followed by a check that the store opens,
# nothing committed is lost, nothing is doubled and no UID is reused.
# Usage: scripts/crash-suite.sh  (builds into build/ first)
set -eu
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
cd build
ctest --output-on-failure -R 'SIGKILL|crash|torn|kill' --timeout 900
