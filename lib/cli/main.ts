#!/usr/bin/env node
/** The `descent` command line: `train`, `demo`, `info`. Argument parsing by commander. */
import { Command, InvalidArgumentError } from 'commander';
import Table from 'cli-table3';
import { DescentError } from '../errors';
import { loadCsv } from '../data/csv';
import { trainTestSplit } from '../data/split';
import { info } from '../info';
import { LinearRegression, LogisticRegression, SoftmaxRegression } from '../models/linear';
import { optimizerByName } from '../optim/optimizers';
import { parseScheduleSpec, preview } from '../optim/schedules';
import { asciiLine, plotLearningRates } from './plot';
import { runDemo } from './demo';
import { progressBar } from './progress';

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
  .description('train a model on a CSV file and report test metrics')
  .requiredOption('--data <file>', 'CSV file with a header row')
  .option('--target <column>', 'target column (default: the last column)')
  .requiredOption('--model <kind>', 'linear | logistic | softmax')
  .option('--epochs <n>', 'epochs', int('--epochs'), 100)
  .option('--batch-size <n>', 'rows per mini-batch', int('--batch-size'), 32)
  .option('--learning-rate <x>', 'learning rate', float('--learning-rate'), 0.01)
  .option('--optimizer <name>', 'sgd | momentum | nesterov | adam | adamw | rmsprop | adagrad | adadelta | adamax | nadam', 'sgd')
  .option('--seed <n>', 'seed for split, initialization and shuffling', int('--seed'), 0)
  .option('--test-fraction <f>', 'fraction held out for testing', float('--test-fraction'), 0.2)
  .option('--dtype <dtype>', 'float32 | float64', 'float32')
  .option('--backend <name>', 'native | js | auto', 'auto')
  .option('--schedule <spec>', 'learning-rate schedule, e.g. cosine:tMax=1000 or warmup:steps=50+cosine:tMax=950 (see `descent schedule --help`)')
  .option('--step-unit <unit>', 'what schedule steps count: batch | epoch', 'batch')
  .option('--no-standardize', 'do not standardize features')
  .action(async (o) => {
    const kinds = { linear: LinearRegression, logistic: LogisticRegression, softmax: SoftmaxRegression } as const;
    const Ctor = kinds[o.model as keyof typeof kinds];
    if (!Ctor) throw new InvalidArgumentError(`--model must be linear, logistic or softmax, got ${JSON.stringify(o.model)}`);
    const data = loadCsv(o.data, { target: o.target, dtype: o.dtype });
    const { train, test } = trainTestSplit(data, { testFraction: o.testFraction, seed: o.seed });
    const model = new Ctor({ standardize: o.standardize, dtype: o.dtype, backend: o.backend });
    const learningRate = o.schedule ? parseScheduleSpec(o.schedule, o.learningRate) : o.learningRate;
    const optimizer = optimizerByName(o.optimizer, { learningRate });
    const bar = progressBar(o.model, o.epochs);
    const h = await model.fit(train.X, train.y, { epochs: o.epochs, batchSize: o.batchSize, optimizer, seed: o.seed, stepUnit: o.stepUnit, onEpochEnd: (e) => bar.update(e.epoch, e.loss) });
    bar.stop();
    const table = new Table({ style: process.stdout.isTTY ? {} : { head: [], border: [] }, head: ['set', 'rows', 'objective', 'metric'] });
    for (const [name, set] of [['train', train], ['test', test]] as const) {
      const m = model.evaluate(set.X, set.y) as { loss: number; r2?: number; accuracy?: number };
      table.push([name, set.X.rows, m.loss.toPrecision(6), m.r2 !== undefined ? `R² ${m.r2.toFixed(4)}` : `accuracy ${m.accuracy!.toFixed(4)}`]);
    }
    console.log(`${o.model} on ${data.X.rows} × ${data.X.cols} (${o.data}), ${h.epoch.length} epochs in ${(h.seconds * 1000).toFixed(0)} ms on the ${model.backendName} backend`);
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
