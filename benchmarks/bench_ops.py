"""Speed and memory of cnnviz's core ops, measured as ratios in one run.

Run:  python benchmarks/bench_ops.py            (add --quick for fewer rounds,
                                                 --only pool-bn for pooling and batch norm alone)

Prints, for each case, the time and GFLOP/s of cnnviz, of PyTorch on the CPU when
it is installed (``pip install torch==2.13.0``), and their ratio, from interleaved
rounds (benchmarks/_timing.py: each round times cnnviz, then PyTorch, each in its
own block; medians, and the ratio of the fastest rounds in brackets, which is what
a quiet machine gives); the reference loops' time per output element against
cnnviz's; and the peak extra memory of conv2d forward+backward against the size of
its im2col matrix. Both libraries get the same number of threads (``--threads``,
default 2).
"""

from __future__ import annotations

import argparse
import os
import sys
import tracemalloc

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--quick", action="store_true", help="fewer rounds")
parser.add_argument("--only", choices=["pool-bn"], help="only max-pooling and batch norm")
args = parser.parse_args()
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)  # before numpy loads BLAS

import numpy as np  # noqa: E402
from _timing import compare, load_note, median_seconds  # noqa: E402

from cnnviz import _parallel, ops, reference  # noqa: E402

_parallel.WORKERS = min(args.threads, _parallel.WORKERS)  # --threads 1: one thread for cnnviz's blocks too

try:
    import torch
    import torch.nn.functional as tF

    torch.set_num_threads(args.threads)
except ImportError:
    torch = None

ROUNDS = 5 if args.quick else 15
rng = np.random.default_rng(0)


def timed(fn):
    """Median seconds of ``fn()`` alone (no PyTorch counterpart)."""
    return median_seconds(fn, repeats=ROUNDS)


def row(name, ours, theirs=None, flops=None):
    """Time ``ours()`` against ``theirs()`` (None: PyTorch missing) in interleaved rounds; print a row.

    Returns the ``_timing.Comparison``: medians, and ratio cnnviz / PyTorch (None without PyTorch).
    """
    t = compare(ours, theirs, rounds=ROUNDS)
    text = f"  {name:<22} cnnviz {t.ours * 1e3:8.2f} ms"
    if flops:
        text += f" ({flops / t.ours / 1e9:6.1f} GFLOP/s)"
    if theirs is not None:
        text += f" | torch {t.theirs * 1e3:8.2f} ms"
        if flops:
            text += f" ({flops / t.theirs / 1e9:6.1f} GFLOP/s)"
        text += f" | ratio {t.ratio:5.2f}x (fastest rounds {t.ratio_best:4.2f}x)"
    print(text)
    return t


def to_torch(x, grad=True):
    """(N, H, W, C) numpy -> (N, C, H, W) torch tensor in channels_last memory (the same bytes)."""
    t = torch.from_numpy(x).permute(0, 3, 1, 2)
    return t.requires_grad_(grad) if grad else t


CONV_CASES = {
    "(a) 64x28x28, 1->32, 3x3 same": dict(N=64, H=28, W=28, C=1, F=32, K=3, S=1, P="same", torch_pad=1),
    "(b) 64x28x28, 32->64, 3x3 same": dict(N=64, H=28, W=28, C=32, F=64, K=3, S=1, P="same", torch_pad=1),
    "(c) 64x28x28, 64->64, 3x3 same": dict(N=64, H=28, W=28, C=64, F=64, K=3, S=1, P="same", torch_pad=1),
    "(d) 1x256x256, 3->8, 5x5 P2 S2": dict(N=1, H=256, W=256, C=3, F=8, K=5, S=2, P=2, torch_pad=2),
}


