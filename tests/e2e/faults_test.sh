#!/usr/bin/env bash
# Faults around a run: (a) a rank of a 2-rank ParaFlow run killed with -9, (b) a full disk,
# (c) an output directory that cannot be written. Each ends promptly with a clear message and a
# non-zero status, and never damages the run file already on disk.
#   faults_test.sh PARAFLOW_BINARY MPIEXEC [MPIEXEC FLAGS...]
# (b) and (c) mount small tmpfs file systems when allowed (root with CAP_SYS_ADMIN). Otherwise
# (b) limits the file size instead (`ulimit -f`, SIGXFSZ ignored: writes fail with EFBIG where a
# full disk gives ENOSPC) and the read-only mount of (c) is skipped; a path under a regular file
# is tested either way.
source "$(dirname "$0")/common.sh"
bin=$(readlink -f "$1")
shift
mpiexec=("$@")
e2e_start
command -v setsid >/dev/null || { echo "SKIP: setsid not installed"; exit 77; }
# Open MPI's files of killed jobs stay in the scratch directory; see kill_resume_test.sh.
export TMPDIR=$work OMPI_MCA_btl_vader_backing_directory=$work
export OMPI_MCA_pml=ob1 OMPI_MCA_ess_singleton_isolated=1

job=
mounts=()
session_pids() { ps -o pid=,stat= -s "$job" 2>/dev/null | awk '$2 !~ /^Z/ {print $1}'; }
cleanup() {
  local pids m
  if [ -n "$job" ]; then
    pids=$(session_pids)
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -9 $pids 2>/dev/null
  fi
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || umount -l "$m"; done
  rm -rf "$work"
}
trap cleanup EXIT
small_fs() {  # small_fs DIR SIZE [OPTIONS]: a tmpfs of SIZE at DIR; false if mount is refused
  mkdir -p "$1"
  [ -z "${FAULTS_NO_MOUNT:-}" ] || return 1  # to test the fallbacks
  mount -t tmpfs -o "size=$2${3:+,$3}" tmpfs "$1" 2>/dev/null || return 1
  mounts+=("$1")
}

