"""Full-batch solver peers for bench/solvers.ts: a CSV on disk to a fitted model by L-BFGS, one process per run.
Prints one JSON line. Objectives in descent's convention: mean loss + (l2/2)·||w||² (bias unpenalized).

  /usr/bin/python3 bench/peers/solvers.py sklearn-logistic|sklearn-poisson|torch-logistic FILE --l2 X --tol X
"""
import json
import resource
import sys
import time

mode, path = sys.argv[1], sys.argv[2]
args = dict(zip(sys.argv[3::2], sys.argv[4::2]))
l2 = float(args.get("--l2", 1e-4))
tol = float(args.get("--tol", 1e-8))

import numpy as np
import pandas as pd

t = time.perf_counter()
df = pd.read_csv(path)
y = df.pop(df.columns[-1]).to_numpy(dtype=np.float64)
X = df.to_numpy(dtype=np.float64)
del df
out = {"mode": mode, "loadSeconds": time.perf_counter() - t}
n = len(y)
t = time.perf_counter()
if mode == "sklearn-logistic":
    from sklearn.linear_model import LogisticRegression
    # C·Σloss + ½‖w‖² = (1/l2)·[mean loss + (l2/2)‖w‖²] with C = 1/(n·l2); its gradient is ours / l2, so its
    # tol (max |projected gradient|) is ours / l2.
    m = LogisticRegression(C=1.0 / (n * l2), solver="lbfgs", tol=tol / l2, max_iter=1000).fit(X, y)
    w, b = m.coef_.ravel(), float(m.intercept_[0])
    z = X @ w + b
    out["objective"] = float(np.mean(np.logaddexp(0, z) - y * z) + 0.5 * l2 * w @ w)
    out["iterations"] = int(m.n_iter_[0])
elif mode == "sklearn-poisson":
    from sklearn.linear_model import PoissonRegressor
    # 1/(2n)·Σdeviance + (α/2)‖w‖² = mean half deviance + (l2/2)‖w‖² with α = l2; tol as scikit-learn's.
    m = PoissonRegressor(alpha=l2, solver="lbfgs", tol=tol, max_iter=1000).fit(X, y)
    w, b = m.coef_, float(m.intercept_)
    z = X @ w + b
    out["objective"] = float(np.mean(np.exp(z) - y * z) + 0.5 * l2 * w @ w)
    out["iterations"] = int(m.n_iter_)
elif mode == "torch-logistic":
    import torch
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    p = torch.zeros(X.shape[1] + 1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([p], lr=1, max_iter=1000, history_size=10, line_search_fn="strong_wolfe", tolerance_grad=tol, tolerance_change=1e-9)
    d = X.shape[1]
    def closure():
        opt.zero_grad()
        z = Xt @ p[:d] + p[d]
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z, yt) + 0.5 * l2 * (p[:d] ** 2).sum()
        loss.backward()
        return loss
    opt.step(closure)
    out["objective"] = float(closure())
    out["iterations"] = int(opt.state[p]["n_iter"])
out["fitSeconds"] = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_SELF)
out["cpuSeconds"] = ru.ru_utime + ru.ru_stime
out["peakRssMiB"] = ru.ru_maxrss / 1024
print(json.dumps(out))
