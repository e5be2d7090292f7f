/**
 * descent's model and checkpoint files: safetensors (lib/io/safetensors.ts) with readable tensor names and
 * descent's metadata in `__metadata__`. Weights are stored `[out, in]` like PyTorch's `nn.Linear.weight`, so
 * `dense_0.weight` loads into `torch.nn.Linear(in, out).weight` as is (and `dense_0.bias` into `.bias`).
 *
 * Tensors: `dense_<i>.weight` `[units, inputs]`, `dense_<i>.bias` `[units]` (F32 or F64, the model's dtype),
 * `scaler.mean` / `scaler.std` (F64), and in checkpoints `optimizer.dense_<i>.{weight,bias}.<slot>` with PyTorch's
 * slot names (`slotNames` in lib/engine/spec.ts: `exp_avg`, `exp_avg_sq`, `max_exp_avg_sq`, `momentum_buffer`, …).
 *
 * Metadata (every value a string, so any safetensors reader, PyTorch's included, loads the file):
 * - `format` = "descent", `format_version` = "2", `descent_version`;
 * - `model`: JSON `{"class", "args" (constructor arguments), "spec" (the engine spec, {@link EngineSpec}: names
 *   such as `"dtype":"float32"`, `"activation":"relu"`, `"loss":"softmaxCrossEntropy"`, `"optimizer":{"kernel":
 *   "adam", …every kernel field}`), "featureNames" (or null), "classes" (a classifier's labels when they are not
 *   0 … k−1; absent otherwise), "training" (options of the last fit, or null)}`;
 * - `checkpoint` (checkpoints only): JSON `{"optimizer": {"name", "options", "learningRate" (number or schedule
 *   JSON)}, "step", "muProduct" (NAdam), "rng" (4 × uint32), "epoch", "plateau"?, "slotNames"}`;
 * - `checksums`: JSON `{"algorithm":"crc32c","tensors":{<name>:"<8 hex digits>", …},"metadata":{"descent_version":
 *   "…","model":"…","checkpoint":"…"}}`: the CRC32C (lib/io/crc32c.ts) of every tensor's bytes as stored in the
 *   file (little-endian) and of the UTF-8 bytes of the `descent_version`, `model` and `checkpoint` strings. It must
 *   name exactly the file's tensors and those keys (when present); the decoder verifies every checksum before it
 *   reads anything else, so a flipped bit or an edited value is a `FormatError` naming the tensor or key.
 *
 * Version 1 files (written before checksums, by descent up to commit 9d75a61) stored the spec with integer codes and had no checksums; they still load: the
 * codes are translated with {@link V1_CODES}, a frozen copy of the order the engine used then. Either version is
 * fully validated (names against the engine table, every field, the layer chain, tensor dtypes and shapes) before
 * anything proportional to a size the file claims is allocated.
 */
import { validClasses } from '../models/labels';
import type { FloatArray } from '../backend/types';
import {
  ACTIVATIONS, ACTIVATION_NAMES, DTYPES, Dtype, EngineSpec, KERNEL_FIELDS, KERNEL_FIELD_NAMES, KERNEL_NAMES, KernelConfig,
  LOSS_NAMES, LayerSpec, OPTIMIZER_NAMES, layoutOf, numSlots, slotNames, LOSSES, lossParamDefault, lossParamProblem, type LossFact,
} from '../engine/spec';
import { FormatError, OptionError, ShapeError } from '../errors';
import { isPlainObject } from '../validate';
import { crc32cHex } from './crc32c';
import { Tensor, TensorDtype, decodeSafetensors, encodeSafetensors } from './safetensors';

/** The version this descent writes. */
export const FORMAT_VERSION = '2';
/** Versions this descent reads. */
export const READABLE_FORMAT_VERSIONS: readonly string[] = Object.freeze(['1', '2']);
/** The checksum algorithm of version 2 files. */
export const CHECKSUM_ALGORITHM = 'crc32c';

/**
 * HISTORICAL: the integer codes of format version 1 (descent ≤ 0.1.0, whose engine numbered activations, loss
 * heads and optimizer kernels in this order). Frozen: used only to read version 1 files, never to be changed or
 * derived from the current engine table.
 */
export const V1_CODES = Object.freeze({
  activations: Object.freeze(['linear', 'relu', 'sigmoid', 'tanh', 'leakyRelu', 'elu', 'gelu'] as const),
  losses: Object.freeze(['squaredError', 'sigmoidCrossEntropy', 'softmaxCrossEntropy'] as const),
  kernels: Object.freeze(['sgd', 'adam', 'rmsprop', 'adagrad', 'adadelta', 'adamax', 'nadam'] as const),
});

