#!/usr/bin/env bash
# Corrupt run files never crash `paraflow` and never pass for good ones.
#   corrupt_files_test.sh PARAFLOW_BINARY [COPIES] [LEGACY_COPIES]
# (or the environment's COPIES, LEGACY_COPIES: the sanitizer tier of scripts/test.sh sets fewer)
# A real run file is copied COPIES times (default 1000) with 1 to 4 random bytes changed (fixed
# seed), and LEGACY_COPIES times (default 100) in the layout written before checksums (contiguous,
# earliest HDF5 format, via h5repack); then truncated copies, an empty file, a text file and HDF5
# files of the wrong layout. Each goes through `paraflow evaluate` (every 20th new copy, every 10th
# legacy copy and every other file also through `paraflow info`),
# which must exit 0 printing the original loss exactly, or exit 1 or 2 with exactly one stderr line
# 'paraflow: error: ...'. Fails on any crash (exit >= 128, a core file) or malformed error, and on
# any checksummed file accepted with another loss ("silent accept"). Legacy files have no
# checksums, so corrupted data there can only be caught by the reader's own checks: their silent
# accepts are counted, not failed.
source "$(dirname "$0")/common.sh"
bin=$(readlink -f "$1")
copies=${2:-${COPIES:-1000}}
legacy_copies=${3:-${LEGACY_COPIES:-100}}
e2e_start
command -v h5repack >/dev/null || { echo "SKIP: h5repack (hdf5-tools) not installed"; exit 77; }
[ -x "$python" ] || { echo "SKIP: $python not found"; exit 77; }

# A singleton MPI process starts in 60 ms instead of 300 ms without the PSM MTL's calibration
# (pml ob1) and without a helper daemon (isolated); each xargs slot gets its own session
# directory (TMPDIR), since isolated singletons started at the same instant race on it.
export OMPI_MCA_pml=ob1 OMPI_MCA_ess_singleton_isolated=1

"$bin" run --problem approximation --method paraflows --budget 2e4 --output f.h5 >run.txt ||
  fail "paraflow run"
"$bin" evaluate --weights f.h5 --output ref-eval.h5 >ref.txt || fail "evaluate f.h5"
loss=$(sed -n 's/^loss=\([^ ]*\) .*/\1/p' ref.txt)
[ -n "$loss" ] || fail "no loss in: $(cat ref.txt)"
h5repack -f NONE -l CONTI f.h5 legacy.h5 || fail "h5repack"
"$bin" evaluate --weights legacy.h5 --output ref-eval.h5 | grep -q "^loss=$loss " ||
  fail "the legacy copy does not give loss $loss"

mkdir -p in out tmp/0 tmp/1 tmp/2 tmp/3 results
"$python" - "$copies" "$legacy_copies" <<'EOF' || fail "making the copies"
import random, sys
copies, legacy_copies = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(20240601)
def flipped(data):
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        b[rng.randrange(len(b))] ^= rng.randint(1, 255)
    return bytes(b)
original, legacy = open("f.h5", "rb").read(), open("legacy.h5", "rb").read()
for i in range(copies):
    open(f"in/new-{i:04d}.h5", "wb").write(flipped(original))
for i in range(legacy_copies):
    open(f"in/legacy-{i:04d}.h5", "wb").write(flipped(legacy))
cuts = {rng.randrange(len(original)) for _ in range(12)}
cuts = sorted(cuts | {1, 7, 8, 100, 511, 512, 1024, 2047, 4096})
for n in cuts + [len(original) - 1, len(original) - 8]:
    open(f"in/special-trunc-{n}.h5", "wb").write(original[:n])
