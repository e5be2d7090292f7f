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
#define DESCENT_LOSS(e, name, cols) e,
#include "spec.def"
};

// Columns of the target matrix for a head with k outputs: one class index (softmax), else k.
inline size_t TargetCols(Loss loss, size_t k) {
  switch (loss) {
#define DESCENT_LOSS(e, name, cols) \
  case Loss::e: return (cols) == 1 ? 1 : k;
#include "spec.def"
  }
  return k;
}

// The heads themselves are kernel-table entries (KernelSet::loss, heads_impl.h):
//   squaredError         0.5 * sum_k (z - y)^2 per row, i.e. the textbook 1/(2n) sum (h - y)^2 after the mean;
//                        gradient z - y.
//   sigmoidCrossEntropy  max(z, 0) - z*y + log1p(exp(-|z|)) (softplus form, as torch's BCEWithLogitsLoss);
//                        gradient sigmoid(z) - y.
//   softmaxCrossEntropy  logsumexp(z) - z[y] (max-shifted); gradient softmax(z) - onehot(y).

}  // namespace descent