# `paraflow run ARGS` with each rank's status in status.RANK; FSIZE, when set, limits the size
# of the files it writes to FSIZE KiB (bash's unit; the fallback for (b)).
wrapped=(bash -c 'trap "" XFSZ; [ -z "$FSIZE" ] || ulimit -f "$FSIZE"
  "$0" run "$@"; echo $? >status.${OMPI_COMM_WORLD_RANK:-0}' "$bin")
export FSIZE=

one_error_line() {  # one_error_line FILE PATTERN: stderr is one line `paraflow: error: ...PATTERN`
  [ "$(wc -l <"$1")" -eq 1 ] && grep -q "^paraflow: error: .*$2" "$1" ||
    fail "expected one line 'paraflow: error: ...$2', got: $(cat "$1")"
}
validates() {  # validates FILE WHAT: the run file opens and passes its checksums
  "$bin" info "$1" >info.txt 2>&1 || fail "$2: $1 does not validate: $(cat info.txt)"
}
at_budget() { sed -n 's/^  budget *\([0-9]*\) of.*/budget \1/p' info.txt; }  # after validates

# ---- (a) a lost rank: kill -9 of one rank mid-window. Open MPI's mpiexec sees it die and ends
# the other rank (SIGTERM, then SIGKILL); the job must end, with one line naming the dead rank,
# and leave the last checkpoint intact. Rank 1 leaves the writer (rank 0) to be torn down; rank 0
# is the writer itself.
pf=(--problem classification --method paraflow --batch-size 1 --eta 0.01 --nf 50 --ng 4
  --init-guess coarse --log-interval 0.2)
rank_pid() {  # rank_pid R: the pid of rank R, a child of mpiexec (found by its environment)
  local p
  for p in $(pgrep -P "$job"); do
    tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1" &&
      echo "$p" && return
  done
}
for victim in 1 0; do
  # The wait below must not read the last victim's log: the job truncates it only once started.
  rm -f lost.h5 out.txt err.txt
  setsid "${mpiexec[@]}" -n 2 "$bin" run "${pf[@]}" --budget 1e12 --checkpoint-every 0.05 \
    --output lost.h5 >out.txt 2>err.txt &
  job=$!
  # Mid-run: checkpoints written, windows under way (a progress line every 0.2 s).
  for _ in $(seq 300); do [ "$(grep -s '^iter=' out.txt | wc -l)" -ge 4 ] && break; sleep 0.05; done
  pid=$(rank_pid $victim)
  [ -e lost.h5 ] && [ -n "$pid" ] || fail "(a) the run did not start: $(cat err.txt)"
  t0=$(date +%s%N)
  kill -9 "$pid"
  for _ in $(seq 200); do kill -0 $job 2>/dev/null || break; sleep 0.1; done
  kill -0 $job 2>/dev/null && fail "(a) rank $victim killed: the job still runs after 20 s"
  wait $job
  rc=$? ms=$((($(date +%s%N) - t0) / 1000000))
  for _ in $(seq 100); do [ -z "$(session_pids)" ] && break; sleep 0.05; done
  [ -z "$(session_pids)" ] || fail "(a) rank $victim killed: processes left: $(session_pids)"
  job=
  [ $rc -ne 0 ] || fail "(a) rank $victim killed: exit status 0"
  # Open MPI frames its one line in dashes, beside a second box of boilerplate ("Primary job
  # terminated normally, but 1 process returned a non-zero exit code").
  [ "$(grep -Ec "rank $victim .*(signal 9|Killed)" err.txt)" -eq 1 ] ||
    fail "(a) no line names rank $victim and signal 9: $(cat err.txt)"
  ! grep -Eq 'paraflow: |Process received signal|Segmentation|Abort' err.txt ||
    fail "(a) rank $victim killed: a crash or error beside it: $(cat err.txt)"
  validates lost.h5 "(a)"
  echo "ok (a): rank $victim killed with -9: job over in $((ms / 1000)).$(printf %03d $((ms % 1000)))" \
    "s, exit $rc, lost.h5 validates ($(at_budget))"
  echo "  stderr: $(grep -E "rank $victim " err.txt)"
done

# ---- (b) a full disk. b1: the disk fills during a run that checkpoints every 0.05 s; b2: a
# 2-rank ParaFlow run, the same; b3: the disk is full when a new run is to replace the file of
# an earlier run. Each: one error line naming the cause, status 1 on every rank, the file on
# disk intact. A tmpfs of 400 KiB holds a 200 KiB file and its replacement being written; the
# fallback limits each file to 200 KiB.
if small_fs disk 400k; then
  cause='No space left on device' mode=tmpfs
else
  cause='File too large' mode=ulimit
  echo "note (b): mount not permitted: 'ulimit -f' stands in for a full disk (EFBIG, not ENOSPC)"
fi
sgd=(--problem classification --method sgd --batch-size 1 --eta 0.01 --budget 3e6
  --log-interval 0.5)
run_b() {  # run_b RANKS ARGS...: under the file size limit of the fallback
  local ranks=$1 launcher=() limit=() rc
  shift
  rm -f status.* disk/*
  [ "$ranks" = 1 ] || launcher=("${mpiexec[@]}" -n "$ranks")
  # The fallback's ranks talk over TCP: shared-memory segments (ftruncate to 4 MiB) would hit
  # the file size limit in MPI_Init.
  [ $mode = tmpfs ] || limit=(FSIZE=200 "OMPI_MCA_btl=self,tcp")
  env "${limit[@]}" timeout 120 "${launcher[@]}" "${wrapped[@]}" "$@" >out.txt 2>err.txt
  rc=$?
  [ $rc -ne 124 ] || fail "(b) hung: $*"
}
statuses() { cat status.* 2>/dev/null | tr '\n' ' '; }
for layout in "b1 1 ${sgd[*]}" "b2 2 ${pf[*]} --budget 1e6"; do
  read -r case ranks args <<<"$layout"
  # shellcheck disable=SC2086
  run_b $ranks $args --checkpoint-every 0.05 --output disk/out.h5
  [ "$(statuses)" = "$(printf '1 %.0s' $(seq "$ranks"))" ] ||
    fail "($case) statuses '$(statuses)', expected 1 on every rank: $(cat err.txt)"
  one_error_line err.txt "disk/out.h5.*$cause"
  [ -z "$(find disk -name 'out.h5.tmp.*')" ] || fail "($case) temporary file left: $(ls disk)"
  validates disk/out.h5 "($case)"
  echo "ok ($case, $mode, $ranks rank(s)): exit 1, one line; disk/out.h5 validates, an earlier" \
    "checkpoint ($(at_budget))"
  echo "  stderr: $(cat err.txt)"
done
# b3: the earlier run's file is byte for byte what it was.
run_b 1 "${sgd[@]/3e6/1e4}" --output disk/out.h5
[ "$(statuses)" = "0 " ] || fail "(b3) the earlier run failed: $(cat err.txt)"
cp disk/out.h5 before.h5
if [ $mode = tmpfs ]; then
  dd if=/dev/zero of=disk/filler bs=4k 2>/dev/null  # fills it: exits with ENOSPC
  [ "$(df --output=avail disk | tail -1 | tr -d ' ')" -eq 0 ] || fail "(b3) the tmpfs is not full"
fi
rm -f status.*
FSIZE=$([ $mode = ulimit ] && echo 8) timeout 120 "${wrapped[@]}" \
  "${sgd[@]/3e6/1e5}" --output disk/out.h5 >out.txt 2>err.txt
[ "$(statuses)" = "1 " ] || fail "(b3) status '$(statuses)', expected 1: $(cat err.txt)"
one_error_line err.txt "disk/out.h5.*$cause"
cmp -s disk/out.h5 before.h5 || fail "(b3) the earlier run file changed"
[ -z "$(find disk -name 'out.h5.tmp.*')" ] || fail "(b3) temporary file left: $(ls disk)"
validates disk/out.h5 "(b3)"
echo "ok (b3, $mode): a full disk: exit 1, one line, the earlier run file unchanged"
echo "  stderr: $(cat err.txt)"

# ---- (c) an output directory that cannot be written: one line, status 1 on both ranks, before
# any training (no progress line; a budget that would take hours). Root writes anywhere
# regardless of permissions, so: a path under a regular file, and a read-only mount.
echo "a regular file" >plain
big=("${pf[@]}" --budget 1e12 --checkpoint-every 0.05)
unwritable() {  # unwritable CASE PATH PATTERN ARGS...: 2 ranks
  local case=$1 path=$2 pattern=$3
  shift 3
  rm -f status.*
  timeout 30 "${mpiexec[@]}" -n 2 "${wrapped[@]}" "$@" >out.txt 2>err.txt
  [ $? -ne 124 ] || fail "($case) still running after 30 s: the output was not checked first"
  [ "$(statuses)" = "1 1 " ] || fail "($case) statuses '$(statuses)', expected '1 1': $(cat err.txt)"
  one_error_line err.txt "$path.*$pattern"
  ! grep -q '^iter=' out.txt || fail "($case) training started before the output was checked"
  echo "ok ($case): exit 1 on both ranks before training: $(cat err.txt)"
}
unwritable c1 plain/out.h5 'Not a directory' "${big[@]}" --output plain/out.h5
if small_fs ro 64k ro; then
  unwritable c2 ro/out.h5 'Read-only file system' "${big[@]}" --output ro/out.h5
  # c3: resuming a run file in a read-only directory, without --output (the file is the output).
  small_fs rw 1m || fail "(c3) mount"
  "$bin" run "${sgd[@]/3e6/1e4}" --output rw/old.h5 >/dev/null || fail "(c3) the first run"
  mount -o remount,ro rw || fail "(c3) remount read-only"
  unwritable c3 rw/old.h5 'Read-only file system' --resume rw/old.h5 --budget 1e12
else
  echo "skip (c2, c3): mount not permitted (the read-only file system cases)"
fi
echo "ok: a lost rank, a full disk and an unwritable directory end cleanly"
