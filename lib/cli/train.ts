/**
 * `descent train`: the command line's way into the same `fit` as the API. Its training flags are derived from the
 * option table (lib/train/options.ts `TRAINING_OPTIONS[*].cli`) and its optimizer flags from the engine table
 * (lib/engine/spec.ts `OPTIMIZERS`), and every value goes to `fit`/`optimizerByName` as given: the one validator
 * (`resolvePlan`) checks it and names the option; {@link flagFor} turns that name back into the flag.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { Table } from './table';
import { ACTIVATION_NAMES, LOSSES, OPTIMIZERS, OPTIMIZER_NAMES, type LossFact } from '../engine/spec';
import { lbfgs } from '../optim/lbfgs';
import { IOError, OptionError } from '../errors';
import { loadCsv } from '../data/csv';
import type { Dataset } from '../data/csv';
import { loadFashionMnist } from '../data/idx';
import { trainTestSplit } from '../data/split';
import { LinearClassifier, LinearRegression, LinearRegressor, LogisticRegression, SoftmaxRegression } from '../models/linear';
import { MLPClassifier, MLPRegressor } from '../models/mlp';
import { optimizerByName } from '../optim/optimizers';
import { parseScheduleSpec } from '../optim/schedules';
import { TRAINING_OPTIONS, TRAINING_OPTION_NAMES, type FitOptions, type TrainingOption } from '../train/options';
import { bytesBar } from '../train/progress';
import { setNumThreads } from '../info';
import { plotHistory } from './plot';
import { lineChartSvg } from './svg';
import { writeFileAtomic } from '../io/util';
import { BUNDLED_DATASETS, datasetPath, type BundledName } from '../data/bundled';

const DECIMAL = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/**
 * Decimal numbers become numbers; anything else (including `0x10` or `Infinity`) stays the text it was, so the
 * validator's message shows what was typed.
 */
const value = (v: string): number | string => (DECIMAL.test(v) ? Number(v) : v);

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Every hyperparameter of every optimizer in the engine table (one flag each), plus decoupled weight decay. */
const HYPER: Map<string, { boolean: boolean; doc: string }> = (() => {
  const m = new Map<string, { boolean: boolean; doc: string }>();
  for (const name of OPTIMIZER_NAMES) {
    for (const [key, h] of Object.entries(OPTIMIZERS[name].hyper)) {
      const used = m.get(key);
      if (!used) m.set(key, { boolean: typeof h.default === 'boolean', doc: `${h.doc} (${name}` });
      else if (!used.doc.includes(`${name},`)) used.doc += `, ${name}`;
    }
  }
  for (const v of m.values()) v.doc += ')';
  m.set('decoupledWeightDecay', { boolean: true, doc: 'apply weightDecay decoupled, p ← p·(1 − lr·λ), AdamW-style (any optimizer)' });
  return m;
})();

const TABLE_FLAGS = TRAINING_OPTION_NAMES.filter((k) => 'cli' in TRAINING_OPTIONS[k]);

/** Arguments of the API that the command's own flags (not the tables) fill. */
const OWN_FLAGS: Record<string, string> = {
  testFraction: '--test-fraction', dropout: '--dropout', hiddenLayers: '--hidden', activation: '--activation',
  l1: '--l1', l2: '--l2', penalizeBias: '--penalize-bias', clipNorm: '--clip-norm', clipValue: '--clip-value',
  patience: '--early-stopping', monitor: '--monitor', restoreBestWeights: '--restore-best-weights', classWeight: '--class-weight', threads: '--threads',
  minLr: '--min-lr', maxLr: '--max-lr', steps: '--steps', maxIter: '--max-iter', quantile: '--loss-param', power: '--loss-param', loss: '--loss',
  average: '--average', ema: '--ema', decay: '--ema',
};

