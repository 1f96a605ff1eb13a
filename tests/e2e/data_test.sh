#!/usr/bin/env bash
# Users' own data through the CLI: scikit-learn's handwritten digits (Debian's python3-sklearn),
# converted by scripts/sklearn-to-paraflow into the CSV and HDF5 files users write, trained with
# sgd and paraflows (loss falls, accuracy rises), on 2 data ranks, resumed, and refused once the
# file changed; bad data files get one line and exit 2.
#   data_test.sh PARAFLOW_BINARY SOURCE_DIR MPIEXEC [MPIEXEC FLAGS...]
source "$(dirname "$0")/common.sh"
bin=$(readlink -f "$1")
src=$(readlink -f "$2")
shift 2
mpiexec=("$@")
e2e_start needs-python
"$python" -c 'import h5py' || fail "h5py"
"$src/scripts/sklearn-to-paraflow" digits digits.csv >/dev/null || { echo "SKIP: no sklearn data"; exit 77; }
"$src/scripts/sklearn-to-paraflow" digits digits.h5 >/dev/null || fail "convert to HDF5"

field() { sed -n "s/^result .* $1=\([^ ]*\).*/\1/p"; }
train=(run --problem data --loss cross-entropy --hidden 32 --batch-size 32 --eta 0.1 --seed 2)
for method in sgd paraflows; do
  extra=()
  [ $method = paraflows ] && extra=(--nf 20 --ng 10)
  for budget in 2e4 2e5; do
    "$bin" "${train[@]}" --data digits.csv --method $method "${extra[@]}" --budget $budget \
      --output $method-$budget.h5 >out.txt || fail "$method $budget"
    loss=$(field loss <out.txt) accuracy=$(field accuracy <out.txt)
    echo "$method budget=$budget loss=$loss accuracy=$accuracy"
    eval "${method}_${budget/e/_}_loss=$loss ${method}_${budget/e/_}_accuracy=$accuracy"
  done
  small_loss=${method}_2_4_loss large_loss=${method}_2_5_loss
  small_acc=${method}_2_4_accuracy large_acc=${method}_2_5_accuracy
  awk -v a="${!large_loss}" -v b="${!small_loss}" -v c="${!large_acc}" -v d="${!small_acc}" \
    'BEGIN { exit !(a < b && c > d && c > 0.9) }' ||
    fail "$method: loss ${!small_loss} -> ${!large_loss}, accuracy ${!small_acc} -> ${!large_acc}"
  first=$("$python" -c "import h5py; print(h5py.File('$method-2e5.h5')['history/loss'][0])")
  awk -v a="${!large_loss}" -v b="$first" 'BEGIN { exit !(a < b / 10) }' ||
    fail "$method: loss $first -> ${!large_loss}"
done

# The HDF5 file of the same data gives the same run, bit for bit.
"$bin" "${train[@]}" --data digits.h5 --method sgd --budget 2e4 --output h5.h5 >out.txt || fail "h5"
[ "$(field loss <out.txt)" = "$sgd_2_4_loss" ] || fail "HDF5 data: $(field loss <out.txt)"

# 2 data ranks: the one-rank loss to rounding.
"${mpiexec[@]}" -n 2 "$bin" "${train[@]}" --data digits.csv --method paraflows --nf 20 --ng 10 \
  --budget 2e5 --data-ranks 2 --output q2.h5 >out.txt || fail "2 data ranks"
awk -v a="$(field loss <out.txt)" -v b="$paraflows_2_5_loss" \
  'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-12 * b) }' ||
  fail "2 data ranks: $(field loss <out.txt) against $paraflows_2_5_loss"

