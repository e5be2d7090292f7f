/**
 * A small dependency-free SVG chart writer: line charts (training curves, learning-rate schedules) and faceted
 * horizontal bar charts (benchmarks). Replaces vega + vega-lite (~24 MB and ~80 packages at install) for the
 * three charts descent draws. Output is static SVG 1.1 text: no script, no external fonts or stylesheets.
 */

/** Tableau 10, the palette vega-lite used here before. */
export const PALETTE = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];

const FONT = 'font-family="Helvetica, Arial, sans-serif"';

/** Escapes text for an SVG text node or attribute. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A number for a tick label: up to 4 significant digits, exponent form outside [1e-3, 1e5). */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

/** "Nice" linear ticks covering [lo, hi] (Heckbert 1990): about `count` steps of 1, 2 or 5 × 10^k. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) return [0, 1];
  if (hi === lo) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  const nice = (x: number, round: boolean): number => {
    const e = Math.floor(Math.log10(x));
    const f = x / 10 ** e;
    const n = round ? (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) : f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return n * 10 ** e;
  };
  const step = nice(nice(hi - lo, false) / Math.max(1, count - 1), true);
  const first = Math.floor(lo / step);
  const ticks: number[] = [];
  for (let i = first; ; i++) {
    const v = Number((i * step).toPrecision(12)); // i * step, not a running sum: no drift
    ticks.push(v);
    if (v >= hi - step * 1e-9 || ticks.length > 1000) break;
  }
  return ticks;
}

/** Powers of ten covering [lo, hi] (lo > 0), for log axes. */
export function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) ticks.push(10 ** e);
  return ticks;
}

/** One line of a line chart: y values at x = 0, 1, 2, … unless `x` is given (same length). */
export interface Series {
  name: string;
  values: ArrayLike<number>;
  x?: ArrayLike<number>;
}

export interface LineChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Plot area size in px (default 640 × 320). */
  width?: number;
  height?: number;
  /** Draw each series as a staircase (value held until the next x), as for learning-rate schedules. */
  step?: boolean;
  /** Log-scale y axis (non-positive values are skipped). */
  logY?: boolean;
}

/**
 * An SVG line chart of one or more series with axes, ticks, a title and (for two or more series) a legend.
 * Non-finite points (and non-positive ones on a log axis) are left out.
 */
export function lineChartSvg(series: Series[], options: LineChartOptions = {}): string {
  const W = options.width ?? 640, H = options.height ?? 320;
  const left = 72, right = series.length > 1 ? 150 : 24, top = options.title ? 40 : 16, bottom = 48;
  const pts = series.map((s) =>
    Array.from(s.values, (y, i) => [s.x ? Number(s.x[i]) : i, Number(y)] as [number, number]).filter(
      ([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!options.logY || y > 0),
    ),
  );
  const all = pts.flat();
  const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
  const xMin = xs.length ? Math.min(...xs) : 0, xMax = xs.length ? Math.max(...xs) : 1;
  const yMin = ys.length ? Math.min(...ys) : 0, yMax = ys.length ? Math.max(...ys) : 1;
  const xt = niceTicks(xMin, xMax, 7);
  let yt: number[];
  let fy: (y: number) => number;
  if (options.logY && ys.length) {
    yt = logTicks(yMin, yMax);
    const l0 = Math.log10(yt[0]!), l1 = Math.log10(yt[yt.length - 1]!) || l0 + 1;
    fy = (y) => top + H - ((Math.log10(y) - l0) / (l1 - l0 || 1)) * H;
  } else {
    yt = niceTicks(yMin, yMax, 6);
    const y0 = yt[0]!, y1 = yt[yt.length - 1]!;
    fy = (y) => top + H - ((y - y0) / (y1 - y0 || 1)) * H;
  }
  const x0 = xt[0]!, x1 = xt[xt.length - 1]!;
  const fx = (x: number) => left + ((x - x0) / (x1 - x0 || 1)) * W;
  const o: string[] = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${left + W + right}" height="${top + H + bottom}" viewBox="0 0 ${left + W + right} ${top + H + bottom}">`);
  o.push(`<rect width="100%" height="100%" fill="white"/>`);
  if (options.title) o.push(`<text x="${left}" y="24" ${FONT} font-size="14" font-weight="bold">${esc(options.title)}</text>`);
  for (const t of yt) {
    const y = fy(t).toFixed(1);
    o.push(`<line x1="${left}" x2="${left + W}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    o.push(`<text x="${left - 6}" y="${y}" dy="4" text-anchor="end" ${FONT} font-size="11">${esc(tickLabel(t))}</text>`);
  }
  for (const t of xt) {
    const x = fx(t).toFixed(1);
    o.push(`<line x1="${x}" x2="${x}" y1="${top + H}" y2="${top + H + 5}" stroke="#888"/>`);
    o.push(`<text x="${x}" y="${top + H + 18}" text-anchor="middle" ${FONT} font-size="11">${esc(tickLabel(t))}</text>`);
  }
  o.push(`<rect x="${left}" y="${top}" width="${W}" height="${H}" fill="none" stroke="#888"/>`);
  if (options.xLabel) o.push(`<text x="${left + W / 2}" y="${top + H + 38}" text-anchor="middle" ${FONT} font-size="12">${esc(options.xLabel)}</text>`);
  if (options.yLabel)
    o.push(`<text transform="translate(16 ${top + H / 2}) rotate(-90)" text-anchor="middle" ${FONT} font-size="12">${esc(options.yLabel)}</text>`);
  pts.forEach((p, si) => {
    const color = PALETTE[si % PALETTE.length]!;
    let d = '';
    let prev: [number, number] | null = null;
    for (const [x, y] of p) {
      const X = fx(x).toFixed(2), Y = fy(y).toFixed(2);
      if (prev === null) d += `M${X},${Y}`;
      else d += options.step ? `H${X}V${Y}` : `L${X},${Y}`;
      prev = [x, y];
    }
    if (d) o.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.6"/>`);
    if (p.length === 1) o.push(`<circle cx="${fx(p[0]![0]).toFixed(2)}" cy="${fy(p[0]![1]).toFixed(2)}" r="2.5" fill="${color}"/>`);
  });
  if (series.length > 1) {
    series.forEach((s, si) => {
      const y = top + 10 + si * 18;
      o.push(`<line x1="${left + W + 12}" x2="${left + W + 32}" y1="${y}" y2="${y}" stroke="${PALETTE[si % PALETTE.length]}" stroke-width="2"/>`);
      o.push(`<text x="${left + W + 38}" y="${y + 4}" ${FONT} font-size="11">${esc(s.name)}</text>`);
    });
  }
  o.push('</svg>');
  return o.join('\n') + '\n';
}