/** The flag that set an option or argument a DescentError names (`batchSize` → `--batch-size`), if any. */
export function flagFor(argument: string | undefined): string | undefined {
  if (!argument) return undefined;
  if (argument.startsWith('--')) return argument;
  const parts = argument.replace(/^options\./, '').replace(/\[\d+\]$/, '').split('.');
  // The innermost name first (earlyStopping.patience → --early-stopping), then the outermost (classWeight.5).
  for (const key of [parts[parts.length - 1]!, parts[0]!]) {
    if (Object.prototype.hasOwnProperty.call(OWN_FLAGS, key)) return OWN_FLAGS[key];
    if ((TABLE_FLAGS as string[]).includes(key)) return (TRAINING_OPTIONS[key as TrainingOption] as { cli: { flag: string } }).cli.flag.split(' ')[0];
    if (key === 'learningRate') return '--learning-rate';
    if (key === 'optimizer') return '--optimizer';
    if (HYPER.has(key)) return `--${kebab(key)}`;
  }
  return undefined;
}

const MODELS = ['linear', 'logistic', 'softmax', 'mlp', 'mlp-regressor'] as const;

/** `--hidden 256,128` → [256, 128]. */
function parseHidden(v: string): number[] {
  const sizes = String(v).split(',').map((p) => (/^\s*\d+\s*$/.test(p) ? Number(p) : NaN));
  if (sizes.some((n) => !(n >= 1))) throw new OptionError(`Expected positive integers separated by commas (e.g. 256,128) for --hidden but received ${JSON.stringify(String(v))}`, '--hidden');
  return sizes;
}

type Flags = Record<string, unknown>;

/** Refuses flags given on the command line that the run would ignore (training something else than asked). */
function refuseIgnored(o: Flags, cmd: Command): void {
  const given = (attr: string) => cmd.getOptionValueSource(attr) === 'cli';
  const kind = o.model as string;
  if (!kind.startsWith('mlp')) {
    for (const [attr, flag] of [['dropout', '--dropout'], ['hidden', '--hidden'], ['activation', '--activation']] as const) {
      if (given(attr)) throw new OptionError(`${flag} applies to the mlp models only, not to --model ${kind}`, flag);
    }
  }
  if (o.stream && given('testFraction')) throw new OptionError('--test-fraction does not apply with --stream (a stream is not split; pass a separate CSV to descent predict)', '--test-fraction');
  // Fail before training, not after it, when the model or the chart cannot be written where asked.
  for (const flag of ['save', 'plot'] as const) {
    if (o[flag] === undefined) continue;
    const dir = path.dirname(path.resolve(String(o[flag])));
    try {
      fs.accessSync(dir, fs.constants.W_OK);
    } catch (e) {
      throw new IOError(`Cannot write ${JSON.stringify(o[flag])}: ${(e as Error).message}`, `--${flag}`, { cause: e });
    }
  }
}

function makeModel(o: Flags, standardize: boolean): LinearRegression | LogisticRegression | SoftmaxRegression | LinearRegressor | LinearClassifier {
  const kind = o.model as string;
  if (!(MODELS as readonly string[]).includes(kind)) throw new OptionError(`Expected one of ${MODELS.join(', ')} for --model but received ${JSON.stringify(kind)}`, '--model');
  const reg = { ...(o.l1 !== undefined ? { l1: o.l1 } : {}), ...(o.l2 !== undefined ? { l2: o.l2 } : {}), ...(o.penalizeBias ? { penalizeBias: true } : {}) };
  const base = {
    standardize, dtype: o.dtype as never, backend: o.backend as never,
    ...(Object.keys(reg).length ? { regularization: reg as never } : {}),
    ...(o.clipNorm !== undefined ? { clipNorm: o.clipNorm as never } : {}),
    ...(o.clipValue !== undefined ? { clipValue: o.clipValue as never } : {}),
    ...(o.average ? { average: true } : {}),
    ...(o.ema !== undefined ? { ema: { decay: o.ema as never } } : {}),
  };
  // --loss: scikit-learn's losses on the linear models (LinearRegressor for linear, LinearClassifier for logistic/softmax).
  if (o.loss !== undefined || o.lossParam !== undefined) {
    if (o.loss === undefined) throw new OptionError('--loss-param needs --loss', '--loss-param');
    const loss = o.loss as string;
    const param = (LOSSES as Record<string, LossFact>)[loss]?.param;
    if (o.lossParam !== undefined && !param) throw new OptionError(`--loss-param applies to the losses with a parameter (huber, epsilonInsensitive, squaredEpsilonInsensitive, quantile, tweedie), not to ${loss}`, '--loss-param');
    const named = o.lossParam !== undefined ? { [param!.name]: o.lossParam } : {};
    if (kind === 'linear') return new LinearRegressor({ ...base, loss: loss as never, ...named });
    if (kind === 'logistic' || kind === 'softmax') return new LinearClassifier({ ...base, loss: loss as never });
    throw new OptionError(`--loss applies to --model linear (regression losses) or logistic/softmax (one-vs-rest classifier losses), not to ${kind}`, '--loss');
  }
  const mlp = { ...base, hiddenLayers: parseHidden(o.hidden as string), activation: o.activation as never, dropout: (o.dropout ?? 0) as never };
  switch (kind) {
    case 'linear': return new LinearRegression(base);
    case 'logistic': return new LogisticRegression(base);
    case 'softmax': return new SoftmaxRegression(base);
    case 'mlp': return new MLPClassifier(mlp);
    default: return new MLPRegressor(mlp);
  }
}

