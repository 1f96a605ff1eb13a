#!/usr/bin/env bash
# Installs the Debian packages ParaFlow needs (only those missing), then configures and builds
# into ./build. Used by scripts/demo.sh and scripts/test.sh; safe to run again.
#   PARAFLOW_BUILD_DIR  build directory (default: build)
#   PARAFLOW_CMAKE_ARGS extra arguments for cmake (e.g. -DPARAFLOW_NATIVE=OFF for a portable binary)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ make cmake git pkg-config ca-certificates
  libeigen3-dev libhdf5-dev hdf5-tools libopenmpi-dev openmpi-bin
  libboost-program-options-dev libgtest-dev python3-h5py python3-matplotlib
  python3-sklearn)  # scikit-learn's bundled data sets: real data for tests/e2e/data_test.sh
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build=${PARAFLOW_BUILD_DIR:-build}
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release ${PARAFLOW_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j "$jobs" 2>&1 | grep -E "error|warning|Error" || true
test -x "$build/apps/paraflow" || { echo "setup: build failed" >&2; exit 1; }
