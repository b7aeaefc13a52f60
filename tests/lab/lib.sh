# shellcheck shell=bash
# lib.sh — shared by the NAT lab tests (tests/lab/test_*.sh). Usage:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   lab_init labfoo            # skip (exit 77) unless root with usable `ip netns`;
#                              # NATLAB_PREFIX=labfoo; `natlab.sh down` on any exit
#   lab_up site1=portrestricted site2=symmetric    # up + source the lab's lab.env
#   check "what is checked" CMD ARG...             # a failed check fails the test
#
# Output is one "ok - ..." / "not ok - ..." line per check and a closing
# "N passed, M failed" line. Exit: 0 all passed, 1 a check failed, 77 skipped.
set -euo pipefail

LAB_TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC_DIR=${P2PD_SOURCE_DIR:-$(cd "$LAB_TESTS_DIR/../.." && pwd)}
NATLAB=$SRC_DIR/scripts/natlab.sh
STUNPROBE=$SRC_DIR/scripts/natlab/stunprobe.py
# Measured tables and other results a test wants to keep after the lab is gone.
LAB_RESULTS_DIR=${NATLAB_RESULTS_DIR:-/tmp/natlab-results}
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=$(command -v python3 || echo python3); fi
export NATLAB_PYTHON=$PY

LAB_PASSED=0
LAB_FAILED=0
LAB_SKIP=77

lab_skip() { echo "SKIP: $*"; exit "$LAB_SKIP"; }
lab_log() { printf '# %s\n' "$*"; }
now() { date +%s.%N; }
# Seconds since T0, two decimals.
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

