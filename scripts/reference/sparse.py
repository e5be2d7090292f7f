"""Oracle for test/99 (issue 22): descent's lazy Adam on CSR rows against torch.optim.SparseAdam.

A logistic regression over 12 sparse features: torch.nn.EmbeddingBag(mode='sum', sparse=True) with
per_sample_weights computes the CSR rows times W^T, so W's gradient is sparse (the touched rows) and SparseAdam
updates only those; the bias is dense and takes torch.optim.Adam with the same hyperparameters. eps is 1e-16 so
SparseAdam's eps placement (sqrt(v) + eps, then the bias corrections) and Adam's (sqrt(v / bc2) + eps) agree far
below the test's tolerance. float64, rows in order, batches of 4, 6 steps.

Run with Debian's /usr/bin/python3 (PyTorch 1.13): /usr/bin/python3 scripts/reference/sparse.py
"""
import json, math, os
import torch

torch.set_default_dtype(torch.float64)
n, d = 24, 12
# Rows with 1-3 non-zeros, indices unsorted, one duplicate (adds up), some features never present.
indptr, indices, values = [0], [], []
for i in range(n):
    k = 1 + (i * 7) % 3
    cols = [((i * 5 + 3 * t * t + t) % 9) for t in range(k)]
    if i == 5:
        cols = [4, 2, 4]
    for t, c in enumerate(cols):
        indices.append(c)
        values.append(round(math.sin(i * 1.3 + t) * 1.5, 6))
    indptr.append(len(indices))
y = [float((i * 3) % 5 < 2) for i in range(n)]
W0 = [round(0.1 * math.cos(j * 0.7), 6) for j in range(d)]
b0 = 0.05
lr, betas, eps = 0.05, (0.9, 0.999), 1e-16

bag = torch.nn.EmbeddingBag(d, 1, mode='sum', sparse=True)
with torch.no_grad():
    bag.weight.copy_(torch.tensor(W0).reshape(d, 1))
bias = torch.nn.Parameter(torch.tensor([b0]))
opt_w = torch.optim.SparseAdam([bag.weight], lr=lr, betas=betas, eps=eps)
opt_b = torch.optim.Adam([bias], lr=lr, betas=betas, eps=eps)
B = 4
traj = []
for s in range(6):
    rows = range(s * B, (s + 1) * B)
    ix = torch.tensor([indices[k] for i in rows for k in range(indptr[i], indptr[i + 1])])
    off = torch.tensor([indptr[i] - indptr[rows[0]] for i in rows])
    pw = torch.tensor([values[k] for i in rows for k in range(indptr[i], indptr[i + 1])])
    z = bag(ix, off, per_sample_weights=pw).reshape(-1) + bias
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, torch.tensor([y[i] for i in rows]))
    opt_w.zero_grad(); opt_b.zero_grad()
    loss.backward()
    opt_w.step(); opt_b.step()
    traj.append({'loss': loss.item(), 'W': bag.weight.detach().reshape(-1).tolist(), 'b': bias.item()})

out = {'source': 'scripts/reference/sparse.py, torch ' + torch.__version__, 'n': n, 'd': d, 'indptr': indptr, 'indices': indices,
       'values': values, 'y': y, 'W0': W0, 'b0': b0, 'lr': lr, 'betas': betas, 'eps': eps, 'batchSize': B, 'trajectory': traj}
path = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'sparse', 'lazy-adam.json')
with open(path, 'w') as f:
    json.dump(out, f, indent=1)
print('wrote', path)
