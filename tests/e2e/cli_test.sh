#!/usr/bin/env bash
# End-to-end checks of the `paraflow` command: usage: cli_test.sh PARAFLOW_BINARY CASE [MPIEXEC...]
# Each case prints what it checks and exits non-zero on the first failure.
source "$(dirname "$0")/common.sh"
bin=$(readlink -f "$1")
case_name=$2
shift 2
mpiexec=("$@")
e2e_start

# A bad command line: non-zero exit, exactly one stderr line 'paraflow: error: ...', no file.
expect_error() {
  local pattern=$1
  shift
  rm -f out.h5
  "$bin" "$1" --output out.h5 "${@:2}" >stdout.txt 2>stderr.txt
  local rc=$?
  [ $rc -ne 0 ] || fail "exit 0 for: $*"
  [ "$(wc -l <stderr.txt)" -eq 1 ] || fail "not one stderr line for: $* :: $(cat stderr.txt)"
  grep -q "^paraflow: error: .*$pattern" stderr.txt || fail "no '$pattern' in: $(cat stderr.txt)"
  [ ! -e out.h5 ] || fail "an output file was written for: $*"
  echo "ok ($rc): $* -> $(cat stderr.txt)"
}

case $case_name in
bad-input)
  expect_error "unrecognised option" run --bogus 1
  expect_error "missing" run --eta
  expect_error "not a decimal number" run --eta abc
  expect_error "not finite" run --eta nan
  expect_error "not finite" run --eta inf
  expect_error "not finite" run --eta 1e999
  expect_error "must be positive" run --eta -0.1
  expect_error "must be positive" run --eta 0
  expect_error "batch-size" run --batch-size -3
  expect_error "exceeds" run --batch-size 11
  expect_error "budget" run --budget 0
  expect_error "not a whole number" run --nf 2.5
  expect_error "ng" run --ng 0
  expect_error "cannot pay" run --budget 10
  expect_error "problem" run --problem regression
  expect_error "makes no sense" run --method sgd --nf 5
  expect_error "makes no sense" run --method paraflow --accept-first
  expect_error "unknown command" fly
  expect_error "data-ranks" run --data-ranks 0x2
  expect_error "data-ranks" run --data-ranks -1
  expect_error "data-ranks" run --data-ranks 0
  expect_error "exceeds the batch size" run --batch-size 2 --data-ranks 4
  expect_error "data-sum" run --data-sum fast
  # Numbers are decimal only (std::stod would read hex, "infinity", " 16"), exit 2, one line
  # naming the option and the value; counts and sizes take no minus sign, not even "-0".
  expect_error "--nf '0x10' is not a decimal number$" run --nf 0x10
  expect_error "--ng '0x10' is not a decimal number$" run --ng 0x10
  expect_error "--seed '0x10' is not a decimal number$" run --seed 0x10
  expect_error "--eta '0x10' is not a decimal number$" run --eta 0x10
  expect_error "--eta '0x1p-3' is not a decimal number" run --eta 0x1p-3
  expect_error "--budget 'infinity' is not finite" run --budget infinity
  expect_error "--eta 'NaN' is not finite" run --eta NaN
  expect_error "--nf ' 16' is not a decimal number" run --nf " 16"
  expect_error "--nf '16 ' is not a decimal number" run --nf "16 "
  expect_error "--eta '' is not a decimal number" run --eta ""
  expect_error "--eta '1e' is not a decimal number" run --eta 1e
  expect_error "--eta '.' is not a decimal number" run --eta .
  expect_error "--eta '1,5' is not a decimal number" run --eta 1,5
  expect_error "--eta '--1' is not a decimal number" run --eta=--1
  expect_error "--max-iterations '0x10' is not a decimal number" run --max-iterations 0x10
  expect_error "--wall-time 'inf' is not finite" run --wall-time inf
  for option in batch-size nf ng budget seed history-every; do
    expect_error "--$option '-0' must not be negative$" run --$option -0
    expect_error "--$option '-1' must not be negative$" run --$option -1
  done
  expect_error "--budget '-1e6' must not be negative" run --budget -1e6
  # (--merge: a regression must not start a sweep)
  expect_error "--nfs '0x10' is not a decimal number" table --table 1 --nfs 10,0x10 --merge
  expect_error "--seeds '-0' must not be negative" table --table 1 --seeds 1,-0 --merge
  expect_error "--ng '-0' must not be negative" table --table 1 --ng -0 --merge
  expect_error "--table '0x1' is not a decimal number" table --table 0x1 --merge
  expect_error "--cells-of ' 1/2' is not I/N" table --table 1 --cells-of " 1/2"
  expect_error "--cells-of '-1/2' is not I/N" table --table 1 --cells-of -1/2
  # What stays valid: -1 (no limit) where it means something, and every decimal spelling.
  "$bin" run --problem classification --method paraflows --nf 10 --ng 2 --budget 1e3 \
    --max-iterations -1 --wall-time -1 --eta .5e-2 --eta-coarse 5.E-2 --seed +3 \
    --history-every 1. --output ok.h5 >stdout.txt 2>stderr.txt ||
    fail "decimal spellings rejected: $(cat stderr.txt)"
  grep -q '^result .*stop=budget' stdout.txt || fail "$(tail -1 stdout.txt)"
  echo "ok (0): -1 for --max-iterations/--wall-time, .5e-2, 5.E-2, +3, 1."
  ;;