def bench_conv(name, N, H, W, C, F, K, S, P, torch_pad):
    print(name)
    x = rng.standard_normal((N, H, W, C), dtype=np.float32)
    w = rng.standard_normal((K, K, C, F), dtype=np.float32) * 0.1
    b = rng.standard_normal(F, dtype=np.float32)
    y, _ = ops.conv2d_forward(x, w, b, S, P)
    dy = rng.standard_normal(y.shape, dtype=np.float32)
    flops_fwd = 2 * y.size * K * K * C

    def fwd():
        return ops.conv2d_forward(x, w, b, S, P)

    def fwd_bwd():
        _, c = ops.conv2d_forward(x, w, b, S, P)
        return ops.conv2d_backward(dy, c)

    torch_fwd = torch_all = None
    if torch is not None:
        xt, wt, bt = (
            to_torch(x),
            torch.from_numpy(w).permute(3, 2, 0, 1).contiguous().requires_grad_(),
            torch.from_numpy(b).requires_grad_(),
        )
        dyt = to_torch(dy, grad=False)

        def torch_fwd():
            with torch.no_grad():
                return tF.conv2d(xt, wt, bt, stride=S, padding=torch_pad)

        def torch_all():
            xt.grad = wt.grad = bt.grad = None
            tF.conv2d(xt, wt, bt, stride=S, padding=torch_pad).backward(dyt)

        yt = torch_fwd().permute(0, 2, 3, 1).numpy()
        assert np.allclose(yt, y, rtol=1e-3, atol=1e-3), "cnnviz and torch disagree"
    r1 = row("forward", fwd, torch_fwd, flops_fwd)
    r2 = row("forward+backward", fwd_bwd, torch_all, 3 * flops_fwd)

    # peak memory beyond the inputs, against the im2col matrix (one row per output cell)
    im2col_bytes = y.shape[0] * y.shape[1] * y.shape[2] * K * K * C * 4
    tracemalloc.start()
    fwd_bwd()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"  peak extra memory {peak / 2**20:7.1f} MiB = {peak / im2col_bytes:4.2f}x the im2col matrix "
        f"({im2col_bytes / 2**20:.1f} MiB)"
    )
    return r2.ours / y.size, r1.ratio, r2.ratio


def bench_phases(name, N, H, W, C, F, K, S, P, torch_pad):
    """Where conv2d's time goes: the im2col copy, the two products with it, and dx both ways.

    Each piece runs once over the whole batch on one thread, so the pieces add up to the
    layer's time on one thread; the layer itself goes block by block on two threads.
    """
    from cnnviz import _conv_engine
    from cnnviz._blas import one_thread
    from cnnviz._windows import channels_first, im2col

    x = rng.standard_normal((N, H, W, C), dtype=np.float32)
    w = rng.standard_normal((K, K, C, F), dtype=np.float32)
    b = rng.standard_normal(F, dtype=np.float32)
    y, cache = ops.conv2d_forward(x, w, b, S, P)
    dy = rng.standard_normal(y.shape, dtype=np.float32)
    pads, out_shape, dx = cache["pads"], y.shape[1:3], np.empty_like(x)
    geometry = ((K, K), pads, (S, S), (1, 1), out_shape)
    with one_thread():
        # a copy out of the scratch buffer, in the same memory order: (N·H'·W', K·K·C + 1)
        cols = im2col(x, *geometry, ones=True).copy(order="K")
        w1 = np.concatenate([w.reshape(-1, F), b[None]])  # (K·K·C + 1, F)
        times = {
            "im2col copy": timed(lambda: im2col(x, *geometry, ones=True)),
            "GEMM y": timed(lambda: cols @ w1),
            "GEMM dw": timed(lambda: cols.T @ dy.reshape(-1, F)),
            "dx scatter": timed(lambda: _conv_engine.scatter(dy, w, pads, (S, S), (1, 1), out=dx)),
        }
        if S == 1:
            w_flip = w[::-1, ::-1].transpose(0, 1, 3, 2).reshape(-1, C)  # (K·K·F, C)
            times["dx gather"] = timed(
                lambda: _conv_engine.gather_input_gradient(dy, w_flip, (K, K), pads, (1, 1), out=dx)
            )
    layout = "columns" if channels_first(C) else "rows"
    print(f"  {name[:3]} phases ({layout}): " + ", ".join(f"{k} {v * 1e3:.1f} ms" for k, v in times.items()))


