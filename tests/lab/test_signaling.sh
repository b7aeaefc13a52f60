#!/usr/bin/env bash
# lab.signaling: daemons on LAN hosts behind a port-restricted (pr) and a symmetric (sym)
# NAT exchange sealed signaling messages (POST /v1/signaling/ping) through mosquitto on
# the server segment, over two brokers (the lab's on 1883 and a second one on 1884):
#  - ping both ways; a book entry refreshed by key alone;
#  - a third daemon (pub) cannot read them: a captured envelope holds no plaintext, and
#    handed to the third daemon it is dropped as undecryptable; replayed to its
#    recipient it is dropped as a duplicate (forging is unit-tested: test_signaling_mqtt);
#  - one broker of two down: pings still work;
#  - the remaining broker restarted: pings fail while it is down, work after reconnect;
#  - the published address carries the NAT classifier's results (a and b use the lab's
#    STUN servers): the refreshed address of b names the symmetric site's external
#    address and type, and after b's NAT changes (UDP to STUN dropped: blocked) the next
#    refresh sees the address b published again.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lab_init labsig

lab_up pr=portrestricted sym=symmetric pub=none
P2PD_BIN=${P2PD_BIN:?P2PD_BIN must name the p2pd binary}
WORK=$(mktemp -d)
MQTT2_PORT=1884

start_broker2() {
  cat >"$WORK/mqtt2.conf" <<EOF
listener $MQTT2_PORT $MQTT
allow_anonymous true
persistence false
EOF
  chmod 644 "$WORK/mqtt2.conf"; chmod 755 "$WORK"
  "$NATLAB" exec srv mosquitto -c "$WORK/mqtt2.conf" >>"$WORK/mqtt2.log" 2>&1 &
  echo $! >"$WORK/mqtt2.pid"
}
start_broker1() {
  "$NATLAB" exec srv mosquitto -c "$LAB_RUN/mqtt.conf" >>"$LAB_RUN/mqtt.log" 2>&1 &
  echo $! >"$WORK/mqtt1.pid"
}
stop_pid() { kill -TERM "$1" 2>/dev/null || true; for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; kill -KILL "$1" 2>/dev/null || true; }

start_daemon() { # NAME HOST BROKERS-JSON [STUN-JSON]
  local dir=$WORK/$1 stun=${4:-'{"servers": []}'}
  mkdir -p "$dir"
  cat >"$dir/config.json" <<EOF
{"api": {"listen": ["unix:$dir/api.sock"]}, "log": {"level": "debug"},
 "stun": $stun, "turn": {"servers": []}, "portmap": {"enabled": false},
 "signaling": {"mqtt": {"brokers": $3}}}
EOF
  lab_start_daemon "$dir" "$2"
}
api() { # NAME METHOD PATH [BODY]: the body; its HTTP status in $WORK/status
  local dir=$WORK/$1 out
  out=$(lab_exec "$(cat "$dir/host")" curl -s --max-time 40 --unix-socket "$dir/api.sock" -X "$2" \
    -H 'Content-Type: application/json' ${4:+-d "$4"} -w '\n%{http_code}' "http://p2pd$3")
  echo "${out##*$'\n'}" >"$WORK/status"
  printf '%s\n' "${out%$'\n'*}"
}
jf() { "$PY" -c 'import json,sys; j=json.load(sys.stdin); v=eval(sys.argv[1]); print(v if not isinstance(v,(dict,list)) else json.dumps(v))' "$1"; }
status() { cat "$WORK/status"; }
connected() { api "$1" GET /v1/status | jf 'j["signaling"]["connected"]'; }
wait_connected() { # NAME N SECONDS
  for _ in $(seq $(($3 * 10))); do [ "$(connected "$1")" = "$2" ] && return 0; sleep 0.1; done
  return 1
}
metric() { # NAME REASON: p2pd_signal_dropped_total{reason=REASON}
  api "$1" GET /metrics | awk -v r="reason=\"$2\"" 'index($0, "p2pd_signal_dropped_total{") == 1 && index($0, r) { print $2 }' | head -1
}
# IPv4 group (the lab hosts have one interface) of an address or book entry, read from stdin.
v4group() { jf '[g for g in j["groups"] if g["family"] == "ipv4"][0]'; }
nat_line() { jf 'str(j["external"]) + " " + j["nat"] + " " + str((j["delta"] or {}).get("type"))'; }
wait_nat() { # NAME TYPE SECONDS: until NAME's own address shows TYPE on its IPv4 group
  for _ in $(seq $(($3 * 10))); do
    [ "$(api "$1" GET /v1/addr | v4group | jf 'j["nat"]')" = "$2" ] && return 0
    sleep 0.1
  done
  api "$1" GET /v1/addr
  return 1
}
ping() { # FROM TO-NAME [TEXT]
  api "$1" POST /v1/signaling/ping "{\"to\": \"$2\", \"text\": \"${3:-ping}\", \"timeout_ms\": 4000}"
}

