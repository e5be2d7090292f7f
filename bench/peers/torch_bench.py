#!/usr/bin/env python3
"""PyTorch peer for bench/run.ts: the same five workloads, plain torch.optim training loops.

Usage: OPENBLAS_NUM_THREADS=t OMP_NUM_THREADS=t python3 torch_bench.py CONFIG.json THREADS OUT.json

CONFIG.json is written by bench/run.ts (sizes, hyperparameters, paths of the float32 data files it generated, the
Fashion-MNIST directory; with a "gemm" entry it also measures the W3 GEMM bound of gemm_bound.py). The thread count must also be in the environment: torch.set_num_threads() does not reach
a system OpenBLAS (which torch.mm calls here), only OPENBLAS_NUM_THREADS read at load time does.
"""
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def log(msg):
    print(f"[torch {sys.argv[2]}T] {msg}", file=sys.stderr, flush=True)


def load_xy(spec):
    X = torch.from_numpy(np.fromfile(spec["x"], dtype=np.float32).reshape(spec["rows"], spec["cols"]))
    y = torch.from_numpy(np.fromfile(spec["y"], dtype=np.float32))
    return X, y


def linear(d_in, d_out):
    # nn.Linear's default init is U(±1/sqrt(fan_in)) for weight and bias: the same rule descent uses.
    return nn.Linear(d_in, d_out)


