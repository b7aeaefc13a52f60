#!/usr/bin/env bash
# Installs what the tests need, builds p2pd twice (release, and ASan+UBSan) and runs
# every test: unit, integration, systemd and NAT-lab tests on the release build; unit
# and integration again under the sanitizers; then each fuzz target for a short while.
#   scripts/test.sh            everything (what CI runs)
#   P2PD_TEST_LABELS=unit scripts/test.sh    only tests with that ctest label
#   P2PD_FUZZ_SECONDS=0 scripts/test.sh      skip fuzzing
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build
labels=${P2PD_TEST_LABELS:-}
fuzz_seconds=${P2PD_FUZZ_SECONDS:-10}
jobs=$(nproc 2>/dev/null || echo 2)
started=$(date +%s)

step() { echo; echo "=== test: $* ($(( $(date +%s) - started )) s)"; }

step "installing packages (scripts/deps.sh)"
bash scripts/deps.sh

step "building release"
bash scripts/build.sh release
if [ "$(id -u)" -eq 0 ]; then
  step "removing NAT labs left by killed test runs (scripts/natlab.sh gc)"
  bash scripts/natlab.sh gc
fi
step "running tests on the release build${labels:+ (labels: $labels)}"
(cd build/release && ctest --output-on-failure -j "$jobs" ${labels:+-L "$labels"})

step "building with ASan+UBSan"
bash scripts/build.sh asan
step "running unit and integration tests under ASan+UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build/asan && ctest --output-on-failure -j "$jobs" -L "${labels:-unit|integration}")

if [ "$fuzz_seconds" -gt 0 ] && [ -x scripts/fuzz.sh ]; then
  step "fuzzing every codec for ${fuzz_seconds}s each (scripts/fuzz.sh)"
  bash scripts/fuzz.sh "$fuzz_seconds"
fi

step "all tests passed"
