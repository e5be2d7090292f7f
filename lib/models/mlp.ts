/**
 * Dense neural networks on the same engine: `Sequential([dense(…), dropout(…), …, dense(k)], { loss })` and the
 * presets `MLPRegressor` / `MLPClassifier` (scikit-learn's names). Backpropagation runs in the engine: `Xᵀ·δ` and
 * `δ·Wᵀ` with BLAS, bias gradients as column sums, activation derivatives fused with the element-wise pass.
 */
import type { Average } from '../train/metrics';
import type { Labels } from './labels';
import type { ProbaOptions, ProbaResult } from './model';
import { ACTIVATIONS, ACTIVATION_NAMES, ActivationName, LOSS_NAMES, LossName, SPEC_BOUNDS } from '../engine/spec';
import { OptionError } from '../errors';
import { checkKeys, describe, num, oneOf, bool, isPlainObject } from '../validate';
import { ClassificationMetrics, RegressionMetrics, headFor } from './heads';
import { INITIALIZERS, Initializer } from './init';
import { LinearRegression, SoftmaxRegression, lossOption } from './linear';
import { LayerDef, MODEL_KEYS, Model, ModelOptions, jsonClone } from './model';

/**
 * An activation: `'linear' | 'relu' | 'sigmoid' | 'tanh' | 'gelu'` (GELU by its tanh approximation,
 * `0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))`, as `torch.nn.GELU(approximate='tanh')`), or a parameterized one from
 * {@link leakyRelu} / {@link elu}.
 */
export type Activation = ActivationName | { name: 'leakyRelu' | 'elu'; alpha: number };

/** `x` for x > 0, else `alpha·x` (`torch.nn.LeakyReLU`, default slope 0.01). */
export function leakyRelu(alpha: number = ACTIVATIONS.leakyRelu.param.default): Activation {
  return { name: 'leakyRelu', alpha: num('leakyRelu.alpha', alpha, ACTIVATIONS.leakyRelu.param.rule) };
}

/** `x` for x > 0, else `alpha·(eˣ − 1)` (Clevert et al. 2016; `torch.nn.ELU`, default alpha 1). */
export function elu(alpha: number = ACTIVATIONS.elu.param.default): Activation {
  return { name: 'elu', alpha: num('elu.alpha', alpha, ACTIVATIONS.elu.param.rule) };
}

export interface DenseOptions {
  /** Default `'linear'`. */
  activation?: Activation;
  /** Default true. */
  useBias?: boolean;
  /** Default `'torchDefault'` (`U(±1/√fanIn)`, PyTorch's `nn.Linear`). */
  kernelInitializer?: Initializer;
}

export interface DenseLayer {
  readonly type: 'dense';
  readonly units: number;
  readonly activation: ActivationName;
  readonly activationParam: number;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
}

export interface DropoutLayer {
  readonly type: 'dropout';
  /** Fraction of the previous layer's outputs zeroed while training, in [0, 1). */
  readonly rate: number;
}

/** An activation name or `{ name, alpha }` → the engine's name and parameter (defaults from the engine table). */
function activationOf(name: string, a: unknown): { activation: ActivationName; activationParam: number } {
  if (typeof a === 'string') {
    const act = oneOf(name, a, ACTIVATION_NAMES);
    const p = (ACTIVATIONS[act] as { param?: { default: number } }).param;
    return { activation: act, activationParam: p ? p.default : 0 };
  }
  if (isPlainObject(a) && (a.name === 'leakyRelu' || a.name === 'elu')) {
    return { activation: a.name, activationParam: num(`${name}.alpha`, a.alpha, ACTIVATIONS[a.name].param.rule) };
  }
  throw new OptionError(`Expected one of ${ACTIVATION_NAMES.join(', ')} or leakyRelu(alpha)/elu(alpha) for ${name} but received ${describe(a)}`, name);
}

