/**
 * bench/stream: trains logistic regression on a generated CSV larger than memory with `descent train --stream`
 * (a child process, so its peak RSS is measured alone), and compares rows/s with the in-memory path on a smaller
 * file (read into one matrix first, then fit). The files are generated on the fly and deleted afterwards.
 *   npx tsx bench/stream.ts [--gb 5] [--in-memory-gb 1] [--dir /tmp]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LogisticRegression } from '../lib';
import { chunksOf } from '../lib/data/stream';
import { Rng } from '../lib/rng';
import { writeResults, mdTable } from './common';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const dirArg = process.argv.indexOf('--dir') > 0 ? process.argv[process.argv.indexOf('--dir') + 1]! : os.tmpdir();
const D = 16;

/** Writes a CSV of about `bytes` bytes: 16 features ~ U(−1, 1), label from a logistic model. */
function generate(file: string, bytes: number): number {
  const rng = new Rng(1);
  const w = Array.from({ length: D }, (_, j) => Math.sin(j + 1));
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, Array.from({ length: D }, (_, j) => `x${j}`).join(',') + ',y\n');
  let written = 0, rows = 0;
  while (written < bytes) {
    let s = '';
    for (let k = 0; k < 20000; k++) {
      let z = 0;
      const row: string[] = [];
      for (let j = 0; j < D; j++) {
        const x = 2 * rng.uniform() - 1;
        z += w[j]! * x;
        row.push(x.toFixed(5));
      }
      row.push(rng.uniform() < 1 / (1 + Math.exp(-z)) ? '1' : '0');
      s += row.join(',') + '\n';
    }
    written += fs.writeSync(fd, s);
    rows += 20000;
  }
  fs.closeSync(fd);
  return rows;
}

async function main(): Promise<void> {
  const big = path.join(dirArg, `descent-stream-${process.pid}.csv`);
  const small = path.join(dirArg, `descent-memory-${process.pid}.csv`);
  const cli = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
  if (!fs.existsSync(cli)) throw new Error('build dist/ first: npm run build:ts');
  try {
    const gb = arg('gb', 5), memGb = arg('in-memory-gb', 1);
    let t = Date.now();
    const bigRows = generate(big, gb * 1e9);
    console.log(`generated ${(fs.statSync(big).size / 1e9).toFixed(2)} GB (${bigRows} rows) in ${((Date.now() - t) / 1000).toFixed(0)} s`);
    // Streaming: a separate process so its peak RSS is its own (GNU time's %M, or the process's own maxRSS).
    t = Date.now();
    const r = spawnSync(process.execPath, [cli, 'train', '--data', big, '--model', 'logistic', '--stream', '--epochs', '1', '--batch-size', '256', '--learning-rate', '0.05', '--no-standardize'], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(r.stderr);
    const streamSeconds = (Date.now() - t) / 1000;
    const peak = Number(/peak RSS (\d+) MB/.exec(r.stdout)![1]);
    const streamRate = Number(/([\d.]+) rows\/s/.exec(r.stdout)![1]);
    console.log(r.stdout.trim());
    fs.rmSync(big);

    generate(small, memGb * 1e9);
    t = Date.now();
    // In memory: read the whole file into one matrix first, then train on it.
    const parts: { X: Float32Array; y: Float64Array; rows: number }[] = [];
    for await (const c of chunksOf(small, { dtype: 'float32', chunkRows: 65536 })) parts.push({ X: (c.X as { data: Float32Array }).data.slice(), y: c.y.slice(), rows: c.X.rows });
    const n = parts.reduce((a, p) => a + p.rows, 0);
    const X = new Float32Array(n * D), y = new Float64Array(n);
    let off = 0;
    for (const p of parts) {
      X.set(p.X, off * D);
      y.set(p.y, off);
      off += p.rows;
    }
    parts.length = 0;
    const loadSeconds = (Date.now() - t) / 1000;
    const m = new LogisticRegression();
    const h = await m.fit({ data: X, rows: n, cols: D }, y, { epochs: 1, batchSize: 256, learningRate: 0.05, shuffle: false });
    const memRate = n / (loadSeconds + h.seconds);
    const rows = [
      [`stream (${gb} GB, ${bigRows} rows)`, streamRate.toFixed(0), `${streamSeconds.toFixed(0)} s`, `${peak} MB`],
      [`in memory (${memGb} GB, ${n} rows): load + fit`, memRate.toFixed(0), `${(loadSeconds + h.seconds).toFixed(0)} s (fit alone ${h.seconds.toFixed(1)} s, ${(n / h.seconds).toFixed(0)} rows/s)`, `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`],
    ];
    const md = `# Streaming a CSV larger than memory\n\n${mdTable(['path', 'rows/s', 'time', 'peak RSS'], rows)}`;
    writeResults('stream', { gb, memGb, bigRows, streamRate, streamSeconds, peakRssMb: peak, memRows: n, memRate, loadSeconds, fitSeconds: h.seconds }, md);
    console.log(md);
    void execFileSync;
  } finally {
    fs.rmSync(big, { force: true });
    fs.rmSync(small, { force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
