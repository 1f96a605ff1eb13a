#!/usr/bin/env bash
# End-to-end check of `paraflow table`: usage: table_test.sh PARAFLOW_BINARY SOURCE_DIR
# A two-cell sweep of Table 1 (d_B = 10, eta_F = 0.1, budgets 1e4 and 1e5, N_F = 10 and 1000;
# under a second): the CSV's columns, the "–" rules (worst-case, and the default paper rule with
# N_G capped and F alone), R against the run files, no recomputation on a rerun, resume after a
# cut line, --cells-of + merge, 2 MPI ranks agree (with mpiexec), and scripts/plot-table (with
# python3-matplotlib), --compare-at spent against its run files, and --runs-dir's kept runs
# (read back, a checkpoint resumed, another run's file refused, --checkpoint-every).
source "$(dirname "$0")/common.sh"
case $1 in */*) bin=$(readlink -f "$1") ;; *) bin=$1 ;; esac
src=$(readlink -f "$2")
e2e_start

args=(table --table 1 --batch-sizes 10 --etas 0.1 --budgets 1e4,1e5 --nfs 10,1000 --ng 100
      --dash-rule worst-case --paper-csv "$src/docs/paper_tables.csv")
header="table,problem,batch_size,eta_f,budget,nf,seeds,gd_loss_median,paper_gd_loss,R_median,\
R_min,R_max,paper_R,band,paper_band,band_agrees,seconds"
# A column of the row of (budget, nf) in a CSV: field NAME.
field() {
  local file=$1 budget=$2 nf=$3 name=$4
  awk -F, -v b="$budget" -v n="$nf" -v name="$name" \
    'NR == 1 { for (i = 1; i <= NF; ++i) col[$i] = i; next }
     $5 == b && $6 == n { print $col[name] }' "$file"
}
# The rows without the timing column, sorted: what two sweeps must agree on.
values() { tail -n +2 "$1" | cut -d, -f1-16 | sort; }

"$bin" "${args[@]}" --runs-dir runs --output t >out1.txt 2>err1.txt || fail "sweep: $(cat err1.txt)"
[ "$(head -1 t.csv)" = "$header" ] || fail "CSV header: $(head -1 t.csv)"
[ "$(tail -n +2 t.csv | wc -l)" -eq 4 ] || fail "want 4 rows: $(cat t.csv)"
awk -F, 'NF != 17 { exit 1 }' t.csv || fail "a line without 17 fields: $(cat t.csv)"
[ "$(grep -c '^cell table=1 batch=10 eta=0.1 budget=1e[45] nf=' out1.txt)" -eq 4 ] ||
  fail "want 4 cell lines: $(cat out1.txt)"
[ "$(grep -c '^job [12]/2 table=1 batch=10 eta=0.1 budget=1e[45] seed=1 seconds=' out1.txt)" -eq 2 ] ||
  fail "want 2 job lines: $(cat out1.txt)"
grep -q 'seconds=[0-9.]*$' out1.txt || fail "no seconds= on the cell lines"
grep -q 'the bands agree in' t.md || fail "t.md has no summary: $(cat t.md)"
echo "ok: 4 rows, 17 columns, 4 cell lines, t.md"

# 10*1000 + 10*100 > 1e4: one ParaFlowS iteration does not fit, R is "–" (the paper has 1.0000).
[ "$(field t.csv 1e4 1000 R_median)" = "-" ] || fail "R at 1e4, N_F=1000: $(field t.csv 1e4 1000 R_median)"
[ "$(field t.csv 1e4 1000 band)" = "-" ] || fail "band at 1e4, N_F=1000"
[ "$(field t.csv 1e4 1000 band_agrees)" = "no" ] || fail "band_agrees at 1e4, N_F=1000"
[ ! -e runs/table1_batch10_eta0.1_budget1e4_seed1_nf1000.h5 ] || fail "a '–' cell was run"
[ "$(field t.csv 1e4 10 paper_R)" = "0.0884" ] || fail "paper_R at 1e4, N_F=10"
grep -q 'dash rule worst-case' t.md || fail "t.md does not name the dash rule"
echo "ok: --dash-rule worst-case: '–' where d_B N_F + N N_G > budget; paper values beside"

# The default, the paper's rule: "–" only where d_B N_F > budget (N_F = 2000). N_F = 500 with
# N_G = 600 (5000 + 6000 > 1e4) runs ParaFlowS with N_G capped to (1e4 - 5000) / 10 = 500;
# N_F = 1000 leaves no room for a coarse step: F alone, here SGD's own run, so R = 1 exactly
# (the paper: 1.0000).
"$bin" table --table 1 --batch-sizes 10 --etas 0.1 --budgets 1e4 --nfs 500,1000,2000 --ng 600 \
  --paper-csv "$src/docs/paper_tables.csv" --runs-dir paper --output d >out11.txt 2>err11.txt ||
  fail "paper rule: $(cat err11.txt)"
[ "$(field d.csv 1e4 2000 R_median)" = "-" ] || fail "paper rule, N_F=2000: $(cat d.csv)"
[ "$(field d.csv 1e4 2000 band_agrees)" = "yes" ] || fail "paper rule, N_F=2000 band"
[ "$(field d.csv 1e4 1000 R_median)" = "1" ] || fail "paper rule, F alone: $(cat d.csv)"
[ "$(field d.csv 1e4 1000 band_agrees)" = "yes" ] || fail "paper rule, F alone band"
[ -e paper/table1_batch10_eta0.1_budget1e4_seed1_nf1000_fine.h5 ] || fail "no F-alone run file"
ng=$(h5dump -a /options/ng paper/table1_batch10_eta0.1_budget1e4_seed1_nf500.h5 |
     sed -n 's/^ *(0): \([0-9]*\)$/\1/p')
[ "$ng" = 500 ] || fail "paper rule, N_F=500 ran with N_G '$ng', want 500"
grep -q 'dash rule paper' d.md && grep -q '2 cell(s) fit F but not one whole' d.md &&
  grep -q '1 of them with F alone' d.md || fail "d.md footer: $(tail -3 d.md)"
"$bin" "${args[@]}" --dash-rule worst >/dev/null 2>err12.txt
[ $? -eq 2 ] && grep -q 'dash-rule' err12.txt || fail "--dash-rule worst: $(cat err12.txt)"
echo "ok: --dash-rule paper (default): N_G capped to $ng, F alone R=1, '–' at N_F=2000"

# R = L_PF / L_GD from the two run files of the cell, to the last bit.
loss() {
  "$bin" evaluate --weights "$1" --output eval.h5 | sed -n 's/^loss=\([^ ]*\) .*/\1/p'
}
for nf in 10 1000; do
  gd=$(loss runs/table1_batch10_eta0.1_budget1e5_seed1_sgd.h5)
  pf=$(loss runs/table1_batch10_eta0.1_budget1e5_seed1_nf$nf.h5)
  r=$(field t.csv 1e5 $nf R_median)
  [ -n "$gd" ] && [ -n "$pf" ] || fail "evaluate gave no loss"
  awk -v a="$pf" -v b="$gd" -v r="$r" 'BEGIN { exit !(a / b == r + 0) }' ||
    fail "N_F=$nf: R=$r but L_PF/L_GD = $pf / $gd"
  awk -v x="$gd" -v y="$(field t.csv 1e5 $nf gd_loss_median)" 'BEGIN { exit !(x + 0 == y + 0) }' ||
    fail "gd_loss_median differs from the SGD run file's loss $gd"
  echo "ok: N_F=$nf R=$r = $pf / $gd"