/** A fully connected layer `y = act(x·Wᵀ + b)` with `W` `[units, inputs]`. */
export function dense(units: number, options: DenseOptions = {}): DenseLayer {
  const o = checkKeys('dense options', options, ['activation', 'useBias', 'kernelInitializer']);
  return Object.freeze({
    type: 'dense',
    units: num('dense.units', units, { integer: true, min: 1, max: 1 << 24 }),
    ...activationOf('dense.activation', o.activation ?? 'linear'),
    useBias: bool('dense.useBias', o.useBias, true),
    kernelInitializer: oneOf('dense.kernelInitializer', o.kernelInitializer, INITIALIZERS, 'torchDefault'),
  });
}

/** Inverted dropout on the previous layer's output while training (seeded; off in `predict`). */
export function dropout(rate: number): DropoutLayer {
  return Object.freeze({ type: 'dropout', rate: num('dropout.rate', rate, { min: 0, max: SPEC_BOUNDS.dropout.max }) });
}

function layerDefsOf(layers: unknown): LayerDef[] {
  if (!Array.isArray(layers) || layers.length === 0) throw new OptionError(`Expected a non-empty array of dense()/dropout() layers for layers but received ${describe(layers)}`, 'layers');
  const defs: LayerDef[] = [];
  layers.forEach((l: unknown, i) => {
    const t = isPlainObject(l) ? l.type : undefined;
    if (t === 'dense') {
      const d = l as unknown as DenseLayer;
      defs.push({ units: d.units, activation: d.activation, activationParam: d.activationParam, useBias: d.useBias, kernelInitializer: d.kernelInitializer });
    } else if (t === 'dropout') {
      const prev = defs.at(-1);
      if (!prev) throw new OptionError('dropout() must follow a dense() layer', `layers[${i}]`);
      prev.dropout = (l as unknown as DropoutLayer).rate;
    } else {
      throw new OptionError(`Expected dense(…) or dropout(…) for layers[${i}] but received ${describe(l)}`, `layers[${i}]`);
    }
  });
  const last = defs.at(-1)!;
  if (last.activation !== 'linear') throw new OptionError(`The last layer must be linear (the loss head takes logits) but has activation ${JSON.stringify(last.activation)}`, 'layers');
  if (last.dropout) throw new OptionError('The last layer cannot be followed by dropout (the loss head takes its logits)', 'layers');
  return defs;
}

export interface SequentialOptions extends ModelOptions {
  /**
   * `'squaredError'` (regression, 1 output), `'sigmoidCrossEntropy'` (binary, 1 output), `'softmaxCrossEntropy'`
   * (k classes = last layer's units), or one of LinearRegressor's losses (1 output) or LinearClassifier's
   * one-vs-rest losses (1 output for two classes, else one per class).
   */
  loss: LossName;
  /** The loss's parameter, for `huber`, `epsilonInsensitive`, `squaredEpsilonInsensitive` (`epsilon`), `quantile` and `tweedie` (`power`). */
  epsilon?: number;
  quantile?: number;
  power?: number;
}

/**
 * A stack of dense layers ending in a linear layer whose outputs feed the loss head. `predict` gives values
 * (regression) or labels; `predictProba` probabilities for the classification heads.
 */
