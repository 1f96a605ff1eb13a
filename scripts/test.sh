#!/usr/bin/env bash
# The whole test suite: set up (packages, configure, build), then ctest (unit, MPI, end-to-end).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build=${PARAFLOW_BUILD_DIR:-build}
ctest --test-dir "$build" --output-on-failure -j "$(nproc 2>/dev/null || echo 2)" "$@"
