"""Text-classification peer for bench/text.ts: the JSONL corpus on disk to a scored model with scikit-learn's
HashingVectorizer (2^20 features, alternate_sign, l2 norm: descent's hashFeatures defaults) and SGDClassifier
(log loss, L2 alpha, per-sample SGD, a fixed number of epochs). One process per run; prints one JSON line.

  /usr/bin/python3 bench/peers/text.py FILE --train N --epochs E --alpha A
"""
import json
import resource
import sys
import time

path = sys.argv[1]
args = dict(zip(sys.argv[2::2], sys.argv[3::2]))
t0 = time.perf_counter()
with open(path, encoding="utf-8") as f:
    docs = [json.loads(line) for line in f if line.strip()]
n_train = int(args.get("--train", int(len(docs) * 0.8)))
train, test = docs[:n_train], docs[n_train:]
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier

t1 = time.perf_counter()
hv = HashingVectorizer(n_features=2 ** 20)
Xtr = hv.transform([d["text"] for d in train])
t2 = time.perf_counter()
m = SGDClassifier(loss="log_loss", alpha=float(args.get("--alpha", 1e-5)), max_iter=int(args.get("--epochs", 5)), tol=None, random_state=0)
m.fit(Xtr, [d["label"] for d in train])
t3 = time.perf_counter()
Xte = hv.transform([d["text"] for d in test])
acc = float(m.score(Xte, [d["label"] for d in test]))
t4 = time.perf_counter()
nbytes = sum(len(d["text"].encode("utf-8")) for d in train)
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({
    "readSeconds": t1 - t0, "hashSeconds": t2 - t1, "fitSeconds": t3 - t2, "scoreSeconds": t4 - t3, "totalSeconds": t4 - t0,
    "hashMBps": nbytes / 1e6 / (t2 - t1), "nnz": int(Xtr.nnz), "accuracy": acc, "cpuSeconds": ru.ru_utime + ru.ru_stime,
    "peakRssMiB": ru.ru_maxrss / 1024,
}))
