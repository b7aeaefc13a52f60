#!/usr/bin/env bash
# natlab.sh — p2pd's NAT lab: real kernel NAT (nftables) and real STUN/TURN/MQTT/UPnP
# servers (coturn, mosquitto, miniupnpd), each host in its own network namespace.
# Needs root. Nothing is created in, or sent to, the root namespace: every link is a
# veth (or TAP) pair between two lab namespaces, so lab traffic cannot leave the lab.
# docs/NATLAB.md has the diagram, the address plan and what each NAT type measures.
#
# Usage:
#   natlab.sh up [-f FILE] [SITE...]   build a lab (tears down any lab of this prefix
#                                      first); without sites: site1=portrestricted
#                                      site2=portrestricted
#   natlab.sh down                     kill every process in the lab's namespaces,
#                                      delete the namespaces and the run dir
#   natlab.sh status                   namespaces and servers; exit 0 up and healthy,
#                                      1 not up, 2 up but a server died
#   natlab.sh hosts                    table: host, namespace, role, addresses
#   natlab.sh addr NAME                one IPv4 address: a host (site1-h1, site1-r,
#                                      site1-cgn, srv, core), a site (its public
#                                      address) or a server (stun1 stun2 turn mqtt)
#   natlab.sh ns HOST                  the namespace name of HOST
#   natlab.sh env                      print the lab's env file (KEY=VALUE lines)
#   natlab.sh exec HOST CMD [ARG...]   run CMD inside HOST's namespace (exec: same
#                                      pid, same stdio); `down` kills it
#   natlab.sh gc                       tear down every lab (any prefix) whose owner
#                                      process is gone: labs of tests that were
#                                      killed before their trap could run
#   natlab.sh down-all                 tear down every lab of any prefix
#
# SITE is NAME=TYPE[,OPTION...] or just TYPE (then named site<N>); a -f FILE holds
# sites separated by newlines or spaces, `#` starts a comment. NAME: a-z then a-z0-9,
# at most 10 characters, not core/srv/stun/stun1/stun2/turn/mqtt/natlab.
#   TYPE     none | fullcone | restricted | portrestricted | symmetric | symseq | cgnat
#            (cgnat = a `home` router behind a `carrier` router, both NATs)
#   hosts=N  LAN hosts NAME-h1..NAME-hN (default 1)
#   upnp[=WHAT]  run miniupnpd on NAME-r speaking WHAT: all (default: UPnP IGD,
#            NAT-PMP and PCP), igd (UPnP IGD only), natpmp or pcp (that one only)
#   delay=MS one-way delay added in each direction of the site's WAN link ("20ms")
#   jitter=MS  +- uniform jitter on that delay (frames stay in order)
#   loss=PCT   frames lost in each direction of the WAN link ("2%")
#   carrier=TYPE, home=TYPE  (cgnat) the two NATs' types; default portrestricted
#   reject   answer unsolicited inbound packets (TCP RST / ICMP) instead of dropping
#   udptimeout=S  conntrack UDP timeouts (and cone map lifetime) on the site's routers
#   ipv6     also IPv6, routed (no NAT66): the LAN gets fd00:1:I::/64 (router ::1, hosts
#            ::(10+N)), the router's WAN fd00:99::(10+I) on the public segment fd00:99::/64
#            (core ::1, which routes each LAN); a NAT site's router forwards IPv6 from
#            outside only when miniupnpd opened a pinhole (default-drop forward chain
#            jumping to miniupnpd's; with upnp its WANIPv6FirewallControl is on)
#
# Environment:
#   NATLAB_PREFIX   name prefix (a-z0-9, at most 12; default natlab): namespaces are
#                   PREFIX-HOST, the run dir /run/natlab-PREFIX; two prefixes coexist
#   NATLAB_TURN_MAX_LIFETIME  TURN max-allocate-lifetime, seconds (default 3600)
#   NATLAB_TURN_EXTRA         extra turnserver.conf lines for the TURN server
#   NATLAB_NO_NETEM=1         use the netem-free impairment path even if netem exists
#   NATLAB_PYTHON             python3 for the helpers (default /usr/bin/python3)
#   NATLAB_OWNER_PID          the process the lab belongs to (tests set their own
#                             pid); `gc` removes the lab once it has exited. Without
#                             it the lab is kept until `down` or `down-all`
#   NATLAB_FAIL_AFTER=STAGE   testing hook: make `up` fail after STAGE (namespaces,
#                             core, site:NAME, servers) to exercise its cleanup;
#                             with NATLAB_FAIL_HARD=1 it dies by SIGKILL (no cleanup)
#
# After `up`, /run/natlab-PREFIX/ holds lab.env (shell-sourceable addresses), hosts,
# one NAME.log and NAME.pid per process, and the servers' configs.
set -euo pipefail

NATLAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/natlab
# shellcheck source=natlab/nat.sh
source "$NATLAB_DIR/nat.sh"
# shellcheck source=natlab/impair.sh
source "$NATLAB_DIR/impair.sh"
# shellcheck source=natlab/servers.sh
source "$NATLAB_DIR/servers.sh"

