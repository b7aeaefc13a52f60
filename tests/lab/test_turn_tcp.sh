#!/usr/bin/env bash
# lab.turn_tcp: an RFC 6062 TCP allocation made from a host behind the symmetric NAT
# (sym) carries byte streams to and from a public host (pub), hashes checked:
#  - outgoing (Connect / ConnectionBind): 100 MiB from a local program on sym-h1 through
#    the connection pipe's forward, the relay and coturn to a TCP sink on pub-h1;
#  - incoming (ConnectionAttempt): pub-h1 connects to the relayed address and sends
#    10 MiB, read on sym-h1 through the incoming pipe's forward: 4 KiB at once (they
#    wait in coturn until the daemon's ConnectionBind), the rest once the reader has
#    said "go" through the pipe (coturn drops what a peer sends before the bind beyond
#    16 reads, so a bulk sender must wait for the client: stream_peer.py --wait-go).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lab_init labturntcp

lab_up sym=symmetric pub=none
P2PD_BIN=${P2PD_BIN:?P2PD_BIN must name the p2pd binary}
STREAM_PEER=$LAB_TESTS_DIR/stream_peer.py
WORK=$(mktemp -d)
OUT_MIB=100
IN_MIB=10

start_turn_daemon b sym-h1 tcp
tb=$(api b POST /v1/turn '{"id": "tb", "relay": "tcp"}')
check_eq "sym: TCP allocation over TCP" "$(status) $(echo "$tb" | jf 'j["allocation"]["relay"]')" "201 tcp"
TB=$(echo "$tb" | jf 'j["allocation"]["relayed"]')
# forward NAME PIPE: the loopback port of a new forward of PIPE.
forward() { api "$1" POST "/v1/pipes/$2/forward" '{}' | jf 'j["port"]'; }

# --- outgoing: 100 MiB from sym-h1 to pub-h1 ---------------------------------------------------
# The receiver closes once it has every byte (stream_peer.py: RFC 6062 has no half-close).
head -c $((OUT_MIB << 20)) /dev/urandom >"$WORK/out.bin"
out_sha=$(sha256sum "$WORK/out.bin" | cut -d' ' -f1)
lab_exec pub-h1 "$PY" "$STREAM_PEER" listen 9000 --recv $((OUT_MIB << 20)) >"$WORK/sink.json" &
sink=$!
sleep 0.3
conn=$(api b POST /v1/turn/tb/connections "{\"peer\": \"$PUB_H1:9000\"}")
check_eq "sym: RFC 6062 connection to the public host is pipe tb.1" "$(status) $(echo "$conn" | jf 'j["pipe"]')" "201 tb.1"
check_eq "its pipe runs from the relayed address to the public host" \
  "$(api b GET /v1/pipes/tb.1 | jf 'j["pipe"]["proto"] + " " + j["pipe"]["local"] + " " + j["pipe"]["remote"]')" \
  "turn-tcp $TB $PUB_H1:9000"
port=$(forward b tb.1)
sent=$(lab_exec sym-h1 "$PY" "$STREAM_PEER" connect "127.0.0.1:$port" --send "$WORK/out.bin")
wait "$sink" || true
check_eq "pub: got $OUT_MIB MiB, sha256 of the sender's" "$(jf 'str(j["bytes"]) + " " + j["sha256"]' <"$WORK/sink.json")" \
  "$((OUT_MIB << 20)) $out_sha"
check_eq "sym: the sender saw the connection closed after the last byte" "$(echo "$sent" | jf 'j["ended"]')" closed
secs=$(jf 'j["seconds"]' <"$WORK/sink.json")
lab_log "$OUT_MIB MiB through the TCP relay in $secs s ($(awk -v s="$secs" -v m=$OUT_MIB 'BEGIN { printf "%.1f", m / s }') MiB/s)"
check_num "within (s)" "$secs" "<" 60

# --- incoming: pub-h1 connects to the relayed address ------------------------------------------
head -c $((IN_MIB << 20)) /dev/urandom >"$WORK/in.bin"
in_sha=$(sha256sum "$WORK/in.bin" | cut -d' ' -f1)
api b POST /v1/turn/tb/permissions "{\"peer\": \"$PUB_H1\"}" >/dev/null
check_eq "sym: permission for the public host" "$(status)" 201
lab_exec pub-h1 "$PY" "$STREAM_PEER" connect "$TB" --send "$WORK/in.bin" --wait-go 4096 >"$WORK/pubsent.json" &
pub_sender=$!
incoming() { [ "$(api b GET /v1/pipes/tb.2 | jf 'j["pipe"]["remote"].split(":")[0]')" = "$PUB_H1" ]; }
wait_pipe() { for _ in $(seq 100); do incoming && return 0; sleep 0.1; done; return 1; }
check "sym: the public host's connection became pipe tb.2" wait_pipe
port=$(forward b tb.2)
got=$(lab_exec sym-h1 "$PY" "$STREAM_PEER" connect "127.0.0.1:$port" --recv $((IN_MIB << 20)) --go)
wait "$pub_sender" || true
check_eq "sym: got the $IN_MIB MiB from the public host, sha256 of the sender's" \
  "$(echo "$got" | jf 'str(j["bytes"]) + " " + j["sha256"]')" "$((IN_MIB << 20)) $in_sha"
check_eq "pub: the sender saw the connection closed after the last byte" "$(jf 'j["ended"]' <"$WORK/pubsent.json")" closed

view=$(api b GET /v1/turn/tb)
check_eq "the allocation lists both connections" "$(echo "$view" | jf 'j["allocation"]["connections"]')" '["tb.1", "tb.2"]'
check_num "connections made into pipes (metric)" \
  "$(lab_exec sym-h1 curl -s --unix-socket "$WORK/b/api.sock" http://p2pd/metrics | awk '/^p2pd_turn_connections_total/ { print $2 }')" ">=" 2
stop_daemon b
check "the daemon stopped cleanly" grep -q "stopped" "$WORK/b/log"
rm -rf "$WORK"
