#!/usr/bin/env bash
# The main job: set up, then train the paper's classification and approximation problems with
# SGD and with ParaFlowS at the same budget and print the final losses and R = L_PF / L_GD
# (R < 1: ParaFlowS wins); then the same wall time on 1 rank and on 2 (DEMO_SECONDS each run).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${PARAFLOW_SKIP_SETUP:-}" ] || scripts/setup.sh
bin=${PARAFLOW_BUILD_DIR:-build}/apps/paraflow
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mpirun_flags=(--oversubscribe)
[ "$(id -u)" -ne 0 ] || mpirun_flags+=(--allow-run-as-root)

final_loss() { sed -n 's/^result .* loss=\([^ ]*\) .*/\1/p'; }

printf '\n%-15s %-5s %-7s %-5s %-8s %-22s %-22s %s\n' problem d_B eta_F N_F budget "L_GD (sgd)" "L_PF (paraflows)" "R = L_PF/L_GD"
for spec in "classification 10 0.01 50 1e5" "classification 10 0.001 100 1e6" \
            "approximation 30 0.01 50 1e6"; do
  read -r problem batch eta nf budget <<<"$spec"
  common=(--problem "$problem" --batch-size "$batch" --eta "$eta" --budget "$budget" --seed 1)
  gd=$("$bin" run "${common[@]}" --method sgd --output "$out/sgd.h5" | final_loss)
  pf=$("$bin" run "${common[@]}" --method paraflows --nf "$nf" --ng 100 --output "$out/pfs.h5" | final_loss)
  r=$(awk -v a="$pf" -v b="$gd" 'BEGIN { printf "%.4f", a / b }')
  printf '%-15s %-5s %-7s %-5s %-8s %-22s %-22s %s\n' "$problem" "$batch" "$eta" "$nf" "$budget" "$gd" "$pf" "$r"
done

echo
echo "The same problem for the same wall time (${DEMO_SECONDS:=4} s) on 1 rank and on 2 (docs/scaling.md):"
echo "2 data ranks share each gradient of the PINN's 720-sample batches; 2 time groups run ParaFlow"
echo "(Alg. 1), whose argmin picks the best of N_G noisy one-sample trajectories. Lower loss wins."
printf '\n%-24s %-36s %-8s %-24s %s\n' problem "method and ranks" windows "final loss" "2 ranks vs 1"
equal_time() {  # equal_time PROBLEM_LABEL METHOD_LABEL RANKS OPTIONS...
  local problem=$1 method=$2 ranks=$3
  shift 3
  local line loss verdict=""
  line=$(mpirun "${mpirun_flags[@]}" -n "$ranks" "$bin" run "$@" --wall-time "$DEMO_SECONDS" \
    --budget 1e15 --log-interval 1e9 --output "$out/eq.h5" | grep '^result')
  loss=$(final_loss <<<"$line")
  if [ "$ranks" = 1 ]; then
    one_rank_loss=$loss
  else
    verdict=$(awk -v a="$loss" -v b="$one_rank_loss" \
      'BEGIN { printf "%s (x%.2f)", (a < b ? "lower" : "not lower"), a / b }')
  fi
  printf '%-24s %-36s %-8s %-24s %s\n' "$problem" "$method" \
    "$(sed -n 's/.* iterations=\([0-9]*\) .*/\1/p' <<<"$line")" "$loss" "$verdict"
}
pinn=(--problem poisson --method paraflows --batch-size 720 --eta 1e-3 --nf 100 --ng 16)
equal_time "poisson PINN, d_B 720" "ParaFlowS, 1 rank" 1 "${pinn[@]}"
equal_time "poisson PINN, d_B 720" "ParaFlowS, 2 data ranks" 2 "${pinn[@]}" --data-ranks 2
noisy=(--problem classification --batch-size 1 --eta 0.01 --nf 5 --ng 4)
equal_time "classification, d_B 1" "ParaFlowS, 1 rank" 1 "${noisy[@]}" --method paraflows
equal_time "classification, d_B 1" "ParaFlow, 2 time groups (copy)" 2 "${noisy[@]}" --method paraflow
echo
echo "Run files are HDF5: 'h5dump -H FILE' lists them; see README.md for every option."
