import assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  adadelta, adagrad, adam, adamax, adamw, createOptimizer, LogisticRegression, loadCsvSync, momentum, nadam, nesterov,
  OptimizerSpec, OptionError, rmsprop, sgd, ShapeError, trainTestSplit,
} from '../lib';
import { BACKENDS, native } from './support/backends';
import { reference } from './support/reference';

interface Case {
  optimizer: string;
  torch_class: string;
  options: Record<string, unknown>;
  params0: number[];
  grads: number[][];
  params: number[][];
}
const cases = reference<Case[]>('optimizers.json');

const NAMES: Record<string, string> = {
  lr: 'learningRate', weight_decay: 'weightDecay', momentum: 'momentum', dampening: 'dampening', eps: 'epsilon',
  amsgrad: 'amsgrad', alpha: 'alpha', centered: 'centered', lr_decay: 'lrDecay', initial_accumulator_value: 'initialAccumulatorValue',
};
const FACTORIES: Record<string, (o: Record<string, unknown>) => OptimizerSpec> = {
  sgd, momentum, nesterov, adam, adamw, rmsprop, adagrad, adadelta, adamax, nadam,
};

function specOf(c: Case): OptimizerSpec {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.options)) {
    if (k === 'nesterov') continue;
    if (k === 'betas') {
      o.beta1 = (v as number[])[0];
      o.beta2 = (v as number[])[1];
    } else {
      assert.ok(NAMES[k], `unmapped option ${k}`);
      o[NAMES[k]!] = v;
    }
  }
  // torch's AdamW default weight_decay is 0.01, as ours; sgd/momentum reference cases give momentum explicitly.
  return FACTORIES[c.optimizer]!(o);
}

// The table in use when the suite loaded (DESCENT_SIMD may have forced a lower one): restored after each run, so
// the files after this one train on the table the environment asked for (GEMM results differ across tables).
const simd0 = native?.info().simd;
const simdTables = native ? native.info().tables.filter((t) => native!.setSimd(t)) : [];
if (native) native.setSimd(simd0!);

describe('20 optimizers: PyTorch 1.13 reference trajectories', () => {
  const runs: { backend: 'native' | 'js'; simd?: string }[] = [
    ...simdTables.map((simd) => ({ backend: 'native' as const, simd })),
    ...(BACKENDS.includes('js') ? [{ backend: 'js' as const }] : []),
  ];
  for (const run of runs) {
    describe(`${run.backend}${run.simd ? ` (${run.simd})` : ''}`, () => {
      before(() => native && run.simd && assert.ok(native.setSimd(run.simd)));
      after(() => native && native.setSimd(simd0!));
      cases.forEach((c, idx) => {
        it(`#${idx} ${c.torch_class} ${JSON.stringify(c.options)}: float64 to 1e-12 relative, float32 to 1e-4·max(|ref|, 1e-3)`, () => {
          for (const F of [Float64Array, Float32Array]) {
            const p = F.from(c.params0);
            const opt = createOptimizer(specOf(c), [p], { backend: run.backend });
            c.grads.forEach((g, t) => {
              opt.step([F.from(g)]);
              c.params[t]!.forEach((ref, i) => {
                const err = Math.abs(p[i]! - ref);
                const tol = F === Float64Array ? 1e-12 * Math.max(Math.abs(ref), 1e-300) : 1e-4 * Math.max(Math.abs(ref), 1e-3);
                assert.ok(err <= tol, `${F.name} step ${t} param ${i}: got ${p[i]}, PyTorch ${ref} (|Δ| ${err})`);
              });
            });
          }
        });
      });
    });
  }
});

