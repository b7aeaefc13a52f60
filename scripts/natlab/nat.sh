# shellcheck shell=bash
# nat.sh — nftables rulesets for the NAT lab's routers. Sourced by scripts/natlab.sh.
#
# natlab_nat_ruleset TYPE LAN_IF LAN_NET WAN_IF WAN_IP SEQ_BASE REJECT STUN_HOLE
# prints one `table ip natlab` for a router whose inside is LAN_IF (subnet LAN_NET)
# and whose outside is WAN_IF (address WAN_IP). TYPE is one of NATLAB_NAT_TYPES.
#
# Every NAT type shares one base:
#   - forward: established/related, everything from the inside, and DNATed flows
#     (`ct status dnat`: full/restricted cone inbound mappings, UPnP/NAT-PMP port
#     mappings) pass; anything else from outside is dropped (or rejected with REJECT=1);
#   - input: the router itself answers nothing unsolicited from outside except ICMP.
#     STUN_HOLE=1 lets STUN answers (udp sport 3478/3479 from the server segment) in,
#     for miniupnpd's STUN self-test, whose CHANGE-REQUEST answers are not "established".
#   - NAT applies only to traffic from LAN_NET leaving through WAN_IF.
# What differs is the source NAT and, for the cones, an inbound DNAT map:
#   portrestricted  masquerade: the kernel reuses one mapping per internal ip:port for
#                   every destination (EIM) and keeps the port when free; conntrack
#                   lets in only the exact remote ip:port (APDF).
#   symmetric       masquerade fully-random: a new random port per flow (APDM, APDF).
#   symseq          snat to WAN_IP : numgen inc mod N map {0: SEQ_BASE, 1: SEQ_BASE+1..}
#                   a new port per flow, one higher than the last one this router gave
#                   out (APDM, delta +1, router-wide). `numgen ... offset` used directly
#                   as a port is byte-swapped in nft 1.0.6, hence the map.
#   fullcone        masquerade, plus map @fc (proto . external port -> internal
#                   ip . port) learnt from every packet leaving WAN_IF after SNAT, and a
#                   prerouting DNAT through @fc for anything arriving on WAN_IF (EIF).
#   restricted      as fullcone, but the DNAT also needs (proto . external port . remote
#                   ip) in set @rc, learnt from the same outbound packets (ADF).
#   none            no NAT, no filter: the inside is public.

NATLAB_NAT_TYPES="none fullcone restricted portrestricted symmetric symseq"
# How many sequential ports symseq hands out before it wraps around.
NATLAB_SEQ_SPAN=1000
# Lifetime of a full/restricted cone map entry without outbound traffic refreshing it.
NATLAB_CONE_TIMEOUT=${NATLAB_CONE_TIMEOUT:-120}

natlab_is_nat_type() {
  local t
  for t in $NATLAB_NAT_TYPES; do [ "$t" = "$1" ] && return 0; done
  return 1
}

# The `{ 0 : B, 1 : B+1, ... }` map for symseq.
natlab_seq_map() {
  local base=$1 i out=""
  for ((i = 0; i < NATLAB_SEQ_SPAN; i++)); do out+="$i : $((base + i)), "; done
  printf '{ %s }' "${out%, }"
}

natlab_nat_ruleset() {
  local type=$1 lan_if=$2 lan_net=$3 wan_if=$4 wan_ip=$5 seq_base=$6 reject=$7 stun_hole=$8
  local deny="drop"
  [ "$reject" = 1 ] && deny='meta l4proto tcp reject with tcp reset
    reject with icmp type port-unreachable'

  if [ "$type" = none ]; then
    cat <<EOF
table ip natlab {
  # no NAT, no filter: this site's LAN is on public addresses
  chain forward { type filter hook forward priority filter; policy accept; }
}
EOF
    return
  fi

  local stun_rule=""
  [ "$stun_hole" = 1 ] && stun_rule="ip saddr 198.51.100.0/24 udp sport { 3478, 3479 } accept"

  local snat
  case $type in
    portrestricted|fullcone|restricted) snat="masquerade" ;;
    symmetric) snat="masquerade fully-random" ;;
    symseq) snat="meta l4proto { tcp, udp } snat ip to $wan_ip : numgen inc mod $NATLAB_SEQ_SPAN map $(natlab_seq_map "$seq_base")
    oifname \"$wan_if\" ip saddr $lan_net masquerade" ;;
    *) echo "natlab_nat_ruleset: unknown type $type" >&2; return 1 ;;
  esac

  cat <<EOF
