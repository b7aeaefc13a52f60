#!/usr/bin/env bash
# Usage: verify_unit.sh SRC_DIR BINARY
#   SRC_DIR: the folder holding p2pd.service and p2pd.sysusers (the repo's systemd/)
#   BINARY:  the built p2pd (ExecStart must point at an executable for verify to pass)
#
# Checks, without changing anything on the system (everything happens in a temp dir):
#  1. `systemd-analyze verify` accepts the unit (with ExecStart pointed at BINARY): exit 0
#     and nothing on stderr — a misspelt key or bad value is only a warning there, so any
#     warning fails. Output naming "Unknown key"/"ignoring" fails too, wherever it is.
#  2. The directives p2pd relies on are present with the expected values.
#  3. `systemd-analyze security --offline=yes` scores the exposure at or below
#     P2PD_MAX_EXPOSURE (default 2.0 of 10) and prints the score.
#  4. p2pd.sysusers parses (`systemd-sysusers --dry-run --root=TMP`) and declares p2pd.
#
# No output is filtered. On Debian 12 (systemd 252) verify is silent for this unit as a
# normal user or root, with or without a p2pd user on the machine: verify does not
# resolve User=/Group=, so no --man=/--generators= flags or filtering are needed.
#
# Exit: 0 pass, 1 fail, 77 skip (no systemd-analyze).
set -uo pipefail

SKIP=77
fail() { echo "verify_unit: FAIL: $*" >&2; exit 1; }

[ $# -eq 2 ] || { echo "usage: $0 SRC_DIR BINARY" >&2; exit 2; }
src_dir=$1
binary=$2

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "verify_unit: SKIP: systemd-analyze not found (install the systemd package)"
  exit $SKIP
fi

src_dir=$(realpath -e -- "$src_dir" 2>/dev/null) || fail "no such folder: $1"
unit_src=$src_dir/p2pd.service
sysusers_src=$src_dir/p2pd.sysusers
[ -f "$unit_src" ] || fail "no unit file at $unit_src"
[ -f "$sysusers_src" ] || fail "no sysusers file at $sysusers_src"
binary=$(realpath -e -- "$binary" 2>/dev/null) || fail "binary $2 does not exist"
[ -x "$binary" ] || fail "binary $binary is not executable"
case $binary in
  *[[:space:]\\\$%\;]*) fail "binary path has characters a unit file would interpret: $binary" ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/p2pd-verify.XXXXXX") || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT
unit=$tmp/p2pd.service

# --- 1. systemd-analyze verify -------------------------------------------------------
grep -qx 'ExecStart=/usr/local/bin/p2pd daemon' "$unit_src" ||
  fail "expected the line 'ExecStart=/usr/local/bin/p2pd daemon' in $unit_src"
while IFS= read -r line || [ -n "$line" ]; do
  if [ "$line" = 'ExecStart=/usr/local/bin/p2pd daemon' ]; then
    printf 'ExecStart=%s daemon\n' "$binary"
  else
    printf '%s\n' "$line"
  fi
done <"$unit_src" >"$unit"

systemd-analyze verify "$unit" >"$tmp/verify.out" 2>"$tmp/verify.err"
rc=$?
cat "$tmp/verify.out"

if [ -s "$tmp/verify.err" ]; then
  cat "$tmp/verify.err" >&2
  fail "systemd-analyze verify printed warnings or errors (above)"
fi
[ $rc -eq 0 ] || fail "systemd-analyze verify exited $rc"
if grep -qiE 'unknown (key|section)|ignoring' "$tmp/verify.out" "$tmp/verify.err"; then
  fail "systemd-analyze verify output mentions an unknown key or an ignored line"
fi
echo "verify_unit: systemd-analyze verify: clean"

# --- 2. the directives p2pd relies on ------------------------------------------------
# shellcheck disable=SC2016  # $MAINPID is literal unit-file text
expect=(
  'Type=notify' 'NotifyAccess=main' 'ExecReload=/bin/kill -HUP $MAINPID' 'WatchdogSec=30s'
  'Restart=on-failure' 'User=p2pd' 'Group=p2pd' 'StateDirectory=p2pd'
  'StateDirectoryMode=0700' 'RuntimeDirectory=p2pd' 'RuntimeDirectoryMode=0750'
  'LimitNOFILE=65536' 'UMask=0027' 'NoNewPrivileges=yes' 'ProtectSystem=strict'
  'ProtectHome=yes' 'PrivateTmp=yes' 'PrivateDevices=yes' 'ProtectKernelTunables=yes'
  'ProtectKernelModules=yes' 'ProtectKernelLogs=yes' 'ProtectControlGroups=yes'
  'ProtectClock=yes' 'ProtectHostname=yes' 'RestrictNamespaces=yes' 'RestrictRealtime=yes'
  'RestrictSUIDSGID=yes' 'LockPersonality=yes' 'MemoryDenyWriteExecute=yes'
  'SystemCallArchitectures=native'
  'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK'
  'CapabilityBoundingSet=' 'AmbientCapabilities='
)
for want in "${expect[@]}"; do
  grep -qxF -- "$want" "$unit" || fail "missing directive: $want"
done
echo "verify_unit: ${#expect[@]} required directives present"

# --- 3. exposure score ---------------------------------------------------------------
max=${P2PD_MAX_EXPOSURE:-2.0}
# --threshold takes the internal 0-100 scale: 2.0 -> 20.
threshold=$(awk -v m="$max" 'BEGIN { printf "%d", m * 10 + 0.5 }')
if systemd-analyze security --help 2>&1 | grep -q -- '--offline'; then
  systemd-analyze security --offline=yes --threshold="$threshold" "$unit" >"$tmp/sec.out" 2>&1
  rc=$?
  score=$(grep -E 'Overall exposure level' "$tmp/sec.out" | sed 's/^→ *//')
  echo "verify_unit: ${score:-no exposure score printed}"
  if [ $rc -ne 0 ]; then
    grep '✗' "$tmp/sec.out" >&2
    fail "exposure above $max (systemd-analyze security exited $rc)"
  fi
else
  echo "verify_unit: note: this systemd-analyze has no 'security --offline'; score not checked"
fi

# --- 4. sysusers ---------------------------------------------------------------------
if command -v systemd-sysusers >/dev/null 2>&1; then
  mkdir -p "$tmp/root"
  # --dry-run with --root writes nothing, anywhere; the plan goes to stderr.
  systemd-sysusers --dry-run --root="$tmp/root" "$sysusers_src" >"$tmp/sysusers.out" 2>&1 ||
    { cat "$tmp/sysusers.out" >&2; fail "systemd-sysusers rejected $sysusers_src"; }
  if grep -qiE 'ignoring|unknown|failed' "$tmp/sysusers.out"; then
    cat "$tmp/sysusers.out" >&2
    fail "systemd-sysusers warned about $sysusers_src"
  fi
  grep -q "Creating user 'p2pd'" "$tmp/sysusers.out" || fail "p2pd.sysusers does not create user p2pd"
  grep -q "Creating group 'p2pd'" "$tmp/sysusers.out" || fail "p2pd.sysusers does not create group p2pd"
  echo "verify_unit: p2pd.sysusers creates user and group p2pd"
else
  echo "verify_unit: note: systemd-sysusers not found; p2pd.sysusers not checked"
fi

echo "verify_unit: PASS"