done

# --compare-at spent: R's SGD run gets the budget that the ParaFlowS run actually spent. The
# reference runs of a seed are one SGD run resumed from budget to budget; each must equal a fresh
# SGD run with that budget, to the last bit.
spent_args=(table --table 1 --batch-sizes 10 --etas 0.1 --budgets 1e5 --nfs 10,1000 --ng 100
            --paper-csv "$src/docs/paper_tables.csv" --compare-at spent)
"$bin" "${spent_args[@]}" --runs-dir spent --output s >out9.txt 2>err9.txt || fail "--compare-at spent: $(cat err9.txt)"
grep -q 'L_GD of R at the budget ParaFlowS spent' s.md || fail "s.md does not name the comparison"
spent_of() {  # the last entry of /history/budget
  h5dump -d /history/budget -m %.17g "$1" | sed -n 's/^ *([0-9]*): //p' | tr ',' '\n' |
    tr -d ' ' | grep -E '^[0-9]+$' | tail -1
}
limit_of() { h5dump -a /options/budget "$1" | sed -n 's/^ *(0): \([0-9.e+]*\)$/\1/p'; }
for nf in 10 1000; do
  pf_file=spent/table1_batch10_eta0.1_budget1e5_seed1_nf$nf.h5
  ref_file=spent/table1_batch10_eta0.1_budget1e5_seed1_sgd_nf$nf.h5
  [ -e "$ref_file" ] || fail "no SGD run at the spent budget: $(ls spent)"
  pf_spent=$(spent_of "$pf_file")
  [ -n "$pf_spent" ] && [ "$pf_spent" -lt 100000 ] || fail "ParaFlowS spent '$pf_spent' of 1e5"
  ref_limit=$(limit_of "$ref_file")
  awk -v a="$ref_limit" -v b="$pf_spent" 'BEGIN { exit !(a + 0 == b + 0) }' ||
    fail "the reference SGD run's budget is '$ref_limit', ParaFlowS spent $pf_spent"
  r=$(field s.csv 1e5 $nf R_median)
  pf=$(loss "$pf_file")
  ref=$(loss "$ref_file")
  awk -v a="$pf" -v b="$ref" -v r="$r" 'BEGIN { exit !(a / b == r + 0) }' ||
    fail "--compare-at spent: R=$r but L_PF/L_SGD(spent) = $pf / $ref"
  [ "$r" != "$(field t.csv 1e5 $nf R_median)" ] || fail "--compare-at spent gave the limit's R"
  "$bin" run --problem classification --method sgd --batch-size 10 --eta 0.1 --seed 1 \
    --budget "$pf_spent" --output fresh$nf.h5 >/dev/null 2>err13.txt || fail "fresh SGD: $(cat err13.txt)"
  fresh=$(loss fresh$nf.h5)
  [ -n "$fresh" ] && [ "$fresh" = "$ref" ] ||
    fail "N_F=$nf: SGD resumed to budget $pf_spent ends at $ref, a fresh run at '$fresh'"
  echo "ok: --compare-at spent, N_F=$nf: R=$r = $pf / $ref, SGD budget $pf_spent (= a fresh run)"
