// One full-batch solver run for bench/solvers.ts in a process of its own (wall time, CPU and peak RSS are the
// pipeline's: Node start-up, loading descent, reading the CSV, fitting). Prints one JSON line.
//   node bench/solvers-child.js logistic|poisson FILE --l2 X --tol X
'use strict';
const d = require('../dist');

const [mode, file, ...rest] = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 ? Number(rest[i + 1]) : fallback;
};
const l2 = arg('l2', 1e-4), tol = arg('tol', 1e-8);
const secs = (a, b) => Number(b - a) / 1e9;

(async () => {
  const t = process.hrtime.bigint();
  const data = await d.loadCsv(file, { dtype: 'float64' });
  const t1 = process.hrtime.bigint();
  const m = mode === 'logistic'
    ? new d.LogisticRegression({ dtype: 'float64', regularization: { l2 } })
    : new d.LinearRegressor({ dtype: 'float64', loss: 'poisson', regularization: { l2 } });
  // Event-loop lag while fitting: a 1 ms timer records how late each firing is.
  const late = [];
  let due = performance.now() + 1, on = true;
  const tick = () => {
    const now = performance.now();
    late.push(Math.max(0, now - due));
    due = now + 1;
    if (on) setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
  const h = await m.fit(data.X, data.y, { optimizer: d.lbfgs({ maxIter: 1000, tol }) });
  on = false;
  late.sort((a, b) => a - b);
  const t2 = process.hrtime.bigint();
  const ru = process.resourceUsage();
  console.log(JSON.stringify({
    mode, loadSeconds: secs(t, t1), fitSeconds: secs(t1, t2), iterations: h.lbfgs.iterations, evaluations: h.lbfgs.evaluations,
    objective: h.loss.at(-1), reason: h.lbfgs.reason, cpuSeconds: (ru.userCPUTime + ru.systemCPUTime) / 1e6, peakRssMiB: ru.maxRSS / 1024,
    lagP99Ms: late[Math.min(late.length - 1, Math.floor(late.length * 0.99))] ?? 0,
  }));
})();