PREFIX=${NATLAB_PREFIX:-natlab}
RUN=/run/natlab-$PREFIX
PY=${NATLAB_PYTHON:-}
if [ -z "$PY" ]; then
  if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=$(command -v python3 || echo python3); fi
fi

# --- address plan (docs/NATLAB.md) ---------------------------------------------------
SRV_NET=198.51.100        # server segment, /24, core = .1
ISP_NET=203.0.113         # "internet" segment the sites' WANs sit on, /24, core = .1
STUN1_IP=$SRV_NET.10
STUN2_IP=$SRV_NET.11
TURN_IP=$SRV_NET.20
MQTT_IP=$SRV_NET.30
STUN_PORT=3478
STUN_ALT_PORT=3479
TURN_PORT=3478
TURN_TLS_PORT=5349
TURN_USER=p2pd
TURN_PASS=p2pdpass
TURN_REALM=lab.p2pd
TURN_MAX_LIFETIME=${NATLAB_TURN_MAX_LIFETIME:-3600}
MQTT_PORT=1883
UPNP_HTTP_PORT=5000
MAX_SITES=100

log() { printf 'natlab[%s]: %s\n' "$PREFIX" "$*" >&2; }
die() { log "error: $*"; exit 1; }
nsname() { printf '%s-%s' "$PREFIX" "$1"; }
nsx() { local h=$1; shift; ip netns exec "$(nsname "$h")" "$@"; }
# Runs `ip -batch` commands from stdin inside HOST's namespace.
nsbatch() { ip -n "$(nsname "$1")" -batch -; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
upper() { printf '%s' "$1" | tr 'a-z-' 'A-Z_'; }

[[ $PREFIX =~ ^[a-z0-9]{1,12}$ ]] || die "NATLAB_PREFIX must be 1-12 of a-z0-9 (got '$PREFIX')"

# === topology parsing =================================================================
# One entry per site, index 1..N.
S_NAME=() S_TYPE=() S_HOME=() S_CARRIER=() S_HOSTS=() S_UPNP=() S_DELAY=() S_JITTER=()
S_LOSS=() S_REJECT=() S_UDPTO=() S_LAN=() S_GW=() S_PUBLIC=() S_V6=()
NSITES=0

parse_site() {
  local spec=$1 head name type opt key val i opts=()
  IFS=, read -r -a opts <<<"$spec"
  head=${opts[0]}
  i=$((NSITES + 1))
  if [[ $head == *=* ]]; then name=${head%%=*} type=${head#*=}; else name=site$i type=$head; fi
  [[ $name =~ ^[a-z][a-z0-9]{0,9}$ ]] || die "site name '$name': want a-z then a-z0-9, at most 10"
  case $name in core|srv|stun|stun1|stun2|turn|mqtt|natlab) die "site name '$name' is reserved" ;; esac
  local n
  for ((n = 1; n <= NSITES; n++)); do [ "${S_NAME[$n]}" != "$name" ] || die "site '$name' given twice"; done
  [ "$i" -le "$MAX_SITES" ] || die "at most $MAX_SITES sites"

  S_NAME[$i]=$name S_HOSTS[$i]=1 S_UPNP[$i]=0 S_DELAY[$i]=0 S_JITTER[$i]=0 S_LOSS[$i]=0
  S_REJECT[$i]=0 S_UDPTO[$i]="" S_CARRIER[$i]="" S_HOME[$i]="" S_V6[$i]=0
  if [ "$type" = cgnat ]; then
    S_TYPE[$i]=cgnat S_HOME[$i]=portrestricted S_CARRIER[$i]=portrestricted
  else
    natlab_is_nat_type "$type" || die "site $name: unknown type '$type' (want: $NATLAB_NAT_TYPES cgnat)"
    S_TYPE[$i]=$type S_HOME[$i]=$type
  fi
  for opt in "${opts[@]:1}"; do
    key=${opt%%=*} val=${opt#*=}
    [[ $opt == *=* ]] || val=""
    case $key in
      hosts) [[ $val =~ ^[1-9][0-9]?$ ]] || die "site $name: hosts=$val"; S_HOSTS[$i]=$val ;;
      upnp)
        case ${val:-all} in all|igd|natpmp|pcp) S_UPNP[$i]=${val:-all} ;; *) die "site $name: upnp=$val (want all, igd, natpmp or pcp)" ;; esac ;;
      reject) S_REJECT[$i]=1 ;;
      ipv6) [ "$type" != cgnat ] || die "site $name: ipv6 is not offered for cgnat sites"; S_V6[$i]=1 ;;
      delay) S_DELAY[$i]=$(natlab_parse_ms "$val") || die "site $name: delay=$val" ;;
      jitter) S_JITTER[$i]=$(natlab_parse_ms "$val") || die "site $name: jitter=$val" ;;
      loss) S_LOSS[$i]=$(natlab_parse_pct "$val") || die "site $name: loss=$val" ;;
      udptimeout) [[ $val =~ ^[1-9][0-9]*$ ]] || die "site $name: udptimeout=$val"; S_UDPTO[$i]=$val ;;
      carrier|home)
        [ "$type" = cgnat ] || die "site $name: $key= is for cgnat sites"
        if ! natlab_is_nat_type "$val" || [ "$val" = none ]; then die "site $name: $key=$val"; fi
        if [ "$key" = carrier ]; then S_CARRIER[$i]=$val; else S_HOME[$i]=$val; fi ;;
      *) die "site $name: unknown option '$opt'" ;;
    esac
  done
  if [ "${S_HOME[$i]}" = none ] && [ "${S_UPNP[$i]}" != 0 ]; then die "site $name: upnp needs a NAT"; fi
  NSITES=$i
}