export class Sequential extends Model {
  private readonly defs: LayerDef[];
  constructor(layers: (DenseLayer | DropoutLayer)[], options: SequentialOptions) {
    if (!isPlainObject(options)) throw new OptionError(`Expected an options object with a loss for Sequential but received ${describe(options)}`, 'options');
    const { loss, param, rest } = lossOption(options as unknown as Record<string, unknown>, LOSS_NAMES);
    super(headFor(loss, param), rest);
    this.defs = layerDefsOf(layers);
    this.ctorArgs = [jsonClone(layers), jsonClone(options)];
  }
  protected override hidden(): LayerDef[] {
    return this.defs.slice(0, -1);
  }
  protected override outputLayer(): LayerDef {
    return this.defs.at(-1)!;
  }
  protected override paramsOption(): string {
    return 'layers';
  }
  protected override fixedOutputs(): number {
    return this.defs.at(-1)!.units;
  }
  /** Regression values `[n]`, or class labels `[n]` for the classification heads (decoded as in SoftmaxRegression). */
  predict(X: unknown): Labels {
    const p = this.head.predict(this.outputs(X));
    return this.head.isClassifier ? this.decode(p) : p;
  }
  /** The last layer's outputs (decision values / logits): `[n]` for one unit, `[n, k]` row-major for k (scikit-learn's `decision_function`). */
  decisionFunction(X: unknown): Float64Array {
    return Float64Array.from(this.outputs(X).data);
  }
  /** Probabilities (`[n]` P(y=1) for sigmoid cross-entropy, `[n, k]` for softmax; `format` as in SoftmaxRegression). Throws for regression. */
  predictProba(X: unknown, options?: { format?: 'flat' }): Float64Array;
  predictProba(X: unknown, options: { format: 'rows' }): number[][];
  predictProba(X: unknown, options: { format: 'matrix' }): { data: Float64Array; rows: number; cols: number };
  predictProba(X: unknown, options?: ProbaOptions): ProbaResult {
    return this.probaAs(X, options);
  }
  /** Loss and metrics on `(X, y)`; for the classification heads `average` as in LogisticRegression.evaluate. */
  evaluate(X: unknown, y: unknown, options: { average?: Average } = {}): RegressionMetrics | ClassificationMetrics {
    return this.evaluateAll(X, y, options) as unknown as RegressionMetrics | ClassificationMetrics;
  }
}

export interface MLPOptions extends ModelOptions {
  /** Units of each hidden layer. Default `[100]` (scikit-learn). */
  hiddenLayers?: number[];
  /** Activation of the hidden layers. Default `'relu'`. */
  activation?: Activation;
  /** Initializer of every layer. Default `'torchDefault'`. */
  kernelInitializer?: Initializer;
  /** Dropout rate after each hidden layer. Default 0. */
  dropout?: number;
}

const MLP_KEYS = ['hiddenLayers', 'activation', 'kernelInitializer', 'dropout'] as const;

function hiddenOf(o: MLPOptions): LayerDef[] {
  const hidden = o.hiddenLayers ?? [100];
  if (!Array.isArray(hidden)) throw new OptionError(`Expected an array of layer sizes for hiddenLayers but received ${describe(hidden)}`, 'hiddenLayers');
  const act = activationOf('activation', o.activation ?? 'relu');
  const kernelInitializer = oneOf('kernelInitializer', o.kernelInitializer, INITIALIZERS, 'torchDefault');
  const rate = num('dropout', o.dropout, { min: 0, max: SPEC_BOUNDS.dropout.max }, 0);
  return hidden.map((u, i) => ({ units: num(`hiddenLayers[${i}]`, u, { integer: true, min: 1, max: 1 << 24 }), ...act, kernelInitializer, dropout: rate }));
}

function withoutMlpKeys(o: MLPOptions): ModelOptions {
  const rest: Record<string, unknown> = { ...o };
  for (const k of MLP_KEYS) delete rest[k];
  return rest as ModelOptions;
}

/** Multi-layer perceptron regressor: hidden dense layers + a linear output, squared error. */
export class MLPRegressor extends LinearRegression {
  constructor(options: MLPOptions = {}) {
    checkKeys('options', options, [...MODEL_KEYS, ...MLP_KEYS]);
    super(withoutMlpKeys(options));
    this.hiddenDefs = hiddenOf(options);
    this.ctorArgs = [jsonClone(options)];
  }
}

/** Multi-layer perceptron classifier: hidden dense layers + a linear output of k logits, softmax cross-entropy. */
export class MLPClassifier extends SoftmaxRegression {
  constructor(options: MLPOptions = {}) {
    checkKeys('options', options, [...MODEL_KEYS, ...MLP_KEYS]);
    super(withoutMlpKeys(options));
    this.hiddenDefs = hiddenOf(options);
    this.ctorArgs = [jsonClone(options)];
  }
}