/** `--class-weight balanced` or `label=weight,…` (labels as in the CSV: numbers or text). */
function parseClassWeight(v: string): 'balanced' | Record<string, number | string> {
  if (v === 'balanced') return v;
  const out: Record<string, number | string> = {};
  for (const part of v.split(',')) {
    const eq = part.lastIndexOf('=');
    if (eq <= 0) throw new OptionError(`Expected balanced or label=weight pairs (e.g. 0=1,1=5) for --class-weight but received ${JSON.stringify(v)}`, '--class-weight');
    out[part.slice(0, eq).trim()] = value(part.slice(eq + 1));
  }
  return out;
}

/** `fit` options from the flags: the table-derived ones as given, the optimizer built from its flags. */
function fitOptions(o: Flags, cmd: Command): FitOptions {
  const out: Record<string, unknown> = {};
  for (const key of TABLE_FLAGS) {
    const attr = cmd.options.find((x) => x.long === flagFor(key))!.attributeName();
    if (o[attr] !== undefined) out[key] = o[attr];
  }
  if (out.checkpoint !== undefined) out.checkpoint = { path: out.checkpoint };
  if (o.earlyStopping !== undefined || o.monitor !== undefined || o.restoreBestWeights) {
    if (o.earlyStopping === undefined) throw new OptionError('--monitor and --restore-best-weights need --early-stopping <patience>', o.monitor !== undefined ? '--monitor' : '--restore-best-weights');
    out.earlyStopping = { patience: o.earlyStopping, ...(o.monitor !== undefined ? { monitor: o.monitor } : {}), ...(o.restoreBestWeights ? { restoreBestWeights: true } : {}) };
  }
  if (o.classWeight !== undefined) out.classWeight = parseClassWeight(String(o.classWeight));
  const hyper: Record<string, unknown> = {};
  for (const key of HYPER.keys()) if (o[key] !== undefined) hyper[key] = o[key];
  // --resume without optimizer flags continues with the checkpoint's optimizer and schedule (as fit's resumeFrom).
  const optimizerGiven = cmd.getOptionValueSource('optimizer') === 'cli' || o.learningRate !== undefined || o.schedule !== undefined || Object.keys(hyper).length > 0;
  if (out.resumeFrom !== undefined && !optimizerGiven) return out as FitOptions;
  const name = o.optimizer as string;
  if (name === 'lbfgs') {
    // Full batch: the solver's options only (fit refuses epochs, batches and the rest, naming the flag).
    for (const [attr, flag] of [['learningRate', '--learning-rate'], ['schedule', '--schedule']] as const)
      if (o[attr] !== undefined) throw new OptionError(`${flag} does not apply to --optimizer lbfgs (L-BFGS picks its steps by line search)`, flag);
    out.optimizer = lbfgs(o.maxIter !== undefined ? { maxIter: o.maxIter as number } : {});
    return out as FitOptions;
  }
  if (o.maxIter !== undefined) throw new OptionError('--max-iter applies to --optimizer lbfgs', '--max-iter');
  optimizerByName(name); // a bad name is reported before a learning rate is derived from it
  const lr = (o.learningRate ?? OPTIMIZERS[name as keyof typeof OPTIMIZERS].learningRate) as number;
  const learningRate = o.schedule !== undefined ? parseScheduleSpec(o.schedule as string, lr) : lr;
  out.optimizer = optimizerByName(name, { ...hyper, learningRate });
  return out as FitOptions;
}

