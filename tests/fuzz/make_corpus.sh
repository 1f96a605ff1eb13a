#!/usr/bin/env bash
# Regenerates the committed seed corpus of the fuzz targets, tests/fuzz/corpus/<target>/:
# valid seeds (seed-*) and hand-made bad inputs (bad-*). Regression inputs of defects the fuzzers
# found (regression-*) are committed as found and left alone here.
#   tests/fuzz/make_corpus.sh PARAFLOW_BINARY
# Needs Debian's python3-h5py (HDF5 data files) and the paraflow binary (run files). Everything
# is deterministic except the run files' creation time, command line and build strings.
set -euo pipefail
bin=$(readlink -f "$1")
corpus=$(cd "$(dirname "$0")" && pwd)/corpus
python=/usr/bin/python3
mkdir -p "$corpus"/{options,ini,csv,hdf5_data,run_file}
export OMPI_MCA_pml=ob1 OMPI_MCA_ess_singleton_isolated=1

"$python" - "$corpus" <<'EOF'
import os, sys
corpus = sys.argv[1]

def put(target, name, data):
    if isinstance(data, str):
        data = data.encode("latin-1")
    with open(os.path.join(corpus, target, name), "wb") as f:
        f.write(data)

# (a) options: the arguments after `paraflow run`, one per line.
options = {
    "seed-default": ["--budget", "1e5"],
    "seed-sgd": ["--problem", "approximation", "--method", "sgd", "--batch-size", "5", "--eta",
                 "0.05", "--budget", "2e4"],
    "seed-paraflow": ["--method", "paraflow", "--ng", "8", "--batch-size", "5", "--init-guess",
                      "coarse", "--budget", "1e5", "--data-ranks", "5"],
    "seed-poisson": ["--problem", "poisson", "--method", "paraflows", "--batch-size", "64",
                     "--eta", "1e-3", "--nf", "100", "--budget", "1e8", "--checkpoint-every",
                     "300", "--reduction", "deepxde", "--accept-first"],
    "seed-data": ["--problem", "data", "--data", "digits.csv", "--loss", "cross-entropy",
                  "--hidden", "32,16", "--activation", "sigmoid", "--targets", "label",
                  "--batch-size", "32", "--eta", "0.1", "--nf", "20", "--ng", "10"],
    "seed-resume": ["--resume", "run.h5", "--budget", "2e8", "--wall-time", "3600",
                    "--log-interval", "0"],
    "seed-spellings": ["--eta=.5e-2", "--eta-coarse=5.E-2", "--seed=+3", "--history-every=1.",
                       "--max-iterations=-1", "--wall-time=-1", "--nf", "10e-1",
                       "--history-spacing", "log", "--init-scheme", "uniform"],
    "seed-help": ["--help"],
    # hand-made bad inputs
    "bad-unknown-option": ["--bogus", "1"],
    "bad-missing-value": ["--eta"],
    "bad-empty-value": ["--eta="],
    "bad-hex": ["--nf", "0x10"],
    "bad-hex-float": ["--eta", "0x1p-3"],
    "bad-nan": ["--eta", "nan"],
    "bad-inf": ["--wall-time", "-inf"],
    "bad-huge": ["--eta", "1e999"],
    "bad-huge-count": ["--budget", "1e30"],
    "bad-tiny": ["--eta", "1e-400"],
    "bad-space": ["--nf", " 16"],
    "bad-minus-zero": ["--batch-size", "-0"],
    "bad-negative-size": ["--batch-size", "-3"],
    "bad-fraction": ["--ng", "2.5"],
    "bad-word": ["--method", "adam"],
    "bad-data-option": ["--hidden", "32"],
    "bad-hidden": ["--problem", "data", "--data", "x.csv", "--hidden", "32,,0"],
    "bad-resume-change": ["--resume", "run.h5", "--eta", "0.1"],
    "bad-method-option": ["--method", "sgd", "--nf", "5"],
    "bad-positional": ["stray"],
    "bad-twice": ["--eta", "0.1", "--eta", "0.2"],
    "bad-newline-value": ["--eta", "0.1\r"],
    "bad-config-missing": ["--config", "/nonexistent/run.ini"],
}
for name, args in options.items():
    put("options", name, "\n".join(args) + "\n")

