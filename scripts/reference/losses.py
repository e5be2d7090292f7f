#!/usr/bin/python3
"""Oracle values for test/89.losses.test.ts, from scikit-learn 1.2 and PyTorch 1.13 (Debian's python3-sklearn,
python3-torch; run with /usr/bin/python3). Writes test/fixtures/losses/reference.json.

Data: ../../datasets/*.csv, features standardized z = (x - mean) / std (population std over the whole file), as
test/fixtures/reference/optima.json. descent's objectives are mean(loss_i) + (l2/2)*||w||^2 (bias unpenalized); each
scikit-learn estimator is given the parameters that make its objective the same function up to a constant factor or
term (noted per case), so the minimizers are equal.
"""
import json, os, sys
import numpy as np
import sklearn, torch
from sklearn.linear_model import (LogisticRegression, Ridge, PoissonRegressor, GammaRegressor, TweedieRegressor,
                                  QuantileRegressor, SGDClassifier, SGDRegressor)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'losses', 'reference.json')


def load(name):
    a = np.loadtxt(os.path.join(ROOT, 'datasets', name + '.csv'), delimiter=',', skiprows=1)
    X, y = a[:, :-1], a[:, -1]
    return (X - X.mean(0)) / X.std(0), y


def pinball(q, y, z):
    r = y - z
    return np.mean(np.where(r >= 0, q * r, (q - 1) * r))


out = {'generator': 'scripts/reference/losses.py', 'sklearn': sklearn.__version__, 'torch': torch.__version__,
       'optima': [], 'sgd': [], 'lbfgs': None}
Xb, yb = load('breast-cancer')
Xd, yd = load('diabetes')
yd100 = yd / 100.0
n_b, n_d = len(yb), len(yd)

# Smooth objectives: exact optima.
l2 = 0.01  # LogisticRegression: C*sum(loss) + 0.5||w||^2 = (1/(n*l2)) * n * [mean + (l2/2)||w||^2]
# scikit-learn's lbfgs stops on SciPy's fixed ftol (64 eps) with |gradient| ~ 7e-7 here, i.e. coefficients ~7e-5
# from the optimum; 'newton-cholesky' (new in 1.2) converges to machine precision. Both are stored: the test
# compares with newton-cholesky and reports lbfgs's own distance from it.
m = LogisticRegression(C=1.0 / (n_b * l2), tol=1e-14, max_iter=100000, solver='newton-cholesky').fit(Xb, yb)
ml = LogisticRegression(C=1.0 / (n_b * l2), tol=1e-14, max_iter=100000, solver='lbfgs').fit(Xb, yb)
out['optima'].append({'name': 'logistic', 'dataset': 'breast-cancer', 'loss': 'log', 'l2': l2, 'estimator': 'LogisticRegression(solver="newton-cholesky")',
                      'coef': m.coef_.ravel().tolist(), 'intercept': float(m.intercept_[0]),
                      'lbfgs_coef': ml.coef_.ravel().tolist(), 'lbfgs_intercept': float(ml.intercept_[0])})
l2 = 0.1  # Ridge: ||y - Xw - b||^2 + alpha||w||^2 = 2n * [1/(2n) sum + (l2/2)||w||^2] with alpha = n*l2
m = Ridge(alpha=n_d * l2, solver='cholesky').fit(Xd, yd100)
out['optima'].append({'name': 'ridge', 'dataset': 'diabetes', 'target_scale': 0.01, 'loss': 'squaredError', 'l2': l2, 'estimator': 'Ridge',
                      'coef': m.coef_.tolist(), 'intercept': float(m.intercept_)})
for name, est, loss, extra in [
        ('poisson', PoissonRegressor, 'poisson', {}),
        ('gamma', GammaRegressor, 'gamma', {}),
        ('tweedie', TweedieRegressor, 'tweedie', {'power': 1.5, 'link': 'log'})]:
    # 1/(2n) sum(deviance) + (alpha/2)||w||^2 = mean(half deviance) + (alpha/2)||w||^2; alpha = l2
    a = 0.01
    m = est(alpha=a, tol=1e-14, max_iter=100000, solver='newton-cholesky', **extra).fit(Xd, yd100)
    out['optima'].append({'name': name, 'dataset': 'diabetes', 'target_scale': 0.01, 'loss': loss, 'l2': a, 'power': extra.get('power'),
                          'estimator': est.__name__ + '(solver="newton-cholesky", %s)' % ', '.join('%s=%r' % kv for kv in extra.items()), 'coef': m.coef_.tolist(), 'intercept': float(m.intercept_)})
