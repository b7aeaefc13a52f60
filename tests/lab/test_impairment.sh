#!/usr/bin/env bash
# lab.impairment: per-site delay, jitter and loss on the WAN link are real.
#  - delay=20ms shows as ~40 ms ping RTT (20 ms each way), against < 5 ms unimpaired;
#  - jitter=10ms spreads the RTT (mdev) without reordering TCP to death;
#  - loss=10% (each direction) loses about 19% of ping round trips;
#  - TCP through the delayed link delivers a 2 MB file intact.
# Uses tc netem where the kernel has it, else the nftables + TAP forwarder fallback.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lab_init labimp

lab_up base=portrestricted dly=portrestricted,delay=20ms jit=none,delay=20ms,jitter=10ms \
  lossy=portrestricted,loss=10%
lab_log "impairment method: $NATLAB_IMPAIR_METHOD"

# ping HOST COUNT INTERVAL -> "loss% min avg max mdev"
ping_stats() {
  local out
  out=$(lab_exec "$1" ping -q -n -c "$2" -i "$3" -W 1 "$STUN1" 2>&1 || true)
  local loss rtt
  loss=$(echo "$out" | sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p')
  rtt=$(echo "$out" | sed -n 's#.*= \([0-9.]*\)/\([0-9.]*\)/\([0-9.]*\)/\([0-9.]*\) ms.*#\1 \2 \3 \4#p')
  echo "${loss:-100} ${rtt:-0 0 0 0}"
}

# Both pings run at once: they cross different sites' links.
ping_stats base-h1 50 0.01 >"$LAB_RUN/ping-base" &
ping_stats dly-h1 50 0.02 >"$LAB_RUN/ping-dly" &
ping_stats jit-h1 100 0.02 >"$LAB_RUN/ping-jit" &
ping_stats lossy-h1 600 0.005 >"$LAB_RUN/ping-lossy" &
wait

read -r loss _ avg _ <"$LAB_RUN/ping-base"
check_num "no impairment: RTT avg (ms)" "$avg" "<" 5
check_eq "no impairment: no loss" "$loss" 0

read -r loss min avg _ <"$LAB_RUN/ping-dly"
check_num "delay=20ms: min RTT (ms)" "$min" ">=" 39
check_num "delay=20ms: avg RTT (ms)" "$avg" "<" 60
check_eq "delay=20ms: no loss" "$loss" 0

read -r loss min avg _ mdev <"$LAB_RUN/ping-jit"
check_num "jitter=10ms: RTT spread, mdev (ms)" "$mdev" ">=" 2
check_num "jitter=10ms: min RTT stays above 2 x (20 - 10) ms" "$min" ">=" 19
check_num "jitter=10ms: avg RTT (ms)" "$avg" "<" 75

# 10% each way -> 1 - 0.9^2 = 19% of round trips; 600 samples: sd ~1.6%
read -r loss _ <"$LAB_RUN/ping-lossy"
check_num "loss=10%: round-trip loss % (expect ~19)" "$loss" ">=" 12
check_num "loss=10%: round-trip loss % (expect ~19)" "$loss" "<=" 27

# TCP across the delayed link (and the jittered one) still carries data intact.
BLOB=$LAB_RUN/blob
head -c 2000000 /dev/urandom >"$BLOB"
for h in dly-h1 jit-h1; do
  lab_exec srv timeout 20 socat -u OPEN:"$BLOB" TCP-LISTEN:9000,reuseaddr &
  server=$!
  sleep 0.2
  t0=$(now)
  lab_exec "$h" timeout 20 socat -u TCP:"$STUN1":9000 OPEN:"$BLOB.$h",creat,trunc || true
  wait "$server" || true
  check "TCP through $h's impaired link: 2 MB intact in $(since "$t0") s" cmp -s "$BLOB" "$BLOB.$h"
done

if [ "$NATLAB_IMPAIR_METHOD" != netem ]; then
  forwarder_running() { lab status | grep -E "fwd-$1 .*running" >/dev/null; }
  check "the delay forwarder of dly is running" forwarder_running dly
  check "the delay forwarder of jit is running" forwarder_running jit
  check "loss is an nftables netdev table on lossy's WAN" \
    sh -c "'$NATLAB' exec lossy-r nft list table netdev natlab_loss | grep -q 'numgen random mod 10000 < 1000 drop'"
fi
