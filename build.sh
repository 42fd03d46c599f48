#!/usr/bin/env bash
# Entry point for a fresh Debian 12 machine: installs the build tools if they
# are missing (apt-get, as root or through sudo), then runs `make TARGET`.
#   bash build.sh demo    set everything up, build, run the demo
#   bash build.sh test    run every test
set -euo pipefail
cd "$(dirname "$0")"
scripts/deps.sh build
exec make --no-print-directory "${@:-all}"
