/**
 * Charts for the CLI and benchmarks: terminal line charts with asciichart, SVG with vega-lite compiled to vega
 * and rendered headless (`View.toSVG()`, no canvas needed). vega is ESM-only, so it is imported dynamically.
 */
import { writeFileAtomic } from '../io/util';
import * as asciichart from 'asciichart';

// tsc (module: commonjs) would turn `import()` into `require()`, which cannot load ESM: keep a real import().
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<any>;

/** A line chart of `values` for the terminal, at most `width` columns (values are resampled). */
export function asciiLine(values: ArrayLike<number>, options: { height?: number; width?: number } = {}): string {
  const width = options.width ?? 72;
  const n = values.length;
  const series: number[] = [];
  for (let i = 0; i < Math.min(n, width); i++) series.push(values[Math.floor((i * n) / Math.min(n, width))]!);
  return asciichart.plot(series, { height: options.height ?? 12, format: (x: number) => x.toPrecision(3).padStart(10) });
}

/** Renders a vega-lite spec to an SVG string. */
export async function vegaLiteToSvg(spec: object): Promise<string> {
  const vl = await importEsm('vega-lite');
  const vega = await importEsm('vega');
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg: string = await view.toSVG();
  view.finalize();
  return svg;
}

/** Writes an SVG line chart of learning rate against step. */
export async function plotLearningRates(lrs: ArrayLike<number>, file: string, title: string): Promise<void> {
  const values = Array.from(lrs, (lr, step) => ({ step, lr }));
  const svg = await vegaLiteToSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 640,
    height: 320,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'optimizer step' },
      y: { field: 'lr', type: 'quantitative', title: 'learning rate' },
    },
  });
  writeFileAtomic(file, Buffer.from(svg)); // an IOError naming the path, never a raw ENOENT
}
