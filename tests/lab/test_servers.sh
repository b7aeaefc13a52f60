#!/usr/bin/env bash
# lab.servers: the lab's third-party servers work from LAN hosts behind NAT.
#  - STUN (coturn): a Binding answer carries XOR-MAPPED-ADDRESS, OTHER-ADDRESS and
#    RESPONSE-ORIGIN; CHANGE-REQUEST is honoured (seen from a public host);
#  - TURN (coturn): turnutils_uclient allocates and relays over UDP, TCP and TLS with
#    the right password and cannot allocate with a wrong one; the granted lifetime is
#    capped by NATLAB_TURN_MAX_LIFETIME;
#  - MQTT (mosquitto): pub/sub between LAN hosts of two different sites;
#  - UPnP (miniupnpd): `upnpc -i -a` from a LAN host maps a port that a public host then
#    reaches over TCP, and deleting the mapping closes it again; NAT-PMP answers with
#    the site's public address.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lab_init labsrv

export NATLAB_TURN_MAX_LIFETIME=120
lab_up a=portrestricted,upnp,hosts=2 b=symmetric p=none
TURNPROBE=$SRC_DIR/scripts/natlab/turnprobe.py
OUT=$(mktemp -d)

# turnutils_uclient takes ~5 s whatever it does: start the TURN runs first, in parallel.
uclient() { # NAME HOST FLAGS... : runs in the background, output to $OUT/NAME.txt
  local name=$1 host=$2; shift 2
  ( set +e
    timeout 30 "$NATLAB" exec "$host" turnutils_uclient "$@" -y -n 2 -m 1 -c "$TURN" \
      >"$OUT/$name.txt" 2>&1
    echo "rc=$?" >>"$OUT/$name.txt" ) &
}
uclient udp a-h1 -u "$TURN_USER" -w "$TURN_PASS"
uclient tcp b-h1 -t -u "$TURN_USER" -w "$TURN_PASS"
uclient tls a-h2 -t -S -u "$TURN_USER" -w "$TURN_PASS"
uclient bad p-h1 -u "$TURN_USER" -w wrongpassword

# --- STUN -------------------------------------------------------------------------------
answer=$(stun_probe a-h1 "$STUN1:$STUN_PORT")
check_eq "STUN: mapped address is site a's public address" \
  "$(echo "$answer" | json_field mapped | cut -d: -f1)" "$A_PUBLIC"
check_eq "STUN: OTHER-ADDRESS is the other IP and port" \
  "$(echo "$answer" | json_field other)" "$STUN2:$STUN_ALT_PORT"
check_eq "STUN: RESPONSE-ORIGIN is the server asked" \
  "$(echo "$answer" | json_field origin)" "$STUN1:$STUN_PORT"
answer=$(lab_exec p-h1 "$PY" "$STUNPROBE" --json --change both "$STUN1:$STUN_PORT")
check_eq "STUN: CHANGE-REQUEST(ip+port) answered from the other address" \
  "$(echo "$answer" | json_field origin)" "$STUN2:$STUN_ALT_PORT"
check_eq "STUN: a public host's mapped address is its own" \
  "$(echo "$answer" | json_field mapped | cut -d: -f1)" "$P_H1"
check_not "STUN: behind a port-restricted NAT the changed answer is filtered" \
  lab_exec a-h1 "$PY" "$STUNPROBE" --timeout 1 --change both "$STUN1:$STUN_PORT"

# --- TURN lifetime cap and credentials (our own probe: fast, shows the LIFETIME) --------
grant=$(lab_exec a-h1 "$PY" "$TURNPROBE" --user "$TURN_USER" --password "$TURN_PASS" \
  --lifetime 3600 "$TURN:$TURN_PORT" || true)
check_eq "TURN: allocation granted, lifetime capped by NATLAB_TURN_MAX_LIFETIME ($grant)" \
  "$(echo "$grant" | sed -n 's/.*lifetime=\([0-9]*\).*/\1/p')" 120
