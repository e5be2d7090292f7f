// Loss heads on logits. Each returns the summed loss over the batch (accumulated in double) and writes
// dZ = invScale * dLoss_i/dZ so the batch mean's gradient comes out directly. `w` (nullable) holds one
// sample weight per row: row i contributes w[i]*loss_i (Keras-style weighted mean over the batch size).
// Softmax uses log-sum-exp and sigmoid cross-entropy the softplus form, so logits of +-1e4 stay finite.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "activations.h"

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

// 0.5 * sum_k (z - y)^2 per row, i.e. the textbook 1/(2n) sum (h - y)^2 after the mean.
template <typename T>
double SquaredError(size_t rows, size_t k, const T* Z, const T* Y, const T* w, T invScale, T* dZ) {
  double sum = 0;
  for (size_t i = 0; i < rows * k; i++) {
    const T r = Z[i] - Y[i];
    const T wi = w ? w[i / k] : T(1);
    sum += 0.5 * static_cast<double>(wi) * static_cast<double>(r) * static_cast<double>(r);
    if (dZ) dZ[i] = w ? r * wi * invScale : r * invScale;
  }
  return sum;
}

// max(z, 0) - z*y + log1p(exp(-|z|)); gradient sigmoid(z) - y.
template <typename T>
double SigmoidCrossEntropy(size_t rows, size_t k, const T* Z, const T* Y, const T* w, T invScale, T* dZ) {
  double sum = 0;
  for (size_t i = 0; i < rows * k; i++) {
    const T z = Z[i], y = Y[i];
    const T wi = w ? w[i / k] : T(1);
    // One exp serves both: e = exp(-|z|), and StableSigmoid(z) is 1/(1+e) for z >= 0, e/(1+e) below (the same
    // operations, so the same bits as calling it).
    const T e = std::exp(-std::fabs(z));
    const T l = (z > T(0) ? z : T(0)) - z * y + std::log1p(e);
    sum += static_cast<double>(wi) * static_cast<double>(l);
    if (dZ) {
      const T sg = z >= T(0) ? T(1) / (T(1) + e) : e / (T(1) + e);
      dZ[i] = w ? (sg - y) * wi * invScale : (sg - y) * invScale;
    }
  }
  return sum;
}

// logsumexp(z) - z[y]; gradient softmax(z) - onehot(y). Labels were validated by the caller.
template <typename T>
double SoftmaxCrossEntropy(size_t rows, size_t k, const T* Z, const T* Y, const T* w, T invScale, T* dZ) {
  double sum = 0;
  for (size_t r = 0; r < rows; r++) {
    const T scale = w ? w[r] * invScale : invScale;
    const T* z = Z + r * k;
    const size_t y = static_cast<size_t>(Y[r]);
    T m = z[0];
    for (size_t j = 1; j < k; j++) m = z[j] > m ? z[j] : m;
    double s = 0;
    for (size_t j = 0; j < k; j++) s += std::exp(static_cast<double>(z[j] - m));
    const double logS = std::log(s);
    const double l = logS - static_cast<double>(z[y] - m);
    sum += w ? static_cast<double>(w[r]) * l : l;
    if (dZ) {
      T* d = dZ + r * k;
      const double inv = 1.0 / s;
      for (size_t j = 0; j < k; j++) d[j] = static_cast<T>(std::exp(static_cast<double>(z[j] - m)) * inv) * scale;
      d[y] -= scale;
    }
  }
  return sum;
}

template <typename T>
double LossForward(Loss loss, size_t rows, size_t k, const T* Z, const T* Y, const T* w, T invScale, T* dZ) {
  switch (loss) {
    case Loss::kSquaredError: return SquaredError(rows, k, Z, Y, w, invScale, dZ);
    case Loss::kSigmoidCrossEntropy: return SigmoidCrossEntropy(rows, k, Z, Y, w, invScale, dZ);
    case Loss::kSoftmaxCrossEntropy: return SoftmaxCrossEntropy(rows, k, Z, Y, w, invScale, dZ);
  }
  return 0;
}

}  // namespace descent
