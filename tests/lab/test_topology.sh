#!/usr/bin/env bash
# lab.topology: natlab.sh builds and removes labs quickly and completely.
#  - `up` of three sites < 10 s, `down` < 5 s;
#  - status/hosts/addr/env describe the lab; hosts reach the servers, private LANs
#    are unreachable from outside;
#  - the root namespace's links, routes and nftables rules are untouched;
#  - `down` kills processes started with `natlab.sh exec`, and leaves no namespace;
#  - two prefixes coexist; a failed `up` cleans up after itself, and `up` after a
#    crashed `up` (SIGKILL, no trap) works.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lab_init labtopo

# What the root namespace looks like before any lab: it must look the same after.
root_state() {
  ip -o link show | awk '{ print $2 }' | sort
  ip route show table all
  ip rule show
  nft list ruleset 2>/dev/null
}
ROOT_BEFORE=$(root_state)

# --- up: timing bar and description -------------------------------------------------
t0=$(now)
lab_up a=portrestricted,hosts=2,udptimeout=40 b=symmetric,reject c=cgnat,carrier=symmetric
check_num "up of 3 sites in under 10 s" "$(since "$t0")" "<" 10

check "status says up and healthy" lab status
check_eq "hosts: all namespaces" "$(lab hosts | tail -n +2 | awk '{ print $1 }' | tr '\n' ' ')" \
  "core srv a-r a-h1 a-h2 b-r b-h1 c-r c-cgn c-h1 "
check_eq "addr stun1" "$(lab addr stun1)" 198.51.100.10
check_eq "addr stun2" "$(lab addr stun2)" 198.51.100.11
check_eq "addr turn" "$(lab addr turn)" 198.51.100.20
check_eq "addr mqtt" "$(lab addr mqtt)" 198.51.100.30
check_eq "addr a-h2" "$(lab addr a-h2)" 192.168.1.12
check_eq "addr a (site public address)" "$(lab addr a)" 203.0.113.11
check_eq "addr c-cgn (carrier WAN)" "$(lab addr c-cgn)" 203.0.113.13
check_eq "addr c-r (home router WAN, CGNAT space)" "$(lab addr c-r)" 100.64.3.2
check_eq "lab.env: C_H1" "${C_H1:-}" 192.168.3.11
check_eq "lab.env: C_CARRIER" "${C_CARRIER:-}" symmetric
check_eq "lab.env: TURN credentials" "${TURN_USER:-}:${TURN_PASS:-}@${TURN_REALM:-}" p2pd:p2pdpass@lab.p2pd
check_eq "ns a-h1" "$(lab ns a-h1)" labtopo-a-h1
check_not "addr of an unknown host fails" lab addr nosuchhost

# --- reachability ---------------------------------------------------------------------
for h in a-h1 a-h2 b-h1 c-h1; do
  check "$h reaches stun1" lab_exec "$h" ping -c 1 -W 2 "$STUN1"
done
check "a-h1 reaches a-h2 on the LAN" lab_exec a-h1 ping -c 1 -W 2 "$A_H2"
check_not "a public host cannot reach a private LAN" lab_exec srv ping -c 1 -W 1 "$A_H1"
check_not "one site cannot reach another's LAN" lab_exec b-h1 ping -c 1 -W 1 "$A_H1"
check_eq "udptimeout=40 sets the router's conntrack UDP timeout" \
  "$(lab_exec a-r sysctl -n net.netfilter.nf_conntrack_udp_timeout)" 40
check_not "unsolicited TCP to a dropping NAT times out" \
  lab_exec srv socat -u /dev/null "TCP:$A_PUBLIC:9999,connect-timeout=1"
t0=$(now)
out=$(lab_exec srv socat -u /dev/null "TCP:$B_PUBLIC:9999,connect-timeout=2" 2>&1 || true)
check "unsolicited TCP to a NAT with reject is refused at once ($(since "$t0") s)" \
  grep -q "Connection refused" <<<"$out"
check "NATLAB_HOST is set for exec" test "$(lab_exec a-h1 printenv NATLAB_HOST)" = a-h1

