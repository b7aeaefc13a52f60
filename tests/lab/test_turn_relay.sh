#!/usr/bin/env bash
# lab.turn_relay: datagrams relayed both ways through the lab's coturn, with their
# content checked, all through the allocation's pipe (POST /v1/pipes/<id>/send,
# GET /v1/pipes/<id>/recv, docs/API.md "TURN"):
#  - between a daemon behind a port-restricted NAT (pr) and a public host (pub): the
#    daemon first (text, then 1200 random bytes), then the public host first;
#  - between the relayed addresses of two NATed daemons (pr and a symmetric site, sym),
#    both ways;
#  - and the other pipe routes on it: P2PD's /send and /recv, `p2pd send` / `p2pd recv`,
#    a filtered subscription (by sender), a loopback UDP forward.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lab_init labrelay

lab_up pr=portrestricted sym=symmetric pub=none
P2PD_BIN=${P2PD_BIN:?P2PD_BIN must name the p2pd binary}
UDP_PEER=$LAB_TESTS_DIR/udp_peer.py
WORK=$(mktemp -d)

start_turn_daemon a pr-h1 udp
start_turn_daemon b sym-h1 udp
# The public host answers every datagram with "echo:" + the datagram and logs it.
lab_exec pub-h1 "$PY" "$UDP_PEER" echo 7000 --prefix "echo:" >"$WORK/echo.jsonl" &
# echo_saw JSON_EXPR: the echo log has a line for which JSON_EXPR (Python, over `e`) holds.
echo_saw() {
  "$PY" -c 'import json,sys
sys.exit(0 if any(eval(sys.argv[2], {"e": json.loads(l)}) for l in open(sys.argv[1]) if l.strip()) else 1)' \
    "$WORK/echo.jsonl" "$1"
}
# recv NAME PIPE: the pipe's next message as "from text" (text "-" when not UTF-8).
recv() { api "$1" GET "/v1/pipes/$2/recv?timeout_ms=5000" | jf 'j["from"] + " " + j.get("text", "-")'; }
b64_sha() { base64 -d | sha256sum | cut -d' ' -f1; }

ua=$(api a POST /v1/turn "{\"id\": \"ua\", \"peer\": \"$PUB_H1:7000\"}")
check_eq "pr: UDP allocation with the public host as default peer" "$(status)" 201
UA=$(echo "$ua" | jf 'j["allocation"]["relayed"]')
ub=$(api b POST /v1/turn '{"id": "ub"}')
check_eq "sym: UDP allocation" "$(status)" 201
UB=$(echo "$ub" | jf 'j["allocation"]["relayed"]')
check_eq "the allocations are pipes of their names" "$(api a GET /v1/pipes/ua | jf 'j["pipe"]["proto"]') $(status)" "turn 200"

# --- NATed daemon <-> public host: the daemon first ----------------------------------------
sent=$(api a POST /v1/pipes/ua/send '{"text": "hello from pr"}')
check_eq "pr: a datagram sent to the default peer" "$(status) $(echo "$sent" | jf 'j["sent"]')" "200 13"
check_eq "pr: the public host's answer came back through the relay" "$(recv a ua)" "$PUB_H1:7000 echo:hello from pr"
check "the public host got it from the relayed address $UA" echo_saw "e['from'] == '$UA' and e['text'] == 'hello from pr'"
head -c 1200 /dev/urandom >"$WORK/blob"
blob_sha=$(sha256sum "$WORK/blob" | cut -d' ' -f1)
echo_sha=$( (printf 'echo:'; cat "$WORK/blob") | sha256sum | cut -d' ' -f1)
api a POST /v1/pipes/ua/send "{\"data_b64\": \"$(base64 -w0 "$WORK/blob")\"}" >/dev/null
check_eq "pr: 1200 random bytes sent" "$(status)" 200
got=$(api a GET "/v1/pipes/ua/recv?timeout_ms=5000")
check_eq "pr: their echo came back byte for byte" \
  "$(echo "$got" | jf 'j["from"] + " " + str(j["size"])') $(echo "$got" | jf 'j["data_b64"]' | b64_sha)" \
  "$PUB_H1:7000 1205 $echo_sha"
check "the public host got the same 1200 bytes" echo_saw "e['from'] == '$UA' and e['sha256'] == '$blob_sha'"
view=$(api a GET /v1/turn/ua)
check_eq "pr: a channel is bound to the active peer and carries the data" \
  "$(echo "$view" | jf '[c["peer"] for c in j["allocation"]["channels"] if c["bound"]]') $(echo "$view" | jf 'j["allocation"]["counters"]["channel_data_sent"] > 0')" \
  "[\"$PUB_H1:7000\"] True"

