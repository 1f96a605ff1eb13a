#!/usr/bin/env bash
# The layout measurement on a machine without packages (docs/scaling.md, "Measuring on another
# machine"): unpack a bundle of paraflow and bench_data_parallel made here by
# ../shared/tools/device-bundle/make-bundle.sh, run bench/measure-layouts.sh with it, and leave
# everything in OUT_DIR (plus OUT_DIR.tgz, one file to bring back).
#   bench/device-layouts.sh BUNDLE.tgz OUT_DIR [CORES]
# Environment: LONG_SECONDS, SHORT_SECONDS as for measure-layouts.sh.
set -euo pipefail
[ $# -ge 2 ] || { sed -n 2,7p "$0"; exit 2; }
bundle=$(readlink -f "$1") out=$(mkdir -p "$2" && cd "$2" && pwd) cores=${3:-16}
here=$(cd "$(dirname "$0")" && pwd)
unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
tar -C "$unpacked" -xzf "$bundle"
B=$unpacked/pfbundle
for tool in mpirun paraflow bench_data_parallel; do
  [ -x "$B/$tool" ] || { echo "device-layouts: $bundle has no $tool" >&2; exit 2; }
done
{ date -u; uname -a; nproc; } >"$out/machine.txt"
"$here/measure-layouts.sh" "$B/paraflow" "$B/bench_data_parallel" "$B/mpirun" "$out" "$cores"
tar -C "$(dirname "$out")" -czf "$out.tgz" "$(basename "$out")"
echo "device-layouts: $out.tgz ($(du -h "$out.tgz" | cut -f1))"
