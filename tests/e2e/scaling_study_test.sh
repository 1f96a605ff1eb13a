#!/usr/bin/env bash
# End-to-end check of scripts/scaling-study.
# usage: scaling_study_test.sh PARAFLOW_BINARY SOURCE_DIR MPIEXEC
# Runs the study on a tiny classification problem (ranks 1,2, both initial guesses, a few
# seconds), then checks scaling.csv (the documented header, rows for ParaFlowS and ParaFlow) and
# the PNGs; then a tiny layout study on 2 ranks (sgd, ParaFlowS on 1 and 2 data ranks, ParaFlow
# 2x1 and 1x2, --wall-time 1) and its time_to_loss.csv/.md, and --plot-only of it with another
# --target-loss. Exits 77 (ctest's skip code) when Debian's python3 lacks h5py or matplotlib.
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
want="method,init_guess,ranks,layout,time_groups,data_ranks,cores_used,cores,oversubscribed,\
problem,batch_size,eta,nf,ng,budget,seed,iterations,final_loss,wall,critical_path_budget,\
time_fine,time_coarse,time_communication,time_argmin,time_per_window,fine_per_window,\
speedup_fine,efficiency_fine"
[ "$(head -n 1 $csv | tr -d '\r')" = "$want" ] || fail "CSV header: $(head -n 1 $csv)"
# 1 ParaFlowS row + 2 ranks x 2 initial guesses.
[ "$(tail -n +2 $csv | wc -l)" -eq 5 ] || fail "want 5 rows: $(cat $csv)"
grep -q '^paraflows,,1,1x1,1,1,1,' $csv || fail "no ParaFlowS row: $(cat $csv)"
for guess in copy coarse; do
  for ranks in 1 2; do
    grep -q "^paraflow,$guess,$ranks,${ranks}x1,$ranks,1,$ranks," $csv ||
      fail "no ParaFlow $guess P=$ranks row: $(cat $csv)"
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
    if int(r["oversubscribed"]) != int(int(r["cores_used"]) > int(r["cores"])):
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

