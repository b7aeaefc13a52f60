#!/usr/bin/env bash
# lab.nat_classify: p2pd's NAT classifier (GET /v1/nat) against the lab's real NATs, one
# lab with every site type, the lab's coturn (two addresses, RFC 5780) as STUN servers.
#  - per site, from its LAN host: turnutils_natdiscovery (mapping, filtering, "No NAT!")
#    and stunprobe.py from local ports a, a+1, c, c+1 (the port delta) measure the NAT;
#    then a daemon on the same host must report the same RFC 3489 type, mapping,
#    filtering and delta type, the site's public address (confirmed by both servers),
#    and how many requests and how long it took (table in $NATLAB_RESULTS_DIR);
#  - a public host is `open`; behind a stateful firewall without NAT: `udp_firewall`;
#  - UDP to the servers dropped while TCP gets through: `blocked`;
#  - every server unreachable: `unknown` within the configured cap, with exactly the
#    requests that stun.rto_ms / stun.rc / stun.rm allow.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lab_init labnatc

# site, lab spec, RFC 3489 type, mapping, filtering, delta type the daemon must report
# (natdiscovery and stunprobe must measure the same: the lab is what it claims).
EXPECT=(
  "none    none                          open                 EIM  EIF  not_applicable"
  "fw      none                          udp_firewall         EIM  APDF not_applicable"
  "full    fullcone                      full_cone            EIM  EIF  equal"
  "restr   restricted                    restricted_cone      EIM  ADF  equal"
  "portr   portrestricted                port_restricted_cone EIM  APDF equal"
  "sym     symmetric                     symmetric            APDM APDF random"
  "symseq  symseq                        symmetric            APDM APDF independent"
  "cgnpr   cgnat,carrier=portrestricted  port_restricted_cone EIM  APDF equal"
  "cgnseq  cgnat,carrier=symseq          symmetric            APDM APDF independent"
)
specs=()
for row in "${EXPECT[@]}"; do
  read -r name spec _ <<<"$row"
  specs+=("$name=$spec")
done
lab_up "${specs[@]}"
# fw: a public LAN behind a stateful firewall (replies pass, nothing unsolicited does).
lab_stateful_firewall fw-r
P2PD_BIN=${P2PD_BIN:?P2PD_BIN must name the p2pd binary}
WORK=$(mktemp -d)
SERVERS="\"$STUN1:$STUN_PORT\", \"$STUN2:$STUN_PORT\""

# --- what the lab's own tools measure ---------------------------------------------------
t0=$(now)
for row in "${EXPECT[@]}"; do
  read -r name _ <<<"$row"
  timeout 30 "$NATLAB" exec "$name-h1" turnutils_natdiscovery -m -f -L "$(lab addr "$name-h1")" \
    -p "$STUN_PORT" "$STUN1" >"$WORK/$name.nd" 2>&1 &
done
wait
lab_log "natdiscovery on ${#EXPECT[@]} sites: $(since "$t0") s"

# measured_delta HOST: the delta type seen by four new sockets on local ports a, a+1,
# c, c+1 (c far from a), one Binding each to STUN1, one after another.
measured_delta() {
  local host=$1 a c port mapped pairs=""
  a=$((30000 + RANDOM % 5000)) c=$((40000 + RANDOM % 5000))
  for port in "$a" $((a + 1)) "$c" $((c + 1)); do
    mapped=$(stun_probe "$host" --bind "$(lab addr "$host"):$port" "$STUN1:$STUN_PORT" | json_field mapped)
    pairs+=" $port:${mapped##*:}"
  done
  "$PY" - $pairs <<'EOF'
import sys
pairs = [tuple(int(x) for x in p.split(":")) if p.split(":")[1] else None for p in sys.argv[1:]]
if None in pairs or len(pairs) != 4:
    print("no-answer"); sys.exit()
if all(m == l for l, m in pairs):
    print("equal"); sys.exit()
if len({m - l for l, m in pairs}) == 1:
    print("preserving"); sys.exit()
steps = [pairs[i][1] - pairs[i - 1][1] for i in range(1, 4)]
if len(set(steps)) == 1 and steps[0] != 0:
    print("independent"); sys.exit()
if steps[0] == steps[2] != 0 and steps[1] != steps[0]:
    print("dependent"); sys.exit()
print("random")
EOF
}

