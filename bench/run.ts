/**
 * bench/run.ts: descent against its peers on five workloads (bench/workloads.ts), all runners in one run.
 *
 *   npx tsx bench/run.ts            full sizes → bench/results/latest.{json,md,svg}   (several minutes)
 *   npx tsx bench/run.ts --quick    small sizes → bench/results/quick.{json,md,svg}    (< 60 s on 2 cores)
 *
 * Runners: descent native (setNumThreads 1 and 2), descent pure JS, TensorFlow.js cpu and wasm (when
 * @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm are installed), PyTorch 1 and 2 threads through
 * bench/peers/torch_bench.py (when `/usr/bin/python3 -c "import torch"` works), and the W3 GEMM speed of light
 * through bench/peers/gemm_bound.py (numpy, plus torch.mm when available).
 * `--e2e` runs the end-to-end benchmark instead (bench/e2e.ts: a CSV file to a trained model, against pandas +
 * scikit-learn / PyTorch, and loadCsv against numpy.loadtxt / pandas); `--solvers` full-batch L-BFGS (bench/solvers.ts);
 * `--text` text classification on the SpamAssassin corpus against scikit-learn, and a sparse step's cost (bench/text.ts).
 * Options for development: --runners=descent-native,descent-js,tfjs-cpu,tfjs-wasm,torch,gemm and
 * --workloads=w1,w3 run a subset and write bench/results/partial.* instead; --render=bench/results/latest.json
 * only rewrites the .md and .svg next to that file from its numbers.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { machine, RESULTS } from './common';
import { runDescent } from './runners/descent';
import { runE2e } from './e2e';
import { runSolvers } from './solvers';
import { runText } from './text';
import { loadTfjs, runTfjs } from './peers/tfjs';
import { BenchResults, chartSvg, keyRatios, markdown } from './report';
import type { GemmBound, RunnerResult } from './types';
import { config, fashionData, linearData, logisticData, WorkloadId } from './workloads';
import { PYTHON, log, makeTempDir, median, now, pythonHas, runPython, since, writeF32 } from './util';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const opt = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3).split(',');
const onlyRunners = opt('runners');
const onlyWorkloads = opt('workloads') as WorkloadId[] | undefined;
const wants = (r: string) => !onlyRunners || onlyRunners.includes(r);
const has = (w: WorkloadId) => !onlyWorkloads || onlyWorkloads.includes(w);

function torchResult(raw: any, threads: number): RunnerResult {
  const r: RunnerResult = { id: `torch-${threads}t`, label: `PyTorch, ${threads} thread${threads > 1 ? 's' : ''}`, threads, errors: {} };
  for (const w of ['w1', 'w2', 'w3', 'w4', 'w5'] as const) {
    const x = raw[w];
    if (!x) continue;
    if (x.error) {
      r.errors[w] = x.error;
      continue;
    }
    if (w === 'w1' || w === 'w2') r[w] = { secPerEpoch: median(x.epochSeconds), epochSeconds: x.epochSeconds, epochsRun: x.epochsRun, quality: x.quality };
    if (w === 'w3') r.w3 = { samplesPerSec: x.samplesPerEpoch / median(x.epochSeconds), samplesTimed: x.samplesPerEpoch, epochsRun: x.epochsRun, epochSeconds: x.epochSeconds, testAccuracy: x.testAccuracy, prefixOnly: false };
    if (w === 'w4') {
      const ms = median(x.stepSeconds) * 1e3;
      r.w4 = { msPerStep: ms, gbPerSec: (28 * cfg.w4.params) / (ms * 1e6), steps: x.stepSeconds.length };
    }
    if (w === 'w5') r.w5 = { usPerStep: median(x.stepSeconds) * 1e6, steps: x.steps, runs: x.stepSeconds.map((s: number) => s * 1e6) };
  }
  return r;
}

function gemmResult(raw: any, threads: number): GemmBound {
  const np: { gemm: string; m: number; n: number; k: number; seconds: number }[] = raw.numpyGemms ?? [];
  const th: typeof np | undefined = raw.torchGemms;
  const sum = (g: typeof np | undefined) => (g && g.length ? g.reduce((s, x) => s + x.seconds, 0) : null);
  const numpySeconds = sum(np), torchSeconds = sum(th);
  const bestSeconds = np.reduce((s, g, i) => s + Math.min(g.seconds, th?.[i]?.seconds ?? Infinity), 0);
  return {
    threads,
    numpySeconds,
    torchSeconds,
    bestSeconds,
    samplesPerSecBound: raw.batch / bestSeconds,
    gemms: np.map((g, i) => ({ gemm: g.gemm, m: g.m, n: g.n, k: g.k, numpy: g.seconds, torch: th?.[i]?.seconds })),
  };
}

const cfg = config(quick);

async function writeReport(res: BenchResults, base: string): Promise<string> {
  res.keyRatios = keyRatios(res);
  const md = markdown(res);
  fs.mkdirSync(path.dirname(base), { recursive: true });
  fs.writeFileSync(`${base}.json`, JSON.stringify(res, null, 2) + '\n');
  fs.writeFileSync(`${base}.md`, md);
  try {
    fs.writeFileSync(`${base}.svg`, chartSvg(res));
  } catch (e) {
    log(`chart failed: ${(e as Error).message}`);
  }
  return md;
}

/** The checked-out commit and whether library sources differ from it (read-only git queries; null outside a clone). */
function sourceVersion(): { commit: string; libraryDirty: boolean } | null {
  try {
    const root = path.join(__dirname, '..');
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'lib', 'native', 'binding.gyp'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return { commit, libraryDirty: dirty.length > 0 };
  } catch {
    return null;
  }
}

