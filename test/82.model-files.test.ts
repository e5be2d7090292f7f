/**
 * Model files, format version 2: names instead of codes, CRC32C checksums of every tensor and of the metadata JSON,
 * hostile-input validation against the engine table, and version 1 files (fixtures written by descent 0.1.0, see
 * test/fixtures/models/README.md) still loading and predicting exactly as they did.
 *
 * Most tests build snapshots directly (`encodeModel`/`decodeModel`); the ones that predict through a model class
 * load lib/io/load lazily, so the rest of this file runs even while the facade does not import.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ACTIVATION_NAMES, Dtype, EngineSpec, KERNEL_FIELD_NAMES, LOSS_NAMES, defaultKernelConfig, layoutOf, lossParamDefault, numSlots, slotNames } from '../lib/engine/spec';
import type { ActivationName, KernelName, LossName } from '../lib/engine/spec';
import { FormatError, OptionError, ShapeError } from '../lib/errors';
import { crc32c, crc32cHex } from '../lib/io/crc32c';
import { FORMAT_VERSION, ModelSnapshot, V1_CODES, decodeModel, decodeModelFile, encodeModel } from '../lib/io/model-file';
import { decodeSafetensors } from '../lib/io/safetensors';
import { Rng } from '../lib/rng';

const ROOT = path.join(__dirname, '..');
const FIXTURES = path.join(__dirname, 'fixtures', 'models');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'descent-82-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Pred = { predict(X: unknown): Float64Array; predictProba?(X: unknown): Float64Array; getParameterVector(): Float32Array | Float64Array; featureNames?: string[] };
/** lib/io/load, required lazily (it imports the model classes). */
const io = () => require('../lib/io/load') as typeof import('../lib/io/load');

// ---------------------------------------------------------------------------------------------------------------
// Helpers

function makeSpec(dtype: Dtype, arch: [number, number, ActivationName][], loss: LossName, kernel: KernelName = 'adam', extra: Partial<Record<string, number | boolean>> = {}): EngineSpec {
  return {
    dtype,
    layers: arch.map(([inputs, units, activation]) => ({ inputs, units, activation, activationParam: activation === 'leakyRelu' ? 0.2 : 0, useBias: true, dropout: 0 })),
    loss,
    lossParam: lossParamDefault(loss),
    optimizer: { ...defaultKernelConfig(kernel), ...extra } as EngineSpec['optimizer'],
    l1: 0, l2: 1e-4, penalizeBias: false, clipNorm: 0, clipValue: 0, maxBatch: 256,
  };
}

function filled(dtype: Dtype, n: number, rng: Rng, scale = 1): Float32Array | Float64Array {
  const a = dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng.uniform() * 2 - 1) * scale;
  return a;
}

/** A snapshot as a fitted model would hand it over, with random parameters (and optionally an Adam checkpoint). */
function snapshot(dtype: Dtype, arch: [number, number, ActivationName][], loss: LossName, opts: { checkpoint?: boolean; seed?: number } = {}): ModelSnapshot {
  const rng = new Rng(opts.seed ?? 7);
  const spec = makeSpec(dtype, arch, loss, 'adam', { amsgrad: true });
  const { total } = layoutOf(spec.layers);
  const d = arch[0]![0];
  const s: ModelSnapshot = {
    className: loss === 'sigmoidCrossEntropy' && arch.length === 1 ? 'LogisticRegression' : 'MLPClassifier',
    ctorArgs: [{ dtype, standardize: true }],
    spec,
    params: filled(dtype, total, rng),
    scaler: { mean: filled('float64', d, rng, 10) as Float64Array, std: Float64Array.from(filled('float64', d, rng), (v) => 1 + Math.abs(v)) },
    featureNames: Array.from({ length: d }, (_, i) => `f${i}`),
    training: { epochs: 3, batchSize: 32, optimizer: { name: 'adam', options: { amsgrad: true } } },
  };
  if (opts.checkpoint) {
    s.checkpoint = {
      optimizer: { name: 'adam', options: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, amsgrad: true }, learningRate: { kind: 'cosine', options: { learningRate: 0.01, tMax: 100, minLearningRate: 0 } } },
      slots: slotNames(spec.optimizer).map(() => filled(dtype, total, rng, 0.01)), step: 12, muProduct: 1, rng: [1, 2, 3, 4], epoch: 3,
    };
  }
  return s;
}

