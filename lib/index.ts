/**
 * descent: gradient-descent training for Node.js on a native C++/OpenBLAS core.
 * Every model is dense layers → activations → a loss head; the named models are presets.
 */
export { DescentError, OptionError, ShapeError, FormatError, DivergenceError, StateError, BackendError, AbortError, DataSourceError, IOError, MemoryLimitError } from './errors';
export type { DescentErrorCode } from './errors';
export { memoryLimit, setMemoryLimit } from './memory';
export { LinearRegression, LogisticRegression, SoftmaxRegression, LinearRegressor, LinearClassifier, REGRESSOR_LOSSES, CLASSIFIER_LOSSES } from './models/linear';
export type { LinearRegressorOptions, LinearClassifierOptions } from './models/linear';
export type { RegressionMetrics, ClassificationMetrics } from './models/linear';
export { Sequential, MLPRegressor, MLPClassifier, dense, dropout, leakyRelu, elu } from './models/mlp';
export type { Activation, DenseLayer, DropoutLayer, DenseOptions, SequentialOptions, MLPOptions } from './models/mlp';
export type { Initializer } from './models/init';
export { Model } from './models/model';
export type { ModelOptions } from './models/model';
export type { FitOptions, PartialFitOptions, StreamFitOptions } from './train/options';
export type { History, EpochInfo, EpochCallback, BatchInfo, BatchCallback, TrainingCallback } from './train/types';
export { sgd, momentum, nesterov, adam, adamw, rmsprop, adagrad, adadelta, adamax, nadam, optimizerByName } from './optim/optimizers';
export { lbfgs } from './optim/lbfgs';
export { hashFeatures, hashStream } from './text/hashing';
export type { HashFeaturesOptions, TextRecord } from './text/hashing';
export type { CsrMatrix } from './data/sparse';
export type { LrFindOptions, LrFindResult } from './train/lr-find';
export type { LbfgsOptions, LbfgsSpec } from './optim/lbfgs';
export type { OptimizerSpec, LearningRate, ScheduleLike } from './optim/optimizers';
export { createOptimizer } from './optim/standalone';
export type { Optimizer, OptimizerState } from './optim/standalone';
export { loadCsv, loadCsvSync } from './data/csv';
export type { Dataset, LoadCsvOptions, CsvProgress } from './data/csv';
export { loadParquet } from './data/parquet';
export type { ParquetOptions } from './data/parquet';
export { trainTestSplit } from './data/split';
export { StandardScaler } from './data/scale';
export { matrix, toMatrix } from './data/matrix';
export type { Matrix, MatrixLike, VectorLike, TargetsLike } from './data/matrix';
export type { LossName } from './engine/spec';
export { mse, mae, r2, accuracy, logLoss, precisionRecallF1, clipGradNorm } from './train/metrics';
export type { Average } from './train/metrics';
export type { ClassLabels, Labels } from './models/labels';
export { Rng } from './rng';
export { info, setNumThreads } from './info';
export type { Info } from './info';
export { datasetPath, BUNDLED_DATASETS } from './data/bundled';
export {
  constant, step, multiStep, exponential, inverseTime, polynomial, cosine, cosineWarmRestarts, linearWarmup, sequential,
  oneCycle, piecewiseConstant, reduceOnPlateau, ReduceOnPlateau, preview, scheduleFromJSON, parseScheduleSpec,
} from './optim/schedules';
export type { Schedule, ScheduleJSON } from './optim/schedules';
export { loadIdx, parseIdx, loadFashionMnist, FASHION_MNIST_DIR } from './data/idx';
export type { IdxArray } from './data/idx';
export { loadModel, fromBuffer } from './io/load';
export type { LoadOptions } from './io/load';
export { encodeSafetensors, decodeSafetensors, readSafetensorsFile, writeSafetensorsFile } from './io/safetensors';
export { writeFileAtomic } from './io/util';
export type { Tensor, TensorDtype } from './io/safetensors';
export type { StreamSource, SourceChunk, ArrowLike } from './data/stream';