export function addTrainCommand(program: Command): void {
  const cmd = program
    .command('train')
    .description('train a model on a CSV file or an IDX directory (MNIST layout) and report train/test metrics')
    .requiredOption('--data <path>', `CSV file with a header row, a directory with train-/t10k- IDX files (e.g. /usr/share/datasets/fashion-mnist), or a bundled data set: ${Object.keys(BUNDLED_DATASETS).join(', ')}`)
    .addOption(new Option('--model <kind>', 'the model').choices(MODELS).makeOptionMandatory())
    .option('--hidden <sizes>', 'hidden layer sizes for mlp models, e.g. 256,128', '100')
    .addOption(new Option('--activation <name>', 'hidden activation for mlp models').choices(ACTIVATION_NAMES).default('relu'))
    .option('--dropout <rate>', 'dropout after each hidden layer (mlp models)', value)
    .addOption(new Option('--optimizer <name>', 'the optimizer (torch.optim update rules), or lbfgs (full batch: L-BFGS, OWL-QN with --l1)').choices([...OPTIMIZER_NAMES, 'lbfgs']).default('sgd'))
    .option('--max-iter <n>', 'with --optimizer lbfgs: iterations (default 100)', value)
    .option('--loss <name>', "a scikit-learn loss: for --model linear squaredError, huber, epsilonInsensitive, squaredEpsilonInsensitive, quantile, poisson, gamma, tweedie; for logistic/softmax log, hinge, squaredHinge, modifiedHuber, perceptron")
    .option('--loss-param <x>', "the loss's parameter: epsilon (huber, epsilon-insensitive), quantile, or the Tweedie power", value)
    .option('--average', 'average the weights after every step (ASGD, scikit-learn\'s average=True); predict and --save use the average')
    .option('--ema <decay>', 'exponential moving average of the weights with this decay; predict and --save use it', value)
    .option('--learning-rate <x>', "learning rate (default: the optimizer's, as PyTorch: sgd 0.01, adam 0.001, …)", value)
    .option('--schedule <spec>', 'learning-rate schedule, e.g. cosine:tMax=1000 or warmup:steps=50+cosine:tMax=950 (see `descent schedule --help`)')
    .option('--test-fraction <f>', 'fraction of a CSV held out for testing', value, 0.2)
    .option('--no-standardize', 'do not standardize features (IDX images are scaled to [0, 1] and not standardized)')
    .option('--stream', 'read the CSV as a stream (files larger than memory): no test split; reports rows/s')
    .option('--save <file>', 'save the trained model (safetensors, with optimizer state) to this file')
    .option('--plot <file.svg>', 'write the training curves (loss, validation loss, metrics per epoch) as an SVG chart')
    .option('--l1 <x>', 'L1 penalty λ₁·Σ|w| (true zeros: proximal step)', value)
    .option('--l2 <x>', 'L2 penalty (λ₂/2)·Σw²', value)
    .option('--penalize-bias', 'apply --l1/--l2 to the biases too')
    .option('--clip-norm <x>', 'clip the global gradient L2 norm to x', value)
    .option('--clip-value <x>', 'clip each gradient element to [−x, x]', value)
    .option('--early-stopping <patience>', 'stop after this many epochs without improvement (Keras EarlyStopping)', value)
    .option('--monitor <name>', 'what --early-stopping watches: valLoss (default with validation), loss, val_<metric>, train_<metric>')
    .option('--restore-best-weights', 'with --early-stopping: end with the best epoch\'s weights')
    .option('--class-weight <spec>', 'classifiers: balanced, or label=weight pairs, e.g. 0=1,1=5')
    .option('--threads <n>', 'native threads (default: the cores OpenBLAS found)', value);
  cmd.addHelpText('after', `
Examples:
  descent train --data digits --model softmax --epochs 50 --optimizer adam --learning-rate 0.01
  descent train --data breast-cancer --model logistic --validation-split 0.2 --metrics accuracy,f1 --early-stopping 5 --plot curves.svg
  descent train --data data.csv --target label --model mlp --hidden 64,32 --l2 1e-4 --class-weight balanced --save model.safetensors
  descent train --data big.csv --model linear --stream --epochs 3

Exit codes: 0 success; 1 bad data, options or files (the message names them); 2 a usage error; 3 a bug in descent.`);
  for (const key of TABLE_FLAGS) {
    const cli = (TRAINING_OPTIONS[key] as { cli: { flag: string; doc: string; type: string } }).cli;
    // Lists are comma-separated; their items stay text (column names, missing-value spellings).
    cmd.addOption(cli.type === 'list' ? new Option(cli.flag, cli.doc).argParser((v: string) => v.split(',')) : new Option(cli.flag, cli.doc).argParser(value));
  }
  for (const [key, h] of HYPER) cmd.addOption(h.boolean ? new Option(`--${kebab(key)}`, h.doc) : new Option(`--${kebab(key)} <x>`, h.doc).argParser(value));
  cmd.action(async (o: Flags) => {
    resolveBundled(o);
    refuseIgnored(o, cmd);
    if (o.threads !== undefined) setNumThreads(o.threads as number);
    return o.stream ? trainStream(o, cmd) : trainInMemory(o, cmd);
  });
}