/** One facet of a bar chart: a heading and its bars (one per runner). */
export interface BarGroup {
  label: string;
  bars: { name: string; value: number; text?: string }[];
}

export interface BarChartOptions {
  title?: string;
  subtitle?: string;
  xLabel?: string;
  /** Log-scale bars from `base` (default: the power of ten below the smallest value). */
  log?: boolean;
  /** A dashed reference line at this value (e.g. 1 for ratios). */
  rule?: number;
  /** Plot width in px (default 560). */
  width?: number;
  /** Names in legend/color order (default: order of first appearance). */
  order?: string[];
}

/** Horizontal bars grouped in facets (one heading each) sharing one x scale; bar labels are `text` or the value. */
export function barChartSvg(groups: BarGroup[], options: BarChartOptions = {}): string {
  const W = options.width ?? 560, left = 250, right = 120, barH = 13, rowH = 17;
  const names = options.order ?? [...new Set(groups.flatMap((g) => g.bars.map((b) => b.name)))];
  const values = groups.flatMap((g) => g.bars.map((b) => b.value)).filter((v) => Number.isFinite(v) && (!options.log || v > 0));
  let fx: (v: number) => number;
  let ticks: number[];
  if (options.log) {
    const lo = 10 ** Math.floor(Math.log10(Math.min(...values, options.rule ?? Infinity) / 1.2));
    const hi = 10 ** Math.ceil(Math.log10(Math.max(...values, options.rule ?? 0) * 1.2));
    ticks = logTicks(lo, hi);
    fx = (v) => left + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo) || 1)) * W;
  } else {
    ticks = niceTicks(0, Math.max(...values, options.rule ?? 0, 0), 6);
    const hi = ticks[ticks.length - 1]! || 1;
    fx = (v) => left + (Math.max(v, 0) / hi) * W;
  }
  const top = (options.title ? 28 : 8) + (options.subtitle ? 18 : 0) + 8;
  let y = top;
  const body: string[] = [];
  for (const g of groups) {
    body.push(`<text x="8" y="${y + 12}" ${FONT} font-size="12" font-weight="bold">${esc(g.label)}</text>`);
    y += 20;
    const y0 = y;
    for (const b of g.bars) {
      const color = PALETTE[Math.max(0, names.indexOf(b.name)) % PALETTE.length]!;
      const x1 = fx(b.value);
      body.push(`<text x="${left - 6}" y="${y + barH - 3}" text-anchor="end" ${FONT} font-size="11">${esc(b.name)}</text>`);
      if (Number.isFinite(b.value)) body.push(`<rect x="${left}" y="${y}" width="${Math.max(0, x1 - left).toFixed(1)}" height="${barH}" fill="${color}"/>`);
      body.push(`<text x="${(Number.isFinite(x1) ? x1 : left) + 3}" y="${y + barH - 3}" ${FONT} font-size="10">${esc(b.text ?? tickLabel(b.value))}</text>`);
      y += rowH;
    }
    if (options.rule !== undefined) {
      const rx = fx(options.rule).toFixed(1);
      body.push(`<line x1="${rx}" x2="${rx}" y1="${y0 - 2}" y2="${y}" stroke="#888" stroke-dasharray="3,3"/>`);
    }
    y += 8;
  }
  const axisY = y + 4;
  for (const t of ticks) {
    const x = fx(t).toFixed(1);
    body.push(`<line x1="${x}" x2="${x}" y1="${axisY}" y2="${axisY + 5}" stroke="#888"/>`);
    body.push(`<text x="${x}" y="${axisY + 18}" text-anchor="middle" ${FONT} font-size="11">${esc(tickLabel(t))}</text>`);
  }
  body.push(`<line x1="${left}" x2="${left + W}" y1="${axisY}" y2="${axisY}" stroke="#888"/>`);
  if (options.xLabel) body.push(`<text x="${left + W / 2}" y="${axisY + 36}" text-anchor="middle" ${FONT} font-size="12">${esc(options.xLabel)}</text>`);
  const height = axisY + 48;
  const head: string[] = [];
  head.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${left + W + right}" height="${height}" viewBox="0 0 ${left + W + right} ${height}">`);
  head.push(`<rect width="100%" height="100%" fill="white"/>`);
  if (options.title) head.push(`<text x="8" y="22" ${FONT} font-size="14" font-weight="bold">${esc(options.title)}</text>`);
  if (options.subtitle) head.push(`<text x="8" y="${options.title ? 40 : 20}" ${FONT} font-size="11" fill="#555">${esc(options.subtitle)}</text>`);
  return [...head, ...body, '</svg>'].join('\n') + '\n';
}
