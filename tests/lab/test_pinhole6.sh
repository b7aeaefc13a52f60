#!/usr/bin/env bash
# lab.pinhole6: IPv6 pinholes through miniupnpd's WANIPv6FirewallControl. A site with
# IPv6 (natlab.sh ipv6: routed ULA, the router's IPv6 forward chain drops everything
# unsolicited from outside unless miniupnpd opened it) and a public site with IPv6:
#   - before any pinhole, a public host's UDP and TCP to the LAN host's IPv6 are dropped;
#   - the LAN host has two ULAs; its daemon opens pinholes for its node port (UDP, TCP)
#     on the one its requests come from (the kernel's source toward the router), and the
#     IGD refuses the other one (606: failed, not_authorized); the router's table inet
#     miniupnpd holds them; TCP to the node port connects;
#   - pinholes added through POST /v1/portmaps {"kind":"pinhole"} with lifetime_s 10 let
#     the public host's UDP and TCP in, are renewed (UpdatePinhole) past their first lease
#     and still let traffic in; a DELETE closes one again (its UDP is dropped);
#   - after SIGTERM the router holds no pinhole and TCP is dropped again.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lab_init labph6
lab_up hole=portrestricted,upnp=igd,ipv6 pub=none,ipv6
P2PD_BIN=${P2PD_BIN:?P2PD_BIN must name the p2pd binary}
WORK=$(mktemp -d)
PORT=41234     # the daemon's node port
HOLE=41250     # pinholed through the API, 10 s leases
# A second address: the kernel prefers the newer one as source, so it is the one the
# IGD pinholes; HOLE_H1_V6 is refused.
lab_exec hole-h1 ip -6 addr add fd00:1:1::99/64 dev eth0 nodad
ADDR=$(lab_exec hole-h1 ip -6 route get "$HOLE_GW6" | sed -n 's/.* src \([0-9a-f:]*\).*/\1/p')
OTHER=fd00:1:1::99; [ "$ADDR" != "$OTHER" ] || OTHER=$HOLE_H1_V6
RESULTS=$LAB_RESULTS_DIR/pinhole6.txt
: >"$RESULTS"

