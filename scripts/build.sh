#!/usr/bin/env bash
# Configures and builds one flavour of p2pd under build/.
#   scripts/build.sh [release|asan] [extra cmake args...]
# release: RelWithDebInfo in build/release; asan: ASan+UBSan in build/asan.
set -euo pipefail
cd "$(dirname "$0")/.."

flavour=${1:-release}
shift || true
case "$flavour" in
  release) dir=build/release; args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DP2PD_SANITIZE=OFF) ;;
  asan)    dir=build/asan;    args=(-DCMAKE_BUILD_TYPE=Debug -DP2PD_SANITIZE=ON) ;;
  *) echo "build.sh: unknown flavour '$flavour' (release|asan)" >&2; exit 2 ;;
esac

jobs=${P2PD_JOBS:-$(nproc 2>/dev/null || echo 2)}
# ccache, when a developer has it installed, shares compiled objects between checkouts.
if command -v ccache >/dev/null 2>&1 && [ "${P2PD_NO_CCACHE:-0}" != 1 ]; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
  # -g embeds the build directory; without this every checkout misses the cache.
  export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
  args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
mkdir -p build
echo "build: configuring $flavour in $dir"
cmake -S . -B "$dir" "${args[@]}" "$@" > "$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; exit 1; }
echo "build: compiling $flavour with $jobs jobs"
cmake --build "$dir" -j "$jobs"
