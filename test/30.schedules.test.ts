import assert from 'node:assert/strict';
import { OptionError } from '../lib/errors';
import {
  ReduceOnPlateau,
  constant,
  cosine,
  cosineWarmRestarts,
  exponential,
  inverseTime,
  linearWarmup,
  multiStep,
  oneCycle,
  parseScheduleSpec,
  piecewiseConstant,
  polynomial,
  preview,
  reduceOnPlateau,
  scheduleFromJSON,
  sequential,
  step,
  type Schedule,
} from '../lib/optim/schedules';
import { reference } from './support/reference';

interface ReferenceCase {
  schedule: string;
  base_lr: number;
  lrs: number[];
  options: Record<string, unknown>;
  metrics?: number[];
}

const CASES = reference<ReferenceCase[]>('schedules.json');
const TOL = 1e-12;

/** PyTorch option names → ours. `total_iters` depends on the scheduler, so it is passed in. */
function rename(options: Record<string, unknown>, totalIters?: string): Record<string, unknown> {
  const names: Record<string, string> = {
    step_size: 'stepSize',
    gamma: 'gamma',
    milestones: 'milestones',
    T_max: 'tMax',
    eta_min: 'minLearningRate',
    T_0: 't0',
    T_mult: 'tMult',
    start_factor: 'startFactor',
    end_factor: 'endFactor',
    power: 'power',
    max_lr: 'maxLearningRate',
    total_steps: 'totalSteps',
    pct_start: 'pctStart',
    anneal_strategy: 'anneal',
    div_factor: 'divFactor',
    final_div_factor: 'finalDivFactor',
    mode: 'mode',
    factor: 'factor',
    patience: 'patience',
    threshold: 'threshold',
    threshold_mode: 'thresholdMode',
    cooldown: 'cooldown',
    min_lr: 'minLearningRate',
  };
  if (totalIters) names.total_iters = totalIters;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    const name = names[k];
    if (name === undefined) throw new Error(`test does not map PyTorch option ${k}`);
    out[name] = v;
  }
  return out;
}

function build(c: ReferenceCase): Schedule {
  const learningRate = c.base_lr;
  const o = c.options;
  switch (c.schedule) {
    case 'step':
      return step({ learningRate, ...rename(o) } as never);
    case 'multistep':
      return multiStep({ learningRate, ...rename(o) } as never);
    case 'exponential':
      return exponential({ learningRate, ...rename(o) } as never);
    case 'cosine':
      return cosine({ learningRate, ...rename(o) } as never);
    case 'cosine_warm_restarts':
      return cosineWarmRestarts({ learningRate, ...rename(o) } as never);
    case 'linear_warmup':
      return linearWarmup({ learningRate, ...rename(o, 'steps') } as never);
    case 'polynomial':
      return polynomial({ learningRate, ...rename(o, 'totalSteps') } as never);
    case 'one_cycle':
      return oneCycle(rename(o) as never);
    case 'sequential_warmup_cosine': {
      const warmup = o.warmup as Record<string, unknown>;
      const then = o.then as { cosine: Record<string, unknown> };
      assert.deepEqual(Object.keys(then), ['cosine']);
      return sequential({
        schedules: [
          linearWarmup({ learningRate, ...rename(warmup, 'steps') } as never),
          cosine({ learningRate, ...rename(then.cosine) } as never),
        ],
        milestones: o.milestones as number[],
      });
    }
    default:
      throw new Error(`no builder for ${c.schedule}`);
  }
}

function assertClose(actual: ArrayLike<number>, expected: readonly number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let t = 0; t < expected.length; t++) {
    const diff = Math.abs(actual[t]! - expected[t]!);
    assert.ok(diff <= TOL, `${what}: step ${t}: got ${actual[t]}, PyTorch ${expected[t]} (|diff| ${diff})`);
  }
}

function near(actual: number, expected: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= TOL, `${what} got ${actual}, expected ${expected}`);
}

/** Asserts `fn` throws an OptionError that names `argument` (in `err.argument` or the message). */
function throwsOption(fn: () => unknown, argument: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof OptionError, `expected OptionError, got ${String(err)}`);
    assert.ok(
      err.argument === argument || err.message.includes(argument),
      `expected ${argument} in argument (${err.argument}) or message (${err.message})`,
    );
    return true;
  });
}