interface Header { [name: string]: { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string> }
const headerLength = (b: Uint8Array) => Number(Buffer.from(b.buffer, b.byteOffset, b.length).readBigUInt64LE(0));
const headerOf = (b: Uint8Array): Header => JSON.parse(Buffer.from(b.subarray(8, 8 + headerLength(b))).toString('utf8'));
const metaOf = (h: Header) => h.__metadata__ as Record<string, string>;
const entriesOf = (h: Header) => Object.entries(h).filter(([k]) => k !== '__metadata__') as [string, { dtype: string; shape: number[]; data_offsets: [number, number] }][];
function withHeader(h: Header, data: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(h));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}
const dataOf = (b: Uint8Array) => b.subarray(8 + headerLength(b));

const DEEP = '['.repeat(1e5) + ']'.repeat(1e5);
/** Rewrites the metadata through `edit` and recomputes the metadata checksums (a deliberate, well-formed edit). */
function resigned(b: Uint8Array, edit: (model: Record<string, any>, meta: Record<string, string>) => void): Buffer { // eslint-disable-line @typescript-eslint/no-explicit-any
  const h = headerOf(b);
  const meta = metaOf(h);
  const model = JSON.parse(meta.model!);
  const signed = meta.checksums !== undefined;
  edit(model, meta);
  // "@DEEP@" stands for a value nested 100 000 deep (JSON.stringify itself could not write one).
  meta.model = JSON.stringify(model).replace('"@DEEP@"', () => DEEP);
  if (meta.checkpoint !== undefined) meta.checkpoint = meta.checkpoint.replace('"@DEEP@"', () => DEEP);
  if (signed) {
    const sums = JSON.parse(meta.checksums);
    for (const k of ['model', 'checkpoint']) if (meta[k] !== undefined) sums.metadata[k] = crc32cHex(Buffer.from(meta[k]!, 'utf8'));
    meta.checksums = JSON.stringify(sums);
  }
  return withHeader(h, dataOf(b));
}

function rejects(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof FormatError, `expected a FormatError, got ${e.constructor.name}: ${e.message}`);
    assert.equal((e as FormatError).code, 'ERR_FORMAT');
    assert.match(e.message, re);
    return true;
  });
}

/** Bit-by-bit CRC32C, straight from the definition (reflected polynomial 0x82F63B78). */
function crcReference(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

const same = (a: ModelSnapshot, b: ModelSnapshot) => {
  const bytes = (x: ArrayBufferView) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  assert.equal(a.params.constructor, b.params.constructor);
  assert.ok(bytes(a.params).equals(bytes(b.params)), 'parameters differ');
  assert.deepEqual(a.spec, b.spec);
  assert.deepEqual(a, b);
};

// ---------------------------------------------------------------------------------------------------------------

describe('82 model files: CRC32C', () => {
  it('matches the check value and the RFC 3720 (iSCSI) test vectors', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32cHex(Buffer.from('123456789')), 'e3069283');
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
    assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
    assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
    assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
    assert.equal(crc32c(new Uint8Array(0)), 0);
    assert.equal(crc32cHex(new Uint8Array(0)), '00000000');
  });

  it('agrees with the bitwise definition on random inputs of every length 0…300 and at any offset, and chains', () => {
    const rng = new Rng(82);
    for (let n = 0; n <= 300; n++) {
      const big = Uint8Array.from({ length: n + 11 }, () => rng.below(256));
      const off = rng.below(8);
      const b = big.subarray(off, off + n);
      const want = crcReference(b);
      assert.equal(crc32c(b), want, `length ${n}, offset ${off}`);
      const cut = rng.below(n + 1);
      assert.equal(crc32c(b.subarray(cut), crc32c(b.subarray(0, cut))), want, `length ${n} split at ${cut}`);
    }
  });

  it('is fast enough for tens of MB (16 MB in well under a second)', () => {
    const b = new Uint8Array(16 << 20).map((_, i) => (i * 2654435761) >>> 24);
    const t = process.hrtime.bigint();
    crc32c(b);
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    assert.ok(ms < 1000, `${ms} ms`);
  });
});

