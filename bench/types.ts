/** Result shapes shared by the runners, the report and latest.json. */
import type { WorkloadId } from './workloads';

/** W1/W2: seconds per epoch (median of the epochs timed), final training MSE (W1) or loss (W2). */
export interface EpochResult {
  secPerEpoch: number;
  epochSeconds: number[];
  epochsRun: number;
  /** W1: mean squared error on the whole training set after training; W2: mean sigmoid cross-entropy. */
  quality: number | null;
  /** descent only: fit()'s work before the first epoch (input copy and validation, scale check, trainer creation), seconds. */
  setupSeconds?: number;
  note?: string;
}

/** W3: training throughput and test accuracy. */
export interface MlpResult {
  samplesPerSec: number;
  /** Samples in the timed span (an epoch, or the prefix of a slow runner). */
  samplesTimed: number;
  epochsRun: number;
  epochSeconds?: number[];
  /** Test-set accuracy after `epochsRun` epochs, or null when only a prefix was timed. */
  testAccuracy: number | null;
  prefixOnly: boolean;
  /** descent only: fit()'s work before the first epoch, seconds. */
  setupSeconds?: number;
  note?: string;
}

/** W4: one Adam step. */
export interface StepResult {
  msPerStep: number;
  gbPerSec: number;
  steps: number;
}

/** W5: per-step overhead. */
export interface TinyResult {
  usPerStep: number;
  steps: number;
  runs: number[];
  /** descent only: the whole fit() call (input copy and validation, trainer creation) divided by steps. */
  usPerStepWholeFit?: number;
  note?: string;
}

export interface RunnerResult {
  /** Stable key, e.g. `descent-native-1t`, `tfjs-wasm`, `torch-2t`. */
  id: string;
  label: string;
  /** Threads the runner computes on (1 for single-threaded runtimes). */
  threads: number;
  w1?: EpochResult;
  w2?: EpochResult;
  w3?: MlpResult;
  w4?: StepResult;
  w5?: TinyResult;
  errors: Partial<Record<WorkloadId, string>>;
  skipped?: string;
}

export interface GemmBound {
  threads: number;
  /** Sum of the 8 sgemm times of one training step, seconds, per library. */
  numpySeconds: number | null;
  torchSeconds: number | null;
  /** Sum over the 8 GEMMs of the faster of numpy and torch.mm (the same OpenBLAS), seconds. */
  bestSeconds: number;
  /** batch / bestSeconds: samples/s no implementation can beat with these GEMMs. */
  samplesPerSecBound: number;
  gemms: { gemm: string; m: number; n: number; k: number; numpy?: number; torch?: number }[];
}