/** `--data digits`: a bundled data set by name (unless a file of that name exists), with its target column. */
function resolveBundled(o: Flags): void {
  const d = o.data as string;
  if (fs.existsSync(d)) return;
  if (Object.prototype.hasOwnProperty.call(BUNDLED_DATASETS, d)) {
    o.data = datasetPath(d as BundledName);
    if (o.target === undefined) o.target = BUNDLED_DATASETS[d as BundledName].target;
    return;
  }
  // A bare word that is neither a file nor a bundled name: most likely a misspelled name.
  const near = Object.keys(BUNDLED_DATASETS).filter((n) => editDistance(n, d.toLowerCase()) <= 2);
  if (near.length && !/[./\\]/.test(d))
    throw new IOError(`Cannot read ${JSON.stringify(d)}: no such file, and no bundled data set of that name (did you mean ${near.map((n) => JSON.stringify(n)).join(' or ')}?)`, '--data');
}

/** Levenshtein distance (short strings). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The --verbose level: as given (fit validates it), else a bar on a terminal and one line per epoch when stdout is piped. */
function verbosity(o: Flags): unknown {
  if (o.verbose !== undefined) return o.verbose;
  return process.stdout.isTTY && process.stderr.isTTY ? 1 : 2;
}

async function trainInMemory(o: Flags, cmd: Command): Promise<void> {
  const isDir = fs.existsSync(o.data as string) && fs.statSync(o.data as string).isDirectory();
  let train: Dataset, test: Dataset, name: string;
  let classes: string[] | undefined;
  if (isDir) {
    ({ train, test } = loadFashionMnist(o.data as string, { dtype: o.dtype as never }));
    name = `${o.data} (IDX)`;
  } else {
    const bar = bytesBar('loading');
    const { target, features, ignore, delimiter, comment, naValues, fillValue } = fitOptions(o, cmd);
    const data = await loadCsv(o.data as string, { target, features, ignore, delimiter, comment, naValues, fillValue, dtype: o.dtype as never, onProgress: (p) => bar.update(p) });
    bar.stop();
    classes = data.classes;
    ({ train, test } = trainTestSplit(data, { testFraction: o.testFraction as number, seed: (o.seed ?? 0) as number }));
    name = o.data as string;
  }
  const model = makeModel(o, isDir ? false : (o.standardize as boolean));
  // The CSV reading options were used to load the file; the rest are fit's.
  const { target: _t, features: _f, ignore: _i, delimiter: _d, comment: _c, naValues: _n, fillValue: _v, ...options } = fitOptions(o, cmd);
  void [_t, _f, _i, _d, _c, _n, _v];
  const trainRows = options.validationSplit ? Math.round(train.X.rows * (1 - (options.validationSplit as number))) : train.X.rows;
  // A CSV target of text labels was read as indices into data.classes: train on the labels, so the model keeps them.
  const labels = (ds: Dataset) => (classes ? Array.from(ds.y as ArrayLike<number>, (i) => classes[i]!) : ds.y);
  const fullBatch = o.optimizer === 'lbfgs';
  const h = await model.fit(train.X, labels(train) as never, fullBatch ? options : { ...options, batchesPerChunk: 64, verbose: verbosity(o) as 0 | 1 | 2 });
  if (o.plot) plotHistory(h, o.plot as string, `${o.model} on ${name}`);
  const style = process.stdout.isTTY ? {} : { head: [], border: [] };
  const table = new Table({ style, head: ['set', 'rows', 'loss', 'metric'] });
  for (const [set, ds] of [['train', train], ['test', test]] as const) {
    const m = model.evaluate(ds.X, labels(ds)) as { loss: number; r2?: number; accuracy?: number };
    table.push([set, ds.X.rows, m.loss.toPrecision(6), m.r2 !== undefined ? `R² ${m.r2.toFixed(4)}` : `accuracy ${m.accuracy!.toFixed(4)}`]);
  }
  const sps = (trainRows * h.epoch.length) / h.seconds;
  console.log(fullBatch
    ? `${o.model} on ${train.X.rows + test.X.rows} × ${train.X.cols} (${name}): L-BFGS, ${h.lbfgs!.iterations} iterations (${h.lbfgs!.evaluations} evaluations, stopped: ${h.lbfgs!.reason}) in ${h.seconds.toFixed(2)} s on the ${model.backendName} backend`
    : `${o.model} on ${train.X.rows + test.X.rows} × ${train.X.cols} (${name}): ${h.epoch.length} epochs in ${h.seconds.toFixed(2)} s (${sps.toFixed(0)} samples/s) on the ${model.backendName} backend`);
  if (h.valLoss.length) console.log(`validation loss ${h.valLoss.at(-1)!.toPrecision(6)}`);
  console.log(table.toString());
  if (o.plot) console.log(`wrote ${o.plot}`);
  if (o.save) {
    model.featureNames = train.featureNames;
    // A checkpoint holds optimizer state to resume from: none for L-BFGS, not yet for averaged weights.
    model.save(o.save as string, { checkpoint: !fullBatch && !o.average && o.ema === undefined });
    console.log(`saved ${o.save}`);
  }
}

