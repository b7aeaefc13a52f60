#!/usr/bin/env bash
# Installs every Debian 12 package p2pd needs: build, tests, fuzzing, the NAT lab and
# benchmarks. Idempotent: packages already present are not fetched again.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config git
  libuv1-dev nlohmann-json3-dev libcpp-httplib-dev libcli11-dev catch2
  libspdlog-dev libfmt-dev libsystemd-dev libsodium-dev
  libngtcp2-dev libngtcp2-crypto-gnutls-dev libgnutls28-dev
  libmosquitto-dev libminiupnpc-dev libnatpmp-dev
  libpcre2-dev
  # fuzzing (libFuzzer needs clang and its runtime)
  clang-14 libclang-rt-14-dev
  # tests: clients and peers a user's program would be
  curl socat python3 systemd procps
  # NAT lab: namespaces, netfilter, real third-party servers
  iproute2 nftables coturn mosquitto mosquitto-clients miniupnpd-nftables miniupnpc iputils-ping
  openssl  # the lab CA and TURN server certificate (TURN over TLS)
  # benchmarks
  openssh-server openssh-client hyperfine
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing packages: ${missing[*]}" >&2
  echo "deps: run as root (or: sudo $0) to install them" >&2
  exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Packaged servers (coturn, mosquitto, miniupnpd, sshd) must not be started by their
# install scripts: the tests start their own instances inside lab namespaces.
policy=/usr/sbin/policy-rc.d
policy_created=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod 755 "$policy"
  policy_created=1
fi
cleanup() { [ "$policy_created" -eq 1 ] && rm -f "$policy"; return 0; }
trap cleanup EXIT

apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "deps: done"
