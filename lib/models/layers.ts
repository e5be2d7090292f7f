/**
 * A model's architecture as the engine sees it: its layer definitions, and the {@link EngineSpec} they make for
 * given input and output sizes, optimizer and workspace.
 */
import { ActivationName, Dtype, EngineSpec, LossName, trainerBytes } from '../engine/spec';
import { memoryLimit } from '../memory';
import type { OptimizerSpec } from '../optim/optimizers';
import type { Initializer } from './init';

export interface LayerDef {
  units: number;
  activation: ActivationName;
  activationParam?: number;
  useBias?: boolean;
  kernelInitializer?: Initializer;
  dropout?: number;
}

/** The model-level settings every layer stack shares: penalties and clipping (from the model's constructor). */
export interface Regularization {
  readonly l1: number;
  readonly l2: number;
  readonly penalizeBias: boolean;
  readonly clipNorm: number;
  readonly clipValue: number;
  /** Weight averaging (`average` / `ema` constructor options); absent when off. */
  readonly average?: EngineSpec['average'];
}

/**
 * The engine spec for `defs` on `inputs` features. The workspace holds at least 256 rows (predict works in blocks
 * of it) unless that alone would break the memory limit (wide layers): then exactly `batchRows`.
 */
export function buildSpec(defs: readonly LayerDef[], inputs: number, loss: LossName, lossParam: number, dtype: Dtype, optimizer: OptimizerSpec, reg: Regularization, batchRows: number): EngineSpec {
  let fanIn = inputs;
  const layers = defs.map((d) => {
    const l = { inputs: fanIn, units: d.units, activation: d.activation, activationParam: d.activationParam ?? 0, useBias: d.useBias ?? true, dropout: d.dropout ?? 0 };
    fanIn = d.units;
    return l;
  });
  const spec = {
    dtype, layers, loss, lossParam, optimizer: optimizer.config,
    l1: reg.l1, l2: reg.l2, penalizeBias: reg.penalizeBias, clipNorm: reg.clipNorm, clipValue: reg.clipValue,
    maxBatch: Math.max(batchRows, 256),
    ...(reg.average ? { average: reg.average } : {}),
  };
  if (spec.maxBatch > batchRows && trainerBytes(spec) > memoryLimit()) spec.maxBatch = batchRows;
  return spec;
}
