#!/usr/bin/env bash
# lab.turn: p2pd's TURN client against the lab's coturn, from LAN hosts behind a
# port-restricted (pr) and a symmetric (sym) NAT, with a public host (pub), in one lab:
#  - UDP and TCP (RFC 6062) allocations, and an IPv6 relay (RFC 6156) when asked for;
#  - a permission and a channel, confirmed by coturn's log;
#  - a wrong password is a clear error (and never shown);
#  - allocations refreshed across a lifetime shorter than the test (coturn caps it);
#  - allocations deleted on DELETE and at daemon stop: coturn's session count drops to 0.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lab_init labturn

LIFETIME=16  # coturn's max-allocate-lifetime: refreshes every 8 s
export NATLAB_TURN_MAX_LIFETIME=$LIFETIME
# An IPv6 relay address for REQUESTED-ADDRESS-FAMILY (coturn binds relays per allocation,
# so the address may be added to the server's namespace after it starts).
RELAY6=2001:db8:100::20
export NATLAB_TURN_EXTRA="relay-ip=$RELAY6"
lab_up pr=portrestricted sym=symmetric pub=none
lab_exec srv ip -6 addr add "$RELAY6/64" dev eth0 nodad
P2PD_BIN=${P2PD_BIN:?P2PD_BIN must name the p2pd binary}
WORK=$(mktemp -d)
TURN_LOG=$LAB_RUN/turn.log

# --- daemons ---------------------------------------------------------------------------
# Each with the lab's TURN server over UDP and TCP and, as server 2, the same server
# with a wrong password.
# Sessions coturn holds now: created ("new") and not yet deleted.
turn_sessions() {
  "$PY" - "$TURN_LOG" <<'EOF'
import re, sys
new, gone = set(), set()
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"session (\d+): (new|delete):", line.replace("new,", "new:"))
    if m:
        (new if m.group(2) == "new" else gone).add(m.group(1))
print(len(new - gone))
EOF
}
wait_sessions() { # N SECONDS: until coturn holds N sessions
  for _ in $(seq $(($2 * 10))); do [ "$(turn_sessions)" = "$1" ] && return 0; sleep 0.1; done
  return 1
}

start_turn_daemon a pr-h1 udp tcp udp:not-the-password
start_turn_daemon b sym-h1 udp tcp udp:not-the-password
check_eq "no session on coturn before any allocation" "$(turn_sessions)" 0

# --- allocations ---------------------------------------------------------------------------
T_ALLOC=$(now)
udp=$(api a POST /v1/turn '{"id": "u1", "server": 0}')
check_eq "pr: UDP allocation made (201)" "$(status)" 201
check_eq "pr: relayed address on the TURN server" "$(echo "$udp" | jf 'j["allocation"]["relayed"].split(":")[0]')" "$TURN"
check_eq "pr: mapped address is the site's public address" \
  "$(echo "$udp" | jf 'j["allocation"]["mapped"].split(":")[0]')" "$PR_PUBLIC"
check_eq "pr: granted lifetime is coturn's cap" "$(echo "$udp" | jf 'j["allocation"]["lifetime_s"]')" "$LIFETIME"
tcp=$(api a POST /v1/turn '{"id": "t1", "relay": "tcp"}')
check_eq "pr: RFC 6062 TCP allocation made over TCP" \
  "$(status) $(echo "$tcp" | jf 'j["allocation"]["relay"] + " " + j["allocation"]["server"]["transport"]')" "201 tcp tcp"
sym=$(api b POST /v1/turn '{"id": "s1"}')
check_eq "sym: UDP allocation made behind a symmetric NAT" \
  "$(status) $(echo "$sym" | jf 'j["allocation"]["mapped"].split(":")[0]')" "201 $SYM_PUBLIC"
v6=$(api b POST /v1/turn '{"id": "s6", "family": "ipv6"}')
check_eq "sym: IPv6 relay (REQUESTED-ADDRESS-FAMILY)" \
  "$(status) $(echo "$v6" | jf 'j["allocation"]["relayed"].rsplit(":",1)[0]')" "201 [$RELAY6]"
