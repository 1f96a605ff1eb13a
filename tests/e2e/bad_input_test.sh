#!/usr/bin/env bash
# Hand-made bad inputs through the `paraflow` command: each must give exactly one stderr line
# 'paraflow: error: ...' matching its pattern, the CLI's status for it (2: bad input; 1: a run
# file that cannot be used, as for corrupt ones) and no output file.
#   bad_input_test.sh PARAFLOW_BINARY SOURCE_DIR
# Only cases no other test has: cli_test.sh (e2e.cli.bad-input, e2e.cli.config,
# e2e.cli.init-mismatch) already covers unknown options, missing and empty values, hex, NaN, Inf,
# 1e999 and negative counts on the command line, an unknown key and a missing file for --config,
# a run file of another problem for --init; data_test.sh (e2e.data) ragged, non-numeric, NaN and
# hex CSV rows, a header-only, empty or missing CSV, fractional CSV labels, unknown target
# columns, a non-HDF5 .h5, an HDF5 file without datasets or of different lengths;
# corrupt_files_test.sh (e2e.corrupt-files) 1000 random corruptions of a real run file, 100 of
# its old layout, truncations, empty, text and noise files, and run files of the wrong layout.
# The data and INI files here are the committed fuzz corpus (tests/fuzz/corpus/), so that the
# fuzz targets (tests/fuzz, fuzz.replay.*) and this test read the same bytes.
source "$(dirname "$0")/common.sh"
bin=$(readlink -f "$1")
src=$(readlink -f "$2")
corpus=$src/tests/fuzz/corpus
e2e_start
export OMPI_MCA_pml=ob1 OMPI_MCA_ess_singleton_isolated=1
count=0

# bad STATUS PATTERN COMMAND ARGS...: the command writes out.h5 if it runs at all.
bad() {
  local status=$1 pattern=$2
  shift 2
  rm -f out.h5
  timeout 60 "$bin" "$@" --output out.h5 >stdout.txt 2>stderr.txt
  local rc=$?
  [ $rc -eq "$status" ] || fail "exit $rc, not $status, for: $* :: $(cat -v stderr.txt)"
  [ "$(wc -l <stderr.txt)" -eq 1 ] || fail "not one stderr line for: $* :: $(cat -v stderr.txt)"
  grep -aq "^paraflow: error: .*$pattern" stderr.txt || fail "no '$pattern' in: $(cat -v stderr.txt)"
  [ ! -e out.h5 ] || fail "an output file was written for: $*"
  count=$((count + 1))
  echo "ok ($rc): $* -> $(cat -v stderr.txt)"
}
# from TARGET NAME AS: a corpus file copied to AS (its extension matters to the data reader).
from() { cp "$corpus/$1/$2" "$3" || fail "no corpus file $1/$2"; }

# --- the command line: tiny and huge numbers, empty text values, stray words, layer widths
bad 2 "--eta must be positive" run --eta 1e-400
bad 2 "--budget '1e30' is not a whole number" run --budget 1e30
bad 2 "--seed '1e19' is not a whole number" run --seed 1e19
bad 2 "--method '' is not one of" run --method ""
bad 2 "--problem '' is not one of" run --problem ""
bad 2 "--problem data needs --data FILE" run --problem data --data ""
bad 2 "unexpected argument '0.5'" run --eta 0.01 0.5
bad 2 "unexpected argument 'stray'" run stray
bad 2 "unexpected argument 'extra'" evaluate --weights x.h5 extra
# boost's message formatting looped for ever on its own placeholders (found by fuzz_options)
bad 2 "cannot be shown: '--%canonical_option%'" run --%canonical_option%
bad 2 "cannot be shown: '--accept-first=%value%x'" run --accept-first=%value%x
printf '%%value%% = 1\n' >placeholder.ini
bad 2 "cannot be shown: '%value% = 1'" run --config placeholder.ini
printf 'x0,x1,label\n0.1,0.2,0\n0.3,0.1,1\n0.9,0.8,1\n0.5,0.5,0\n' >tiny.csv
data=(run --problem data --data tiny.csv --loss cross-entropy --budget 100)
bad 2 "--hidden '-5' is not a comma-separated list" "${data[@]}" --hidden=-5
bad 2 "--hidden '32,0' is not a comma-separated list" "${data[@]}" --hidden 32,0
bad 2 "--hidden '0x10' is not a comma-separated list" "${data[@]}" --hidden 0x10
bad 2 "--hidden ',' is not a comma-separated list" "${data[@]}" --hidden ,
# 1e12 weights (8 TB per copy): refused before any allocation, not std::bad_alloc
bad 2 "--hidden: the network has 1e+12 weights" "${data[@]}" --hidden 999999,999999