for n in [96, len(legacy) // 2, len(legacy) - 1]:
    open(f"in/special-legacytrunc-{n}.h5", "wb").write(legacy[:n])
open("in/special-empty.h5", "wb").close()
open("in/special-text.h5", "w").write("loss=0.07 weights: 1 2 3\n")
noise = bytes(rng.randrange(256) for _ in range(4096))
open("in/special-noise.h5", "wb").write(original[:8] + noise)
EOF
# HDF5 files of the wrong layout: only /weights; /weights without /network; and, with h5py, a
# W2 of the wrong shape and an /options group turned into a dataset.
h5copy -i f.h5 -o in/special-only-weights.h5 -s /weights -d /weights || fail "h5copy"
h5copy -i f.h5 -o in/special-no-network.h5 -s /data -d /data && \
  h5copy -i f.h5 -o in/special-no-network.h5 -s /weights -d /weights || fail "h5copy"
if "$python" -c 'import h5py' 2>/dev/null; then
  "$python" - <<'EOF' || fail "h5py layouts"
import h5py, shutil
shutil.copy("f.h5", "in/special-wrong-shape.h5")
with h5py.File("in/special-wrong-shape.h5", "r+") as f:
    del f["weights/W2"]
    f["weights/W2"] = [[1.0, 2.0], [3.0, 4.0]]
shutil.copy("f.h5", "in/special-options-dataset.h5")
with h5py.File("in/special-options-dataset.h5", "r+") as f:
    del f["options"]
    f["options"] = [1, 2, 3]
EOF
fi

# One check: COMMAND FILE -> results/FILE.COMMAND holding "verdict rc".
check() {
  local command=$1 file=$2 name=${2##*/} rc verdict
  name=${name%.h5}
  local args=(info "$file")
  [ "$command" = info ] || args=(evaluate --weights "$file" --output "out/$name.h5")
  # A hang counts as a crash (137); the trial read's own limit is 30 s (+1 s per 10 MB).
  TMPDIR=$PWD/tmp/$SLOT timeout -s KILL 150 "$bin" "${args[@]}" >"out/$name.$command.out" \
    2>"out/$name.$command.err"
  rc=$?
  if [ $rc -eq 0 ]; then
    verdict=accepted
    [ "$command" = info ] || grep -q "^loss=$loss " "out/$name.$command.out" || verdict=silent
  elif [ $rc -eq 1 ] || [ $rc -eq 2 ]; then
    verdict=rejected
    [ "$(wc -l <"out/$name.$command.err")" -eq 1 ] && grep -q '^paraflow: error: ' \
      "out/$name.$command.err" || verdict=bad-error
  else
    verdict=crash
  fi
  echo "$verdict $rc" >"results/$name.$command"
  rm -f "out/$name.h5"
}
export -f check
export bin loss

SECONDS=0
{
  for f in in/*.h5; do echo "evaluate $f"; done
  for f in in/new-*[02468]0.h5 in/legacy-*0.h5 in/special-*.h5; do echo "info $f"; done
} | xargs -P 4 -n 2 --process-slot-var=SLOT bash -c 'check "$@"' check
seconds=$SECONDS

# Tally per set (new, legacy, special) and command.
status=0
for set in new legacy special; do
  for command in evaluate info; do
    files=(results/"$set"-*."$command")
    [ -e "${files[0]}" ] || continue
    tried=${#files[@]}
    tally() { cat "${files[@]}" | grep -c "^$1 "; }
    accepted=$(tally accepted) rejected=$(tally rejected) silent=$(tally silent)
    crashes=$(tally crash) bad=$(tally bad-error)
    contained=$(cat out/"$set"-*."$command".err | grep -c 'corrupt or unreadable')
    echo "$set $command: tried=$tried rejected=$rejected accepted-unchanged=$accepted" \
      "silent-accepts=$silent crashes=$crashes malformed-errors=$bad" \
      "(of the rejected: $contained crashed the HDF5 reader in the child)"
    [ $((accepted + rejected + silent + crashes + bad)) -eq "$tried" ] || fail "lost results"
    [ "$crashes" -eq 0 ] && [ "$bad" -eq 0 ] || status=1
    [ "$set" = legacy ] || [ "$silent" -eq 0 ] || status=1
  done
done
echo "rejections by reason (evaluate, new and special):"
cat out/new-*.evaluate.err out/special-*.evaluate.err 2>/dev/null |
  sed -e 's/^paraflow: error: [^:]*: //' -e 's/(checksum mismatch in .*)/(checksum mismatch ...)/' \
    -e 's/^[^ ]*: attribute .*/an attribute (other)/' | sort | uniq -c | sort -rn | head -12
for f in results/*; do
  case $(cut -d' ' -f1 "$f") in
    silent) [[ $f == results/legacy-* ]] || echo "  $(basename "$f"): silent accept" ;;
    crash | bad-error)
      n=$(basename "$f")
      echo "  $n: $(cat "$f"): $(head -c 300 "out/${n%.*}.${n##*.}.err")" ;;
  esac
done | head -20
cores=$(find . -name 'core*' -type f | wc -l)
[ "$cores" -eq 0 ] || { echo "core files: $cores"; status=1; }
echo "$(ls results | wc -l) checks in $seconds s"
[ $status -eq 0 ] || fail "a corrupt file crashed paraflow, passed silently or gave a bad error"
echo "ok: no crash, no silent accept of a checksummed file"