check_eq "TURN: relayed address is on the TURN server" \
  "$(echo "$grant" | sed -n 's/.*relayed=\([0-9.]*\):.*/\1/p')" "$TURN"
check_eq "TURN: lab.env has the lifetime cap" "$TURN_MAX_LIFETIME" 120
refused=$(lab_exec a-h1 "$PY" "$TURNPROBE" --user "$TURN_USER" --password nope "$TURN:$TURN_PORT" || true)
check_eq "TURN: wrong password refused" "$refused" "error=401 Unauthorized"

# --- MQTT between two sites ---------------------------------------------------------------
lab_exec a-h1 mosquitto_sub -h "$MQTT" -p "$MQTT_PORT" -t lab/servers -C 1 -W 10 \
  >"$OUT/mqtt.txt" 2>&1 &
SUB=$!
# publish until the subscriber has it (it may not be subscribed yet on the first try)
for _ in $(seq 1 40); do
  lab_exec b-h1 mosquitto_pub -h "$MQTT" -p "$MQTT_PORT" -t lab/servers -m "hello from b" || true
  kill -0 "$SUB" 2>/dev/null || break
  sleep 0.25
done
wait "$SUB" || true
check_eq "MQTT: a-h1 got b-h1's message through the broker" "$(cat "$OUT/mqtt.txt")" "hello from b"

# --- UPnP IGD, NAT-PMP ------------------------------------------------------------------
natpmp_addr() { # the NAT-PMP public address answer (RFC 6886 opcode 0)
  lab_exec a-h1 "$PY" -c 'import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
s.sendto(b"\0\0", (sys.argv[1], 5351))
ver, op, res, _, ip = struct.unpack("!BBHI4s", s.recv(64)[:12])
print(socket.inet_ntoa(ip) if (op, res) == (128, 0) else "error %d" % res)' "$A_GW"
}
check_eq "NAT-PMP: public address from miniupnpd" "$(natpmp_addr)" "$A_PUBLIC"

check "UPnP: upnpc -i -a maps TCP 8080 to a-h1" \
  lab_exec a-h1 upnpc -i -a "$A_H1" 8080 8080 TCP
lab_exec a-h1 timeout 10 socat -u TCP-LISTEN:8080,reuseaddr OPEN:"$OUT/upnp.txt",creat,trunc &
LISTENER=$!
sleep 0.3
check "UPnP: a public host connects to the mapped port" \
  sh -c "echo through-upnp | '$NATLAB' exec p-h1 socat -u - TCP:$A_PUBLIC:8080,connect-timeout=3"
wait "$LISTENER" || true
check_eq "UPnP: the LAN host received the data" "$(cat "$OUT/upnp.txt" 2>/dev/null)" "through-upnp"
check "UPnP: upnpc -d removes the mapping" lab_exec a-h1 upnpc -i -d 8080 TCP
check_not "UPnP: the port is closed again" \
  lab_exec p-h1 socat -u /dev/null TCP:"$A_PUBLIC":8080,connect-timeout=1

# --- TURN with coturn's own client ---------------------------------------------------------
wait
turn_ok() { # FILE: exited 0 and every message came back through the relay
  grep -q '^rc=0$' "$1" && grep -qE 'tot_recv_msgs=[1-9]' "$1" && ! grep -q ERROR "$1"
}
check "TURN: uclient UDP allocation relays data" turn_ok "$OUT/udp.txt"
check "TURN: uclient TCP allocation relays data" turn_ok "$OUT/tcp.txt"
check "TURN: uclient TLS allocation relays data" turn_ok "$OUT/tls.txt"
check "TURN: uclient with a wrong password cannot allocate" \
  sh -c "! grep -q '^rc=0$' '$OUT/bad.txt' && grep -q 'Cannot complete Allocation' '$OUT/bad.txt'"
for f in udp tcp tls bad; do
  if ! grep -q . "$OUT/$f.txt"; then fail "uclient $f printed nothing"; fi
done
[ "$LAB_FAILED" -eq 0 ] || tail -n 5 "$OUT"/*.txt | sed 's/^/#   /'
rm -rf "$OUT"