describe('82 model files: version 2 layout', () => {
  const cases: [string, ModelSnapshot][] = [];
  for (const dtype of ['float32', 'float64'] as const) {
    cases.push([`logistic 3 (${dtype})`, snapshot(dtype, [[3, 1, 'linear']], 'sigmoidCrossEntropy')]);
    cases.push([`MLP 4-3-2 (${dtype}, checkpoint)`, snapshot(dtype, [[4, 3, 'relu'], [3, 2, 'linear']], 'softmaxCrossEntropy', { checkpoint: true })]);
  }

  for (const [name, s] of cases) {
    it(`${name}: decode(encode(s)) gives s back, bit for bit`, () => {
      const buf = encodeModel(s, '9.9.9');
      same(decodeModel(buf), s);
      const info = decodeModelFile(buf);
      assert.equal(info.formatVersion, FORMAT_VERSION);
      assert.equal(info.descentVersion, '9.9.9');
      assert.deepEqual(info.tensors.map((t) => t.name).sort(), Object.keys(info.checksums!.tensors).sort());
    });
  }

  it('writes names (not codes), string-only metadata and a checksum of every tensor’s stored bytes and of the metadata JSON', () => {
    const s = snapshot('float32', [[4, 3, 'relu'], [3, 2, 'linear']], 'softmaxCrossEntropy', { checkpoint: true });
    const buf = encodeModel(s, '1.2.3');
    const h = headerOf(buf);
    const meta = metaOf(h);
    assert.equal(meta.format, 'descent');
    assert.equal(meta.format_version, '2');
    for (const v of Object.values(meta)) assert.equal(typeof v, 'string');
    const spec = JSON.parse(meta.model!).spec;
    assert.equal(spec.dtype, 'float32');
    assert.deepEqual(spec.layers.map((L: { activation: string }) => L.activation), ['relu', 'linear']);
    assert.equal(spec.loss, 'softmaxCrossEntropy');
    assert.equal(spec.optimizer.kernel, 'adam');
    assert.deepEqual(Object.keys(spec.optimizer).sort(), ['kernel', ...KERNEL_FIELD_NAMES].sort());
    assert.ok(!('float64' in spec) && !('kind' in spec.optimizer));
    assert.deepEqual(JSON.parse(meta.checkpoint!).slotNames, ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']);
    const sums = JSON.parse(meta.checksums!);
    assert.equal(sums.algorithm, 'crc32c');
    assert.deepEqual(Object.keys(sums.metadata).sort(), ['checkpoint', 'descent_version', 'model']);
    assert.equal(sums.metadata.model, crcReference(Buffer.from(meta.model!, 'utf8')).toString(16).padStart(8, '0'));
    const entries = entriesOf(h);
    assert.deepEqual(Object.keys(sums.tensors).sort(), entries.map(([n]) => n).sort());
    assert.equal(entries.length, 4 * (1 + numSlots(s.spec.optimizer)) + 2);
    const data = dataOf(buf);
    for (const [n, e] of entries) assert.equal(sums.tensors[n], crcReference(data.subarray(...e.data_offsets)).toString(16).padStart(8, '0'), n);
    // Any safetensors reader sees ordinary tensors.
    const plain = decodeSafetensors(buf);
    assert.deepEqual(plain.tensors.get('dense_0.weight')!.shape, [3, 4]);
    assert.deepEqual(Array.from(plain.tensors.get('dense_1.bias')!.data as Float32Array), Array.from(s.params.subarray(-2)));
  });

  it('encodeModel refuses what it could not read back (bad spec → OptionError, wrong array sizes → ShapeError)', () => {
    const s = snapshot('float32', [[3, 1, 'linear']], 'sigmoidCrossEntropy');
    assert.throws(() => encodeModel({ ...s, spec: { ...s.spec, loss: 'hingeLoss' as LossName } }, '0'), OptionError);
    assert.throws(() => encodeModel({ ...s, spec: { ...s.spec, loss: 'quantile', lossParam: 1.5 } }, '0'), OptionError);
    assert.throws(() => encodeModel({ ...s, params: new Float32Array(3) }, '0'), ShapeError);
    assert.throws(() => encodeModel({ ...s, params: new Float64Array(4) }, '0'), ShapeError);
    const c = snapshot('float64', [[4, 3, 'relu'], [3, 2, 'linear']], 'softmaxCrossEntropy', { checkpoint: true });
    assert.throws(() => encodeModel({ ...c, checkpoint: { ...c.checkpoint!, slots: c.checkpoint!.slots.slice(1) } }, '0'), ShapeError);
  });

  it('saves exactly the spec fields (extra properties of the caller’s object are left out)', () => {
    const s = snapshot('float64', [[3, 1, 'linear']], 'sigmoidCrossEntropy');
    const withExtra = { ...s, spec: { ...s.spec, internal: 1, optimizer: { ...s.spec.optimizer, extra: true } } as unknown as EngineSpec };
    same(decodeModel(encodeModel(withExtra, '0')), s);
  });
});

describe('82 model files: corruption is detected', () => {
  const files: [string, Buffer][] = [];
  for (const dtype of ['float32', 'float64'] as const) {
    files.push([`logistic 3 (${dtype})`, encodeModel(snapshot(dtype, [[3, 1, 'linear']], 'sigmoidCrossEntropy'), '0.2.0')]);
    files.push([`MLP 4-3-2 (${dtype}, checkpoint)`, encodeModel(snapshot(dtype, [[4, 3, 'relu'], [3, 2, 'linear']], 'softmaxCrossEntropy', { checkpoint: true }), '0.2.0')]);
  }

  for (const [name, good] of files) {
    it(`${name}: flipping any single bit of the tensor data (every bit, exhaustively) is a FormatError naming the tensor`, () => {
      const start = 8 + headerLength(good);
      const owner: string[] = [];
      for (const [n, e] of entriesOf(headerOf(good))) for (let i = e.data_offsets[0]; i < e.data_offsets[1]; i++) owner[start + i] = n;
      let flips = 0;
      for (let at = start; at < good.length; at++) {
        for (let bit = 0; bit < 8; bit++) {
          const b = Buffer.from(good);
          b[at] ^= 1 << bit;
          rejects(() => decodeModel(b), new RegExp(`tensor "${owner[at]!.replace(/\./g, '\\.')}" fails its crc32c checksum`));
          flips++;
        }
      }
      assert.equal(flips, (good.length - start) * 8);
    });
  }

  for (const [k, [name, good]] of files.entries()) {
    const exhaustive = k === 0;
    it(`${name}: single-bit flips in the length prefix and header (${exhaustive ? 'every bit' : '3000 random bits'}) are rejected, or load identically`, () => {
      const original = decodeModel(good);
      const end = 8 + headerLength(good);
      const rng = new Rng(1000 + k);
      const positions = exhaustive ? Array.from({ length: end * 8 }, (_, i) => i) : Array.from({ length: 3000 }, () => rng.below(end * 8));
      let accepted = 0;
      for (const p of positions) {
        const b = Buffer.from(good);
        b[p >> 3] ^= 1 << (p & 7);
        let s: ModelSnapshot;
        try {
          s = decodeModel(b);
        } catch (e) {
          if (!(e instanceof FormatError)) assert.fail(`bit ${p}: ${(e as Error).constructor.name}: ${(e as Error).message}`);
          continue;
        }
        accepted++;
        same(s, original); // e.g. a flip inside descent_version: informational, not checksummed
      }
      assert.ok(accepted < positions.length / 50, `${accepted} of ${positions.length} flips accepted`);
    });
  }

  const good = files[3]![1]; // MLP float64 with checkpoint
  const replaceInHeader = (b: Buffer, from: string, to: string) => {
    assert.equal(from.length, to.length);
    const i = b.indexOf(from);
    assert.ok(i > 0 && i < 8 + headerLength(b), `${from} not in the header`);
    const c = Buffer.from(b);
    c.write(to, i);
    return c;
  };

  it('editing "activation":"relu" to "activation":"tanh" (or the dtype) in the metadata is rejected, naming the metadata', () => {
    rejects(() => decodeModel(replaceInHeader(good, '\\"activation\\":\\"relu\\"', '\\"activation\\":\\"tanh\\"')), /metadata "model" fails its crc32c checksum/);
    rejects(() => decodeModel(replaceInHeader(good, '\\"step\\":12', '\\"step\\":13')), /metadata "checkpoint" fails its crc32c checksum/);
    const f32 = files[1]![1]; // MLP float32
    rejects(() => decodeModel(replaceInHeader(f32, '\\"dtype\\":\\"float32\\"', '\\"dtype\\":\\"float64\\"')), /metadata "model" fails/);
  });

  const meta = (edit: (m: Record<string, string>, sums: Record<string, any>) => void) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const h = headerOf(good);
    const m = metaOf(h);
    const sums = JSON.parse(m.checksums!);
    edit(m, sums);
    if (m.checksums !== undefined) m.checksums = JSON.stringify(sums);
    return withHeader(h, dataOf(good));
  };
  const broken: [string, () => Buffer, RegExp][] = [
    ['no checksums', () => meta((m) => delete m.checksums), /"checksums" is missing/],
    ['checksums not JSON', () => { const h = headerOf(good); metaOf(h).checksums = '{"algorithm":'; return withHeader(h, dataOf(good)); }, /"checksums" is not valid JSON/],
    ['another algorithm', () => meta((_, s) => (s.algorithm = 'crc32')), /algorithm "crc32" is not supported/],
    ['an unexpected checksums field', () => meta((_, s) => (s.sha256 = {})), /checksums has an unexpected field "sha256"/],
    ['a tensor without checksum', () => meta((_, s) => delete s.tensors['dense_1.bias']), /tensor "dense_1.bias" has no checksum/],
    ['a checksum for a tensor the file lacks', () => meta((_, s) => (s.tensors['dense_2.bias'] = '00000000')), /names tensor "dense_2.bias", which the file does not hold/],
    ['a "__proto__" checksum entry', () => meta((_, s) => Object.defineProperty(s.tensors, '__proto__', { value: '00000000', enumerable: true })), /names tensor "__proto__"/],
    ['no checksum for the model JSON', () => meta((_, s) => delete s.metadata.model), /metadata "model" has no checksum/],
    ['no checksum for the checkpoint JSON', () => meta((_, s) => delete s.metadata.checkpoint), /metadata "checkpoint" has no checksum/],
    ['a checksum of metadata the file lacks', () => meta((m) => delete m.checkpoint), /names metadata "checkpoint", which the file does not hold/],
    ['a checksum of an unchecksummed key', () => meta((_, s) => (s.metadata.format = '00000000')), /names "format", which is not a checksummed key/],
    ['upper-case hex', () => meta((_, s) => (s.tensors['dense_0.weight'] = 'ABCDEF01')), /checksums\.tensors\["dense_0\.weight"\] = "ABCDEF01" is not 8 lowercase hex digits/],
    ['a number instead of hex', () => meta((_, s) => (s.tensors['dense_0.weight'] = 12345678)), /is not 8 lowercase hex digits/],
    ['format_version edited to "1"', () => meta((m) => (m.format_version = '1')), /format_version "1" file has no checksums/],
    ['format_version "3"', () => meta((m) => (m.format_version = '3')), /format_version "3" is not supported/],
  ];
  for (const [name, make, re] of broken) it(`${name} → FormatError`, () => rejects(() => decodeModel(make()), re));
});