m = QuantileRegressor(quantile=0.3, alpha=0, solver='highs').fit(Xd, yd100)
out['optima'].append({'name': 'quantile', 'dataset': 'diabetes', 'target_scale': 0.01, 'loss': 'quantile', 'quantile': 0.3, 'l2': 0,
                      'estimator': 'QuantileRegressor(alpha=0, solver="highs")', 'coef': m.coef_.tolist(), 'intercept': float(m.intercept_),
                      'objective': float(pinball(0.3, yd100, Xd @ m.coef_ + m.intercept_))})

# Non-smooth SGD losses: the regularized objective scikit-learn's SGD reaches (mean loss + alpha/2 ||w||^2).
def margin_loss(loss, m):
    if loss == 'hinge': return np.maximum(0, 1 - m)
    if loss == 'squared_hinge': return np.maximum(0, 1 - m) ** 2
    if loss == 'perceptron': return np.maximum(0, -m)
    if loss == 'modified_huber': return np.where(m >= 1, 0, np.where(m >= -1, (1 - m) ** 2, -4 * m))
    if loss == 'log_loss': return np.logaddexp(0, -m)
def reg_loss(loss, eps, y, z):
    r = y - z
    if loss == 'huber': return np.where(np.abs(r) <= eps, 0.5 * r * r, eps * np.abs(r) - 0.5 * eps * eps)
    if loss == 'epsilon_insensitive': return np.maximum(0, np.abs(r) - eps)
    if loss == 'squared_epsilon_insensitive': return np.maximum(0, np.abs(r) - eps) ** 2
names = {'hinge': 'hinge', 'squared_hinge': 'squaredHinge', 'perceptron': 'perceptron', 'modified_huber': 'modifiedHuber', 'log_loss': 'log',
         'huber': 'huber', 'epsilon_insensitive': 'epsilonInsensitive', 'squared_epsilon_insensitive': 'squaredEpsilonInsensitive'}
alpha = 1e-3
s = 2 * yb - 1
for loss in ['hinge', 'squared_hinge', 'modified_huber', 'perceptron', 'log_loss']:
    m = SGDClassifier(loss=loss, alpha=alpha, penalty='l2', max_iter=1000, tol=1e-3, random_state=0).fit(Xb, yb)
    z = Xb @ m.coef_.ravel() + m.intercept_[0]
    obj = float(np.mean(margin_loss(loss, s * z)) + 0.5 * alpha * np.dot(m.coef_.ravel(), m.coef_.ravel()))
    out['sgd'].append({'name': names[loss], 'dataset': 'breast-cancer', 'loss': names[loss], 'l2': alpha, 'estimator': 'SGDClassifier(loss=%r, alpha=%g, max_iter=1000, tol=1e-3, random_state=0)' % (loss, alpha),
                       'objective': obj, 'n_iter': int(m.n_iter_)})
for loss in ['huber', 'epsilon_insensitive', 'squared_epsilon_insensitive']:
    eps = 0.1
    m = SGDRegressor(loss=loss, epsilon=eps, alpha=alpha, penalty='l2', max_iter=1000, tol=1e-3, random_state=0).fit(Xd, yd100)
    z = Xd @ m.coef_ + m.intercept_[0]
    obj = float(np.mean(reg_loss(loss, eps, yd100, z)) + 0.5 * alpha * np.dot(m.coef_, m.coef_))
    out['sgd'].append({'name': names[loss], 'dataset': 'diabetes', 'target_scale': 0.01, 'loss': names[loss], 'epsilon': eps, 'l2': alpha,
                       'estimator': 'SGDRegressor(loss=%r, epsilon=0.1, alpha=%g, max_iter=1000, tol=1e-3, random_state=0)' % (loss, alpha),
                       'objective': obj, 'n_iter': int(m.n_iter_)})

