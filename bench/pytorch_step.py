#!/usr/bin/python3
"""PyTorch counterpart of bench/bench_gradients: SGD steps/s on the paper's three problems.

Same networks, data, losses and batch sizes as the C++ benchmark, float64 throughout:
  classification  [2,3,3,2] sigmoid (output too), 10 points, loss sum 1/2 ||a - y||^2, batches 10, 1
  approximation   [1,16,16,1] sigmoid (output too), 30 points of e^-x sin x, same loss, batches 30, 1
  poisson         [2,50,50,50,50,1] tanh PINN, linear output, Glorot uniform; 1320 residual terms
                  (-Delta u - 1)^2 (1200 interior + 120 boundary points) and 120 boundary terms u^2;
                  batches 1440 (all terms), 720, 10, 1. Delta u by autograd (grad of grad), as DeepXDE does.
One step: draw a batch, forward, loss.backward(), p -= eta * p.grad, p.grad = None (eta = 1e-4).

Run with Debian's interpreter and python3-torch:
  /usr/bin/python3 bench/pytorch_step.py [--threads N] [--seconds S] [--problem NAME]
Prints a '# torch ...' comment line, then one line per measurement:
  torch problem=P batch=B threads=N grads_per_s=G steps_per_s=S
"""
import os
import sys

PROBLEMS = ("classification", "approximation", "poisson")
USAGE = "usage: pytorch_step.py [--threads N] [--seconds S] [--problem classification|approximation|poisson]"


def die(message):
    print(f"pytorch_step.py: {message}; {USAGE}", file=sys.stderr)
    sys.exit(2)


def parse_args(argv):
    """Manual parsing: a one-line message and exit status 2 on anything unexpected."""
    threads, seconds, problem = 1, 1.0, None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ("-h", "--help"):
            print(USAGE)
            sys.exit(0)
        name, eq, value = arg.partition("=")
        if name not in ("--threads", "--seconds", "--problem"):
            die(f"unknown argument '{arg}'")
        if not eq:
            if i + 1 >= len(argv):
                die(f"{name} needs a value")
            i += 1
            value = argv[i]
        try:
            if name == "--threads":
                threads = int(value)
                ok = threads >= 1
            elif name == "--seconds":
                seconds = float(value)
                ok = 0.0 < seconds < float("inf")
            else:
                problem = value
                ok = value in PROBLEMS
        except ValueError:
            ok = False
        if not ok:
            die(f"bad value '{value}' for {name}")
        i += 1
    return threads, seconds, problem


if __name__ == "__main__":
    THREADS, SECONDS, ONLY = parse_args(sys.argv[1:])
    # Thread counts of the BLAS and OpenMP runtimes are read when torch is loaded. With pthread
    # OpenBLAS, N = 2 means 2 OpenMP + 2 OpenBLAS threads; if both spin-wait, the full-batch
    # PINN on 2 cores runs several times slower than with N = 1, so OpenMP waits passively.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
        os.environ[var] = str(THREADS)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
else:  # imported (e.g. for a check): defaults
    THREADS, SECONDS, ONLY = 1, 1.0, None

import time  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_default_dtype(torch.float64)
ETA = 1e-4


def loaded_blas():
    """Real paths of the BLAS libraries mapped into this process (after a matmul)."""
    a = torch.rand(64, 64)
    (a @ a).sum()
    paths = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split(maxsplit=5)
            if len(fields) < 6 or not fields[5].startswith("/"):
                continue
            path = fields[5].strip()
            if "blas" not in os.path.basename(path).lower():
                continue
            real = os.path.realpath(path)
            if real not in paths:
                paths.append(real)
    if not paths:
        return "none found in /proc/self/maps"

    def label(p):
        low = p.lower()
        if "openblas" in low:
            for variant in ("pthread", "openmp", "serial"):
                if variant in low:
                    return f"{p} (OpenBLAS, {variant})"
            return f"{p} (OpenBLAS)"
        if "/blas/libblas" in low:
            return f"{p} (reference BLAS)"
        if "blis" in low:
            return f"{p} (BLIS)"
        return p

    return ", ".join(label(p) for p in paths)