# --validation: a held-out 20% scored at every history entry, at no budget and without changing
# the training; on 2 data ranks too; resumes refuse a changed file; a file of another shape and a
# paper problem are one-line errors.
"$src/scripts/sklearn-to-paraflow" digits fit.csv --validation 0.2 held.csv >/dev/null || fail "split"
for validation in "" held.csv; do
  "$bin" "${train[@]}" --data fit.csv ${validation:+--validation $validation} --method sgd \
    --budget 2e5 --log-interval 0 --output "fit${validation:+-v}.h5" >"fit${validation:+-v}.txt" ||
    fail "--validation '$validation'"
done
for f in loss budget; do
  [ "$(field $f <fit.txt)" = "$(field $f <fit-v.txt)" ] || fail "--validation changed the $f"
done
held_loss=$(field validation_loss <fit-v.txt) held_accuracy=$(field validation_accuracy <fit-v.txt)
grep -q '^iter=.* validation_loss=.* validation_accuracy=' fit-v.txt || fail "progress lines"
"$python" -c "
import h5py, sys
h = h5py.File('fit-v.h5')['history']
v, a = h['validation_loss'][:], h['validation_accuracy'][:]
assert len(v) == len(h['loss']) > 10 and v[-1] < v[0] / 4 and a[-1] > a[0], (v[0], v[-1], a[0], a[-1])
assert 'validation_loss' not in h5py.File('fit.h5')['history']" || fail "/history/validation_*"
awk -v a="$held_accuracy" 'BEGIN { exit !(a > 0.85) }' || fail "held-out accuracy $held_accuracy"
echo "ok: --validation: held-out loss $held_loss, accuracy $held_accuracy (training: $(field accuracy <fit-v.txt))"
"${mpiexec[@]}" -n 2 "$bin" "${train[@]}" --data fit.csv --validation held.csv --method sgd \
  --budget 2e5 --data-ranks 2 >out.txt || fail "--validation on 2 data ranks"
awk -v a="$(field validation_loss <out.txt)" -v b="$held_loss" \
  'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-12 * b) }' ||
  fail "--validation on 2 data ranks: $(field validation_loss <out.txt) against $held_loss"
"$bin" run --resume fit-v.h5 --validation other.csv >/dev/null 2>err.txt && fail "--validation anew"
grep -q "cannot be changed on --resume" err.txt || fail "$(cat err.txt)"
sed -i '2s/^0,/0.5,/' held.csv
"$bin" run --resume fit-v.h5 --budget 3e5 >/dev/null 2>err.txt && fail "changed validation data"
grep -q "^paraflow: error: held.csv: its contents changed" err.txt || fail "$(cat err.txt)"
"$src/scripts/sklearn-to-paraflow" iris iris.csv >/dev/null
"$bin" "${train[@]}" --data fit.csv --validation iris.csv --budget 1e4 >/dev/null 2>err.txt &&
  fail "validation of another shape"
[ "$(wc -l <err.txt)" -eq 1 ] && grep -q "iris.csv: 4 inputs and 10 targets, but --data fit.csv has 64 and 10" err.txt ||
  fail "$(cat err.txt)"
"$bin" run --validation held.csv --budget 1e4 >/dev/null 2>err.txt && fail "paper problem"
grep -q -- "--validation needs --problem data" err.txt || fail "$(cat err.txt)"
echo "ok: --validation errors"

# Data not embedded (--embed-data no, and auto above 16 MiB): /data names the file and its hash;
# evaluate and resume read it again, and refuse it once it changed.
cp fit.csv named.csv
"$bin" "${train[@]}" --data named.csv --method sgd --budget 2e4 --embed-data no --output named.h5 \
  >/dev/null || fail "--embed-data no"