# Listeners on the LAN host: UDP datagrams appended to a file, TCP answers "pong".
lab_exec hole-h1 socat -u "UDP6-RECV:$HOLE,reuseaddr" "OPEN:$WORK/udp.txt,creat,append" &
lab_exec hole-h1 socat "TCP6-LISTEN:$HOLE,reuseaddr,fork" SYSTEM:'echo pong' &
sleep 0.3
# udp_in TEXT: the public host's datagram TEXT reaches the LAN host (within 1.5 s)
udp_in() {
  echo "$1" | lab_exec pub-h1 socat -u - "UDP6-SENDTO:[$ADDR]:$HOLE"
  for _ in $(seq 15); do grep -qx "$1" "$WORK/udp.txt" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
tcp_in() { # PORT: the public host's TCP connection to the LAN host gets answered / connects
  [ "$(lab_exec pub-h1 timeout 4 socat -T2 - "TCP6:[$ADDR]:$1,connect-timeout=2" </dev/null 2>/dev/null)" = pong ]
}
tcp_connects() { lab_exec pub-h1 timeout 4 socat -u /dev/null "TCP6:[$ADDR]:$1,connect-timeout=2"; }
router_holes() { # PROTO PORT: miniupnpd's chain accepts PROTO PORT to the LAN host's address
  local hex nh
  hex=$("$PY" -c 'import ipaddress,sys; print("0x" + ipaddress.IPv6Address(sys.argv[1]).packed.hex())' "$ADDR")
  nh=$([ "$1" = udp ] && echo 0x11 || echo 0x6)
  lab_exec hole-r nft list chain inet miniupnpd miniupnpd | grep -q "th dport $2 @nh,192,128 $hex @nh,48,8 $nh accept"
}
router_count() { lab_exec hole-r nft list chain inet miniupnpd miniupnpd | grep -c "accept" || true; }
pinholes() { # STATE: how many pinholes of the daemon are in STATE
  api hole GET /v1/portmaps | jf "len([m for m in j['portmaps'] if m['kind'] == 'pinhole' and m['state'] == '$1'])"
}
wait_pinholes() { # N SECONDS
  for _ in $(seq $(($2 * 10))); do [ "$(pinholes mapped)" -ge "$1" ] && return 0; sleep 0.1; done
  return 1
}
renewals() { api hole GET "/v1/portmaps/$1" | jf 'j["portmap"]["renewals"]'; }
wait_renewals() { # ID N SECONDS
  for _ in $(seq $(($3 * 10))); do [ "$(renewals "$1")" -ge "$2" ] && return 0; sleep 0.1; done
  return 1
}

check_not "before: the public host's UDP to [$ADDR]:$HOLE is dropped" udp_in before
check_not "before: the public host's TCP to [$ADDR]:$HOLE is dropped" tcp_connects "$HOLE"

dir=$WORK/hole
lab_portmap_config "$dir" "$PORT"
T0=$(now)
lab_start_daemon "$dir" hole-h1
check "node port: UDP and TCP pinholes open" wait_pinholes 2 8
took=$(since "$T0")
check_num "node port: pinholes open within (s)" "$took" "<" 6
echo "node_pinholes_s $took" >>"$RESULTS"
list=$(api hole GET /v1/portmaps)
check_eq "GET /v1/portmaps: the IGD's firewall control URL" \
  "$(jf 'j["pinholes"]["igd"]["control_url"]' <<<"$list")" "http://[$HOLE_GW6]:5000/ctl/IP6FCtl"
check_eq "GET /v1/portmaps: both addresses get pinholes" \
  "$(jf '",".join(sorted(j["pinholes"]["addresses"]))' <<<"$list")" "$(printf '%s\n' "$ADDR" "$OTHER" | sort | paste -sd,)"
check_eq "GET /v1/portmaps: the IGD sees us as" "$(jf 'j["pinholes"]["igd"]["local_address"]' <<<"$list")" "$ADDR"
for _ in $(seq 20); do [ "$(pinholes failed)" = 2 ] && break; sleep 0.1; list=$(api hole GET /v1/portmaps); done
list=$(api hole GET /v1/portmaps)
check_eq "the other address's pinholes: failed, not_authorized (606)" \
  "$(jf "sorted(m['error']['code'] for m in j['portmaps'] if m['kind'] == 'pinhole' and m['internal_address'] == '$OTHER')" <<<"$list")" \
  '["not_authorized", "not_authorized"]'
check_eq "GET /v1/portmaps: node pinholes for [$ADDR]:$PORT" \
  "$(jf "sorted(m['protocol'] + ' ' + m['external'] + ' ' + m['owner'] for m in j['portmaps'] if m['kind'] == 'pinhole' and m['state'] == 'mapped')" <<<"$list")" \
  "[\"tcp [$ADDR]:$PORT node\", \"udp [$ADDR]:$PORT node\"]"
check "router: miniupnpd's chain holds udp $PORT" router_holes udp "$PORT"
check "router: miniupnpd's chain holds tcp $PORT" router_holes tcp "$PORT"
check "the public host's TCP reaches the daemon's node port over IPv6" tcp_connects "$PORT"
table=$(lab_exec hole-h1 "$P2PD_BIN" portmaps --api "unix:$dir/api.sock" 2>&1 || true)
check "p2pd portmaps lists the pinholes" grep -q "pinhole udp .*\[$ADDR\]:$PORT" <<<"$table"
node_id=$(jf "[m['id'] for m in j['portmaps'] if m['kind'] == 'pinhole'][0]" <<<"$list")
api hole DELETE "/v1/portmaps/$node_id" >/dev/null
check_eq "DELETE of a node pinhole: 409" "$(status)" 409

udp_hole=$(api hole POST /v1/portmaps "{\"kind\": \"pinhole\", \"proto\": \"udp\", \"internal_port\": $HOLE, \"lifetime_s\": 10}")
check_eq "POST a UDP pinhole with lifetime_s 10: 201" "$(status)" 201
tcp_hole=$(api hole POST /v1/portmaps "{\"kind\": \"pinhole\", \"proto\": \"tcp\", \"internal_port\": $HOLE, \"lifetime_s\": 10}")
check_eq "POST a TCP pinhole with lifetime_s 10: 201" "$(status)" 201
udp_id=$(jf 'j["portmap"]["id"]' <<<"$udp_hole")
tcp_id=$(jf 'j["portmap"]["id"]' <<<"$tcp_hole")
check_eq "the API pinhole goes to the address the IGD sees" "$(jf 'j["portmap"]["internal_address"]' <<<"$udp_hole")" "$ADDR"
check_eq "granted lifetime (s)" "$(jf 'j["portmap"]["lifetime_s"]' <<<"$udp_hole")" 10
check_num "the pinhole has the IGD's unique id" "$(jf 'j["portmap"]["unique_id"]' <<<"$udp_hole")" ">" 0
T1=$(now)
check "while open: the public host's UDP arrives" udp_in during
check "while open: the public host's TCP is answered" tcp_in "$HOLE"
check "the 10 s pinholes renewed twice (UpdatePinhole)" wait_renewals "$udp_id" 2 14
check "... the TCP one too" wait_renewals "$tcp_id" 2 4
check_num "two renewals past the first lease (s)" "$(since "$T1")" ">" 9
sleep "$(awk -v t="$(since "$T1")" 'BEGIN { d = 11 - t; print (d > 0 ? d : 0) }')"
check "past the first lease: the public host's UDP still arrives" udp_in after-lease
check "past the first lease: TCP still answered" tcp_in "$HOLE"
check "the log says renewed" grep -q "udp pinhole \[$ADDR\]:$HOLE renewed" "$dir/log"

del=$(api hole DELETE "/v1/portmaps/$udp_id")
check_eq "DELETE the UDP pinhole: confirmed by the IGD" "$(jf 'j["gateway_confirmed"]' <<<"$del")" True
check_not "router: the UDP pinhole is gone" router_holes udp "$HOLE"
check_not "after DELETE: the public host's UDP is dropped" udp_in after-delete
check "after DELETE: the TCP pinhole still answers" tcp_in "$HOLE"

stop_daemon hole
check_eq "after SIGTERM: the router holds no pinhole" "$(router_count)" 0
check_not "after SIGTERM: the public host's TCP is dropped again" tcp_connects "$HOLE"
check "the log says the node pinholes appeared" grep -q "udp pinhole \[$ADDR\]:$PORT appeared (UniqueID" "$dir/log"
lab_log "timings: $(tr '\n' ' ' <"$RESULTS")"
rm -rf "$WORK"
