/**
 * bench/optimizers: one fused optimizer step, native vs the pure-JS reference, for 1e3…1e7 float32 parameters,
 * every optimizer, in one run; plus the speed of light (a plain fused Adam loop in C, -O3 -march=native).
 * Reports ns/element, effective GB/s (bytes read + written) and the native/JS ratio, 1 and 2 threads.
 *   npx tsx bench/optimizers.ts [--quick]
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { OPTIMIZER_FACTORIES } from '../lib/optim/optimizers';
import { numSlots } from '../lib/engine/spec';
import { createOptimizer, setNumThreads, info } from '../lib';
import { compileC, machine, mdTable, timeMs, writeResults } from './common';

const quick = process.argv.includes('--quick');
const SIZES = quick ? [1e3, 1e5] : [1e3, 1e5, 1e6, 1e7];

async function stepTime(name: string, n: number, backend: 'native' | 'js'): Promise<number> {
  const spec = (OPTIMIZER_FACTORIES as Record<string, (o?: Record<string, unknown>) => ReturnType<typeof OPTIMIZER_FACTORIES.adam>>)[name]!({});
  const p = new Float32Array(n).fill(0.5);
  const g = new Float32Array(n).map((_, i) => ((i % 17) - 8) * 1e-3);
  const opt = createOptimizer(spec, [p], { backend });
  const budget = quick ? 3e6 : 6e7; // element-steps per measurement
  const inner = Math.max(1, Math.round(budget / n / (backend === 'js' ? 4 : 1)));
  const ms = await timeMs(() => {
    for (let i = 0; i < inner; i++) opt.step([g]);
  }, quick ? 3 : 5);
  return ms / inner;
}

async function main(): Promise<void> {
  const rows: Record<string, unknown>[] = [];
  const threadCounts = info().backend === 'native' ? [1, 2] : [];
  for (const name of Object.keys(OPTIMIZER_FACTORIES)) {
    const spec = (OPTIMIZER_FACTORIES as Record<string, (o?: Record<string, unknown>) => ReturnType<typeof OPTIMIZER_FACTORIES.adam>>)[name]!({});
    const bytes = (3 + 2 * numSlots(spec.config)) * 4;
    for (const n of SIZES) {
      const js = await stepTime(name, n, 'js');
      const row: Record<string, unknown> = { optimizer: name, n, bytesPerElement: bytes, jsMs: js };
      for (const t of threadCounts) {
        setNumThreads(t);
        row[`native${t}Ms`] = await stepTime(name, n, 'native');
      }
      rows.push(row);
      process.stderr.write(`${name} n=${n}: ${JSON.stringify(row)}\n`);
    }
  }
  // Speed of light: the plain C loop and descent's Adam (1 thread) at 1e7, interleaved round by round with the
  // same statistic (median ms per step), so a noisy neighbour slows both; the ratio is the median of per-round ratios.
  let sol: number | null = null, solNative: number | null = null, solRatio: number | null = null;
  const bin = compileC(path.join(__dirname, 'sol', 'adam_sol.c'));
  if (bin && !quick && threadCounts.length) {
    const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
    const c: number[] = [], d: number[] = [];
    setNumThreads(1);
    const p = new Float32Array(1e7).fill(0.5);
    const g = new Float32Array(1e7).map((_, i) => ((i % 17) - 8) * 1e-3);
    const opt = createOptimizer(OPTIMIZER_FACTORIES.adam({}), [p], { backend: 'native' });
    opt.step([g]);
    for (let r = 0; r < 7; r++) {
      const t: number[] = [];
      for (let i = 0; i < 6; i++) {
        const t0 = process.hrtime.bigint();
        opt.step([g]);
        t.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      d.push(med(t));
      c.push(Number(execFileSync(bin, ['10000000', '6']).toString()));
    }
    sol = med(c);
    solNative = med(d);
    solRatio = med(d.map((x, i) => x / c[i]!));
  }
  setNumThreads(2);

  const fmt = (x: number) => (x < 0.1 ? x.toFixed(4) : x < 10 ? x.toFixed(3) : x.toFixed(1));
  const table = rows.map((r) => {
    const n = r.n as number, b = r.bytesPerElement as number;
    const cells = [r.optimizer as string, n.toExponential(0), `${fmt(r.jsMs as number)} ms (${((r.jsMs as number) * 1e6 / n).toFixed(2)} ns/el, ${(b * n / (r.jsMs as number) / 1e6).toFixed(1)} GB/s)`];
    for (const t of threadCounts) {
      const ms = r[`native${t}Ms`] as number;
      cells.push(`${fmt(ms)} ms (${(ms * 1e6 / n).toFixed(2)} ns/el, ${(b * n / ms / 1e6).toFixed(1)} GB/s)`, `${((r.jsMs as number) / ms).toFixed(1)}×`);
    }
    return cells;
  });
  const head = ['optimizer', 'params', 'pure JS'];
  for (const t of threadCounts) head.push(`native ${t} thread${t > 1 ? 's' : ''}`, `speed-up ${t}T`);
  let md = `# Optimizer step benchmark (float32)\n\n${JSON.stringify(machine())}\n\n` + mdTable(head, table);
  const adam7 = rows.find((r) => r.optimizer === 'adam' && r.n === 1e7);
  if (sol !== null && solNative !== null && solRatio !== null && adam7) {
    md += `\nSpeed of light (plain fused Adam loop in C, -O3 -march=native, 1 thread) at 1e7, interleaved with descent's ` +
      `Adam at 1 thread over 7 rounds (medians of 6 steps each): C ${sol.toFixed(2)} ms/step, descent ${solNative.toFixed(2)} ms/step, ` +
      `descent/C ${solRatio.toFixed(3)} (median of the per-round ratios: ${Math.abs((solRatio - 1) * 100).toFixed(1)}% ${solRatio >= 1 ? "over" : "under"}). ` +
      `Table above: native 2 threads ${(adam7.native2Ms as number).toFixed(2)} ms; pure JS ${(adam7.jsMs as number).toFixed(2)} ms.\n`;
  }
  writeResults(quick ? 'optimizers-quick' : 'optimizers', { machine: machine(), speedOfLightAdam1e7Ms: sol, descentAdam1e7Ms1T: solNative, descentOverSol: solRatio, rows }, md);
  console.log(md);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
