// One end-to-end descent run for bench/e2e.ts, in a process of its own so its wall time, CPU time and peak RSS
// are the pipeline's alone (Node start-up and loading descent included, as a user waits for them). Prints one
// JSON line.
//   node bench/e2e-child.js memory|stream|load|setup FILE [--threads N] [--epochs 5] [--batch 256]
'use strict';
const t0 = process.hrtime.bigint();
const d = require('../dist');

const [mode, file, ...rest] = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 ? Number(rest[i + 1]) : fallback;
};
const threads = arg('threads', 0);
if (threads) d.setNumThreads(threads);
const epochs = arg('epochs', 5), batchSize = arg('batch', 256);
const secs = (a, b) => Number(b - a) / 1e9;
const options = () => ({ epochs, batchSize, optimizer: d.adam({ learningRate: 1e-3 }), seed: 1 });

/**
 * Event-loop lag while `f` runs: a 1 ms timer re-arms itself and records how late each firing is; the time from
 * the last firing to the end counts too (a synchronous stretch that ends the call would otherwise go unseen).
 * Returns p99 and max lateness in ms.
 */
async function lag(f) {
  const late = [];
  let due = performance.now() + 1, on = true, timer;
  const tick = () => {
    const t = performance.now();
    late.push(Math.max(0, t - due));
    due = t + 1;
    if (on) timer = setTimeout(tick, 1);
  };
  timer = setTimeout(tick, 1);
  const value = await f();
  on = false;
  clearTimeout(timer);
  late.push(Math.max(0, performance.now() - due));
  late.sort((a, b) => a - b);
  return { value, p99: late[Math.min(late.length - 1, Math.floor(late.length * 0.99))], max: late[late.length - 1] };
}

(async () => {
  const out = { mode };
  if (mode === 'load') {
    const t = process.hrtime.bigint();
    const r = await lag(() => d.loadCsv(file));
    out.loadSeconds = secs(t, process.hrtime.bigint());
    out.rows = r.value.X.rows;
    out.lagP99Ms = r.p99;
    out.lagMaxMs = r.max;
  } else if (mode === 'memory') {
    const t = process.hrtime.bigint();
    const data = await d.loadCsv(file);
    const t1 = process.hrtime.bigint();
    const m = new d.LogisticRegression();
    const h = await m.fit(data.X, data.y, options());
    out.loadSeconds = secs(t, t1);
    out.fitSeconds = secs(t1, process.hrtime.bigint());
    out.loss = h.loss.at(-1);
    out.accuracy = m.evaluate(data.X, data.y).accuracy;
  } else if (mode === 'stream') {
    const t = process.hrtime.bigint();
    const m = new d.LogisticRegression();
    const h = await m.fit(file, options());
    out.fitSeconds = secs(t, process.hrtime.bigint());
    out.loss = h.loss.at(-1);
    out.waitFraction = h.throughput.map((x) => x.waitFraction);
  } else if (mode === 'setup') {
    // fit setup on a plain Float32Array (JS memory): validation, the finiteness scan and the trainer, without
    // training (epochs: 0), against one memcpy of X into fresh memory (what a copy would cost) and a warm one.
    const data = await d.loadCsv(file);
    const X = new Float32Array(data.X.data);
    const M = { data: X, rows: data.X.rows, cols: data.X.cols };
    const reps = 7;
    const setup = [], fresh = [], warm = [], lagP99 = [];
    const dst = new Float32Array(X.length);
    for (let i = 0; i < reps; i++) {
      const m = new d.LogisticRegression();
      const t = process.hrtime.bigint();
      const r = await lag(() => m.fit(M, data.y, { ...options(), epochs: 0 }));
      setup.push(secs(t, process.hrtime.bigint()));
      lagP99.push(r.p99);
      // The first chunk too: setData and one 4 MiB stage gathered, as training starts.
      m.dispose();
      let t2 = process.hrtime.bigint();
      X.slice();
      fresh.push(secs(t2, process.hrtime.bigint()));
      t2 = process.hrtime.bigint();
      dst.set(X);
      warm.push(secs(t2, process.hrtime.bigint()));
    }
    const med = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
    out.setupSeconds = med(setup);
    out.memcpyFreshSeconds = med(fresh);
    out.memcpyWarmSeconds = med(warm);
    out.setupLagP99Ms = med(lagP99);
    out.setupLagColdMs = lagP99[0]; // the first fit of the process: its code not yet compiled
    out.setupColdSeconds = setup[0];
    // Event-loop lag over a whole fit (training runs on worker threads; the JS thread gathers staged rows).
    const m = new d.LogisticRegression();
    const r = await lag(() => m.fit(M, data.y, options()));
    out.fitLagP99Ms = r.p99;
    out.fitLagMaxMs = r.max;
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  const u = process.resourceUsage();
  out.cpuSeconds = (u.userCPUTime + u.systemCPUTime) / 1e6;
  out.peakRssMiB = u.maxRSS / 1024;
  out.inProcessSeconds = secs(t0, process.hrtime.bigint());
  console.log(JSON.stringify(out));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
