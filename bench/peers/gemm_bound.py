#!/usr/bin/env python3
"""Speed-of-light reference for W3: the 8 sgemm calls of one 784-256-128-10 training step at batch B, each timed alone.

Usage: OPENBLAS_NUM_THREADS=t python3 gemm_bound.py B H1 H2 QUICK(0|1) THREADS OUT.json

Weights are [units, inputs] (PyTorch's and descent's layout). Forward: H1 = X·W1ᵀ, H2 = H1·W2ᵀ, Z = H2·W3ᵀ.
Backward: dW3 = dZᵀ·H2, dH2 = dZ·W3, dW2 = dH2ᵀ·H1, dH1 = dH2·W2, dW1 = dH1ᵀ·X (no dX for the input layer).
Measured with numpy's BLAS (np.matmul on transposed views → one sgemm with transpose flags, into a preallocated
output) and, when importable, torch.mm(..., out=...). Thread count from the environment (read when OpenBLAS loads)
plus torch.set_num_threads. Each time is the fastest of several repeats (noise only ever adds time).
"""
import json
import sys
import time

import numpy as np


def shapes(B, h1, h2, k=10, d=784):
    # (name, lhs shape, rhs shape, transpose lhs, transpose rhs): operands are stored as in the engine.
    return [
        ("H1 = X·W1ᵀ", (B, d), (h1, d), False, True),
        ("H2 = H1·W2ᵀ", (B, h1), (h2, h1), False, True),
        ("Z = H2·W3ᵀ", (B, h2), (k, h2), False, True),
        ("dW3 = dZᵀ·H2", (B, k), (B, h2), True, False),
        ("dH2 = dZ·W3", (B, k), (k, h2), False, False),
        ("dW2 = dH2ᵀ·H1", (B, h2), (B, h1), True, False),
        ("dH1 = dH2·W2", (B, h2), (h2, h1), False, False),
        ("dW1 = dH1ᵀ·X", (B, h1), (B, d), True, False),
    ]


def bench(fn, quick):
    """Fastest over repeats of the mean time of a batch of calls sized to ~20 ms (~5 ms quick): a bound, and
    other processes on the machine can only add time."""
    for _ in range(20):
        fn()
    t0 = time.perf_counter()
    n = 0
    while time.perf_counter() - t0 < 0.01:
        fn()
        n += 1
    per = (time.perf_counter() - t0) / n
    inner = max(1, int((0.005 if quick else 0.02) / per))
    res = []
    for _ in range(3 if quick else 7):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        res.append((time.perf_counter() - t0) / inner)
    return min(res)


def run_numpy(B, h1, h2, quick):
    rng = np.random.default_rng(0)
    out = []
    for name, sa, sb, ta, tb in shapes(B, h1, h2):
        a = rng.standard_normal(sa, dtype=np.float32)
        b = rng.standard_normal(sb, dtype=np.float32)
        A = a.T if ta else a
        Bm = b.T if tb else b
        c = np.empty((A.shape[0], Bm.shape[1]), dtype=np.float32)
        t = bench(lambda: np.matmul(A, Bm, out=c), quick)
        out.append({"gemm": name, "m": A.shape[0], "n": Bm.shape[1], "k": A.shape[1], "seconds": t})
    return out


def run_torch(B, h1, h2, quick):
    import torch
    torch.manual_seed(0)
    out = []
    for name, sa, sb, ta, tb in shapes(B, h1, h2):
        a = torch.randn(sa)
        b = torch.randn(sb)
        A = a.t() if ta else a
        Bm = b.t() if tb else b
        c = torch.empty((A.shape[0], Bm.shape[1]))
        t = bench(lambda: torch.mm(A, Bm, out=c), quick)
        out.append({"gemm": name, "m": A.shape[0], "n": Bm.shape[1], "k": A.shape[1], "seconds": t})
    return out


def main():
    B, h1, h2, quick, threads = (int(x) for x in sys.argv[1:6])
    res = {"batch": B, "threads": threads, "numpy": np.__version__}
    try:
        from threadpoolctl import threadpool_info
        res["threadpools"] = threadpool_info()
    except Exception:  # noqa: BLE001 - optional
        pass
    res["numpyGemms"] = run_numpy(B, h1, h2, quick)
    try:
        import torch
        torch.set_num_threads(threads)
        res["torch"] = torch.__version__
        res["torchGemms"] = run_torch(B, h1, h2, quick)
    except ImportError:
        pass
    with open(sys.argv[6], "w") as f:
        json.dump(res, f)


if __name__ == "__main__":
    main()