# (b) INI files for --config.
ini = {
    "seed-basic": "problem = approximation\nmethod = sgd\nbatch-size = 5\neta = 0.05\nbudget = 5000\n",
    "seed-comments": "# a comment\n\nmethod = paraflows # trailing\nnf = 10\nng = 2\n  eta =   .5e-2  \n",
    "seed-crlf": "method = paraflow\r\nng = 4\r\ninit-guess = coarse\r\nbudget = 1e5\r\n",
    "seed-data": "problem = data\ndata = digits.csv\nloss = mse\nhidden = 8\nactivation = tanh\n"
                 "batch-size = 10\neta = 0.1\nseed = 7\n",
    "seed-switch": "method = paraflows\naccept-first = true\nwall-time = -1\nmax-iterations = 100\n",
    # hand-made bad inputs
    "bad-unknown": "bogus = 1\n",
    "bad-empty-value": "eta =\n",
    "bad-hex": "nf = 0x10\n",
    "bad-nan": "eta = NaN\n",
    "bad-infinity": "budget = infinity\n",
    "bad-huge": "eta = 1e999\n",
    "bad-negative-size": "batch-size = -1\n",
    "bad-section": "[run]\neta = 0.1\n",
    "bad-no-equals": "eta 0.1\n",
    "bad-twice": "eta = 0.1\neta = 0.2\n",
    "bad-switch": "accept-first = maybe\n",
    "bad-bom": "\xef\xbb\xbfbudget = 2e4\n",
    "bad-garbage": "\x00\x01\x02=\xff\xfe\n[\n=\n",
}
for name, text in ini.items():
    put("ini", name, text)

# (c) CSV data files.
csv = {
    "seed-regression": "x0,x1,y\n1,2,3\n4,5,6\n-7.5,8e-3,+9\n",
    "seed-labels": "a,b,label\n0.1,0.2,0\n0.3,0.4,1\n0.5,0.6,2\n0.7,0.8,1.0\n",
    "seed-crlf-bom-quotes": "\xef\xbb\xbf\"x\", \"y\"\r\n1.5e-3, -2\r\n\r\n+3,.5\r\n  \r\n7.,1E2\r\n",
    # hand-made bad inputs
    "bad-ragged": "a,b\n1,2\n3\n",
    "bad-word": "a,b\n1,x\n",
    "bad-empty-field": "a,b\n1,\n",
    "bad-nan": "a,b\n1,nan\n",
    "bad-inf": "a,b\n-Infinity,1\n",
    "bad-huge": "a,b\n1e999,1\n",
    "bad-hex": "a,b\n0x1,2\n",
    "bad-hex-float": "a,b\n0x1p3,2\n",
    "bad-space-inside": "a,b\n1 2,3\n",
    "bad-header-only": "a,b\n",
    "bad-header-numbers": "1,2\n3,4\n",
    "bad-one-column": "a\n1\n",
    "bad-duplicate-name": "a,a\n1,2\n",
    "bad-empty-name": "a,,c\n1,2,3\n",
    "bad-quote-inside": "a,b\n\"1\"\"\",2\n",
    "bad-truncated": "a,b\n1,2\n3,",
    "bad-garbage": "\x00\xff\xfe\x01,\x02\n\x80\x81,\x82\n",
    "bad-empty": "",
}
for name, text in csv.items():
    put("csv", name, text)
EOF

# (d) HDF5 data files, with Debian's h5py (files of a few KB).
"$python" - "$corpus/hdf5_data" <<'EOF'
import os, sys
import h5py, numpy as np
out = sys.argv[1]
def make(name, build, libver=None):
    path = os.path.join(out, name)
    kwargs = {"libver": libver} if libver else {}
    with h5py.File(path, "w", **kwargs) as f:
        build(f)
rng = np.random.default_rng(1)
x = rng.standard_normal((5, 2))
def targets(f): f["inputs"] = x; f["targets"] = x.sum(axis=1, keepdims=True)
def labels(f): f["inputs"] = x; f["labels"] = np.array([0, 1, 2, 1, 0], dtype=np.int64)
def one_dim(f): f["inputs"] = np.arange(4.0); f["targets"] = np.arange(4.0) ** 2
def integers(f): f["inputs"] = np.arange(6, dtype=np.int32).reshape(3, 2); f["targets"] = np.array([[1.0], [0.0], [1.0]])
def probabilities(f): f["inputs"] = x; f["targets"] = np.tile([0.25, 0.75], (5, 1))
make("seed-targets", targets)
make("seed-labels", labels)
make("seed-one-dim", one_dim)
make("seed-integers", integers)
make("seed-probabilities", probabilities)
make("seed-targets-v110", targets, libver=("v110", "latest"))
# hand-made bad inputs: wrong types, shapes and values
def strings(f): f["inputs"] = np.array([b"a", b"b"]); f["targets"] = [1.0, 2.0]
def three_dim(f): f["inputs"] = np.zeros((2, 2, 2)); f["targets"] = [1.0, 2.0]
def nan(f): f["inputs"] = [[1.0], [np.nan]]; f["targets"] = [1.0, 2.0]
def inf(f): f["inputs"] = [[1.0], [2.0]]; f["targets"] = [1.0, -np.inf]
def both(f): f["inputs"] = x; f["targets"] = x[:, :1]; f["labels"] = np.zeros(5, dtype=np.int64)
def fractional_labels(f): f["inputs"] = x; f["labels"] = np.array([0, 0.5, 1, 1, 0])
def negative_labels(f): f["inputs"] = x; f["labels"] = np.array([0, -1, 1, 1, 0])
def labels_2d(f): f["inputs"] = x; f["labels"] = np.zeros((5, 2), dtype=np.int64)
def empty(f): f["inputs"] = np.zeros((0, 2)); f["targets"] = np.zeros((0, 1))
def lengths(f): f["inputs"] = np.zeros((5, 2)); f["targets"] = np.zeros((4, 1))
def group(f): f.create_group("inputs"); f["targets"] = [1.0]
def compound(f):
    f["inputs"] = np.array([(1.0, 2)], dtype=[("a", "f8"), ("b", "i4")]); f["targets"] = [1.0]