function roundTrip(s: Schedule): Schedule {
  return scheduleFromJSON(JSON.parse(JSON.stringify(s.toJSON())));
}

describe('schedules', () => {
  describe('PyTorch 1.13 reference (schedules.json), every step to 1e-12', () => {
    it('covers every reference case', () => {
      assert.deepEqual(CASES.map((c) => c.schedule).sort(), [
        'cosine',
        'cosine_warm_restarts',
        'exponential',
        'linear_warmup',
        'multistep',
        'one_cycle',
        'polynomial',
        'reduce_on_plateau',
        'sequential_warmup_cosine',
        'step',
      ]);
    });

    for (const c of CASES.filter((x) => x.schedule !== 'reduce_on_plateau')) {
      it(`${c.schedule} ${JSON.stringify(c.options)}`, () => {
        const s = build(c);
        assertClose(preview(s, c.lrs.length), c.lrs, c.schedule);
        for (let t = 0; t < c.lrs.length; t++) near(s.at(t), c.lrs[t]!, `${c.schedule} at(${t})`);
      });
    }

    it('reduce_on_plateau: lrs[0] is the base rate, lrs[t+1] follows report(metrics[t])', () => {
      const c = CASES.find((x) => x.schedule === 'reduce_on_plateau')!;
      const r = reduceOnPlateau({ learningRate: c.base_lr, ...rename(c.options) } as never);
      const got = [r.current()];
      for (let t = 0; t + 1 < c.lrs.length; t++) {
        const lr = r.report(c.metrics![t]!);
        assert.equal(lr, r.current());
        got.push(lr);
      }
      assertClose(got, c.lrs, 'reduce_on_plateau');
    });

    it('reduce_on_plateau: getState/setState mid-run (through JSON) continues identically', () => {
      const c = CASES.find((x) => x.schedule === 'reduce_on_plateau')!;
      const options = { learningRate: c.base_lr, ...rename(c.options) } as never;
      const first = reduceOnPlateau(options);
      const got = [first.current()];
      for (let t = 0; t < 20; t++) got.push(first.report(c.metrics![t]!));
      const second = reduceOnPlateau(options);
      second.setState(JSON.parse(JSON.stringify(first.getState())));
      const third = ReduceOnPlateau.fromJSON(JSON.parse(JSON.stringify(first.toJSON())));
      for (let t = 20; t + 1 < c.lrs.length; t++) {
        const lr = second.report(c.metrics![t]!);
        assert.equal(third.report(c.metrics![t]!), lr);
        got.push(lr);
      }
      assertClose(got, c.lrs, 'reduce_on_plateau resumed');
    });
  });

  describe('hand-checked values and edge cases', () => {
    it('exponential staircase changes exactly at multiples of decaySteps', () => {
      const s = exponential({ learningRate: 0.1, gamma: 0.5, decaySteps: 10, staircase: true });
      const want: [number, number][] = [
        [0, 0.1],
        [9, 0.1],
        [10, 0.05],
        [19, 0.05],
        [20, 0.025],
        [29, 0.025],
        [30, 0.0125],
      ];
      for (const [t, lr] of want) assert.equal(s.at(t), lr, `at(${t})`);
      const odd = exponential({ learningRate: 1, gamma: 0.9, decaySteps: 3, staircase: true });
      assert.deepEqual(Array.from(preview(odd, 7)), [1, 1, 1, 0.9, 0.9, 0.9, 0.9 ** 2]);
    });

    it('exponential without staircase is continuous: gamma^(t/decaySteps)', () => {
      const s = exponential({ learningRate: 0.1, gamma: 0.5, decaySteps: 10 });
      assert.equal(s.at(10), 0.05);
      near(s.at(5), 0.1 * Math.SQRT1_2);
      assert.equal(s.at(20), 0.025);
    });

    it('linearWarmup refuses startFactor 0 unless allowZero, then ramps from exactly 0', () => {
      throwsOption(() => linearWarmup({ learningRate: 0.1, startFactor: 0 }), 'startFactor');
      throwsOption(() => linearWarmup({ learningRate: 0.1, startFactor: -0.1, allowZero: true }), 'startFactor');
      throwsOption(() => linearWarmup({ learningRate: 0.1, startFactor: 1.5 }), 'startFactor');
      const s = linearWarmup({ learningRate: 0.1, startFactor: 0, steps: 5, allowZero: true });
      assert.equal(s.at(0), 0);
      near(s.at(1), 0.02);
      near(s.at(4), 0.08);
      assert.equal(s.at(5), 0.1);
      assert.equal(s.at(50), 0.1);
    });

    it('linearWarmup defaults are PyTorch LinearLR defaults (1/3 → 1 over 5 steps)', () => {
      const s = linearWarmup({ learningRate: 0.3 });
      near(s.at(0), 0.1);
      near(s.at(1), 0.3 * (1 / 3 + (2 / 3) * (1 / 5)));
      near(s.at(5), 0.3);
    });

    it('cosine past tMax rises again along PyTorch closed form', () => {
      const s = cosine({ learningRate: 0.1, tMax: 10 });
      assert.equal(s.at(10), 0);
      near(s.at(15), 0.05);
      near(s.at(20), 0.1);
      for (let k = 1; k < 10; k++) near(s.at(10 + k), s.at(10 - k), `symmetry ${k}`);
    });

    it('cosineWarmRestarts restarts at t0, t0(1+tMult), …; tMult 1 repeats', () => {
      const s = cosineWarmRestarts({ learningRate: 1, t0: 2, tMult: 3 });
      // cycles [0,2), [2,8), [8,26)
      for (const t of [0, 2, 8, 26]) assert.equal(s.at(t), 1, `restart at ${t}`);
      near(s.at(5), 0.5);
      near(s.at(17), 0.5);
      const flat = cosineWarmRestarts({ learningRate: 1, t0: 4, minLearningRate: 0.2 });
      near(flat.at(2), 0.6);
      near(flat.at(6), 0.6);
      assert.equal(flat.at(8), 1);
    });

    it('oneCycle throws past totalSteps; step totalSteps is PyTorch last phase continued', () => {
      const s = oneCycle({ maxLearningRate: 1, totalSteps: 40 });
      const initial = 1 / 25;
      const min = initial / 1e4;
      // Second phase runs from step 11 (0.3·40 − 1) to 39; step 40 is one past its end.
      near(s.at(40), min + ((1 - min) / 2) * (1 + Math.cos((Math.PI * 29) / 28)));
      throwsOption(() => s.at(41), 'step');
      throwsOption(() => preview(s, 42), 'step');
      assert.equal(preview(s, 41).length, 41);
    });

    it('oneCycle linear and three-phase boundaries', () => {
      const lin = oneCycle({ maxLearningRate: 1, totalSteps: 10, pctStart: 0.5, anneal: 'linear' });
      near(lin.at(0), 0.04);
      near(lin.at(2), 0.52);
      assert.equal(lin.at(4), 1);
      near(lin.at(7), 1 + (4e-6 - 1) * (3 / 5));
      near(lin.at(9), 4e-6);
      const three = oneCycle({ maxLearningRate: 1, totalSteps: 20, pctStart: 0.25, threePhase: true });
      near(three.at(0), 0.04);
      near(three.at(4), 1);
      near(three.at(6), (1 + 0.04) / 2);
      near(three.at(8), 0.04);
      near(three.at(19), 4e-6);
      throwsOption(() => oneCycle({ maxLearningRate: 1, totalSteps: 20, pctStart: 0.05 }), 'pctStart');
      throwsOption(() => oneCycle({ maxLearningRate: 1, totalSteps: 20, pctStart: 0.6, threePhase: true }), 'pctStart');
    });

    it('inverseTime uses t+1 so step 0 uses the base rate', () => {
      const s = inverseTime({ learningRate: 0.1, powerT: 0.5 });
      assert.equal(s.at(0), 0.1);
      assert.equal(s.at(3), 0.05);
      near(s.at(8), 0.1 / 3);
      near(inverseTime({ learningRate: 1 }).at(15), 0.5);
    });

    it('polynomial with endLearningRate, clamped after totalSteps', () => {
      const s = polynomial({ learningRate: 1, totalSteps: 4, endLearningRate: 0.2 });
      near(s.at(2), 0.6);
      near(s.at(4), 0.2);
      near(s.at(100), 0.2);
    });

    it('piecewiseConstant keeps the earlier value at a boundary (Keras <=)', () => {
      const s = piecewiseConstant({ boundaries: [10, 20], values: [1, 0.5, 0.1] });
      assert.deepEqual(
        [0, 10, 11, 20, 21, 99].map((t) => s.at(t)),
        [1, 1, 0.5, 0.5, 0.1, 0.1],
      );
      const zero = piecewiseConstant({ boundaries: [0], values: [1, 2] });
      assert.deepEqual([zero.at(0), zero.at(1)], [1, 2]);
    });

    it('sequential restarts each part at its milestone', () => {
      const s = sequential({
        schedules: [
          constant({ learningRate: 1 }),
          linearWarmup({ learningRate: 1, startFactor: 0.5, steps: 2 }),
          constant({ learningRate: 3 }),
        ],
        milestones: [3, 7],
      });
      assert.deepEqual(Array.from(preview(s, 9)), [1, 1, 1, 0.5, 0.75, 1, 1, 3, 3]);
    });

    it('step and multiStep by hand', () => {
      const s = step({ learningRate: 1, stepSize: 2, gamma: 0.5 });
      assert.deepEqual(Array.from(preview(s, 5)), [1, 1, 0.5, 0.5, 0.25]);
      const m = multiStep({ learningRate: 1, milestones: [1, 3], gamma: 0.5 });
      assert.deepEqual(Array.from(preview(m, 4)), [1, 0.5, 0.5, 0.25]);
      near(step({ learningRate: 1, stepSize: 1 }).at(2), 0.01);
    });

    it('ReduceOnPlateau: cooldown suppresses bad reports', () => {
      const r = reduceOnPlateau({ learningRate: 1, factor: 0.5, patience: 0, cooldown: 2 });
      assert.deepEqual([1, 1, 1, 1, 1].map((m) => r.report(m)), [1, 0.5, 0.5, 0.5, 0.25]);
    });

    it('ReduceOnPlateau: max mode with absolute threshold', () => {
      const r = reduceOnPlateau({
        learningRate: 1,
        mode: 'max',
        factor: 0.1,
        patience: 1,
        threshold: 0.5,
        thresholdMode: 'abs',
      });
      assert.deepEqual([1, 1.4, 1.6, 1.7, 1.8].map((m) => r.report(m)), [1, 1, 1, 1, 0.1]);
    });

    it('ReduceOnPlateau: a reduction of at most eps is ignored; minLearningRate clamps', () => {
      const tiny = reduceOnPlateau({ learningRate: 1.5e-8, factor: 0.5, patience: 0 });
      assert.deepEqual([1, 1, 1].map((m) => tiny.report(m)), [1.5e-8, 1.5e-8, 1.5e-8]);
      const noEps = reduceOnPlateau({ learningRate: 1.5e-8, factor: 0.5, patience: 0, eps: 0 });
      assert.deepEqual([1, 1].map((m) => noEps.report(m)), [1.5e-8, 0.75e-8]);
      const floor = reduceOnPlateau({ learningRate: 0.1, factor: 0.1, patience: 0, minLearningRate: 0.05 });
      assert.deepEqual([1, 1, 1].map((m) => floor.report(m)), [0.1, 0.05, 0.05]);
    });

    it('ReduceOnPlateau: NaN is a bad report; state is plain JSON with best null at start', () => {
      const r = reduceOnPlateau({ learningRate: 1, patience: 0 });
      assert.deepEqual(r.getState(), { lr: 1, best: null, numBadEpochs: 0, cooldownCounter: 0, lastEpoch: 0 });
      assert.equal(r.report(Number.NaN), 0.1);
      assert.equal(r.getState().best, null);
      r.report(2);
      assert.deepEqual(r.getState(), { lr: 0.1, best: 2, numBadEpochs: 0, cooldownCounter: 0, lastEpoch: 2 });
      const json = r.toJSON();
      assert.equal(json.kind, 'reduceOnPlateau');
      assert.equal(json.options.factor, 0.1);
      assert.equal(json.options.patience, 0);
      throwsOption(() => r.report(-Infinity), 'metric');
      throwsOption(() => r.setState({ ...r.getState(), numBadEpochs: -1 }), 'state.numBadEpochs');
    });
  });

  describe('invalid arguments throw OptionError naming the argument', () => {
    it('gamma must be > 0', () => {
      throwsOption(() => step({ learningRate: 0.1, stepSize: 3, gamma: -0.5 }), 'gamma');
      throwsOption(() => multiStep({ learningRate: 0.1, milestones: [3], gamma: -1 }), 'gamma');
      throwsOption(() => exponential({ learningRate: 0.1, gamma: -0.9 }), 'gamma');
      throwsOption(() => exponential({ learningRate: 0.1, gamma: 0 }), 'gamma');
    });

    it('milestones must be strictly increasing positive integers', () => {
      throwsOption(() => multiStep({ learningRate: 0.1, milestones: [5, 3] }), 'milestones');
      throwsOption(() => multiStep({ learningRate: 0.1, milestones: [5, 5] }), 'milestones');
      throwsOption(() => multiStep({ learningRate: 0.1, milestones: [0, 5] }), 'milestones');
      throwsOption(() => multiStep({ learningRate: 0.1, milestones: [2.5] }), 'milestones');
      throwsOption(() => multiStep({ learningRate: 0.1, milestones: 5 as never }), 'milestones');
      const parts = [constant({ learningRate: 1 }), constant({ learningRate: 2 })];
      throwsOption(() => sequential({ schedules: parts, milestones: [] }), 'milestones');
      throwsOption(() => sequential({ schedules: [...parts, parts[0]!], milestones: [4, 2] }), 'milestones');
      throwsOption(() => sequential({ schedules: [], milestones: [] }), 'schedules');
    });

    it('tMax, t0, stepSize, totalSteps must be positive integers', () => {
      throwsOption(() => cosine({ learningRate: 0.1, tMax: 0 }), 'tMax');
      throwsOption(() => cosine({ learningRate: 0.1, tMax: -5 }), 'tMax');
      throwsOption(() => cosine({ learningRate: 0.1, tMax: 2.5 }), 'tMax');
      throwsOption(() => cosineWarmRestarts({ learningRate: 0.1, t0: 0 }), 't0');
      throwsOption(() => cosineWarmRestarts({ learningRate: 0.1, t0: 3, tMult: 1.5 }), 'tMult');
      throwsOption(() => step({ learningRate: 0.1, stepSize: 0 }), 'stepSize');
      throwsOption(() => polynomial({ learningRate: 0.1, totalSteps: 0 }), 'totalSteps');
      throwsOption(() => exponential({ learningRate: 0.1, gamma: 0.9, decaySteps: 0.5 }), 'decaySteps');
    });

    it('pctStart must be in (0, 1)', () => {
      for (const pctStart of [0, 1, 1.5, -0.2, Number.NaN]) {
        throwsOption(() => oneCycle({ maxLearningRate: 1, totalSteps: 100, pctStart }), 'pctStart');
      }
      throwsOption(() => oneCycle({ maxLearningRate: 1, totalSteps: 100, anneal: 'cosine' as never }), 'anneal');
    });

    it('learningRate, step, unknown options and other arguments', () => {
      throwsOption(() => constant({ learningRate: 0 }), 'learningRate');
      throwsOption(() => cosine({ tMax: 10 } as never), 'learningRate');
      throwsOption(() => cosine({ learningRate: 0.1, tMax: 10, foo: 1 } as never), 'foo');
      throwsOption(() => constant({ learningRate: 1 }).at(-1), 'step');
      throwsOption(() => constant({ learningRate: 1 }).at(1.5), 'step');
      throwsOption(() => preview(constant({ learningRate: 1 }), -1), 'steps');
      throwsOption(() => piecewiseConstant({ boundaries: [10], values: [1] }), 'values');
      throwsOption(() => piecewiseConstant({ boundaries: [], values: [1] }), 'boundaries');
      throwsOption(() => reduceOnPlateau({ learningRate: 1, factor: 1 }), 'factor');
      throwsOption(() => reduceOnPlateau({ learningRate: 1, mode: 'mid' as never }), 'mode');
      throwsOption(() => reduceOnPlateau({ learningRate: 1, thresholdMode: 'relative' as never }), 'thresholdMode');
      throwsOption(() => reduceOnPlateau({ learningRate: 1, patience: -1 }), 'patience');
    });
  });

  describe('serialization', () => {
    const schedules: Schedule[] = [
      ...CASES.filter((c) => c.schedule !== 'reduce_on_plateau').map(build),
      constant({ learningRate: 0.2 }),
      exponential({ learningRate: 0.1, gamma: 0.5, decaySteps: 7, staircase: true }),
      inverseTime({ learningRate: 0.1, powerT: 0.5 }),
      polynomial({ learningRate: 0.1, totalSteps: 20, power: 0.5, endLearningRate: 0.01 }),
      linearWarmup({ learningRate: 0.1, startFactor: 0, allowZero: true }),
      oneCycle({ maxLearningRate: 0.5, totalSteps: 39, pctStart: 0.25, anneal: 'linear', threePhase: true }),
      piecewiseConstant({ boundaries: [3, 9], values: [0.3, 0.2, 0.1] }),
      sequential({
        schedules: [
          linearWarmup({ learningRate: 0.1, steps: 3 }),
          sequential({
            schedules: [cosine({ learningRate: 0.1, tMax: 10 }), constant({ learningRate: 0.001 })],
            milestones: [10],
          }),
        ],
        milestones: [3],
      }),
    ];

    for (const s of schedules) {
      const label = `${s.kind} ${JSON.stringify(s.toJSON().options).slice(0, 60)}`;
      it(`toJSON → JSON text → scheduleFromJSON reproduces ${label}`, () => {
        const back = roundTrip(s);
        assert.equal(back.kind, s.kind);
        assert.deepEqual(back.toJSON(), s.toJSON());
        assert.deepEqual(preview(back, 40), preview(s, 40));
      });
    }

    it('toJSON is plain data, fills defaults, and nests sequential parts', () => {
      assert.deepEqual(cosine({ learningRate: 0.1, tMax: 5 }).toJSON(), {
        kind: 'cosine',
        options: { learningRate: 0.1, tMax: 5, minLearningRate: 0 },
      });
      const seq = sequential({
        schedules: [constant({ learningRate: 1 }), step({ learningRate: 1, stepSize: 2 })],
        milestones: [4],
      });
      assert.deepEqual(seq.toJSON(), {
        kind: 'sequential',
        options: {
          schedules: [
            { kind: 'constant', options: { learningRate: 1 } },
            { kind: 'step', options: { learningRate: 1, stepSize: 2, gamma: 0.1 } },
          ],
          milestones: [4],
        },
      });
      const json = multiStep({ learningRate: 1, milestones: [2] }).toJSON();
      (json.options.milestones as number[]).push(1);
      assert.deepEqual(multiStep({ learningRate: 1, milestones: [2] }).toJSON().options.milestones, [2]);
    });

    it('scheduleFromJSON validates', () => {
      throwsOption(() => scheduleFromJSON({ kind: 'cosinus', options: { learningRate: 1 } }), 'kind');
      throwsOption(() => scheduleFromJSON({ kind: 'cosine', options: { learningRate: 1, tMax: 0 } }), 'tMax');
      throwsOption(() => scheduleFromJSON({ kind: 'cosine', options: { learningRate: 1, tMax: 3, x: 1 } }), 'x');
      throwsOption(() => scheduleFromJSON({ kind: 'reduceOnPlateau', options: { learningRate: 1 } }), 'kind');
      throwsOption(() => scheduleFromJSON('cosine'), 'schedule JSON');
      throwsOption(() => ReduceOnPlateau.fromJSON({ kind: 'cosine', options: {} }), 'json.kind');
    });
  });

  describe('parseScheduleSpec', () => {
    it('warmup:steps=5,startFactor=0.01+cosine:tMax=35 equals the sequential_warmup_cosine reference', () => {
      const c = CASES.find((x) => x.schedule === 'sequential_warmup_cosine')!;
      const s = parseScheduleSpec('warmup:steps=5,startFactor=0.01+cosine:tMax=35', 0.1);
      assert.equal(s.kind, 'sequential');
      assert.deepEqual(s.toJSON().options.milestones, [5]);
      assertClose(preview(s, c.lrs.length), c.lrs, 'spec');
    });

    it('parses the documented examples like the factories', () => {
      const same = (spec: string, lr: number, s: Schedule) =>
        assert.deepEqual(parseScheduleSpec(spec, lr).toJSON(), s.toJSON(), spec);
      same('cosine:tMax=100', 0.1, cosine({ learningRate: 0.1, tMax: 100 }));
      same('step:stepSize=10,gamma=0.5', 0.1, step({ learningRate: 0.1, stepSize: 10, gamma: 0.5 }));
      same(
        'multiStep:milestones=5;12;30,gamma=0.3',
        0.1,
        multiStep({ learningRate: 0.1, milestones: [5, 12, 30], gamma: 0.3 }),
      );
      same('multiStep:milestones=7', 0.1, multiStep({ learningRate: 0.1, milestones: [7] }));
      same('constant', 0.2, constant({ learningRate: 0.2 }));
      same(
        ' exponential : gamma = 0.5 , decaySteps = 10 , staircase = true ',
        0.1,
        exponential({ learningRate: 0.1, gamma: 0.5, decaySteps: 10, staircase: true }),
      );
      same(
        'oneCycle:totalSteps=100,finalDivFactor=1e+3,anneal=linear',
        0.4,
        oneCycle({ maxLearningRate: 0.4, totalSteps: 100, finalDivFactor: 1000, anneal: 'linear' }),
      );
      same(
        'piecewiseConstant:boundaries=10;20,values=0.1;0.05;0.01',
        7,
        piecewiseConstant({ boundaries: [10, 20], values: [0.1, 0.05, 0.01] }),
      );
      same('cosine:tMax=10,learningRate=0.5', 0.1, cosine({ learningRate: 0.5, tMax: 10 }));
      const w = parseScheduleSpec('warmup:steps=50+cosine:tMax=950', 0.1);
      assert.deepEqual(w.toJSON(), sequential({
        schedules: [linearWarmup({ learningRate: 0.1, steps: 50 }), cosine({ learningRate: 0.1, tMax: 950 })],
        milestones: [50],
      }).toJSON());
      const three = parseScheduleSpec('linearWarmup:steps=5+cosine:tMax=10+polynomial:totalSteps=20', 0.1);
      assert.deepEqual(three.toJSON().options.milestones, [5, 15]);
    });

    it('rejects unknown kinds, unknown keys and malformed values', () => {
      throwsOption(() => parseScheduleSpec('cosine:tmax=100', 0.1), 'tmax');
      throwsOption(() => parseScheduleSpec('cosine:tMax=100,gamma=0.5', 0.1), 'gamma');
      throwsOption(() => parseScheduleSpec('cosinus:tMax=100', 0.1), 'cosinus');
      throwsOption(() => parseScheduleSpec('sequential', 0.1), 'sequential');
      throwsOption(() => parseScheduleSpec('cosine:tMax=abc', 0.1), 'tMax');
      throwsOption(() => parseScheduleSpec('cosine:tMax=', 0.1), 'tMax');
      throwsOption(() => parseScheduleSpec('cosine:tMax', 0.1), 'spec');
      throwsOption(() => parseScheduleSpec('cosine:tMax=10,tMax=20', 0.1), 'tMax');
      throwsOption(() => parseScheduleSpec('exponential:gamma=0.5,staircase=yes', 0.1), 'staircase');
      throwsOption(() => parseScheduleSpec('step:stepSize=10+cosine:tMax=10', 0.1), 'spec');
      throwsOption(() => parseScheduleSpec('cosine:tMax=0', 0.1), 'tMax');
      throwsOption(() => parseScheduleSpec('', 0.1), 'spec');
      throwsOption(() => parseScheduleSpec('cosine:tMax=10', 0), 'learningRate');
    });
  });
});
