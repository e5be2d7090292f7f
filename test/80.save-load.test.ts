import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  FormatError, ShapeError, LinearRegression, LogisticRegression, MLPClassifier, MLPRegressor, Model, Rng, Sequential,
  SoftmaxRegression, adam, cosine, dense, dropout, fromBuffer, leakyRelu, loadCsvSync, loadModel,
} from '../lib';
import { crc32cHex } from '../lib/io/crc32c';
import { BACKENDS } from './support/backends';

const DATA = path.join(__dirname, '..', 'datasets');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'descent-io-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Pred = { predict(X: unknown): Float64Array; predictProba?(X: unknown): Float64Array };

describe('80 save and load: round trip', () => {
  const digits = loadCsvSync(path.join(DATA, 'digits.csv'));
  const bc = loadCsvSync(path.join(DATA, 'breast-cancer.csv'));
  const diab = loadCsvSync(path.join(DATA, 'diabetes.csv'));
  const cases: [string, (dtype: 'float32' | 'float64') => Model, typeof digits][] = [
    ['LinearRegression', (dtype) => new LinearRegression({ dtype, standardize: true }), diab],
    ['LogisticRegression', (dtype) => new LogisticRegression({ dtype, standardize: true, regularization: { l1: 1e-3 } }), bc],
    ['SoftmaxRegression', (dtype) => new SoftmaxRegression({ dtype, standardize: true }), digits],
    ['MLPRegressor', (dtype) => new MLPRegressor({ dtype, hiddenLayers: [8], standardize: true }), diab],
    ['MLPClassifier', (dtype) => new MLPClassifier({ dtype, hiddenLayers: [16, 8], activation: 'tanh', standardize: true }), digits],
    ['Sequential', (dtype) => new Sequential([dense(12, { activation: leakyRelu(0.2), kernelInitializer: 'heUniform' }), dropout(0.1), dense(1)], { loss: 'sigmoidCrossEntropy', dtype, standardize: true }), bc],
  ];
  for (const [name, make, data] of cases) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${name} (${dtype}): predict of the loaded model equals the original bit for bit`, async () => {
        const m = make(dtype);
        await m.fit(data.X, data.y, { epochs: 3, optimizer: adam({ learningRate: 1e-2 }), seed: 2 });
        m.featureNames = data.featureNames;
        const file = path.join(tmp, `${name}-${dtype}.safetensors`);
        m.save(file);
        for (const loaded of [loadModel(file), fromBuffer(m.toBuffer())]) {
          assert.equal(loaded.constructor.name, name);
          assert.deepEqual(loaded.featureNames, data.featureNames);
          const a = m as unknown as Pred, b = loaded as unknown as Pred;
          assert.deepEqual(Array.from(b.predict(data.X)), Array.from(a.predict(data.X)));
          if (a.predictProba && name !== 'Sequential' || name === 'Sequential') {
            if (a.predictProba) assert.deepEqual(Array.from(b.predictProba!(data.X)), Array.from(a.predictProba(data.X)));
          }
          assert.deepEqual(Array.from(loaded.getParameterVector()), Array.from(m.getParameterVector()));
        }
      });
    }
  }

  it('the loaded model predicts on the JS backend too (same numbers as on its own backend, float64)', async () => {
    const m = new SoftmaxRegression({ dtype: 'float64', standardize: true });
    await m.fit(digits.X, digits.y, { epochs: 2, seed: 1 });
    const buf = m.toBuffer();
    const viaJs = fromBuffer(buf, { backend: 'js' }) as SoftmaxRegression;
    const p1 = viaJs.predictProba(digits.X), p2 = m.predictProba(digits.X);
    let d = 0;
    p1.forEach((v, i) => (d = Math.max(d, Math.abs(v - p2[i]!))));
    assert.ok(d < 1e-12, `max difference ${d}`);
  });
});

describe('80 save and load: resume', () => {
  const csv = path.join(DATA, 'digits.csv');
  const d = loadCsvSync(csv);
  const opts = () => ({ batchSize: 64, seed: 5, optimizer: adam({ learningRate: cosine({ learningRate: 0.01, tMax: 300 }) }) });

  it('10 epochs straight equal 5 epochs, checkpoint, a new process resuming for 5 more (Adam + cosine + shuffle), bit for bit', async function () {
    const straight = new SoftmaxRegression({ standardize: true });
    await straight.fit(d.X, d.y, { ...opts(), epochs: 10 });
    const ckpt = path.join(tmp, 'half.safetensors');
    const half = new SoftmaxRegression({ standardize: true });
    await half.fit(d.X, d.y, { ...opts(), epochs: 5, checkpoint: { path: ckpt } });
    const out = execFileSync(process.execPath, ['--require', 'tsx/cjs', path.join(__dirname, 'fixtures', 'resume-child.ts'), ckpt, csv], { cwd: path.join(__dirname, '..'), encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), Array.from(straight.getParameterVector()));
  });

  for (const backend of BACKENDS) {
    it(`${backend}: resuming in-process equals straight training; dropping the optimizer state does not`, async () => {
      const straight = new SoftmaxRegression({ standardize: true, backend });
      await straight.fit(d.X, d.y, { ...opts(), epochs: 6 });
      const half = new SoftmaxRegression({ standardize: true, backend });
      await half.fit(d.X, d.y, { ...opts(), epochs: 3 });
      const full = path.join(tmp, `full-${backend}.safetensors`), noOpt = path.join(tmp, `noopt-${backend}.safetensors`);
      half.save(full, { checkpoint: true });
      half.save(noOpt, { checkpoint: true, optimizerState: false });
      const resumed = new SoftmaxRegression({ standardize: true, backend });
      await resumed.fit(d.X, d.y, { ...opts(), epochs: 6, resumeFrom: full });
      assert.deepEqual(Array.from(resumed.getParameterVector()), Array.from(straight.getParameterVector()));
      assert.equal(resumed.history!.epoch[0], 4);
      const fresh = new SoftmaxRegression({ standardize: true, backend });
      await fresh.fit(d.X, d.y, { ...opts(), epochs: 6, resumeFrom: noOpt });
      assert.notDeepEqual(Array.from(fresh.getParameterVector()), Array.from(straight.getParameterVector()));
    });
  }

  it('resumeFrom checks the file: a plain model file or another class is an OptionError', async () => {
    const m = new SoftmaxRegression({ standardize: true });
    await m.fit(d.X, d.y, { epochs: 1 });
    const plain = path.join(tmp, 'plain.safetensors');
    m.save(plain);
    await assert.rejects(new SoftmaxRegression({ standardize: true }).fit(d.X, d.y, { resumeFrom: plain }), /without training state/);
    m.save(plain, { checkpoint: true });
    await assert.rejects(new MLPClassifier().fit(d.X, d.y, { resumeFrom: plain }), /holds a SoftmaxRegression/);
  });
});

/** An independent reader of the safetensors layout (8-byte LE length, JSON header, raw LE data). */
function readIndependently(file: string): { header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>; data: Buffer } {
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  return { header, data: buf.subarray(8 + n) };
}

describe('80 save and load: interoperability', () => {
  it('an independent reader sees PyTorch-layout tensors with readable names and descent metadata', async () => {
    const d = loadCsvSync(path.join(DATA, 'digits.csv'), { dtype: 'float64' });
    const m = new MLPClassifier({ hiddenLayers: [16], dtype: 'float64', standardize: true });
    await m.fit(d.X, d.y, { epochs: 2, optimizer: adam(), seed: 1 });
    const file = path.join(tmp, 'interop.safetensors');
    m.save(file, { checkpoint: true });
    const { header, data } = readIndependently(file);
    const meta = header.__metadata__ as unknown as Record<string, string>;
    assert.equal(meta.format, 'descent');
    assert.equal(meta.format_version, '2');
    assert.deepEqual(JSON.parse(meta.model!).spec.layers.map((L: { activation: string }) => L.activation), ['relu', 'linear']);
    assert.deepEqual(Object.keys(JSON.parse(meta.checksums!).tensors).sort(), Object.keys(header).filter((k) => k !== '__metadata__').sort());
    assert.deepEqual(header['dense_0.weight']!.shape, [16, 64]);
    assert.deepEqual(header['dense_1.bias']!.shape, [10]);
    assert.equal(header['dense_0.weight']!.dtype, 'F64');
    assert.ok(header['optimizer.dense_0.weight.exp_avg'] && header['optimizer.dense_1.bias.exp_avg_sq']);
    const [b, e] = header['dense_1.bias']!.data_offsets;
    const bias = new Float64Array(data.buffer.slice(data.byteOffset + b, data.byteOffset + e));
    assert.deepEqual(Array.from(bias), Array.from(m.getWeights()[1]!.bias!));
  });

  it('the MLP loaded into a PyTorch nn.Sequential predicts the same (when PyTorch is installed)', async function () {
    const py = '/usr/bin/python3';
    if (spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) {
      console.log('      (skipped: PyTorch not installed; apt-get install -y python3-torch)');
      this.skip();
    }
    const d = loadCsvSync(path.join(DATA, 'digits.csv'), { dtype: 'float64' });
    const m = new MLPClassifier({ hiddenLayers: [32, 16], dtype: 'float64' });
    await m.fit(d.X, d.y, { epochs: 2, optimizer: adam(), seed: 3 });
    const file = path.join(tmp, 'torch.safetensors');
    m.save(file);
    assert.equal((readIndependently(file).header.__metadata__ as unknown as Record<string, string>).format_version, '2');
    const script = `
import json, struct, sys, torch
raw = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + n]); data = raw[8 + n:]
def t(name):
    h = header[name]; b, e = h['data_offsets']
    return torch.frombuffer(bytearray(data[b:e]), dtype=torch.float64).reshape(h['shape'])
net = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 16), torch.nn.ReLU(), torch.nn.Linear(16, 10)).double()
with torch.no_grad():
    for i, layer in enumerate([net[0], net[2], net[4]]):
        layer.weight.copy_(t(f'dense_{i}.weight')); layer.bias.copy_(t(f'dense_{i}.bias'))
X = torch.tensor(json.loads(sys.stdin.read()), dtype=torch.float64)
print(json.dumps(net(X).argmax(1).tolist()))
`;
    const rows = Array.from({ length: 50 }, (_, i) => Array.from(d.X.data.subarray(i * 64, (i + 1) * 64)));
    const r = spawnSync(py, ['-c', script, file], { input: JSON.stringify(rows), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), Array.from(m.predict(rows) as Float64Array));
  });
});

describe('80 save and load: corrupt files', () => {
  let good: Buffer;
  before(async () => {
    const m = new MLPClassifier({ hiddenLayers: [4], standardize: true });
    await m.fit([[1, 2], [3, 4], [5, 7], [0, 1]], [0, 1, 2, 1], { epochs: 2, seed: 1 });
    good = m.toBuffer({ checkpoint: true });
  });
  const headerOf = (b: Buffer) => JSON.parse(b.subarray(8, 8 + Number(b.readBigUInt64LE(0))).toString());
  const withHeader = (h: unknown, data: Buffer) => {
    const json = Buffer.from(JSON.stringify(h));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    return Buffer.concat([len, json, data]);
  };
  const dataOf = (b: Buffer) => b.subarray(8 + Number(b.readBigUInt64LE(0)));
  /** The header with its metadata checksums recomputed, as a deliberate editor would. */
  const resigned = (h: { __metadata__: Record<string, string> }) => {
    const m = h.__metadata__, sums = JSON.parse(m.checksums!);
    for (const k of ['model', 'checkpoint']) if (m[k] !== undefined) sums.metadata[k] = crc32cHex(Buffer.from(m[k]!, 'utf8'));
    m.checksums = JSON.stringify(sums);
    return h;
  };
  const mutations: [string, (b: Buffer) => Buffer, RegExp][] = [
    ['0-byte file', () => Buffer.alloc(0), /./],
    ['truncated file', (b) => b.subarray(0, b.length - 7), /./],
    ['header length larger than the file', (b) => { const c = Buffer.from(b); c.writeBigUInt64LE(BigInt(b.length)); return c; }, /./],
    ['invalid JSON', (b) => { const c = Buffer.from(b); c[9] = 0x7b; c[10] = 0x7b; return c; }, /./],
    ['unknown format version', (b) => { const h = headerOf(b); h.__metadata__.format_version = '99'; return withHeader(h, dataOf(b)); }, /format_version/],
    ['wrong dtype name', (b) => { const h = headerOf(b); h['dense_0.weight'].dtype = 'F16X'; return withHeader(h, dataOf(b)); }, /dtype/],
    ['shape/byte-count mismatch', (b) => { const h = headerOf(b); h['dense_0.weight'].shape = [5, 2]; return withHeader(h, dataOf(b)); }, /./],
    ['overlapping offsets', (b) => { const h = headerOf(b); const k = Object.keys(h).filter((x) => x !== '__metadata__'); h[k[1]!].data_offsets = h[k[0]!].data_offsets; return withHeader(h, dataOf(b)); }, /./],
    ['out-of-range offsets', (b) => { const h = headerOf(b); h['dense_0.bias'].data_offsets = [0, 1 << 30]; return withHeader(h, dataOf(b)); }, /./],
    // Deliberate edits with re-computed checksums (resigned) reach the checks behind the checksums.
    ['model JSON not JSON', (b) => { const h = headerOf(b); h.__metadata__.model = '{nope'; return withHeader(resigned(h), dataOf(b)); }, /not valid JSON/],
    ['architecture inconsistent with tensors', (b) => { const h = headerOf(b); const mj = JSON.parse(h.__metadata__.model); mj.spec.layers[0].units = 5; mj.spec.layers[1].inputs = 5; h.__metadata__.model = JSON.stringify(mj); return withHeader(resigned(h), dataOf(b)); }, /shape/],
    ['model JSON edited without its checksum', (b) => { const h = headerOf(b); h.__metadata__.model = h.__metadata__.model.replace('"activation":"relu"', '"activation":"tanh"'); return withHeader(h, dataOf(b)); }, /metadata "model" fails its crc32c checksum/],
    ['one flipped bit in the tensor data', (b) => { const c = Buffer.from(b); c[c.length - 3] ^= 4; return c; }, /tensor "[^"]+" fails its crc32c checksum/],
    ['no checksums', (b) => { const h = headerOf(b); delete h.__metadata__.checksums; return withHeader(h, dataOf(b)); }, /checksums/],
    ['not a descent file', (b) => { const h = headerOf(b); delete h.__metadata__; return withHeader(h, dataOf(b)); }, /format/],
  ];
  for (const [name, mutate, re] of mutations) {
    it(`${name} → FormatError`, () => {
      const file = path.join(tmp, 'bad.safetensors');
      fs.writeFileSync(file, mutate(good));
      assert.throws(() => loadModel(file), (e: Error) => e instanceof FormatError && re.test(e.message));
    });
  }

  it('fuzz: 10 000 random mutations of a valid checkpoint either load or throw FormatError', () => {
    const seed = Number(process.env.DESCENT_FUZZ_SEED ?? 20261130);
    const rng = new Rng(seed);
    let loaded = 0;
    for (let k = 0; k < 10000; k++) {
      const b = Buffer.from(good);
      const kind = rng.below(4);
      let m: Buffer = b;
      if (kind === 0) for (let j = 0; j < 1 + rng.below(4); j++) b[rng.below(b.length)] = rng.below(256);
      else if (kind === 1) m = b.subarray(0, rng.below(b.length));
      else if (kind === 2) b.writeUInt32LE(rng.nextU32(), rng.below(2) * 4);
      else {
        const n = Number(b.readBigUInt64LE(0));
        const at = 8 + rng.below(n);
        b[at] = '{}[]",:0123456789eE.-'.charCodeAt(rng.below(21));
      }
      let model;
      try {
        model = fromBuffer(m);
        loaded++;
      } catch (e) {
        if (!(e instanceof FormatError)) assert.fail(`seed ${seed}, mutation ${k}: ${(e as Error).constructor.name}: ${(e as Error).message}`);
        continue;
      }
      // A file that loads can still hold statistics or weights under which 0.5 overflows float32 (a std of
      // 1e-300 is finite and positive): predict then throws the overflow ShapeError, never returns NaN.
      try {
        const p = (model as unknown as { predict(X: number[][]): ArrayLike<number> }).predict([Array(2).fill(0.5)]);
        assert.ok(Array.from(p).every(Number.isFinite), `seed ${seed}, mutation ${k}: non-finite prediction`);
      } catch (e) {
        if (!(e instanceof ShapeError && e.argument === 'X' && /overflow/.test(e.message))) assert.fail(`seed ${seed}, mutation ${k}: predict: ${(e as Error).constructor.name}: ${(e as Error).message}`);
      }
    }
    assert.ok(loaded < 10000);
  });
});

describe('80 save and load: crash safety', () => {
  it('SIGKILL during checkpoint writes always leaves a loadable previous or new checkpoint (20 kills)', async function () {
    this.timeout(300000);
    const file = path.join(tmp, 'crash.safetensors');
    const rng = new Rng(99);
    for (let k = 0; k < 20; k++) {
      const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(__dirname, 'fixtures', 'checkpoint-writer.ts'), file], { cwd: path.join(__dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, rng.below(300)));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const m = loadModel(file);
      assert.equal(m.constructor.name, 'MLPClassifier');
      const leftovers = fs.readdirSync(tmp).filter((f) => f.startsWith('crash.safetensors') && f !== 'crash.safetensors');
      for (const f of leftovers) fs.rmSync(path.join(tmp, f)); // temp files of killed writers; never the target
    }
  });
});

describe('80 save and load: CLI', () => {
  const cli = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
  before(function () {
    if (!fs.existsSync(cli)) {
      console.log('      (skipped: dist/ not built; run npm run build:ts)');
      this.skip();
    }
  });
  it('train --save, predict (CSV in, CSV out) and inspect', () => {
    const file = path.join(tmp, 'cli.safetensors');
    const run = (args: string[]) => {
      const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    run(['train', '--data', path.join(DATA, 'breast-cancer.csv'), '--model', 'logistic', '--epochs', '5', '--save', file]);
    const csv = run(['predict', '--model', file, '--data', path.join(DATA, 'breast-cancer.csv')]).trim().split('\n');
    assert.equal(csv[0], 'prediction,probability');
    assert.equal(csv.length, 570);
    const m = loadModel(file) as LogisticRegression;
    const d = loadCsvSync(path.join(DATA, 'breast-cancer.csv'));
    const p = m.predictProba(d.X);
    csv.slice(1).forEach((line, i) => assert.equal(Number(line.split(',')[1]), p[i]));
    const out = path.join(tmp, 'predictions.csv');
    assert.equal(run(['predict', '--model', file, '--data', path.join(DATA, 'breast-cancer.csv'), '--output', out]), '');
    assert.deepEqual(fs.readFileSync(out, 'utf8').trim().split('\n'), csv);
    const info = run(['inspect', file]);
    assert.match(info, /LogisticRegression/);
    assert.match(info, /dense_0\.weight\s*│?\s*F32\s*│?\s*\[1, 30\]/);
  });
});
