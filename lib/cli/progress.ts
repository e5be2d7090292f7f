/**
 * Progress bars for the CLI: one line redrawn in place on a terminal (at most 10 times a second), with the rate
 * and an ETA; silent when the stream is not a terminal, so logs and CI output stay clean (the CLI prints one line
 * per epoch there instead).
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