describe('82 model files: hostile specs with valid checksums are still checked against the engine table', () => {
  const good = encodeModel(snapshot('float32', [[4, 3, 'relu'], [3, 2, 'linear']], 'softmaxCrossEntropy', { checkpoint: true }), '0.2.0');
  const cases: [string, (m: Record<string, any>, meta: Record<string, string>) => void, RegExp][] = [ // eslint-disable-line @typescript-eslint/no-explicit-any
    ['an unknown activation', (m) => (m.spec.layers[0].activation = 'swish'), /layers\[0\]\.activation "swish" is not a known activation/],
    ['an activation code (version 1 style)', (m) => (m.spec.layers[0].activation = 1), /layers\[0\]\.activation 1 is not a known activation/],
    ['a prototype key as loss', (m) => (m.spec.loss = 'constructor'), /loss "constructor" is not a known loss head/],
    ['an unknown kernel', (m) => (m.spec.optimizer.kernel = '__proto__'), /kernel "__proto__" is not a known optimizer kernel/],
    ['a missing kernel field', (m) => delete m.spec.optimizer.epsilon, /optimizer\.epsilon is missing/],
    ['an unexpected kernel field', (m) => (m.spec.optimizer.foo = 1), /optimizer has an unexpected field "foo"/],
    ['a version 1 kernel code', (m) => { delete m.spec.optimizer.kernel; m.spec.optimizer.kind = 1; }, /unexpected field "kind"/],
    ['a boolean field as a number', (m) => (m.spec.optimizer.amsgrad = 1), /optimizer\.amsgrad = 1 is invalid \(expected a boolean\)/],
    ['beta1 above its max', (m) => (m.spec.optimizer.beta1 = 2), /optimizer\.beta1 = 2 is invalid \(expected a number from 0 to 1\)/],
    ['a negative epsilon', (m) => (m.spec.optimizer.epsilon = -1), /optimizer\.epsilon = -1 is invalid/],
    ['float64: true instead of dtype', (m) => { delete m.spec.dtype; m.spec.float64 = false; }, /unexpected field "float64"/],
    ['an unknown dtype', (m) => (m.spec.dtype = 'float16'), /dtype "float16" is not a known dtype/],
    ['an unexpected spec field', (m) => (m.spec.extra = 0), /model\.spec has an unexpected field "extra"/],
    ['an unexpected layer field', (m) => (m.spec.layers[1].kernelInitializer = 'zeros'), /layers\[1\] has an unexpected field "kernelInitializer"/],
    ['an inconsistent layer chain', (m) => (m.spec.layers[1].inputs = 4), /layers\[1\]\.inputs \(4\) differ from layer 0's units \(3\)/],
    ['a non-linear last layer', (m) => (m.spec.layers[1].activation = 'relu'), /last layer must be linear/],
    ['dropout on the last layer', (m) => (m.spec.layers[1].dropout = 0.5), /last layer cannot have dropout/],
    ['dropout 1', (m) => (m.spec.layers[0].dropout = 1), /dropout 1 must be in \[0, 1\)/],
    ['a parameter on relu', (m) => (m.spec.layers[0].activationParam = 0.5), /activationParam 0.5 is invalid for relu/],
    ['too many layers', (m) => (m.spec.layers = Array(1025).fill(m.spec.layers[1])), /1 to 1024 layers/],
    ['2^31 parameters', (m) => { m.spec.layers[0].units = 1 << 24; m.spec.layers[1].inputs = 1 << 24; m.spec.layers.splice(1, 0, { ...m.spec.layers[0], inputs: 1 << 24 }); }, /more than 2147483648 parameters/],
    ['a slot list that does not match the kernel', (_, meta) => { const c = JSON.parse(meta.checkpoint!); c.slotNames = ['exp_avg', 'exp_avg_sq']; meta.checkpoint = JSON.stringify(c); }, /slotNames \["exp_avg","exp_avg_sq"\] do not match the adam kernel's slots/],
    ['an unknown optimizer name', (_, meta) => { const c = JSON.parse(meta.checkpoint!); c.optimizer.name = 'toString'; meta.checkpoint = JSON.stringify(c); }, /optimizer\.name "toString" is not a known optimizer/],
    ['an unexpected model field', (m) => (m.extra = 1), /model has an unexpected field "extra"/],
    ['feature names of the wrong count', (m) => (m.featureNames = ['a']), /featureNames must be one string per input/],
    ['training options nested 100 000 deep', (m) => (m.training = '@DEEP@'), /model\.training is nested more than 32 levels deep/],
    ['a schedule nested 100 000 deep', (_, meta) => { const c = JSON.parse(meta.checkpoint!); c.optimizer.learningRate = { kind: 'cosine', options: '@DEEP@' }; meta.checkpoint = JSON.stringify(c); }, /learningRate is nested more than 32 levels deep/],
  ];
  for (const [name, edit, re] of cases) it(`${name} → FormatError`, () => rejects(() => decodeModel(resigned(good, edit)), re));

  it('a spec claiming a 1.7·10⁹-parameter network over small tensors is refused before anything that large is allocated', () => {
    const b = resigned(good, (m) => { m.spec.layers[0].units = 1 << 24; m.spec.layers[1].inputs = 1 << 24; m.spec.layers[1].units = 100; m.spec.dtype = 'float64'; });
    const t = process.hrtime.bigint();
    rejects(() => decodeModel(b), /tensor "dense_0.weight" has (dtype|shape)/);
    assert.ok(Number(process.hrtime.bigint() - t) / 1e6 < 500);
  });

  it('the unchanged, re-signed file still loads (the edits above are the only reason for each rejection)', () => {
    same(decodeModel(resigned(good, () => {})), decodeModel(good));
  });
});

// ---------------------------------------------------------------------------------------------------------------

interface V1Record { class: string; data: string; rows: number[][]; predict: number[]; predictProba: number[] | null; params: number[] }
const v1: Record<string, V1Record> = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'v1-fixtures.json'), 'utf8'));
const v1File = (name: string) => path.join(FIXTURES, `${name}.safetensors`);
const V1_EXPECTED: Record<string, { dtype: Dtype; activations: ActivationName[]; loss: LossName; kernel: KernelName; slots?: string[] }> = {
  'v1-linear-f64': { dtype: 'float64', activations: ['linear'], loss: 'squaredError', kernel: 'sgd' },
  'v1-logistic-f32': { dtype: 'float32', activations: ['linear'], loss: 'sigmoidCrossEntropy', kernel: 'sgd' },
  'v1-softmax-f64': { dtype: 'float64', activations: ['linear'], loss: 'softmaxCrossEntropy', kernel: 'adam' },
  'v1-mlp-tanh-f32': { dtype: 'float32', activations: ['tanh', 'linear'], loss: 'softmaxCrossEntropy', kernel: 'rmsprop' },
  'v1-checkpoint-adam-f64': { dtype: 'float64', activations: ['relu', 'linear'], loss: 'squaredError', kernel: 'adam', slots: ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] },
};

