import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import {
  ACTIVATIONS, ACTIVATION_NAMES, DTYPES, DTYPE_BYTES, EngineSpec, KERNELS, KERNEL_FIELDS, KERNEL_FIELD_NAMES,
  KERNEL_NAMES, KernelConfig, LOSSES, LOSS_NAMES, LayerSpec, defaultKernelConfig, layoutOf, numSlots, slotInit,
  trainerBytes,
} from '../lib/engine/spec';
import { OptionError } from '../lib/errors';
import { renderSpecDef, SPEC_DEF } from '../scripts/gen-spec';
import { native, requireNative } from './support/backends';

/** mulberry32: a small seeded generator, so the random specs are the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomSpec(r: () => number): EngineSpec {
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)]!;
  const depth = int(1, 4);
  const layers: LayerSpec[] = [];
  let inputs = int(1, 100);
  for (let i = 0; i < depth; i++) {
    const last = i === depth - 1;
    const units = int(1, 64);
    const activation = last ? 'linear' : pick(ACTIVATION_NAMES);
    const param = (ACTIVATIONS[activation] as { param?: { default: number } }).param;
    layers.push({
      inputs, units, activation, activationParam: param ? param.default : 0, useBias: r() < 0.7,
      dropout: !last && r() < 0.4 ? 0.1 + 0.4 * r() : 0,
    });
    inputs = units;
  }
  const kernel = pick(KERNEL_NAMES);
  const optimizer: KernelConfig = {
    ...defaultKernelConfig(kernel),
    momentum: r() < 0.5 ? 0.9 : 0,
    nesterov: r() < 0.2,
    amsgrad: r() < 0.5,
    centered: r() < 0.5,
    decoupled: r() < 0.3,
    weightDecay: r() < 0.3 ? 0.01 : 0,
    initialAccumulatorValue: r() < 0.5 ? 0.1 : 0,
  };
  return {
    dtype: pick(DTYPES), layers, loss: pick(LOSS_NAMES), optimizer,
    l1: r() < 0.3 ? 1e-4 : 0, l2: r() < 0.3 ? 1e-3 : 0, penalizeBias: r() < 0.5,
    clipNorm: r() < 0.3 ? 1 : 0, clipValue: r() < 0.3 ? 0.5 : 0, maxBatch: int(1, 512),
  };
}

const SPECS = (() => {
  const r = rng(20240501);
  return Array.from({ length: 50 }, () => randomSpec(r));
})();

/** What the trainer and the standalone kernel expose of themselves here. */
interface NativeTrainerLike {
  initialize(seed: number): void;
  getParams(): Float32Array | Float64Array;
  getSlot(i: number): Float32Array | Float64Array;
  dispose(): void;
}

/** `fn` throws an OptionError naming `argument`, with a message matching `re`. */
function throwsOption(fn: () => unknown, argument: string, re?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof OptionError, `expected an OptionError, got ${String(e)}`);
    assert.equal(e.argument, argument);
    if (re) assert.match(e.message, re);
    return true;
  });
}