/** `train --stream`: passes over a CSV read as a stream, memory bounded by the chunk size. */
async function trainStream(o: Flags, cmd: Command): Promise<void> {
  const model = makeModel(o, o.standardize as boolean);
  const h = await model.fit(o.data as string, { ...fitOptions(o, cmd), verbose: verbosity(o) as 0 | 1 | 2 });
  const averaged = !!o.average || o.ema !== undefined;
  if (o.plot) {
    plotHistory(h, o.plot as string, `${o.model} on ${o.data} (stream)`);
    console.log(`wrote ${o.plot}`);
  }
  h.epoch.forEach((e, i) => {
    const t = h.throughput[i]!;
    console.log(`epoch ${e}: ${t.rows} rows, loss ${h.loss[i]!.toPrecision(6)}, ${t.rowsPerSecond.toFixed(0)} rows/s, ${(t.waitFraction * 100).toFixed(1)}% waiting for data`);
  });
  const mem = process.memoryUsage();
  console.log(`${o.model} streamed from ${o.data} on the ${model.backendName} backend in ${h.seconds.toFixed(2)} s; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (now ${(mem.rss / 1048576).toFixed(0)} MB)`);
  if (o.save) {
    model.save(o.save as string, { checkpoint: !averaged });
    console.log(`saved ${o.save}`);
  }
}

/**
 * `descent lr-find`: the learning-rate range test (Model.lrFind) on a CSV or a bundled data set, printed as a
 * table of the sweep and the suggested rate, and drawn with `--plot lr.svg` (smoothed loss against log10 lr).
 */