export interface CheckpointState {
  /** The optimizer's name and options (`OptimizerSpec.name/options`) and its learning rate as JSON. */
  optimizer: { name: string; options: Record<string, number | boolean>; learningRate: unknown };
  /** Per optimizer slot (`slotNames(spec.optimizer)`), the flat values over all parameters (same layout as `params`). */
  slots: FloatArray[];
  /** Optimizer steps taken. */
  step: number;
  /** NAdam's running μ-product. */
  muProduct: number;
  /** xoshiro128** state after the last completed epoch. */
  rng: number[];
  /** Completed epochs. */
  epoch: number;
  /** `ReduceOnPlateau` state when the learning rate is a plateau schedule. */
  plateau?: unknown;
}

export interface ModelSnapshot {
  className: string;
  /** Constructor arguments (plain JSON) that rebuild the model's architecture and options. */
  ctorArgs: unknown[];
  /** The engine spec (names, as lib/engine/spec.ts defines them). */
  spec: EngineSpec;
  /** `[W0, b0, W1, b1, …]` (`layoutOf(spec.layers)`), a Float32Array or Float64Array as `spec.dtype`. */
  params: FloatArray;
  scaler?: { mean: Float64Array; std: Float64Array };
  featureNames?: string[];
  /** A classifier's labels when they are not the indices 0 … k−1 (strings, 1…3, −1/+1), sorted. */
  classes?: number[] | string[];
  /** Training options of the last fit, for the record (not needed to predict). */
  training?: Record<string, unknown>;
  checkpoint?: CheckpointState;
}

/** What {@link decodeModelFile} returns: the snapshot and what the file says about itself. */
export interface ModelFileInfo {
  /** `format_version` of the file ("1" or "2"). */
  formatVersion: string;
  /** `descent_version` of the writer, when recorded. */
  descentVersion?: string;
  snapshot: ModelSnapshot;
  /** Every tensor of the file, in file order. */
  tensors: { name: string; dtype: TensorDtype; shape: number[] }[];
  /** The verified CRC32C checksums (8 hex digits) of a version 2 file; undefined for version 1 files. */
  checksums?: { tensors: Record<string, string>; metadata: Record<string, string> };
}

/**
 * The metadata strings the checksums cover (when present): everything descent writes but `format` and
 * `format_version`, which are checked by value, and `checksums` itself.
 */
const CHECKSUMMED_METADATA = ['descent_version', 'model', 'checkpoint'] as const;
const TENSOR_DTYPE: Readonly<Record<Dtype, 'F32' | 'F64'>> = { float32: 'F32', float64: 'F64' };
const SPEC_KEYS = ['dtype', 'layers', 'loss', 'optimizer', 'l1', 'l2', 'penalizeBias', 'clipNorm', 'clipValue', 'maxBatch'] as const;
const LAYER_KEYS = ['inputs', 'units', 'activation', 'activationParam', 'useBias', 'dropout'] as const;
const MODEL_KEYS = ['class', 'args', 'spec', 'featureNames', 'classes', 'training'];
const CHECKPOINT_KEYS = ['optimizer', 'step', 'muProduct', 'rng', 'epoch', 'plateau', 'slotNames'];
const MAX_LAYERS = 1024;
const MAX_DIM = 1 << 24;
const MAX_PARAMS = 2 ** 31;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------------------------------------------
// Tensors

/** The tensor's bytes as the file stores them (little-endian), for its checksum. */
function storedBytes(t: Tensor): Uint8Array {
  const d = t.data;
  const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  if (LITTLE_ENDIAN_HOST || d.BYTES_PER_ELEMENT === 1) return bytes;
  const le = Uint8Array.from(bytes);
  const size = d.BYTES_PER_ELEMENT;
  for (let i = 0; i < le.length; i += size) le.subarray(i, i + size).reverse();
  return le;
}

const tensorName = (prefix: string, layer: number, part: 'weight' | 'bias', suffix: string) => `${prefix}dense_${layer}.${part}${suffix}`;