# ASGD: SGDRegressor(average=…) with a constant learning rate, rows in file order, from zero weights. coef_ and
# intercept_ are the averaged weights; _standard_coef the raw ones.
out['asgd'] = []
for average in [True, 10]:
    m = SGDRegressor(loss='squared_error', penalty='l2', alpha=1e-4, learning_rate='constant', eta0=0.01, average=average,
                     shuffle=False, max_iter=3, tol=None, random_state=0)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        m.fit(Xd, yd100)
    out['asgd'].append({'dataset': 'diabetes', 'target_scale': 0.01, 'average': int(average), 'alpha': 1e-4, 'eta0': 0.01, 'epochs': 3,
                        'estimator': 'SGDRegressor(penalty="l2", alpha=1e-4, learning_rate="constant", eta0=0.01, average=%r, shuffle=False, max_iter=3, tol=None)' % average,
                        'coef': m.coef_.tolist(), 'intercept': float(m.intercept_[0]),
                        'raw_coef': m._standard_coef.tolist(), 'raw_intercept': float(m._standard_intercept[0]), 't': float(m.t_)})

# SWA (torch.optim.swa_utils): Linear(10, 1), loss 0.5*MSE (descent's squared error), full-batch SGD lr 0.05,
# 12 epochs; from 0-based epoch swa_start0 = 4 on, AveragedModel.update_parameters and SWALR(swa_lr=0.01,
# anneal_epochs=3, cos).step() after each epoch. descent's swa.start is 1-based: 5.
torch.set_default_dtype(torch.float64)
Xt_d, yt_d = torch.tensor(Xd), torch.tensor(yd100)
lin = torch.nn.Linear(Xd.shape[1], 1)
with torch.no_grad():
    w0 = [0.02 * ((j % 7) - 3) for j in range(Xd.shape[1])]
    lin.weight.copy_(torch.tensor([w0])); lin.bias.fill_(0.3)
opt = torch.optim.SGD(lin.parameters(), lr=0.05)
swa_model = torch.optim.swa_utils.AveragedModel(lin)
swa_sched = torch.optim.swa_utils.SWALR(opt, swa_lr=0.01, anneal_epochs=3, anneal_strategy='cos')
lrs = []
for epoch in range(12):
    lrs.append(opt.param_groups[0]['lr'])
    opt.zero_grad()
    loss = 0.5 * torch.nn.functional.mse_loss(lin(Xt_d).squeeze(1), yt_d)
    loss.backward(); opt.step()
    if epoch >= 4:
        swa_model.update_parameters(lin); swa_sched.step()
sw = swa_model.module
out['swa'] = {'dataset': 'diabetes', 'target_scale': 0.01, 'lr': 0.05, 'epochs': 12, 'start': 5, 'swa_lr': 0.01, 'anneal_epochs': 3, 'anneal_strategy': 'cos',
              'params0': w0 + [0.3], 'lrs': lrs, 'params': sw.weight.detach().ravel().tolist() + [float(sw.bias.detach()[0])],
              'raw_params': lin.weight.detach().ravel().tolist() + [float(lin.bias.detach()[0])]}

# torch.optim.LBFGS iterates (float64, strong Wolfe): mean BCE-with-logits + (l2/2)||w||^2 on breast cancer.
torch.set_default_dtype(torch.float64)
Xt, yt = torch.tensor(Xb), torch.tensor(yb)
d = Xt.shape[1]
p0 = [0.01 * ((j % 5) - 2) for j in range(d)] + [0.1]
p = torch.tensor(p0, requires_grad=True)
l2 = 0.01
opt = torch.optim.LBFGS([p], lr=1, max_iter=1, history_size=10, line_search_fn='strong_wolfe', tolerance_grad=0, tolerance_change=1e-9)
def closure():
    opt.zero_grad()
    z = Xt @ p[:d] + p[d]
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, yt) + 0.5 * l2 * (p[:d] ** 2).sum()
    loss.backward()
    return loss
params = []
for t in range(10):
    opt.step(closure)
    params.append(p.detach().tolist())
out['lbfgs'] = {'dataset': 'breast-cancer', 'loss': 'sigmoidCrossEntropy', 'l2': l2, 'history_size': 10, 'params0': p0, 'params': params,
                'note': 'LBFGS(lr=1, max_iter=1, history_size=10, line_search_fn="strong_wolfe", tolerance_grad=0), step() called 10 times: its state carries over, so params[t] is iterate t+1 of one run; params are [w (30), b]'}
with open(OUT, 'w') as f:
    json.dump(out, f, indent=1)
print('wrote', OUT)
