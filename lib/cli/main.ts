#!/usr/bin/env node
/** The `descent` command line: `train`, `demo`, `info`. Argument parsing by commander. */
import { Command, InvalidArgumentError } from 'commander';
import Table from 'cli-table3';
import { DescentError } from '../errors';
import { loadCsv } from '../data/csv';
import { trainTestSplit } from '../data/split';
import { info } from '../info';
import * as fs from 'node:fs';
import { loadCsvFeatures } from '../data/csv';
import type { Dataset } from '../data/csv';
import { loadModel } from '../io/load';
import { readSafetensorsFile } from '../io/safetensors';
import type { Model } from '../models/model';
import { loadFashionMnist } from '../data/idx';
import { LinearRegression, LogisticRegression, SoftmaxRegression } from '../models/linear';
import { MLPClassifier, MLPRegressor } from '../models/mlp';
import { optimizerByName } from '../optim/optimizers';
import { parseScheduleSpec, preview } from '../optim/schedules';
import { asciiLine, plotLearningRates } from './plot';
import { runDemo } from './demo';
import { progressBar } from './progress';
import type { BatchInfo } from '../train/fit';

function int(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got ${JSON.stringify(v)}`);
    return n;
  };
}
function float(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got ${JSON.stringify(v)}`);
    return n;
  };
}

const program = new Command();
// eslint-disable-next-line @typescript-eslint/no-require-imports
program.name('descent').description('Gradient-descent training on a native core').version((require('../../package.json') as { version: string }).version);

