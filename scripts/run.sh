#!/usr/bin/env bash
# Installs what p2pd needs, builds it, and runs the daemon in the foreground with its
# embedded default config (Ctrl-C stops it). Extra arguments go to `p2pd daemon`.
#   scripts/run.sh [--state-dir DIR] [--log-level debug] ...
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build

echo "run: installing packages (scripts/deps.sh)"
bash scripts/deps.sh
echo "run: building (scripts/build.sh release)"
bash scripts/build.sh release
echo "run: starting build/release/daemon/p2pd daemon $*"
exec build/release/daemon/p2pd daemon "$@"