# ---- networks: plain (in x out) weight tensors and addmm; no nn.Module call overhead ------------

def make_params(layers, init, gen):
    params = []
    for n_in, n_out in zip(layers[:-1], layers[1:]):
        if init == "uniform":  # ours: w, b ~ U(-1, 1)
            w = torch.empty(n_in, n_out).uniform_(-1.0, 1.0, generator=gen)
            b = torch.empty(n_out).uniform_(-1.0, 1.0, generator=gen)
        else:  # Glorot uniform, zero biases
            r = (6.0 / (n_in + n_out)) ** 0.5
            w = torch.empty(n_in, n_out).uniform_(-r, r, generator=gen)
            b = torch.zeros(n_out)
        params += [w.requires_grad_(True), b.requires_grad_(True)]
    return params


def forward(params, x, act, out_act):
    n = len(params) // 2
    for l in range(n):
        x = torch.addmm(params[2 * l + 1], x, params[2 * l])
        x = act(x) if l < n - 1 else out_act(x)
    return x


def sgd_update(params):
    # Plain in-place update, chosen over torch.optim.SGD(lr=ETA, foreach=True or False) with
    # zero_grad(set_to_none=True): same arithmetic, less Python per step; measured ~15% more
    # steps/s on the small networks, equal within noise on the PINN.
    with torch.no_grad():
        for p in params:
            if p.grad is not None:  # None: no dependence (the output bias, in Delta u only)
                p.add_(p.grad, alpha=-ETA)
                p.grad = None


def batch_drawer(n, batch):
    """Indices of one batch; None for the full batch (no drawing, identity order as ours)."""
    if batch == n:
        return lambda: None
    if batch == 1:
        return lambda: torch.randint(n, (1,))
    return lambda: torch.randperm(n)[:batch]  # distinct indices, like our BatchSampler


# ---- problems -----------------------------------------------------------------------------------

def data_fit_step(x, y, layers, batch, gen):
    params = make_params(layers, "uniform", gen)
    draw = batch_drawer(x.shape[0], batch)

    def step():
        idx = draw()
        xb, yb = (x, y) if idx is None else (x[idx], y[idx])
        a = forward(params, xb, torch.sigmoid, torch.sigmoid)
        loss = 0.5 * F.mse_loss(a, yb, reduction="sum")  # sum of 1/2 ||a - y||^2
        loss.backward()
        sgd_update(params)
        return loss.detach()

    return step, params


def classification(batch, gen):
    x = torch.tensor([[0.1, 0.3, 0.1, 0.6, 0.4, 0.6, 0.5, 0.9, 0.4, 0.7],
                      [0.1, 0.4, 0.5, 0.9, 0.2, 0.3, 0.6, 0.2, 0.4, 0.6]]).T.contiguous()
    y = torch.tensor([[1.0, 0.0]] * 5 + [[0.0, 1.0]] * 5)
    return data_fit_step(x, y, [2, 3, 3, 2], batch, gen)


def approximation(batch, gen):
    x = torch.linspace(0.0, 10.0, 30).unsqueeze(1)
    y = torch.exp(-x) * torch.sin(x)
    return data_fit_step(x, y, [1, 16, 16, 1], batch, gen)


