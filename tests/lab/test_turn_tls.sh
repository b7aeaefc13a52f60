#!/usr/bin/env bash
# lab.turn_tls: p2pd's TURN client over TLS (RFC 8656 section 3.1) against the lab's
# coturn, whose TLS certificate the lab's CA signed for turn.lab.p2pd and the server's
# lab address (scripts/natlab/servers.sh):
#  - allocate over TLS from behind a port-restricted NAT (pr), checking the certificate
#    against the server's IP address (IP SAN, no SNI), and relay datagrams both ways to a
#    public host (pub), the daemon first and the public host first;
#  - the same from behind a symmetric NAT (sym) with server_name turn.lab.p2pd (SNI);
#  - a CA that did not sign the certificate: 502 tls_cert "certificate issuer is unknown";
#  - a server_name the certificate does not carry: 502 tls_cert;
#  - an unreadable ca_file: 500 tls_ca; an RFC 6062 TCP relay with only TLS servers: 400;
#  - DELETE and daemon stop leave coturn with no session.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lab_init labtls

lab_up pr=portrestricted sym=symmetric pub=none
P2PD_BIN=${P2PD_BIN:?P2PD_BIN must name the p2pd binary}
[ -n "${TURN_CA:-}" ] && [ -n "${TURN_TLS_PORT:-}" ] || fatal "the lab has no TURN TLS listener (openssl missing?)"
UDP_PEER=$LAB_TESTS_DIR/udp_peer.py
WORK=$(mktemp -d)
TURN_LOG=$LAB_RUN/turn.log
LAB_CA=$TURN_CA

turn_sessions() {
  "$PY" - "$TURN_LOG" <<'PYEOF'
import re, sys
new, gone = set(), set()
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"session (\d+): (new|delete):", line.replace("new,", "new:"))
    if m:
        (new if m.group(2) == "new" else gone).add(m.group(1))
print(len(new - gone))
PYEOF
}
wait_sessions() { # N SECONDS
  for _ in $(seq $(($2 * 10))); do [ "$(turn_sessions)" = "$1" ] && return 0; sleep 0.1; done
  return 1
}
recv() { api "$1" GET "/v1/pipes/$2/recv?timeout_ms=5000" | jf 'j["from"] + " " + j.get("text", "-")'; }

# A CA of our own that signed nothing the server has.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$WORK/wrong-ca.key" \
  -out "$WORK/wrong-ca.crt" -days 30 -subj "/CN=not the lab CA" >/dev/null 2>&1 || fatal "openssl: wrong CA"

start_turn_daemon a pr-h1 tls
TURN_SERVER_NAME=turn.lab.p2pd start_turn_daemon b sym-h1 tls
TURN_CA=$WORK/wrong-ca.crt start_turn_daemon wrongca pr-h1 tls
TURN_SERVER_NAME=evil.lab.p2pd start_turn_daemon wrongname pr-h1 tls
TURN_CA=/nonexistent/ca.pem start_turn_daemon noca pr-h1 tls
lab_exec pub-h1 "$PY" "$UDP_PEER" echo 7000 --prefix "echo:" >"$WORK/echo.jsonl" &

# --- allocation over TLS, the certificate checked against the server's IP ---------------------
T0=$(now)
ta=$(api a POST /v1/turn "{\"id\": \"ta\", \"peer\": \"$PUB_H1:7000\"}")
check_eq "pr: UDP allocation over TLS (201)" \
  "$(status) $(echo "$ta" | jf 'j["allocation"]["server"]["transport"] + " " + str(j["allocation"]["server"]["port"])')" \
  "201 tls $TURN_TLS_PORT"
check_num "pr: allocated over TLS within (s)" "$(since "$T0")" "<" 3
TA=$(echo "$ta" | jf 'j["allocation"]["relayed"]')
check_eq "pr: relayed address on the TURN server" "${TA%:*}" "$TURN"
check_eq "pr: mapped address is the site's public address" \
  "$(echo "$ta" | jf 'j["allocation"]["mapped"].split(":")[0]')" "$PR_PUBLIC"
check_eq "pr: the view names the server_name checked and the CA file" \
  "$(echo "$ta" | jf 'j["allocation"]["server"]["server_name"] + " " + j["allocation"]["server"]["ca_file"]')" \
  "$TURN $LAB_CA"

# --- datagrams both ways with a public host -----------------------------------------------------
api a POST /v1/pipes/ta/send '{"text": "hello over tls"}' >/dev/null
check_eq "pr: a datagram to the public host, its echo back through the TLS relay" \
  "$(recv a ta)" "$PUB_H1:7000 echo:hello over tls"