init-mismatch)
  "$bin" run --problem classification --budget 1e4 --output class.h5 >/dev/null || fail "run"
  expect_error "/network" run --problem approximation --init class.h5
  printf 'garbage' >garbage.h5
  expect_error "garbage.h5" run --init garbage.h5
  : >empty.h5
  expect_error "empty.h5" evaluate --weights empty.h5
  ;;
evaluate)
  # evaluate's loss at the final weights is the run's final loss, to the last digit.
  "$bin" run --problem approximation --method sgd --batch-size 5 --eta 0.05 --budget 2e4 \
    --output run.h5 >run.txt || fail "run"
  run_loss=$(sed -n 's/^result .* loss=\([^ ]*\) .*/\1/p' run.txt)
  "$bin" evaluate --weights run.h5 --output eval.h5 >eval.txt || fail "evaluate"
  eval_loss=$(sed -n 's/^loss=\([^ ]*\) .*/\1/p' eval.txt)
  [ -n "$run_loss" ] && [ "$run_loss" = "$eval_loss" ] || fail "loss $run_loss vs $eval_loss"
  if command -v h5dump >/dev/null; then
    h5dump -H -g /gradient eval.h5 >dump.txt || fail "h5dump"
    grep -q 'DATASET "W3"' dump.txt || fail "no /gradient/W3"
    h5dump -a /gradient/loss eval.h5 >/dev/null || fail "no /gradient loss attribute"
  fi
  echo "ok: loss=$eval_loss"
  ;;
diverge)
  "$bin" run --problem poisson --method sgd --batch-size 10 --eta 10 --budget 1e5 \
    --output div.h5 >stdout.txt 2>stderr.txt
  rc=$?
  [ $rc -eq 4 ] || fail "exit $rc, expected 4"
  grep -q '^paraflow: error: the loss diverged' stderr.txt || fail "$(cat stderr.txt)"
  grep -q 'stop=diverged' stdout.txt || fail "no stop=diverged"
  "$bin" evaluate --weights div.h5 | grep -q '^loss=[0-9]' || fail "kept weights not finite"
  echo "ok: $(cat stderr.txt)"
  ;;