def scalar(f): f["inputs"] = 1.0; f["targets"] = 1.0
def no_targets(f): f["inputs"] = x
def single_class(f): f["inputs"] = x; f["labels"] = np.zeros(5, dtype=np.int64)
for name, build in [("strings", strings), ("three-dim", three_dim), ("nan", nan), ("inf", inf),
                    ("both-targets-and-labels", both), ("fractional-labels", fractional_labels),
                    ("negative-labels", negative_labels), ("labels-2d", labels_2d),
                    ("empty", empty), ("lengths", lengths), ("inputs-group", group),
                    ("compound", compound), ("scalar", scalar), ("no-targets", no_targets),
                    ("single-class", single_class)]:
    make("bad-" + name, build)
seed = open(os.path.join(out, "seed-targets"), "rb").read()
open(os.path.join(out, "bad-truncated"), "wb").write(seed[: len(seed) // 2])
open(os.path.join(out, "bad-signature-only"), "wb").write(seed[:8])
open(os.path.join(out, "bad-garbage"), "wb").write(seed[:8] + bytes(range(256)) * 4)
import random
r = random.Random(20240601)
# Bit flips in the metadata (the first 1 KB) of a seed. Data files carry no checksums, so a flip
# may also leave a valid file: these are named bitflip-*, not bad-*.
for i in range(6):
    b = bytearray(seed)
    for _ in range(2):
        b[r.randrange(1024)] ^= 1 << r.randrange(8)
    open(os.path.join(out, f"bitflip-{i}"), "wb").write(bytes(b))
EOF

# (e) run files: three small valid ones (approximation SGD, classification ParaFlowS with its
# /gradient from `evaluate`, a data problem), each < 40 KB.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$bin" run --problem approximation --method sgd --batch-size 5 --eta 0.05 --budget 600 \
  --output a.h5 >/dev/null
"$bin" run --problem classification --method paraflows --nf 10 --ng 2 --budget 2000 \
  --output c.h5 >/dev/null
"$bin" evaluate --weights c.h5 --output cg.h5 >/dev/null
printf 'x0,x1,label\n0.1,0.2,0\n0.3,0.1,1\n0.9,0.8,1\n0.5,0.5,0\n' >tiny.csv
"$bin" run --problem data --data tiny.csv --loss cross-entropy --hidden 3 --method paraflows \
  --nf 5 --ng 2 --budget 200 --output d.h5 >/dev/null
cp a.h5 "$corpus/run_file/seed-approximation-sgd"
cp cg.h5 "$corpus/run_file/seed-classification-gradient"
cp d.h5 "$corpus/run_file/seed-data"
# hand-made bad run files (e2e.corrupt-files tries 1000 random corruptions through the CLI)
"$python" - "$corpus/run_file" <<'EOF2'
import os, random, sys
out = sys.argv[1]
seed = open(os.path.join(out, "seed-approximation-sgd"), "rb").read()
put = lambda name, data: open(os.path.join(out, name), "wb").write(data)
put("bad-empty", b"")
put("bad-text", b"loss=0.07 weights: 1 2 3\n")
put("bad-signature-only", seed[:8])
put("bad-truncated-half", seed[: len(seed) // 2])
put("bad-truncated-last-byte", seed[:-1])
put("bad-noise-after-signature", seed[:8] + bytes(random.Random(1).randrange(256) for _ in range(2048)))
r = random.Random(20240601)
for i in range(6):
    b = bytearray(seed)
    for _ in range(r.randint(1, 4)):
        b[r.randrange(len(b))] ^= r.randint(1, 255)
    put(f"bad-bitflip-{i}", bytes(b))
EOF2
ls -l "$corpus"/*/ | awk '$5 > 50000 { print "too large:", $0; bad = 1 } END { exit bad }'
echo "corpus: $(find "$corpus" -type f | wc -l) files, $(du -sh "$corpus" | cut -f1)"
