#!/usr/bin/env bash
# Every rank of a multi-rank run ends with the same exit status, for every stop reason and rank
# layout, and errors are one line from one rank; a divergence keeps the last finite weights.
#   mpi_status_test.sh PARAFLOW_BINARY MPIEXEC [MPIEXEC FLAGS...]
source "$(dirname "$0")/common.sh"
bin=$(readlink -f "$1")
shift
mpiexec=("$@")
e2e_start

# Runs `paraflow run ARGS` on 2 ranks, each rank's status written to status.RANK; the wrapper
# exits 0 so that mpiexec does not kill a rank whose status is still to come.
run_two() {
  rm -f status.* out.h5
  timeout 120 "${mpiexec[@]}" -n 2 sh -c \
    '"$0" run "$@"; echo $? >status.$OMPI_COMM_WORLD_RANK' "$bin" "$@" >stdout.txt 2>stderr.txt
  [ $? -ne 124 ] || fail "hung: $*"
}

expect_status() {  # expect_status STATUS ARGS...: both ranks exit STATUS
  local want=$1
  shift
  run_two "$@"
  local s0 s1
  s0=$(cat status.0 2>/dev/null) s1=$(cat status.1 2>/dev/null)
  [ "$s0" = "$want" ] && [ "$s1" = "$want" ] ||
    fail "statuses rank 0: '$s0', rank 1: '$s1', expected $want for: $* :: $(cat stderr.txt)"
  [ "$(grep -c 'paraflow: error' stderr.txt)" -le 1 ] || fail "more than one error line: $*"
  echo "ok ($want on both ranks): $*"
}

small=(--problem classification --batch-size 5 --eta 0.01)
for layout in "paraflow" "paraflow --data-ranks 2" "paraflows --data-ranks 2" "sgd --data-ranks 2" \
  "sgd"; do
  read -r method q <<<"$layout"
  # The options of the method: N_F and N_G where they apply, and N_F = 200 to diverge F.
  extra=() diverge=()
  case $method in
  paraflow) extra=(--nf 10 --ng 4) diverge=(--nf 200 --ng 2) ;;
  paraflows) extra=(--nf 10) diverge=(--nf 200 --ng 2) ;;
  esac
  # shellcheck disable=SC2086
  {
    expect_status 0 "${small[@]}" --method $method $q "${extra[@]}" --budget 1e4
    expect_status 0 "${small[@]}" --method $method $q "${extra[@]}" --budget 1e9 --max-iterations 5
    expect_status 0 "${small[@]}" --method $method $q "${extra[@]}" --budget 1e12 --wall-time 1
    expect_status 4 --problem poisson --batch-size 10 --eta 10 --method $method $q "${diverge[@]}" \
      --budget 1e6 --output out.h5
    # ... reported with the iteration, the last finite weights kept in the run file.
    grep -q '^paraflow: error: the loss diverged.*from iteration [0-9]' stderr.txt ||
      fail "divergence, $layout: $(cat stderr.txt)"
    "$bin" evaluate --weights out.h5 --output eval.h5 | grep -q '^loss=[0-9]' ||
      fail "divergence, $layout: the kept weights are not finite"
    expect_status 2 "${small[@]}" --method $method $q "${extra[@]}" --budget 0
    expect_status 1 "${small[@]}" --method $method $q "${extra[@]}" --budget 1e4 \
      --output no/such/dir/out.h5
  }
  grep -q '^paraflow: error: .*no/such/dir' stderr.txt || fail "no error line: $(cat stderr.txt)"
done

# A fixed point of full-batch ParaFlowS on 2 data ranks: both stop there, status 0.
expect_status 0 --problem classification --method paraflows --data-ranks 2 --eta 10 --nf 10 \
  --ng 5 --budget 1e4
grep -q '^result .*stop=fixed-point' stdout.txt || fail "fixed point: $(tail -1 stdout.txt)"
[ "$(grep -c 'paraflow: note: .*fixed point' stderr.txt)" -eq 1 ] || fail "$(cat stderr.txt)"

# SIGUSR1 to every rank (as SLURM's --signal sends it): checkpoint, status 3 everywhere.
for layout in "--method paraflow --ng 4" "--method paraflows --data-ranks 2" "--method sgd"; do
  rm -f status.* out.h5 signal.log  # the wait below must not read the last layout's log
  # shellcheck disable=SC2086
  timeout 120 "${mpiexec[@]}" -n 2 sh -c \
    '"$0" run "$@"; echo $? >status.$OMPI_COMM_WORLD_RANK' "$bin" "${small[@]}" $layout \
    --budget 1e12 --output "signal$$.h5" --log-interval 0 >signal.log 2>&1 &
  job=$!
  # Rank 0's first progress line comes after every rank installed its handlers (the layout's
  # communicator split is collective).
  for _ in $(seq 200); do grep -q '^iter=' signal.log && break; sleep 0.1; done
  pkill -USR1 -f "^$bin run .*signal$$.h5" || fail "no process to signal"
  wait $job
  [ "$(cat status.0 status.1 | tr '\n' ' ')" = "3 3 " ] ||
    fail "signal, $layout: statuses $(cat status.* | tr '\n' ' ')"
  [ -s "signal$$.h5" ] || fail "signal, $layout: no run file"
  echo "ok (3 on both ranks): SIGUSR1, $layout"
done