/** The names, shapes and offsets of the tensors a flat `[W0, b0, …]` vector splits into. */
function pieces(spec: EngineSpec, prefix: string, suffix: string): { name: string; shape: number[]; offset: number; length: number }[] {
  const { weight, bias } = layoutOf(spec.layers);
  const out: { name: string; shape: number[]; offset: number; length: number }[] = [];
  spec.layers.forEach((L, i) => {
    out.push({ name: tensorName(prefix, i, 'weight', suffix), shape: [L.units, L.inputs], offset: weight[i]!, length: L.units * L.inputs });
    if (bias[i]! >= 0) out.push({ name: tensorName(prefix, i, 'bias', suffix), shape: [L.units], offset: bias[i]!, length: L.units });
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Encoding

/** The spec with exactly the fields of the format, in a fixed order (extra properties of the caller's object are not saved). */
function canonicalSpec(s: EngineSpec): EngineSpec {
  const optimizer: Record<string, unknown> = { kernel: s.optimizer.kernel };
  for (const f of KERNEL_FIELD_NAMES) optimizer[f] = s.optimizer[f];
  return {
    dtype: s.dtype,
    layers: s.layers.map((L) => ({ inputs: L.inputs, units: L.units, activation: L.activation, activationParam: L.activationParam, useBias: L.useBias, dropout: L.dropout })),
    loss: s.loss,
    // Only heads with a parameter store one, so files of the other heads are as before the parameter existed.
    ...((LOSSES[s.loss] as LossFact).param ? { lossParam: s.lossParam } : {}),
    optimizer: optimizer as KernelConfig, l1: s.l1, l2: s.l2, penalizeBias: s.penalizeBias, clipNorm: s.clipNorm,
    clipValue: s.clipValue, maxBatch: s.maxBatch,
    ...(s.average ? { average: { kind: s.average.kind, start: s.average.start, decay: s.average.decay } } : {}),
  } as EngineSpec;
}

function checkFlat(what: string, a: unknown, spec: EngineSpec, total: number): FloatArray {
  const ok = spec.dtype === 'float64' ? a instanceof Float64Array : a instanceof Float32Array;
  if (!ok || (a as FloatArray).length !== total) {
    throw new ShapeError(`Cannot save the model: ${what} must be a ${spec.dtype === 'float64' ? 'Float64Array' : 'Float32Array'} of ${total} values (the spec's layout)`, what);
  }
  return a as FloatArray;
}

/**
 * The bytes of a version 2 file for a snapshot (see the header comment for the layout).
 * @param descentVersion written as `descent_version`.
 * @throws OptionError when the spec is not one the decoder would accept; ShapeError when `params`, the slots or the
 *   scaler do not fit the spec.
 */
export function encodeModel(s: ModelSnapshot, descentVersion: string): Buffer {
  let spec: EngineSpec;
  try {
    spec = checkSpec(canonicalSpec(s.spec));
  } catch (e) {
    const why = (e as Error).message.replace(/^Not a valid descent model file: /, '');
    throw new OptionError(`Cannot save the model: its spec is invalid (${why})`, 'spec', { cause: e });
  }
  const dtype = TENSOR_DTYPE[spec.dtype];
  const { total } = layoutOf(spec.layers);
  const tensors = new Map<string, Tensor>();
  const addFlat = (flat: FloatArray, prefix: string, suffix: string) => {
    for (const p of pieces(spec, prefix, suffix)) tensors.set(p.name, { dtype, shape: p.shape, data: flat.subarray(p.offset, p.offset + p.length) });
  };
  addFlat(checkFlat('params', s.params, spec, total), '', '');
  if (s.scaler) {
    const d = spec.layers[0]!.inputs;
    if (!(s.scaler.mean instanceof Float64Array) || !(s.scaler.std instanceof Float64Array) || s.scaler.mean.length !== d || s.scaler.std.length !== d) {
      throw new ShapeError(`Cannot save the model: the scaler must hold ${d} means and standard deviations (Float64Array)`, 'scaler');
    }
    tensors.set('scaler.mean', { dtype: 'F64', shape: [d], data: s.scaler.mean });
    tensors.set('scaler.std', { dtype: 'F64', shape: [d], data: s.scaler.std });
  }
  const metadata: Record<string, string> = {
    format: 'descent',
    format_version: FORMAT_VERSION,
    descent_version: descentVersion,
    model: JSON.stringify({ class: s.className, args: s.ctorArgs, spec: canonicalSpec(spec), featureNames: s.featureNames ?? null, ...(s.classes ? { classes: s.classes } : {}), training: s.training ?? null }),
  };
  if (s.checkpoint) {
    const c = s.checkpoint;
    const names = slotNames(spec.optimizer);
    if (!Array.isArray(c.slots) || c.slots.length !== names.length) {
      throw new ShapeError(`Cannot save the checkpoint: the ${spec.optimizer.kernel} kernel keeps ${names.length} slots (${names.join(', ') || 'none'}) but ${Array.isArray(c.slots) ? c.slots.length : 'no'} were given`, 'slots');
    }
    names.forEach((slot, k) => addFlat(checkFlat(`slots[${k}]`, c.slots[k], spec, total), 'optimizer.', `.${slot}`));
    const state: Record<string, unknown> = { optimizer: c.optimizer, step: c.step, muProduct: c.muProduct, rng: c.rng, epoch: c.epoch };
    if (c.plateau !== undefined) state.plateau = c.plateau;
    state.slotNames = names;
    metadata.checkpoint = JSON.stringify(state);
  }
  const sums: { algorithm: string; tensors: Record<string, string>; metadata: Record<string, string> } = { algorithm: CHECKSUM_ALGORITHM, tensors: {}, metadata: {} };
  for (const name of [...tensors.keys()].sort()) sums.tensors[name] = crc32cHex(storedBytes(tensors.get(name)!));
  for (const key of CHECKSUMMED_METADATA) if (metadata[key] !== undefined) sums.metadata[key] = crc32cHex(Buffer.from(metadata[key], 'utf8'));
  metadata.checksums = JSON.stringify(sums);
  return encodeSafetensors(tensors, metadata);
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding: validation helpers

function bad(problem: string, cause?: unknown): FormatError {
  return new FormatError(`Not a valid descent model file: ${problem}`, 'file', cause === undefined ? undefined : { cause });
}

/** A value for a message, cut short (a hostile file may hold megabytes in one field). */
function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? v.slice(0, 60) + '…' : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  return Array.isArray(v) ? `an array of length ${v.length}` : `a${typeof v === 'object' ? 'n object' : ` ${typeof v}`}`;
}

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const isInt = (v: unknown, lo: number, hi: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function parseJson(meta: Record<string, string>, key: string): Record<string, unknown> {
  const text = has(meta, key) ? meta[key] : undefined;
  if (text === undefined) throw bad(`metadata "${key}" is missing`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw bad(`metadata "${key}" is not valid JSON (${(e as Error).message})`, e);
  }
  if (!isPlainObject(v)) throw bad(`metadata "${key}" must be a JSON object`);
  return v;
}

/**
 * Free-form JSON (constructor arguments, training options, schedules) nested at most `max` deep, checked without
 * recursion: `JSON.parse` accepts any depth, but whatever later stringifies or walks the value would overflow the
 * stack on a hostile file.
 */
function checkDepth(where: string, v: unknown, max = 32): void {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (typeof x !== 'object' || x === null) continue;
    if (d >= max) throw bad(`${where} is nested more than ${max} levels deep`);
    for (const k of Object.keys(x)) stack.push([(x as Record<string, unknown>)[k], d + 1]);
  }
}

/** Exactly the keys `required` (plus any of `optional`), nothing else. */
function exactKeys(where: string, o: Record<string, unknown>, required: readonly string[], optional: readonly string[] = []): void {
  for (const k of Object.keys(o)) if (!required.includes(k) && !optional.includes(k)) throw bad(`${where} has an unexpected field ${show(k)}`);
  for (const k of required) if (!has(o, k)) throw bad(`${where}.${k} is missing`);
}

function oneOfNames<T extends string>(where: string, v: unknown, names: readonly T[], what: string): T {
  if (typeof v !== 'string' || !names.includes(v as T)) throw bad(`${where} ${show(v)} is not a known ${what} (expected one of ${names.join(', ')})`);
  return v as T;
}

/** Translates a version 1 spec (integer codes, `float64`, `optimizer.kind`) to names; the result is then checked as any spec. */
function fromV1Spec(v: unknown): unknown {
  if (!isPlainObject(v)) throw bad('model.spec must be an object');
  const code = <T>(where: string, x: unknown, table: readonly T[], what: string): T => {
    if (!isInt(x, 0, table.length - 1)) throw bad(`${where} ${show(x)} is not a version 1 ${what} code (0 to ${table.length - 1})`);
    return table[x]!;
  };
  const out: Record<string, unknown> = { ...v };
  if (!has(v, 'float64') || typeof v.float64 !== 'boolean') throw bad('model.spec.float64 must be a boolean (version 1 file)');
  delete out.float64;
  out.dtype = v.float64 ? 'float64' : 'float32';
  out.loss = code('model.spec.loss', v.loss, V1_CODES.losses, 'loss');
  if (!Array.isArray(v.layers) || v.layers.length < 1 || v.layers.length > MAX_LAYERS) throw bad(`model.spec.layers must hold 1 to ${MAX_LAYERS} layers`);
  out.layers = v.layers.map((L: unknown, i: number) => {
    if (!isPlainObject(L)) throw bad(`model.spec.layers[${i}] must be an object`);
    return { ...L, activation: code(`model.spec.layers[${i}].activation`, L.activation, V1_CODES.activations, 'activation') };
  });
  const o = v.optimizer;
  if (!isPlainObject(o)) throw bad('model.spec.optimizer must be an object');
  const { kind, ...fields } = o;
  out.optimizer = { kernel: code('model.spec.optimizer.kind', kind, V1_CODES.kernels, 'optimizer kind'), ...fields };
  return out;
}

/**
 * Checks every field of a spec read from a file against the engine table (the backends re-check; this gives
 * file-level messages and keeps hostile sizes from reaching an allocation). Returns a fresh, canonical copy.
 */
function checkSpec(v: unknown): EngineSpec {
  if (!isPlainObject(v)) throw bad('model.spec must be an object');
  const { lossParam: lp, average: av, ...rest } = v;
  let average: EngineSpec['average'];
  if (av !== undefined) {
    if (!isPlainObject(av)) throw bad('model.spec.average must be an object { kind, start, decay }');
    exactKeys('model.spec.average', av, ['kind', 'start', 'decay']);
    const kind = oneOfNames('model.spec.average.kind', av.kind, ['none', 'mean', 'ema'] as const, 'averaging kind');
    if (!isInt(av.start, 1, 2 ** 53)) throw bad('model.spec.average.start must be an integer >= 1');
    if (!isNum(av.decay) || av.decay < 0 || av.decay >= 1) throw bad('model.spec.average.decay must be in [0, 1)');
    average = { kind, start: av.start, decay: av.decay };
  }
  exactKeys('model.spec', rest, SPEC_KEYS);
  const dtype = oneOfNames('model.spec.dtype', v.dtype, DTYPES, 'dtype');
  const loss = oneOfNames('model.spec.loss', v.loss, LOSS_NAMES, 'loss head');
  const lossParam = lp === undefined ? lossParamDefault(loss) : lp;
  const why = isNum(lossParam) ? lossParamProblem(loss, lossParam) : 'it must be a number';
  if (why !== undefined) throw bad(`model.spec.lossParam ${show(lossParam)} is invalid for ${loss}: ${why}`);
  if (!Array.isArray(v.layers) || v.layers.length < 1 || v.layers.length > MAX_LAYERS) throw bad(`model.spec.layers must hold 1 to ${MAX_LAYERS} layers`);
  const layers: LayerSpec[] = [];
  let total = 0;
  v.layers.forEach((L: unknown, i: number) => {
    const w = `model.spec.layers[${i}]`;
    if (!isPlainObject(L)) throw bad(`${w} must be an object`);
    exactKeys(w, L, LAYER_KEYS);
    if (!isInt(L.inputs, 1, MAX_DIM) || !isInt(L.units, 1, MAX_DIM)) throw bad(`${w} has invalid inputs/units (${show(L.inputs)}, ${show(L.units)}; integers 1 to ${MAX_DIM})`);
    if (i > 0 && L.inputs !== layers[i - 1]!.units) throw bad(`${w}.inputs (${L.inputs}) differ from layer ${i - 1}'s units (${layers[i - 1]!.units})`);
    const activation = oneOfNames(`${w}.activation`, L.activation, ACTIVATION_NAMES, 'activation');
    const param = (ACTIVATIONS[activation] as { param?: unknown }).param;
    if (!isNum(L.activationParam) || (param ? L.activationParam < 0 || L.activationParam > 1e6 : L.activationParam !== 0)) {
      throw bad(`${w}.activationParam ${show(L.activationParam)} is invalid for ${activation} (${param ? 'a number from 0 to 1e6' : '0: it has no parameter'})`);
    }
    if (typeof L.useBias !== 'boolean') throw bad(`${w}.useBias must be a boolean`);
    if (!isNum(L.dropout) || L.dropout < 0 || L.dropout >= 1) throw bad(`${w}.dropout ${show(L.dropout)} must be in [0, 1)`);
    total += L.units * L.inputs + (L.useBias ? L.units : 0);
    if (total > MAX_PARAMS) throw bad(`the network has more than ${MAX_PARAMS} parameters`);
    layers.push({ inputs: L.inputs, units: L.units, activation, activationParam: L.activationParam, useBias: L.useBias, dropout: L.dropout });
  });
  const last = layers[layers.length - 1]!;
  if (last.activation !== 'linear') throw bad(`the last layer must be linear (the loss head takes its outputs), not ${last.activation}`);
  if (last.dropout !== 0) throw bad('the last layer cannot have dropout');
  const o = v.optimizer;
  if (!isPlainObject(o)) throw bad('model.spec.optimizer must be an object');
  exactKeys('model.spec.optimizer', o, ['kernel', ...KERNEL_FIELD_NAMES]);
  const optimizer: Record<string, unknown> = { kernel: oneOfNames('model.spec.optimizer.kernel', o.kernel, KERNEL_NAMES, 'optimizer kernel') };
  for (const f of KERNEL_FIELD_NAMES) {
    const fact = KERNEL_FIELDS[f] as { type: 'number' | 'boolean'; min?: number; max?: number };
    const x = o[f];
    if (fact.type === 'boolean' ? typeof x !== 'boolean' : !isNum(x) || (fact.min !== undefined && x < fact.min) || (fact.max !== undefined && x > fact.max)) {
      const expected = fact.type === 'boolean' ? 'a boolean' : `a number from ${fact.min ?? '-∞'} to ${fact.max ?? '∞'}`;
      throw bad(`model.spec.optimizer.${f} = ${show(x)} is invalid (expected ${expected})`);
    }
    optimizer[f] = x;
  }
  for (const k of ['l1', 'l2', 'clipNorm', 'clipValue'] as const) if (!isNum(v[k]) || (v[k] as number) < 0) throw bad(`model.spec.${k} must be a number >= 0`);
  if (typeof v.penalizeBias !== 'boolean') throw bad('model.spec.penalizeBias must be a boolean');
  if (!isInt(v.maxBatch, 1, MAX_DIM)) throw bad(`model.spec.maxBatch must be an integer from 1 to ${MAX_DIM}`);
  return {
    dtype, layers, loss, lossParam: lossParam as number, optimizer: optimizer as KernelConfig, l1: v.l1 as number, l2: v.l2 as number, penalizeBias: v.penalizeBias,
    clipNorm: v.clipNorm as number, clipValue: v.clipValue as number, maxBatch: v.maxBatch,
    ...(average ? { average } : {}),
  };
}

/** Parses `checksums` and verifies every checksum against the file's tensors and metadata strings. */
function verifyChecksums(metadata: Record<string, string>, tensors: Map<string, Tensor>): NonNullable<ModelFileInfo['checksums']> {
  if (!has(metadata, 'checksums')) throw bad(`metadata "checksums" is missing (format_version ${metadata.format_version} files carry a ${CHECKSUM_ALGORITHM} checksum of every tensor)`);
  const c = parseJson(metadata, 'checksums');
  exactKeys('checksums', c, ['algorithm', 'tensors', 'metadata']);
  if (c.algorithm !== CHECKSUM_ALGORITHM) throw bad(`checksums.algorithm ${show(c.algorithm)} is not supported (expected "${CHECKSUM_ALGORITHM}")`);
  const hexMap = (where: string, m: unknown): Map<string, string> => {
    if (!isPlainObject(m)) throw bad(`${where} must be an object`);
    const out = new Map<string, string>();
    for (const k of Object.keys(m)) {
      const h = m[k];
      if (typeof h !== 'string' || !/^[0-9a-f]{8}$/.test(h)) throw bad(`${where}[${show(k)}] = ${show(h)} is not 8 lowercase hex digits`);
      out.set(k, h);
    }
    return out;
  };
  const forTensors = hexMap('checksums.tensors', c.tensors);
  const forMeta = hexMap('checksums.metadata', c.metadata);
  // Coverage first: exactly the file's tensors and exactly the checksummed metadata keys it holds.
  for (const name of tensors.keys()) if (!forTensors.has(name)) throw bad(`tensor ${show(name)} has no checksum in checksums.tensors`);
  for (const name of forTensors.keys()) if (!tensors.has(name)) throw bad(`checksums.tensors names tensor ${show(name)}, which the file does not hold`);
  for (const key of CHECKSUMMED_METADATA) {
    if (has(metadata, key) && !forMeta.has(key)) throw bad(`metadata "${key}" has no checksum in checksums.metadata`);
  }
  for (const key of forMeta.keys()) {
    if (!(CHECKSUMMED_METADATA as readonly string[]).includes(key)) throw bad(`checksums.metadata names ${show(key)}, which is not a checksummed key (${CHECKSUMMED_METADATA.join(', ')})`);
    if (!has(metadata, key)) throw bad(`checksums.metadata names metadata "${key}", which the file does not hold`);
  }
  const mismatch = (what: string, stored: string, computed: string) =>
    bad(`${what} fails its ${CHECKSUM_ALGORITHM} checksum (file says ${stored}, the bytes give ${computed}): the file is corrupt or was edited`);
  for (const [key, stored] of forMeta) {
    const computed = crc32cHex(Buffer.from(metadata[key]!, 'utf8'));
    if (computed !== stored) throw mismatch(`metadata "${key}"`, stored, computed);
  }
  for (const [name, t] of tensors) {
    const stored = forTensors.get(name)!, computed = crc32cHex(storedBytes(t));
    if (computed !== stored) throw mismatch(`tensor ${show(name)}`, stored, computed);
  }
  return { tensors: Object.fromEntries(forTensors), metadata: Object.fromEntries(forMeta) };
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding

/**
 * Decodes and validates a descent file (version 1 or 2) and reports what it holds. In order: the safetensors
 * layout (lib/io/safetensors.ts), `format` and `format_version`, every checksum (version 2), then the metadata
 * JSON and the spec against the engine table, then every tensor's presence, dtype and shape, and only then are the
 * flat parameter (and slot) arrays assembled. Any problem is a `FormatError` naming it.
 */
export function decodeModelFile(buf: Uint8Array): ModelFileInfo {
  const { tensors, metadata } = decodeSafetensors(buf);
  if (metadata.format !== 'descent') throw bad(`metadata "format" is ${show(metadata.format)}, expected "descent"`);
  const version = metadata.format_version;
  if (typeof version !== 'string' || !READABLE_FORMAT_VERSIONS.includes(version)) {
    throw bad(`format_version ${show(version)} is not supported (this descent reads versions ${READABLE_FORMAT_VERSIONS.join(' and ')})`);
  }
  let checksums: ModelFileInfo['checksums'];
  if (version === '1') {
    if (has(metadata, 'checksums')) throw bad('a format_version "1" file has no checksums, but this one has: was format_version edited?');
  } else {
    checksums = verifyChecksums(metadata, tensors);
  }

  const model = parseJson(metadata, 'model');
  exactKeys('model', model, ['class', 'args', 'spec'], MODEL_KEYS);
  if (typeof model.class !== 'string') throw bad('model.class must be a string');
  if (!Array.isArray(model.args)) throw bad('model.args must be an array');
  checkDepth('model.args', model.args);
  checkDepth('model.training', model.training);
  const spec = checkSpec(version === '1' ? fromV1Spec(model.spec) : model.spec);
  const dtype = TENSOR_DTYPE[spec.dtype];
  const { total } = layoutOf(spec.layers);

  // Every tensor is checked before a flat array of `total` values (a size the spec claims) is allocated.
  const expected = (prefix: string, suffix: string) => {
    const list = pieces(spec, prefix, suffix);
    for (const p of list) {
      const t = tensors.get(p.name);
      if (!t) throw bad(`tensor "${p.name}" is missing`);
      if (t.dtype !== dtype) throw bad(`tensor "${p.name}" has dtype ${t.dtype}, expected ${dtype} for this ${spec.dtype} model`);
      if (t.shape.length !== p.shape.length || t.shape.some((d, k) => d !== p.shape[k])) throw bad(`tensor "${p.name}" has shape [${t.shape}], expected [${p.shape}]`);
    }
    return list;
  };
  const assemble = (list: ReturnType<typeof pieces>): FloatArray => {
    const flat = spec.dtype === 'float64' ? new Float64Array(total) : new Float32Array(total);
    for (const p of list) {
      const data = tensors.get(p.name)!.data as FloatArray;
      for (let j = 0; j < data.length; j++) {
        if (!Number.isFinite(data[j]!)) throw bad(`tensor "${p.name}" holds ${data[j]} at index ${j}; a trained model's tensors are finite`);
      }
      flat.set(data, p.offset);
    }
    return flat;
  };

  const paramPieces = expected('', '');
  const names = slotNames(spec.optimizer);
  let c: Record<string, unknown> | undefined;
  const slotPieces: ReturnType<typeof pieces>[] = [];
  if (has(metadata, 'checkpoint')) {
    c = parseJson(metadata, 'checkpoint');
    exactKeys('checkpoint', c, ['optimizer', 'step', 'muProduct', 'rng', 'epoch', 'slotNames'], CHECKPOINT_KEYS);
    if (!Array.isArray(c.slotNames) || c.slotNames.length !== names.length || c.slotNames.some((n, k) => n !== names[k])) {
      throw bad(`checkpoint.slotNames ${Array.isArray(c.slotNames) && c.slotNames.length <= 8 ? JSON.stringify(c.slotNames) : show(c.slotNames)} do not match the ${spec.optimizer.kernel} kernel's slots (${names.join(', ') || 'none'})`);
    }
    if (names.length !== numSlots(spec.optimizer)) throw bad('optimizer slot count mismatch');
    if (!isInt(c.step, 0, 2 ** 52) || !isInt(c.epoch, 0, 2 ** 52) || !isNum(c.muProduct)) throw bad('checkpoint step/epoch/muProduct are invalid');
    if (!Array.isArray(c.rng) || c.rng.length !== 4 || !c.rng.every((x) => isInt(x, 0, 0xffffffff)) || c.rng.every((x) => x === 0)) throw bad('checkpoint.rng must be 4 uint32, not all zero');
    const o = c.optimizer;
    if (!isPlainObject(o)) throw bad('checkpoint.optimizer must be an object');
    exactKeys('checkpoint.optimizer', o, ['name', 'options', 'learningRate']);
    oneOfNames('checkpoint.optimizer.name', o.name, OPTIMIZER_NAMES, 'optimizer');
    if (!isPlainObject(o.options) || !Object.values(o.options).every((x) => isNum(x) || typeof x === 'boolean')) throw bad('checkpoint.optimizer.options must map names to numbers or booleans');
    if (!(isNum(o.learningRate) && o.learningRate > 0) && !isPlainObject(o.learningRate)) throw bad('checkpoint.optimizer.learningRate must be a number > 0 or a schedule object');
    checkDepth('checkpoint.optimizer.learningRate', o.learningRate);
    checkDepth('checkpoint.plateau', c.plateau);
    for (const n of names) slotPieces.push(expected('optimizer.', `.${n}`));
  }
  const known = new Set<string>([...paramPieces, ...slotPieces.flat()].map((p) => p.name));
  const mean = tensors.get('scaler.mean'), std = tensors.get('scaler.std');
  if (mean || std) {
    const d = spec.layers[0]!.inputs;
    for (const [name, t] of [['scaler.mean', mean], ['scaler.std', std]] as const) {
      if (!t || t.dtype !== 'F64' || t.shape.length !== 1 || t.shape[0] !== d) throw bad(`tensor "${name}" must be F64 of shape [${d}]`);
      known.add(name);
    }
  }
  for (const name of tensors.keys()) if (!known.has(name)) throw bad(`unexpected tensor ${show(name)}`);

  const snapshot: ModelSnapshot = { className: model.class, ctorArgs: model.args, spec, params: assemble(paramPieces) };
  if (model.featureNames !== undefined && model.featureNames !== null) {
    const fn = model.featureNames;
    if (!Array.isArray(fn) || fn.length !== spec.layers[0]!.inputs || !fn.every((n) => typeof n === 'string')) throw bad('model.featureNames must be one string per input');
    snapshot.featureNames = fn as string[];
  }
  if (model.classes !== undefined && model.classes !== null) {
    const units = spec.layers.at(-1)!.units;
    if (!validClasses(model.classes, units === 1 ? 2 : units)) throw bad(`model.classes must be ${units === 1 ? 2 : units} distinct sorted numbers or strings`);
    snapshot.classes = model.classes;
  }
  if (model.training !== undefined && model.training !== null) {
    if (!isPlainObject(model.training)) throw bad('model.training must be an object or null');
    snapshot.training = model.training;
  }
  if (mean && std) {
    const sd = std.data as Float64Array, mu = mean.data as Float64Array;
    if (!sd.every((x) => x > 0 && Number.isFinite(x)) || !mu.every(Number.isFinite)) throw bad('scaler statistics must be finite with std > 0');
    snapshot.scaler = { mean: mu, std: sd };
  }
  if (c) {
    snapshot.checkpoint = {
      optimizer: c.optimizer as CheckpointState['optimizer'], slots: slotPieces.map(assemble), step: c.step as number, muProduct: c.muProduct as number,
      rng: c.rng as number[], epoch: c.epoch as number,
    };
    if (c.plateau !== undefined) snapshot.checkpoint.plateau = c.plateau;
  }
  const info: ModelFileInfo = {
    formatVersion: version, snapshot,
    tensors: [...tensors].map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape })),
  };
  if (typeof metadata.descent_version === 'string') info.descentVersion = metadata.descent_version;
  if (checksums) info.checksums = checksums;
  return info;
}

/** Decodes and validates a descent file (version 1 or 2): {@link decodeModelFile}'s snapshot. */
export function decodeModel(buf: Uint8Array): ModelSnapshot {
  return decodeModelFile(buf).snapshot;
}
