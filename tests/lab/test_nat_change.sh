#!/usr/bin/env bash
# lab.nat_change: the NAT result follows the network. A daemon on a public site's host
# classifies `open`; the site's router then becomes a stateful firewall (replies pass,
# nothing unsolicited does) and the host gets a second address on its LAN interface —
# a network change the daemon sees over netlink. Without any API call it must classify
# again, report `udp_firewall`, and announce net.address_added, nat.classified and
# nat.changed in GET /v1/events, in that order. Undoing both brings `open` back.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lab_init labnatchg
lab_up pub=none
P2PD_BIN=${P2PD_BIN:?P2PD_BIN must name the p2pd binary}
WORK=$(mktemp -d)
H=pub-h1
HOST_IP=$(lab addr "$H")
EXTRA_IP=${HOST_IP%.*}.14  # the site's /28 has room: one host uses .2

mkdir -p "$WORK/d"
cat >"$WORK/d/config.json" <<EOF
{"api": {"listen": ["unix:$WORK/d/api.sock"]}, "log": {"level": "debug"},
 "stun": {"servers": ["$STUN1:$STUN_PORT", "$STUN2:$STUN_PORT"], "filter_timeout_ms": 800},
 "turn": {"servers": []}, "signaling": {"mqtt": {"brokers": []}}, "portmap": {"enabled": false}}
EOF
lab_start_daemon "$WORK/d" "$H"

# nat_after RUNS SECONDS: the eth0/ipv4 result once run RUNS has finished.
nat_after() {
  local body
  for _ in $(seq $(($2 * 20))); do
    body=$(api d GET /v1/nat)
    if [ "$(echo "$body" | jf 'not j["running"] and j["runs"] >= '"$1"' and j["finished_at_ms"] > 0')" = True ]; then
      echo "$body" | jf '[r for r in j["results"] if r["interface"] == "eth0" and r["family"] == "ipv4"][0]'
      return 0
    fi
    sleep 0.05
  done
  echo "$body"
  return 1
}
runs() { api d GET /v1/nat | jf 'j["runs"]'; }
# events_since SEQ: "type:detail" per event after SEQ (detail: the NAT type or the address).
events_since() {
  api d GET "/v1/events?after=$1&timeout_ms=0&max=1000" |
    jf '"\n".join(e["type"] + ":" + str(e["data"].get("type") if e["type"].startswith("nat.") else (e["data"].get("address") or {}).get("address", "")) for e in j["events"])'
}
last_seq() { api d GET '/v1/events?timeout_ms=0' | jf 'j["last_seq"]'; }

r=$(nat_after 1 20) || fatal "no first NAT result: $r"
check_eq "public host: open" "$(echo "$r" | jf 'j["type"]')" open
check_eq "public host: external is its own address" "$(echo "$r" | jf 'j["external"]')" "$HOST_IP"
check "the first result was announced" grep -qx "nat.changed:open" <<<"$(events_since 0)"

# --- the network changes under the daemon ------------------------------------------------
seq0=$(last_seq)
runs0=$(runs)
lab_stateful_firewall pub-r
t0=$(now)
lab_exec "$H" ip addr add "$EXTRA_IP/28" dev eth0
r=$(nat_after $((runs0 + 1)) 20) || fatal "no new NAT result after the address change: $r"
took=$(since "$t0")
check_eq "behind the new firewall: udp_firewall, without a refresh call" "$(echo "$r" | jf 'j["type"]')" udp_firewall
check_eq "filtering is address-and-port dependent" "$(echo "$r" | jf 'j["filtering"]')" address_and_port_dependent
check_eq "the external address is still the host's" "$(echo "$r" | jf 'j["external"]')" "$HOST_IP"
check_num "re-classified within (s): netlink settle + probes + filter timeout" "$took" "<" 5
ev=$(events_since "$seq0")
lab_log "events after the change: $(echo $ev)"
check "net.address_added for $EXTRA_IP" grep -qx "net.address_added:$EXTRA_IP" <<<"$ev"
check "nat.changed to udp_firewall" grep -qx "nat.changed:udp_firewall" <<<"$ev"
# First occurrences: a later run may classify again (another address settles).
order=$(grep -E "^(net.address_added:$EXTRA_IP|nat.classified:udp_firewall|nat.changed:udp_firewall)$" <<<"$ev" | awk -F: '!seen[$1]++ {print $1}' | tr '\n' ' ')
check_eq "order: address, then classified, then changed" "$order" "net.address_added nat.classified nat.changed "

# --- and back ------------------------------------------------------------------------------
seq1=$(last_seq)
runs1=$(runs)
lab_exec pub-r nft delete table ip labfw
lab_exec "$H" ip addr del "$EXTRA_IP/28" dev eth0
r=$(nat_after $((runs1 + 1)) 20) || fatal "no NAT result after undoing the change: $r"
check_eq "firewall gone: open again" "$(echo "$r" | jf 'j["type"]')" open
ev=$(events_since "$seq1")
check "net.address_removed for $EXTRA_IP" grep -qx "net.address_removed:$EXTRA_IP" <<<"$ev"
check "nat.changed back to open" grep -qx "nat.changed:open" <<<"$ev"
# A run that finds what the one before found is classified but not "changed".
seq2=$(last_seq)
runs2=$(runs)
api d POST /v1/nat/refresh "{}" >/dev/null
check_eq "POST /v1/nat/refresh accepted" "$(status)" 202
nat_after $((runs2 + 1)) 20 >/dev/null || fail "no result after the refresh"
ev=$(events_since "$seq2")
check "same result again: nat.classified" grep -qx "nat.classified:open" <<<"$ev"
check_not "same result again: no nat.changed" grep -q "^nat.changed" <<<"$ev"

stop_daemon d
rm -rf "$WORK"
