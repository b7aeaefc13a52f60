#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang-14, ASan+UBSan) and runs each one for
# SECONDS (default 15) on a fresh temporary corpus copied from its seeds in
# tests/fuzz/corpus/<target>/. Exits non-zero if any target crashes, leaks, times out or
# fails to build. Crash inputs are kept in build/fuzz/artifacts/<target>/, full logs in
# build/fuzz/logs/<target>.log.
#
#   scripts/fuzz.sh            # every target, 15 s each
#   scripts/fuzz.sh 120        # every target, 2 min each
#   FUZZ_TARGETS="fuzz_stun" scripts/fuzz.sh 60
set -euo pipefail

seconds="${1:-15}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: $0 [SECONDS]" >&2
  exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${P2PD_FUZZ_BUILD:-$root/build/fuzz}"
cxx="${FUZZ_CXX:-clang++-14}"
cc="${FUZZ_CC:-clang-14}"

for tool in cmake "$cxx" "$cc"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "fuzz: $tool not found (scripts/deps.sh installs clang-14 and libclang-rt-14-dev)" >&2
    exit 1
  fi
done

echo "fuzz: configuring $build with $cxx"
cmake -S "$root/tests/fuzz" -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" >/dev/null
echo "fuzz: building"
cmake --build "$build" -j"$(nproc)" >/dev/null

work_dirs=()
cleanup() { for d in "${work_dirs[@]}"; do rm -rf "$d"; done; }
trap cleanup EXIT

if [ -n "${FUZZ_TARGETS:-}" ]; then
  read -r -a targets <<<"$FUZZ_TARGETS"
else
  targets=()
  for src in "$root"/tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$src" .cpp)"); done
fi
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no targets in tests/fuzz" >&2
  exit 1
fi

mkdir -p "$build/logs"
failed=()
for name in "${targets[@]}"; do
  bin="$build/$name"
  if [ ! -x "$bin" ]; then
    echo "fuzz: $name: no binary at $bin" >&2
    failed+=("$name")
    continue
  fi
  work="$(mktemp -d "${TMPDIR:-/tmp}/p2pd-fuzz-$name.XXXXXX")"
  work_dirs+=("$work")
  seeds="$root/tests/fuzz/corpus/$name"
  nseeds=0
  if [ -d "$seeds" ]; then
    cp -R "$seeds"/. "$work"/
    nseeds=$(find "$seeds" -type f | wc -l)
  fi
  artifacts="$build/artifacts/$name"
  mkdir -p "$artifacts"
  log="$build/logs/$name.log"
  args=(-max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$artifacts/")
  dict="$root/tests/fuzz/$name.dict"
  [ -f "$dict" ] && args+=(-dict="$dict")

  echo "fuzz: $name for ${seconds}s: $nseeds seeds, work corpus $work"
  start=$(date +%s)
  if "$bin" "${args[@]}" "$work" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)
    echo "fuzz: $name ok: ${runs:-?} runs in $(( $(date +%s) - start ))s, ${cov:-cov: ?}, corpus $(find "$work" -type f | wc -l) files"
  else
    echo "fuzz: $name FAILED (log $log, inputs in $artifacts/):" >&2
    grep -E 'ERROR|FUZZ_CHECK|SUMMARY|runtime error|Test unit written' "$log" | head -n 20 >&2 || tail -n 30 "$log" >&2
    failed+=("$name")
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: all ${#targets[@]} target(s) passed"