# --- mismatched layers and data for --init (a run file of the data problem, hidden width 3,
# trained on tiny.csv as written above)
from run_file seed-data init.h5
bad 1 "init.h5: /network layers do not match" "${data[@]}" --hidden 4 --init init.h5
printf 'x0,x1,label\n0.1,0.2,0\n0.3,0.1,1\n' >other.csv
bad 1 "init.h5: its weights were trained on other data" run --problem data --data other.csv \
  --loss cross-entropy --hidden 3 --budget 100 --init init.h5

# --- a run file on which HDF5 1.10 loops (found by fuzz_run_file): the trial read in a child
# gives up at its limit, set short here (PARAFLOW_TRIAL_READ_SECONDS; default 30 s)
from run_file regression-hdf5-loops loop.h5
export PARAFLOW_TRIAL_READ_SECONDS=2
bad 1 "loop.h5: corrupt or unreadable (the HDF5 reader gave no result within 2 s)" run \
  --problem poisson --budget 100 --init loop.h5
unset PARAFLOW_TRIAL_READ_SECONDS

# --- --config files: empty values, hex, NaN/Inf, huge and negative numbers, syntax, nesting
for case in "bad-empty-value:--eta '' is not a decimal number" \
  "bad-hex:--nf '0x10' is not a decimal number" "bad-nan:--eta 'NaN' is not finite" \
  "bad-infinity:--budget 'infinity' is not finite" "bad-huge:--eta '1e999' is not finite" \
  "bad-negative-size:--batch-size '-1' must not be negative" \
  "bad-section:unrecognised option 'run.eta'" "bad-no-equals:invalid line 'eta 0.1'" \
  "bad-twice:option 'eta' cannot be specified more than once" \
  "bad-switch:for option 'accept-first' is invalid" "bad-bom:unrecognised option" \
  "bad-garbage:unrecognised option" \
  "regression-nested-config:'config' cannot be set in a config file" \
  "regression-help-in-config:'help' cannot be set in a config file"; do
  from ini "${case%%:*}" run.ini
  bad 2 "${case#*:}" run --config run.ini
done
mkdir confdir
bad 2 "--config confdir is a directory" run --config confdir

# --- CSV data files
for case in "bad-empty-field:data.csv:2: column 'b': empty value" \
  "bad-inf:data.csv:2: column 'a': '-Infinity' is not a finite number" \
  "bad-huge:data.csv:2: column 'a': '1e999' is not a finite number" \
  "bad-hex-float:data.csv:2: column 'a': '0x1p3' is not a decimal number" \
  "bad-space-inside:data.csv:2: column 'a': '1 2' is not a decimal number" \
  "bad-header-numbers:data.csv:1: the first line holds numbers" \
  "regression-overflow-header:data.csv:1: the first line holds numbers" \
  "bad-one-column:data.csv:1: the header names one column" \
  "bad-duplicate-name:data.csv:1: header: column name 'a' appears twice" \
  "bad-empty-name:data.csv:1: header: column 2 has no name" \
  "bad-quote-inside:data.csv:2: field 1: quoted fields" \
  "bad-truncated:data.csv:3: column 'b': empty value" \
  "bad-garbage:data.csv:2: column"; do
  from csv "${case%%:*}" data.csv
  bad 2 "${case#*:}" run --problem data --data data.csv --budget 100
done

# --- HDF5 data files: wrong types, shapes and values, truncated, bit-flipped
for case in "bad-strings:/inputs: expected numbers" "bad-compound:/inputs: expected numbers" \
  "bad-three-dim:/inputs: expected shape \[N, I\], found \[2, 2, 2\]" \
  "bad-scalar:/inputs: expected shape \[N, I\], found \[\]" \
  "bad-nan:/inputs sample 1: column 0 is nan" "bad-inf:/targets sample 1: column 0 is -inf" \
  "bad-both-targets-and-labels:holds both /targets and /labels" \
  "bad-fractional-labels:/labels sample 1: class label 0.5 is not an integer" \
  "bad-negative-labels:/labels sample 1: class label -1 is not an integer" \
  "bad-labels-2d:/labels must be 1-D" "bad-empty:/inputs: no values" \
  "bad-inputs-group:/inputs: is not a dataset" "bad-single-class:at least 2 classes" \
  "bad-truncated:truncated file" "bad-signature-only:/: checksum mismatch" \
  "bitflip-1:/inputs: is not a dataset" "bitflip-3:no /inputs dataset"; do
  from hdf5_data "${case%%:*}" data.h5
  bad 2 "data.h5: .*${case#*:}" run --problem data --data data.h5 --budget 100
done

echo "ok: $count bad inputs, each one error line with its exit status and no output file"
