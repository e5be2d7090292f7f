/** Shared helpers for the benchmarks: timing, machine description, result files. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { info } from '../lib';

export const RESULTS = path.join(__dirname, 'results');

/** Median wall time in ms of `fn` over `repeats` runs after `warmup` runs. */
export async function timeMs(fn: () => unknown, repeats: number, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const t: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)]!;
}

export function machine(): Record<string, unknown> {
  const i = info();
  return {
    date: new Date().toISOString(),
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    node: process.version,
    backend: i.backend,
    blas: i.blas,
    simd: i.simd,
    gemm: i.gemm,
  };
}

/** Compiles a C file with `cc -O3 -march=native -fno-math-errno` (so sqrt vectorizes) into a temp dir and returns the binary path (or null without cc). */
export function compileC(file: string): string | null {
  const out = path.join(os.tmpdir(), `descent-${path.basename(file, '.c')}-${process.pid}`);
  try {
    execFileSync('cc', ['-O3', '-march=native', '-fno-math-errno', '-o', out, file, '-lm'], { stdio: 'pipe' });
    return out;
  } catch {
    return null;
  }
}

export function writeResults(name: string, json: unknown, markdown: string): void {
  fs.mkdirSync(RESULTS, { recursive: true });
  fs.writeFileSync(path.join(RESULTS, `${name}.json`), JSON.stringify(json, null, 2) + '\n');
  fs.writeFileSync(path.join(RESULTS, `${name}.md`), markdown);
}

export function mdTable(head: string[], rows: (string | number)[][]): string {
  const line = (r: (string | number)[]) => `| ${r.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n') + '\n';
}
