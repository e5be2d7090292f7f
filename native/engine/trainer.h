// A Trainer owns parameters, gradients, optimizer state and a workspace allocated once; RunBatches runs a
// chunk of mini-batches with no allocation and no JS in the loop. Mirrored by lib/backend/js/trainer.ts.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../kernels/rng.h"
#include "network.h"

namespace descent {

struct RunResult {
  // 0: all batches ran; 1: a non-finite value stopped the chunk at `batch` (params restored to chunk start);
  // 2: a row index or label was out of range at `batch`; 3: cancelled before `batch` (environment teardown).
  int status = 0;
  size_t batch = 0;
  std::string what;
};

// Rows in compressed sparse row form (scipy.sparse.csr_matrix): row i's non-zeros are values[k] at columns
// indices[k] for k in [indptr[i], indptr[i+1]). values has the trainer's dtype. The caller validates (monotone
// indptr from 0, indices in [0, inputs)); the trainer trusts it.
struct CsrView {
  const int32_t* indptr = nullptr;
  const int32_t* indices = nullptr;
  const void* values = nullptr;
};

// Type-erased interface so the binding holds one pointer for float32 and float64 trainers.
class TrainerBase {
 public:
  virtual ~TrainerBase() = default;
  virtual const NetworkSpec& Spec() const = 0;
  virtual const Layout& GetLayout() const = 0;
  virtual void Initialize(uint32_t seed) = 0;
  virtual void Shuffle(uint32_t* order, size_t n) = 0;
  // X: [n, inputs], Y: [n, targetCols], W: [n] sample weights or null, order: [n] row indices or null;
  // runs batches firstBatch .. firstBatch+count-1. gradNorms may be null (norms not computed unless clipNorm).
  virtual RunResult RunBatches(const void* X, const void* Y, const void* W, size_t n, const uint32_t* order,
                               size_t batchSize, size_t firstBatch, size_t count, const double* lrs, double* losses,
                               double* gradNorms, const std::atomic<bool>* cancel = nullptr) = 0;
  // The same over CSR rows: the first layer reads only the non-zeros and a step touches only the first-layer
  // weights of the columns present in the batch (plus the dense rest of the network). Plain SGD (momentum 0) gets
  // the untouched columns' L2 decay / weight decay and proximal L1 just in time, in closed form, so it equals the
  // dense step for step; every other optimizer updates the touched columns only (lazy, as torch.optim.SparseAdam).
  virtual RunResult RunBatchesCsr(const CsrView& X, const void* Y, const void* W, size_t n, const uint32_t* order,
                                  size_t batchSize, size_t firstBatch, size_t count, const double* lrs, double* losses,
                                  double* gradNorms, const std::atomic<bool>* cancel = nullptr) = 0;
  virtual void Predict(const void* X, size_t n, void* out) = 0;
  virtual void PredictCsr(const CsrView& X, size_t n, void* out) = 0;
  // Loss (batch mean, data term) and gradient of the whole objective (incl. L2) at the current parameters for
  // n <= maxBatch rows, without updating anything (dropout off). grads has NumParams() elements.
  virtual double Gradients(const void* X, const void* Y, const void* W, size_t n, void* grads) = 0;
  virtual void* Params() = 0;
  // The averaged weights (NumParams() elements), or null when the spec does not average.
  virtual void* Average() = 0;
  virtual void* Slot(int i) = 0;
  virtual OptGlobalState& OptState() = 0;
  virtual Rng& GetRng() = 0;
  virtual size_t NumParams() const = 0;
  virtual int NumSlots() const = 0;
};

std::unique_ptr<TrainerBase> MakeTrainer(const NetworkSpec& spec);

// Bytes MakeTrainer(spec) allocates (parameters, gradients, optimizer slots, their snapshots, the maxBatch-row
// workspace), computed without allocating so callers can refuse a spec that exceeds a memory limit. Mirrors the
// Trainer constructor and lib/engine/spec.ts trainerBytes(). An upper bound: it counts the maxBatch x inputs
// gather buffer that only dense shuffled training allocates (at its first chunk), and not the per-column state
// CSR training allocates (16 bytes per input column) at its first chunk.
uint64_t TrainerBytes(const NetworkSpec& spec);

// The part of TrainerBytes that is allocated only at the first dense shuffled chunk (the maxBatch x inputs gather
// buffer): what a new trainer holds is TrainerBytes - TrainerGatherBytes.
uint64_t TrainerGatherBytes(const NetworkSpec& spec);

// Bytes of per-input-column state a trainer allocates at its first CSR chunk (see Trainer::ColState).
constexpr uint64_t kCsrColumnBytes = 16;

}  // namespace descent