def train_epochs(model, opt, X, y, batch, epochs, loss_fn, max_steps=None):
    """Shuffled index batches; returns (per-epoch seconds, steps run)."""
    n = X.shape[0]
    secs, steps = [], 0
    for _ in range(epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for s in range(0, n, batch):
            idx = perm[s:s + batch]
            xb, yb = X[idx], y[idx]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            steps += 1
            if max_steps is not None and steps >= max_steps:
                break
        secs.append(time.perf_counter() - t0)
    return secs, steps


def warm_up(make_model, make_opt, X, y, batch, loss_fn):
    """Two steps of a throwaway model, so first-call costs are not timed (every runner does the same)."""
    m = make_model()
    train_epochs(m, make_opt(m), X[:2 * batch], y[:2 * batch], batch, 1, loss_fn)


def w1(cfg, spec):
    X, y = load_xy(spec)
    loss_fn = lambda out, t: 0.5 * F.mse_loss(out.squeeze(1), t)  # descent's objective 1/(2n)·Σ(ŷ−y)²
    make_opt = lambda m: torch.optim.SGD(m.parameters(), lr=cfg["lr"])
    warm_up(lambda: linear(X.shape[1], 1), make_opt, X, y, cfg["batch"], loss_fn)
    model = linear(X.shape[1], 1)
    secs, _ = train_epochs(model, make_opt(model), X, y, cfg["batch"], cfg["epochs"], loss_fn)
    with torch.no_grad():
        mse = F.mse_loss(model(X).squeeze(1), y).item()
    return {"epochSeconds": secs, "epochsRun": len(secs), "quality": mse}


def w2(cfg, spec):
    X, y = load_xy(spec)
    loss_fn = lambda out, t: F.binary_cross_entropy_with_logits(out.squeeze(1), t)
    make_opt = lambda m: torch.optim.Adam(m.parameters(), lr=cfg["lr"])
    warm_up(lambda: linear(X.shape[1], 1), make_opt, X, y, cfg["batch"], loss_fn)
    model = linear(X.shape[1], 1)
    secs, _ = train_epochs(model, make_opt(model), X, y, cfg["batch"], cfg["epochs"], loss_fn)
    with torch.no_grad():
        loss = F.binary_cross_entropy_with_logits(model(X).squeeze(1), y).item()
    return {"epochSeconds": secs, "epochsRun": len(secs), "quality": loss}


def read_idx(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    ndim = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def idx_file(d, base):
    for name in (base + ".gz", base):
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(os.path.join(d, base))


def w3(cfg):
    d = cfg["dir"]
    rows = cfg["trainRows"]
    Xtr = torch.from_numpy((read_idx(idx_file(d, "train-images-idx3-ubyte"))[:rows].reshape(-1, 784) / np.float32(255)).astype(np.float32))
    ytr = torch.from_numpy(read_idx(idx_file(d, "train-labels-idx1-ubyte"))[:rows].astype(np.int64))
    Xte = torch.from_numpy((read_idx(idx_file(d, "t10k-images-idx3-ubyte")).reshape(-1, 784) / np.float32(255)).astype(np.float32))
    yte = torch.from_numpy(read_idx(idx_file(d, "t10k-labels-idx1-ubyte")).astype(np.int64))
    h1, h2 = cfg["hidden"]
    make = lambda: nn.Sequential(linear(784, h1), nn.ReLU(), linear(h1, h2), nn.ReLU(), linear(h2, 10))
    make_opt = lambda m: torch.optim.Adam(m.parameters(), lr=cfg["lr"])
    warm_up(make, make_opt, Xtr, ytr, cfg["batch"], F.cross_entropy)
    model = make()
    secs, _ = train_epochs(model, make_opt(model), Xtr, ytr, cfg["batch"], cfg["epochs"], F.cross_entropy)
    with torch.no_grad():
        acc = (model(Xte).argmax(1) == yte).float().mean().item()
    return {"epochSeconds": secs, "epochsRun": len(secs), "samplesPerEpoch": Xtr.shape[0], "testAccuracy": acc}


def w4(cfg):
    n = cfg["params"]
    p = torch.full((n,), 0.5, requires_grad=True)
    p.grad = torch.from_numpy((((np.arange(n) % 17) - 8) * 1e-3).astype(np.float32))
    opt = torch.optim.Adam([p], lr=cfg["lr"])
    times = []
    for i in range(cfg["steps"] + 2):
        t0 = time.perf_counter()
        opt.step()
        if i >= 2:
            times.append(time.perf_counter() - t0)
    return {"stepSeconds": times}


def w5(cfg, spec):
    X, y = load_xy(spec)
    model = linear(X.shape[1], 1)
    opt = torch.optim.SGD(model.parameters(), lr=cfg["lr"])
    loss_fn = lambda out, t: F.binary_cross_entropy_with_logits(out.squeeze(1), t)
    warm_up(lambda: linear(X.shape[1], 1), lambda m: torch.optim.SGD(m.parameters(), lr=cfg["lr"]), X, y, cfg["batch"], loss_fn)
    runs = []
    for _ in range(cfg["repeats"]):
        secs, steps = train_epochs(model, opt, X, y, cfg["batch"], 1, loss_fn, max_steps=cfg["steps"])
        runs.append(secs[0] / steps)
    return {"stepSeconds": runs, "steps": steps}


def main():
    cfg = json.load(open(sys.argv[1]))
    threads = int(sys.argv[2])
    torch.set_num_threads(threads)
    torch.manual_seed(cfg["modelSeed"])
    out = {"torch": torch.__version__, "numpy": np.__version__, "threads": torch.get_num_threads(),
           "openblasThreadsEnv": os.environ.get("OPENBLAS_NUM_THREADS")}
    try:
        from threadpoolctl import threadpool_info
        out["threadpools"] = threadpool_info()
    except Exception:  # noqa: BLE001 - optional
        pass
    jobs = [("w1", lambda: w1(cfg["w1"], cfg["data"]["w1"])), ("w2", lambda: w2(cfg["w2"], cfg["data"]["w2"])),
            ("w3", lambda: w3(cfg["w3"])), ("w4", lambda: w4(cfg["w4"])), ("w5", lambda: w5(cfg["w5"], cfg["data"]["w5"]))]
    for name, fn in jobs:
        if name not in cfg["workloads"]:
            continue
        t0 = time.perf_counter()
        try:
            out[name] = fn()
        except Exception as e:  # noqa: BLE001 - reported in the results
            out[name] = {"error": repr(e)}
        log(f"{name} done in {time.perf_counter() - t0:.1f} s")
    if "gemm" in cfg:
        # The W3 GEMM bound in this process (same thread setting; saves starting Python twice more).
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import gemm_bound
        g = cfg["gemm"]
        t0 = time.perf_counter()
        out["gemm"] = {"batch": g["batch"], "threads": threads,
                       "numpyGemms": gemm_bound.run_numpy(g["batch"], g["h1"], g["h2"], g["quick"]),
                       "torchGemms": gemm_bound.run_torch(g["batch"], g["h1"], g["h2"], g["quick"])}
        log(f"gemm bound done in {time.perf_counter() - t0:.1f} s")
    with open(sys.argv[3], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
