/** Markdown tables, key ratios and the SVG chart of a bench/run.ts result. */
import { barChartSvg, type BarGroup } from '../lib/cli/svg';
import { mdTable } from './common';
import type { GemmBound, RunnerResult } from './types';
import { Config, WORKLOADS, WorkloadId } from './workloads';
import { sig, times } from './util';

export interface BenchResults {
  quick: boolean;
  machine: Record<string, unknown>;
  config: Config;
  runners: RunnerResult[];
  gemmBound: GemmBound[];
  notes: string[];
  seconds: number;
  keyRatios?: Record<string, number | null>;
}

const IDS: WorkloadId[] = ['w1', 'w2', 'w3', 'w4', 'w5'];

/** The headline number of a workload for a runner (unit: WORKLOADS[w].unit). */
export function metric(r: RunnerResult | undefined, w: WorkloadId): number | null {
  if (!r) return null;
  switch (w) {
    case 'w1':
      return r.w1?.secPerEpoch ?? null;
    case 'w2':
      return r.w2?.secPerEpoch ?? null;
    case 'w3':
      return r.w3?.samplesPerSec ?? null;
    case 'w4':
      return r.w4?.msPerStep ?? null;
    case 'w5':
      return r.w5?.usPerStep ?? null;
  }
}

/** How many times faster `a` is than `b` on workload w (> 1: a is faster). */
export function speedup(a: RunnerResult | undefined, b: RunnerResult | undefined, w: WorkloadId): number | null {
  const x = metric(a, w), y = metric(b, w);
  if (x === null || y === null || !(x > 0) || !(y > 0)) return null;
  return WORKLOADS[w].higherIsBetter ? x / y : y / x;
}

const byId = (res: BenchResults, id: string) => res.runners.find((r) => r.id === id && !r.skipped);

/** descent native with the runner's thread count (1 for single-threaded runners). */
function reference(res: BenchResults, r: RunnerResult): RunnerResult | undefined {
  return byId(res, `descent-native-${r.threads}t`) ?? byId(res, 'descent-native-1t');
}

/** The faster of several runners on w. */
function best(res: BenchResults, ids: string[], w: WorkloadId): RunnerResult | undefined {
  let b: RunnerResult | undefined;
  for (const id of ids) {
    const r = byId(res, id);
    if (metric(r, w) === null) continue;
    if (!b || (speedup(r, b, w) ?? 0) > 1) b = r;
  }
  return b;
}

function boundFor(res: BenchResults, threads: number): GemmBound | undefined {
  return res.gemmBound.find((g) => g.threads === threads);
}

/** The acceptance ratios (> 1 means descent native is faster), keyed by a readable name. */
export function keyRatios(res: BenchResults): Record<string, number | null> {
  const k: Record<string, number | null> = {};
  const n1 = byId(res, 'descent-native-1t'), n2 = byId(res, 'descent-native-2t'), js = byId(res, 'descent-js');
  const t1 = byId(res, 'torch-1t'), t2 = byId(res, 'torch-2t');
  for (const w of ['w1', 'w2'] as const) {
    k[`${w}: native 1T vs pure JS`] = speedup(n1, js, w);
    k[`${w}: native 1T vs PyTorch 1T`] = speedup(n1, t1, w);
    k[`${w}: native 2T vs PyTorch 2T`] = speedup(n2, t2, w);
    k[`${w}: best native vs best PyTorch`] = speedup(best(res, ['descent-native-1t', 'descent-native-2t'], w), best(res, ['torch-1t', 'torch-2t'], w), w);
  }
  k['w3: native 1T vs PyTorch 1T'] = speedup(n1, t1, 'w3');
  k['w3: native 2T vs best PyTorch'] = speedup(n2, best(res, ['torch-1t', 'torch-2t'], 'w3'), 'w3');
  k['w3: best native vs best PyTorch'] = speedup(best(res, ['descent-native-1t', 'descent-native-2t'], 'w3'), best(res, ['torch-1t', 'torch-2t'], 'w3'), 'w3');
  k['w3: native 1T vs pure JS'] = speedup(n1, js, 'w3');
  k['w3: native 1T vs tfjs wasm'] = speedup(n1, byId(res, 'tfjs-wasm'), 'w3');
  for (const t of [1, 2]) {
    const b = boundFor(res, t), n = byId(res, `descent-native-${t}t`), tt = byId(res, `torch-${t}t`);
    k[`w3: native ${t}T fraction of GEMM bound ${t}T`] = b && n?.w3 ? n.w3.samplesPerSec / b.samplesPerSecBound : null;
    k[`w3: PyTorch ${t}T fraction of GEMM bound ${t}T`] = b && tt?.w3 ? tt.w3.samplesPerSec / b.samplesPerSecBound : null;
  }
  k['w4: native 1T vs pure JS'] = speedup(n1, js, 'w4');
  k['w4: native 2T vs pure JS'] = speedup(n2, js, 'w4');
  k['w4: native 1T vs PyTorch 1T'] = speedup(n1, t1, 'w4');
  k['w5: native 1T vs pure JS'] = speedup(n1, js, 'w5');
  k['w5: native 1T vs PyTorch 1T'] = speedup(n1, t1, 'w5');
  return k;
}