lab_init() {
  local prefix=$1 tool
  # P2PD_LAB_TAG (a-z0-9): appended to the prefix so that several checkouts can run
  # the same lab test at once on one machine (prefixes stay at most 12 characters).
  if [ -n "${P2PD_LAB_TAG:-}" ]; then prefix=${prefix:0:$((12 - ${#P2PD_LAB_TAG}))}$P2PD_LAB_TAG; fi
  [ "$(id -u)" -eq 0 ] || lab_skip "lab tests need root"
  for tool in ip nft tc turnserver turnutils_natdiscovery turnutils_uclient mosquitto \
    mosquitto_pub mosquitto_sub miniupnpd upnpc socat ping "$PY"; do
    command -v "$tool" >/dev/null || lab_skip "lab tests need $tool (scripts/deps.sh installs it)"
  done
  export NATLAB_PREFIX=$prefix
  # A test killed before its EXIT trap runs leaves its lab behind; `natlab.sh gc`
  # (run by scripts/test.sh) removes labs whose owner is gone.
  export NATLAB_OWNER_PID=$$
  LAB_RUN=/run/natlab-$prefix
  # `ip netns` needs a writable /run/netns and the right to make namespaces.
  if ! ip netns add "$prefix-probe" 2>/dev/null; then lab_skip "ip netns is unusable here"; fi
  ip netns delete "$prefix-probe"
  mkdir -p "$LAB_RESULTS_DIR"
  trap lab_exit EXIT
  trap 'exit 130' INT TERM
  LAB_T0=$(now)
  lab_log "lab test $prefix (natlab: $NATLAB)"
}

# The EXIT trap: on failure show the servers' logs, then always tear the lab down and
# make sure nothing of it is left.
lab_exit() {
  local rc=$? f
  trap - EXIT
  [ "$LAB_FAILED" -eq 0 ] || [ "$rc" -ne 0 ] || rc=1
  if [ "$rc" -ne 0 ] && [ "$rc" -ne "$LAB_SKIP" ] && [ -d "$LAB_RUN" ]; then
    for f in "$LAB_RUN"/*.log; do
      [ -f "$f" ] || continue
      echo "# --- last lines of $f"
      tail -n 15 "$f" | sed 's/^/#   /'
    done
  fi
  "$NATLAB" down >/dev/null 2>&1 || true
  if ip netns list | grep -q "^$NATLAB_PREFIX-"; then
    echo "not ok - natlab.sh down left namespaces behind"
    LAB_FAILED=$((LAB_FAILED + 1)); rc=1
  fi
  echo "# $(since "$LAB_T0") s"
  echo "$LAB_PASSED passed, $LAB_FAILED failed"
  exit "$rc"
}

pass() { LAB_PASSED=$((LAB_PASSED + 1)); echo "ok - $*"; }
fail() { LAB_FAILED=$((LAB_FAILED + 1)); echo "not ok - $*"; }
# A failure that makes the rest of the test meaningless.
fatal() { fail "$*"; exit 1; }

# check DESC CMD...: passes when CMD exits 0 (its output is shown only on failure).
check() {
  local desc=$1 out; shift
  if out=$("$@" 2>&1); then pass "$desc"; else fail "$desc"; printf '%s\n' "$out" | tail -n 20 | sed 's/^/#   /'; fi
}
# check_not DESC CMD...: passes when CMD fails.
check_not() {
  local desc=$1; shift
  if "$@" >/dev/null 2>&1; then fail "$desc"; else pass "$desc"; fi
}
check_eq() { # DESC GOT WANT
  if [ "$2" = "$3" ]; then pass "$1 ($2)"; else fail "$1: got '$2', want '$3'"; fi
}
# check_num DESC VALUE OP LIMIT, OP one of < <= > >= (decimal numbers).
check_num() {
  if awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN {
      if (op == "<") r = v < l; else if (op == "<=") r = v <= l
      else if (op == ">") r = v > l; else if (op == ">=") r = v >= l
      exit !r }'; then
    pass "$1 ($2 $3 $4)"
  else
    fail "$1: $2 is not $3 $4"
  fi
}

lab() { "$NATLAB" "$@"; }
lab_exec() { "$NATLAB" exec "$@"; }
# Brings the lab up (fatal on failure) and loads its addresses into this shell.
lab_up() {
  "$NATLAB" up "$@" || fatal "natlab.sh up $*"
  # shellcheck disable=SC1091
  source "$LAB_RUN/lab.env"
  # LAB_FORCE_FAIL=1: fail right here, to see that a failing test leaves nothing behind
  [ "${LAB_FORCE_FAIL:-0}" != 1 ] || fatal "LAB_FORCE_FAIL=1: forced failure with the lab up"
}

# lab_portmap_config DIR PORT: DIR/config.json for a LAN daemon that maps node port PORT
# with every protocol (120 s leases), listening on DIR/api.sock, with no STUN, TURN or MQTT.
lab_portmap_config() {
  local dir=$1 port=$2
  mkdir -p "$dir"
  cat >"$dir/config.json" <<EOF
{"api": {"listen": ["unix:$dir/api.sock"]}, "node": {"port": $port}, "log": {"level": "debug"},
 "stun": {"servers": []}, "turn": {"servers": []}, "signaling": {"mqtt": {"brokers": []}},
 "portmap": {"enabled": true, "pcp": true, "natpmp": true, "upnp": true, "lease_s": 120}}
EOF
}

# lab_start_daemon DIR HOST: p2pd daemon on HOST with DIR/config.json, state in
# DIR/state, log in DIR/log, its pid in DIR/pid and HOST in DIR/host; waits for the API
# socket DIR/api.sock (the config must listen there). natlab.sh exec execs: $! is the daemon.
lab_start_daemon() {
  local dir=$1 host=$2
  "$NATLAB" exec "$host" "${P2PD_BIN:?P2PD_BIN must name the p2pd binary}" daemon --config "$dir/config.json" \
    --state-dir "$dir/state" >"$dir/log" 2>&1 &
  echo $! >"$dir/pid"
  echo "$host" >"$dir/host"
  for _ in $(seq 200); do [ -S "$dir/api.sock" ] && return 0; sleep 0.02; done
  cat "$dir/log"
  fatal "daemon in $dir did not start"
}

# start_turn_daemon NAME HOST SERVER...: a daemon in $WORK/NAME on HOST (debug log,
# no STUN, MQTT or portmap) whose turn.servers are the lab's TURN server, one entry per
# SERVER: TRANSPORT[:PASSWORD] (udp, tcp or tls; default the lab's password). tls
# entries trust TURN_CA (the lab's CA from lab.env; set it to another file to test a
# wrong one) and, when TURN_SERVER_NAME is set, expect that name (default: $TURN).
start_turn_daemon() {
  local dir=$WORK/$1 host=$2 servers="" sep="" spec transport pass port tls
  shift 2
  for spec in "$@"; do
    transport=${spec%%:*}; pass=$TURN_PASS; [ "$spec" = "$transport" ] || pass=${spec#*:}
    port=$TURN_PORT; tls=""
    if [ "$transport" = tls ]; then
      port=$TURN_TLS_PORT
      [ -z "${TURN_CA:-}" ] || tls+=", \"ca_file\": \"$TURN_CA\""
      [ -z "${TURN_SERVER_NAME:-}" ] || tls+=", \"server_name\": \"$TURN_SERVER_NAME\""
    fi
    servers+="$sep{\"host\": \"$TURN\", \"port\": $port, \"transport\": \"$transport\", \"username\": \"$TURN_USER\", \"password\": \"$pass\"$tls}"
    sep=", "
  done
  mkdir -p "$dir"
  cat >"$dir/config.json" <<EOF
{"api": {"listen": ["unix:$dir/api.sock"]}, "log": {"level": "debug"},
 "stun": {"servers": []}, "signaling": {"mqtt": {"brokers": []}}, "portmap": {"enabled": false},
 "turn": {"timeout_ms": 3000, "servers": [$servers]}}
EOF
  lab_start_daemon "$dir" "$host"
}
# Daemons kept as $WORK/NAME (lab_start_daemon "$WORK/NAME" HOST):
# stop_daemon NAME: SIGTERM and wait for it.
stop_daemon() { kill -TERM "$(cat "$WORK/$1/pid")" 2>/dev/null || true; wait "$(cat "$WORK/$1/pid")" 2>/dev/null || true; }
# api NAME METHOD PATH [BODY]: the answer's body over the daemon's unix socket (JSON
# body); its HTTP status in $WORK/status (read it with `status`).
api() {
  local dir=$WORK/$1 out
  out=$("$NATLAB" exec "$(cat "$dir/host")" curl -s --max-time 40 --unix-socket "$dir/api.sock" -X "$2" \
    -H 'Content-Type: application/json' ${4:+-d "$4"} -w '\n%{http_code}' "http://p2pd$3")
  echo "${out##*$'\n'}" >"$WORK/status"
  printf '%s\n' "${out%$'\n'*}"
}
status() { cat "$WORK/status"; }
# jf EXPR: EXPR (Python, over the JSON `j` read from stdin) printed.
jf() { "$PY" -c 'import json,sys; j=json.load(sys.stdin); v=eval(sys.argv[1]); print(v if not isinstance(v,(dict,list)) else json.dumps(v))' "$1"; }

# stun_probe HOST SERVER:PORT...: stunprobe.py from HOST, one socket, JSON lines.
stun_probe() { local h=$1; shift; "$NATLAB" exec "$h" "$PY" "$STUNPROBE" --json "$@"; }
# json_field KEY: reads one JSON object per line, prints KEY of each ("" if absent).
json_field() { "$PY" -c 'import json,sys
for l in sys.stdin:
    print(json.loads(l).get(sys.argv[1], "")) if l.strip() else None' "$1"; }

# natdiscovery_verdict FILE Mapping|Filtering: turnutils_natdiscovery's verdict line in
# FILE as EIM/ADM/APDM or EIF/ADF/APDF ("?" when it has none).
natdiscovery_verdict() {
  local line
  line=$(grep -E "(NAT with|No NAT).*$2" "$1" | tail -n 1)
  case $line in
    *"No NAT"*) echo "EIM" ;;
    *"Endpoint Independent $2"*) echo "EI${2:0:1}" ;;
    *"Address and Port Dependent $2"*) echo "APD${2:0:1}" ;;
    *"Address Dependent $2"*) echo "AD${2:0:1}" ;;
    *) echo "?" ;;
  esac
}

# lab_block_stun_udp ROUTER: ROUTER drops UDP to the lab's STUN ports on the server
# segment (TCP, MQTT included, still passes), in nft table `ip labblock`; a STUN client
# behind it then classifies `blocked`. `lab_exec ROUTER nft delete table ip labblock` undoes it.
lab_block_stun_udp() {
  "$NATLAB" exec "$1" nft -f - <<EOF
table ip labblock {
  chain forward {
    type filter hook forward priority filter - 10; policy accept;
    ip daddr 198.51.100.0/24 udp dport { $STUN_PORT, $STUN_ALT_PORT } drop
  }
}
EOF
}

# lab_stateful_firewall ROUTER: ROUTER forwards replies from its WAN side and nothing
# unsolicited (nft table `ip labfw`); a public LAN behind it classifies `udp_firewall`.
# `lab_exec ROUTER nft delete table ip labfw` undoes it.
lab_stateful_firewall() {
  "$NATLAB" exec "$1" nft -f - <<'EOF'
table ip labfw {
  chain forward {
    type filter hook forward priority filter - 10; policy accept;
    iifname "wan0" ct state established,related accept
    iifname "wan0" drop
  }
}
EOF
}
