/**
 * descent's model and checkpoint files: safetensors (lib/io/safetensors.ts) with readable tensor names and
 * descent's metadata in `__metadata__`. Weights are stored `[out, in]` like PyTorch's `nn.Linear.weight`, so
 * `dense_0.weight` loads into `torch.nn.Linear(in, out).weight` as is (and `dense_0.bias` into `.bias`).
 *
 * Tensors: `dense_<i>.weight` `[units, inputs]`, `dense_<i>.bias` `[units]`, `scaler.mean` / `scaler.std` (F64),
 * and in checkpoints `optimizer.dense_<i>.{weight,bias}.<slot>` with PyTorch's slot names (`exp_avg`,
 * `exp_avg_sq`, `max_exp_avg_sq`, `momentum_buffer`, `square_avg`, `grad_avg`, `sum`, `acc_delta`, `exp_inf`).
 * Metadata (strings): `format` = "descent", `format_version` = "1", `descent_version`, `model` (JSON: class,
 * constructor arguments, engine spec, feature names, training options) and, for checkpoints, `checkpoint` (JSON:
 * optimizer, step, epoch, NAdam μ-product, RNG state, schedule state).
 */
import type { FloatArray, NativeSpec } from '../backend/types';
import { ACTIVATIONS, LOSSES } from '../backend/types';
import { numSlots } from '../backend/js/optimizers';
import { FormatError } from '../errors';
import { Tensor, decodeSafetensors, encodeSafetensors } from './safetensors';

export const FORMAT_VERSION = '1';

export interface CheckpointState {
  /** The optimizer's name and options (`OptimizerSpec.name/options`) and its learning rate as JSON. */
  optimizer: { name: string; options: Record<string, number | boolean>; learningRate: unknown };
  /** Per optimizer slot, the flat values over all parameters (same layout as `params`). */
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
  spec: NativeSpec;
  params: FloatArray;
  scaler?: { mean: Float64Array; std: Float64Array };
  featureNames?: string[];
  /** Training options of the last fit, for the record (not needed to predict). */
  training?: Record<string, unknown>;
  checkpoint?: CheckpointState;
}

/** PyTorch's state names for each optimizer kind's slots (see native/kernels/optimizers.cc NumSlots). */
export function slotNames(spec: NativeSpec): string[] {
  const c = spec.optimizer;
  switch (c.kind) {
    case 0: return c.momentum !== 0 ? ['momentum_buffer'] : [];
    case 1: return c.amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq'];
    case 2: return c.centered ? ['square_avg', 'momentum_buffer', 'grad_avg'] : ['square_avg', 'momentum_buffer'];
    case 3: return ['sum'];
    case 4: return ['square_avg', 'acc_delta'];
    case 5: return ['exp_avg', 'exp_inf'];
    default: return ['exp_avg', 'exp_avg_sq'];
  }
}

/** The flat parameter vector split into named tensors (views into `flat`). */
function split(spec: NativeSpec, flat: FloatArray, prefix: string, suffix: string): [string, Tensor][] {
  const dtype = spec.float64 ? 'F64' : 'F32';
  const out: [string, Tensor][] = [];
  let off = 0;
  spec.layers.forEach((L, i) => {
    out.push([`${prefix}dense_${i}.weight${suffix}`, { dtype, shape: [L.units, L.inputs], data: flat.subarray(off, off + L.units * L.inputs) }]);
    off += L.units * L.inputs;
    if (L.useBias) {
      out.push([`${prefix}dense_${i}.bias${suffix}`, { dtype, shape: [L.units], data: flat.subarray(off, off + L.units) }]);
      off += L.units;
    }
  });
  return out;
}

export function encodeModel(s: ModelSnapshot, descentVersion: string): Buffer {
  const tensors = new Map<string, Tensor>(split(s.spec, s.params, '', ''));
  if (s.scaler) {
    tensors.set('scaler.mean', { dtype: 'F64', shape: [s.scaler.mean.length], data: s.scaler.mean });
    tensors.set('scaler.std', { dtype: 'F64', shape: [s.scaler.std.length], data: s.scaler.std });
  }
  const metadata: Record<string, string> = {
    format: 'descent',
    format_version: FORMAT_VERSION,
    descent_version: descentVersion,
    model: JSON.stringify({ class: s.className, args: s.ctorArgs, spec: s.spec, featureNames: s.featureNames ?? null, training: s.training ?? null }),
  };
  if (s.checkpoint) {
    const names = slotNames(s.spec);
    names.forEach((slot, k) => {
      for (const [name, t] of split(s.spec, s.checkpoint!.slots[k]!, 'optimizer.', `.${slot}`)) tensors.set(name, t);
    });
    const { slots: _slots, ...rest } = s.checkpoint;
    void _slots;
    metadata.checkpoint = JSON.stringify({ ...rest, slotNames: names });
  }
  return encodeSafetensors(tensors, metadata);
}

