#!/usr/bin/env bash
# End-to-end check of scripts/plot-history: usage: plot_history_test.sh PARAFLOW_BINARY SOURCE_DIR
# Makes two small run files, plots them, and checks the PNG and the error path.
# Exits 77 (ctest's skip code) when Debian's python3 lacks h5py or matplotlib.
source "$(dirname "$0")/common.sh"
# Absolute paths: the test works in a temporary directory.
case $1 in */*) bin=$(readlink -f "$1") ;; *) bin=$1 ;; esac
script=$(readlink -f "$2")/scripts/plot-history
e2e_start needs-python

"$bin" run --problem classification --method sgd --eta 0.1 --batch-size 5 --budget 2e4 \
  --output a.h5 >/dev/null || fail "sgd run"
"$bin" run --problem classification --method paraflows --nf 10 --ng 20 --batch-size 5 --budget 2e4 \
  --output b.h5 >/dev/null || fail "paraflows run"

# Both runs into one PNG.
"$python" "$script" a.h5 b.h5 -o out.png >stdout.txt 2>stderr.txt
rc=$?
[ $rc -eq 0 ] || fail "exit $rc: $(cat stderr.txt)"
[ -f out.png ] || fail "no out.png"
[ "$(head -c 4 out.png | od -An -tx1 | tr -d ' \n')" = "89504e47" ] || fail "out.png is not a PNG"
size=$(wc -c <out.png)
[ "$size" -gt 10240 ] || fail "out.png is only $size bytes"
echo "ok: a.h5 b.h5 -> out.png ($size bytes)"

# The critical-path variant works too.
"$python" "$script" a.h5 b.h5 -o cp.png --critical-path --title "critical path" 2>stderr.txt \
  || fail "--critical-path: $(cat stderr.txt)"
echo "ok: --critical-path"

# A missing run file: exit 2, one stderr line 'plot-history: error: ...', no PNG.
rm -f err.png
"$python" "$script" a.h5 missing.h5 -o err.png >stdout.txt 2>stderr.txt
rc=$?
[ $rc -eq 2 ] || fail "exit $rc for a missing file (want 2)"
[ "$(wc -l <stderr.txt)" -eq 1 ] || fail "not one stderr line: $(cat stderr.txt)"
grep -q '^plot-history: error:' stderr.txt || fail "bad error line: $(cat stderr.txt)"
[ ! -e err.png ] || fail "a PNG was written despite the error"
stray=(.*.tmp)
[ ! -e "${stray[0]}" ] || fail "temporary files left: ${stray[*]}"
echo "ok: missing file -> $(cat stderr.txt)"