check_pngs() {  # DIR PNG...
  local dir=$1 png f size
  shift
  for png in "$@"; do
    f=$dir/$png.png
    [ -f "$f" ] || fail "no $f"
    [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "$f is not a PNG"
    size=$(wc -c <"$f")
    [ "$size" -gt 10240 ] || fail "$f is only $size bytes"
    echo "ok: $f ($size bytes)"
  done
}
# The target loss defaults to ParaFlowS's final loss on 1 rank: time_to_loss.* and its figure too.
check_pngs study loss_vs_wall loss_vs_critical_path time_per_window speedup time_to_loss
[ "$(tail -n +2 study/time_to_loss.csv | wc -l)" -eq 5 ] || fail "want 5 time-to-loss rows"
for run in paraflows-r1 paraflow-copy-r1 paraflow-copy-r2 paraflow-coarse-r1 paraflow-coarse-r2; do
  [ -f "study/$run.h5" ] || fail "no run file study/$run.h5"
done
echo "ok: run files"

# A layout study on 2 ranks, equal wall time: sgd and ParaFlowS on 1 and 2 data ranks, ParaFlow
# as 2 time groups of 1 rank (2x1) and as 1 time group of 2 data ranks (1x2).
"$python" "$script" --paraflow "$bin" --mpirun "$mpiexec" --problem classification \
  --batch-size 4 --nf 5 --layouts 2x1,1x2 --methods sgd,paraflows,paraflow \
  --data-ranks-list 1,2 --init-guess copy --wall-time 1 --out layouts >stdout.txt 2>stderr.txt
rc=$?
[ $rc -eq 0 ] || fail "layout study: exit $rc: $(tail -5 stderr.txt) $(tail -5 stdout.txt)"
for run in sgd-r1 sgd-q2 paraflows-r1 paraflows-q2 paraflow-copy-r2 paraflow-copy-1x2; do
  [ -f "layouts/$run.h5" ] || fail "no run file layouts/$run.h5"
done
[ "$(head -n 1 layouts/scaling.csv | tr -d '\r')" = "$want" ] ||
  fail "layout study CSV header: $(head -n 1 layouts/scaling.csv)"
ttl_want="run,method,init_guess,layout,time_groups,data_ranks,cores_used,oversubscribed,\
target_loss,time_to_loss,final_loss,wall,speedup,best_for_cores"
[ -f layouts/time_to_loss.csv ] || fail "no layouts/time_to_loss.csv"
[ "$(head -n 1 layouts/time_to_loss.csv | tr -d '\r')" = "$ttl_want" ] ||
  fail "time_to_loss.csv header: $(head -n 1 layouts/time_to_loss.csv)"
[ -f layouts/time_to_loss.md ] || fail "no layouts/time_to_loss.md"
grep -q '^## Per core count P' layouts/time_to_loss.md ||
  fail "time_to_loss.md: $(cat layouts/time_to_loss.md)"
grep -q '^| P | best |' stdout.txt || fail "the time-to-loss table was not printed: $(tail stdout.txt)"
check_pngs layouts loss_vs_wall loss_vs_critical_path time_per_window speedup time_to_loss
# Rows, layouts and the time-to-loss logic (target: ParaFlowS's final loss on 1 rank).
"$python" - layouts/scaling.csv layouts/time_to_loss.csv <<'PYTHON' || fail "layout study CSVs"
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
ttl = list(csv.DictReader(open(sys.argv[2])))
bad = []
want = {("sgd", "", "1x1"), ("sgd", "", "1x2"), ("paraflows", "", "1x1"), ("paraflows", "", "1x2"),
        ("paraflow", "copy", "2x1"), ("paraflow", "copy", "1x2")}
got = [(r["method"], r["init_guess"], r["layout"]) for r in rows]
if sorted(got) != sorted(want):
    bad.append(f"scaling.csv runs {got}")
for r in rows:
    g, q = int(r["time_groups"]), int(r["data_ranks"])
    if r["layout"] != f"{g}x{q}" or int(r["cores_used"]) != g * q or int(r["ranks"]) != g * q:
        bad.append(f"layout columns of {r}")
    if r["budget"] != "1000000000000000" or not 0.9 <= float(r["wall"]) < 30:
        bad.append(f"--wall-time 1 --budget 1e15 not applied: {r}")
    if (r["method"] == "sgd") != (r["nf"] == "" and r["ng"] == ""):
        bad.append(f"nf/ng of {r}")
names = ["sgd-r1", "sgd-q2", "paraflows-r1", "paraflows-q2", "paraflow-copy-r2", "paraflow-copy-1x2"]
if [t["run"] for t in ttl] != names:
    bad.append(f"time_to_loss.csv runs {[t['run'] for t in ttl]}, want {names}")
ref = next(r for r in rows if r["method"] == "paraflows" and r["layout"] == "1x1")
for t in ttl:
    if not math.isclose(float(t["target_loss"]), float(ref["final_loss"]), rel_tol=1e-5):
        bad.append(f"target_loss {t['target_loss']}, want ParaFlowS's final loss {ref['final_loss']}")
    if t["time_to_loss"] == "" and (t["speedup"] or t["best_for_cores"] != "0"):
        bad.append(f"never reached L but speed-up or best: {t}")
    if t["time_to_loss"] and not 0 <= float(t["time_to_loss"]) <= float(t["wall"]) * 1.001:
        bad.append(f"time_to_loss outside the run: {t}")
base = next(t for t in ttl if t["run"] == "paraflows-r1")
if base["time_to_loss"] == "" or abs(float(base["speedup"]) - 1) > 1e-9:
    bad.append(f"ParaFlowS on 1 rank does not reach its own final loss: {base}")
for p in {t["cores_used"] for t in ttl}:
    group = [t for t in ttl if t["cores_used"] == p]
    reached = [float(t["time_to_loss"]) for t in group if t["time_to_loss"]]
    best = [t for t in group if t["best_for_cores"] == "1"]
    if len(best) != (1 if reached else 0) or (
            reached and float(best[0]["time_to_loss"]) > min(reached)):
        bad.append(f"best_for_cores on P={p}: {group}")
for line in bad:
    print(line, file=sys.stderr)
sys.exit(1 if bad else 0)
PYTHON
echo "ok: layout study: 6 runs, layout columns, time_to_loss.csv/.md"
sed -n '/^| P | best |/,/^$/p' stdout.txt

# --plot-only of the layout study with a loss no run reaches: the rows stay, times and bests empty.
"$python" "$script" --plot-only --problem classification --layouts 2x1,1x2 \
  --methods sgd,paraflows,paraflow --data-ranks-list 1,2 --init-guess copy --target-loss 0 \
  --out layouts >stdout.txt 2>stderr.txt
rc=$?
[ $rc -eq 0 ] || fail "layout --plot-only: exit $rc: $(tail -5 stderr.txt)"
[ "$(tail -n +2 layouts/time_to_loss.csv | wc -l)" -eq 6 ] || fail "want 6 time-to-loss rows"
[ "$(tail -n +2 layouts/time_to_loss.csv | tr -d '\r' | cut -d, -f10,13,14 | sort -u)" = ",,0" ] ||
  fail "--target-loss 0 is reached: $(cat layouts/time_to_loss.csv)"
echo "ok: --plot-only --target-loss 0: no run reaches it"

# A bad option: exit 2, nothing run.
"$python" "$script" --paraflow "$bin" --mpirun "$mpiexec" --ranks 1,4 --ng 2 --out bad \
  >stdout.txt 2>stderr.txt
rc=$?
[ $rc -eq 2 ] || fail "exit $rc for --ng smaller than the ranks (want 2)"
[ ! -e bad/scaling.csv ] || fail "a CSV was written despite the error"
echo "ok: --ng 2 with 4 ranks -> exit 2"
for bad_options in "--layouts 2y2" "--layouts 2x2 --methods paraflows" "--layouts 4x1 --ng 2"; do
  # shellcheck disable=SC2086  # (split on purpose)
  "$python" "$script" --paraflow "$bin" --mpirun "$mpiexec" $bad_options --out bad \
    >stdout.txt 2>stderr.txt
  rc=$?
  [ $rc -eq 2 ] || fail "exit $rc for $bad_options (want 2)"
  [ ! -e bad/scaling.csv ] || fail "a CSV was written despite $bad_options"
done
echo "ok: bad layouts -> exit 2"