def bench_reference(per_element_ours):
    """The reference loops on case (b)'s layer (32->64, 3x3, same) on one small image."""
    x = rng.standard_normal((6, 6, 32))
    w = rng.standard_normal((3, 3, 32, 64))
    t = median_seconds(lambda: reference.conv2d_case4(x, w, None, 1, 1), repeats=1, warmup=0)
    per_element_ref = t / (6 * 6 * 64)
    print("reference loops, case (b)'s layer on one 6x6x32 image (forward only)")
    print(
        f"  {per_element_ref * 1e6:9.2f} us per output element vs cnnviz forward+backward "
        f"{per_element_ours * 1e6:9.4f} us: cnnviz is {per_element_ref / per_element_ours:,.0f}x faster"
    )


def bench_pool_bn():
    x = rng.standard_normal((64, 28, 28, 64), dtype=np.float32)
    print("max-pool 2x2 on (64, 28, 28, 64)")

    def pool():
        y, c = ops.max_pool2d_forward(x, 2)
        return ops.max_pool2d_backward(y, c)

    torch_pool = None
    if torch is not None:
        xt = to_torch(x)
        dyt = to_torch(np.ones((64, 14, 14, 64), np.float32), grad=False)

        def torch_pool():
            xt.grad = None
            tF.max_pool2d(xt, 2).backward(dyt)

    r_pool = row("forward+backward", pool, torch_pool).ratio

    print("batch norm on (64, 28, 28, 64)")
    gamma, beta = np.ones(64, np.float32), np.zeros(64, np.float32)
    dy = rng.standard_normal(x.shape, dtype=np.float32)

    def bn():
        _, c = ops.batchnorm_forward(x, gamma, beta)
        return ops.batchnorm_backward(dy, c)

    torch_bn = None
    if torch is not None:
        xt, gt, bt = to_torch(x), torch.ones(64, requires_grad=True), torch.zeros(64, requires_grad=True)
        dyt = to_torch(dy, grad=False)

        def torch_bn():
            xt.grad = gt.grad = bt.grad = None
            tF.batch_norm(xt, None, None, gt, bt, training=True, eps=1e-3).backward(dyt)

    r_bn = row("forward+backward", bn, torch_bn).ratio
    return r_pool, r_bn


def blas_kernel():
    """Which OpenBLAS kernel numpy runs: OPENBLAS_CORETYPE, where it is set, picks an older one."""
    from threadpoolctl import threadpool_info

    blas = [lib for lib in threadpool_info() if lib["user_api"] == "blas"]
    kernel = blas[0].get("architecture", "?") if blas else "none found"
    return f"BLAS kernel {kernel} (OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')})"


def main():
    print(
        f"numpy {np.__version__}, torch {torch.__version__ if torch else 'not installed'}, "
        f"{args.threads} threads, python {sys.version.split()[0]}, {blas_kernel()}\n"
    )
    if args.only == "pool-bn":
        report_pool_bn(*bench_pool_bn())
        return
    ratios = {}
    per_element = None
    for name, case in CONV_CASES.items():
        per, _, r = bench_conv(name, **case)
        ratios[name[:3]] = r
        if name.startswith("(b)"):
            per_element = per
    print(
        "where conv2d's time goes, on one thread (im2col stored by rows or, for C < 8, by columns; "
        "dx by 'gather' when S = 1, C >= 8 and F <= 2C, else by 'scatter'):"
    )
    for name, case in CONV_CASES.items():
        bench_phases(name, **case)
    bench_reference(per_element)
    r_pool, r_bn = bench_pool_bn()
    if torch is not None:
        targets = {"(a)": 1.0, "(b)": 1.5, "(c)": 1.5, "(d)": 2.0}
        print("\ntargets (forward+backward time, cnnviz / torch):")
        for key, limit in targets.items():
            print(
                f"  conv {key}: {ratios[key]:.2f}x (target <= {limit}x) {'met' if ratios[key] <= limit else 'MISSED'}"
            )
    report_pool_bn(r_pool, r_bn)


def report_pool_bn(r_pool, r_bn):
    if torch is not None:
        for name, r in (("max-pool", r_pool), ("batch norm", r_bn)):
            print(f"  {name}: {r:.2f}x (target <= 1.5x) {'met' if r <= 1.5 else 'MISSED'}")
    print(load_note())


if __name__ == "__main__":
    main()
