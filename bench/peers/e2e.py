"""End-to-end peers for `npm run bench -- --e2e` (bench/e2e.ts): a CSV on disk to a trained model, one process per
run so wall time, CPU time and peak RSS are the whole pipeline's (interpreter start and imports included, as the
user waits for them). Prints one JSON line.

  /usr/bin/python3 bench/peers/e2e.py sklearn|torch|loadtxt|pandas FILE [--epochs 5] [--batch 256] [--threads N]
"""
import json
import os
import resource
import sys
import time

T0 = time.perf_counter()
mode, path = sys.argv[1], sys.argv[2]
args = dict(zip(sys.argv[3::2], sys.argv[4::2]))
epochs = int(args.get("--epochs", 5))
batch = int(args.get("--batch", 256))
threads = int(args.get("--threads", 0))

out = {"mode": mode}
if mode == "loadtxt":
    import numpy as np
    t = time.perf_counter()
    a = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    out["loadSeconds"] = time.perf_counter() - t
    out["rows"], out["cols"] = a.shape
elif mode == "pandas":
    import pandas as pd
    t = time.perf_counter()
    df = pd.read_csv(path)
    out["loadSeconds"] = time.perf_counter() - t
    out["rows"], out["cols"] = df.shape
elif mode == "sklearn":
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import SGDClassifier
    t = time.perf_counter()
    df = pd.read_csv(path)
    y = df.pop(df.columns[-1]).to_numpy()
    X = df.to_numpy(dtype=np.float64)  # scikit-learn's SGD works in float64
    del df
    out["loadSeconds"] = time.perf_counter() - t
    t = time.perf_counter()
    # SGDClassifier's closest setting to the workload: logistic loss, 5 passes, no early stop (it has no
    # mini-batches or Adam: one sample per step, its default 'optimal' schedule).
    clf = SGDClassifier(loss="log_loss", max_iter=epochs, tol=None, random_state=1)
    clf.fit(X, y)
    out["fitSeconds"] = time.perf_counter() - t
    out["accuracy"] = float(clf.score(X, y))
elif mode == "torch":
    import numpy as np
    import pandas as pd
    import torch
    if threads:
        torch.set_num_threads(threads)
    t = time.perf_counter()
    df = pd.read_csv(path)
    y = torch.from_numpy(df.pop(df.columns[-1]).to_numpy(dtype=np.float32))
    X = torch.from_numpy(df.to_numpy(dtype=np.float32))
    del df
    out["loadSeconds"] = time.perf_counter() - t
    t = time.perf_counter()
    torch.manual_seed(1)
    model = torch.nn.Linear(X.shape[1], 1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    n = X.shape[0]
    for _ in range(epochs):
        perm = torch.randperm(n)
        for s in range(0, n, batch):
            idx = perm[s:s + batch]
            opt.zero_grad()
            loss = loss_fn(model(X[idx]).squeeze(1), y[idx])
            loss.backward()
            opt.step()
    out["fitSeconds"] = time.perf_counter() - t
    with torch.no_grad():
        out["accuracy"] = float(((model(X).squeeze(1) > 0).float() == y).float().mean())
else:
    raise SystemExit("unknown mode " + mode)

ru = resource.getrusage(resource.RUSAGE_SELF)
out["cpuSeconds"] = ru.ru_utime + ru.ru_stime
out["peakRssMiB"] = ru.ru_maxrss / 1024
out["inProcessSeconds"] = time.perf_counter() - T0
print(json.dumps(out))
