# Sourced by the end-to-end test scripts: strict mode, `fail`, a scratch directory removed at exit.
#   e2e_start [needs-python]   -> cd into the scratch dir; with needs-python, exit 77 (ctest skip)
#                                 unless /usr/bin/python3 has Debian's h5py and matplotlib
set -uo pipefail
python=/usr/bin/python3
fail() { echo "FAIL: $*" >&2; exit 1; }
e2e_start() {
  if [ "${1:-}" = needs-python ] && ! "$python" -c 'import h5py, matplotlib' 2>/dev/null; then
    echo "SKIP: python3-h5py/python3-matplotlib not installed"
    exit 77
  fi
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cd "$work" || fail "cd $work"
}
