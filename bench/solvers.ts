/**
 * `npm run bench -- --solvers`: full-batch L-BFGS end to end — the W6 CSV (200,000 × 64 + a 0/1 label) on disk to
 * a fitted model — descent (`loadCsv` + `fit({ optimizer: lbfgs() })`) against pandas + scikit-learn
 * (`LogisticRegression(solver='lbfgs')`, `PoissonRegressor(solver='lbfgs')`) and pandas + `torch.optim.LBFGS`
 * (strong Wolfe), float64, L2 = 1e-4, each process a run of its own; the tables give medians and the objective each
 * reached (descent's convention: mean loss + (l2/2)·‖w‖²), so speed is compared at equal quality.
 *
 *   npm run bench -- --solvers [--rounds 3] [--quick]      → bench/results/solvers{,-quick}.{json,md}
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { machine, mdTable, writeResults } from './common';
import { run, w6File, type Run } from './e2e';
import { PYTHON, log, median, pythonHas } from './util';

const ROOT = path.join(__dirname, '..');

export async function runSolvers(argv: string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const ri = argv.indexOf('--rounds');
  const rounds = ri >= 0 ? Number(argv[ri + 1]) : quick ? 1 : 3;
  const rows = quick ? 20_000 : 200_000;
  if (!fs.existsSync(path.join(ROOT, 'dist', 'index.js'))) throw new Error('build dist/ first: npm run build:ts');
  const file = w6File(rows);
  const l2 = '1e-4', tol = '1e-8';
  const child = path.join(__dirname, 'solvers-child.js');
  const py = path.join(__dirname, 'peers', 'solvers.py');
  const common = ['--l2', l2, '--tol', tol];
  const runners = [
    { id: 'descent-logistic', task: 'logistic', label: 'descent: loadCsv + LogisticRegression lbfgs', cmd: process.execPath, args: [child, 'logistic', file, ...common] },
    { id: 'descent-poisson', task: 'poisson', label: "descent: loadCsv + LinearRegressor({ loss: 'poisson' }) lbfgs", cmd: process.execPath, args: [child, 'poisson', file, ...common] },
  ];
  if (pythonHas('pandas') && pythonHas('sklearn')) {
    runners.push({ id: 'sklearn-logistic', task: 'logistic', label: "pandas + scikit-learn LogisticRegression(solver='lbfgs')", cmd: PYTHON, args: [py, 'sklearn-logistic', file, ...common] });
    runners.push({ id: 'sklearn-poisson', task: 'poisson', label: "pandas + scikit-learn PoissonRegressor(solver='lbfgs')", cmd: PYTHON, args: [py, 'sklearn-poisson', file, ...common] });
  }
  if (pythonHas('pandas') && pythonHas('torch')) runners.push({ id: 'torch-logistic', task: 'logistic', label: 'pandas + torch.optim.LBFGS (strong Wolfe)', cmd: PYTHON, args: [py, 'torch-logistic', file, ...common] });
  const results = new Map<string, Run[]>(runners.map((r) => [r.id, []]));
  log(`solvers: ${rows} rows, ${rounds} round(s) of ${runners.length} runners`);
  run(process.execPath, [child, 'logistic', file, '--tol', '1']); // warm the page cache
  for (let round = 1; round <= rounds; round++)
    for (const r of runners) {
      const res = run(r.cmd, r.args);
      results.get(r.id)!.push(res);
      log(`round ${round} ${r.id}: ${res.wall.toFixed(2)} s wall ${JSON.stringify(res.json)}`);
    }
  const med = (id: string, f: (r: Run) => number) => median(results.get(id)!.map(f));
  const num = (r: Run, k: string) => Number(r.json[k] ?? NaN);
  const wall = (id: string) => med(id, (r) => r.wall);
  const fit = (id: string) => med(id, (r) => num(r, 'fitSeconds'));
  const peer = (task: string) => (results.has(`sklearn-${task}`) ? `sklearn-${task}` : undefined);
  const table = runners.map((r) => {
    const p = peer(r.task);
    return [
      r.label, wall(r.id).toFixed(2), med(r.id, (x) => num(x, 'loadSeconds')).toFixed(2), fit(r.id).toFixed(3),
      med(r.id, (x) => num(x, 'iterations')).toFixed(0), med(r.id, (x) => num(x, 'objective')).toPrecision(10),
      med(r.id, (x) => num(x, 'peakRssMiB')).toFixed(0),
      p && r.id.startsWith('descent') ? `${(wall(p) / wall(r.id)).toFixed(2)}× / ${(fit(p) / fit(r.id)).toFixed(2)}×` : '-',
      r.id === 'descent-logistic' && results.has('torch-logistic') ? `${(wall('torch-logistic') / wall(r.id)).toFixed(2)}× / ${(fit('torch-logistic') / fit(r.id)).toFixed(2)}×` : '-',
      r.id.startsWith('descent') ? med(r.id, (x) => num(x, 'lagP99Ms')).toFixed(1) : '-',
    ];
  });
  const goals: Record<string, unknown> = Object.fromEntries(['logistic', 'poisson'].filter((t) => peer(t)).map((t) => [t, { wallVsSklearn: wall(`sklearn-${t}`) / wall(`descent-${t}`), fitVsSklearn: fit(`sklearn-${t}`) / fit(`descent-${t}`) }]));
  if (results.has('torch-logistic')) goals.logisticVsTorch = { wall: wall('torch-logistic') / wall('descent-logistic'), fit: fit('torch-logistic') / fit('descent-logistic') };
  const md = [
    `# Full-batch L-BFGS, end to end${quick ? ' (quick: 20,000 rows)' : ''}`,
    '',
    `${rows.toLocaleString('en-US')} rows × 64 features + a 0/1 label (the W6 CSV) → L2-regularized (λ = ${l2}) logistic and Poisson regression by L-BFGS, float64; ` +
      `gradient tolerance ${tol} in descent's scale (scikit-learn's tol is rescaled to the same stopping point). Medians of ${rounds} round(s); each run a separate process (start-up included). ` +
      `${os.cpus().length} cores, ${os.cpus()[0]?.model}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    '',
    mdTable(['pipeline', 'wall s', 'load s', 'fit s', 'iterations', 'objective reached', 'peak RSS MiB', 'vs scikit-learn: wall / fit', 'vs PyTorch: wall / fit', 'event-loop lag p99 ms'], table),
  ].join('\n');
  const name = quick ? 'solvers-quick' : 'solvers';
  writeResults(name, { machine: machine(), rows, rounds, goals, runs: Object.fromEntries(results) }, md);
  console.log(md);
  log(`wrote bench/results/${name}.{json,md}`);
}
