// The model a trainer runs: dense layers -> activations -> a loss head, plus training controls.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../kernels/activations.h"
#include "../kernels/losses.h"
#include "../kernels/optimizers.h"

namespace descent {

// Storage and arithmetic types in the order of lib/engine/spec.ts DTYPES (spec.def).
enum class Dtype : int32_t {
#define DESCENT_DTYPE(e, name, bytes) e,
#include "../kernels/spec.def"
};

inline size_t DtypeBytes(Dtype d) {
  switch (d) {
#define DESCENT_DTYPE(e, name, bytes) \
  case Dtype::e: return bytes;
#include "../kernels/spec.def"
  }
  return 0;
}

struct LayerSpec {
  int64_t inputs = 0;
  int64_t units = 0;
  Act activation = Act::kLinear;
  double activationParam = 0;  // leakyRelu slope, elu alpha
  bool useBias = true;
  double dropout = 0;  // inverted dropout on this layer's output while training (rate in [0, 1))
};

struct NetworkSpec {
  std::vector<LayerSpec> layers;
  Loss loss = Loss::kSquaredError;
  double lossParam = 0;  // huber / epsilon-insensitive epsilon, quantile q, Tweedie power
  Dtype dtype = Dtype::kFloat32;
  OptConfig optimizer;
  double l1 = 0, l2 = 0;       // on kernels (and biases if penalizeBias)
  bool penalizeBias = false;
  double clipNorm = 0;         // 0 = off; global L2 norm as torch.nn.utils.clip_grad_norm_
  double clipValue = 0;        // 0 = off; elementwise clamp to [-clipValue, clipValue]
  int64_t maxBatch = 1;        // workspace rows
  // Weight averaging after every optimizer step from step averageStart (1-based): 0 off, 1 the running mean
  // (ASGD, scikit-learn's average=True; SWA per step), 2 an exponential moving average with averageDecay.
  int averageKind = 0;
  int64_t averageStart = 1;
  double averageDecay = 0;

  bool f64() const { return dtype == Dtype::kFloat64; }
};

// Where each tensor lives in the flat parameter vector: [W0, b0, W1, b1, ...]; W is [units, inputs] like PyTorch.
struct Layout {
  std::vector<size_t> weightOffset, biasOffset;
  size_t total = 0;
  size_t maxWidth = 0;  // the most units of any layer
};

inline Layout MakeLayout(const NetworkSpec& s) {
  Layout l;
  size_t off = 0;
  for (const auto& L : s.layers) {
    l.weightOffset.push_back(off);
    off += static_cast<size_t>(L.units * L.inputs);
    l.biasOffset.push_back(off);
    if (L.useBias) off += static_cast<size_t>(L.units);
    // The widest activation gradient Backward holds: the units of a layer (a later layer's inputs are the previous
    // layer's units). The first layer's inputs never get a gradient, so a wide input (2^20 hashed features) does
    // not size the workspace.
    if (static_cast<size_t>(L.units) > l.maxWidth) l.maxWidth = static_cast<size_t>(L.units);
  }
  l.total = off;
  return l;
}

}  // namespace descent