# natdiscovery's words -> the API's (docs/API.md)
api_behaviour() {
  case $1 in EI?) echo endpoint_independent ;; AD?) echo address_dependent ;;
    APD?) echo address_and_port_dependent ;; *) echo unknown ;; esac
}
rfc3489_type() { # NONAT MAPPING FILTERING (natdiscovery's)
  if [ "$1" = yes ]; then
    if [ "$3" = EIF ]; then echo open; else echo udp_firewall; fi
    return
  fi
  case $2/$3 in
    EIM/EIF) echo full_cone ;; EIM/ADF) echo restricted_cone ;; EIM/APDF) echo port_restricted_cone ;;
    ADM/*|APDM/*) echo symmetric ;; *) echo unknown ;;
  esac
}

# --- daemons ----------------------------------------------------------------------------
# start_daemon NAME HOST [STUN_EXTRA]: a daemon on HOST with the lab's STUN servers.
start_daemon() {
  local name=$1 host=$2 extra=${3:-} dir=$WORK/$1
  mkdir -p "$dir"
  cat >"$dir/config.json" <<EOF
{"api": {"listen": ["unix:$dir/api.sock"]}, "log": {"level": "debug"},
 "stun": {"servers": [$SERVERS]$extra}, "turn": {"servers": []},
 "signaling": {"mqtt": {"brokers": []}}, "portmap": {"enabled": false}}
EOF
  lab_start_daemon "$dir" "$host"
}
api() { # NAME METHOD PATH (a POST carries an empty body: Content-Length 0)
  local body=()
  [ "$2" != POST ] || body=(-d '')
  curl -s --max-time 20 --unix-socket "$WORK/$1/api.sock" -X "$2" "${body[@]}" "http://p2pd$3"
}
jf() { "$PY" -c 'import json,sys; j=json.load(sys.stdin); v=eval(sys.argv[1]); print(v if not isinstance(v,(dict,list)) else json.dumps(v))' "$1"; }
# wait_result NAME RUNS SECONDS: the eth0/ipv4 result once run RUNS has finished.
wait_result() {
  local body
  for _ in $(seq $(($3 * 20))); do
    body=$(api "$1" GET /v1/nat)
    if [ "$(echo "$body" | jf 'not j["running"] and j["runs"] >= '"$2"' and j["finished_at_ms"] > 0')" = True ]; then
      echo "$body" | jf '[r for r in j["results"] if r["interface"] == "eth0" and r["family"] == "ipv4"][0]'
      return 0
    fi
    sleep 0.05
  done
  echo "$body"
  return 1
}

for row in "${EXPECT[@]}"; do
  read -r name _ <<<"$row"
  start_daemon "$name" "$name-h1"
done
for row in "${EXPECT[@]}"; do
  read -r name _ <<<"$row"
  wait_result "$name" 1 20 >"$WORK/$name.json" || fail "$name: no NAT result within 20 s: $(cat "$WORK/$name.json")"
done

TABLE="$LAB_RESULTS_DIR/nat_classify.md"
{
  echo "| site | lab | natdiscovery (map, filter, No NAT) | stunprobe delta | p2pd type | mapping | filtering | delta | external | requests | ms |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
} >"$TABLE"
for row in "${EXPECT[@]}"; do
  read -r name spec want_type want_map want_filt want_delta <<<"$row"
  nd=$WORK/$name.nd
  nd_map=$(natdiscovery_verdict "$nd" Mapping)
  nd_filt=$(natdiscovery_verdict "$nd" Filtering)
  if grep -q 'No NAT!' "$nd"; then nonat=yes; else nonat=no; fi
  nd_type=$(rfc3489_type "$nonat" "$nd_map" "$nd_filt")
  probe_delta=$(measured_delta "$name-h1")
  [ "$nonat" = no ] || probe_delta=not_applicable
  r=$(cat "$WORK/$name.json")
  got() { echo "$r" | jf "$1"; }
  if [ "$spec" = none ]; then want_ip=$(lab addr "$name-h1"); else want_ip=$(lab addr "$name"); fi

  check_eq "$name: natdiscovery measures the lab's claim ($want_map $want_filt)" "$nd_map $nd_filt" "$want_map $want_filt"
  check_eq "$name: stunprobe measures the claimed delta" "$probe_delta" "$want_delta"
  check_eq "$name: type agrees with natdiscovery" "$(got 'j["type"]')" "$nd_type"
  check_eq "$name: mapping agrees with natdiscovery" "$(got 'j["mapping"]')" "$(api_behaviour "$nd_map")"
  check_eq "$name: filtering agrees with natdiscovery" "$(got 'j["filtering"]')" "$(api_behaviour "$nd_filt")"
  check_eq "$name: delta agrees with stunprobe" "$(got 'j["delta"]["type"]')" "$probe_delta"
  check_eq "$name: external address is the site's, confirmed by both servers" \
    "$(got 'j["external"]') $(got 'j["confirmed"]') $(got 'j["nat"]')" "$want_ip True $([ "$spec" = none ] && echo False || echo True)"
  case $want_delta in
    independent) check_eq "$name: delta value is the router's step" "$(got 'j["delta"]["value"]')" 1 ;;
    *) check_eq "$name: delta value" "$(got 'j["delta"]["value"]')" 0 ;;
  esac
  [ "$(got 'j["type"]')" = "$want_type" ] || sed 's/^/#   /' "$nd" | tail -n 20
  echo "| $name | $spec | $nd_map $nd_filt $nonat | $probe_delta | $(got 'j["type"]') | $(got 'j["mapping"]') | $(got 'j["filtering"]') | $(got 'j["delta"]["type"]') $(got 'j["delta"]["value"]') | $(got 'j["external"]') | $(got 'j["requests"]') | $(got 'j["elapsed_ms"]') |" >>"$TABLE"
done
lab_log "measured table ($TABLE):"
sed 's/^/#   /' "$TABLE"
check_eq "GET /v1/status: nat ready on the port-restricted site" "$(api portr GET /v1/status | jf 'j["subsystems"]["nat"]["state"]')" ready
for row in "${EXPECT[@]}"; do
  read -r name _ <<<"$row"
  kill -TERM "$(cat "$WORK/$name/pid")" 2>/dev/null || true
done
wait 2>/dev/null || true

# --- UDP blocked, TCP answering: blocked ---------------------------------------------------
# A daemon with a short schedule: RTO 100 ms, 3 sends, 4 RTOs of wait = 700 ms per request.
FAST=', "rto_ms": 100, "rc": 3, "rm": 4, "timeout_ms": 1500, "filter_timeout_ms": 800'
start_daemon fast portr-h1 "$FAST"
r=$(wait_result fast 1 10) || fail "fast: no first result"
check_eq "short schedule: still port_restricted_cone" "$(echo "$r" | jf 'j["type"]')" port_restricted_cone
lab_block_stun_udp portr-r
api fast POST /v1/nat/refresh >/dev/null
r=$(wait_result fast 2 10) || fail "fast: no result after the refresh (UDP dropped)"
check_eq "UDP to the servers dropped, TCP answered: blocked" \
  "$(echo "$r" | jf 'j["type"] + " " + str(j["tcp_answered"]) + " " + str(j["external"])')" "blocked True None"
check "blocked: the reason says TCP answered" grep -q "answered over TCP" <<<"$(echo "$r" | jf 'j["reason"]')"

# --- nothing reachable: unknown within the cap ----------------------------------------------------
lab_exec portr-r nft add rule ip labblock forward ip daddr 198.51.100.0/24 drop
t0=$(now)
api fast POST /v1/nat/refresh >/dev/null
r=$(wait_result fast 3 10) || fail "fast: no result after the refresh (all dropped)"
took=$(since "$t0")
check_eq "no server reachable: unknown, nothing guessed" \
  "$(echo "$r" | jf 'j["type"] + " " + j["mapping"] + " " + j["filtering"] + " " + j["delta"]["type"] + " " + str(j["external"]) + " " + str(j["tcp_answered"])')" \
  "unknown unknown unknown unknown None False"
# UDP: 3 sends to each of 2 servers (0, 100, 300 ms; given up at 700 ms); TCP: one
# connection attempt each, bounded by stun.timeout_ms (1500 ms).
check_eq "unknown: exactly rc sends per server plus one TCP attempt each" "$(echo "$r" | jf 'j["requests"]')" 8
check_num "unknown: classified within the TCP cap (ms)" "$(echo "$r" | jf 'j["elapsed_ms"]')" "<=" 1700
check_num "unknown: the API had the result within (s)" "$took" "<" 2.5
check "unknown: the reason says nothing answered" grep -q "no answer from 2 server(s) over UDP or TCP" <<<"$(echo "$r" | jf 'j["reason"]')"
kill -TERM "$(cat "$WORK/fast/pid")" 2>/dev/null || true
wait 2>/dev/null || true
rm -rf "$WORK"
