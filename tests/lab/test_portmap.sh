#!/usr/bin/env bash
# lab.portmap: port mapping against miniupnpd, one lab site per protocol it is left to
# speak (natlab.sh upnp=pcp|natpmp|igd). For each, a daemon on the site's LAN host with
# every protocol switched on (PCP, NAT-PMP, UPnP IGD, tried in that order):
#   - maps its node port for UDP and TCP with that protocol, within a time budget
#     (the protocols tried before it go unanswered first);
#   - the router holds the mappings (miniupnpd's nftables table; for IGD also
#     `upnpc -l` from the LAN host, with the daemon's description);
#   - a daemon on the public segment opens a QUIC session to it through the mapped
#     external port, once over UDP and once over TCP (peer key checked by the handshake);
#   - a mapping added through POST /v1/portmaps with lifetime_s 10 is renewed (renewal
#     count in GET /v1/portmaps, "renewed" in the log) and outlives its first lease on the
#     router, same external port;
#   - after SIGTERM the router holds none of them and the external port is closed.
# On a site without miniupnpd the daemon gives up within its budget and says why for
# each protocol (status line, GET /v1/portmaps, POST /v1/portmaps answering 502 at once:
# PCP and NAT-PMP meet ICMP port unreachable, UPnP's failed discovery is remembered).
# Loss and re-adding are unit-tested (tests/unit/test_portmap_service.cpp).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lab_init labpm

# LAB_PORTMAP_METHODS: the rounds to run (default all three), for debugging one
read -r -a METHODS <<<"${LAB_PORTMAP_METHODS:-pcp natpmp igd}"
lab_up pcp=portrestricted,upnp=pcp natpmp=portrestricted,upnp=natpmp igd=portrestricted,upnp=igd \
  bare=portrestricted pub=none
P2PD_BIN=${P2PD_BIN:?P2PD_BIN must name the p2pd binary}
WORK=$(mktemp -d)
PORT=41234       # the LAN daemons' node port
SHORT_PORT=41240 # mapped through the API with a 10 s lease
PUB_PORT=41300   # the public daemon's node port
RESULTS=$LAB_RESULTS_DIR/portmap.txt
: >"$RESULTS"

# Seconds from daemon start to "ready" that each protocol may take: PCP answers at once;
# NAT-PMP comes after PCP's 2 s go unanswered (the lab drops PCP there); UPnP needs SSDP
# discovery (2 s), which runs alongside PCP and NAT-PMP, both ended at once by the
# router's ICMP port unreachable. Without any of them the daemon gives up after the
# discovery's 2 s (it was ~6 s when PCP, NAT-PMP and SSDP took 2 s each in turn), and a
# mapping asked for soon after fails at once: the failed discovery is remembered.
declare -A BUDGET=([pcp]=3 [natpmp]=5 [igd]=4)
BARE_BUDGET=4
BARE_ADD_BUDGET=1