program
  .command('train')
  .description('train a model on a CSV file or an IDX directory (MNIST layout) and report train/test metrics')
  .requiredOption('--data <path>', 'CSV file with a header row, or a directory with train-/t10k- IDX files (e.g. /usr/share/datasets/fashion-mnist)')
  .option('--target <column>', 'CSV target column (default: the last column)')
  .requiredOption('--model <kind>', 'linear | logistic | softmax | mlp (classifier) | mlp-regressor')
  .option('--hidden <sizes>', 'hidden layer sizes for mlp models, e.g. 256,128', '100')
  .option('--activation <name>', 'hidden activation for mlp models', 'relu')
  .option('--dropout <rate>', 'dropout after each hidden layer', float('--dropout'), 0)
  .option('--epochs <n>', 'epochs', int('--epochs'), 100)
  .option('--batch-size <n>', 'rows per mini-batch', int('--batch-size'), 32)
  .option('--learning-rate <x>', 'learning rate', float('--learning-rate'), 0.01)
  .option('--optimizer <name>', 'sgd | momentum | nesterov | adam | adamw | rmsprop | adagrad | adadelta | adamax | nadam', 'sgd')
  .option('--schedule <spec>', 'learning-rate schedule, e.g. cosine:tMax=1000 or warmup:steps=50+cosine:tMax=950 (see `descent schedule --help`)')
  .option('--step-unit <unit>', 'what schedule steps count: batch | epoch', 'batch')
  .option('--seed <n>', 'seed for split, initialization and shuffling', int('--seed'), 0)
  .option('--test-fraction <f>', 'fraction of a CSV held out for testing', float('--test-fraction'), 0.2)
  .option('--validation-split <f>', 'fraction of the training rows held out for validation', float('--validation-split'))
  .option('--dtype <dtype>', 'float32 | float64', 'float32')
  .option('--backend <name>', 'native | js | auto', 'auto')
  .option('--no-standardize', 'do not standardize features (IDX images are scaled to [0, 1] and not standardized)')
  .option('--stream', 'read the CSV as a stream (files larger than memory): no test split; reports rows/s')
  .option('--shuffle-buffer <rows>', 'with --stream: rows held for seeded shuffling', int('--shuffle-buffer'), 0)
  .option('--classes <k>', 'with --stream and softmax/mlp: number of classes', int('--classes'))
  .option('--save <file>', 'save the trained model (safetensors, with optimizer state) to this file')
  .option('--checkpoint <file>', 'write a resumable checkpoint after every epoch (atomic)')
  .option('--resume <file>', 'continue the training saved in this checkpoint (--epochs is the total)')
  .action(async (o) => {
    if (o.stream) return trainStream(o);
    const isDir = fs.existsSync(o.data) && fs.statSync(o.data).isDirectory();
    let train: Dataset, test: Dataset, name: string;
    if (isDir) {
      ({ train, test } = loadFashionMnist(o.data, { dtype: o.dtype }));
      name = `${o.data} (IDX)`;
    } else {
      const data = loadCsv(o.data, { target: o.target, dtype: o.dtype });
      ({ train, test } = trainTestSplit(data, { testFraction: o.testFraction, seed: o.seed }));
      name = o.data;
    }
    const base = { standardize: isDir ? false : o.standardize, dtype: o.dtype, backend: o.backend };
    const mlp = { ...base, hiddenLayers: parseHidden(o.hidden), activation: o.activation, dropout: o.dropout };
    const makers: Record<string, () => LinearRegression | LogisticRegression | SoftmaxRegression> = {
      linear: () => new LinearRegression(base),
      logistic: () => new LogisticRegression(base),
      softmax: () => new SoftmaxRegression(base),
      mlp: () => new MLPClassifier(mlp),
      'mlp-regressor': () => new MLPRegressor(mlp),
    };
    const make = makers[o.model];
    if (!make) throw new InvalidArgumentError(`--model must be one of ${Object.keys(makers).join(', ')}, got ${JSON.stringify(o.model)}`);
    requireMlpForDropout(o);
    const model = make();
    const learningRate = o.schedule ? parseScheduleSpec(o.schedule, o.learningRate) : o.learningRate;
    const optimizer = optimizerByName(o.optimizer, { learningRate });
    const trainRows = o.validationSplit ? Math.round(train.X.rows * (1 - o.validationSplit)) : train.X.rows;
    const batches = Math.ceil(trainRows / Math.min(o.batchSize, trainRows));
    const bar = progressBar(o.model, o.epochs * batches);
    const h = await model.fit(train.X, train.y, {
      epochs: o.epochs, batchSize: o.batchSize, optimizer, seed: o.seed, stepUnit: o.stepUnit, validationSplit: o.validationSplit,
      batchesPerChunk: 64,
      checkpoint: o.checkpoint ? { path: o.checkpoint } : undefined,
      resumeFrom: o.resume,
      onBatchEnd: (b) => bar.batch(b.epoch, b.loss, Math.min(o.batchSize, trainRows - b.batch * o.batchSize)),
    });
    bar.stop();
    const style = process.stdout.isTTY ? {} : { head: [], border: [] };
    const table = new Table({ style, head: ['set', 'rows', 'loss', 'metric'] });
    for (const [set, ds] of [['train', train], ['test', test]] as const) {
      const m = model.evaluate(ds.X, ds.y) as { loss: number; r2?: number; accuracy?: number };
      table.push([set, ds.X.rows, m.loss.toPrecision(6), m.r2 !== undefined ? `R² ${m.r2.toFixed(4)}` : `accuracy ${m.accuracy!.toFixed(4)}`]);
    }
    const sps = (trainRows * h.epoch.length) / h.seconds;
    console.log(`${o.model} on ${train.X.rows + test.X.rows} × ${train.X.cols} (${name}): ${h.epoch.length} epochs in ${h.seconds.toFixed(2)} s (${sps.toFixed(0)} samples/s) on the ${model.backendName} backend`);
    if (h.valLoss.length) console.log(`validation loss ${h.valLoss.at(-1)!.toPrecision(6)}`);
    console.log(table.toString());
    if (o.save) {
      model.featureNames = train.featureNames;
      model.save(o.save, { checkpoint: true });
      console.log(`saved ${o.save}`);
    }
  });

type ModelMaker = Record<string, () => LinearRegression | LogisticRegression | SoftmaxRegression>;

/** `--hidden 256,128` → [256, 128]; anything else names the flag. */
function parseHidden(v: unknown): number[] {
  const parts = String(v).split(',');
  const sizes = parts.map((p) => (/^\s*\d+\s*$/.test(p) ? Number(p) : NaN));
  if (sizes.some((n) => !(n >= 1))) throw new InvalidArgumentError(`--hidden must be positive integers separated by commas (e.g. 256,128), got ${JSON.stringify(String(v))}`);
  return sizes;
}

