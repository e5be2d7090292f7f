#!/usr/bin/env node
/** The `descent` command line: `train`, `lr-find`, `predict`, `inspect`, `export`, `demo`, `schedule`, `info`. Argument parsing by commander. */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { Table } from './table';
import { DescentError, FormatError, OptionError } from '../errors';
import { resolve } from 'node:path';
import { info } from '../info';
import { readCsvFeatures } from '../data/csv';
import { loadModel } from '../io/load';
import { ModelFileInfo, decodeModelFile } from '../io/model-file';
import { AtomicWriter, readFileChecked } from '../io/util';
import type { Model } from '../models/model';
import { parseScheduleSpec, preview } from '../optim/schedules';
import { asciiLine, plotLearningRates } from './plot';
import { runDemo } from './demo';
import { bytesBar } from '../train/progress';
import { addLrFindCommand, addTrainCommand, flagFor } from './train';

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

// `descent predict … | head`: the reader closing the pipe ends the output, not the process with a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const program = new Command();
// eslint-disable-next-line @typescript-eslint/no-require-imports
program.name('descent').description('Gradient-descent training on a native core').version((require('../../package.json') as { version: string }).version);

addTrainCommand(program);
addLrFindCommand(program);

program
  .command('predict')
  .description('predict with a saved model: CSV in (columns chosen by the model\'s feature names), CSV out')
  .requiredOption('--model <file>', 'a model saved by descent (safetensors)')
  .requiredOption('--data <file>', 'CSV with a header row holding the feature columns')
  .option('--output <file>', 'write the predictions here instead of stdout')
  .action(async (o) => {
    const model = loadModel(o.model) as Model & { predict(X: unknown): ArrayLike<number | string>; predictProba?(X: unknown): Float64Array };
    // CSV cells: a label with a comma, quote or line break is quoted (RFC 4180).
    const cell = (v: number | string) => (typeof v === 'string' && /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v));
    const classes = model.classes;
    const dtype = model.getParameterVector() instanceof Float64Array ? 'float64' : 'float32';
    // Streamed: blocks of rows are predicted and written as the reader parses them, so memory stays flat.
    const out = o.output ? new AtomicWriter(o.output as string) : undefined;
    const bar = out ? bytesBar('predict') : { update() {}, stop() {} };
    let wroteHead = false;
    try {
      await readCsvFeatures(o.data, { features: model.featureNames, dtype, onProgress: (p) => bar.update(p) }, async (X) => {
        const pred = model.predict(X);
        const proba = model.predictProba?.(X);
        const k = proba ? proba.length / X.rows : 0;
        const lines: string[] = [];
        if (!wroteHead) {
          lines.push(['prediction', ...(k === 1 ? ['probability'] : Array.from({ length: k }, (_, c) => cell(`p_${classes?.[c] ?? c}`)))].join(','));
          wroteHead = true;
        }
        for (let i = 0; i < X.rows; i++) {
          let row = cell(pred[i]!);
          for (let c = 0; c < k; c++) row += ',' + String(proba![i * k + c]);
          lines.push(row);
        }
        const text = lines.join('\n') + '\n';
        if (out) out.write(text);
        else if (!process.stdout.write(text)) await new Promise((r) => process.stdout.once('drain', r));
      });
      bar.stop();
      out?.commit();
    } catch (e) {
      bar.stop();
      out?.abort();
      throw e;
    }
  });