function cell(res: BenchResults, r: RunnerResult, w: WorkloadId): string {
  const v = metric(r, w);
  if (r.errors[w]) return 'error';
  if (v === null) return '–';
  const ref = reference(res, r);
  const s = speedup(ref, r, w);
  let mark = '';
  if (w === 'w3' && r.w3?.prefixOnly) mark = ' †';
  if (w === 'w5' && r.w5 && r.w5.steps < res.config.w5.steps) mark = ' ‡';
  if ((w === 'w1' || w === 'w2') && r[w]!.epochsRun < res.config[w].epochs) mark = ' ‡';
  return `${sig(v)} (${times(s)})${mark}`;
}

function fmtPct(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(1)}%`;
}

export function markdown(res: BenchResults): string {
  const c = res.config;
  const m = res.machine;
  const live = res.runners.filter((r) => !r.skipped);
  const out: string[] = [];
  out.push(`# descent benchmarks${res.quick ? ' (--quick: small sizes, smoke test only)' : ''}\n`);
  out.push(
    `${m.date}: ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.blas}, SIMD ${m.simd}${m.gemm ? `, GEMM ${m.gemm}` : ''}; ` +
      `PyTorch ${m.torch ?? 'not run'}, numpy ${m.numpy ?? '–'}, TensorFlow.js ${m.tfjs ?? 'not run'}. ` +
      `Load average (1 min) ${m.loadStart} at the start, ${m.loadEnd} at the end; whole run ${res.seconds.toFixed(0)} s. float32 throughout.` +
      (m.source ? ` descent at commit ${(m.source as { commit: string }).commit}${(m.source as { libraryDirty: boolean }).libraryDirty ? ' with uncommitted library changes' : ''}.` : '') +
      '\n',
  );
  out.push('## Summary\n');
  out.push(
    'Each cell: the absolute figure, then in parentheses **how many times faster descent native is** than that runner ' +
      '(descent native with the same number of threads; single-threaded runners — descent pure JS, tfjs cpu, tfjs wasm — ' +
      'against descent native, 1 thread). Above 1× descent is faster, below 1× the runner is faster.\n',
  );
  out.push(
    mdTable(
      ['runner', 'threads', `W1 linear-sgd s/epoch`, `W2 logistic-adam s/epoch`, `W3 mlp-fashion samples/s`, `W4 adam-step ms/step`, `W5 tiny-steps µs/step`],
      live.map((r) => [r.label, r.threads, ...IDS.map((w) => cell(res, r, w))]),
    ),
  );
  const skipped = res.runners.filter((r) => r.skipped);
  const foot: string[] = [
    `† W3 on a prefix of ${c.w3.slowBatches} batches (slow runner): throughput only, accuracy not measured.`,
    `‡ fewer steps than the workload (slow runner; normalized to the unit): W5 ${c.w5.slowSteps} of ${c.w5.steps} steps.`,
  ];
  for (const r of skipped) foot.push(`${r.label}: skipped — ${r.skipped}`);
  for (const r of live) for (const [w, e] of Object.entries(r.errors)) foot.push(`${r.label} ${w}: error — ${e}`);
  out.push(foot.join('\n') + '\n');

  out.push('## Key ratios (> 1: descent native is faster)\n');
  const kr = res.keyRatios ?? keyRatios(res);
  out.push(
    Object.entries(kr)
      .map(([k, v]) => `- ${k}: ${k.includes('fraction') ? fmtPct(v) : times(v)}`)
      .join('\n') + '\n',
  );

  out.push('## Details\n');
  const sizes = `${c.w1.rows.toLocaleString('en-US')} × ${c.w1.cols}`;
  out.push(`### W1 linear-sgd\n\nLinear regression on ${sizes} standard-normal features, y = X·w* + b* + 0.1·noise; batch ${c.w1.batch}, SGD lr ${c.w1.lr}, ${c.w1.epochs} shuffled epoch(s), objective ½·MSE. s/epoch is the median epoch; MSE is on the whole training set after training.\n`);
  out.push(mdTable(['runner', 's/epoch', 'epochs', 'final training MSE', 'descent fit() setup, s', 'descent native faster by'], live.filter((r) => r.w1).map((r) => [r.label, sig(r.w1!.secPerEpoch), r.w1!.epochsRun, sig(r.w1!.quality, 4), sig(r.w1!.setupSeconds), times(speedup(reference(res, r), r, 'w1'))])));
  out.push(`### W2 logistic-adam\n\nLogistic regression on ${c.w2.rows.toLocaleString('en-US')} × ${c.w2.cols}, labels ~ Bernoulli(σ(X·w* + b*)); batch ${c.w2.batch}, Adam ${c.w2.lr}, ${c.w2.epochs} shuffled epoch(s). Final loss: mean sigmoid cross-entropy on the whole training set after training.\n`);
  out.push(mdTable(['runner', 's/epoch', 'epochs', 'final training loss', 'descent fit() setup, s', 'descent native faster by'], live.filter((r) => r.w2).map((r) => [r.label, sig(r.w2!.secPerEpoch), r.w2!.epochsRun, sig(r.w2!.quality, 4), sig(r.w2!.setupSeconds), times(speedup(reference(res, r), r, 'w2'))])));

  out.push(`### W3 mlp-fashion\n\nFashion-MNIST (${c.w3.trainRows.toLocaleString('en-US')} training images, 10 000 test), 784-${c.w3.hidden[0]}-${c.w3.hidden[1]}-10 ReLU, softmax cross-entropy on logits, Adam ${c.w3.lr}, batch ${c.w3.batch}, ${c.w3.epochs} epoch(s). samples/s from the median epoch (descent: epochs counted from the start of fit's training loop; fit's setup before it — input copy and finiteness check, scale check, trainer creation — is shown apart); slow runners time ${c.w3.slowBatches} batches and report no accuracy. GEMM bound: 128 / (sum of the 8 sgemm calls of one step, each timed alone, same thread count).\n`);
  out.push(
    mdTable(
      ['runner', 'samples/s', 'timed', 'test accuracy', 'fraction of GEMM bound', 'descent fit() setup, s', 'descent native faster by'],
      live.filter((r) => r.w3).map((r) => {
        const b = boundFor(res, r.threads);
        return [
          r.label,
          sig(r.w3!.samplesPerSec),
          r.w3!.prefixOnly ? `${r.w3!.samplesTimed} samples (prefix)` : `${r.w3!.epochsRun} epoch(s)`,
          r.w3!.testAccuracy === null ? 'not measured' : fmtPct(r.w3!.testAccuracy),
          b ? fmtPct(r.w3!.samplesPerSec / b.samplesPerSecBound) : '–',
          sig(r.w3!.setupSeconds),
          times(speedup(reference(res, r), r, 'w3')),
        ];
      }),
    ),
  );
  if (res.gemmBound.length) {
    out.push('GEMM speed of light (OpenBLAS through numpy and torch.mm, float32, batch 128; fastest of several repeats, µs):\n');
    const names = res.gemmBound[0]!.gemms.map((g) => `${g.gemm} (${g.m}×${g.k}·${g.k}×${g.n})`);
    const head = ['gemm', ...res.gemmBound.flatMap((b) => [`numpy ${b.threads}T`, `torch ${b.threads}T`])];
    const rows = names.map((n, i) => [n, ...res.gemmBound.flatMap((b) => [sig((b.gemms[i]?.numpy ?? NaN) * 1e6), sig((b.gemms[i]?.torch ?? NaN) * 1e6)])]);
    rows.push(['**sum**', ...res.gemmBound.flatMap((b) => [sig((b.numpySeconds ?? NaN) * 1e6), sig((b.torchSeconds ?? NaN) * 1e6)])]);
    rows.push(['**sum of the faster of each pair**', ...res.gemmBound.flatMap((b) => [sig(b.bestSeconds * 1e6), ''])]);
    rows.push(['**bound, samples/s** = batch / that sum', ...res.gemmBound.flatMap((b) => [sig(b.samplesPerSecBound), ''])]);
    out.push(mdTable(head, rows));
  }

  out.push(`### W4 adam-step\n\nOne Adam step (lr ${c.w4.lr}) on ${c.w4.params.toExponential(0)} float32 parameters; GB/s counts 28 bytes per element (read p, g, m, v; write p, m, v). Median step.\n`);
  out.push(mdTable(['runner', 'ms/step', 'GB/s', 'steps timed', 'descent native faster by'], live.filter((r) => r.w4).map((r) => [r.label, sig(r.w4!.msPerStep), sig(r.w4!.gbPerSec), r.w4!.steps, times(speedup(reference(res, r), r, 'w4'))])));
  const tuned = m.torchW4MallocTuned1T as { msPerStep: number } | undefined;
  const t1 = byId(res, 'torch-1t');
  if (tuned && t1?.w4) {
    out.push(
      `PyTorch's Adam (single-tensor path) allocates parameter-sized temporaries every step; at ${sig(c.w4.params * 4 / 1e6)} MB they exceed glibc's largest mmap threshold (32 MiB), so each is a fresh mapping whose pages fault in on first touch. ` +
        `With \`MALLOC_MMAP_THRESHOLD_=2^32 MALLOC_TRIM_THRESHOLD_=2^32\` (memory kept in the heap) PyTorch 1 thread takes ${sig(tuned.msPerStep)} ms/step ` +
        `(${sig((28 * c.w4.params) / (tuned.msPerStep * 1e6))} GB/s) instead of ${sig(t1.w4.msPerStep)} ms; descent native 1 thread is ${times(speedup(byId(res, 'descent-native-1t'), { ...t1, w4: { ...t1.w4, msPerStep: tuned.msPerStep } }, 'w4'))} faster than that. The table keeps the default, which is what a user gets.\n`,
    );
  }
  out.push(`### W5 tiny-steps\n\nLogistic regression, d = ${c.w5.cols}, batch ${c.w5.batch}, SGD lr ${c.w5.lr}, ${c.w5.steps.toLocaleString('en-US')} steps as one epoch over ${(c.w5.steps * c.w5.batch).toLocaleString('en-US')} rows. descent: the training loop of one fit() (History.seconds: shuffle + every step + the per-epoch boundary); "whole fit" adds input copy/validation and trainer creation.\n`);
  out.push(mdTable(['runner', 'µs/step', 'steps', 'whole fit µs/step', 'descent native faster by'], live.filter((r) => r.w5).map((r) => [r.label, sig(r.w5!.usPerStep), r.w5!.steps, r.w5!.usPerStepWholeFit === undefined ? '' : sig(r.w5!.usPerStepWholeFit), times(speedup(reference(res, r), r, 'w5'))])));

  if (res.notes.length) out.push('## Notes\n\n' + res.notes.map((n) => `- ${n}`).join('\n') + '\n');
  return out.join('\n');
}

/** Bar chart (SVG): per workload, each runner's speed relative to descent native 1 thread (log scale, higher is faster). */
export function chartSvg(res: BenchResults): string {
  const ref = byId(res, 'descent-native-1t');
  const groups: BarGroup[] = [];
  for (const w of IDS) {
    const bars: BarGroup['bars'] = [];
    for (const r of res.runners) {
      if (r.skipped) continue;
      const s = speedup(r, ref, w);
      const v = metric(r, w);
      if (s === null || v === null) continue;
      bars.push({ name: r.label, value: s, text: `${sig(v)} ${WORKLOADS[w].unit}` });
    }
    if (bars.length) groups.push({ label: `${WORKLOADS[w].name} (${WORKLOADS[w].unit})`, bars });
  }
  return barChartSvg(groups, {
    title: `descent benchmarks${res.quick ? ' (quick sizes)' : ''}: speed relative to descent native, 1 thread`,
    subtitle: `${res.machine.cpu}, ${res.machine.cores} cores, ${String(res.machine.date).slice(0, 10)}; higher is faster; labels are the absolute figures`,
    xLabel: 'speed relative to descent native, 1 thread (×, log scale)',
    log: true,
    rule: 1,
    order: res.runners.map((r) => r.label),
  });
}