export function addLrFindCommand(program: Command): void {
  const cmd = program
    .command('lr-find')
    .description('learning-rate range test (Smith 2017): sweep the rate exponentially on a copy of the model and suggest one')
    .requiredOption('--data <path>', `CSV file with a header row, or a bundled data set: ${Object.keys(BUNDLED_DATASETS).join(', ')}`)
    .option('--target <column>', 'the target column (default: the last)')
    .addOption(new Option('--model <kind>', 'the model').choices(MODELS).makeOptionMandatory())
    .option('--hidden <sizes>', 'hidden layer sizes for mlp models, e.g. 256,128', '100')
    .addOption(new Option('--activation <name>', 'hidden activation for mlp models').choices(ACTIVATION_NAMES).default('relu'))
    .addOption(new Option('--optimizer <name>', 'the optimizer whose learning rate is swept').choices(OPTIMIZER_NAMES).default('sgd'))
    .option('--min-lr <x>', 'first learning rate', value, 1e-7)
    .option('--max-lr <x>', 'last learning rate', value, 10)
    .option('--steps <n>', 'mini-batches in the sweep', value, 100)
    .option('--batch-size <n>', 'rows per mini-batch', value, 32)
    .option('--seed <n>', 'seeds the copy\'s initialization and shuffling', value, 0)
    .option('--no-standardize', 'do not standardize features')
    .option('--l2 <x>', 'L2 penalty (λ₂/2)·Σw²', value)
    .option('--plot <file.svg>', 'write the smoothed loss against log10(learning rate) as an SVG chart');
  cmd.addHelpText('after', `
Examples:
  descent lr-find --data digits --model softmax
  descent lr-find --data breast-cancer --model mlp --hidden 32 --optimizer adam --plot lr.svg`);
  cmd.action(async (o: Flags) => {
    resolveBundled(o);
    if (!(o.model as string).startsWith('mlp')) {
      for (const [attr, flag] of [['hidden', '--hidden'], ['activation', '--activation']] as const)
        if (cmd.getOptionValueSource(attr) === 'cli') throw new OptionError(`${flag} applies to the mlp models only, not to --model ${o.model}`, flag);
    }
    if (o.plot !== undefined) {
      const dir = path.dirname(path.resolve(String(o.plot)));
      if (!fs.existsSync(dir)) throw new IOError(`Cannot write ${JSON.stringify(o.plot)}: no directory ${dir}`, '--plot');
    }
    const data = await loadCsv(o.data as string, { target: o.target as string | undefined });
    const labels = data.classes ? Array.from(data.y as ArrayLike<number>, (i) => data.classes![i]!) : data.y;
    const model = makeModel(o, o.standardize as boolean);
    const r = await model.lrFind(data.X, labels as never, {
      minLr: o.minLr as number, maxLr: o.maxLr as number, steps: o.steps as number, batchSize: o.batchSize as number, seed: o.seed as number,
      optimizer: o.optimizer as string,
    });
    const style = process.stdout.isTTY ? {} : { head: [], border: [] };
    const table = new Table({ style, head: ['step', 'learning rate', 'loss', 'smoothed'] });
    const every = Math.max(1, Math.ceil(r.lrs.length / 15));
    for (let i = 0; i < r.lrs.length; i++)
      if (i % every === 0 || i === r.lrs.length - 1) table.push([i + 1, r.lrs[i]!.toExponential(2), r.losses[i]!.toPrecision(5), r.smoothed[i]!.toPrecision(5)]);
    console.log(`${o.model} on ${data.X.rows} × ${data.X.cols} (${o.data}), ${o.optimizer}: ${r.lrs.length} batches of ${Math.min(o.batchSize as number, data.X.rows)}${r.stoppedEarly ? ' (stopped: the loss diverged)' : ''}`);
    console.log(table.toString());
    console.log(`suggested learning rate ${r.suggestion.toExponential(2)} (steepest descent of the smoothed loss); minimum at ${r.minLossLr.toExponential(2)}`);
    if (o.plot) {
      const svg = lineChartSvg([{ name: 'smoothed loss', values: r.smoothed, x: r.lrs.map(Math.log10) }, { name: 'loss', values: r.losses, x: r.lrs.map(Math.log10) }],
        { title: `learning-rate range test: ${o.model}, ${o.optimizer} (suggestion ${r.suggestion.toExponential(2)})`, xLabel: 'log10 learning rate', yLabel: 'loss' });
      writeFileAtomic(String(o.plot), Buffer.from(svg));
      console.log(`wrote ${o.plot}`);
    }
  });
}
