#!/usr/bin/env bash
# Builds p2pd (Release, in build/release) and installs it under /usr/local:
#   /usr/local/bin/p2pd
#   /usr/local/lib/systemd/system/p2pd.service   (on systemd's unit search path)
#   /usr/local/lib/sysusers.d/p2pd.conf          (on systemd-sysusers' search path)
# then creates the p2pd system user and group (systemd-sysusers, else useradd) and, if
# systemd is running, reloads its unit files. It never enables or starts the service.
# Idempotent: run it again after `git pull` to upgrade.
#
# Run as root (sudo scripts/install.sh). Under sudo the build runs as the invoking user
# so build/release stays theirs. DESTDIR=/some/dir stages the files there instead (no
# root needed; users are then created in DESTDIR's /etc and systemd is not touched).
# P2PD_BUILD_DIR=dir uses another (already configured or new) build directory.
set -euo pipefail

prefix=/usr/local
src_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${P2PD_BUILD_DIR:-$src_dir/build/release}
destdir=${DESTDIR:-}
if [ -n "$destdir" ]; then
  destdir=$(realpath -m -- "$destdir")
  export DESTDIR=$destdir
fi

say() { echo "install: $*"; }
die() { echo "install: error: $*" >&2; exit 1; }

if [ -z "$destdir" ] && [ "$(id -u)" -ne 0 ]; then
  die "run as root (sudo $0), or set DESTDIR to stage the files elsewhere"
fi

# Build steps run as the sudo caller when there is one, so the tree stays theirs.
as_builder=()
if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
  as_builder=(runuser -u "$SUDO_USER" --)
fi

# --- build ---------------------------------------------------------------------------
command -v cmake >/dev/null || die "cmake not found (scripts/deps.sh installs the build dependencies)"
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  say "configuring a Release build in $build_dir"
  "${as_builder[@]}" cmake -S "$src_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DP2PD_TESTS=OFF
else
  say "reusing the configured build in $build_dir"
fi
jobs=$(nproc 2>/dev/null || echo 2)
say "building p2pd (make is a no-op when it is up to date)"
"${as_builder[@]}" cmake --build "$build_dir" --target p2pd -j"$jobs"

# --- install files -------------------------------------------------------------------
say "installing into ${destdir}${prefix}"
cmake --install "$build_dir" --prefix "$prefix"

unit=$destdir$prefix/lib/systemd/system/p2pd.service
sysusers=$destdir$prefix/lib/sysusers.d/p2pd.conf
for f in "$destdir$prefix/bin/p2pd" "$unit" "$sysusers"; do
  [ -e "$f" ] || die "cmake --install did not produce $f"
done

# --- the p2pd user and group ---------------------------------------------------------
if [ -n "$destdir" ]; then
  if grep -q '^p2pd:' "$destdir/etc/passwd" 2>/dev/null; then
    say "user and group p2pd already exist in $destdir/etc"
  elif command -v systemd-sysusers >/dev/null; then
    mkdir -p "$destdir/etc"
    systemd-sysusers --root="$destdir" "$sysusers"
    say "created user/group p2pd in $destdir/etc (systemd-sysusers --root)"
  else
    say "systemd-sysusers not found: no user created in $destdir"
  fi
elif getent passwd p2pd >/dev/null && getent group p2pd >/dev/null; then
  say "user and group p2pd already exist"
elif command -v systemd-sysusers >/dev/null; then
  systemd-sysusers "$sysusers"
  say "created user and group p2pd (systemd-sysusers $sysusers)"
elif command -v useradd >/dev/null; then
  useradd --system --user-group --home-dir /var/lib/p2pd --no-create-home \
          --shell /usr/sbin/nologin --comment "p2pd peer-to-peer daemon" p2pd
  say "created user and group p2pd (useradd; systemd-sysusers not found)"
else
  die "neither systemd-sysusers nor useradd found: create a system user and group p2pd"
fi

# --- systemd -------------------------------------------------------------------------
# /run/systemd/system exists exactly when systemd is the running init (sd_booted()).
if [ -z "$destdir" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
  systemctl daemon-reload
  say "systemd reloaded its unit files"
  if systemctl is-active --quiet p2pd; then
    say "p2pd is running the old binary: systemctl restart p2pd"
  elif systemctl is-enabled --quiet p2pd 2>/dev/null; then
    say "p2pd is enabled but not running: systemctl start p2pd"
  else
    say "to start p2pd now and at every boot: systemctl enable --now p2pd"
  fi
else
  say "systemd is not running here (not PID 1, or DESTDIR set): nothing enabled or started"
  say "on the target machine: systemctl daemon-reload && systemctl enable --now p2pd"
fi
say "config: /etc/p2pd/p2pd.json (optional; an overlay on the defaults, see docs/API.md)"
say "done"
