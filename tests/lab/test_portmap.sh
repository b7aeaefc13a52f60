#!/usr/bin/env bash
# lab.portmap: the daemon maps its node port on miniupnpd (site "pm", upnp) with PCP,
# then (PCP off) with NAT-PMP: the status line names the method and the site's public
# address, miniupnpd's nftables table holds the port, a public host connects over TCP
# to the external port, and after SIGTERM the rules are gone and the port is closed.
# Renewal, loss and re-adding are unit-tested (tests/unit/test_portmap_service.cpp). On a site without an IGD
# ("bare") the daemon gives up within its timeout and says so.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lab_init labpm

lab_up pm=portrestricted,upnp bare=portrestricted pub=none
P2PD_BIN=${P2PD_BIN:?P2PD_BIN must name the p2pd binary}
WORK=$(mktemp -d)
PORT=41234

start_daemon() { # NAME HOST PCP NATPMP
  local dir=$WORK/$1
  mkdir -p "$dir"
  cat >"$dir/config.json" <<EOF2
{"api": {"listen": ["unix:$dir/api.sock"]}, "node": {"port": $PORT},
 "stun": {"servers": []}, "turn": {"servers": []}, "signaling": {"mqtt": {"brokers": []}},
 "portmap": {"enabled": true, "pcp": $3, "natpmp": $4, "upnp": false, "lease_s": 120}}
EOF2
  lab_start_daemon "$dir" "$2"
}
portmap_line() { # NAME: state and reason of the portmap status line
  lab_exec "$(cat "$WORK/$1/host")" curl -s --max-time 5 --unix-socket "$WORK/$1/api.sock" http://p2pd/v1/status |
    "$PY" -c 'import json,sys; s=json.load(sys.stdin)["subsystems"]["portmap"]; print(s["state"], s["reason"])'
}
wait_state() { # NAME STATE SECONDS
  for _ in $(seq $(($3 * 10))); do portmap_line "$1" | grep -q "^$2 " && return 0; sleep 0.1; done
  return 1
}
rules() { lab_exec pm-r nft list table inet miniupnpd 2>/dev/null | grep -c "$PORT" || true; }

for method in pcp natpmp; do
  if [ $method = pcp ]; then start_daemon $method pm-h1 true true; else start_daemon $method pm-h1 false true; fi
  T0=$(now)
  check "$method: mapped" wait_state $method ready 10
  check_num "$method: mapped within (s)" "$(since "$T0")" "<" 3
  line=$(portmap_line $method)
  check "$method: status names udp and tcp via $method" grep -q "udp $PORT -> $PM_PUBLIC:[0-9]* ($method), tcp $PORT -> $PM_PUBLIC:[0-9]* ($method)" <<<"$line"
  check_num "$method: miniupnpd's table holds the port" "$(rules)" ">" 0
  ext=$(grep -o "tcp $PORT -> $PM_PUBLIC:[0-9]*" <<<"$line" | sed 's/.*://')
  check "$method: a public host connects over TCP to $PM_PUBLIC:$ext" \
    lab_exec pub-h1 socat -u /dev/null "TCP:$PM_PUBLIC:$ext,connect-timeout=3"
  stop_daemon $method
  check_eq "$method: rules gone after SIGTERM" "$(rules)" 0
  check_not "$method: the external port is closed again" \
    lab_exec pub-h1 socat -u /dev/null "TCP:$PM_PUBLIC:$ext,connect-timeout=2"
  check "$method: log says the mapping appeared" grep -q "appeared as $PM_PUBLIC" "$WORK/$method/log"
done

start_daemon bare bare-h1 true true
T0=$(now)
check "no IGD: degraded" wait_state bare degraded 10
check_num "no IGD: gave up within (s)" "$(since "$T0")" "<" 6
check "no IGD: the reason names both protocols" bash -c "grep -q 'pcp: .*natpmp: ' <<<\"\$1\"" _ "$(portmap_line bare)"
stop_daemon bare
rm -rf "$WORK"