done
# The seconds column adds up to the runs' wall time: each ParaFlowS run once, and the SGD chain
# once, as its last file records it (every file of the chain records the whole chain so far).
wall_of() { h5dump -a /state/wall_time -m %.17g "$1" | sed -n 's/^ *(0): //p'; }
same_seconds() {  # same_seconds CSV DIR RUN...: the CSV's seconds add up to the RUNs' wall time
  local csv=$1 dir=$2 runs_wall=0 rows_wall f
  shift 2
  for f in "$@"; do
    runs_wall=$(awk -v a="$runs_wall" -v b="$(wall_of "$dir/table1_batch10_eta0.1_budget1e5_seed1_$f.h5")" \
      'BEGIN { printf "%.17g", a + b }')
  done
  rows_wall=$(awk -F, 'NR > 1 { s += $NF } END { printf "%.17g", s }' "$csv")
  awk -v a="$rows_wall" -v b="$runs_wall" 'BEGIN { exit !(a - b < 1e-9 * b && b - a < 1e-9 * b) }' ||
    fail "$csv: the rows' seconds add up to $rows_wall, the wall time of runs $* to $runs_wall"
  echo "ok: $csv: the rows' seconds add up to the wall time of runs $* ($rows_wall s)"
}
same_seconds s.csv spent nf10 nf1000 sgd
# Without --runs-dir the chain's run files go to a scratch folder, removed after; same rows.
mkdir scratch
TMPDIR=$PWD/scratch "$bin" "${spent_args[@]}" --output s2 >/dev/null 2>err14.txt || fail "--compare-at spent without --runs-dir: $(cat err14.txt)"
[ "$(values s.csv)" = "$(values s2.csv)" ] || fail "without --runs-dir: $(cat s2.csv) vs $(cat s.csv)"
[ -z "$(ls -d scratch/paraflow-table-* 2>/dev/null)" ] || fail "scratch files left: $(ls -R scratch)"
"$bin" "${args[@]}" --compare-at half >/dev/null 2>err10.txt
[ $? -eq 2 ] && grep -q 'compare-at' err10.txt || fail "--compare-at half: $(cat err10.txt)"
echo "ok: --compare-at spent without --runs-dir: same rows, no files left"

