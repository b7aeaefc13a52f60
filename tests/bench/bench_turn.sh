#!/usr/bin/env bash
# TURN relay throughput against direct UDP between the same two lab hosts, in one run:
# a LAN host behind a port-restricted NAT (pr-h1) sends 1200-byte datagrams for 3 s to
# a public host (pub-h1) directly, then through the lab's coturn (an allocation with a
# channel: ChannelData), with p2pd_bench_turn (the core library's TurnClient). The
# public host counts what arrives. Prints a markdown table for docs/BENCHMARKS.md.
#   bash tests/bench/bench_turn.sh BUILD_DIR [SECONDS] [SIZE]
set -euo pipefail
build=${1:?usage: bench_turn.sh BUILD_DIR [SECONDS] [SIZE]}
seconds=${2:-3}
size=${3:-1200}
root=$(cd "$(dirname "$0")/../.." && pwd)
natlab=$root/scripts/natlab.sh
sender=$build/tests/p2pd_bench_turn
[ -x "$sender" ] || { echo "bench_turn: no $sender (build the release first)" >&2; exit 1; }
export NATLAB_PREFIX=benchturn${P2PD_LAB_TAG:-}
NATLAB_PREFIX=${NATLAB_PREFIX:0:12}
trap '"$natlab" down >/dev/null 2>&1 || true' EXIT
"$natlab" up pr=portrestricted pub=none >/dev/null 2>&1 || { echo "bench_turn: natlab.sh up failed" >&2; exit 1; }
# shellcheck disable=SC1091
source "/run/natlab-$NATLAB_PREFIX/lab.env"

run() { # MODE ARGS...: sink on pub-h1, sender on pr-h1; prints "sent_json|sink_json"
  local mode=$1 out; shift
  out=$(mktemp)
  "$natlab" exec pub-h1 python3 "$root/tests/bench/udp_sink.py" 9000 --idle 1.5 >"$out" &
  local sink=$!
  sleep 0.3
  local sent
  sent=$("$natlab" exec pr-h1 "$sender" --peer "$PUB_H1:9000" --seconds "$seconds" --size "$size" "$@")
  wait "$sink"
  echo "$sent|$(cat "$out")"
  rm -f "$out"
}
direct=$(run direct)
relayed=$(run turn --turn "$TURN:$TURN_PORT" --user "$TURN_USER" --password "$TURN_PASS")

python3 - "$direct" "$relayed" "$size" <<'PY'
import json, sys
def parse(s):
    a, b = s.split("|")
    return json.loads(a), json.loads(b)
(ds, dr), (ts, tr) = parse(sys.argv[1]), parse(sys.argv[2])
size = int(sys.argv[3])
def row(name, s, r):
    sent = s["bytes"] / s["seconds"] / 1e6
    got = r["bytes"] / r["seconds"] / 1e6 if r["seconds"] else 0.0
    loss = 100.0 * (1 - r["datagrams"] / s["sent"]) if s["sent"] else 0.0
    return sent, got, r["datagrams"] / r["seconds"] if r["seconds"] else 0.0, loss
d, t = row("direct", ds, dr), row("turn", ts, tr)
print("| path (%d-byte datagrams) | offered MB/s | received MB/s | datagrams/s received | lost |" % size)
print("|---|---|---|---|---|")
print("| direct UDP pr-h1 -> pub-h1 | %.1f | %.1f | %.0f | %.1f %% |" % d)
print("| TURN relay (ChannelData via coturn, relayed %s) | %.1f | %.1f | %.0f | %.1f %% |" % ((ts["relayed"],) + t))
print("| ratio relay / direct (received) | | %.2fx | %.2fx | |" % (t[1] / d[1] if d[1] else 0, t[2] / d[2] if d[2] else 0))
for who, r in (("direct", dr), ("turn", tr)):
    print("<!-- %s sink senders: %s -->" % (who, ", ".join(r["senders"])))
PY
