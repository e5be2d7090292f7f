/**
 * Progress output: bars redrawn in place on a terminal (at most 10 times a second) with the rate and an ETA,
 * silent when the stream is not a terminal; and `fit`'s `verbose` reporter (one line per epoch off a terminal).
 */

export interface Progress {
  /** After an epoch (small data sets): advance to `epoch`. */
  update(epoch: number, loss: number): void;
  /** After a batch (large data sets): advance by one batch of `rows`. */
  batch(epoch: number, loss: number, rows: number): void;
  stop(): void;
}

/** m:ss (or h:mm:ss) */
export function clock(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.round(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

/** `[█████░░░░░] 50%` for a fraction in [0, 1]. */
export function barText(fraction: number, width = 30): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * width);
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
}

/** A redrawn line on a TTY stream: `draw(text)` at most every 100 ms (always when `force`), `end()` ends the line. */
function liveLine(stream: NodeJS.WriteStream): { draw(text: string, force?: boolean): void; end(): void } {
  let last = 0, drawn = false;
  return {
    draw(text, force = false) {
      const now = Date.now();
      if (!force && now - last < 100) return;
      last = now;
      drawn = true;
      const cols = stream.columns || 100;
      stream.write(`\r${text.length > cols - 1 ? text.slice(0, cols - 1) : text.padEnd(cols - 1)}`);
    },
    end() {
      if (drawn) stream.write('\n');
    },
  };
}

/** A bar over `total` units (epochs, or batches when `batch()` is used; 0: unknown, no bar or ETA). */
export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update() {}, batch() {}, stop() {} };
  const line = liveLine(stream);
  const t0 = Date.now();
  let rows = 0, done = 0, epoch = 0, loss = NaN;
  const draw = (force = false) => {
    const el = (Date.now() - t0) / 1000;
    const rate = el > 0 ? (rows / el).toFixed(0) : '-';
    const eta = total > 0 && done > 0 ? clock((el / done) * (total - done)) : '-';
    const head = total > 0 ? `${barText(done / total)} ` : '';
    line.draw(`${label.padEnd(14)} ${head}| epoch ${epoch} | loss ${Number.isFinite(loss) ? loss.toPrecision(5) : '-'} | ${rate} samples/s | ${clock(el)} elapsed | ETA ${eta}`, force);
  };
  return {
    update(e, l) {
      epoch = e;
      loss = l;
      done = e;
      draw(done === total);
    },
    batch(e, l, n) {
      rows += n;
      epoch = e;
      loss = l;
      done++;
      draw(done === total);
    },
    stop() {
      draw(true);
      line.end();
    },
  };
}

/** A bar over the bytes of a file being read (loadCsv's onProgress), with MB/s; silent off a TTY. */
export function bytesBar(label: string, stream: NodeJS.WriteStream = process.stderr): { update(p: { bytesRead: number; totalBytes: number; rows: number }): void; stop(): void } {
  if (!stream.isTTY) return { update() {}, stop() {} };
  const line = liveLine(stream);
  const t0 = Date.now();
  let lastP: { bytesRead: number; totalBytes: number; rows: number } | null = null;
  const draw = (force: boolean) => {
    if (!lastP) return;
    const el = Math.max(1e-3, (Date.now() - t0) / 1000), mb = lastP.bytesRead / 1e6;
    const f = lastP.totalBytes > 0 ? lastP.bytesRead / lastP.totalBytes : 0;
    const eta = f > 0 ? clock((el / f) * (1 - f)) : '-';
    line.draw(`${label.padEnd(14)} ${barText(f)} | ${mb.toFixed(1)} MB | ${lastP.rows} rows | ${(mb / el).toFixed(0)} MB/s | ETA ${eta}`, force);
  };
  return {
    update(p) {
      lastP = p;
      draw(false);
    },
    stop() {
      draw(true);
      line.end();
    },
  };
}

/**
 * What `fit({ verbose })` prints, Keras style. 1: a progress bar with the epoch, loss, rate and ETA of the whole
 * run, redrawn on stderr when it is a terminal (else as 2); 2: one line per epoch on stdout
 * (`epoch 3/10 - 41 ms - loss … - val_loss … - accuracy … - val_accuracy … - lr …`).
 */
export class VerboseReporter {
  private readonly t0 = Date.now();
  private epochStart = Date.now();
  private rows = 0;
  private readonly line?: ReturnType<typeof liveLine>;

  constructor(
    level: 1 | 2,
    private readonly epochs: number,
    private readonly out: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream } = process,
  ) {
    if (level === 1 && out.stderr.isTTY) this.line = liveLine(out.stderr);
  }

  /** After a chunk of batches: `done` of `total` batches of `epoch` (total 0 when unknown, e.g. streaming). */
  chunk(epoch: number, done: number, total: number, rows: number, loss: number): void {
    this.rows += rows;
    if (!this.line) return;
    const el = (Date.now() - this.t0) / 1000;
    const f = this.epochs > 0 && total > 0 ? (epoch - 1 + done / total) / this.epochs : NaN;
    const eta = f > 0 ? clock((el / f) * (1 - f)) : '-';
    const bar = Number.isFinite(f) ? `${barText(f, 24)} ` : '';
    const last = total > 0 && done === total && epoch === this.epochs; // always drawn: the bar ends at 100%
    this.line.draw(`epoch ${epoch}/${this.epochs} ${bar}| loss ${Number.isFinite(loss) ? loss.toPrecision(5) : '-'} | ${(this.rows / Math.max(1e-3, el)).toFixed(0)} samples/s | ${clock(el)} | ETA ${eta}`, last);
  }

  /** After an epoch. */
  epoch(e: EpochLineInfo): void {
    const now = Date.now();
    const ms = now - this.epochStart;
    this.epochStart = now;
    if (this.line) return;
    this.out.stdout.write(`${epochLine(e, this.epochs, ms)}\n`);
  }

  end(): void {
    this.line?.end();
  }
}

/** The fields of an epoch a line shows (EpochInfo's). */
export interface EpochLineInfo {
  epoch: number;
  loss: number;
  valLoss?: number;
  metrics: { train: Record<string, number>; validation: Record<string, number> };
  learningRate: number;
}

/** `epoch 3/10 - 41 ms - loss … - val_loss … - <metric> … - val_<metric> … - lr …` (Keras' verbose=2 layout). */
export function epochLine(e: EpochLineInfo, epochs: number, ms: number): string {
  const parts = [`epoch ${e.epoch}/${epochs}`, ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`, `loss ${e.loss.toPrecision(6)}`];
  if (e.valLoss !== undefined) parts.push(`val_loss ${e.valLoss.toPrecision(6)}`);
  // As Keras: each requested metric, then its validation value (validation data gets every metric; the line
  // shows the requested ones).
  for (const [k, v] of Object.entries(e.metrics.train)) parts.push(`${k} ${v.toPrecision(4)}`);
  for (const k of Object.keys(e.metrics.train)) if (e.metrics.validation[k] !== undefined) parts.push(`val_${k} ${e.metrics.validation[k]!.toPrecision(4)}`);
  parts.push(`lr ${e.learningRate.toPrecision(4)}`);
  return parts.join(' - ');
}