start_lan_daemon() { # NAME HOST
  local dir=$WORK/$1
  lab_portmap_config "$dir" "$PORT"
  lab_start_daemon "$dir" "$2"
}
start_pub_daemon() {
  local dir=$WORK/pub
  mkdir -p "$dir"
  cat >"$dir/config.json" <<EOF
{"api": {"listen": ["unix:$dir/api.sock"]}, "node": {"port": $PUB_PORT},
 "stun": {"servers": []}, "turn": {"servers": []}, "signaling": {"mqtt": {"brokers": []}},
 "portmap": {"enabled": false}}
EOF
  lab_start_daemon "$dir" pub-h1
}
portmap_line() { # NAME: state and reason of the portmap status line
  api "$1" GET /v1/status | jf 'j["subsystems"]["portmap"]["state"] + " " + j["subsystems"]["portmap"]["reason"]'
}
wait_state() { # NAME STATE SECONDS
  local deadline
  deadline=$(awk -v t="$(now)" -v d="$3" 'BEGIN { printf "%.3f", t + d }')
  while awk -v t="$(now)" -v d="$deadline" 'BEGIN { exit !(t < d) }'; do
    portmap_line "$1" | grep -q "^$2 " && return 0
    sleep 0.05
  done
  return 1
}
# node_ext NAME PROTO: the external port of the node port's PROTO mapping
node_ext() {
  api "$1" GET /v1/portmaps |
    jf "[m['external'].split(':')[1] for m in j['portmaps'] if m['owner'] == 'node' and m['protocol'] == '$2'][0]"
}
# router_holds SITE PROTO EXT: miniupnpd's nftables table DNATs PROTO EXT to the LAN host.
# Tried for up to 2 s: miniupnpd replaces a rule (a retransmitted or renewing request)
# by deleting and adding it in two steps, and a listing can fall in between.
router_holds() {
  local h=${1^^}_H1
  for _ in $(seq 20); do
    lab_exec "$1-r" nft list chain inet miniupnpd prerouting_miniupnpd |
      grep -q "@nh,72,8 $([ "$2" = udp ] && echo 0x11 || echo 0x6) th dport $3 dnat ip to ${!h}:" && return 0
    sleep 0.1
  done
  return 1
}
router_rules() { lab_exec "$1-r" nft list table inet miniupnpd | grep -c "dnat ip to" || true; }
# upnpc_lists SITE PROTO EXT: upnpc -l from the LAN host shows the mapping (described p2pd <id>)
upnpc_lists() {
  lab_exec "$1-h1" upnpc -i -l 2>&1 | grep -E "^ *[0-9]+ ${2^^} +$3->[0-9.]+:[0-9]+ +'p2pd [a-z0-9]+'"
}
# dial NAME PATH EXT: the public daemon opens a session (over PATH) to NAME's daemon at its
# site's public address and port EXT; prints "candidate" of the session
dial() {
  local addr pub=${1^^}_PUBLIC
  addr=$(api "$1" GET /v1/addr | jf 'j["addr"]')
  addr=$("$PY" -c 'import sys; p = sys.argv[1].split("_"); print("_".join(p[:2] + [sys.argv[3]] + p[3:4] + ["1,4," + sys.argv[2] + ",,,u,"]))' \
    "$addr" "${!pub}" "$3")
  api pub POST /v1/sessions "{\"to\": \"$addr\", \"path\": \"$2\", \"timeout_ms\": 8000}" | jf 'j["session"]["candidate"]'
}
renewals() { api "$1" GET "/v1/portmaps/$2" | jf 'j["portmap"]["renewals"]'; }
wait_renewals() { # NAME ID N SECONDS
  for _ in $(seq $(($4 * 10))); do [ "$(renewals "$1" "$2")" -ge "$3" ] && return 0; sleep 0.1; done
  return 1
}

