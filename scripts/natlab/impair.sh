# shellcheck shell=bash
# impair.sh — link impairment (delay, jitter, loss) for a site's WAN link.
# Sourced by scripts/natlab.sh.
#
# With sch_netem in the kernel, `tc netem` does it all on both ends of the link.
# Without it (this project's reference machine), the fallback is:
#   - loss: an nftables netdev table on the router's WAN device, dropping
#     `numgen random mod 10000 < N` on ingress and on egress (each direction loses
#     about N/100 %);
#   - delay/jitter: the WAN link is two TAP devices instead of a veth pair, and
#     scripts/natlab/fwd.py copies frames between them after holding each one for
#     delay +- jitter (in order, per direction).

# Set by natlab_probe_netem, read by natlab.sh.
# shellcheck disable=SC2034
NATLAB_HAVE_NETEM=""

# Sets NATLAB_HAVE_NETEM to 1 or 0, by trying a netem qdisc on NS's loopback.
# NATLAB_NO_NETEM=1 forces the fallback (to test it where netem exists).
natlab_probe_netem() {
  local ns=$1
  if [ "${NATLAB_NO_NETEM:-0}" = 1 ]; then NATLAB_HAVE_NETEM=0; return; fi
  if ip netns exec "$ns" tc qdisc add dev lo root netem delay 1ms 2>/dev/null; then
    ip netns exec "$ns" tc qdisc del dev lo root 2>/dev/null || true
    NATLAB_HAVE_NETEM=1
  else
    NATLAB_HAVE_NETEM=0
  fi
}

# "20", "20ms", "1.5ms", "0.2s" -> milliseconds (decimal string); fails on anything else.
natlab_parse_ms() {
  local v=$1
  if [[ $v =~ ^([0-9]+(\.[0-9]+)?)(ms)?$ ]]; then
    printf '%s' "${BASH_REMATCH[1]}"
  elif [[ $v =~ ^([0-9]+(\.[0-9]+)?)s$ ]]; then
    awk -v s="${BASH_REMATCH[1]}" 'BEGIN { printf "%g", s * 1000 }'
  else
    return 1
  fi
}

# "5", "5%", "0.5%" -> percent (decimal string, 0..100); fails on anything else.
natlab_parse_pct() {
  local v=$1
  [[ $v =~ ^([0-9]+(\.[0-9]+)?)%?$ ]] || return 1
  awk -v p="${BASH_REMATCH[1]}" 'BEGIN { exit !(p >= 0 && p <= 100) }' || return 1
  printf '%s' "${BASH_REMATCH[1]}"
}

natlab_is_zero() { awk -v x="$1" 'BEGIN { exit !(x == 0) }'; }

# The netdev table that drops PCT percent of frames in each direction on DEV.
natlab_loss_ruleset() {
  local dev=$1 pct=$2 n
  n=$(awk -v p="$pct" 'BEGIN { printf "%d", p * 100 + 0.5 }')
  cat <<EOF
table netdev natlab_loss {
  chain ingress {
    type filter hook ingress device "$dev" priority filter; policy accept;
    numgen random mod 10000 < $n drop
  }
  chain egress {
    type filter hook egress device "$dev" priority filter; policy accept;
    numgen random mod 10000 < $n drop
  }
}
EOF
}

# tc netem arguments for DELAY/JITTER (ms) and LOSS (%), one direction.
natlab_netem_args() {
  local delay=$1 jitter=$2 loss=$3 args=()
  if ! natlab_is_zero "$delay" || ! natlab_is_zero "$jitter"; then
    args+=(delay "${delay}ms")
    natlab_is_zero "$jitter" || args+=("${jitter}ms")
  fi
  natlab_is_zero "$loss" || args+=(loss "${loss}%")
  printf '%s\n' "${args[@]}"
}