describe('05 engine spec: lib/engine/spec.ts, native/kernels/spec.def and the addon agree', () => {
  it('native/kernels/spec.def is what scripts/gen-spec.ts renders from lib/engine/spec.ts (npm run gen:spec)', () => {
    assert.equal(fs.readFileSync(SPEC_DEF, 'utf8'), renderSpecDef());
  });

  describe('native', function () {
    before(function () {
      requireNative(this);
    });

    it('engineFacts() lists the dtypes, activations, losses, kernels with their slots and every kernel field', () => {
      const facts = native!.engineFacts();
      assert.deepStrictEqual(facts.dtypes, DTYPES.map((name) => ({ name, bytes: DTYPE_BYTES[name] })));
      assert.deepStrictEqual(
        facts.activations,
        ACTIVATION_NAMES.map((name) => ({ name, paramDefault: (ACTIVATIONS[name] as { param?: { default: number } }).param?.default ?? 0 })),
      );
      assert.deepStrictEqual(facts.losses, LOSS_NAMES.map((name) => {
        const p = (LOSSES[name] as { param?: { default: number } }).param;
        return { name, targetColumns: LOSSES[name].targetColumns, ...(p ? { paramDefault: p.default } : {}) };
      }));
      assert.deepStrictEqual(
        facts.kernels,
        KERNEL_NAMES.map((name) => ({ name, slots: (KERNELS[name].slots as readonly { name: string }[]).map((s) => s.name) })),
      );
      assert.deepStrictEqual(
        facts.kernelFields,
        KERNEL_FIELD_NAMES.map((name) => {
          const f = KERNEL_FIELDS[name] as { type: 'number' | 'boolean'; default: number | boolean; min?: number; max?: number };
          return f.type === 'boolean'
            ? { name, type: f.type, default: f.default }
            : { name, type: f.type, default: f.default, min: f.min, max: f.max };
        }),
      );
    });

    it('trainerBytes(spec) equals lib/engine/spec.ts trainerBytes for 50 seeded random specs', () => {
      for (const [i, spec] of SPECS.entries()) {
        assert.equal(native!.trainerBytes(spec), trainerBytes(spec), `spec #${i}: ${JSON.stringify(spec)}`);
      }
    });

    it('a trainer built from a named spec has the layout and the slots (with their starting values) the table gives', () => {
      for (const [i, spec] of SPECS.slice(0, 20).entries()) {
        const t = new native!.NativeTrainer(spec) as NativeTrainerLike;
        try {
          t.initialize(1);
          const P = layoutOf(spec.layers).total;
          const params = t.getParams();
          assert.equal(params.length, P, `spec #${i} parameters`);
          assert.equal(params instanceof Float64Array, spec.dtype === 'float64', `spec #${i} dtype`);
          const n = numSlots(spec.optimizer);
          for (let s = 0; s < n; s++) {
            const init = slotInit(spec.optimizer, s);
            assert.ok(t.getSlot(s).every((v) => v === Math.fround(init) || v === init), `spec #${i} slot ${s} starts at ${init}`);
          }
          throwsOption(() => t.getSlot(n), 'slot');
        } finally {
          t.dispose();
        }
      }
    });

    it('OptimizerKernel(config, dtype) keeps numSlots(config) slots for every kernel and flag', () => {
      for (const kernel of KERNEL_NAMES) {
        for (const flags of [{}, { momentum: 0.9 }, { amsgrad: true }, { centered: true }, { momentum: 0.9, amsgrad: true, centered: true }]) {
          const config = { ...defaultKernelConfig(kernel), ...flags };
          for (const dtype of DTYPES) {
            const k = new native!.OptimizerKernel(config, dtype) as { numSlots(): number };
            assert.equal(k.numSlots(), numSlots(config), `${kernel} ${JSON.stringify(flags)} ${dtype}`);
          }
        }
      }
    });

    it('a bad name or a wrong-typed field is an OptionError naming it', () => {
      const base = SPECS[0]!;
      const withLayer0 = (patch: Partial<LayerSpec>) => ({ ...base, layers: [{ ...base.layers[0]!, ...patch }, ...base.layers.slice(1)] });
      const names = (xs: readonly string[]) => new RegExp(`Expected one of ${xs.map((x) => `"${x}"`).join(', ')} for `);
      throwsOption(() => native!.trainerBytes(withLayer0({ activation: 'relu6' as never })), 'spec.layers[0].activation',
        new RegExp(names(ACTIVATION_NAMES).source + 'spec\\.layers\\[0\\]\\.activation but received "relu6"'));
      throwsOption(() => native!.trainerBytes(withLayer0({ activation: 1 as never })), 'spec.layers[0].activation', /received 1/);
      throwsOption(() => native!.trainerBytes({ ...base, loss: 'crossEntropy' }), 'spec.loss', names(LOSS_NAMES));
      throwsOption(() => native!.trainerBytes({ ...base, dtype: 'float16' }), 'spec.dtype', names(DTYPES));
      throwsOption(() => native!.trainerBytes({ ...base, float64: true, dtype: undefined }), 'spec.dtype', /received undefined/);
      throwsOption(() => native!.trainerBytes({ ...base, optimizer: { ...base.optimizer, kernel: 'adamw' } }), 'spec.optimizer.kernel', names(KERNEL_NAMES));
      throwsOption(() => native!.trainerBytes({ ...base, optimizer: { ...base.optimizer, kernel: 1 } }), 'spec.optimizer.kernel');
      throwsOption(() => native!.trainerBytes({ ...base, optimizer: { ...base.optimizer, beta1: '0.9' } }), 'spec.optimizer.beta1', /a number/);
      throwsOption(() => native!.trainerBytes({ ...base, optimizer: { ...base.optimizer, amsgrad: 1 } }), 'spec.optimizer.amsgrad', /a boolean/);
      const { epsilon: _, ...noEpsilon } = base.optimizer;
      throwsOption(() => native!.trainerBytes({ ...base, optimizer: noEpsilon }), 'spec.optimizer.epsilon', /received undefined/);
      throwsOption(() => native!.trainerBytes({ ...base, optimizer: { ...base.optimizer, eps: 1e-8, epsilon: undefined } }), 'spec.optimizer.epsilon');
      throwsOption(() => native!.trainerBytes({ ...base, optimizer: { ...base.optimizer, beta2: 1.5 } }), 'spec.optimizer.beta2', /in \[0, 1\] for spec.optimizer.beta2 but received 1.5/);
      throwsOption(() => new native!.NativeTrainer({ ...base, loss: 2 }), 'spec.loss');
      throwsOption(() => new native!.OptimizerKernel({ ...defaultKernelConfig('adam'), kernel: 'Adam' }, 'float32'), 'optimizer.kernel', names(KERNEL_NAMES));
      throwsOption(() => new native!.OptimizerKernel(defaultKernelConfig('adam'), true as never), 'dtype', names(DTYPES));
      throwsOption(() => new native!.OptimizerKernel({ ...defaultKernelConfig('sgd'), nesterov: 'yes' }, 'float64'), 'optimizer.nesterov', /received "yes"/);
    });
  });
});
