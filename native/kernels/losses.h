// Loss heads on logits. Each returns the summed loss over the batch (accumulated in double) and writes
// dZ = invScale * dLoss_i/dZ so the batch mean's gradient comes out directly. `w` (nullable) holds one
// sample weight per row: row i contributes w[i]*loss_i (Keras-style weighted mean over the batch size).
// Softmax uses log-sum-exp and sigmoid cross-entropy the softplus form, so logits of +-1e4 stay finite.
#pragma once
#include <cstddef>
#include <cstdint>


namespace descent {

// Loss heads in the order of lib/engine/spec.ts (spec.def): the binding maps names to these.
enum class Loss : int32_t {
#define DESCENT_LOSS(e, name, cols, ...) e,
#include "spec.def"
};

// Columns of the target matrix for a head with k outputs: one class index (softmax), else k.
inline size_t TargetCols(Loss loss, size_t k) {
  switch (loss) {
#define DESCENT_LOSS(e, name, cols, ...) \
  case Loss::e: return (cols) == 1 ? 1 : k;
#include "spec.def"
  }
  return k;
}

// Whether the targets are class indices (softmax and the one-vs-rest margin heads).
inline bool ClassIndexTargets(Loss loss) { return TargetCols(loss, 2) == 1; }

// Classes a class-index head with k outputs distinguishes: one output separates two classes.
inline size_t NumClasses(Loss loss, size_t k) { return loss != Loss::kSoftmaxCrossEntropy && k == 1 ? 2 : k; }

// Null when `p` is a valid parameter for the head (the rule of lossParamProblem in lib/engine/spec.ts), else why not.
inline const char* LossParamProblem(Loss loss, double p) {
  switch (loss) {
#define DESCENT_LOSS(e, name, cols, hasParam, pDefault, pMin, pMax, pExclusive)                     \
  case Loss::e:                                                                                   \
    if (!(hasParam)) return p == 0 ? nullptr : "this loss has no parameter (lossParam must be 0)"; \
    if (!(p >= (pMin) && p <= (pMax)) || ((pExclusive) && (p == (pMin) || p == (pMax))))           \
      return "lossParam is out of range for this loss";                                           \
    break;
#include "spec.def"
  }
  if (loss == Loss::kTweedie && p > 0 && p < 1) return "power must be 0 or at least 1";
  return nullptr;
}

// The parameter's default (0 for heads without one).
inline double LossParamDefault(Loss loss) {
  switch (loss) {
#define DESCENT_LOSS(e, name, cols, hasParam, pDefault, ...) \
  case Loss::e: return (pDefault);
#include "spec.def"
  }
  return 0;
}

// The heads themselves are kernel-table entries (KernelSet::loss, heads_impl.h):
//   squaredError         0.5 * sum_k (z - y)^2 per row, i.e. the textbook 1/(2n) sum (h - y)^2 after the mean;
//                        gradient z - y.
//   sigmoidCrossEntropy  max(z, 0) - z*y + log1p(exp(-|z|)) (softplus form, as torch's BCEWithLogitsLoss);
//                        gradient sigmoid(z) - y.
//   softmaxCrossEntropy  logsumexp(z) - z[y] (max-shifted); gradient softmax(z) - onehot(y).

}  // namespace descent