table ip natlab {
  chain input {
    type filter hook input priority filter; policy accept;
    iifname != "$wan_if" accept
    ct state established,related accept
    ip protocol icmp accept
    $stun_rule
    $deny
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "$lan_if" accept
    ct status dnat accept
    iifname "$wan_if" $deny
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "$wan_if" ip saddr $lan_net $snat
  }
EOF

  if [ "$type" = fullcone ] || [ "$type" = restricted ]; then
    local need_rc=""
    [ "$type" = restricted ] && need_rc="meta l4proto . th dport . ip saddr @rc"
    cat <<EOF
  # external port -> internal ip . port, learnt after SNAT (priority srcnat + 10)
  map fc {
    type inet_proto . inet_service : ipv4_addr . inet_service
    flags dynamic,timeout; timeout ${NATLAB_CONE_TIMEOUT}s;
  }
  # external port . remote ip pairs that have seen outbound traffic (restricted cone)
  set rc {
    type inet_proto . inet_service . ipv4_addr
    flags dynamic,timeout; timeout ${NATLAB_CONE_TIMEOUT}s;
  }
  chain learn {
    type filter hook postrouting priority srcnat + 10; policy accept;
    # flows the inside opened: the internal end is the original source
    oifname "$wan_if" meta l4proto { tcp, udp } ct direction original ct original ip saddr $lan_net update @fc { meta l4proto . th sport : ct original ip saddr . ct original proto-src }
    # flows the outside opened through this map: the internal end is the reply source
    oifname "$wan_if" meta l4proto { tcp, udp } ct direction reply ct reply ip saddr $lan_net update @fc { meta l4proto . th sport : ct reply ip saddr . ct reply proto-src }
    oifname "$wan_if" meta l4proto { tcp, udp } update @rc { meta l4proto . th sport . ip daddr }
  }
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    iifname "$wan_if" meta l4proto { tcp, udp } $need_rc dnat ip to meta l4proto . th dport map @fc
  }
EOF
  fi
  echo "}"
}

# The tables miniupnpd 2.3 (nftables flavour) expects to exist; it fills their chains.
# WHAT (all, igd, natpmp, pcp) is what the site's miniupnpd speaks. miniupnpd answers
# NAT-PMP and PCP on one socket (5351), told apart by the version byte, the first of
# the UDP payload (0 NAT-PMP, 2 PCP): for natpmp the router drops PCP requests to it,
# for pcp NAT-PMP requests, so that the other protocol goes unanswered.
# V6=1 (a NAT site with ipv6): chain miniupnpd, where miniupnpd also puts its IPv6
# pinholes, is a regular chain jumped to by a default-drop forward chain for IPv6 from
# the WAN (IPv4 passes: table ip natlab filters it).
natlab_upnp_tables() {
  local what=${1:-all} v6=${2:-0} version=""
  if [ "$v6" = 1 ]; then
    cat <<'EOF'
table inet miniupnpd {
  chain miniupnpd { }
  chain prerouting_miniupnpd { type nat hook prerouting priority dstnat - 10; policy accept; }
  chain postrouting_miniupnpd { type nat hook postrouting priority srcnat - 10; policy accept; }
  chain forward {
    type filter hook forward priority filter; policy drop;
    meta nfproto ipv4 accept
    ct state established,related accept
    iifname "br0" accept
    iifname "wan0" jump miniupnpd
  }
}
EOF
  else
    cat <<'EOF'
table inet miniupnpd {
  chain miniupnpd { type filter hook forward priority filter; policy accept; }
  chain prerouting_miniupnpd { type nat hook prerouting priority dstnat - 10; policy accept; }
  chain postrouting_miniupnpd { type nat hook postrouting priority srcnat - 10; policy accept; }
}
EOF
  fi
  case $what in natpmp) version=2 ;; pcp) version=0 ;; esac
  [ -n "$version" ] || return 0
  cat <<EOF
table ip natlab_upnp {
  chain input {
    type filter hook input priority filter - 10; policy accept;
    udp dport 5351 @th,64,8 $version drop
  }
}
EOF
}

# IPv6 on a NAT site without miniupnpd: replies and the inside's own flows pass,
# nothing unsolicited from the WAN.
natlab_v6_firewall() {
  cat <<'EOF'
table ip6 natlab6 {
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "br0" accept
  }
}
EOF
}