/** --dropout only exists in the MLP models; silently ignoring it would train something else than asked. */
function requireMlpForDropout(o: Record<string, unknown>): void {
  if ((o.dropout as number) > 0 && !String(o.model).startsWith('mlp'))
    throw new InvalidArgumentError(`--dropout applies to the mlp models only, not to --model ${String(o.model)}`);
}

function makers(o: Record<string, unknown>, standardize: boolean): ModelMaker {
  const base = { standardize, dtype: o.dtype as 'float32' | 'float64', backend: o.backend as 'native' | 'js' | 'auto' };
  const mlp = { ...base, hiddenLayers: parseHidden(o.hidden), activation: o.activation as 'relu', dropout: o.dropout as number };
  return {
    linear: () => new LinearRegression(base),
    logistic: () => new LogisticRegression(base),
    softmax: () => new SoftmaxRegression(base),
    mlp: () => new MLPClassifier(mlp),
    'mlp-regressor': () => new MLPRegressor(mlp),
  };
}

/** `train --stream`: one pass (or --epochs passes) over a CSV read as a stream, memory bounded by the chunk size. */
async function trainStream(o: Record<string, unknown>): Promise<void> {
  const make = makers(o, o.standardize as boolean)[o.model as string];
  if (!make) throw new InvalidArgumentError(`--model must be one of linear, logistic, softmax, mlp, mlp-regressor, got ${JSON.stringify(o.model)}`);
  requireMlpForDropout(o);
  const model = make();
  const learningRate = o.schedule ? parseScheduleSpec(o.schedule as string, o.learningRate as number) : (o.learningRate as number);
  const bar = progressBar(`${o.model} (stream)`, 0);
  let rows = 0;
  const h = await model.fit(o.data as string, {
    epochs: o.epochs as number, batchSize: o.batchSize as number, optimizer: optimizerByName(o.optimizer as string, { learningRate }),
    seed: o.seed as number, target: o.target as string | undefined, shuffleBuffer: o.shuffleBuffer as number, classes: o.classes as number | undefined,
    onBatchEnd: (b: BatchInfo) => {
      rows += o.batchSize as number;
      if (b.batch % 256 === 0) bar.batch(b.epoch, b.loss, 0);
    },
  });
  bar.stop();
  h.epoch.forEach((e, i) => {
    const t = h.throughput![i]!;
    console.log(`epoch ${e}: ${t.rows} rows, loss ${h.loss[i]!.toPrecision(6)}, ${t.rowsPerSecond.toFixed(0)} rows/s, ${(t.waitFraction * 100).toFixed(1)}% waiting for data`);
  });
  const mem = process.memoryUsage();
  console.log(`${o.model} streamed from ${o.data} on the ${model.backendName} backend in ${h.seconds.toFixed(2)} s; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (now ${(mem.rss / 1048576).toFixed(0)} MB)`);
  if (o.save) {
    model.save(o.save as string, { checkpoint: true });
    console.log(`saved ${o.save}`);
  }
  void rows;
}

program
  .command('predict')
  .description('predict with a saved model: CSV in (columns chosen by the model\'s feature names), CSV out')
  .requiredOption('--model <file>', 'a model saved by descent (safetensors)')
  .requiredOption('--data <file>', 'CSV with a header row holding the feature columns')
  .option('--output <file>', 'write the predictions here instead of stdout')
  .action((o) => {
    const model = loadModel(o.model) as Model & { predict(X: unknown): Float64Array; predictProba?(X: unknown): Float64Array };
    const { X } = loadCsvFeatures(o.data, { columns: model.featureNames, dtype: model.getParams() instanceof Float64Array ? 'float64' : 'float32' });
    const pred = model.predict(X);
    const proba = model.predictProba?.(X);
    const k = proba ? proba.length / X.rows : 0;
    const head = ['prediction', ...(k === 1 ? ['probability'] : Array.from({ length: k }, (_, c) => `p_${c}`))];
    const lines = [head.join(',')];
    for (let i = 0; i < X.rows; i++) {
      const row = [String(pred[i])];
      for (let c = 0; c < k; c++) row.push(String(proba![i * k + c]));
      lines.push(row.join(','));
    }
    const text = lines.join('\n') + '\n';
    if (o.output) fs.writeFileSync(o.output, text);
    else process.stdout.write(text);
  });