check_num "four allocations within" "$(since "$T_ALLOC")" "<" 5
check_eq "coturn holds 4 sessions" "$(turn_sessions)" 4

# --- permission and channel ------------------------------------------------------------------
perm=$(api a POST /v1/turn/u1/permissions "{\"peer\": \"$PUB_H1\"}")
check_eq "permission for the public host installed" "$(status) $(echo "$perm" | jf 'j["installed"]')" "201 True"
chan=$(api a POST /v1/turn/u1/channels "{\"peer\": \"$PUB_H1:7000\"}")
check_eq "channel bound to the public host" "$(status) $(echo "$chan" | jf 'j["channel"]')" "201 16384"
check "coturn installed the permission" grep -q "peer $PUB_H1 lifetime updated: 300" "$TURN_LOG"
check "coturn bound the channel" grep -q "CHANNEL_BIND processed, success" "$TURN_LOG"
view=$(api a GET /v1/turn/u1)
check_eq "the allocation shows its permission and channel" \
  "$(echo "$view" | jf '[p["peer"] for p in j["allocation"]["permissions"]] + [c["peer"] for c in j["allocation"]["channels"]]')" \
  "[\"$PUB_H1\", \"$PUB_H1:7000\"]"

# --- wrong password ------------------------------------------------------------------------
bad=$(api a POST /v1/turn '{"id": "bad", "server": 2}')
check_eq "wrong password: 502 turn_auth" "$(status) $(echo "$bad" | jf 'j["error"]')" "502 turn_auth"
check "wrong password: the error names the user and realm" \
  grep -q "refused user '$TURN_USER' in realm '$TURN_REALM'" <<<"$bad"
check_not "wrong password: the password is not in the answer" grep -q "not-the-password" <<<"$bad"
check_eq "wrong password: nothing kept" "$(api a GET /v1/turn/bad >/dev/null; status)" 404

# --- refreshes across a lifetime shorter than the test ---------------------------------------
# Allocated at T_ALLOC with a 16 s lifetime; refreshed every 8 s. Wait past two lifetimes.
sleep "$(awk -v t="$(since "$T_ALLOC")" -v l="$LIFETIME" 'BEGIN { d = 2 * l + 2 - t; print (d > 0 ? d : 0) }')"
view=$(api a GET /v1/turn/u1)
check_eq "after two lifetimes the allocation is still held" "$(echo "$view" | jf 'j["allocation"]["state"]')" allocated
check_num "it was refreshed" "$(echo "$view" | jf 'j["allocation"]["counters"]["refreshes"]')" ">=" 3
check_eq "coturn still holds all 4 sessions" "$(turn_sessions)" 4
check "coturn saw the refreshes" grep -q "refreshed, realm=<$TURN_REALM>, username=<$TURN_USER>, lifetime=$LIFETIME" "$TURN_LOG"
check_eq "the TCP allocation is still held too" "$(api a GET /v1/turn/t1 | jf 'j["allocation"]["state"]')" allocated

# --- deallocation ------------------------------------------------------------------------------
api a DELETE /v1/turn/u1 >/dev/null
check_eq "DELETE answered once the server confirmed" "$(status)" 200
check "coturn got a Refresh with LIFETIME 0" grep -q "refreshed, realm=<$TURN_REALM>, username=<$TURN_USER>, lifetime=0" "$TURN_LOG"
check "coturn deleted that session (3 left)" wait_sessions 3 5
stop_daemon a
stop_daemon b
check "daemon stop deleted every allocation: coturn holds 0 sessions" wait_sessions 0 5
check_not "no password in either daemon's log" grep -q -e "not-the-password" -e "$TURN_PASS" "$WORK/a/log" "$WORK/b/log"
check "the daemons stopped cleanly" grep -q "stopped" "$WORK/a/log"
rm -rf "$WORK"
