/** Helpers for bench/run.ts (on top of bench/common.ts): seeded data, statistics, formatting, Python peers. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng } from '../lib';

export const PYTHON = '/usr/bin/python3';

/** Fills `out` with standard normal draws (Box–Muller on descent's seeded xoshiro128**). */
export function fillNormal(out: Float32Array | Float64Array, rng: Rng, scale = 1): void {
  for (let i = 0; i < out.length; i += 2) {
    const u1 = 1 - rng.uniform(); // (0, 1]
    const u2 = rng.uniform();
    const r = Math.sqrt(-2 * Math.log(u1)) * scale;
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Seconds since `t0` (a `process.hrtime.bigint()` value). */
export function since(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

export const now = (): bigint => process.hrtime.bigint();

/** Three significant digits, no exponent for the ranges used here. */
export function sig(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a >= 10 ** digits) return Math.round(x).toLocaleString('en-US');
  return x.toPrecision(digits);
}

/** `2.31×`. */
export function times(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return `${x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`;
}

export function writeF32(file: string, a: Float32Array): void {
  fs.writeFileSync(file, Buffer.from(a.buffer, a.byteOffset, a.byteLength));
}

export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'descent-bench-'));
}

/** Whether `/usr/bin/python3 -c "import <module>"` works. */
export function pythonHas(module: string): boolean {
  if (!fs.existsSync(PYTHON)) return false;
  const r = spawnSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 60_000 });
  return r.status === 0;
}

/**
 * Runs a Python script with `threads` pinned through the environment (OpenBLAS reads OPENBLAS_NUM_THREADS when it
 * loads; torch.set_num_threads alone does not reach a system OpenBLAS), keeping every other variable (e.g.
 * OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE). Returns the JSON the script wrote to `out`, or throws with its stderr.
 */
export function runPython(script: string, args: string[], threads: number, out: string, timeoutMs: number, extraEnv: Record<string, string> = {}): any {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads), ...extraEnv };
  const r = spawnSync(PYTHON, [script, ...args, out], { env, stdio: ['ignore', 'inherit', 'inherit'], timeout: timeoutMs });
  if (r.status !== 0 || !fs.existsSync(out)) throw new Error(`${path.basename(script)} ${args.join(' ')} failed (status ${r.status}${r.signal ? `, signal ${r.signal}` : ''})`);
  return JSON.parse(fs.readFileSync(out, 'utf8'));
}

export function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}
