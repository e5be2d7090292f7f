/**
 * `npm run bench -- --e2e`: W6 end to end — a CSV on disk to a trained model — descent (in memory and streamed)
 * against pandas + scikit-learn and pandas + PyTorch (`/usr/bin/python3`), and `loadCsv` MB/s (1 and 2 threads)
 * against numpy.loadtxt and pandas.read_csv. Every run is a process of its own (wall, CPU and peak RSS are the
 * whole pipeline's, start-up included); the runners take turns, round after round, and the tables give medians.
 *
 * W6: 200,000 rows × 64 float features with 6 decimals + an integer label, a header row (122 MB); logistic
 * regression, Adam (learning rate 1e-3), batch 256, 5 epochs. scikit-learn's SGDClassifier has neither Adam nor
 * mini-batches: it runs its own per-sample SGD for 5 epochs (the closest it offers).
 *
 *   npm run bench -- --e2e [--rounds 3] [--quick]      → bench/results/e2e{,-quick}.{json,md}, docs/benchmarks.md
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng } from '../lib/rng';
import { machine, mdTable, writeResults } from './common';
import { PYTHON, log, median, pythonHas } from './util';

const ROOT = path.join(__dirname, '..');

/** Writes W6 (or a smaller file of the same shape) once per machine, into the temp directory, and reuses it. */
export function w6File(rows: number): string {
  const file = path.join(os.tmpdir(), `descent-w6-${rows}-v1.csv`);
  if (fs.existsSync(file) && fs.statSync(file).size > 0) return file;
  log(`writing ${file}`);
  const rng = new Rng(6);
  const d = 64;
  const w = Array.from({ length: d }, (_, j) => Math.sin(3 * j + 1) / 4);
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  fs.writeSync(fd, [...Array.from({ length: d }, (_, j) => `f${j}`), 'label'].join(',') + '\n');
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
  for (let s = 0; s < rows; s += 5000) {
    const lines: string[] = [];
    for (let i = s; i < Math.min(rows, s + 5000); i++) {
      let z = 0;
      const cells: string[] = [];
      for (let j = 0; j < d; j++) {
        const x = normal();
        z += w[j]! * x;
        cells.push(x.toFixed(6));
      }
      cells.push(rng.uniform() < 1 / (1 + Math.exp(-z)) ? '1' : '0');
      lines.push(cells.join(','));
    }
    fs.writeSync(fd, lines.join('\n') + '\n');
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  return file;
}

export interface Run {
  wall: number;
  json: Record<string, unknown>;
}

/** Runs one benchmark process; its last stdout line is its JSON result. */
export function run(cmd: string, args: string[]): Run {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24, env: { ...process.env } });
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`);
  const line = r.stdout.trim().split('\n').at(-1)!;
  return { wall, json: JSON.parse(line) as Record<string, unknown> };
}

interface Runner {
  id: string;
  label: string;
  cmd: string;
  args: string[];
}

export async function runE2e(argv: string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const ri = argv.indexOf('--rounds');
  const rounds = ri >= 0 ? Number(argv[ri + 1]) : quick ? 1 : 3;
  const rows = quick ? 20_000 : 200_000;
  if (!fs.existsSync(path.join(ROOT, 'dist', 'index.js'))) throw new Error('build dist/ first: npm run build:ts');
  const file = w6File(rows);
  const mb = fs.statSync(file).size / 1e6;
  const child = path.join(__dirname, 'e2e-child.js');
  const py = path.join(__dirname, 'peers', 'e2e.py');
  const hasPandas = pythonHas('pandas');
  const runners: Runner[] = [
    { id: 'descent-memory', label: 'descent: loadCsv + fit', cmd: process.execPath, args: [child, 'memory', file] },
    { id: 'descent-stream', label: 'descent: fit(path), streamed', cmd: process.execPath, args: [child, 'stream', file] },
  ];
  if (hasPandas && pythonHas('sklearn')) runners.push({ id: 'sklearn', label: 'pandas + scikit-learn SGDClassifier', cmd: PYTHON, args: [py, 'sklearn', file] });
  if (hasPandas && pythonHas('torch')) runners.push({ id: 'torch', label: 'pandas + PyTorch (Adam, batch 256)', cmd: PYTHON, args: [py, 'torch', file] });
  const loaders: Runner[] = [
    { id: 'load-1t', label: 'descent loadCsv, 1 thread', cmd: process.execPath, args: [child, 'load', file, '--threads', '1'] },
    { id: 'load-2t', label: 'descent loadCsv, 2 threads', cmd: process.execPath, args: [child, 'load', file, '--threads', '2'] },
  ];
  if (pythonHas('numpy')) loaders.push({ id: 'loadtxt', label: 'numpy.loadtxt', cmd: PYTHON, args: [py, 'loadtxt', file] });
  if (hasPandas) loaders.push({ id: 'pandas', label: 'pandas.read_csv', cmd: PYTHON, args: [py, 'pandas', file] });
  const all = [...runners, ...loaders, { id: 'setup', label: 'fit setup', cmd: process.execPath, args: [child, 'setup', file] }];
  const results = new Map<string, Run[]>(all.map((r) => [r.id, []]));
  log(`W6 end to end: ${rows} rows, ${mb.toFixed(1)} MB, ${rounds} round(s) of ${all.length} runners`);
  run(process.execPath, [child, 'load', file]); // warm the page cache, so every runner reads from memory
  for (let round = 1; round <= rounds; round++) {
    for (const r of all) {
      const res = run(r.cmd, r.args);
      results.get(r.id)!.push(res);
      log(`round ${round} ${r.id}: ${res.wall.toFixed(2)} s wall ${JSON.stringify(res.json)}`);
    }
  }
  const med = (id: string, f: (r: Run) => number) => median(results.get(id)!.map(f));
  const num = (r: Run, k: string) => Number(r.json[k] ?? NaN);
  const wall = (id: string) => med(id, (r) => r.wall);
  const rowsE2e = runners.map((r) => [
    r.label,
    wall(r.id).toFixed(2),
    med(r.id, (x) => num(x, 'cpuSeconds')).toFixed(2),
    med(r.id, (x) => num(x, 'peakRssMiB')).toFixed(0),
    med(r.id, (x) => num(x, 'loadSeconds')).toFixed(2).replace('NaN', '-'),
    med(r.id, (x) => num(x, 'fitSeconds')).toFixed(2),
    results.has('sklearn') && r.id !== 'sklearn' ? `${(wall('sklearn') / wall(r.id)).toFixed(2)}×` : '-',
    results.has('torch') && r.id !== 'torch' ? `${(wall('torch') / wall(r.id)).toFixed(2)}×` : '-',
  ]);
  const mbps = (id: string) => mb / med(id, (x) => num(x, 'loadSeconds'));
  const loadtxt = results.has('loadtxt') ? mbps('loadtxt') : NaN;
  const rowsLoad = loaders.map((r) => [
    r.label,
    med(r.id, (x) => num(x, 'loadSeconds')).toFixed(3),
    mbps(r.id).toFixed(0),
    Number.isFinite(loadtxt) ? `${(mbps(r.id) / loadtxt).toFixed(2)}×` : '-',
    med(r.id, (x) => num(x, 'peakRssMiB')).toFixed(0),
    r.id.startsWith('load-') ? med(r.id, (x) => num(x, 'lagP99Ms')).toFixed(1) : '-',
  ]);
  const s = (k: string) => med('setup', (x) => num(x, k));
  const rounded = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '-');
  const goals = {
    memoryVsSklearn: results.has('sklearn') ? wall('sklearn') / wall('descent-memory') : null,
    memoryPeakRssMiB: med('descent-memory', (x) => num(x, 'peakRssMiB')),
    streamVsSklearn: results.has('sklearn') ? wall('sklearn') / wall('descent-stream') : null,
    streamPeakRssMiB: med('descent-stream', (x) => num(x, 'peakRssMiB')),
    load1tVsLoadtxt: mbps('load-1t') / loadtxt,
    load2tVsLoadtxt: mbps('load-2t') / loadtxt,
    setupSeconds: s('setupSeconds'),
    memcpyFreshSeconds: s('memcpyFreshSeconds'),
    memcpyWarmSeconds: s('memcpyWarmSeconds'),
    loadLagP99Ms: Math.max(med('load-1t', (x) => num(x, 'lagP99Ms')), med('load-2t', (x) => num(x, 'lagP99Ms'))),
    setupLagP99Ms: s('setupLagP99Ms'),
    setupLagColdMs: s('setupLagColdMs'),
    setupColdSeconds: s('setupColdSeconds'),
    fitLagP99Ms: s('fitLagP99Ms'),
  };
  const md = [
    `# W6 end to end${quick ? ' (quick: 20,000 rows)' : ''}`,
    '',
    `${rows.toLocaleString('en-US')} rows × 64 features + label, ${mb.toFixed(1)} MB CSV → logistic regression, 5 epochs (descent and PyTorch: Adam 1e-3, batch 256). ` +
      `Medians of ${rounds} round(s); each run a separate process (start-up included); the file is in the page cache. ${os.cpus().length} cores, ${os.cpus()[0]?.model}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    '',
    mdTable(['pipeline', 'wall s', 'CPU s', 'peak RSS MiB', 'load s', 'fit s', 'vs scikit-learn', 'vs PyTorch'], rowsE2e),
    '## Reading the CSV',
    '',
    mdTable(['reader', 's', 'MB/s', 'vs numpy.loadtxt', 'peak RSS MiB', 'event-loop lag p99 ms'], rowsLoad),
    '## fit setup on a Float32Array in JS memory',
    '',
    mdTable(['fit(X, y, { epochs: 0 })', 'first in the process (cold)', 'memcpy of X (fresh pages)', 'memcpy of X (warm)', 'lag during setup (cold)', 'lag p99 during a whole fit'], [[
      `${rounded(s('setupSeconds') * 1e3)} ms`, `${rounded(s('setupColdSeconds') * 1e3)} ms`, `${rounded(s('memcpyFreshSeconds') * 1e3)} ms`, `${rounded(s('memcpyWarmSeconds') * 1e3)} ms`,
      `${rounded(s('setupLagP99Ms'))} ms (${rounded(s('setupLagColdMs'))} ms)`, `${rounded(s('fitLagP99Ms'))} ms`,
    ]]),
  ].join('\n');
  const name = quick ? 'e2e-quick' : 'e2e';
  writeResults(name, { machine: machine(), rows, megabytes: mb, rounds, goals, runs: Object.fromEntries(results) }, md);
  console.log(md);
  if (!quick) updateDocs(md);
  log(`wrote bench/results/${name}.{json,md}`);
}

const DOCS = path.join(ROOT, 'docs', 'benchmarks.md');
const BEGIN = '<!-- bench:e2e:begin (written by npm run bench -- --e2e) -->';
const END = '<!-- bench:e2e:end -->';

function updateDocs(md: string): void {
  if (!fs.existsSync(DOCS)) return;
  let doc = fs.readFileSync(DOCS, 'utf8');
  const body = md.split('\n').slice(1).join('\n').replace(/^(#+) /gm, '$1# ').trim();
  const a = doc.indexOf(BEGIN), b = doc.indexOf(END);
  if (a < 0 || b < a) doc += `\n## W6 end to end (CSV file → trained model)\n\n${BEGIN}\n${END}\n`;
  const a2 = doc.indexOf(BEGIN), b2 = doc.indexOf(END);
  fs.writeFileSync(DOCS, `${doc.slice(0, a2 + BEGIN.length)}\n\n${body}\n\n${doc.slice(b2)}`);
  log('updated docs/benchmarks.md');
}