start_broker2
for _ in $(seq 50); do lab_exec srv ss -ltn | grep -q ":$MQTT2_PORT " && break; sleep 0.1; done
BOTH="[\"$MQTT:$MQTT_PORT\", \"$MQTT:$MQTT2_PORT\"]"
# Short STUN schedules: a blocked result must come within a few seconds.
STUN="{\"servers\": [\"$STUN1:$STUN_PORT\", \"$STUN2:$STUN_PORT\"], \"rto_ms\": 100, \"rc\": 3, \"rm\": 4, \"timeout_ms\": 1500, \"filter_timeout_ms\": 800}"
start_daemon a pr-h1 "$BOTH" "$STUN"
start_daemon b sym-h1 "$BOTH" "$STUN"
start_daemon c pub-h1 "[\"$MQTT:$MQTT_PORT\"]"
check "a: both brokers connected" wait_connected a 2 10
check "b: both brokers connected" wait_connected b 2 10
check "c: its broker connected" wait_connected c 1 10
# a and b publish their address again once classified: wait for it, so that the
# addresses below are the final ones.
check "a's own address: classified port_restricted_cone" wait_nat a port_restricted_cone 20
check "b's own address: classified symmetric" wait_nat b symmetric 20

ADDR_A=$(api a GET /v1/addr | jf 'j["addr"]')
ADDR_B=$(api b GET /v1/addr | jf 'j["addr"]')
KEY_B=$(api b GET /v1/addr | jf 'j["key"]')
api a PUT /v1/peers/b "{\"address\": \"$ADDR_B\"}" >/dev/null
api b PUT /v1/peers/a "{\"address\": \"$ADDR_A\"}" >/dev/null

# --- messages both ways across the two NATs -------------------------------------------
r=$(ping a b "hello from pr")
check_eq "pr -> sym: pong with the same text" "$(status) $(echo "$r" | jf 'j["text"]')" "200 hello from pr"
r=$(ping b a "hello from sym")
check_eq "sym -> pr: pong with the same text" "$(status) $(echo "$r" | jf 'j["text"]')" "200 hello from sym"
check_num "round trip through the broker (ms)" "$(echo "$r" | jf 'j["rtt_ms"]')" "<" 2000
STALE=$(echo "$ADDR_B" | awk -F_ 'BEGIN { OFS = "_" } { $3 = "1"; print }')
put=$(api a PUT /v1/peers/b2 "{\"address\": \"$STALE\"}")
check_eq "a stale address of b in a's book" "$(status)" 201 || echo "# $put"
r=$(api a POST /v1/peers/b2/refresh '{"timeout_ms": 3000}')
# b's address may have changed since (its IPv6 link-local address leaving DAD): the
# refresh must give the one b shows now, which b published again when it changed.
check_eq "a refreshes b's address by key from the broker" "$(status) $(echo "$r" | jf 'j["peer"]["address"]')" \
  "200 $(api b GET /v1/addr | jf 'j["addr"]')"

# --- the published address carries the NAT results -------------------------------------------
check_eq "a's own address: the pr site's external address, type and delta" \
  "$(api a GET /v1/addr | v4group | nat_line)" "$(lab addr pr) port_restricted_cone equal"