program
  .command('inspect')
  .description('print a saved model\'s architecture, metadata and tensor table')
  .argument('<file>', 'a model saved by descent')
  .action((file: string) => {
    const { tensors, metadata } = readSafetensorsFile(file);
    const model = JSON.parse(metadata.model ?? '{}');
    const style = process.stdout.isTTY ? {} : { head: [], border: [] };
    console.log(`${file}: ${model.class} (descent format ${metadata.format_version}, written by descent ${metadata.descent_version})`);
    const acts = ['linear', 'relu', 'sigmoid', 'tanh', 'leakyRelu', 'elu', 'gelu'];
    const losses = ['squaredError', 'sigmoidCrossEntropy', 'softmaxCrossEntropy'];
    const layers = new Table({ style, head: ['layer', 'inputs', 'units', 'activation', 'bias', 'dropout'] });
    (model.spec?.layers ?? []).forEach((L: { inputs: number; units: number; activation: number; useBias: boolean; dropout: number }, i: number) =>
      layers.push([`dense_${i}`, L.inputs, L.units, acts[L.activation], L.useBias ? 'yes' : 'no', L.dropout || '-']));
    console.log(layers.toString());
    console.log(`loss head: ${losses[model.spec?.loss]}, dtype: ${model.spec?.float64 ? 'float64' : 'float32'}`);
    if (model.featureNames) console.log(`features: ${model.featureNames.join(', ')}`);
    if (model.training) console.log(`training: ${JSON.stringify(model.training)}`);
    if (metadata.checkpoint) {
      const c = JSON.parse(metadata.checkpoint);
      console.log(`checkpoint: epoch ${c.epoch}, step ${c.step}, optimizer ${c.optimizer.name} ${JSON.stringify(c.optimizer.options)}`);
    }
    const table = new Table({ style, head: ['tensor', 'dtype', 'shape', 'elements'] });
    for (const [name, t] of tensors) table.push([name, t.dtype, `[${t.shape.join(', ')}]`, t.data.length]);
    console.log(table.toString());
  });

program
  .command('demo')
  .description('train the three presets on the three bundled data sets')
  .option('--backend <name>', 'native | js | auto', 'auto')
  .option('--seed <n>', 'seed', int('--seed'), 42)
  .action(async (o) => {
    await runDemo({ backend: o.backend, seed: o.seed });
  });

program
  .command('schedule')
  .description('print (or plot) the learning rates of a schedule spec')
  .argument('<spec>', 'KIND:key=value,…[+KIND:…], e.g. warmup:steps=50+cosine:tMax=950; kinds: constant, step, multiStep, exponential, inverseTime, polynomial, cosine, cosineWarmRestarts, linearWarmup (warmup), oneCycle, piecewiseConstant')
  .requiredOption('--steps <n>', 'number of optimizer steps', int('--steps'))
  .option('--learning-rate <x>', 'base learning rate', float('--learning-rate'), 0.1)
  .option('--plot <file.svg>', 'write an SVG chart instead of printing')
  .option('--values', 'print one learning rate per line instead of a chart')
  .action(async (spec: string, o) => {
    const lrs = preview(parseScheduleSpec(spec, o.learningRate), o.steps);
    if (o.plot) {
      await plotLearningRates(lrs, o.plot, spec);
      console.log(`wrote ${o.plot} (${o.steps} steps)`);
    } else if (o.values) {
      console.log(Array.from(lrs).join('\n'));
    } else {
      console.log(`${spec}, ${o.steps} steps, learning rate from ${lrs[0]} to ${lrs[lrs.length - 1]}`);
      console.log(asciiLine(lrs));
    }
  });

program
  .command('info')
  .description('print the version, backend, BLAS and threads')
  .action(() => {
    console.log(JSON.stringify(info(), null, 2));
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof DescentError || e instanceof InvalidArgumentError) {
    console.error(`descent: ${e.name}: ${e.message}`);
  } else {
    console.error(e);
  }
  process.exitCode = 1;
});