"$python" -c "
import h5py
d = h5py.File('named.h5')['data']
assert 'inputs' not in d and d.attrs['file'].endswith('/named.csv') and d.attrs['samples'] == 1438
assert len(d.attrs['sha256']) == 64" || fail "/data of a named file"
"$bin" info named.h5 | grep -q "data      1438 samples in .*/named.csv (sha256 " || fail "info"
"$bin" evaluate --weights named.h5 --output named-eval.h5 | grep -q '^loss=[0-9]' || fail "evaluate"
"$bin" run --resume named.h5 --budget 4e4 --output named2.h5 >/dev/null || fail "resume, named data"
sed -i '2s/^0,/0.5,/' named.csv
"$bin" evaluate --weights named.h5 --output named-eval.h5 >/dev/null 2>err.txt && fail "changed"
grep -q "^paraflow: error: named.h5: its data file .*named.csv changed since the run" err.txt ||
  fail "$(cat err.txt)"
"$python" -c "
import h5py, numpy as np
x = np.random.default_rng(1).random((21000, 99))
f = h5py.File('big.h5', 'w'); f['inputs'] = x; f['targets'] = x[:, :1] * x[:, 1:2]"
"$bin" run --problem data --data big.h5 --hidden 8 --method sgd --batch-size 10 --budget 100 \
  --output big-run.h5 >/dev/null || fail "16.8 MB of data"
size=$(stat -c %s big-run.h5)
[ "$size" -lt 1000000 ] || fail "the run file of 16.8 MB of data has $size bytes: embedded"
echo "ok: data named, not embedded: above 16 MiB ($size bytes of run file) and with --embed-data no"

# The run file names its data; a resume continues, and refuses a changed file.
h5dump -a /options/data-sha256 paraflows-2e4.h5 | grep -q '"[0-9a-f]\{64\}"' || fail "no hash"
"$bin" run --resume paraflows-2e4.h5 --budget 2e5 >/dev/null || fail "resume"
sed -i '2s/^0,/0.5,/' digits.csv
"$bin" run --resume paraflows-2e4.h5 --budget 3e5 >/dev/null 2>err.txt && fail "changed data"
grep -q "^paraflow: error: digits.csv: its contents changed" err.txt || fail "$(cat err.txt)"
echo "ok: resume refused: $(cat err.txt)"

# Bad data: one line, exit 2, no run file.
bad() {  # bad PATTERN FILE [OPTIONS...]
  local pattern=$1 file=$2
  shift 2
  rm -f out.h5
  "$bin" run --problem data --data "$file" "$@" --budget 1e4 --output out.h5 >/dev/null 2>err.txt
  local rc=$?
  [ $rc -eq 2 ] || fail "exit $rc for $file"
  [ "$(wc -l <err.txt)" -eq 1 ] && grep -q "^paraflow: error: .*$pattern" err.txt ||
    fail "$file: $(cat err.txt)"
  [ ! -e out.h5 ] || fail "$file: a run file was written"
  echo "ok: $(cat err.txt)"
}
printf 'a,b\n1,2\n3\n' >ragged.csv && bad "ragged.csv:3" ragged.csv
printf 'a,b\n1,x\n' >text.csv && bad "not a decimal number" text.csv
printf 'a,b\n1,nan\n' >nan.csv && bad "nan.csv:2" nan.csv
printf 'a,b\n0x1,2\n' >hex.csv && bad "hex.csv:2" hex.csv
printf 'a,b\n' >header.csv && bad "header.csv" header.csv
: >empty.csv && bad "empty.csv" empty.csv
bad "missing.csv" missing.csv
printf 'a,label\n1,0.5\n2,1\n' >labels.csv && bad "labels.csv:2" labels.csv --loss cross-entropy
bad "no column named 'nope'" digits.csv --targets nope
printf 'garbage' >garbage.h5 && bad "garbage.h5" garbage.h5
"$python" -c "import h5py; h5py.File('nodata.h5', 'w')['other'] = [1.0]" && bad "nodata.h5" nodata.h5
"$python" -c "
import h5py, numpy as np
f = h5py.File('lengths.h5', 'w'); f['inputs'] = np.zeros((5, 2)); f['targets'] = np.zeros((4, 1))" &&
  bad "lengths.h5" lengths.h5
