/**
 * 46 consistency: the same fault gives the same class and code on every entry point (API and CLI), and what a new
 * user met in the pass after "One training path" — validationData on softmax classifiers, flags the CLI ignored,
 * configuration problems `info()` did not report — stays fixed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DataSourceError, DescentError, FormatError, IOError, MLPClassifier, SoftmaxRegression, adam, datasetPath, fromBuffer, info, loadCsvSync,
  loadIdx, trainTestSplit,
} from '../lib';
import { BACKENDS } from './support/backends';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'descent-46-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const ROOT = path.join(__dirname, '..');
const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'lib', 'cli', 'main.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });

function isError(Cls: new (...a: never[]) => DescentError, code: string, message?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof Cls, `expected ${Cls.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    assert.equal(e.code, code);
    if (message) assert.match(e.message, message);
    return true;
  };
}

describe('46 consistency: validationData on softmax classifiers', function () {
  this.timeout(120_000);
  const d = loadCsvSync(datasetPath('digits'));
  const { train, test } = trainTestSplit(d, { testFraction: 0.2, seed: 1 });
  for (const backend of BACKENDS) {
    it(`${backend}: SoftmaxRegression and MLPClassifier evaluate validationData every epoch (it was a ShapeError before the classes were known)`, async () => {
      for (const m of [new SoftmaxRegression({ backend, standardize: true }), new MLPClassifier({ backend, standardize: true, hiddenLayers: [16] })]) {
        const h = await m.fit(train.X, train.y, { epochs: 3, seed: 2, optimizer: adam({ learningRate: 0.01 }), validationData: [test.X, test.y] });
        assert.equal(h.valLoss.length, 3);
        assert.equal(h.metrics.validation.accuracy!.length, 3);
        // The last epoch's validation numbers are the model's own evaluation of the same rows.
        const e = m.evaluate(test.X, test.y);
        assert.equal(h.valLoss[2], e.loss);
        assert.equal(h.metrics.validation.accuracy![2], e.accuracy);
        assert.ok(e.accuracy > 0.9, `accuracy ${e.accuracy}`);
      }
      // Labels outside the classes the training labels fixed are still named.
      await assert.rejects(new SoftmaxRegression({ backend }).fit(train.X, train.y, { epochs: 1, validationData: [test.X, Float64Array.from(test.y, () => 12)] }),
        (e: unknown) => e instanceof DescentError && e.argument === 'validationData[1][0]');
    });
  }
});

describe('46 consistency: one fault, one class and code, on every entry point', function () {
  this.timeout(120_000);
  const missing = path.join(tmp, 'no-such.csv');
  const headerOnly = path.join(tmp, 'header-only.csv');
  fs.writeFileSync(headerOnly, 'a,b,y\n');

  it('a missing file is an IOError (ERR_IO) from loadCsvSync, loadIdx, a streaming fit and the CLI, with one "Cannot read" in its message', async () => {
    const once = /^Cannot read (IDX file |CSV file )?"[^"]+": ENOENT(?!.*Cannot read)/;
    assert.throws(() => loadCsvSync(missing), isError(IOError, 'ERR_IO', once));
    assert.throws(() => loadIdx(path.join(tmp, 'no-such.idx')), isError(IOError, 'ERR_IO', once));
    await assert.rejects(new SoftmaxRegression().fit(missing, { classes: 3 }), isError(IOError, 'ERR_IO'));
    const r = cli(['train', '--data', missing, '--model', 'linear']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^descent: IOError \[ERR_IO\]: Cannot read CSV file "[^"]+no-such\.csv": ENOENT/);
  });

  it('a CSV with a header and no rows is a FormatError from loadCsvSync and from a streaming fit; an empty iterable is a DataSourceError', async () => {
    assert.throws(() => loadCsvSync(headerOnly), isError(FormatError, 'ERR_FORMAT', /a header row but no data rows/));
    await assert.rejects(new SoftmaxRegression().fit(headerOnly, { classes: 3 }), isError(FormatError, 'ERR_FORMAT', /a header row but no data rows/));
    await assert.rejects(new SoftmaxRegression().fit(function* () {}, { classes: 3 }), isError(DataSourceError, 'ERR_DATA_SOURCE', /yielded no rows/));
  });

  it('a model file whose descent_version was edited fails its checksum (every metadata string descent writes is covered)', async () => {
    const m = new SoftmaxRegression();
    await m.fit([[0, 1], [1, 0]], [0, 1], { epochs: 1 });
    const buf = m.toBuffer();
    const text = buf.toString('latin1');
    const at = text.indexOf('"descent_version":"') + '"descent_version":"'.length;
    assert.ok(at > 20);
    const edited = Buffer.from(buf);
    edited[at] = edited[at] === 0x30 ? 0x31 : 0x30; // 0.1.0 → 1.1.0 (or back)
    assert.throws(() => fromBuffer(edited), isError(FormatError, 'ERR_FORMAT', /metadata "descent_version" fails its crc32c checksum/));
  });
});

describe('46 consistency: the CLI refuses what it would ignore, and names the flag', function () {
  this.timeout(120_000);
  const data = datasetPath('breast-cancer');

  it('--hidden/--activation/--dropout without an mlp model, --test-fraction with --stream, non-decimal numbers, an unwritable --save (before training), a bad --plot path', () => {
    const cases: [string[], RegExp][] = [
      [['train', '--data', data, '--model', 'softmax', '--hidden', '64'], /OptionError \[ERR_OPTION\]: --hidden applies to the mlp models only/],
      [['train', '--data', data, '--model', 'linear', '--activation', 'tanh'], /--activation applies to the mlp models only/],
      [['train', '--data', data, '--model', 'logistic', '--stream', '--test-fraction', '0.3'], /--test-fraction does not apply with --stream/],
      [['train', '--data', data, '--model', 'logistic', '--epochs', '0x10'], /Expected an integer >= 0 for epochs but received "0x10" \(flag --epochs\)/],
      [['train', '--data', data, '--model', 'logistic', '--batch-size', 'Infinity'], /for batchSize but received "Infinity" \(flag --batch-size\)/],
      [['train', '--data', data, '--model', 'logistic', '--optimizer', 'adam', '--beta1', '2'], /adam\.beta1 but received 2 \(flag --beta1\)/],
      [['train', '--data', data, '--model', 'logistic', '--test-fraction', '2'], /\(flag --test-fraction\)/],
      [['train', '--data', data, '--model', 'logistic', '--epochs', '1000000', '--save', path.join(tmp, 'no-dir', 'm.st')], /^descent: IOError \[ERR_IO\]: Cannot write .*no-dir.* \(flag --save\)/],
      [['schedule', 'cosine:tMax=10', '--steps', '10', '--plot', path.join(tmp, 'no-dir', 'x.svg')], /^descent: IOError \[ERR_IO\]: Cannot write /],
    ];
    for (const [args, want] of cases) {
      const t0 = Date.now();
      const r = cli(args);
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, want, args.join(' '));
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.ok(Date.now() - t0 < 30_000, `${args.join(' ')} failed late (after training?)`);
    }
  });
});

describe('46 consistency: the CLI resumes with the checkpoint\'s optimizer', function () {
  this.timeout(120_000);
  it('train --resume without optimizer flags continues the checkpoint (it used to pass the default sgd and be refused)', () => {
    const ck = path.join(tmp, 'cli-ck.st');
    const data = datasetPath('digits');
    const first = cli(['train', '--data', data, '--model', 'softmax', '--optimizer', 'adam', '--epochs', '3', '--checkpoint', ck]);
    assert.equal(first.status, 0, first.stderr);
    const resumed = cli(['train', '--data', data, '--model', 'softmax', '--epochs', '5', '--resume', ck]);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stdout, / 2 epochs in /);
    const other = cli(['train', '--data', data, '--model', 'softmax', '--epochs', '5', '--resume', ck, '--optimizer', 'sgd']);
    assert.equal(other.status, 1);
    assert.match(other.stderr, /OptionError \[ERR_OPTION\]: .*different optimizer/);
  });
});

describe('46 consistency: info() reports configuration problems', function () {
  this.timeout(60_000);
  it('a malformed DESCENT_BACKEND, DESCENT_MEMORY_LIMIT or DESCENT_SIMD is listed in info().problems, and the reason says fit() will throw', () => {
    assert.deepEqual(info().problems, []);
    const script = "console.log(JSON.stringify(require('./lib').info()))";
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], {
      cwd: ROOT, encoding: 'utf8', env: { ...process.env, DESCENT_BACKEND: 'gpu', DESCENT_MEMORY_LIMIT: 'lots', DESCENT_SIMD: 'avx1024' },
    });
    assert.equal(r.status, 0, r.stderr);
    const i = JSON.parse(r.stdout.trim().split('\n').pop()!) as { reason: string; problems: string[]; memoryLimit: null };
    assert.match(i.reason, /^fit\(\) will throw: Expected "js", "native" or "auto" for DESCENT_BACKEND but received "gpu"/);
    assert.equal(i.memoryLimit, null);
    assert.equal(i.problems.length, 3, i.problems.join('\n'));
    assert.match(i.problems.join('\n'), /DESCENT_MEMORY_LIMIT/);
    assert.match(i.problems.join('\n'), process.arch === 'arm64' ? /DESCENT_SIMD="avx1024" is not one of scalar, neon: ignored/ : /DESCENT_SIMD="avx1024" is not one of scalar, avx2, avx512: ignored/);
  });
});
