# shellcheck shell=bash
# servers.sh — configuration of the lab's third-party servers (coturn, mosquitto,
# miniupnpd). Sourced by scripts/natlab.sh, which provides RUN, the address plan
# (STUN1_IP ...), natlab_start NAME NS CMD... and the site arrays.
#
# Every server gets its own config, pidfile, database and log under $RUN, so several
# instances (and several labs) never share a file.

# STUN for behaviour discovery: two addresses x two ports, so CHANGE-REQUEST and
# OTHER-ADDRESS (RFC 5780) work.
natlab_start_stun() {
  local conf=$RUN/stun.conf
  cat >"$conf" <<EOF
# coturn as a plain STUN server (RFC 5389 + RFC 5780 behaviour discovery)
listening-ip=$STUN1_IP
listening-ip=$STUN2_IP
listening-port=$STUN_PORT
alt-listening-port=$STUN_ALT_PORT
stun-only
no-tls
no-dtls
no-cli
fingerprint
pidfile=$RUN/stun.coturn.pid
userdb=$RUN/stun.db
log-file=stdout
EOF
  natlab_start stun srv turnserver -c "$conf"
}

# TURN over TLS/DTLS: a lab CA ($RUN/turn-ca.crt, TURN_CA in lab.env) and the server's
# certificate signed by it, for turn.lab.p2pd and the server's lab address (clients that
# verify trust the CA and name either).
natlab_turn_cert() {
  command -v openssl >/dev/null || return 1
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${ec[@]}" -keyout "$RUN/turn-ca.key" -out "$RUN/turn-ca.crt" -days 3650 \
    -subj "/CN=p2pd NAT lab CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1 || return 1
  openssl req -new "${ec[@]}" -keyout "$RUN/turn.key" -out "$RUN/turn.csr" \
    -subj "/CN=turn.lab.p2pd" >/dev/null 2>&1 || return 1
  printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
    "subjectAltName=DNS:turn.lab.p2pd,IP:$TURN_IP" >"$RUN/turn.ext"
  openssl x509 -req -in "$RUN/turn.csr" -CA "$RUN/turn-ca.crt" -CAkey "$RUN/turn-ca.key" -CAcreateserial \
    -out "$RUN/turn.crt" -days 3650 -extfile "$RUN/turn.ext" >/dev/null 2>&1
}

# TURN with long-term credentials. NATLAB_TURN_MAX_LIFETIME caps allocation lifetimes
# (seconds); NATLAB_TURN_EXTRA adds raw turnserver.conf lines (newline separated).
natlab_start_turn() {
  local conf=$RUN/turn.conf tls="no-tls
no-dtls"
  if natlab_turn_cert; then
    tls="tls-listening-port=$TURN_TLS_PORT
cert=$RUN/turn.crt
pkey=$RUN/turn.key"
  fi
  cat >"$conf" <<EOF
# coturn as a TURN server with long-term credentials (RFC 8656)
listening-ip=$TURN_IP
relay-ip=$TURN_IP
listening-port=$TURN_PORT
$tls
min-port=49152
max-port=65535
lt-cred-mech
user=$TURN_USER:$TURN_PASS
realm=$TURN_REALM
max-allocate-lifetime=$TURN_MAX_LIFETIME
fingerprint
no-cli
no-multicast-peers
verbose
pidfile=$RUN/turn.coturn.pid
userdb=$RUN/turn.db
log-file=stdout
${NATLAB_TURN_EXTRA:-}
EOF
  natlab_start turn srv turnserver -c "$conf"
}

# The MQTT broker for signaling. It drops root for user `mosquitto`, so it writes
# nothing itself: its log goes to stderr, which natlab_start redirects.
natlab_start_mqtt() {
  local conf=$RUN/mqtt.conf
  cat >"$conf" <<EOF
listener $MQTT_PORT $MQTT_IP
allow_anonymous true
persistence false
log_dest stderr
log_type error
log_type warning
log_type notice
log_type information
connection_messages true
EOF
  chmod 644 "$conf"
  natlab_start mqtt srv mosquitto -c "$conf"
}

# miniupnpd on site I's home router: UPnP IGD + NAT-PMP + PCP, or one of them
# (S_UPNP igd: NAT-PMP/PCP off; natpmp, pcp: UPnP off, and the other protocol on 5351
# dropped by natlab_upnp_tables). min_lifetime=10 lets short PCP leases through
# (the default floor is 120 s). Its helper scripts
# in Debian are broken and 2.3 no longer creates its nftables tables, so the tables
# are made by natlab.sh (natlab_upnp_tables) and named here. Documentation ranges
# count as "reserved" for miniupnpd, so it learns its external address by STUN.
natlab_start_upnp() {
  local i=$1 name=${S_NAME[$1]} conf upnp=yes natpmp=yes
  case ${S_UPNP[$i]} in igd) natpmp=no ;; natpmp|pcp) upnp=no ;; esac
  conf=$RUN/upnp-$name.conf
  cat >"$conf" <<EOF
ext_ifname=wan0
$([ "${S_V6[$i]}" = 1 ] && printf 'ext_ifname6=wan0\nipv6_disable=no' || echo '# IPv4 only')
listening_ip=br0
http_port=$UPNP_HTTP_PORT
enable_upnp=$upnp
enable_natpmp=$natpmp
min_lifetime=10
secure_mode=yes
system_uptime=yes
notify_interval=30
clean_ruleset_interval=600
uuid=$(natlab_uuid "$name")
ext_perform_stun=yes
ext_stun_host=$STUN1_IP
ext_stun_port=$STUN_PORT
upnp_table_name=miniupnpd
upnp_nat_table_name=miniupnpd
upnp_forward_chain=miniupnpd
upnp_nat_chain=prerouting_miniupnpd
upnp_nat_postrouting_chain=postrouting_miniupnpd
lease_file=$RUN/upnp-$name.leases
allow 1024-65535 ${S_LAN[$i]} 1024-65535
deny 0-65535 0.0.0.0/0 0-65535
EOF
  natlab_start "upnp-$name" "$name-r" miniupnpd -d -f "$conf" -P "$RUN/upnp-$name.miniupnpd.pid"
}

# A stable, valid UUID from a name (miniupnpd wants one).
natlab_uuid() {
  local h
  h=$(printf '%s' "natlab-$PREFIX-$1" | md5sum | cut -c1-32)
  printf '%s-%s-%s-%s-%s' "${h:0:8}" "${h:8:4}" "${h:12:4}" "${h:16:4}" "${h:20:12}"
}