head -c 1200 /dev/urandom >"$WORK/blob"
echo_sha=$( (printf 'echo:'; cat "$WORK/blob") | sha256sum | cut -d' ' -f1)
api a POST /v1/pipes/ta/send "{\"data_b64\": \"$(base64 -w0 "$WORK/blob")\"}" >/dev/null
got=$(api a GET "/v1/pipes/ta/recv?timeout_ms=5000")
check_eq "pr: 1200 random bytes relayed there and back byte for byte" \
  "$(echo "$got" | jf 'j["size"]') $(echo "$got" | jf 'j["data_b64"]' | base64 -d | sha256sum | cut -d' ' -f1)" \
  "1205 $echo_sha"
lab_exec pub-h1 "$PY" "$UDP_PEER" send "$TA" --text "hello from pub" --port 7001 --wait 8 >"$WORK/pubfirst.json" &
pubfirst=$!
check_eq "pr: the public host's datagram arrived first-hand" "$(recv a ta)" "$PUB_H1:7001 hello from pub"
api a POST /v1/pipes/ta/send "{\"text\": \"answer over tls\", \"to\": \"$PUB_H1:7001\"}" >/dev/null
wait "$pubfirst" || true
check_eq "the public host got the answer from the relayed address" \
  "$(jf 'j["reply"] and j["reply"]["from"] + " " + j["reply"]["text"]' <"$WORK/pubfirst.json")" "$TA answer over tls"

# --- server_name: a DNS name (SNI) instead of the address -----------------------------------
tb=$(api b POST /v1/turn "{\"id\": \"tb\", \"peer\": \"$PUB_H1:7000\"}")
check_eq "sym: allocation over TLS with server_name turn.lab.p2pd" \
  "$(status) $(echo "$tb" | jf 'j["allocation"]["server"]["server_name"]')" "201 turn.lab.p2pd"
api b POST /v1/pipes/tb/send '{"text": "sym over tls"}' >/dev/null
check_eq "sym: relayed both ways" "$(recv b tb)" "$PUB_H1:7000 echo:sym over tls"

# --- certificate failures -----------------------------------------------------------------------
bad=$(api wrongca POST /v1/turn '{"id": "x"}')
check_eq "a CA that did not sign the certificate: 502 tls_cert" "$(status) $(echo "$bad" | jf 'j["error"]')" "502 tls_cert"
check "the reason is readable: certificate issuer is unknown" grep -q "certificate issuer is unknown" <<<"$bad"
bad=$(api wrongname POST /v1/turn '{"id": "x"}')
check_eq "a server_name the certificate lacks: 502 tls_cert" "$(status) $(echo "$bad" | jf 'j["error"]')" "502 tls_cert"
check "the reason names the name" grep -q "certificate is not for evil.lab.p2pd" <<<"$bad"
bad=$(api noca POST /v1/turn '{"id": "x"}')
check_eq "an unreadable ca_file: 500 tls_ca" "$(status) $(echo "$bad" | jf 'j["error"]')" "500 tls_ca"
check "the reason names the file" grep -q "/nonexistent/ca.pem: No such file" <<<"$bad"
check_eq "nothing kept after the failures" "$(api wrongca GET /v1/turn/x >/dev/null; status)" 404
bad=$(api a POST /v1/turn '{"id": "tcp", "relay": "tcp"}')
check_eq "an RFC 6062 TCP relay with only a TLS server: 400" "$(status) $(echo "$bad" | jf 'j["error"]')" "400 bad_request"
check "the reason says TLS is not supported for TCP relays" grep -q "over TLS are not supported" <<<"$bad"
check_not "no password in the answers or logs" grep -q "$TURN_PASS" "$WORK/a/log" "$WORK/wrongca/log" "$WORK/b/log"

# --- deallocation ---------------------------------------------------------------------------------
check_eq "coturn holds the 2 TLS allocations" "$(turn_sessions)" 2
api a DELETE /v1/turn/ta >/dev/null
check_eq "DELETE over TLS answered once the server confirmed" "$(status)" 200
check "coturn deleted that session" wait_sessions 1 5
for d in a b wrongca wrongname noca; do stop_daemon "$d"; done
check "daemon stop deleted the other: coturn holds 0 sessions" wait_sessions 0 5
check "the daemons stopped cleanly" grep -q "stopped" "$WORK/b/log"
rm -rf "$WORK"
