#!/usr/bin/env bash
# The main job: set up, then train the paper's classification and approximation problems with
# SGD and with ParaFlowS at the same budget, ParaFlow on 2 MPI ranks, and print the final losses
# and R = L_PF / L_GD (R < 1: ParaFlowS wins).
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
echo "ParaFlow (Alg. 1) on 2 MPI ranks, classification, d_B = 5, N_G = 4, --init-guess coarse:"
mpirun "${mpirun_flags[@]}" -n 2 "$bin" run --problem classification --method paraflow \
  --batch-size 5 --eta 0.01 --nf 20 --ng 4 --init-guess coarse --budget 1e5 \
  --output "$out/pf.h5" --log-interval 1e9 | grep '^result'
echo
echo "Run files are HDF5: 'h5dump -H FILE' lists them; see README.md for every option."