parse_topology() {
  local specs=() word line
  while [ $# -gt 0 ]; do
    case $1 in
      -f|--config)
        if [ $# -lt 2 ] || [ ! -r "$2" ]; then die "up: -f needs a readable file"; fi
        while IFS= read -r line || [ -n "$line" ]; do
          line=${line%%#*}
          for word in $line; do specs+=("$word"); done
        done <"$2"
        shift 2 ;;
      -*) die "up: unknown flag $1" ;;
      *) specs+=("$1"); shift ;;
    esac
  done
  [ ${#specs[@]} -gt 0 ] || specs=(site1=portrestricted site2=portrestricted)
  for word in "${specs[@]}"; do parse_site "$word"; done

  # Addresses: private LAN 192.168.I.0/24 for NAT sites, a public /28 out of
  # 192.0.2.0/24 for `none` sites, WAN 203.0.113.(10+I).
  local i k=0 base
  for ((i = 1; i <= NSITES; i++)); do
    S_PUBLIC[$i]=$ISP_NET.$((10 + i))
    if [ "${S_TYPE[$i]}" = none ]; then
      [ "$k" -lt 16 ] || die "at most 16 sites of type none"
      [ "${S_HOSTS[$i]}" -le 13 ] || die "site ${S_NAME[$i]}: a none site has at most 13 hosts"
      base=$((16 * k)); k=$((k + 1))
      S_LAN[$i]=192.0.2.$base/28 S_GW[$i]=192.0.2.$((base + 1))
    else
      S_LAN[$i]=192.168.$i.0/24 S_GW[$i]=192.168.$i.1
    fi
  done
}

# IPv6 (ipv6 sites): LAN fd00:1:I::/64, router ::1, hosts ::(10+N); WAN on fd00:99::/64.
ISP6_NET=fd00:99
lan6() { printf 'fd00:1:%x::/64' "$1"; }
gw6() { printf 'fd00:1:%x::1' "$1"; }
host_addr6() { printf 'fd00:1:%x::%x' "$1" $((10 + $2)); }
wan6() { printf '%s::%x' "$ISP6_NET" $((10 + $1)); }

# Address of host hN of site I.
host_addr() {
  local i=$1 n=$2
  if [ "${S_TYPE[$i]}" = none ]; then
    local gw=${S_GW[$i]}
    printf '192.0.2.%d' $((${gw##*.} + n))
  else
    printf '192.168.%d.%d' "$i" $((10 + n))
  fi
}

# === building =========================================================================
HOSTS=()              # host names in creation order
declare -A H_ROLE H_ADDRS

# Testing hook: NATLAB_FAIL_AFTER=STAGE fails `up` there (its trap cleans up);
# with NATLAB_FAIL_HARD=1 it dies by SIGKILL instead, leaving everything behind.
fail_hook() {
  [ "${NATLAB_FAIL_AFTER:-}" = "$1" ] || return 0
  if [ "${NATLAB_FAIL_HARD:-0}" = 1 ]; then
    log "NATLAB_FAIL_AFTER=$1 NATLAB_FAIL_HARD=1: killing myself"
    kill -KILL $$
  fi
  die "NATLAB_FAIL_AFTER=$1: failing on purpose"
}

# Records and creates the namespaces; the list is written before they exist, so a
# `down` after any failure finds them.
create_namespaces() {
  local h batch=""
  for h in "${HOSTS[@]}"; do
    printf '%s\n' "$(nsname "$h")" >>"$RUN/namespaces"
    batch+="netns add $(nsname "$h")"$'\n'
  done
  printf '%s' "$batch" | ip -batch -
  for h in "${HOSTS[@]}"; do ip -n "$(nsname "$h")" link set lo up; done
}

add_host() { HOSTS+=("$1"); H_ROLE[$1]=$2; H_ADDRS[$1]=""; }
add_addr() { H_ADDRS[$1]+="${H_ADDRS[$1]:+,}$2"; }

# sysctls for a forwarding namespace (router or core): forward, and keep bridged
# frames out of the IP hooks (br_netfilter is built in and on by default).
router_sysctls() {
  nsx "$1" sysctl -q -w net.ipv4.ip_forward=1 \
    net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-ip6tables=0 \
    net.bridge.bridge-nf-call-arptables=0 >/dev/null
}

plan_hosts() {
  local i n name
  add_host core core; add_host srv servers
  for ((i = 1; i <= NSITES; i++)); do
    name=${S_NAME[$i]}
    add_host "$name-r" router
    [ "${S_TYPE[$i]}" != cgnat ] || add_host "$name-cgn" carrier
    for ((n = 1; n <= S_HOSTS[i]; n++)); do add_host "$name-h$n" host; done
  done
}

build_core() {
  nsbatch core <<EOF
link add br-srv type bridge
link add br-isp type bridge
address add $SRV_NET.1/24 dev br-srv
address add $ISP_NET.1/24 dev br-isp
link set br-srv up
link set br-isp up
EOF
  router_sysctls core
  add_addr core "$SRV_NET.1"; add_addr core "$ISP_NET.1"
  local i
  for ((i = 1; i <= NSITES; i++)); do
    [ "${S_V6[$i]}" = 1 ] || continue
    ip -n "$(nsname core)" address add "$ISP6_NET::1/64" dev br-isp nodad
    nsx core sysctl -q -w net.ipv6.conf.all.forwarding=1 >/dev/null
    add_addr core "$ISP6_NET::1"
    break
  done

  ip -n "$(nsname core)" link add srv0 type veth peer name eth0 netns "$(nsname srv)"
  ip -n "$(nsname core)" link set srv0 master br-srv up
  nsbatch srv <<EOF
address add $STUN1_IP/24 dev eth0
address add $STUN2_IP/24 dev eth0
address add $TURN_IP/24 dev eth0
address add $MQTT_IP/24 dev eth0
link set eth0 up
route add default via $SRV_NET.1
EOF
  add_addr srv "$STUN1_IP"; add_addr srv "$STUN2_IP"; add_addr srv "$TURN_IP"; add_addr srv "$MQTT_IP"
}

# The link between the ISP bridge (core) and OUTER's wan0, with site I's impairment.
build_wan_link() {
  local i=$1 outer=$2 core_if=w$1
  local delay=${S_DELAY[$i]} jitter=${S_JITTER[$i]} loss=${S_LOSS[$i]}
  local want_delay=1
  if natlab_is_zero "$delay" && natlab_is_zero "$jitter"; then want_delay=0; fi

  if [ "$want_delay" = 1 ] && [ "$NATLAB_HAVE_NETEM" = 0 ]; then
    # Two TAPs joined by the userspace delay forwarder (fwd.py).
    ip -n "$(nsname core)" tuntap add dev "$core_if" mode tap
    ip -n "$(nsname "$outer")" tuntap add dev wan0 mode tap
    natlab_start "fwd-${S_NAME[$i]}" core "$PY" "$NATLAB_DIR/fwd.py" --tap "$core_if" \
      --peer-netns "/run/netns/$(nsname "$outer")" --peer-tap wan0 \
      --delay "$delay" --jitter "$jitter"
  else
    ip -n "$(nsname core)" link add "$core_if" type veth peer name wan0 netns "$(nsname "$outer")"
  fi
  ip -n "$(nsname core)" link set "$core_if" master br-isp up
  nsbatch "$outer" <<EOF
address add ${S_PUBLIC[$i]}/24 dev wan0
link set wan0 up
route add default via $ISP_NET.1
EOF

  if [ "$NATLAB_HAVE_NETEM" = 1 ]; then
    local args
    mapfile -t args < <(natlab_netem_args "$delay" "$jitter" "$loss")
    if [ ${#args[@]} -gt 0 ]; then
      nsx "$outer" tc qdisc add dev wan0 root netem "${args[@]}"
      nsx core tc qdisc add dev "$core_if" root netem "${args[@]}"
    fi
  elif ! natlab_is_zero "$loss"; then
    natlab_loss_ruleset wan0 "$loss" | nsx "$outer" nft -f -
  fi
}

build_site() {
  local i=$1 n h addr
  local name=${S_NAME[$i]} type=${S_TYPE[$i]} lan=${S_LAN[$i]} gw=${S_GW[$i]}
  local r=$name-r outer=$name-r v6=${S_V6[$i]}
  [ "$type" != cgnat ] || outer=$name-cgn

  build_wan_link "$i" "$outer"
  add_addr "$outer" "${S_PUBLIC[$i]}"

  local r_wan_ip=${S_PUBLIC[$i]}
  if [ "$type" = cgnat ]; then
    # carrier (outer) <-> home router, on 100.64.I.0/24 (RFC 6598 shared space)
    r_wan_ip=100.64.$i.2
    ip -n "$(nsname "$outer")" link add lan0 type veth peer name wan0 netns "$(nsname "$r")"
    nsbatch "$outer" <<EOF
address add 100.64.$i.1/24 dev lan0
link set lan0 up
EOF
    nsbatch "$r" <<EOF
address add $r_wan_ip/24 dev wan0
link set wan0 up
route add default via 100.64.$i.1
EOF
    add_addr "$r" "$r_wan_ip"
    router_sysctls "$outer"
    NATLAB_CONE_TIMEOUT=${S_UDPTO[$i]:-$NATLAB_CONE_TIMEOUT} \
      natlab_nat_ruleset "${S_CARRIER[$i]}" lan0 "100.64.$i.0/24" wan0 "${S_PUBLIC[$i]}" 30000 \
      "${S_REJECT[$i]}" 0 | nsx "$outer" nft -f -
  fi

  # the home router's LAN: a bridge with one veth per host
  local batch="link add br0 type bridge"$'\n'"address add $gw/${lan#*/} dev br0"$'\n'"link set br0 up"$'\n'
  for ((n = 1; n <= S_HOSTS[i]; n++)); do
    h=$name-h$n addr=$(host_addr "$i" "$n")
    ip -n "$(nsname "$r")" link add "h$n" type veth peer name eth0 netns "$(nsname "$h")"
    batch+="link set h$n master br0 up"$'\n'
    nsbatch "$h" <<EOF
address add $addr/${lan#*/} dev eth0
link set eth0 up
route add default via $gw
EOF
    add_addr "$h" "$addr"
    if [ "$v6" = 1 ]; then
      printf 'address add %s/64 dev eth0 nodad\nroute add default via %s\n' "$(host_addr6 "$i" "$n")" "$(gw6 "$i")" |
        nsbatch "$h"
      add_addr "$h" "$(host_addr6 "$i" "$n")"
    fi
  done
  printf '%s' "$batch" | nsbatch "$r"
  add_addr "$r" "$gw"
  router_sysctls "$r"
  if [ "$v6" = 1 ]; then
    printf 'address add %s/64 dev br0 nodad\naddress add %s/64 dev wan0 nodad\nroute add default via %s::1\n' \
      "$(gw6 "$i")" "$(wan6 "$i")" "$ISP6_NET" | nsbatch "$r"
    nsx "$r" sysctl -q -w net.ipv6.conf.all.forwarding=1 >/dev/null
    add_addr "$r" "$(wan6 "$i")"
    ip -n "$(nsname core)" route add "$(lan6 "$i")" via "$(wan6 "$i")"
  fi

  local upnp=0
  [ "${S_UPNP[$i]}" = 0 ] || upnp=1
  { NATLAB_CONE_TIMEOUT=${S_UDPTO[$i]:-$NATLAB_CONE_TIMEOUT} \
      natlab_nat_ruleset "${S_HOME[$i]}" br0 "$lan" wan0 "$r_wan_ip" 20000 "${S_REJECT[$i]}" "$upnp"
    local v6fw=$v6; [ "$type" != none ] || v6fw=0
    [ "$upnp" = 0 ] || natlab_upnp_tables "${S_UPNP[$i]}" "$v6fw"
    # IPv6 without UPnP on a NAT site: the same default-drop firewall, nothing opens it
    [ "$upnp" = 1 ] || [ "$v6fw" = 0 ] || natlab_v6_firewall
  } | nsx "$r" nft -f -

  # a public LAN is routed by the core; private LANs are not (that is the point of NAT)
  [ "$type" != none ] || ip -n "$(nsname core)" route add "$lan" via "${S_PUBLIC[$i]}"

  if [ -n "${S_UDPTO[$i]}" ]; then
    local rt
    for rt in "$r" "$outer"; do
      nsx "$rt" sysctl -q -w net.netfilter.nf_conntrack_udp_timeout="${S_UDPTO[$i]}" \
        net.netfilter.nf_conntrack_udp_timeout_stream="${S_UDPTO[$i]}" >/dev/null
    done
  fi
}

# --- processes -----------------------------------------------------------------------
# natlab_start NAME HOST CMD...: run CMD in HOST's namespace in the background, in its
# own session, stdio to $RUN/NAME.log; its pid goes to $RUN/NAME.pid. `ip netns exec`
# and `setsid` (not a group leader here) both exec, so $! is CMD's own pid.
natlab_start() {
  local name=$1 host=$2; shift 2
  setsid ip netns exec "$(nsname "$host")" "$@" </dev/null >>"$RUN/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
  printf '%s %s\n' "$name" "$host" >>"$RUN/procs"
}

# True while PID exists and is not a zombie (zombies still answer kill -0).
proc_alive() {
  local stat state
  [[ $1 =~ ^[0-9]+$ ]] || return 1
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  state=${stat##*) }        # the state follows the last ')' (the name may hold any)
  state=${state%% *}
  [ "$state" != Z ] && [ "$state" != X ]
}

# Waits until every "HOST PROTO IP:PORT" line on stdin is listening, every started
# process is alive, and every forwarder said "ready".
wait_ready() {
  local timeout=$1 deadline want=() line host proto ep missing name pid
  mapfile -t want
  deadline=$(awk -v t="$(now)" -v d="$timeout" 'BEGIN { printf "%.3f", t + d }')
  while :; do
    missing=""
    while read -r name host; do
      pid=$(cat "$RUN/$name.pid")
      if ! proc_alive "$pid"; then
        log "$name (pid $pid) died at start; last lines of $RUN/$name.log:"
        tail -n 20 "$RUN/$name.log" >&2 || true
        return 1
      fi
      case $name in fwd-*) grep -q '^ready' "$RUN/$name.log" || missing+=" $name" ;; esac
    done <"$RUN/procs"
    declare -A listening=()
    for line in "${want[@]}"; do
      read -r host proto ep <<<"$line"
      if [ -z "${listening[$host $proto]+x}" ]; then
        listening[$host $proto]=" $(nsx "$host" ss -Hln "-${proto:0:1}" | awk '{ printf "%s ", $4 }')"
      fi
      [[ ${listening[$host $proto]} == *" $ep "* ]] || missing+=" $host:$proto:$ep"
    done
    unset listening
    [ -n "$missing" ] || return 0
    if awk -v t="$(now)" -v d="$deadline" 'BEGIN { exit !(t > d) }'; then
      log "not ready after ${timeout}s:$missing"
      return 1
    fi
    sleep 0.05
  done
}

# Servers first; miniupnpd only once STUN answers, or its STUN self-test would wait
# 3 s for a lost first request.
start_servers() {
  local i
  natlab_start_stun
  natlab_start_turn
  natlab_start_mqtt
  printf 'srv udp %s:%s\n' "$STUN1_IP" "$STUN_PORT" "$STUN1_IP" "$STUN_ALT_PORT" \
    "$STUN2_IP" "$STUN_PORT" "$STUN2_IP" "$STUN_ALT_PORT" "$TURN_IP" "$TURN_PORT" |
    wait_ready 10
  for ((i = 1; i <= NSITES; i++)); do
    [ "${S_UPNP[$i]}" = 0 ] || natlab_start_upnp "$i"
  done
  {
    printf 'srv tcp %s:%s\n' "$TURN_IP" "$TURN_PORT" "$MQTT_IP" "$MQTT_PORT"
    for ((i = 1; i <= NSITES; i++)); do
      # miniupnpd listens once its STUN self-test is over: at once on a plain site; a
      # filtering carrier NAT (cgnat) makes it wait ~10 s for answers that never come.
      [ "${S_UPNP[$i]}" != 0 ] && [ "${S_TYPE[$i]}" != cgnat ] || continue
      # NAT-PMP/PCP on the LAN address; UPnP's HTTP and SSDP bound to the LAN bridge
      [ "${S_UPNP[$i]}" = igd ] || printf '%s-r udp %s:%s\n' "${S_NAME[$i]}" "${S_GW[$i]}" 5351
      case ${S_UPNP[$i]} in
        all|igd) printf '%s-r tcp *%%br0:%s\n%s-r udp 0.0.0.0%%br0:1900\n' \
          "${S_NAME[$i]}" "$UPNP_HTTP_PORT" "${S_NAME[$i]}" ;;
      esac
    done
  } | wait_ready 10
}

write_env() {
  local f=$RUN/lab.env i n h key
  {
    echo "# NAT lab '$PREFIX' — written by scripts/natlab.sh up; shell-sourceable"
    echo "NATLAB_PREFIX=$PREFIX"
    echo "NATLAB_RUN=$RUN"
    echo "NATLAB_SITES=\"${S_NAME[*]:1}\""
    echo "NATLAB_HOSTS=\"${HOSTS[*]}\""
    echo "NATLAB_IMPAIR_METHOD=$([ "$NATLAB_HAVE_NETEM" = 1 ] && echo netem || echo nft+fwd)"
    echo "STUN1=$STUN1_IP"
    echo "STUN2=$STUN2_IP"
    echo "STUN_PORT=$STUN_PORT"
    echo "STUN_ALT_PORT=$STUN_ALT_PORT"
    echo "TURN=$TURN_IP"
    echo "TURN_PORT=$TURN_PORT"
    [ ! -f "$RUN/turn.crt" ] || echo "TURN_TLS_PORT=$TURN_TLS_PORT"
    [ ! -f "$RUN/turn.crt" ] || echo "TURN_CA=$RUN/turn-ca.crt"
    echo "TURN_USER=$TURN_USER"
    echo "TURN_PASS=$TURN_PASS"
    echo "TURN_REALM=$TURN_REALM"
    echo "TURN_MAX_LIFETIME=$TURN_MAX_LIFETIME"
    echo "MQTT=$MQTT_IP"
    echo "MQTT_PORT=$MQTT_PORT"
    for ((i = 1; i <= NSITES; i++)); do
      key=$(upper "${S_NAME[$i]}")
      echo "${key}_TYPE=${S_TYPE[$i]}"
      if [ "${S_TYPE[$i]}" = cgnat ]; then
        echo "${key}_HOME=${S_HOME[$i]}"
        echo "${key}_CARRIER=${S_CARRIER[$i]}"
      fi
      echo "${key}_PUBLIC=${S_PUBLIC[$i]}"
      echo "${key}_LAN=${S_LAN[$i]}"
      echo "${key}_GW=${S_GW[$i]}"
      echo "${key}_UPNP=${S_UPNP[$i]}"
      echo "${key}_DELAY_MS=${S_DELAY[$i]}"
      echo "${key}_JITTER_MS=${S_JITTER[$i]}"
      echo "${key}_LOSS_PCT=${S_LOSS[$i]}"
      echo "${key}_IPV6=${S_V6[$i]}"
      if [ "${S_V6[$i]}" = 1 ]; then
        echo "${key}_LAN6=$(lan6 "$i")"
        echo "${key}_GW6=$(gw6 "$i")"
        echo "${key}_PUBLIC6=$(wan6 "$i")"
        for ((n = 1; n <= S_HOSTS[i]; n++)); do echo "$(upper "${S_NAME[$i]}-h$n")_V6=$(host_addr6 "$i" "$n")"; done
      fi
      h=""
      for ((n = 1; n <= S_HOSTS[i]; n++)); do h+="${h:+ }${S_NAME[$i]}-h$n"; done
      echo "${key}_HOSTS=\"$h\""
    done
    for h in "${HOSTS[@]}"; do
      key=$(upper "$h")
      echo "${key}=${H_ADDRS[$h]%%,*}"
    done
    for ((i = 1; i <= NSITES; i++)); do
      echo "$(upper "${S_NAME[$i]}")_R_LAN=${S_GW[$i]}"
    done
  } >"$f"
  for h in "${HOSTS[@]}"; do
    printf '%s %s %s %s\n' "$h" "$(nsname "$h")" "${H_ROLE[$h]}" "${H_ADDRS[$h]}"
  done >"$RUN/hosts"
}

UP_DONE=0
up_exit() {
  local rc=$?
  if [ "$UP_DONE" != 1 ]; then
    log "up failed (exit $rc): tearing the half-built lab down"
    local name host
    while read -r name host; do
      log "--- last lines of $name.log ($host)"
      tail -n 8 "$RUN/$name.log" >&2 2>/dev/null || true
    done <"$RUN/procs" 2>/dev/null || true
    cmd_down quiet || true
    [ "$rc" != 0 ] || rc=1
  fi
  exit "$rc"
}

cmd_up() {
  parse_topology "$@"
  local t0 i
  t0=$(now)
  cmd_down quiet
  mkdir -p "$RUN"
  : >"$RUN/namespaces"; : >"$RUN/procs"
  echo "${NATLAB_OWNER_PID:-}" >"$RUN/owner"
  trap up_exit EXIT
  trap 'exit 130' INT TERM

  plan_hosts
  create_namespaces
  fail_hook namespaces
  natlab_probe_netem "$(nsname core)"
  build_core
  fail_hook core
  for ((i = 1; i <= NSITES; i++)); do
    build_site "$i"
    fail_hook "site:${S_NAME[$i]}"
  done
  start_servers
  fail_hook servers
  write_env
  UP_DONE=1
  trap - EXIT INT TERM
  log "up in $(elapsed "$t0") s: ${NSITES} site(s), ${#HOSTS[@]} namespaces, env in $RUN/lab.env"
}

# === teardown =========================================================================
lab_namespaces() {
  {
    [ ! -f "$RUN/namespaces" ] || cat "$RUN/namespaces"
    ip netns list 2>/dev/null | awk '{ print $1 }' | grep "^$PREFIX-" || true
  } | sort -u
}

# Kills every process in the lab's namespaces (TERM, then KILL), deletes the
# namespaces (which removes their links and rules) and the run dir.
cmd_down() {
  local quiet=${1:-} t0 nss=() pids=() ns pid left batch="" tries
  t0=$(now)
  mapfile -t nss < <(lab_namespaces)
  if [ ${#nss[@]} -eq 0 ] && [ ! -d "$RUN" ]; then
    [ -n "$quiet" ] || log "down: no lab"
    return 0
  fi
  for ns in "${nss[@]}"; do
    [ -e "/run/netns/$ns" ] || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      if [ "$pid" != $$ ]; then pids+=("$pid"); fi
    done
  done
  if [ ${#pids[@]} -gt 0 ]; then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for tries in $(seq 1 100); do           # up to 2 s for a clean exit
      left=()
      for pid in "${pids[@]}"; do
        if proc_alive "$pid"; then left+=("$pid"); fi
      done
      [ ${#left[@]} -gt 0 ] || break
      if [ "$tries" = 100 ]; then
        log "down: SIGKILL for ${left[*]}"
        kill -KILL "${left[@]}" 2>/dev/null || true
        sleep 0.1
      else
        sleep 0.02
      fi
    done
  fi
  for ns in "${nss[@]}"; do
    if [ -e "/run/netns/$ns" ]; then batch+="netns delete $ns"$'\n'; fi
  done
  [ -z "$batch" ] || printf '%s' "$batch" | ip -force -batch - 2>/dev/null || true
  rm -rf "$RUN"
  [ -n "$quiet" ] || log "down in $(elapsed "$t0") s (${#nss[@]} namespaces, ${#pids[@]} processes)"
}

# Runs `down` for each lab prefix (from /run/natlab-* and PREFIX-core namespaces) that
# `$1` selects: "all", or "orphans" (an owner pid was recorded and it is gone).
down_labs() {
  local which=$1 prefix owner
  for prefix in $( { ls -d /run/natlab-* 2>/dev/null | sed 's|^/run/natlab-||'
                     ip netns list 2>/dev/null | awk '{ print $1 }' | sed -n 's/^\([a-z0-9]*\)-core$/\1/p'
                     } | sort -u); do
    [ -d "/run/natlab-$prefix" ] || [ "$which" = all ] || continue
    if [ "$which" = orphans ]; then
      owner=$(cat "/run/natlab-$prefix/owner" 2>/dev/null || true)
      [ -n "$owner" ] && ! proc_alive "$owner" || continue
    fi
    log "$which: tearing down lab '$prefix'"
    (PREFIX=$prefix RUN=/run/natlab-$prefix; cmd_down)
  done
}

# === queries ==========================================================================
require_up() { [ -f "$RUN/hosts" ] || die "lab '$PREFIX' is not up ($RUN/hosts missing)"; }

host_ns() {
  require_up
  local ns
  ns=$(awk -v h="$1" '$1 == h { print $2 }' "$RUN/hosts")
  [ -n "$ns" ] || die "no host '$1' in lab '$PREFIX' (see: natlab.sh hosts)"
  printf '%s' "$ns"
}

cmd_addr() {
  [ $# -eq 1 ] || die "usage: natlab.sh addr NAME"
  require_up
  local key
  key=$(upper "$1")
  # a subshell keeps lab.env's variables out of this script
  (
    # shellcheck disable=SC1091
    source "$RUN/lab.env"
    if [ -n "${!key:-}" ]; then echo "${!key}"
    elif v=${key}_PUBLIC && [ -n "${!v:-}" ]; then echo "${!v}"
    else echo "natlab: no address for '$1'" >&2; exit 1
    fi
  )
}

cmd_hosts() {
  require_up
  printf '%-16s %-24s %-8s %s\n' HOST NAMESPACE ROLE ADDRESSES
  awk '{ printf "%-16s %-24s %-8s %s\n", $1, $2, $3, $4 }' "$RUN/hosts"
}

cmd_status() {
  if [ ! -f "$RUN/hosts" ]; then
    echo "lab '$PREFIX': not up"
    return 1
  fi
  local rc=0 ns name host pid method
  method=$(grep '^NATLAB_IMPAIR_METHOD=' "$RUN/lab.env" | cut -d= -f2)
  echo "lab '$PREFIX': up, run dir $RUN, impairment via $method"
  while read -r ns; do
    if [ ! -e "/run/netns/$ns" ]; then echo "  namespace $ns: MISSING"; rc=1; fi
  done < <(awk '{ print $2 }' "$RUN/hosts")
  echo "  namespaces: $(wc -l <"$RUN/hosts")"
  grep -E '_TYPE=|_CARRIER=|_HOME=' "$RUN/lab.env" | sed 's/^/  /'
  while read -r name host; do
    pid=$(cat "$RUN/$name.pid" 2>/dev/null || echo "?")
    if proc_alive "$pid"; then
      printf '  %-16s pid %-7s on %-12s running\n' "$name" "$pid" "$host"
    else
      printf '  %-16s pid %-7s on %-12s DEAD (see %s)\n' "$name" "$pid" "$host" "$RUN/$name.log"
      [ "$rc" != 0 ] || rc=2
    fi
  done <"$RUN/procs"
  return "$rc"
}

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

main() {
  local cmd=${1:-help}
  [ $# -eq 0 ] || shift
  case $cmd in
    up|down|exec|gc|down-all) [ "$(id -u)" -eq 0 ] || die "$cmd needs root" ;;
  esac
  case $cmd in
    up) cmd_up "$@" ;;
    down) cmd_down ;;
    gc) down_labs orphans ;;
    down-all) down_labs all ;;
    status) cmd_status ;;
    hosts) cmd_hosts ;;
    addr) cmd_addr "$@" ;;
    ns) [ $# -eq 1 ] || die "usage: natlab.sh ns HOST"; host_ns "$1"; echo ;;
    env) require_up; cat "$RUN/lab.env" ;;
    exec)
      [ $# -ge 2 ] || die "usage: natlab.sh exec HOST CMD [ARG...]"
      local ns host=$1
      ns=$(host_ns "$host"); shift
      NATLAB_HOST=$host exec ip netns exec "$ns" "$@" ;;
    help|-h|--help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