describe('82 model files: version 1 files (descent 0.1.0 fixtures)', () => {
  it('the fixtures are all there', () => assert.deepEqual(Object.keys(v1).sort(), Object.keys(V1_EXPECTED).sort()));

  it('V1_CODES is the frozen historical order', () => {
    assert.ok(Object.isFrozen(V1_CODES) && Object.isFrozen(V1_CODES.activations) && Object.isFrozen(V1_CODES.losses) && Object.isFrozen(V1_CODES.kernels));
    assert.deepEqual([...V1_CODES.activations], ['linear', 'relu', 'sigmoid', 'tanh', 'leakyRelu', 'elu', 'gelu']);
    assert.deepEqual([...V1_CODES.losses], ['squaredError', 'sigmoidCrossEntropy', 'softmaxCrossEntropy']);
    assert.deepEqual([...V1_CODES.kernels], ['sgd', 'adam', 'rmsprop', 'adagrad', 'adadelta', 'adamax', 'nadam']);
    for (const a of V1_CODES.activations) assert.ok(ACTIVATION_NAMES.includes(a));
    for (const l of V1_CODES.losses) assert.ok(LOSS_NAMES.includes(l));
  });

  for (const [name, want] of Object.entries(V1_EXPECTED)) {
    it(`${name}: decodes to names, with the recorded parameters exactly`, () => {
      const info = decodeModelFile(fs.readFileSync(v1File(name)));
      const s = info.snapshot;
      assert.equal(info.formatVersion, '1');
      assert.equal(info.checksums, undefined);
      assert.equal(s.className, v1[name]!.class);
      assert.equal(s.spec.dtype, want.dtype);
      assert.deepEqual(s.spec.layers.map((L) => L.activation), want.activations);
      assert.equal(s.spec.loss, want.loss);
      assert.equal(s.spec.optimizer.kernel, want.kernel);
      assert.deepEqual(Object.keys(s.spec.optimizer).sort(), ['kernel', ...KERNEL_FIELD_NAMES].sort());
      assert.equal(s.params.constructor, want.dtype === 'float64' ? Float64Array : Float32Array);
      assert.deepEqual(Array.from(s.params), v1[name]!.params);
      assert.equal(s.featureNames!.length, s.spec.layers[0]!.inputs);
      assert.ok(s.scaler);
      if (want.slots) {
        assert.deepEqual(slotNames(s.spec.optimizer), want.slots);
        assert.equal(s.checkpoint!.slots.length, 3);
        assert.equal(s.checkpoint!.epoch, 3);
        assert.deepEqual(s.checkpoint!.optimizer.learningRate, { kind: 'cosine', options: { learningRate: 0.01, tMax: 100, minLearningRate: 0 } });
      } else {
        assert.equal(s.checkpoint, undefined);
      }
      // Re-saved as version 2, it reads back the same.
      same(decodeModel(encodeModel(s, '0.2.0')), s);
    });
  }

  it('the MLP fixture keeps rmsprop centered and the logistic one its momentum (fields survive the translation)', () => {
    const mlp = decodeModel(fs.readFileSync(v1File('v1-mlp-tanh-f32'))).spec;
    assert.equal(mlp.optimizer.centered, true);
    assert.deepEqual(slotNames(mlp.optimizer), ['square_avg', 'momentum_buffer', 'grad_avg']);
    const logistic = decodeModel(fs.readFileSync(v1File('v1-logistic-f32'))).spec;
    assert.equal(logistic.optimizer.momentum, 0.8);
    assert.equal(logistic.l1, 1e-3);
  });

  it('version 1 files are validated too: out-of-range codes and a checksums key are FormatErrors', () => {
    const b = fs.readFileSync(v1File('v1-mlp-tanh-f32'));
    rejects(() => decodeModel(resigned(b, (m) => (m.spec.layers[0].activation = 7))), /activation 7 is not a version 1 activation code \(0 to 6\)/);
    rejects(() => decodeModel(resigned(b, (m) => (m.spec.layers[0].activation = 'tanh'))), /activation "tanh" is not a version 1 activation code/);
    rejects(() => decodeModel(resigned(b, (m) => (m.spec.loss = 3))), /loss 3 is not a version 1 loss code/);
    rejects(() => decodeModel(resigned(b, (m) => (m.spec.optimizer.kind = 7))), /optimizer\.kind 7 is not a version 1 optimizer kind code/);
    rejects(() => decodeModel(resigned(b, (m) => delete m.spec.float64)), /float64 must be a boolean/);
    rejects(() => decodeModel(resigned(b, (m) => delete m.spec.optimizer.rho)), /optimizer\.rho is missing/);
    rejects(() => decodeModel(resigned(b, (_, meta) => (meta.checksums = '{}'))), /format_version "1" file has no checksums/);
  });

  for (const name of Object.keys(V1_EXPECTED)) {
    it(`${name}: loadModel predicts exactly as the model that wrote it (JS backend and default backend)`, () => {
      const r = v1[name]!;
      for (const backend of ['js', undefined] as const) {
        const m = io().loadModel(v1File(name), backend ? { backend } : {}) as unknown as Pred;
        assert.equal(m.constructor.name, r.class);
        assert.deepEqual(Array.from(m.predict(r.rows)), r.predict);
        if (r.predictProba) assert.deepEqual(Array.from(m.predictProba!(r.rows)), r.predictProba);
        assert.deepEqual(Array.from(m.getParameterVector()), r.params);
      }
      // And so does its version 2 re-encoding.
      const again = io().fromBuffer(encodeModel(decodeModel(fs.readFileSync(v1File(name))), '0.2.0'), { backend: 'js' }) as unknown as Pred;
      assert.deepEqual(Array.from(again.predict(r.rows)), r.predict);
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------

describe('82 model files: other readers', () => {
  it('PyTorch loads a version 2 file (the v1 MLP fixture re-saved) and predicts the recorded classes (when PyTorch is installed)', function () {
    const py = '/usr/bin/python3';
    if (spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) {
      console.log('      (skipped: PyTorch not installed; apt-get install -y python3-torch)');
      this.skip();
    }
    const name = 'v1-mlp-tanh-f32';
    const file = path.join(tmp, 'mlp-v2.safetensors');
    fs.writeFileSync(file, encodeModel(decodeModel(fs.readFileSync(v1File(name))), '0.2.0'));
    const script = `
import json, struct, sys, torch
raw = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + n]); data = raw[8 + n:]
meta = header['__metadata__']
assert all(isinstance(v, str) for v in meta.values()), 'metadata values must be strings'
assert meta['format_version'] == '2'
spec = json.loads(meta['model'])['spec']
assert [L['activation'] for L in spec['layers']] == ['tanh', 'linear'], spec
types = {'F32': torch.float32, 'F64': torch.float64}
def t(name):
    h = header[name]; b, e = h['data_offsets']
    return torch.frombuffer(bytearray(data[b:e]), dtype=types[h['dtype']]).reshape(h['shape'])
net = torch.nn.Sequential(torch.nn.Linear(64, 8), torch.nn.Tanh(), torch.nn.Linear(8, 10))
with torch.no_grad():
    for i, layer in enumerate([net[0], net[2]]):
        layer.weight.copy_(t(f'dense_{i}.weight')); layer.bias.copy_(t(f'dense_{i}.bias'))
X = torch.tensor(json.loads(sys.stdin.read()), dtype=torch.float64)
Z = ((X - t('scaler.mean')) / t('scaler.std')).float()
print(json.dumps(net(Z).argmax(1).tolist()))
`;
    const r = spawnSync(py, ['-c', script, file], { input: JSON.stringify(v1[name]!.rows), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), v1[name]!.predict);
  });
});

describe('82 model files: descent inspect', () => {
  const cli = path.join(ROOT, 'lib', 'cli', 'main.ts');
  const run = (file: string) => spawnSync(process.execPath, ['--require', 'tsx/cjs', cli, 'inspect', file], { cwd: ROOT, encoding: 'utf8' });

  it('prints names through the decoder, the optimizer with its learning rate, and at most 10 feature names', function () {
    this.timeout(60000);
    const r = run(v1File('v1-mlp-tanh-f32'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /MLPClassifier \(descent format 1/);
    assert.match(r.stdout, /tanh/);
    assert.match(r.stdout, /loss head: softmaxCrossEntropy, dtype: float32/);
    assert.match(r.stdout, /optimizer: rmsprop .*"centered":true/);
    assert.match(r.stdout, /rmsprop kernel/);
    assert.match(r.stdout, /features: px0, px1, px2, px3, px4, px5, px6, px7, px8, px9, … \(54 more\)/);
    assert.doesNotMatch(r.stdout, /px10/);
    assert.match(r.stdout, /dense_0\.weight\s*│?\s*F32\s*│?\s*\[8, 64\]/);

    const file = path.join(tmp, 'ckpt-v2.safetensors');
    fs.writeFileSync(file, encodeModel(decodeModel(fs.readFileSync(v1File('v1-checkpoint-adam-f64'))), '0.2.0'));
    const c = run(file);
    assert.equal(c.status, 0, c.stderr);
    assert.match(c.stdout, /descent format 2, written by descent 0\.2\.0, 18 tensor checksums verified/);
    assert.match(c.stdout, /relu/);
    assert.match(c.stdout, /optimizer: adam .*learning rate \{"kind":"cosine","options":\{"learningRate":0\.01,"tMax":100,"minLearningRate":0\}\}/);
    assert.match(c.stdout, /checkpoint: epoch 3, step 21/);
    assert.match(c.stdout, /features: age, sex, bmi, bp, s1, s2, s3, s4, s5, s6\n/);
  });

  it('a corrupt file is an error naming the file and the tensor, not a table', function () {
    this.timeout(60000);
    const b = encodeModel(decodeModel(fs.readFileSync(v1File('v1-logistic-f32'))), '0.2.0');
    b[b.length - 1] ^= 0x10;
    const file = path.join(tmp, 'corrupt.safetensors');
    fs.writeFileSync(file, b);
    const r = run(file);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /FormatError \[ERR_FORMAT\]: .*corrupt\.safetensors: Not a valid descent model file: tensor "[^"]+" fails its crc32c checksum/);
    assert.equal(r.stdout, '');
  });
});