diverge-paraflow)
  # F from W_k diverges: ParaFlowS and ParaFlow (2 ranks) stop with the message, exit 4.
  opts=(--problem poisson --batch-size 10 --eta 10 --nf 200 --ng 2 --budget 1e5)
  "$bin" run "${opts[@]}" --method paraflows >stdout.txt 2>stderr.txt
  rc=$?
  [ $rc -eq 4 ] || fail "paraflows: exit $rc, expected 4"
  grep -q '^paraflow: error: the loss diverged' stderr.txt || fail "$(cat stderr.txt)"
  timeout 120 "${mpiexec[@]}" -n 2 "$bin" run "${opts[@]}" --method paraflow >stdout.txt 2>stderr.txt
  rc=$?
  [ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "paraflow on 2 ranks: exit $rc"
  grep -q '^paraflow: error: the loss diverged' stderr.txt || fail "$(cat stderr.txt)"
  echo "ok: both diverged cleanly"
  ;;
mpi-bad-input)
  # A bad option under mpiexec: one line from rank 0, every rank exits, no hang, nothing written.
  for args in "--method paraflow --ng 2" "--method paraflow --ng 4 --eta nan" \
    "--method paraflow --ng 4 --accept-first"; do
    rm -f out.h5
    # shellcheck disable=SC2086
    timeout 120 "${mpiexec[@]}" -n 4 "$bin" run $args --output out.h5 >stdout.txt 2>stderr.txt
    rc=$?
    [ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "exit $rc for: $args"
    [ "$(grep -c '^paraflow: error:' stderr.txt)" -eq 1 ] || fail "not one error line: $args"
    [ ! -e out.h5 ] || fail "output written for: $args"
    echo "ok ($rc): $args -> $(grep '^paraflow: error:' stderr.txt)"
  done
  ;;
config)
  # Options from an INI file; the command line wins; every resolved option lands in /options.
  printf 'problem = approximation\nmethod = sgd\nbatch-size = 5\neta = 0.05\nbudget = 5000\n' >run.ini
  "$bin" run --config run.ini --eta 0.02 --output run.h5 >out.txt || fail "run --config"
  grep -q '^result method=sgd problem=approximation .*budget=5000 ' out.txt || fail "$(tail -1 out.txt)"
  "$bin" info run.h5 >info.txt || fail "info"
  grep -q 'd_B=5 eta=0.02 ' info.txt || fail "$(cat info.txt)"
  printf 'bogus = 1\n' >bad.ini
  expect_error "bogus" run --config bad.ini
  expect_error "missing.ini" run --config missing.ini
  echo "ok: $(grep method info.txt)"
  ;;
stop-rules)
  "$bin" run --problem classification --method paraflows --nf 10 --budget 1e9 --max-iterations 7 \
    >out.txt || fail "max-iterations run"
  grep -q '^result .* iterations=7 .*stop=max-iterations' out.txt || fail "$(tail -1 out.txt)"
  start=$(date +%s)
  "$bin" run --problem approximation --method sgd --batch-size 1 --budget 1e12 --wall-time 1 \
    >out.txt || fail "wall-time run"
  grep -q '^result .*stop=wall-time' out.txt || fail "$(tail -1 out.txt)"
  [ $(($(date +%s) - start)) -lt 20 ] || fail "--wall-time 1 took too long"
  echo "ok: max-iterations and wall-time stop the run"
  # Full-batch ParaFlowS whose F raises the loss: Alg. 2 keeps W for good; the run stops there
  # (status 0, a note), and a resume with more budget tries one iteration and stops again.
  frozen=(--problem classification --method paraflows --eta 10 --nf 10 --ng 5)
  "$bin" run "${frozen[@]}" --budget 1e4 --output fp.h5 >out.txt 2>err.txt || fail "fixed point"
  grep -q '^result .* iterations=1 budget=110 .*stop=fixed-point' out.txt || fail "$(tail -1 out.txt)"
  grep -q '^paraflow: note: .*fixed point' err.txt || fail "no note: $(cat err.txt)"
  loss=$(sed -n 's/^result .* loss=\([^ ]*\) .*/\1/p' out.txt)
  "$bin" run --resume fp.h5 --budget 2e4 --output fp2.h5 >out.txt 2>err.txt || fail "resume"
  grep -q "^result .* iterations=2 budget=220 .* loss=$loss .*stop=fixed-point" out.txt ||
    fail "resume: $(tail -1 out.txt)"
  echo "ok: a full-batch ParaFlowS run stops at its fixed point, also when resumed"
  ;;
sgd-progress)
  "$bin" run --problem poisson --method sgd --batch-size 16 --eta 1e-3 --budget 2e4 \
    --log-interval 0 >out.txt || fail "run"
  grep -q '^iter=0 budget=0 ' out.txt || fail "no progress lines"
  grep -q '^result method=sgd problem=poisson .*budget=20000 .*stop=budget' out.txt ||
    fail "$(tail -1 out.txt)"
  echo "ok: $(tail -1 out.txt)"
  ;;
*) fail "unknown case $case_name" ;;
esac
