#!/usr/bin/env bash
# The 16-core layout measurement of docs/scaling.md: data-parallel gradients, then the PINN at
# equal wall time with ParaFlowS and SGD data-parallel and ParaFlow on time x data layouts, the
# data-parallel ones also with --data-sum shared.
#   bench/measure-layouts.sh PARAFLOW BENCH_DATA_PARALLEL "MPIRUN..." OUT_DIR [CORES]
# (a trial before the real run: CORES 2 with LONG_SECONDS=1 SHORT_SECONDS=1 takes 40 s)
# Writes OUT_DIR/{lscpu.txt,bench_data_parallel.txt,results.txt} and one NAME.h5 + NAME.log per
# run; re-plot and tabulate with scripts/scaling-study --plot-only (docs/scaling.md). The -shm runs
# (--data-sum shared): copy b<d_B>-NAME-shm.h5 to NAME.h5 in a folder of their own (the others go
# to NAME.h5 in a folder per d_B the same way) and --plot-only there.
set -uo pipefail
bin=$1 dp=$2 mpirun=$3 out=$4 cores=${5:-16}
long=${LONG_SECONDS:-25} short=${SHORT_SECONDS:-10}  # wall time of the 1-rank baselines, the rest
mkdir -p "$out"
lscpu >"$out/lscpu.txt" 2>&1
# shellcheck disable=SC2086
$mpirun -n "$cores" --bind-to core "$dp" --seconds 1 >"$out/bench_data_parallel.txt" 2>&1
cat "$out/bench_data_parallel.txt"

pinn=(--problem poisson --eta 1e-3 --budget 1e15 --log-interval 100 --seed 1)
run() {  # run NAME RANKS WALL_SECONDS OPTIONS...
  local name=$1 ranks=$2 wall=$3
  shift 3
  # shellcheck disable=SC2086
  $mpirun -n "$ranks" --bind-to core "$bin" run "${pinn[@]}" --wall-time "$wall" \
    --output "$out/$name.h5" "$@" >"$out/$name.log" 2>&1
  echo "$name status=$? $(grep '^result' "$out/$name.log")" | tee -a "$out/results.txt"
}
half=$((cores / 2)) quarter=$((cores / 4))
for d_B in 64 720; do
  pf=(--batch-size $d_B --nf 100 --ng "$cores")
  run "b$d_B-paraflows-r1" 1 "$long" "${pf[@]}" --method paraflows
  run "b$d_B-paraflows-q$cores" "$cores" "$short" "${pf[@]}" --method paraflows --data-ranks "$cores"
  run "b$d_B-paraflows-q$half" "$half" "$short" "${pf[@]}" --method paraflows --data-ranks "$half"
  run "b$d_B-sgd-q$cores" "$cores" "$short" --batch-size $d_B --method sgd --data-ranks "$cores"
  # The same data-parallel runs with the parts added through shared memory (--data-sum shared).
  run "b$d_B-paraflows-q$cores-shm" "$cores" "$short" "${pf[@]}" --method paraflows \
    --data-ranks "$cores" --data-sum shared
  run "b$d_B-sgd-q$cores-shm" "$cores" "$short" --batch-size $d_B --method sgd --data-ranks "$cores" \
    --data-sum shared
  for q in 1 2 4 8; do
    [ $q -le "$cores" ] || continue  # a smaller machine (a trial run)
    run "b$d_B-paraflow-copy-$((cores / q))x$q" "$cores" "$short" "${pf[@]}" --method paraflow \
      --data-ranks $q
  done
  [ $d_B = 64 ] || continue
  run "b$d_B-paraflow-copy-2x$half-shm" "$cores" "$short" "${pf[@]}" --method paraflow \
    --data-ranks "$half" --data-sum shared
  [ "$quarter" -lt 1 ] ||
    run "b$d_B-paraflows-q$quarter" "$quarter" "$short" "${pf[@]}" --method paraflows --data-ranks "$quarter"
  # Rank 0's coarse work per window on 1 rank, against the 16x1 run above.
  run "b$d_B-paraflow-copy-1x1" 1 60 "${pf[@]}" --method paraflow --max-iterations 3
done