# --- the public host first -------------------------------------------------------------------
# From a port the daemon never sent to (the permission is per IP address): the daemon
# gets it with that sender and answers there.
lab_exec pub-h1 "$PY" "$UDP_PEER" send "$UA" --text "hello from pub" --port 7001 --wait 8 >"$WORK/pubfirst.json" &
pubfirst=$!
check_eq "pr: the public host's datagram arrived with its sender" "$(recv a ua)" "$PUB_H1:7001 hello from pub"
api a POST /v1/pipes/ua/send "{\"text\": \"answer to 7001\", \"to\": \"$PUB_H1:7001\"}" >/dev/null
wait "$pubfirst" || true
check_eq "the public host got the answer from the relayed address" \
  "$(jf 'j["reply"] and j["reply"]["from"] + " " + j["reply"]["text"]' <"$WORK/pubfirst.json")" "$UA answer to 7001"

# --- two NATed daemons, relayed address to relayed address -------------------------------------
# Both relays are on the TURN server's address, so each allocation needs a permission for
# that address: b installs it by hand, a's first send installs it on ua.
api b POST /v1/turn/ub/permissions "{\"peer\": \"${TURN}\"}" >/dev/null
check_eq "sym: permission for the TURN server's relays" "$(status)" 201
for i in 1 2 3; do api a POST /v1/pipes/ua/send "{\"text\": \"pr to sym $i\", \"to\": \"$UB\"}" >/dev/null; done
for i in 1 2 3; do check_eq "sym: datagram $i from pr's relayed address" "$(recv b ub)" "$UA pr to sym $i"; done
for i in 1 2 3; do api b POST /v1/pipes/ub/send "{\"text\": \"sym to pr $i\", \"to\": \"$UA\"}" >/dev/null; done
for i in 1 2 3; do check_eq "pr: datagram $i from sym's relayed address" "$(recv a ua)" "$UB sym to pr $i"; done
head -c 1000 /dev/urandom >"$WORK/blob2"
api b POST /v1/pipes/ub/send "{\"data_b64\": \"$(base64 -w0 "$WORK/blob2")\", \"to\": \"$UA\"}" >/dev/null
check_eq "pr: 1000 random bytes from sym, byte for byte" \
  "$(api a GET "/v1/pipes/ua/recv?timeout_ms=5000" | jf 'j["data_b64"]' | b64_sha)" "$(sha256sum "$WORK/blob2" | cut -d' ' -f1)"
check_eq "pr: allocation counters" \
  "$(api a GET /v1/turn/ua | jf '(lambda c: [c["datagrams_sent"], c["datagrams_received"]])(j["allocation"]["counters"])')" "[6, 7]"


# --- the other pipe routes on an allocation (docs/API.md "Pipes", P2PD's routes, CLI) -------
sent=$(api a GET "/send/ua/p2pd%20route")
check_eq "P2PD /send to the default peer" "$(status) $(echo "$sent" | jf 'j["error"], j["sent"]')" "200 (0, 10)"
got=$(api a GET /recv/ua/timeout/5)
check_eq "P2PD /recv: the echo with its sender" "$(echo "$got" | jf 'j["data"] + " " + str(j["client_tup"])')" \
  "echo:p2pd route ['$PUB_H1', 7000]"
cli() { lab_exec pr-h1 "$P2PD_BIN" "$@" --api "unix:$WORK/a/api.sock"; }
check "p2pd send through the relay" cli send ua "from the cli"
check_eq "p2pd recv: the echo" "$(cli recv ua --timeout-ms 5000)" "echo:from the cli"
api a POST /v1/pipes/ua/subs "{\"id\": \"sym\", \"from\": \"$UB\"}" >/dev/null
check_eq "a subscription for sym's relayed address" "$(status)" 201
api a POST /v1/pipes/ua/send '{"text": "not for the sub"}' >/dev/null
api b POST /v1/pipes/ub/send "{\"text\": \"for the sub\", \"to\": \"$UA\"}" >/dev/null
check_eq "the subscription got sym's datagram only" \
  "$(api a GET "/v1/pipes/ua/recv?sub=sym&timeout_ms=5000" | jf 'j["from"] + " " + j["text"]')" "$UB for the sub"
check_eq "the subscription has nothing else" "$(api a GET "/v1/pipes/ua/recv?sub=sym&timeout_ms=300" >/dev/null; status)" 504
check_eq "'all' got both" "$(for _ in 1 2; do recv a ua; done | sort | tr '\n' '|')" \
  "$PUB_H1:7000 echo:not for the sub|$UB for the sub|"
fwd=$(api a POST /v1/pipes/ua/forward '{}')
check_eq "a loopback UDP forward of the allocation" "$(status)" 201
out=$(lab_exec pr-h1 "$PY" "$UDP_PEER" send "127.0.0.1:$(echo "$fwd" | jf 'j["port"]')" --text "via the forward" --wait 5)
check_eq "a local program's datagram went to the default peer and its echo came back" \
  "$(echo "$out" | jf 'j["reply"] and j["reply"]["text"]')" "echo:via the forward"
check "the public host got it from the relayed address" echo_saw "e['from'] == '$UA' and e['text'] == 'via the forward'"

stop_daemon a
stop_daemon b
check "the daemons stopped cleanly" grep -q "stopped" "$WORK/a/log"
rm -rf "$WORK"