const DOCS = path.join(__dirname, '..', 'docs', 'benchmarks.md');
const BEGIN = '<!-- bench:latest:begin (written by bench/run.ts) -->';
const END = '<!-- bench:latest:end -->';

/** Puts the latest tables (headings moved one level down, without the title) between the markers of docs/benchmarks.md. */
function updateDocs(md: string): void {
  if (!fs.existsSync(DOCS)) return;
  const doc = fs.readFileSync(DOCS, 'utf8');
  const a = doc.indexOf(BEGIN), b = doc.indexOf(END);
  if (a < 0 || b < a) return;
  const body = md.split('\n').slice(1).join('\n').replace(/^(#+) /gm, '$1# ').trim();
  fs.writeFileSync(DOCS, `${doc.slice(0, a + BEGIN.length)}\n\n${body}\n\n${doc.slice(b)}`);
  log('updated docs/benchmarks.md');
}

async function main(): Promise<void> {
  if (argv.includes('--e2e')) return runE2e(argv);
  if (argv.includes('--solvers')) return runSolvers(argv);
  if (argv.includes('--text')) return runText(argv);
  const render = opt('render')?.[0];
  if (render) {
    const res = JSON.parse(fs.readFileSync(render, 'utf8')) as BenchResults;
    const md = await writeReport(res, render.replace(/\.json$/, ''));
    if (path.basename(render) === 'latest.json') updateDocs(md);
    log(`re-rendered ${render.replace(/\.json$/, '')}.{md,svg}`);
    return;
  }
  const t0 = now();
  const loadStart = os.loadavg()[0]!.toFixed(2);
  const source = sourceVersion();
  const notes: string[] = [];
  const runners: RunnerResult[] = [];
  const gemmBound: GemmBound[] = [];
  const extra: Record<string, unknown> = {};

  log(`${quick ? 'quick' : 'full'} run; generating data`);
  const w1 = has('w1') ? linearData(cfg.w1.rows, cfg.w1.cols, cfg.w1.dataSeed) : undefined;
  const w2 = has('w2') ? logisticData(cfg.w2.rows, cfg.w2.cols, cfg.w2.dataSeed) : undefined;
  const w5 = has('w5') ? logisticData(cfg.w5.steps * cfg.w5.batch, cfg.w5.cols, cfg.w5.dataSeed) : undefined;
  const w3 = has('w3') ? fashionData(cfg.w3) : undefined;
  const data = { w1, w2, w3, w5 };
  log(`data ready in ${since(t0).toFixed(1)} s`);

  // descent
  for (const t of [1, 2]) if (wants('descent-native')) runners.push(await runDescent(cfg, data, 'native', t));
  if (wants('descent-js')) runners.push(await runDescent(cfg, data, 'js', 1));

  // TensorFlow.js
  if (wants('tfjs-cpu') || wants('tfjs-wasm')) {
    const tf = await loadTfjs();
    if ('error' in tf) {
      log(`skipping TensorFlow.js: ${tf.error}`);
      for (const b of ['cpu', 'wasm']) runners.push({ id: `tfjs-${b}`, label: `tfjs ${b}`, threads: 1, errors: {}, skipped: tf.error });
    } else {
      extra.tfjs = tf.version;
      for (const b of ['cpu', 'wasm'] as const) if (wants(`tfjs-${b}`)) runners.push(await runTfjs(cfg, data, b));
    }
  }

  // PyTorch and the GEMM bound (Python)
  const tmp = makeTempDir();
  try {
    const torchOk = wants('torch') && pythonHas('numpy, torch');
    const numpyOk = torchOk || pythonHas('numpy');
    const gemmWanted = wants('gemm') && has('w3');
    if (wants('torch')) {
      if (!torchOk) {
        const why = `\`${PYTHON} -c "import torch"\` failed`;
        log(`skipping PyTorch: ${why}`);
        for (const t of [1, 2]) runners.push({ id: `torch-${t}t`, label: `PyTorch, ${t} thread${t > 1 ? 's' : ''}`, threads: t, errors: {}, skipped: why });
      } else {
        const files: Record<string, unknown> = {};
        for (const [w, d] of Object.entries({ w1, w2, w5 })) {
          if (!d) continue;
          const x = path.join(tmp, `${w}-X.f32`), y = path.join(tmp, `${w}-y.f32`);
          writeF32(x, d.X);
          writeF32(y, d.y);
          files[w] = { x, y, rows: d.rows, cols: d.cols };
        }
        const pyCfg = {
          ...cfg,
          w5: { ...cfg.w5, repeats: quick ? 1 : 3 },
          data: files,
          workloads: (['w1', 'w2', 'w3', 'w4', 'w5'] as WorkloadId[]).filter(has),
          ...(gemmWanted ? { gemm: { batch: cfg.w3.batch, h1: cfg.w3.hidden[0], h2: cfg.w3.hidden[1], quick } } : {}),
        };
        const cfgFile = path.join(tmp, 'config.json');
        fs.writeFileSync(cfgFile, JSON.stringify(pyCfg));
        for (const t of [1, 2]) {
          const t1 = now();
          try {
            const raw = runPython(path.join(__dirname, 'peers', 'torch_bench.py'), [cfgFile, String(t)], t, path.join(tmp, `torch-${t}.json`), 30 * 60_000);
            extra.torch = raw.torch;
            extra.numpy = raw.numpy;
            extra[`torchThreadpools${t}`] = raw.threadpools;
            runners.push(torchResult(raw, t));
            if (raw.gemm) gemmBound.push(gemmResult(raw.gemm, t));
          } catch (e) {
            runners.push({ id: `torch-${t}t`, label: `PyTorch, ${t} thread${t > 1 ? 's' : ''}`, threads: t, errors: {}, skipped: (e as Error).message });
          }
          log(`torch ${t}T done in ${since(t1).toFixed(1)} s`);
        }
        // W4 again with glibc's malloc kept from returning large blocks to the kernel: torch.optim.Adam's
        // single-tensor path allocates p-sized temporaries every step, and above glibc's mmap threshold (max 32 MB)
        // each one is a fresh mmap whose pages fault in on first touch — very slow in this VM. Reported as a
        // footnote next to the default (idiomatic) figure, which is what a user gets.
        if (has('w4') && cfg.w4.params * 4 > 32 * 2 ** 20) {
          try {
            const tuned = { MALLOC_MMAP_THRESHOLD_: String(2 ** 32), MALLOC_TRIM_THRESHOLD_: String(2 ** 32) };
            fs.writeFileSync(cfgFile, JSON.stringify({ ...pyCfg, workloads: ['w4'], gemm: undefined }));
            const raw = runPython(path.join(__dirname, 'peers', 'torch_bench.py'), [cfgFile, '1'], 1, path.join(tmp, 'torch-w4-malloc.json'), 10 * 60_000, tuned);
            if (raw.w4?.stepSeconds) extra.torchW4MallocTuned1T = { env: tuned, msPerStep: median(raw.w4.stepSeconds) * 1e3 };
          } catch (e) {
            log(`torch W4 with tuned malloc failed: ${(e as Error).message}`);
          }
        }
      }
    }
    if (gemmWanted && gemmBound.length < 2) {
      gemmBound.length = 0;
      if (!numpyOk) {
        notes.push(`GEMM bound not measured: \`${PYTHON} -c "import numpy"\` failed.`);
      } else {
        for (const t of [1, 2]) {
          try {
            const raw = runPython(path.join(__dirname, 'peers', 'gemm_bound.py'), [String(cfg.w3.batch), String(cfg.w3.hidden[0]), String(cfg.w3.hidden[1]), quick ? '1' : '0', String(t)], t, path.join(tmp, `gemm-${t}.json`), 10 * 60_000);
            extra.numpy ??= raw.numpy;
            extra[`gemmThreadpools${t}`] = raw.threadpools;
            gemmBound.push(gemmResult(raw, t));
          } catch (e) {
            notes.push(`GEMM bound ${t}T failed: ${(e as Error).message}`);
          }
        }
        log('GEMM bound done');
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  notes.push(
    'Timings are wall clock on a shared 2-core machine: compare ratios within one run, not across runs. Load average is printed at the top.',
    'PyTorch runs in a separate process per thread count with OPENBLAS_NUM_THREADS/OMP_NUM_THREADS set and torch.set_num_threads(t): this PyTorch calls the system OpenBLAS for sgemm, which torch.set_num_threads alone does not limit.',
    'Every runner trains on the same seeded float32 data (written to temporary files for Python) with the same shapes, batch size, optimizer and hyperparameters; initialization is U(±1/√fanIn) for weights and biases everywhere (PyTorch nn.Linear default); W1 minimizes ½·MSE everywhere (descent\'s objective).',
    'TensorFlow.js: manual optimizer.minimize loop (faster than model.fit here), production mode, Adam epsilon 1e-8; the wasm backend is single-threaded with SIMD in Node, the cpu backend is plain JS.',
    `PyTorch: plain loop over torch.randperm index batches, zero_grad(set_to_none=True), loss.backward(), torch.optim step (single-tensor path); W4 calls optimizer.step() on one ${cfg.w4.params.toExponential(0)}-element parameter with a fixed .grad.`,
    'descent: the public API (LinearRegression, LogisticRegression, MLPClassifier.fit; createOptimizer for W4); per-epoch wall times from onEpochEnd, epoch 1 counted from the start of fit\'s training loop (fit\'s setup before it is reported apart). Every runner first trains a throwaway model for 2 batches (warm-up).',
  );

  const res: BenchResults = {
    quick,
    machine: { ...machine(), ...extra, source, loadStart, loadEnd: os.loadavg()[0]!.toFixed(2), openblasEnv: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('OPENBLAS_'))) },
    config: cfg,
    runners,
    gemmBound,
    notes,
    seconds: since(t0),
  };
  const name = onlyRunners || onlyWorkloads ? 'partial' : quick ? 'quick' : 'latest';
  const md = await writeReport(res, path.join(RESULTS, name));
  if (name === 'latest') updateDocs(md);
  console.log(md);
  log(`wrote bench/results/${name}.{json,md,svg} in ${since(t0).toFixed(1)} s total`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
