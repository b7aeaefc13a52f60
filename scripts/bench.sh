#!/usr/bin/env bash
# Runs the benchmarks in tests/bench/ against the release build and prints markdown
# tables for docs/BENCHMARKS.md (each with its baseline from the same run).
#   scripts/bench.sh [startup|turn|peer|peerpipe|pipes|nat] ...  (default: startup; turn and nat need root: NAT lab)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh release > /dev/null
bin=build/release/daemon/p2pd
want=("$@")
[ ${#want[@]} -eq 0 ] && want=(startup)
for b in "${want[@]}"; do
  echo "## $b ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r))"
  case "$b" in
    startup) python3 tests/bench/bench_startup.py "$bin" 20 ;;
    turn) bash tests/bench/bench_turn.sh build/release ;;
    nat) bash tests/bench/bench_nat.sh build/release 20 1000 ;;
    peer) uptime; python3 tests/bench/bench_peer_stream.py build/release 3 256; uptime ;;
    peerpipe) uptime; python3 tests/bench/bench_peer_pipe.py build/release 3 256; uptime ;;
    pipes) uptime; python3 tests/bench/bench_pipes.py build/release 2000 256 10000; uptime ;;
    *) echo "bench.sh: unknown benchmark $b" >&2; exit 2 ;;
  esac
  echo
done