describe('20 optimizers: state', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: restoring a saved state mid-trajectory continues exactly; a fresh optimizer does not`, () => {
      const c = cases.find((x) => x.optimizer === 'adam' && x.options.amsgrad)!;
      const full = Float64Array.from(c.params0);
      const a = createOptimizer(specOf(c), [full], { backend });
      c.grads.forEach((g) => a.step([Float64Array.from(g)]));

      const p = Float64Array.from(c.params0);
      const b = createOptimizer(specOf(c), [p], { backend });
      c.grads.slice(0, 4).forEach((g) => b.step([Float64Array.from(g)]));
      const saved = JSON.parse(JSON.stringify(b.getState()));
      const resumedParams = p.slice();
      const r = createOptimizer(specOf(c), [resumedParams], { backend });
      r.setState(saved);
      c.grads.slice(4).forEach((g) => r.step([Float64Array.from(g)]));
      assert.deepEqual(Array.from(resumedParams), Array.from(full));

      const freshParams = p.slice();
      const f = createOptimizer(specOf(c), [freshParams], { backend });
      c.grads.slice(4).forEach((g) => f.step([Float64Array.from(g)]));
      assert.notDeepEqual(Array.from(freshParams), Array.from(full));
    });

    it(`${backend}: learningRate is settable and stepCount counts`, () => {
      const p = new Float64Array([1]);
      const o = createOptimizer(sgd({ learningRate: 0.5 }), [p], { backend });
      o.step([new Float64Array([1])]);
      assert.equal(p[0], 0.5);
      o.learningRate = 0.25;
      o.step([new Float64Array([1])]);
      assert.equal(p[0], 0.25);
      assert.equal(o.stepCount, 2);
    });
  }
});

describe('20 optimizers: validation (PyTorch rules)', () => {
  const bad: [string, () => unknown, RegExp][] = [
    ['adam beta1: 1', () => adam({ beta1: 1 }), /adam\.beta1/],
    ['adam epsilon: 0', () => adam({ epsilon: 0 }), /adam\.epsilon/],
    ['nesterov momentum: 0', () => nesterov({ momentum: 0 }), /nesterov\.momentum/],
    ['nesterov dampening: 0.1', () => nesterov({ dampening: 0.1 }), /nesterov\.dampening/],
    ['sgd learningRate: -1', () => sgd({ learningRate: -1 }), /sgd\.learningRate/],
    ['sgd learningRate: NaN', () => sgd({ learningRate: NaN }), /NaN/],
    ['rmsprop alpha: 2', () => rmsprop({ alpha: 2 }), /rmsprop\.alpha/],
    ['unknown option', () => adam({ learningrate: 0.1 } as never), /learningrate/],
  ];
  for (const [name, f, re] of bad) {
    it(`${name} → OptionError`, () => assert.throws(f, (e: Error) => e instanceof OptionError && re.test(e.message)));
  }
  for (const backend of BACKENDS) {
    it(`${backend}: params/grads mismatches → ShapeError naming the tensor`, () => {
      const o = createOptimizer(adam(), [new Float32Array(3)], { backend });
      assert.throws(() => o.step([new Float32Array(2)]), (e: Error) => e instanceof ShapeError && /grads\[0\]/.test(e.message));
      assert.throws(() => o.step([new Float64Array(3)]), (e: Error) => e instanceof ShapeError && /Float32Array/.test(e.message));
      assert.throws(() => o.step([]), ShapeError);
      assert.throws(() => createOptimizer(adam(), [new Float32Array(2), new Float64Array(2)], { backend }), ShapeError);
    });
  }
});

describe('20 optimizers: inside fit', () => {
  const data = loadCsvSync(path.join(__dirname, '..', 'datasets', 'breast-cancer.csv'));
  const { train, test } = trainTestSplit(data, { seed: 42 });
  for (const [name, opt] of [['adam (defaults)', adam()], ['nesterov lr 0.01 momentum 0.9', nesterov({ learningRate: 0.01, momentum: 0.9 })]] as const) {
    it(`breast-cancer logistic regression, 50 epochs, batch 32, ${name}: test accuracy ≥ 0.94`, async () => {
      const m = new LogisticRegression({ standardize: true });
      await m.fit(train.X, train.y, { epochs: 50, batchSize: 32, optimizer: opt, seed: 1 });
      const acc = m.evaluate(test.X, test.y).accuracy;
      assert.ok(acc >= 0.94, `accuracy ${acc}`);
    });
  }
});

describe('20 optimizers: decoupled weight decay on every optimizer', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: sgd/momentum/rmsprop with decoupledWeightDecay apply p ← p·(1 − lr·λ) before the step; adam + decoupled equals adamw`, () => {
      const p = new Float64Array([2]);
      createOptimizer(sgd({ learningRate: 0.1, weightDecay: 0.5, decoupledWeightDecay: true }), [p], { backend }).step([new Float64Array([1])]);
      assert.equal(p[0], 2 * (1 - 0.1 * 0.5) - 0.1 * 1);
      const q = new Float64Array([2]);
      createOptimizer(sgd({ learningRate: 0.1, weightDecay: 0.5 }), [q], { backend }).step([new Float64Array([1])]);
      assert.equal(q[0], 2 - 0.1 * (1 + 0.5 * 2));
      const a = Float64Array.from(cases[6]!.params0), b = a.slice();
      const oa = createOptimizer(adam({ learningRate: 0.01, weightDecay: 0.1, decoupledWeightDecay: true }), [a], { backend });
      const ob = createOptimizer(adamw({ learningRate: 0.01, weightDecay: 0.1 }), [b], { backend });
      for (const g of cases[6]!.grads) {
        oa.step([Float64Array.from(g)]);
        ob.step([Float64Array.from(g)]);
      }
      assert.deepEqual(Array.from(a), Array.from(b));
      for (const f of [momentum, rmsprop, adagrad, adadelta, adamax, nadam]) {
        const r = new Float64Array([1, -1]);
        createOptimizer(f({ weightDecay: 0.2, decoupledWeightDecay: true }), [r], { backend }).step([new Float64Array([0, 0])]);
        // A zero gradient leaves only the decay (every rule's step is 0 for g = 0 at t = 1).
        const lr = f({}).learningRate as number;
        assert.ok(Math.abs(r[0]! - (1 - lr * 0.2)) < 1e-15 && Math.abs(r[1]! + (1 - lr * 0.2)) < 1e-15, `${f.name}: ${r[0]}`);
      }
    });
  }
});
