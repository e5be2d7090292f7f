/**
 * Charts for the CLI: terminal line charts with asciichart, SVG files from descent's own writer (./svg.ts).
 */
import { writeFileAtomic } from '../io/util';
import * as asciichart from 'asciichart';
import { lineChartSvg, type Series } from './svg';
import type { History } from '../train/types';

/** A line chart of `values` for the terminal, at most `width` columns (values are resampled). */
export function asciiLine(values: ArrayLike<number>, options: { height?: number; width?: number } = {}): string {
  const width = options.width ?? 72;
  const n = values.length;
  const series: number[] = [];
  for (let i = 0; i < Math.min(n, width); i++) series.push(values[Math.floor((i * n) / Math.min(n, width))]!);
  return asciichart.plot(series, { height: options.height ?? 12, format: (x: number) => x.toPrecision(3).padStart(10) });
}

/** Writes an SVG line chart of learning rate against step. */
export function plotLearningRates(lrs: ArrayLike<number>, file: string, title: string): void {
  const svg = lineChartSvg([{ name: 'learning rate', values: lrs }], { title, xLabel: 'optimizer step', yLabel: 'learning rate', step: true });
  writeFileAtomic(file, Buffer.from(svg)); // an IOError naming the path, never a raw ENOENT
}

/**
 * Writes an SVG chart of training curves from a `fit` History: loss and validation loss against the epoch, and
 * below them (when the run requested any `metrics`) those metrics on the training and the validation data.
 */
export function plotHistory(history: History, file: string, title: string): void {
  const at = (v: number[]): Series => ({ name: '', values: v, x: v.map((_, i) => i + 1) });
  const losses: Series[] = [{ ...at(history.loss), name: 'loss' }];
  if (history.valLoss.length) losses.push({ ...at(history.valLoss), name: 'validation loss' });
  const metrics: Series[] = [];
  for (const [k, v] of Object.entries(history.metrics.train)) if (v.length) metrics.push({ ...at(v), name: k });
  // Validation data gets every metric: chart the requested ones (those computed on the training rows too).
  for (const k of Object.keys(history.metrics.train)) {
    const v = history.metrics.validation[k];
    if (v?.length) metrics.push({ ...at(v), name: `validation ${k}` });
  }
  const charts = [lineChartSvg(losses, { title, xLabel: 'epoch', yLabel: 'loss' })];
  if (metrics.length) charts.push(lineChartSvg(metrics, { title: 'metrics', xLabel: 'epoch', yLabel: 'value' }));
  writeFileAtomic(file, Buffer.from(stack(charts)));
}

/** Stacks standalone SVG documents vertically into one. */
function stack(svgs: string[]): string {
  if (svgs.length === 1) return svgs[0]!;
  let y = 0, w = 0;
  const parts: string[] = [];
  for (const s of svgs) {
    const m = /width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/.exec(s)!;
    const sw = Number(m[1]), sh = Number(m[2]);
    parts.push(`<g transform="translate(0 ${y})">${s.replace(/^<svg[^>]*>/, '').replace(/<\/svg>\s*$/, '')}</g>`);
    y += sh;
    w = Math.max(w, sw);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${y}" viewBox="0 0 ${w} ${y}">\n${parts.join('\n')}\n</svg>\n`;
}
