#!/usr/bin/env bash
# Checkpoints and exact resume through the CLI.
#   resume_test.sh PARAFLOW_BINARY CASE [MPIEXEC FLAGS...]
# Cases: sgd | paraflows | paraflow (2 ranks, resumed on 1 and on 4) | data-ranks | signal | kill9
source "$(dirname "$0")/common.sh"
bin=$(readlink -f "$1")
case_name=$2
shift 2
mpiexec=("$@")
e2e_start

# Weights and every deterministic history column, at full precision. The critical path depends
# on the rank count, so a resume on other ranks compares it only up to the resume point.
columns=(/weights/W1 /weights/W2 /weights/W3 /weights/b3 /history/iteration /history/budget
  /history/critical_path_budget /history/loss_evaluations /history/loss /history/corrections)
fingerprint() {
  local d
  for d in "${columns[@]}"; do
    [ -n "$d" ] || continue
    h5dump -m %.17g -d "$d" "$1" | sed -n '/DATA {/,/}/p' || fail "h5dump $d $1"
  done
}

same_run() {  # same_run A.h5 B.h5
  fingerprint "$1" >a.txt
  fingerprint "$2" >b.txt
  cmp -s a.txt b.txt || { diff a.txt b.txt | head -20; fail "$1 and $2 differ"; }
  echo "ok: $2 is bit-identical to $1 ($(grep -c , a.txt) lines compared)"
}

command -v h5dump >/dev/null || { echo "SKIP: h5dump not installed"; exit 77; }

case $case_name in
sgd | paraflows)
  opts=(--problem approximation --method "$case_name" --batch-size 4 --eta 0.02 --seed 3)
  [ "$case_name" = paraflows ] && opts+=(--nf 10 --ng 30)
  "$bin" run "${opts[@]}" --budget 40000 --output full.h5 >/dev/null || fail "full run"
  "$bin" run "${opts[@]}" --budget 20000 --output part.h5 >/dev/null || fail "first half"
  "$bin" run --resume part.h5 --budget 40000 >/dev/null || fail "resume"
  same_run full.h5 part.h5
  ;;
paraflow)
  opts=(run --problem classification --method paraflow --batch-size 3 --eta 0.05 --nf 10 --ng 4
    --init-guess coarse --seed 5)
  "${mpiexec[@]}" -n 2 "$bin" "${opts[@]}" --budget 30000 --output full.h5 >/dev/null || fail "full"
  columns=("${columns[@]/\/history\/critical_path_budget/}")
  for ranks in 1 4; do
    "${mpiexec[@]}" -n 2 "$bin" "${opts[@]}" --budget 15000 --output part$ranks.h5 >/dev/null ||
      fail "first half"
    "${mpiexec[@]}" -n $ranks "$bin" run --resume part$ranks.h5 --budget 30000 >/dev/null ||
      fail "resume on $ranks ranks"
    same_run full.h5 part$ranks.h5
  done
  ;;