# --runs-dir keeps the sweep's work: a run whose file is there with the same options is read
# back, not run again (its file left as it is), and gives the same rows.
(cd spent && md5sum ./*.h5) >spent.md5
"$bin" "${spent_args[@]}" --runs-dir spent --output s3 >out15.txt 2>err15.txt || fail "reuse: $(cat err15.txt)"
grep -q '^runs computed=0 reused=[1-9][0-9]* resumed=0 runs_dir=spent$' out15.txt ||
  fail "reuse: $(grep '^runs ' out15.txt)"
(cd spent && md5sum -c --quiet ../spent.md5) || fail "reuse rewrote run files"
[ "$(values s.csv)" = "$(values s3.csv)" ] || fail "reused rows differ: $(cat s3.csv)"
echo "ok: --runs-dir reused: $(grep '^runs ' out15.txt)"
# A checkpoint there (here a run stopped by --wall-time 0) is resumed, to the same rows.
pf_file=spent/table1_batch10_eta0.1_budget1e5_seed1_nf10.h5
"$bin" run --problem classification --method paraflows --batch-size 10 --eta 0.1 --nf 10 --ng 100 \
  --budget 1e5 --seed 1 --wall-time 0 --output "$pf_file" >/dev/null 2>err16.txt || fail "checkpoint: $(cat err16.txt)"
"$bin" "${spent_args[@]}" --runs-dir spent --output s4 >out16.txt 2>err16.txt || fail "resume: $(cat err16.txt)"
grep -q '^runs computed=0 reused=[1-9][0-9]* resumed=1 ' out16.txt || fail "resume: $(grep '^runs ' out16.txt)"
[ "$(values s.csv)" = "$(values s4.csv)" ] || fail "resumed rows differ: $(cat s4.csv)"
echo "ok: a checkpoint in --runs-dir resumed: $(grep '^runs ' out16.txt)"
# A file of another run (here without --accept-first) is refused, not overwritten.
"$bin" "${spent_args[@]}" --accept-first --runs-dir spent --output s5 >/dev/null 2>err17.txt
rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <err17.txt)" -eq 1 ] && grep -q 'holds a run with --accept-first 0, not 1' err17.txt ||
  fail "another run's file: exit $rc: $(cat err17.txt)"
(cd spent && md5sum -c --quiet ../spent.md5 2>/dev/null | grep -v nf10.h5) && fail "refused sweep changed files"
echo "ok: another run's file -> $(cat err17.txt)"
# A damaged file there: one line naming it, exit 2, nothing run.
mkdir damaged && cp spent/*.h5 damaged/ && head -c 2000 "$pf_file" >damaged/${pf_file#spent/}
"$bin" "${spent_args[@]}" --runs-dir damaged --output s9 >out23.txt 2>err23.txt
rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <err23.txt)" -eq 1 ] && grep -q "damaged/${pf_file#spent/}: .*corrupt.*remove it" err23.txt &&
  ! grep -q '^cell ' out23.txt || fail "damaged file in --runs-dir: exit $rc: $(cat err23.txt)"
echo "ok: damaged file in --runs-dir -> $(cat err23.txt)"
# --checkpoint-every writes checkpoints as runs go (the same rows); it needs --runs-dir.
"$bin" "${spent_args[@]}" --runs-dir ckpt --checkpoint-every 0.001 --output s6 >/dev/null 2>err18.txt ||
  fail "--checkpoint-every: $(cat err18.txt)"
[ "$(values s.csv)" = "$(values s6.csv)" ] || fail "--checkpoint-every rows differ: $(cat s6.csv)"
"$bin" "${spent_args[@]}" --checkpoint-every 60 --output s7 >/dev/null 2>err19.txt
[ $? -eq 2 ] && grep -q 'checkpoint-every needs --runs-dir' err19.txt || fail "--checkpoint-every alone: $(cat err19.txt)"
echo "ok: --checkpoint-every 0.001: same rows; without --runs-dir: $(cat err19.txt)"

# Variants share their common runs: --compare-at spent into the --runs-dir of a sweep at the
# limit runs only SGD at the two spent budgets; its ParaFlowS runs and SGD at 1e5 are read back.
"$bin" table --table 1 --batch-sizes 10 --etas 0.1 --budgets 1e5 --nfs 10,1000 --ng 100 \
  --paper-csv "$src/docs/paper_tables.csv" --runs-dir shared --output w >/dev/null 2>err21.txt ||
  fail "sweep at the limit: $(cat err21.txt)"
"$bin" "${spent_args[@]}" --runs-dir shared --output s8 >out21.txt 2>err21.txt || fail "shared: $(cat err21.txt)"
grep -q '^runs computed=2 reused=3 resumed=0 ' out21.txt || fail "shared runs: $(grep '^runs ' out21.txt)"
[ "$(values s.csv)" = "$(values s8.csv)" ] || fail "shared-run rows differ: $(cat s8.csv)"
echo "ok: --compare-at spent after a sweep at the limit: $(grep '^runs ' out21.txt)"
# SGD at the limit is that sweep's run of its own, and the chain to the spent budgets another
# (sgd_nf1000 and its continuation sgd_nf10, the larger spent budget): both count, once.
same_seconds s8.csv shared nf10 nf1000 sgd sgd_nf10

# Where SGD diverges before the first spent budget, the later budgets' files are copies of that
# run (it stops there whatever its budget): a rerun reads them back too.
diverging=(table --table 3 --batch-sizes 10 --etas 1 --budgets 1e4 --nfs 10,100 --ng 10
           --compare-at spent --runs-dir dv)
"$bin" "${diverging[@]}" --output dv1 >/dev/null 2>err22.txt || fail "diverging SGD: $(cat err22.txt)"
"$bin" "${diverging[@]}" --output dv2 >out22.txt 2>err22.txt || fail "diverging SGD, rerun: $(cat err22.txt)"
grep -q '^runs computed=0 reused=3 resumed=0 ' out22.txt || fail "diverged reuse: $(grep '^runs ' out22.txt)"
[ "$(values dv1.csv)" = "$(values dv2.csv)" ] || fail "diverged reuse rows differ: $(cat dv2.csv)"
echo "ok: SGD diverged before the spent budgets, rerun: $(grep '^runs ' out22.txt)"

# A rerun computes nothing and leaves the CSV alone.
cp t.csv before.csv
"$bin" "${args[@]}" --runs-dir runs --output t >out2.txt 2>err2.txt || fail "rerun: $(cat err2.txt)"
grep -q '^present rows=4 ' out2.txt || fail "rerun does not say present rows=4: $(cat out2.txt)"
! grep -q '^cell ' out2.txt || fail "rerun recomputed: $(cat out2.txt)"
cmp -s t.csv before.csv || fail "rerun changed t.csv"
echo "ok: rerun -> $(head -1 out2.txt)"

# A sweep killed while writing: the cut line is dropped and only that row is computed again.
head -c -30 before.csv >t.csv
"$bin" "${args[@]}" --output t >out3.txt 2>err3.txt || fail "resume: $(cat err3.txt)"
[ "$(grep -c '^cell ' out3.txt)" -eq 1 ] || fail "resume computed not one row: $(cat out3.txt)"
[ "$(values t.csv)" = "$(values before.csv)" ] || fail "resumed rows differ: $(cat t.csv)"
echo "ok: cut line -> 1 row recomputed, same values"

# Two array tasks, then a plain run merges their part files without computing.
"$bin" "${args[@]}" --output p --cells-of 0/2 >/dev/null 2>&1 || fail "--cells-of 0/2"
"$bin" "${args[@]}" --output p --cells-of 1/2 >/dev/null 2>&1 || fail "--cells-of 1/2"
[ -s p.part0.csv ] && [ -s p.part1.csv ] && [ ! -e p.csv ] || fail "part files: $(ls)"
"$bin" "${args[@]}" --output p >out4.txt 2>&1 || fail "merge: $(cat out4.txt)"
! grep -q '^cell ' out4.txt || fail "merge recomputed: $(cat out4.txt)"
[ "$(values p.csv)" = "$(values before.csv)" ] || fail "merged rows differ: $(cat p.csv)"
echo "ok: --cells-of 0/2 + 1/2, merged: same values"

# On 2 MPI ranks: the same rows.
mpiexec=${PARAFLOW_MPIEXEC:-$(command -v mpiexec || true)}
if [ -n "$mpiexec" ]; then
  flags=(--oversubscribe)
  [ "$(id -u)" = 0 ] && flags+=(--allow-run-as-root)
  "$mpiexec" "${flags[@]}" -n 2 "$bin" "${args[@]}" --output m >out5.txt 2>&1 ||
    fail "mpiexec -n 2: $(cat out5.txt)"
  [ "$(values m.csv)" = "$(values before.csv)" ] || fail "2 ranks differ: $(cat m.csv)"
  echo "ok: 2 ranks, same values"
  "$mpiexec" "${flags[@]}" -n 2 "$bin" "${spent_args[@]}" --accept-first --runs-dir spent --output m2 \
    >out20.txt 2>err20.txt
  rc=$?
  [ $rc -eq 2 ] && [ "$(grep -c '^paraflow: error:' err20.txt)" -eq 1 ] &&
    grep -q 'holds a run with --accept-first 0, not 1' err20.txt || fail "2 ranks, another run's file: exit $rc: $(cat err20.txt)"
  echo "ok: 2 ranks, another run's file: exit 2, one line"
else
  echo "skip: no mpiexec"
fi

# Bad input: exit 2, one line on stderr.
"$bin" table --table 4 >out6.txt 2>err6.txt
rc=$?
[ $rc -eq 2 ] || fail "--table 4: exit $rc"
[ "$(wc -l <err6.txt)" -eq 1 ] && grep -q '^paraflow: error: .*table' err6.txt ||
  fail "--table 4: $(cat err6.txt)"
echo "ok: --table 4 -> $(cat err6.txt)"

# scripts/plot-table draws the CSV (where Debian's python3-matplotlib is installed).
if "$python" -c 'import matplotlib' 2>/dev/null; then
  "$python" "$src/scripts/plot-table" before.csv -o t.png 2>err7.txt || fail "plot-table: $(cat err7.txt)"
  [ "$(head -c 4 t.png | od -An -tx1 | tr -d ' \n')" = "89504e47" ] || fail "t.png is not a PNG"
  "$python" "$src/scripts/plot-table" before.csv d.csv -o td.png 2>err8.txt || fail "plot-table, 2 CSVs: $(cat err8.txt)"
  [ "$(head -c 4 td.png | od -An -tx1 | tr -d ' \n')" = "89504e47" ] || fail "td.png is not a PNG"
  "$python" "$src/scripts/plot-table" missing.csv -o x.png 2>err8.txt
  [ $? -eq 2 ] && grep -q '^plot-table: error:' err8.txt || fail "plot-table missing.csv: $(cat err8.txt)"
  echo "ok: plot-table -> t.png ($(wc -c <t.png) bytes)"
else
  echo "skip: no python3-matplotlib for plot-table"
fi