start_pub_daemon
for m in "${METHODS[@]}"; do
  pubvar=${m^^}_PUBLIC; public=${!pubvar}
  name=$m; [ "$m" != igd ] || name=upnp  # the daemon's name for the method
  start_lan_daemon "$m" "$m-h1"
  T0=$(now)
  check "$m: node port mapped" wait_state "$m" ready "${BUDGET[$m]}"
  took=$(since "$T0")
  check_num "$m: UDP+TCP mapped within (s)" "$took" "<" "${BUDGET[$m]}"
  echo "$m mapped_s $took" >>"$RESULTS"
  line=$(portmap_line "$m")
  check "$m: status names udp and tcp via $name" \
    grep -q "udp $PORT -> $public:[0-9]* ($name), tcp $PORT -> $public:[0-9]* ($name)" <<<"$line"
  check_eq "$m: GET /v1/portmaps names the method" "$(api "$m" GET /v1/portmaps | jf 'j["method"]')" "$name"
  udp_ext=$(node_ext "$m" udp) tcp_ext=$(node_ext "$m" tcp)
  check "$m: miniupnpd's table maps udp $udp_ext" router_holds "$m" udp "$udp_ext"
  check "$m: miniupnpd's table maps tcp $tcp_ext" router_holds "$m" tcp "$tcp_ext"
  if [ "$m" = igd ]; then
    check "$m: upnpc -l lists udp $udp_ext" upnpc_lists "$m" udp "$udp_ext"
    check "$m: upnpc -l lists tcp $tcp_ext" upnpc_lists "$m" tcp "$tcp_ext"
  fi

  cand=$(dial "$m" udp "$udp_ext" || true)
  check_eq "$m: a public host's QUIC session over UDP through the mapping" "$cand" "udp $public:$udp_ext (nic)"
  cand=$(dial "$m" tcp "$tcp_ext" || true)
  check_eq "$m: a public host's QUIC session over TCP through the mapping" "$cand" "tcp $public:$tcp_ext (nic)"

  short=$(api "$m" POST /v1/portmaps "{\"proto\": \"udp\", \"internal_port\": $SHORT_PORT, \"lifetime_s\": 10}")
  check_eq "$m: POST /v1/portmaps with lifetime_s 10" "$(status)" 201
  id=$(jf 'j["portmap"]["id"]' <<<"$short")
  short_ext=$(jf 'j["portmap"]["external"].split(":")[1]' <<<"$short")
  check_num "$m: granted lifetime (s)" "$(jf 'j["portmap"]["lifetime_s"]' <<<"$short")" "<=" 10
  T1=$(now)
  check "$m: the 10 s mapping renewed twice" wait_renewals "$m" "$id" 2 14
  check_num "$m: two renewals past the first lease (s)" "$(since "$T1")" ">" 9
  check "$m: the log says renewed" grep -q "udp $SHORT_PORT renewed" "$WORK/$m/log"
  check_eq "$m: renewed on the same external port" \
    "$(api "$m" GET "/v1/portmaps/$id" | jf 'j["portmap"]["external"].split(":")[1]')" "$short_ext"
  check "$m: the router still holds it after its first lease" router_holds "$m" udp "$short_ext"

  stop_daemon "$m"
  check_eq "$m: the router holds no mapping after SIGTERM" "$(router_rules "$m")" 0
  [ "$m" != igd ] || check_not "$m: upnpc -l lists none after SIGTERM" upnpc_lists "$m" '[A-Z]+' '[0-9]+'
  check_not "$m: the external TCP port is closed again" \
    lab_exec pub-h1 socat -u /dev/null "TCP:$public:$tcp_ext,connect-timeout=2"
  check "$m: the log says the node port appeared" grep -q "tcp $PORT appeared as $public:$tcp_ext ($name)" "$WORK/$m/log"
done

start_lan_daemon bare bare-h1
T0=$(now)
check "no IGD: degraded" wait_state bare degraded "$BARE_BUDGET"
took=$(since "$T0")
check_num "no IGD: gave up within (s)" "$took" "<" "$BARE_BUDGET"
echo "bare gave_up_s $took" >>"$RESULTS"
line=$(portmap_line bare)
check "no IGD: the status reason names pcp, natpmp and upnp" \
  grep -Eq "(udp|tcp) $PORT: pcp: .*; natpmp: .*; upnp: " <<<"$line"
lab_log "no IGD: $line"
node_states() { api bare GET /v1/portmaps | jf '" ".join(sorted(m["state"] for m in j["portmaps"]))'; }
# UPnP jobs run one at a time: the second mapping's discovery follows the first's
for _ in $(seq 40); do [ "$(node_states)" = "failed failed" ] && break; sleep 0.1; done
check_eq "no IGD: GET /v1/portmaps shows both node port mappings failed" "$(node_states)" "failed failed"
T0=$(now)
api bare POST /v1/portmaps "{\"proto\": \"tcp\", \"internal_port\": $SHORT_PORT}" >"$WORK/bare/add.json"
check_eq "no IGD: POST /v1/portmaps answers 502" "$(status)" 502
check "no IGD: ... saying portmap_failed for every protocol" \
  grep -q "portmap_failed.*pcp: .*natpmp: .*upnp: " "$WORK/bare/add.json"
took=$(since "$T0")
check_num "no IGD: ... within (s)" "$took" "<" "$BARE_ADD_BUDGET"
echo "bare add_failed_s $took" >>"$RESULTS"
check "no IGD: ... PCP and NAT-PMP refused (ICMP port unreachable)" \
  grep -q "pcp: PCP: [0-9.]*:5351 is closed (ICMP port unreachable).*natpmp: NAT-PMP: [0-9.]*:5351 is closed" "$WORK/bare/add.json"
check "no IGD: ... UPnP's failed discovery remembered" grep -q "not searched again for" "$WORK/bare/add.json"
stop_daemon bare
stop_daemon pub
lab_log "timings: $(tr '\n' ' ' <"$RESULTS")"
rm -rf "$WORK"