program
  .command('inspect')
  .description('print a saved model\'s architecture, metadata and tensor table (the file is fully validated first)')
  .argument('<file>', 'a model saved by descent')
  .option('--json', 'print one JSON object (for machines) instead of the readable summary')
  .action((file: string, o: { json?: boolean }) => {
    let f: ModelFileInfo;
    try {
      f = decodeModelFile(readFileChecked(file, 'file'));
    } catch (e) {
      if (e instanceof FormatError) throw new FormatError(`${file}: ${e.message}`, e.argument ?? 'file', { cause: e });
      throw e;
    }
    const s = f.snapshot, spec = s.spec;
    if (o.json) {
      console.log(JSON.stringify({
        file, class: s.className, formatVersion: f.formatVersion, descentVersion: f.descentVersion ?? null, checksumsVerified: f.checksums !== undefined,
        args: s.ctorArgs, spec, classes: s.classes ?? (spec.loss === 'squaredError' ? null : Array.from({ length: Math.max(2, spec.layers.at(-1)!.units) }, (_, i) => i)), featureNames: s.featureNames ?? null, standardized: s.scaler !== undefined,
        training: s.training ?? null, checkpoint: s.checkpoint ? { epoch: s.checkpoint.epoch, step: s.checkpoint.step, optimizer: s.checkpoint.optimizer, slots: s.checkpoint.slots.length } : null,
        tensors: f.tensors,
      }, null, 2));
      return;
    }
    const style = process.stdout.isTTY ? {} : { head: [], border: [] };
    const verified = f.checksums ? `, ${Object.keys(f.checksums.tensors).length} tensor checksums verified` : ', no checksums';
    console.log(`${file}: ${s.className} (descent format ${f.formatVersion}, written by descent ${f.descentVersion ?? 'unknown'}${verified})`);
    const layers = new Table({ style, head: ['layer', 'inputs', 'units', 'activation', 'bias', 'dropout'] });
    spec.layers.forEach((L, i) => layers.push([
      `dense_${i}`, L.inputs, L.units, L.activationParam !== 0 ? `${L.activation}(${L.activationParam})` : L.activation, L.useBias ? 'yes' : 'no', L.dropout || '-',
    ]));
    console.log(layers.toString());
    console.log(`loss head: ${spec.loss}, dtype: ${spec.dtype}`);
    const penalties = (['l1', 'l2', 'clipNorm', 'clipValue'] as const).filter((k) => spec[k] !== 0).map((k) => `${k} ${spec[k]}`);
    if (penalties.length) console.log(`regularization: ${penalties.join(', ')}${spec.penalizeBias ? ' (biases too)' : ''}`);
    // The optimizer as chosen (checkpoints record it with its learning rate; plain files record the last fit's options).
    const recorded = s.training?.optimizer;
    const chosen = s.checkpoint?.optimizer ?? (recorded && typeof recorded === 'object' ? recorded as { name?: unknown; options?: unknown; learningRate?: unknown } : undefined);
    const lr = chosen?.learningRate;
    const lrText = typeof lr === 'number' ? String(lr) : lr !== undefined ? JSON.stringify(lr) : 'not recorded (saved without { checkpoint: true })';
    const kernel = `${spec.optimizer.kernel} kernel: ${JSON.stringify(Object.fromEntries(Object.entries(spec.optimizer).filter(([k]) => k !== 'kernel')))}`;
    console.log(`optimizer: ${chosen ? `${String(chosen.name)} ${JSON.stringify(chosen.options ?? {})}, learning rate ${lrText}` : `learning rate ${lrText}`}`);
    console.log(`  (${kernel})`);
    if (s.featureNames) {
      const shown = s.featureNames.slice(0, 10).join(', ');
      console.log(`features: ${shown}${s.featureNames.length > 10 ? `, … (${s.featureNames.length - 10} more)` : ''}`);
    }
    if (s.classes) console.log(`classes: ${s.classes.slice(0, 20).map((c) => JSON.stringify(c)).join(', ')}${s.classes.length > 20 ? `, … (${s.classes.length - 20} more)` : ''}`);
    if (s.scaler) console.log('standardized: yes (scaler.mean, scaler.std)');
    if (s.training) console.log(`training: ${JSON.stringify(s.training)}`);
    if (s.checkpoint) console.log(`checkpoint: epoch ${s.checkpoint.epoch}, step ${s.checkpoint.step}, optimizer slots ${s.checkpoint.slots.length}`);
    const table = new Table({ style, head: ['tensor', 'dtype', 'shape', 'elements'] });
    for (const t of f.tensors) table.push([t.name, t.dtype, `[${t.shape.join(', ')}]`, t.shape.reduce((a, b) => a * b, 1)]);
    console.log(table.toString());
  });

program
  .command('export')
  .description('convert a saved model to another format: --onnx writes an ONNX model (opset 13) for onnxruntime and other runtimes')
  .argument('<file>', 'a model saved by descent')
  .requiredOption('--onnx <out.onnx>', 'the ONNX file to write (input X [N, d] of raw features; outputs as skl2onnx names them)')
  .action((file: string, o: { onnx: string }) => {
    // Writing over the model it reads would lose the model.
    if (resolve(o.onnx) === resolve(file)) throw new OptionError(`--onnx ${o.onnx} is the model file being exported; write the ONNX model elsewhere`, '--onnx');
    const model = loadModel(file);
    model.exportOnnx(o.onnx);
    console.log(`wrote ${o.onnx}: ${model.constructor.name}, ${readFileChecked(o.onnx, '--onnx').length} bytes`);
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
      plotLearningRates(lrs, o.plot, spec);
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

// Exit codes (README): 0 success (and --help, --version); 1 a DescentError — bad data, options or files, named in
// the message; 2 a usage error (unknown flag, missing or malformed argument), reported by commander; 3 anything
// else, which is a bug in descent (the stack is printed).
program.exitOverride();
for (const c of program.commands) c.exitOverride();
program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof CommanderError) {
    // commander printed its message already (and the help for --help)
    process.exitCode = e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version' ? 0 : 2;
    return;
  }
  if (e instanceof DescentError) {
    // The API's error, with the flag that carried the value when it came from one.
    const flag = flagFor(e.argument);
    console.error(`descent: ${e.name} [${e.code}]: ${e.message}${flag && !e.message.includes(flag) ? ` (flag ${flag})` : ''}`);
    process.exitCode = 1;
  } else {
    console.error(e);
    process.exitCode = 3;
  }
});
