/** A progress bar (cli-progress) on a TTY; silent otherwise so logs and CI output stay clean. */
import { SingleBar, Presets } from 'cli-progress';

export interface Progress {
  /** After an epoch (small data sets): advance to `epoch`. */
  update(epoch: number, loss: number): void;
  /** After a batch (large data sets): advance by one batch of `rows`. */
  batch(epoch: number, loss: number, rows: number): void;
  stop(): void;
}

/** A bar over `total` units (epochs, or batches when `batch()` is used). */
export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update() {}, batch() {}, stop() {} };
  const bar = new SingleBar(
    { format: `${label.padEnd(14)} [{bar}] {percentage}% | epoch {epoch} | loss {loss} | {rate} samples/s | {duration_formatted}`, stream, hideCursor: true, clearOnComplete: false },
    Presets.shades_classic,
  );
  const t0 = Date.now();
  let rows = 0, done = 0;
  bar.start(total, 0, { loss: '-', epoch: 0, rate: '-' });
  const rate = () => (rows / Math.max(1e-3, (Date.now() - t0) / 1000)).toFixed(0);
  return {
    update(epoch, loss) {
      bar.update(epoch, { loss: loss.toPrecision(5), epoch, rate: '-' });
    },
    batch(epoch, loss, n) {
      rows += n;
      bar.update(++done, { loss: loss.toPrecision(5), epoch, rate: rate() });
    },
    stop() {
      bar.stop();
    },
  };
}

/** A bar over the bytes of a file being read (loadCsv's onProgress), with MB/s; silent off a TTY. */
export function bytesBar(label: string, stream: NodeJS.WriteStream = process.stderr): { update(p: { bytesRead: number; totalBytes: number; rows: number }): void; stop(): void } {
  if (!stream.isTTY) return { update() {}, stop() {} };
  const bar = new SingleBar(
    { format: `${label.padEnd(14)} [{bar}] {percentage}% | {mb} MB | {rows} rows | {rate} MB/s | {duration_formatted}`, stream, hideCursor: true, clearOnComplete: false },
    Presets.shades_classic,
  );
  const t0 = Date.now();
  let started = false;
  return {
    update(p) {
      if (!started) {
        bar.start(Math.max(1, p.totalBytes), 0, { mb: '0', rows: 0, rate: '-' });
        started = true;
      }
      const mb = p.bytesRead / 1e6;
      bar.update(p.bytesRead, { mb: mb.toFixed(1), rows: p.rows, rate: (mb / Math.max(1e-3, (Date.now() - t0) / 1000)).toFixed(0) });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
