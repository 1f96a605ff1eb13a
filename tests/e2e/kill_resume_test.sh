#!/usr/bin/env bash
# kill -9 at a random moment of a run that checkpoints every 0.05 s: the run file on disk, when
# there is one, always validates, and `run --resume` on it ends with the weights and history of
# the uninterrupted run, bit for bit. SGD and ParaFlowS on one process, ParaFlow on 2 ranks.
#   kill_resume_test.sh PARAFLOW_BINARY MPIEXEC [MPIEXEC FLAGS...]
#   env KILLS (kills per method, default 8; 100 is the full study), SEED (of the kill moments)
source "$(dirname "$0")/common.sh"
bin=$(readlink -f "$1")
shift
mpiexec=("$@")
kills=${KILLS:-8}
seed=${SEED:-$$}
e2e_start
for tool in h5dump h5ls setsid; do
  command -v $tool >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
# A job killed with -9 cleans up nothing: Open MPI's session directory and shared-memory segments
# go to the scratch directory (removed at exit), not to /tmp and /dev/shm. ob1 and isolated
# singletons: no transport start-up probing, no helper daemon beside a one-process run.
export TMPDIR=$work OMPI_MCA_btl_vader_backing_directory=$work
export OMPI_MCA_pml=ob1 OMPI_MCA_ess_singleton_isolated=1
RANDOM=$seed

# Each run gets its own session (setsid: the session id is the job's pid), so that one kill
# reaches mpiexec and every rank. Open MPI puts each rank in a process group of its own, and
# ranks outlive a killed mpiexec (they finished the run and wrote the file), so killing mpiexec
# or its process group is not a kill of the run.
job=
session_pids() { ps -o pid=,stat= -s "$job" 2>/dev/null | awk '$2 !~ /^Z/ {print $1}'; }
start() {  # start COMMAND...: in the background, in a new session
  setsid "$@" >log.txt 2>err.txt &
  job=$!
  for _ in $(seq 200); do  # until setsid has made the session (the kill must reach it)
    [ "$(ps -o sid= -p "$job" | tr -d ' ')" = "$job" ] && return
    kill -0 "$job" 2>/dev/null || return  # already over
    sleep 0.01
  done
  fail "no session $job"
}
kill_all() {  # kill -9 every process of the session at once, then wait until all are gone
  local pids
  pids=$(session_pids)
  # shellcheck disable=SC2086
  [ -z "$pids" ] || kill -9 $pids 2>/dev/null
  wait "$job" 2>/dev/null
  for _ in $(seq 200); do
    [ -z "$(session_pids)" ] && { job=; return; }
    sleep 0.05
  done
  fail "processes of session $job survived kill -9: $(session_pids)"
}
trap '[ -z "$job" ] || kill_all; rm -rf "$work"' EXIT

# The raw little-endian bytes of every weight and of every deterministic history column: equal
# fingerprints are bit-identical weights (even -0 against 0, or NaN payloads) and history.
history=(iteration budget critical_path_budget loss_evaluations loss corrections)
fingerprint() {  # fingerprint FILE OUT
  local sets=() name
  for name in $(h5ls "$1/weights" | awk '{print $1}'); do sets+=(-d "/weights/$name"); done
  for name in "${history[@]}"; do sets+=(-d "/history/$name"); done
  rm -f "$2"
  h5dump -b LE -o "$2" "${sets[@]}" "$1" >/dev/null 2>&1 && [ -s "$2" ]
}
now_ms() { date +%s%3N; }

failures=0
problem() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

