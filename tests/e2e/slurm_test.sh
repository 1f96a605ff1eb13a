#!/usr/bin/env bash
# The SLURM job scripts on a real single-node SLURM (scripts/slurm/start.sh, in a private dir):
# usage: slurm_test.sh PARAFLOW_BINARY SOURCE_DIR. jobscripts/run.sbatch is sent USR1 once its run
# file exists, must requeue itself once, resume and end COMPLETED with the loss of an uninterrupted
# run; array.sbatch (2 cells, one on 2 ranks) and scaling.sbatch (4 ranks) must write their run files;
# table.sbatch as a 2-task array (2 ranks each) and then as the merge job must give the same table
# as `paraflow table` run directly; a table with --runs-dir --checkpoint-every sent USR1 must
# requeue and continue from its runs' files to the same rows.
# Exit 77 (skipped) when SLURM cannot be installed or started here (no apt, not root, ...).
set -uo pipefail
[ $# -eq 2 ] || { echo "usage: $0 PARAFLOW_BINARY SOURCE_DIR" >&2; exit 2; }
bin=$(readlink -f "$1")
src=$(cd "$2" && pwd)
[ -x "$bin" ] || { echo "FAIL: $1 is not an executable" >&2; exit 1; }

# A run of this test killed on timeout (SIGKILL: no trap) leaves its SLURM running: stop it.
for old in "${TMPDIR:-/tmp}"/paraflow-slurm-test.*; do
  [ -d "$old" ] || continue
  kill -0 "$(cat "$old/test.pid" 2>/dev/null)" 2>/dev/null && continue # that test still runs
  PARAFLOW_SLURM_DIR=$old/slurm "$src/scripts/slurm/stop.sh" >/dev/null 2>&1
  rm -rf "$old" 2>/dev/null || sudo -n rm -rf "$old" 2>/dev/null
done
work=$(mktemp -d "${TMPDIR:-/tmp}/paraflow-slurm-test.XXXXXX") || exit 1
ref_pid=""
cleanup() {
  [ -n "$ref_pid" ] && kill "$ref_pid" 2>/dev/null
  PARAFLOW_SLURM_DIR=$work/slurm "$src/scripts/slurm/stop.sh" >"$work/stop.txt" 2>&1 || cat "$work/stop.txt"
  cd / && { rm -rf "$work" 2>/dev/null || sudo -n rm -rf "$work"; } # slurm/ is root's
}
trap cleanup EXIT
trap 'exit 1' INT TERM
chmod 755 "$work"
echo $$ >"$work/test.pid"
# A copy: every run of the test uses the same binary even if the build tree is relinked meanwhile.
cp "$bin" "$work/paraflow" || { echo "FAIL: cannot copy $bin" >&2; exit 1; }
bin=$work/paraflow
export PARAFLOW_SLURM_DIR=$work/slurm
export SLURM_CONF=$PARAFLOW_SLURM_DIR/slurm.conf
export PARAFLOW_SLURM_PORT=${PARAFLOW_SLURM_PORT:-6917} # beside a SLURM on the default ports
export PARAFLOW=$bin # the job scripts' binary
cd "$work" || exit 1
skip() { echo "SKIP: $*"; exit 77; }
dump() {
  local f
  for f in "$work"/*.log "$PARAFLOW_SLURM_DIR"/log/slurmctld.log "$PARAFLOW_SLURM_DIR"/log/slurmd.log; do
    [ -e "$f" ] && { echo "---- $f (tail)"; tail -n 25 "$f"; }
  done
}
fail() { echo "FAIL: $*" >&2; dump >&2; exit 1; }
t0=$SECONDS
elapsed() { echo "$((SECONDS - t0)) s"; }

# --- SLURM up, or skip --------------------------------------------------------------------------
if [ "$(id -u)" != 0 ] && ! { command -v sudo >/dev/null && sudo -n true 2>/dev/null; }; then
  skip "needs root or passwordless sudo to run the SLURM daemons"
fi
if ! command -v slurmctld >/dev/null && ! command -v apt-get >/dev/null; then
  skip "SLURM is not installed and there is no apt-get to install it"
fi
"$src/scripts/slurm/start.sh" >start.txt 2>&1 || skip "$(grep . start.txt | tail -n1)"
echo "SLURM up after $(elapsed)"

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2" | head -n1; }
job_field() { scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n1; }
# Waits until every job (array tasks included) of job id $1 is over; at most $2 seconds.
wait_done() {
  local id=$1 limit=$2 end=$((SECONDS + $2)) states
  while :; do
    states=$(scontrol show job "$id" 2>/dev/null | tr ' ' '\n' | sed -n 's/^JobState=//p' | sort -u | tr '\n' ' ')
    [ -n "$states" ] || fail "job $id unknown to scontrol"
    grep -qE 'PENDING|RUNNING|CONFIGURING|COMPLETING|REQUEUE|RESIZING|SUSPENDED|SIGNALING|STAGE_OUT' <<<"$states" || break
    [ $SECONDS -lt $end ] || fail "job $id not over after $limit s (states: $states)"
    sleep 1
  done
}

# --- submit: the run to interrupt, an array over 2 cells, strong scaling on 4 ranks, a table ----
opts=(--problem approximation --method paraflows --batch-size 5 --eta 0.01 --nf 50 --ng 20
  --budget 4e7 --checkpoint-every 1 --log-interval 5)
run_id=$(sbatch --parsable --time=10 -o run.log "$src/jobscripts/run.sbatch" -- "${opts[@]}" --output run.h5) ||
  fail "sbatch run.sbatch"
# The same run, uninterrupted and outside SLURM: the reference.
"$bin" run "${opts[@]}" --output ref.h5 >ref.txt 2>&1 &
ref_pid=$!

cat >cells.txt <<'EOF'
# two cells of a table
--problem approximation --method sgd --batch-size 5 --eta 0.01 --budget 1e5

--problem approximation --method paraflow --batch-size 5 --eta 0.01 --nf 50 --ng 4 --budget 1e5
EOF
# 2 tasks each: the ParaFlow cell runs on 2 MPI ranks, the SGD cell on one.
array_id=$(sbatch --parsable --time=5 --array=1-2 --ntasks=2 -o 'array-%a.log' "$src/jobscripts/array.sbatch" cells.txt cells) ||
  fail "sbatch array.sbatch"
scaling_id=$(sbatch --parsable --time=5 --ntasks=4 -o scaling.log "$src/jobscripts/scaling.sbatch" scaling -- \
  --problem approximation --batch-size 5 --eta 0.01 --nf 50 --ng 8 --budget 1e6 --init-guess coarse) ||
  fail "sbatch scaling.sbatch"
# A Table 1 sub-grid of 2 cells (4 rows): one cell per array task, then the merge once both are done.
tab=(--table 1 --batch-sizes 10 --etas 0.1 --budgets "1e4,1e5" --nfs "10,1000" --ng 100
  --paper-csv "$src/docs/paper_tables.csv")
table_id=$(sbatch --parsable --time=5 --array=0-1 --ntasks=2 -o 'table-%a.log' "$src/jobscripts/table.sbatch" -- \
  "${tab[@]}" --output tab) || fail "sbatch --array table.sbatch"
merge_id=$(sbatch --parsable --time=5 --dependency=afterok:"$table_id" -o merge.log "$src/jobscripts/table.sbatch" -- \
  "${tab[@]}" --output tab) || fail "sbatch table.sbatch (merge)"
# A one-cell table (an array of one task) whose runs take seconds, keeping its runs (--runs-dir,
# --checkpoint-every): sent USR1 once a checkpoint exists, it must requeue and resume that run
# instead of the whole cell.
ck=(--table 3 --batch-sizes 1440 --etas 0.001 --budgets 5e5 --nfs 10 --ng 10
  --paper-csv "$src/docs/paper_tables.csv")
ck_id=$(sbatch --parsable --time=5 --array=0-0 -o ck.log "$src/jobscripts/table.sbatch" -- \
  "${ck[@]}" --runs-dir ckruns --checkpoint-every 0.3 --output ck) || fail "sbatch table.sbatch (checkpoints)"
echo "submitted: run $run_id, array $array_id, scaling $scaling_id, table $table_id + merge $merge_id, checkpointed table $ck_id ($(elapsed))"

# --- USR1 to a job's batch shell once a file of its exists ---------------------------------------
usr1_once() {  # usr1_once JOB WHAT TEST...: USR1 to JOB once TEST holds (WHAT names it)
  local id=$1 what=$2 end=$((SECONDS + 60)) state
  shift 2
  until "$@"; do
    state=$(job_field "$id" JobState)
    case $state in PENDING | RUNNING | CONFIGURING) ;; *) fail "job $id $state before $what" ;; esac
    [ $SECONDS -lt $end ] || fail "no $what 60 s after submitting (job $id $state)"
    sleep 0.1
  done
  scancel --signal=USR1 --batch "$id" || fail "scancel --signal=USR1 --batch $id"
  echo "USR1 sent to job $id ($(elapsed))"
}
kept_run() { compgen -G 'ckruns/*.h5' >/dev/null; }
usr1_once "$ck_id" "a file in ckruns/" kept_run
usr1_once "$run_id" "run.h5" test -s run.h5

wait_done "$run_id" 150
state=$(job_field "$run_id" JobState)
restarts=$(job_field "$run_id" Restarts)
exitcode=$(job_field "$run_id" ExitCode)
echo "run job over ($(elapsed)): JobState=$state Restarts=$restarts ExitCode=$exitcode"
[ "$state" = COMPLETED ] || fail "run job: JobState=$state"
[ "$exitcode" = 0:0 ] || fail "run job: ExitCode=$exitcode"
[ "$restarts" = 1 ] || fail "run job: Restarts=$restarts, expected 1"
grep -q "^run.sbatch: job $run_id restart 1 .* run --resume run.h5" run.log || fail "no resumed start in run.log"
grep -q "^run.sbatch: paraflow exited with 3 after SIGUSR1" run.log || fail "paraflow did not exit 3 on USR1"
first=$(grep '^result ' run.log | head -n1)
last=$(grep '^result ' run.log | tail -n1)
[ "$(grep -c '^result ' run.log)" = 2 ] || fail "expected 2 result lines (interrupted, resumed) in run.log"
[ "$(field stop "$first")" = signal ] || fail "first segment: $first"
[ "$(field stop "$last")" = budget ] || fail "resumed segment: $last"

wait "$ref_pid" || fail "the reference run failed: $(tail -n2 ref.txt)"
ref_pid=""
ref=$(grep '^result ' ref.txt | tail -n1)
for k in loss budget iterations; do
  [ -n "$(field $k "$ref")" ] && [ "$(field $k "$last")" = "$(field $k "$ref")" ] ||
    fail "$k: interrupted+resumed $(field $k "$last") vs uninterrupted $(field $k "$ref")"
done
# The weights in the two run files give the same loss, to the last digit.
"$bin" evaluate --weights run.h5 --output eval-run.h5 >eval-run.txt 2>&1 || fail "evaluate run.h5"
"$bin" evaluate --weights ref.h5 --output eval-ref.h5 >eval-ref.txt 2>&1 || fail "evaluate ref.h5"
l_run=$(sed -n 's/^loss=\([^ ]*\).*/\1/p' eval-run.txt)
l_ref=$(sed -n 's/^loss=\([^ ]*\).*/\1/p' eval-ref.txt)
[ -n "$l_run" ] && [ "$l_run" = "$l_ref" ] || fail "evaluate: $l_run (job) vs $l_ref (reference)"
echo "ok: requeued once, resumed, COMPLETED; loss=$(field loss "$last") = uninterrupted; evaluate $l_run"

# --- the array and scaling jobs ----------------------------------------------------------------
wait_done "$array_id" 60
states=$(scontrol show job "$array_id" | tr ' ' '\n' | sed -n 's/^JobState=//p' | sort | uniq -c | tr -s ' \n' ' ')
[ "$(scontrol show job "$array_id" | grep -c 'JobState=COMPLETED')" = 2 ] || fail "array tasks:$states"
for i in 1 2; do
  [ -s cells/cell-$i.h5 ] || fail "no cells/cell-$i.h5"
  grep -q '^result .*stop=budget' array-$i.log || fail "array task $i: no result line"
done
grep -q '^result method=paraflow .*ranks=2 ' array-2.log || fail "array task 2: not ParaFlow on 2 ranks"
echo "ok: array job, 2 tasks COMPLETED, cells/cell-1.h5 and cells/cell-2.h5 written"

# The table sweep, directly: the reference. Its rows without the last column (seconds), sorted.
"$bin" table "${tab[@]}" --output direct >direct.txt 2>&1 || fail "paraflow table: $(tail -n2 direct.txt)"
values() { tail -n +2 "$1" | sed 's/,[^,]*$//' | sort; }
wait_done "$table_id" 60
states=$(scontrol show job "$table_id" | tr ' ' '\n' | sed -n 's/^JobState=//p' | sort | uniq -c | tr -s ' \n' ' ')
[ "$(scontrol show job "$table_id" | grep -c 'JobState=COMPLETED')" = 2 ] || fail "table array tasks:$states"
wait_done "$merge_id" 60
[ "$(job_field "$merge_id" JobState)" = COMPLETED ] || fail "table merge: JobState=$(job_field "$merge_id" JobState)"
for i in 0 1; do
  grep -q "^table.sbatch: job ${table_id}_$i restart 0 .* table .* --output tab --cells-of $i/2\$" table-$i.log ||
    fail "table task $i: not run with --cells-of $i/2"
  grep -q '^present .* ranks=2 output=tab.part'$i'.csv' table-$i.log || fail "table task $i: not on 2 ranks"
  [ "$(values tab.part$i.csv | wc -l)" = 2 ] || fail "tab.part$i.csv: $(values tab.part$i.csv | wc -l) rows, expected 2"
done
grep -q '^table.sbatch: job '"$merge_id"' .* --output tab --merge$' merge.log || fail "merge job: not run with --merge"
grep -q '^done table=1 rows=4 computed=0 ' merge.log || fail "merge job: no 'done ... rows=4 computed=0'"
[ -s tab.md ] || fail "no tab.md"
[ "$(values tab.csv | wc -l)" = 4 ] || fail "tab.csv: $(values tab.csv | wc -l) rows, expected 4"
[ "$(tail -n +2 tab.csv | sort)" = "$(cat tab.part0.csv tab.part1.csv | grep -v '^table,' | sort)" ] ||
  fail "tab.csv is not the union of tab.part0.csv and tab.part1.csv"
[ "$(head -n1 tab.csv)" = "$(head -n1 direct.csv)" ] || fail "tab.csv and direct.csv: other columns"
[ "$(values tab.csv)" = "$(values direct.csv)" ] ||
  fail "tab.csv (array + merge) differs from direct.csv: $(diff <(values tab.csv) <(values direct.csv))"
# Options the script sets itself, or no --output: refused (exit 2, one line), before any SLURM check.
for bad in "--output x --merge" "--output x --cells-of 0/2" ""; do
  # shellcheck disable=SC2086 # $bad: several words
  bash "$src/jobscripts/table.sbatch" -- --table 1 $bad >bad.txt 2>&1
  rc=$?
  [ $rc = 2 ] && [ "$(wc -l <bad.txt)" = 1 ] || fail "table.sbatch -- --table 1 $bad: exit $rc, $(cat bad.txt)"
done
echo "ok: table array job, 2 tasks on 2 ranks COMPLETED, merge COMPLETED; tab.csv (4 rows) = direct run"

# The checkpointed table: requeued once; the restart took the interrupted sweep's runs from
# ckruns (read back or resumed), and its rows are an uninterrupted sweep's.
"$bin" table "${ck[@]}" --output ckdirect >ckdirect.txt 2>&1 || fail "paraflow table: $(tail -n2 ckdirect.txt)"
wait_done "$ck_id" 150
[ "$(job_field "$ck_id" JobState)" = COMPLETED ] || fail "checkpointed table: JobState=$(job_field "$ck_id" JobState)"
[ "$(job_field "$ck_id" Restarts)" = 1 ] || fail "checkpointed table: Restarts=$(job_field "$ck_id" Restarts)"
grep -q "^table.sbatch: job ${ck_id}_0 restart 1 " ck.log || fail "checkpointed table: no restart 1 in ck.log"
runs=$(grep '^runs ' ck.log | tail -n1)
taken=$(($(field reused "$runs") + $(field resumed "$runs"))) 2>/dev/null || taken=0
[ "$taken" -ge 1 ] || fail "the restart took no run from ckruns: '$runs'"
[ "$(values ck.part0.csv)" = "$(values ckdirect.csv)" ] ||
  fail "ck.part0.csv differs: $(diff <(values ck.part0.csv) <(values ckdirect.csv))"
echo "ok: checkpointed table requeued once, restart: $runs; rows = an uninterrupted sweep's"

wait_done "$scaling_id" 90
[ "$(job_field "$scaling_id" JobState)" = COMPLETED ] || fail "scaling: JobState=$(job_field "$scaling_id" JobState)"
for f in paraflows-1 paraflow-1 paraflow-2 paraflow-4; do
  [ -s scaling/$f.h5 ] || fail "no scaling/$f.h5"
done
echo "ok: scaling job COMPLETED, ParaFlowS on 1 and ParaFlow on 1, 2, 4 ranks:"
sed -n '/^method /,$p' scaling.log
echo "PASS ($(elapsed))"