# --- processes started with exec die with the lab --------------------------------------
lab_exec a-h1 sleep 600 </dev/null >/dev/null 2>&1 &
EXEC_PID=$!
setsid "$NATLAB" exec b-h1 sleep 600 </dev/null >/dev/null 2>&1 &
DAEMON_PID=$!
SERVER_PIDS=$(cat "$LAB_RUN"/*.pid)
sleep 0.2
check "exec'd process runs in the lab" kill -0 "$EXEC_PID"

# --- a second lab beside the first ------------------------------------------------------
# (its topology from a file, with comments)
TOPO=$(mktemp)
printf '# second lab\nx=fullcone   # one site\n\n' >"$TOPO"
NATLAB_PREFIX=labtopo2 "$NATLAB" up -f "$TOPO" >/dev/null 2>&1 || fail "second lab up"
rm -f "$TOPO"
check "second lab is up" env NATLAB_PREFIX=labtopo2 "$NATLAB" status
check "second lab's host reaches its own stun1" env NATLAB_PREFIX=labtopo2 "$NATLAB" exec x-h1 ping -c 1 -W 2 198.51.100.10
NATLAB_PREFIX=labtopo2 "$NATLAB" down >/dev/null 2>&1
check_not "second lab's namespaces are gone" sh -c 'ip netns list | grep -q "^labtopo2-"'
check "first lab still healthy after the second's down" lab status

# status notices a dead server (exit 2)
kill "$(cat "$LAB_RUN/mqtt.pid")"
sleep 0.3
rc=0; lab status >/dev/null || rc=$?
check_eq "status exits 2 once a server died" "$rc" 2

# --- down: timing bar and leftovers -----------------------------------------------------
t0=$(now)
lab down
check_num "down in under 5 s" "$(since "$t0")" "<" 5
check_not "no namespace left" sh -c 'ip netns list | grep -q "^labtopo-"'
check_not "no run dir left" test -e "$LAB_RUN"
sleep 0.1
alive=""
for pid in $EXEC_PID $DAEMON_PID $SERVER_PIDS; do
  if [ -r "/proc/$pid/stat" ] && ! grep -q ') Z' "/proc/$pid/stat"; then alive+=" $pid"; fi
done
check_eq "servers and exec'd processes are gone" "${alive:-none}" none
wait "$EXEC_PID" 2>/dev/null || true
check_eq "root namespace untouched" "$(root_state | md5sum)" "$(echo "$ROOT_BEFORE" | md5sum)"

# --- failures -------------------------------------------------------------------------
check_not "up with a bad site spec fails" lab up a=nosuchnat
check_not "up with a bad option fails" lab up a=portrestricted,hosts=x
check_not "bad spec created nothing" sh -c 'ip netns list | grep -q "^labtopo-"'

check_not "up failing half-way (NATLAB_FAIL_AFTER) exits non-zero" \
  env NATLAB_FAIL_AFTER=site:b "$NATLAB" up a=portrestricted b=fullcone c=symmetric
check_not "a failed up removed its namespaces" sh -c 'ip netns list | grep -q "^labtopo-"'

# A crash (SIGKILL, so no trap runs) after the servers started leaves everything behind;
# the next `up` must clear it and succeed.
NATLAB_FAIL_AFTER=servers NATLAB_FAIL_HARD=1 "$NATLAB" up a=portrestricted b=restricted \
  >/dev/null 2>&1 || true
check "a crashed up left namespaces (precondition)" sh -c 'ip netns list | grep -q "^labtopo-"'
STALE_PIDS=$(cat "$LAB_RUN"/*.pid 2>/dev/null || true)
t0=$(now)
lab_up a=portrestricted b=restricted
check_num "up after a crashed up, in under 10 s" "$(since "$t0")" "<" 10
check "status healthy after up over a crashed lab" lab status
alive=""
for pid in $STALE_PIDS; do
  if [ -r "/proc/$pid/stat" ] && ! grep -q ') Z' "/proc/$pid/stat"; then alive+=" $pid"; fi
done
check_eq "the crashed lab's servers are gone" "${alive:-none}" none
check "hosts work after up over a crashed lab" lab_exec b-h1 ping -c 1 -W 2 "$STUN1"
lab down
check_eq "root namespace untouched at the end" "$(root_state | md5sum)" "$(echo "$ROOT_BEFORE" | md5sum)"