r=$(api a POST /v1/peers/b2/refresh '{"timeout_ms": 3000}')
check_eq "a refreshes b: the sym site's external address, symmetric, random delta" \
  "$(status) $(echo "$r" | jf 'j["peer"]' | v4group | nat_line)" "200 $(lab addr sym) symmetric random"
check_eq "the refreshed address is the one b shows" "$(echo "$r" | jf 'j["peer"]["address"]')" \
  "$(api b GET /v1/addr | jf 'j["addr"]')"
# b's NAT changes: UDP to the STUN servers dropped at sym-r (signaling is TCP and passes).
lab_block_stun_udp sym-r
api b POST /v1/nat/refresh '{}' >/dev/null
check "b's own address: blocked once UDP to STUN is dropped" wait_nat b blocked 10
r=$(api a POST /v1/peers/b2/refresh '{"timeout_ms": 3000}')
check_eq "a refreshes b again: b re-published its address (blocked, no external)" \
  "$(status) $(echo "$r" | jf 'j["changed"]') $(echo "$r" | jf 'j["peer"]' | v4group | nat_line)" "200 True None blocked None"
lab_exec sym-r nft delete table ip labblock

# --- a third daemon cannot read -------------------------------------------------------------
SECRET=secret-$RANDOM$RANDOM
lab_exec pub-h1 timeout 6 mosquitto_sub -h "$MQTT" -p "$MQTT_PORT" -t "p2pd/1/$KEY_B/in" -C 1 -N >"$WORK/captured" 2>/dev/null &
SUB=$!
sleep 0.5
r=$(ping a b "$SECRET")
check_eq "ping carrying a secret answered" "$(status)" 200
wait "$SUB" || true
check_num "c's host captured b's sealed envelope (bytes)" "$(stat -c %s "$WORK/captured")" ">" 100
check_not "the envelope does not hold the text" grep -q "$SECRET" "$WORK/captured"
KEY_C=$(api c GET /v1/addr | jf 'j["key"]')
before=$(metric c undecryptable); before=${before:-0}
lab_exec pub-h1 mosquitto_pub -h "$MQTT" -p "$MQTT_PORT" -t "p2pd/1/$KEY_C/in" -f "$WORK/captured"
sleep 0.5
after=$(metric c undecryptable); after=${after:-0}
check_num "handed to the third daemon it is dropped as undecryptable" "$after" ">" "$before"
before=$(metric b duplicate); before=${before:-0}
lab_exec pub-h1 mosquitto_pub -h "$MQTT" -p "$MQTT_PORT" -t "p2pd/1/$KEY_B/in" -f "$WORK/captured"
sleep 0.5
after=$(metric b duplicate); after=${after:-0}
check_num "replayed to b it is dropped as a duplicate" "$after" ">" "$before"

# --- two brokers, one down ----------------------------------------------------------------
stop_pid "$(cat "$WORK/mqtt2.pid")"
check "a notices broker 2 is gone" wait_connected a 1 10
check "b notices broker 2 is gone" wait_connected b 1 10
ping a b >/dev/null
check_eq "one broker of two down: ping still answered" "$(status)" 200

# --- the remaining broker restarted --------------------------------------------------------
stop_pid "$(cat "$LAB_RUN/mqtt.pid")"
check "a has no broker left" wait_connected a 0 10
ping a b >/dev/null
check_eq "no broker: 502 unreachable" "$(status)" 502
start_broker1
check "a reconnects" wait_connected a 1 20
check "b reconnects" wait_connected b 1 20
ping a b "after restart" >/dev/null
check_eq "after the restart messages flow again" "$(status)" 200
check_num "a counted a reconnect" \
  "$(api a GET /v1/status | jf "[x['reconnects'] for x in j['signaling']['brokers'] if x['broker'].endswith(':$MQTT_PORT')][0]")" ">=" 1
for n in a b c; do kill -TERM "$(cat "$WORK/$n/pid")" 2>/dev/null || true; done
for n in a b c; do wait "$(cat "$WORK/$n/pid")" 2>/dev/null || true; done
rm -rf "$WORK"