data-ranks)
  # ParaFlowS on 2 data ranks, resumed on the same layout; ParaFlow 2x2 resumed as 1x2 (the
  # recorded --data-ranks is kept, the time groups may change).
  opts=(run --problem approximation --method paraflows --batch-size 6 --eta 0.02 --nf 10 --ng 8
    --data-ranks 2 --seed 4)
  "${mpiexec[@]}" -n 2 "$bin" "${opts[@]}" --budget 40000 --output full.h5 >/dev/null || fail "full"
  "${mpiexec[@]}" -n 2 "$bin" "${opts[@]}" --budget 20000 --output part.h5 >/dev/null || fail "half"
  "${mpiexec[@]}" -n 2 "$bin" run --resume part.h5 --budget 40000 >/dev/null || fail "resume"
  same_run full.h5 part.h5
  # The same with the shared-memory sum (recorded in /options/data-sum, kept on resume).
  opts+=(--data-sum shared)
  "${mpiexec[@]}" -n 2 "$bin" "${opts[@]}" --budget 40000 --output sfull.h5 >/dev/null || fail "shared full"
  "${mpiexec[@]}" -n 2 "$bin" "${opts[@]}" --budget 20000 --output spart.h5 >/dev/null || fail "shared half"
  "${mpiexec[@]}" -n 2 "$bin" run --resume spart.h5 --budget 40000 >/dev/null || fail "shared resume"
  same_run sfull.h5 spart.h5
  "${mpiexec[@]}" -n 2 "$bin" run --resume spart.h5 --data-sum allreduce >/dev/null 2>err.txt &&
    fail "--data-sum changed on resume"
  grep -q "data-sum cannot be changed" err.txt || fail "$(cat err.txt)"
  echo "ok: --data-sum shared resumed exactly; it cannot be changed on --resume"
  opts=(run --problem approximation --method paraflow --batch-size 6 --eta 0.02 --nf 10 --ng 4
    --data-ranks 2 --seed 4)
  "${mpiexec[@]}" -n 4 "$bin" "${opts[@]}" --budget 30000 --output pf.h5 >/dev/null || fail "full"
  columns=("${columns[@]/\/history\/critical_path_budget/}")
  "${mpiexec[@]}" -n 4 "$bin" "${opts[@]}" --budget 15000 --output pfpart.h5 >/dev/null ||
    fail "half"
  "${mpiexec[@]}" -n 2 "$bin" run --resume pfpart.h5 --budget 30000 >/dev/null || fail "resume"
  same_run pf.h5 pfpart.h5
  "${mpiexec[@]}" -n 2 "$bin" run --resume pfpart.h5 --data-ranks 1 >/dev/null 2>err.txt &&
    fail "--data-ranks changed on resume"
  grep -q "data-ranks cannot be changed" err.txt || fail "$(cat err.txt)"
  echo "ok: --data-ranks cannot be changed on --resume"
  ;;
signal)
  # SIGUSR1 (what SLURM sends before the time limit): checkpoint, exit 3, then resume exactly.
  opts=(--problem approximation --method paraflows --batch-size 5 --eta 0.01 --nf 50 --ng 20 --seed 2)
  "$bin" run "${opts[@]}" --budget 3e6 --output full.h5 >/dev/null || fail "full run"
  "$bin" run "${opts[@]}" --budget 3e6 --output part.h5 --log-interval 0 >log.txt &
  pid=$!
  # The first progress line comes after the handlers are installed (a loaded machine can take
  # longer than any fixed sleep to get there).
  for _ in $(seq 100); do grep -q '^iter=' log.txt && break; sleep 0.1; done
  kill -USR1 $pid
  wait $pid
  rc=$?
  [ $rc -eq 3 ] || fail "exit $rc after SIGUSR1, expected 3"
  grep -q 'stop=signal' log.txt || fail "no stop=signal: $(tail -1 log.txt)"
  "$bin" run --resume part.h5 >/dev/null || fail "resume"
  same_run full.h5 part.h5
  ;;
kill9)
  # kill -9 while checkpointing often: the file on disk always opens and validates.
  opts=(--problem approximation --method sgd --batch-size 2 --eta 0.01 --budget 1e9 --checkpoint-every 0.01)
  for attempt in 1 2 3 4 5 6 7 8; do
    rm -f log.txt  # the wait below must not read the last attempt's log
    "$bin" run "${opts[@]}" --output run.h5 --log-interval 0 >log.txt &
    pid=$!
    # Started (a loaded machine may take longer than the sleep), then killed at a random moment.
    for _ in $(seq 100); do grep -q '^iter=' log.txt && break; sleep 0.1; done
    sleep "0.$((RANDOM % 5 + 2))"
    kill -9 $pid
    wait $pid 2>/dev/null
    [ -e run.h5 ] || continue
    "$bin" info run.h5 >/dev/null || fail "attempt $attempt: run.h5 does not validate"
    echo "ok: attempt $attempt: $(ls -l run.h5 | awk '{print $5}') bytes, validates"
  done
  [ -e run.h5 ] || fail "no checkpoint was ever written"
  ;;
*) fail "unknown case $case_name" ;;
esac