def l_shape_points(interior, boundary, gen):
    """`interior` uniform points of [-1,1]^2 \\ [0,1]^2 and `boundary` points evenly spread along
    its boundary from the corner (0,0), as ours (the exact positions differ)."""
    pts = torch.empty(0, 2)
    while pts.shape[0] < interior:
        cand = torch.rand(2 * interior, 2, generator=gen) * 2.0 - 1.0
        keep = ~((cand[:, 0] >= 0) & (cand[:, 1] >= 0)) & (cand[:, 0] > -1) & (cand[:, 1] > -1)
        pts = torch.cat([pts, cand[keep]])
    verts = torch.tensor([[0.0, 0.0], [1, 0], [1, -1], [-1, -1], [-1, 1], [0, 1], [0, 0]])
    bnd = []
    for j in range(boundary):
        s = 8.0 * j / boundary  # perimeter 8, every edge has length 1 or 2
        for e in range(6):
            length = float((verts[e + 1] - verts[e]).norm())
            if s < length or e == 5:
                bnd.append(verts[e] + (s / length) * (verts[e + 1] - verts[e]))
                break
            s -= length
    return pts[:interior], torch.stack(bnd)


def laplacian(u, x):
    """Delta u by autograd, the way DeepXDE / PyTorch PINN code does it."""
    du = torch.autograd.grad(u.sum(), x, create_graph=True)[0]
    lap = 0
    for k in range(x.shape[1]):
        lap = lap + torch.autograd.grad(du[:, k].sum(), x, create_graph=True)[0][:, k]
    return lap


def poisson(batch, gen):
    interior, on_boundary = l_shape_points(1200, 120, gen)
    residual_pts = torch.cat([interior, on_boundary])  # 1320 residual terms
    nc, nb = residual_pts.shape[0], on_boundary.shape[0]
    n = nc + nb  # 1440 loss terms: 0..nc-1 residual, nc..n-1 boundary
    params = make_params([2, 50, 50, 50, 50, 1], "glorot", gen)
    draw = batch_drawer(n, batch)
    # Our loss (Reduction::deepxde): (n / batch) * (sum_res r^2 / nc + sum_bnd u^2 / nb). For the
    # full batch this is DeepXDE's mean over residual points + mean over boundary points; for a
    # minibatch it is its unbiased estimate (same arithmetic as dividing by the counts in the batch).
    cr, cb = n / batch / nc, n / batch / nb

    def net(x):
        return forward(params, x, torch.tanh, lambda v: v)

    def step():
        idx = draw()
        if idx is None:
            xr, xb = residual_pts, on_boundary
        else:
            is_res = idx < nc
            xr, xb = residual_pts[idx[is_res]], on_boundary[idx[~is_res] - nc]
        loss = 0
        if xr.shape[0]:
            x = xr.detach().requires_grad_(True)
            r = -laplacian(net(x), x) - 1.0
            loss = loss + cr * (r * r).sum()
        if xb.shape[0]:
            u = net(xb)
            loss = loss + cb * (u * u).sum()
        # inputs=params: no gradient accumulated into x (measured faster than plain backward()).
        loss.backward(inputs=params)
        sgd_update(params)
        return loss.detach()

    return step, params


MAKERS = {"classification": (classification, (10, 1)),
          "approximation": (approximation, (30, 1)),
          "poisson": (poisson, (1440, 720, 10, 1))}


def measure(step, seconds):
    for _ in range(20):  # warm-up
        step()
    steps, chunk = 0, 1
    start = time.perf_counter()
    elapsed = 0.0
    while elapsed < seconds:  # doubling chunks: few clock reads, at least `seconds` in all
        for _ in range(chunk):
            step()
        steps += chunk
        chunk *= 2
        elapsed = time.perf_counter() - start
    return steps / elapsed


def main():
    torch.set_num_threads(THREADS)
    print(f"# torch {torch.__version__}, threads {torch.get_num_threads()}, BLAS: {loaded_blas()}",
          flush=True)
    for name, (make, batches) in MAKERS.items():
        if ONLY is not None and name != ONLY:
            continue
        for batch in batches:
            gen = torch.Generator().manual_seed(1)
            torch.manual_seed(1)  # batch drawing
            step, _ = make(batch, gen)
            steps_per_s = measure(step, SECONDS)
            print(f"torch problem={name} batch={batch} threads={THREADS} "
                  f"grads_per_s={batch * steps_per_s:.3e} steps_per_s={steps_per_s:.3e}",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
