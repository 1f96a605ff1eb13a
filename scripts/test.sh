#!/usr/bin/env bash
# The whole test suite, in two tiers:
#   1. set up (packages, configure, build ./build in Release), then ctest (unit, MPI, end-to-end);
#   2. the sanitizer tier: the same suite built with AddressSanitizer + UBSan (-O1 -g1, asserts
#      on) in ./build-sanitize and run by ctest again, MPI ranks and the end-to-end scripts'
#      `paraflow` processes included (docs/reliability.md, "Sanitizers and valgrind").
# Each tier ends with one summary line. Arguments go to both ctest runs (scripts/test.sh -R resume).
#   PARAFLOW_SANITIZE_TIER=1   run tier 2 too (off by default: it adds about 11 min on 2 cores;
#                              .ci/run sets it, so CI runs both tiers)
#   PARAFLOW_BUILD_DIR         tier 1's build directory (default build)
#   PARAFLOW_SANITIZE_DIR      tier 2's build directory (default build-sanitize)
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit
build=${PARAFLOW_BUILD_DIR:-build}
jobs=$(nproc 2>/dev/null || echo 2)

# One line per tier: ctest's counts, the wall time and anything more the tier has to say.
summary() {  # summary TIER CTEST_LOG RC DETAILS
  local counts
  counts=$(sed -n 's/.* \([0-9]*\) tests failed out of \([0-9]*\)$/\2 tests, \1 failed/p' "$2" |
    tail -1)
  echo "test.sh: $1: $([ "$3" -eq 0 ] && echo passed || echo FAILED), ${counts:-no ctest summary}$4"
}

start=$SECONDS
log=$build/Testing/test-sh.log
mkdir -p "$build/Testing"
ctest --test-dir "$build" --output-on-failure -j "$jobs" "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
summary "tier 1 (Release, $build)" "$log" "$rc" ", $((SECONDS - start)) s"
[ "$rc" -eq 0 ] || exit "$rc"

if [ "${PARAFLOW_SANITIZE_TIER:-0}" = 0 ]; then
  echo "test.sh: tier 2 (ASan+UBSan) not run (PARAFLOW_SANITIZE_TIER=1 runs it)"
  exit 0
fi
san=${PARAFLOW_SANITIZE_DIR:-build-sanitize}
start=$SECONDS
echo "test.sh: tier 2 (ASan+UBSan, $san): building and running the suite again..."
cmake -S . -B "$san" -DPARAFLOW_SANITIZE=ON -DPARAFLOW_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" >/dev/null || exit
cmake --build "$san" -j "$jobs" 2>&1 | grep -E "error|warning|Error"
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "test.sh: tier 2: build failed" >&2; exit 1; }
built=$((SECONDS - start))

# Every sanitizer report goes to a file under $reports (one per process), also from processes
# whose stderr a test discards or whose failure it expects (forked readers, rejected inputs).
# Leak checks off: Open MPI and HDF5 keep allocations until exit by design.
reports=$(readlink -f "$san")/sanitizer-reports
rm -rf "$reports" && mkdir -p "$reports"
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:check_initialization_order=1:log_path=$reports/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"
# Not here: e2e.slurm (label slurm). Its 4e7-gradient run must end within 150 s of a requeue,
# which the instrumented binary (about 5x slower) cannot; what it adds over the other end-to-end
# tests is SLURM's side (requeue, arrays, dependencies), and its paraflow code paths (USR1
# checkpoint, resume, table cells and merge) run here through e2e.resume.*, e2e.mpi-status and
# e2e.table. e2e.kill-resume kills fewer runs (KILLS=2 per method, 8 in tier 1) and
# e2e.corrupt-files reads fewer corrupt copies (COPIES=250 and LEGACY_COPIES=25, 1000 and 100 in
# tier 1): each run is slower here, and the point is the same file, reader and resume code under
# the sanitizers, within CI's time.
log=$san/Testing/test-sh.log
mkdir -p "$san/Testing"
KILLS=2 COPIES=250 LEGACY_COPIES=25 ctest --test-dir "$san" --output-on-failure -j "$jobs" -LE slurm "$@" >"$log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || grep -Ev '^ +Start |Passed +[0-9.]+ sec$' "$log"
# HDF5 1.10 crashes on some corrupt files (it copies a string of whatever length it finds): the
# library reads run and data files in a forked child for this reason (src/child_process.hpp), and
# tests corrupt files on purpose. ASan reports such a crash too (a SEGV, or the memcpy it happens
# in): expected when it is in a forked reader and its first frame outside the sanitizer runtime
# (its interceptors of memcpy and the like) is HDF5's. Any other report fails the tier.
runtime_frame=' in (__interceptor_)?(mem[a-z]*|str[a-z]*|__asan_[a-z_0-9]*) |libsanitizer'
expected=0 unexpected=0
for report in "$reports"/*; do
  [ -f "$report" ] || continue
  if grep -q ' in child_main<' "$report" &&
    grep -E '^ +#[0-9]+ ' "$report" | grep -Ev "$runtime_frame" | head -1 | grep -q 'libhdf5'; then
    expected=$((expected + 1))
  else
    unexpected=$((unexpected + 1))
    echo "test.sh: tier 2: sanitizer report $report:" >&2
    cat "$report" >&2
  fi
done
[ "$unexpected" -eq 0 ] || rc=1
summary "tier 2 (ASan+UBSan, $san)" "$log" "$rc" ", $unexpected sanitizer reports ($expected \
expected HDF5 crashes), build $built s, total $((SECONDS - start)) s"
exit "$rc"
