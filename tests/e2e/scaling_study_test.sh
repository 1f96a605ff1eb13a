#!/usr/bin/env bash
# End-to-end check of scripts/scaling-study.
# usage: scaling_study_test.sh PARAFLOW_BINARY SOURCE_DIR MPIEXEC
# Runs the study on a tiny classification problem (ranks 1,2, both initial guesses, a few
# seconds), then checks scaling.csv (the documented header, rows for ParaFlowS and ParaFlow) and
# the four PNGs. Exits 77 (ctest's skip code) when Debian's python3 lacks h5py or matplotlib.
source "$(dirname "$0")/common.sh"
case $1 in */*) bin=$(readlink -f "$1") ;; *) bin=$1 ;; esac
script=$(readlink -f "$2")/scripts/scaling-study
mpiexec=${3:-mpirun}
e2e_start needs-python

"$python" "$script" --paraflow "$bin" --mpirun "$mpiexec" --ranks 1,2 --problem classification \
  --batch-size 5 --eta 0.01 --nf 10 --budget 2e4 --seed 3 --out study >stdout.txt 2>stderr.txt
rc=$?
[ $rc -eq 0 ] || fail "exit $rc: $(tail -5 stderr.txt) $(tail -5 stdout.txt)"

csv=study/scaling.csv
[ -f $csv ] || fail "no $csv"
want="method,init_guess,ranks,cores,oversubscribed,problem,batch_size,eta,nf,ng,budget,seed,\
iterations,final_loss,wall,critical_path_budget,time_fine,time_coarse,time_communication,\
time_argmin,time_per_window,fine_per_window,speedup_fine,efficiency_fine"
[ "$(head -n 1 $csv | tr -d '\r')" = "$want" ] || fail "CSV header: $(head -n 1 $csv)"
# 1 ParaFlowS row + 2 ranks x 2 initial guesses.
[ "$(tail -n +2 $csv | wc -l)" -eq 5 ] || fail "want 5 rows: $(cat $csv)"
grep -q '^paraflows,,1,' $csv || fail "no ParaFlowS row: $(cat $csv)"
for guess in copy coarse; do
  for ranks in 1 2; do
    grep -q "^paraflow,$guess,$ranks," $csv || fail "no ParaFlow $guess P=$ranks row: $(cat $csv)"
  done
done
# Column checks through Python's csv module: the same seed and options everywhere, ParaFlow
# gives the same loss on 1 and 2 ranks, speed-up 1 on one rank, oversubscribed = ranks > cores.
"$python" - "$csv" <<'EOF' || fail "CSV contents"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
bad = []
for r in rows:
    if (r["problem"], r["batch_size"], r["nf"], r["ng"], r["seed"]) != ("classification", "5", "10", "2", "3"):
        bad.append(f"options of {r}")
    if int(r["oversubscribed"]) != int(int(r["ranks"]) > int(r["cores"])):
        bad.append(f"oversubscribed of {r}")
    if int(r["iterations"]) < 1 or not float(r["final_loss"]) > 0 or not float(r["wall"]) > 0:
        bad.append(f"iterations/loss/wall of {r}")
    if r["method"] == "paraflow" and r["ranks"] == "1" and abs(float(r["speedup_fine"]) - 1) > 1e-9:
        bad.append(f"1-rank speed-up of {r}")
    if r["method"] == "paraflows" and (r["speedup_fine"] or r["init_guess"]):
        bad.append(f"ParaFlowS row {r}")
for guess in ("copy", "coarse"):
    losses = {r["final_loss"] for r in rows if r["method"] == "paraflow" and r["init_guess"] == guess}
    if len(losses) != 1:
        bad.append(f"{guess}: losses differ between rank counts: {losses}")
for line in bad:
    print(line, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
echo "ok: $csv has the documented header and $(tail -n +2 $csv | wc -l) rows"

for png in loss_vs_wall loss_vs_critical_path time_per_window speedup; do
  f=study/$png.png
  [ -f "$f" ] || fail "no $f"
  [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "$f is not a PNG"
  size=$(wc -c <"$f")
  [ "$size" -gt 10240 ] || fail "$f is only $size bytes"
  echo "ok: $f ($size bytes)"
done
for run in paraflows-r1 paraflow-copy-r1 paraflow-copy-r2 paraflow-coarse-r1 paraflow-coarse-r2; do
  [ -f "study/$run.h5" ] || fail "no run file study/$run.h5"
done
echo "ok: run files"

# A bad option: exit 2, nothing run.
"$python" "$script" --paraflow "$bin" --mpirun "$mpiexec" --ranks 1,4 --ng 2 --out bad \
  >stdout.txt 2>stderr.txt
rc=$?
[ $rc -eq 2 ] || fail "exit $rc for --ng smaller than the ranks (want 2)"
[ ! -e bad/scaling.csv ] || fail "a CSV was written despite the error"
echo "ok: --ng 2 with 4 ranks -> exit 2"