study() {  # study NAME LAUNCHER... -- RUN OPTIONS...
  local name=$1 launcher=() opts=()
  shift
  while [ "$1" != -- ]; do launcher+=("$1") && shift; done
  shift
  opts=("$@" --checkpoint-every 0.05 --log-interval 0)
  # The uninterrupted run; its duration (start-up included) bounds the kill moments.
  local t0 span run_ms
  t0=$(now_ms)
  "${launcher[@]}" "$bin" run "${opts[@]}" --output ref.h5 >/dev/null || fail "$name: reference run"
  span=$(($(now_ms) - t0)) run_ms=$span
  fingerprint ref.h5 ref.bin || fail "$name: cannot read ref.h5 with h5dump"
  local k=0 tries=0 valid=0 identical=0 no_file=0 ended=0 differed=0 leftovers=0 delay at
  while [ $k -lt "$kills" ] && [ $tries -lt $((3 * kills)) ]; do
    tries=$((tries + 1))
    rm -f run.h5 run.h5.tmp.*
    delay=$((RANDOM * 32768 + RANDOM))
    delay=$((delay % span))
    start "${launcher[@]}" "$bin" run "${opts[@]}" --output run.h5
    sleep "$((delay / 1000)).$(printf %03d $((delay % 1000)))"
    if ! kill -0 "$job" 2>/dev/null; then
      # Over before the kill (the machine's load varies): not a kill. Draw again, from a range
      # a tenth shorter.
      wait "$job" || problem "$name: a run failed by itself: $(tail -1 err.txt)"
      job='' ended=$((ended + 1)) span=$((span * 9 / 10))
      continue
    fi
    kill_all
    k=$((k + 1))
    # A temporary file left: the kill came while a checkpoint was being written.
    leftovers=$((leftovers + $(find . -maxdepth 1 -name 'run.h5.tmp.*' | wc -l)))
    if [ ! -e run.h5 ]; then
      no_file=$((no_file + 1))
      echo "$name #$k: killed at ${delay} ms: no run file yet"
      continue
    fi
    if ! "$bin" info run.h5 >info.txt 2>&1; then
      problem "$name #$k: killed at ${delay} ms: run.h5 does not validate: $(cat info.txt)"
      continue
    fi
    valid=$((valid + 1))
    local at
    at=$(sed -n 's/^  budget *\([0-9]*\) of.*/\1/p' info.txt)
    fingerprint run.h5 run.bin && ! cmp -s run.bin ref.bin && differed=$((differed + 1))
    if ! "${launcher[@]}" "$bin" run --resume run.h5 --log-interval 0 >/dev/null 2>err.txt; then
      problem "$name #$k: resume failed: $(cat err.txt)"
      continue
    fi
    if fingerprint run.h5 run.bin && cmp -s run.bin ref.bin; then
      identical=$((identical + 1))
      echo "$name #$k: killed at ${delay} ms, checkpoint at budget ${at}: resumed bit-identical"
    else
      problem "$name #$k: killed at ${delay} ms, checkpoint at budget ${at}: resumed run differs"
    fi
  done
  # The comparison is not blind: checkpoints taken before the end differ from the reference.
  [ $valid -eq 0 ] || [ $differed -gt 0 ] ||
    problem "$name: no checkpoint differed from the finished run; is the comparison blind?"
  [ $k -eq "$kills" ] || echo "note: $name: $k kills in $tries tries (the runs ended first)"
  [ $k -gt 0 ] || problem "$name: no kill in $tries tries"
  echo "summary $name: kills=$k files_valid=$valid resumed_identical=$identical" \
    "no_file=$no_file checkpoints_differing_before_resume=$differed tmp_files_left=$leftovers" \
    "runs_over_before_the_kill=$ended run_ms=$run_ms seed=$seed"
}

one=(--problem classification --batch-size 1 --eta 0.01)
study sgd -- "${one[@]}" --method sgd --budget 2e6
study paraflows -- "${one[@]}" --method paraflows --nf 500 --ng 10 --budget 2e6
study paraflow "${mpiexec[@]}" -n 2 -- "${one[@]}" --method paraflow --nf 50 --ng 4 \
  --init-guess coarse --budget 6e5
[ $failures -eq 0 ] || fail "$failures failure(s)"
echo "ok: every run file left by kill -9 validates and resumes bit-identically"
