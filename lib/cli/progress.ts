/** A progress bar (cli-progress) on a TTY; silent otherwise so logs and CI output stay clean. */
import { SingleBar, Presets } from 'cli-progress';

export interface Progress {
  update(epoch: number, loss: number): void;
  stop(): void;
}

export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update() {}, stop() {} };
  const bar = new SingleBar(
    { format: `${label.padEnd(14)} [{bar}] {value}/{total} epochs | loss {loss} | {duration_formatted}`, stream, hideCursor: true, clearOnComplete: false },
    Presets.shades_classic,
  );
  bar.start(total, 0, { loss: '-' });
  return {
    update(epoch, loss) {
      bar.update(epoch, { loss: loss.toPrecision(5) });
    },
    stop() {
      bar.stop();
    },
  };
}