function bad(problem: string): FormatError {
  return new FormatError(`Not a valid descent model file: ${problem}`, 'file');
}

function parseJson(meta: Record<string, string>, key: string): Record<string, unknown> {
  const text = meta[key];
  if (text === undefined) throw bad(`metadata "${key}" is missing`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`Not a valid descent model file: metadata "${key}" is not valid JSON (${(e as Error).message})`, 'file', { cause: e });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`metadata "${key}" must be a JSON object`);
  return v as Record<string, unknown>;
}

const isInt = (v: unknown, lo: number, hi: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Checks every field of an engine spec read from a file (the native side re-checks; this gives file-level messages). */
function checkSpec(v: unknown): NativeSpec {
  if (typeof v !== 'object' || v === null) throw bad('model.spec must be an object');
  const s = v as NativeSpec;
  if (typeof s.float64 !== 'boolean') throw bad('model.spec.float64 must be a boolean');
  if (!isInt(s.loss, 0, LOSSES.length - 1)) throw bad(`model.spec.loss ${JSON.stringify(s.loss)} is not a known loss head`);
  if (!Array.isArray(s.layers) || s.layers.length < 1 || s.layers.length > 1024) throw bad('model.spec.layers must hold 1 to 1024 layers');
  let total = 0;
  s.layers.forEach((L, i) => {
    if (typeof L !== 'object' || L === null) throw bad(`layer ${i} must be an object`);
    if (!isInt(L.inputs, 1, 1 << 24) || !isInt(L.units, 1, 1 << 24)) throw bad(`layer ${i} has invalid inputs/units`);
    if (i > 0 && L.inputs !== s.layers[i - 1]!.units) throw bad(`layer ${i} inputs (${L.inputs}) differ from layer ${i - 1} units`);
    if (!isInt(L.activation, 0, ACTIVATIONS.length - 1)) throw bad(`layer ${i} activation ${JSON.stringify(L.activation)} is unknown`);
    if (!isNum(L.activationParam) || typeof L.useBias !== 'boolean' || !isNum(L.dropout) || L.dropout < 0 || L.dropout >= 1) throw bad(`layer ${i} has invalid fields`);
    total += L.units * L.inputs + (L.useBias ? L.units : 0);
  });
  if (total > 2 ** 31) throw bad('too many parameters');
  if (s.layers.at(-1)!.activation !== 0) throw bad('the last layer must be linear');
  if (typeof s.optimizer !== 'object' || s.optimizer === null || !isInt(s.optimizer.kind, 0, 6)) throw bad('model.spec.optimizer is invalid');
  for (const k of ['momentum', 'dampening', 'beta1', 'beta2', 'epsilon', 'weightDecay', 'alpha', 'lrDecay', 'initialAccumulatorValue', 'rho', 'momentumDecay'] as const) {
    const v = s.optimizer[k];
    const unit = k === 'dampening' || k === 'beta1' || k === 'beta2' || k === 'alpha' || k === 'rho';
    if (!isNum(v) || v < 0 || (unit && v > 1) || v > 1e6) throw bad(`model.spec.optimizer.${k} = ${JSON.stringify(v)} is out of range`);
  }
  for (const k of ['nesterov', 'amsgrad', 'decoupled', 'centered'] as const) {
    if (typeof s.optimizer[k] !== 'boolean') throw bad(`model.spec.optimizer.${k} must be a boolean`);
  }
  for (const k of ['l1', 'l2', 'clipNorm', 'clipValue'] as const) if (!isNum(s[k]) || s[k] < 0) throw bad(`model.spec.${k} must be a number >= 0`);
  if (typeof s.penalizeBias !== 'boolean' || !isInt(s.maxBatch, 1, 1 << 24)) throw bad('model.spec.penalizeBias/maxBatch are invalid');
  return s;
}

/** Decodes and validates a descent file; everything is checked before the parameter arrays are assembled. */
export function decodeModel(buf: Uint8Array): ModelSnapshot {
  const { tensors, metadata } = decodeSafetensors(buf);
  if (metadata.format !== 'descent') throw bad(`metadata "format" is ${JSON.stringify(metadata.format)}, expected "descent"`);
  if (metadata.format_version !== FORMAT_VERSION) throw bad(`format_version ${JSON.stringify(metadata.format_version)} is not supported (this descent reads version ${FORMAT_VERSION})`);
  const model = parseJson(metadata, 'model');
  if (typeof model.class !== 'string') throw bad('model.class must be a string');
  if (!Array.isArray(model.args)) throw bad('model.args must be an array');
  const spec = checkSpec(model.spec);
  const dtype = spec.float64 ? 'F64' : 'F32';
  let total = 0;
  for (const L of spec.layers) total += L.units * L.inputs + (L.useBias ? L.units : 0);
  const take = (prefix: string, suffix: string): FloatArray => {
    const flat = spec.float64 ? new Float64Array(total) : new Float32Array(total);
    let off = 0;
    spec.layers.forEach((L, i) => {
      for (const [part, shape] of [['weight', [L.units, L.inputs]], ['bias', [L.units]]] as const) {
        if (part === 'bias' && !L.useBias) continue;
        const name = `${prefix}dense_${i}.${part}${suffix}`;
        const t = tensors.get(name);
        if (!t) throw bad(`tensor "${name}" is missing`);
        if (t.dtype !== dtype) throw bad(`tensor "${name}" has dtype ${t.dtype}, expected ${dtype} for this model`);
        if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) throw bad(`tensor "${name}" has shape [${t.shape}], expected [${shape}]`);
        const data = t.data as FloatArray;
        for (let j = 0; j < data.length; j++) {
          if (!Number.isFinite(data[j]!)) throw bad(`tensor "${name}" holds ${data[j]} at index ${j}; a trained model's tensors are finite`);
        }
        flat.set(data, off);
        off += data.length;
      }
    });
    return flat;
  };
  const params = take('', '');
  const snapshot: ModelSnapshot = { className: model.class, ctorArgs: model.args, spec, params };
  if (Array.isArray(model.featureNames)) {
    if (!model.featureNames.every((n) => typeof n === 'string') || model.featureNames.length !== spec.layers[0]!.inputs) throw bad('featureNames must be one string per input');
    snapshot.featureNames = model.featureNames as string[];
  }
  if (model.training && typeof model.training === 'object') snapshot.training = model.training as Record<string, unknown>;
  const mean = tensors.get('scaler.mean'), std = tensors.get('scaler.std');
  if (mean || std) {
    const d = spec.layers[0]!.inputs;
    for (const [name, t] of [['scaler.mean', mean], ['scaler.std', std]] as const) {
      if (!t || t.dtype !== 'F64' || t.shape.length !== 1 || t.shape[0] !== d) throw bad(`tensor "${name}" must be F64 of shape [${d}]`);
    }
    const sd = std!.data as Float64Array;
    if (!sd.every((v) => v > 0 && Number.isFinite(v)) || !(mean!.data as Float64Array).every(Number.isFinite)) throw bad('scaler statistics must be finite with std > 0');
    snapshot.scaler = { mean: mean!.data as Float64Array, std: sd };
  }
  if (metadata.checkpoint !== undefined) {
    const c = parseJson(metadata, 'checkpoint');
    const names = slotNames(spec);
    if (!Array.isArray(c.slotNames) || c.slotNames.join() !== names.join()) throw bad(`checkpoint slotNames ${JSON.stringify(c.slotNames)} do not match the optimizer (${names.join(', ') || 'none'})`);
    if (names.length !== numSlots(spec.optimizer)) throw bad('optimizer slot count mismatch');
    if (!isInt(c.step, 0, 2 ** 52) || !isInt(c.epoch, 0, 2 ** 52) || !isNum(c.muProduct)) throw bad('checkpoint step/epoch/muProduct are invalid');
    if (!Array.isArray(c.rng) || c.rng.length !== 4 || !c.rng.every((v) => isInt(v, 0, 0xffffffff)) || c.rng.every((v) => v === 0)) throw bad('checkpoint rng must be 4 uint32, not all zero');
    const o = c.optimizer as CheckpointState['optimizer'];
    if (typeof o !== 'object' || o === null || typeof o.name !== 'string' || typeof o.options !== 'object') throw bad('checkpoint optimizer is invalid');
    snapshot.checkpoint = {
      optimizer: o, slots: names.map((n) => take('optimizer.', `.${n}`)), step: c.step, muProduct: c.muProduct, rng: c.rng as number[], epoch: c.epoch,
      plateau: c.plateau,
    };
  }
  const known = new Set([...split(spec, params, '', '').map(([n]) => n), 'scaler.mean', 'scaler.std',
    ...slotNames(spec).flatMap((slot) => split(spec, params, 'optimizer.', `.${slot}`).map(([n]) => n))]);
  for (const name of tensors.keys()) if (!known.has(name)) throw bad(`unexpected tensor "${name}"`);
  return snapshot;
}
