#!/usr/bin/env bash
# Time from daemon start to a complete NAT result, per lab NAT site, with DELAY ms of
# one-way delay on each site's WAN link (default 20: 40 ms round trip to the servers).
# Per site, in one run, one after another (no site's probes overlap another's):
#   - baseline: one STUN Binding round trip from the LAN host (stunprobe.py), and
#     coturn's own RFC 5780 client (turnutils_natdiscovery -m -f) timed end to end;
#   - p2pd: a daemon on the same host with the lab's two STUN addresses, from spawn
#     until GET /v1/nat shows the finished result; its `elapsed_ms` and `requests`.
# The run is repeated with stun.filter_timeout_ms FILTER_MS (default 1000) to show what
# the filtering tests' wait costs. Prints a markdown table for docs/BENCHMARKS.md.
#   bash tests/bench/bench_nat.sh BUILD_DIR [DELAY_MS] [FILTER_MS]
set -euo pipefail
build=${1:?usage: bench_nat.sh BUILD_DIR [DELAY_MS] [FILTER_MS]}
delay=${2:-20}
filter_ms=${3:-1000}
root=$(cd "$(dirname "$0")/../.." && pwd)
natlab=$root/scripts/natlab.sh
bin=$build/daemon/p2pd
[ -x "$bin" ] || { echo "bench_nat: no $bin (build the release first)" >&2; exit 1; }
export NATLAB_PREFIX=benchnat${P2PD_LAB_TAG:-}
NATLAB_PREFIX=${NATLAB_PREFIX:0:12}
work=$(mktemp -d)
trap '"$natlab" down >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
sites=(none=none full=fullcone restr=restricted portr=portrestricted sym=symmetric symseq=symseq
  cgn=cgnat,carrier=portrestricted)
specs=()
for s in "${sites[@]}"; do specs+=("$s,delay=$delay"); done
"$natlab" up "${specs[@]}" >/dev/null 2>&1 || { echo "bench_nat: natlab.sh up failed" >&2; exit 1; }
# shellcheck disable=SC1091
source "/run/natlab-$NATLAB_PREFIX/lab.env"
now() { date +%s.%N; }
ms_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }

# daemon_run NAME HOST STUN_EXTRA: "wall_ms elapsed_ms requests type" from spawn to result.
daemon_run() {
  local dir=$work/$1 host=$2 extra=$3 t0 body pid
  rm -rf "$dir"; mkdir -p "$dir"
  cat >"$dir/config.json" <<EOF
{"api": {"listen": ["unix:$dir/api.sock"]}, "stun": {"servers": ["$STUN1:$STUN_PORT", "$STUN2:$STUN_PORT"]$extra},
 "turn": {"servers": []}, "signaling": {"mqtt": {"brokers": []}}, "portmap": {"enabled": false}}
EOF
  t0=$(now)
  "$natlab" exec "$host" "$bin" daemon --config "$dir/config.json" --state-dir "$dir/state" >"$dir/log" 2>&1 &
  pid=$!
  for _ in $(seq 3000); do
    if [ -S "$dir/api.sock" ]; then
      body=$(curl -s --max-time 5 --unix-socket "$dir/api.sock" http://p2pd/v1/nat || true)
      if python3 -c 'import json,sys; j=json.loads(sys.argv[1]); sys.exit(not (j["finished_at_ms"] > 0 and not j["running"]))' \
        "$body" 2>/dev/null; then
        break
      fi
    fi
    sleep 0.01
  done
  local wall
  wall=$(ms_since "$t0")
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  python3 -c 'import json,sys
r = [x for x in json.loads(sys.argv[1])["results"] if x["interface"] == "eth0" and x["family"] == "ipv4"][0]
print(sys.argv[2], r["elapsed_ms"], r["requests"], r["type"])' "$body" "$wall"
}

rows=()
for s in "${sites[@]}"; do
  name=${s%%=*} host=${s%%=*}-h1
  rtt=$("$natlab" exec "$host" python3 "$root/scripts/natlab/stunprobe.py" --json "$STUN1:$STUN_PORT" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["rtt_ms"])')
  t0=$(now)
  timeout 60 "$natlab" exec "$host" turnutils_natdiscovery -m -f -L "$(grep "^$(echo "$host" | tr 'a-z-' 'A-Z_')=" \
    "/run/natlab-$NATLAB_PREFIX/lab.env" | cut -d= -f2)" -p "$STUN_PORT" "$STUN1" >"$work/nd.txt" 2>&1 || true
  nd=$(ms_since "$t0")
  def=$(daemon_run "$name" "$host" "")
  short=$(daemon_run "$name" "$host" ", \"filter_timeout_ms\": $filter_ms")
  rows+=("$name|$s|$rtt|$nd|$def|$short")
done

python3 - "$delay" "$filter_ms" "${rows[@]}" <<'PY'
import sys
delay, filter_ms, rows = sys.argv[1], sys.argv[2], sys.argv[3:]
print("One-way delay %s ms on each site's WAN link; two STUN addresses (coturn, RFC 5780)." % delay)
print()
print("| site | STUN RTT ms | natdiscovery -m -f ms | p2pd start->result ms | classify ms (RTTs) | requests | type "
      "| same, filter_timeout_ms %s: start->result ms | classify ms | requests | p2pd / natdiscovery |" % filter_ms)
print("|---|---|---|---|---|---|---|---|---|---|---|")
for row in rows:
    name, spec, rtt, nd, d, s = row.split("|")
    rtt, nd = float(rtt), float(nd)
    dw, de, dr, dt = d.split()
    sw, se, sr, st = s.split()
    print("| %s (%s) | %.1f | %.0f | %s | %s (%.1f) | %s | %s | %s | %s | %s | %.2fx |" % (
        name, spec.split("=", 1)[1], rtt, nd, dw, de, float(de) / rtt, dr, dt, sw, se, sr, float(dw) / nd))
PY
