#include "trainer.h"

#include <cmath>
#include <cstring>

#include "../kernels/blas.h"
#include "../kernels/gemm.h"
#include "../kernels/kernels.h"

namespace descent {
namespace {

template <typename T>
class Trainer final : public TrainerBase {
 public:
  explicit Trainer(const NetworkSpec& spec) : spec_(spec), layout_(MakeLayout(spec)) {
    const size_t L = spec_.layers.size();
    inputs_ = static_cast<size_t>(spec_.layers.front().inputs);
    outputs_ = static_cast<size_t>(spec_.layers.back().units);
    ycols_ = TargetCols(spec_.loss, outputs_);
    B_ = static_cast<size_t>(spec_.maxBatch);
    nslots_ = descent::NumSlots(spec_.optimizer);
    params_.assign(layout_.total, T(0));
    grads_.assign(layout_.total, T(0));
    snapParams_.assign(layout_.total, T(0));
    if (spec_.averageKind != 0) {
      avg_.assign(layout_.total, T(0));
      snapAvg_.assign(layout_.total, T(0));
    }
    for (int s = 0; s < nslots_; s++) {
      slots_[s].assign(layout_.total, static_cast<T>(SlotInit(spec_.optimizer, s)));
      snapSlots_[s].assign(layout_.total, T(0));
    }
    // xb_ (shuffled dense rows gathered for a batch) is sized by the first dense shuffled chunk: CSR training
    // and prediction never need it, and B_ * inputs is gigabytes for 2^20 hashed features.
    yb_.assign(B_ * ycols_, T(0));
    wb_.assign(B_, T(0));
    Z_.resize(L);
    A_.resize(L);
    M_.resize(L);
    D_.resize(L);
    for (size_t l = 0; l < L; l++) {
      const size_t u = static_cast<size_t>(spec_.layers[l].units);
      Z_[l].assign(B_ * u, T(0));
      if (spec_.layers[l].activation != Act::kLinear) A_[l].assign(B_ * u, T(0));
      if (spec_.layers[l].dropout > 0) {
        M_[l].assign(B_ * u, T(0));
        D_[l].assign(B_ * u, T(0));
      }
    }
    d0_.assign(B_ * layout_.maxWidth, T(0));
    d1_.assign(B_ * layout_.maxWidth, T(0));
    colsum_.assign(layout_.maxWidth, 0.0);
  }

  const NetworkSpec& Spec() const override { return spec_; }
  const Layout& GetLayout() const override { return layout_; }
  void* Params() override { return params_.data(); }
  void* Average() override { return avg_.empty() ? nullptr : avg_.data(); }
  void* Slot(int i) override { return i >= 0 && i < nslots_ ? slots_[i].data() : nullptr; }
  OptGlobalState& OptState() override { return ost_; }
  Rng& GetRng() override { return rng_; }
  size_t NumParams() const override { return layout_.total; }
  int NumSlots() const override { return nslots_; }

  // PyTorch's nn.Linear default: W, b ~ U(-1/sqrt(fanIn), 1/sqrt(fanIn)), drawn W then b, layer by layer.
  void Initialize(uint32_t seed) override {
    rng_.Seed(seed);
    for (size_t l = 0; l < spec_.layers.size(); l++) {
      const auto& L = spec_.layers[l];
      const double bound = 1.0 / std::sqrt(static_cast<double>(L.inputs));
      T* W = params_.data() + layout_.weightOffset[l];
      for (int64_t i = 0; i < L.units * L.inputs; i++) W[i] = static_cast<T>((2.0 * rng_.Uniform() - 1.0) * bound);
      if (L.useBias) {
        T* b = params_.data() + layout_.biasOffset[l];
        for (int64_t i = 0; i < L.units; i++) b[i] = static_cast<T>((2.0 * rng_.Uniform() - 1.0) * bound);
      }
    }
    ResetOptimizer();
  }

  void ResetOptimizer() {
    ost_ = OptGlobalState();
    for (int s = 0; s < nslots_; s++)
      std::fill(slots_[s].begin(), slots_[s].end(), static_cast<T>(SlotInit(spec_.optimizer, s)));
  }

  void Shuffle(uint32_t* order, size_t n) override { rng_.Shuffle(order, n); }

  RunResult RunBatches(const void* Xv, const void* Yv, const void* Wv, size_t n, const uint32_t* order,
                       size_t batchSize, size_t firstBatch, size_t count, const double* lrs, double* losses,
                       double* gradNorms, const std::atomic<bool>* cancel) override {
    return Run(static_cast<const T*>(Xv), nullptr, Yv, Wv, n, order, batchSize, firstBatch, count, lrs, losses, gradNorms, cancel);
  }

  RunResult RunBatchesCsr(const CsrView& X, const void* Yv, const void* Wv, size_t n, const uint32_t* order,
                          size_t batchSize, size_t firstBatch, size_t count, const double* lrs, double* losses,
                          double* gradNorms, const std::atomic<bool>* cancel) override {
    PrepareSparse();
    return Run(nullptr, &X, Yv, Wv, n, order, batchSize, firstBatch, count, lrs, losses, gradNorms, cancel);
  }

  void PredictCsr(const CsrView& X, size_t n, void* outv) override {
    T* out = static_cast<T*>(outv);
    const KernelSet<T>& k = Kernels().Of<T>();
    if (rowIdx_.size() < B_) rowIdx_.resize(B_);
    for (size_t start = 0; start < n; start += B_) {
      const size_t rows = start + B_ <= n ? B_ : n - start;
      for (size_t r = 0; r < rows; r++) rowIdx_[r] = static_cast<uint32_t>(start + r);
      sp_ = {X.indptr, X.indices, static_cast<const T*>(X.values), rowIdx_.data()};
      Forward(k, nullptr, rows, false, &sp_);
      std::memcpy(out + start * outputs_, Z_.back().data(), rows * outputs_ * sizeof(T));
    }
  }

 private:
  // A batch of CSR rows: row r of the batch is row rows[r] of the data.
  struct SparseBatch {
    const int32_t* indptr = nullptr;
    const int32_t* indices = nullptr;
    const T* values = nullptr;
    const uint32_t* rows = nullptr;
  };

  RunResult Run(const T* X, const CsrView* csr, const void* Yv, const void* Wv, size_t n, const uint32_t* order,
                size_t batchSize, size_t firstBatch, size_t count, const double* lrs, double* losses,
                double* gradNorms, const std::atomic<bool>* cancel) {
    const T* Y = static_cast<const T*>(Yv);
    const T* W = static_cast<const T*>(Wv);
    RunResult res;
    // One table for the whole chunk, even if setSimd() switches tables meanwhile.
    const KernelSet<T>& k = Kernels().Of<T>();
    Snapshot();
    if (csr != nullptr) BeginSparseChunk(count);
    for (size_t c = 0; c < count; c++) {
      if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) return SparseFail(res, 3, c, "cancelled", csr, false);
      const size_t b = firstBatch + c;
      const size_t start = b * batchSize;
      const size_t rows = start + batchSize <= n ? batchSize : n - start;
      const T* xb = nullptr;
      const T* yb;
      const T* wb = nullptr;
      const SparseBatch* sp = nullptr;
      if (csr != nullptr) {
        // Sparse rows are read in place through their indices; only targets and weights are gathered.
        for (size_t r = 0; r < rows; r++) {
          const uint32_t i = order == nullptr ? static_cast<uint32_t>(start + r) : order[start + r];
          if (i >= n) return SparseFail(res, 2, c, "row index out of range in order", csr, true);
          rowIdx_[r] = i;
          std::memcpy(yb_.data() + r * ycols_, Y + static_cast<size_t>(i) * ycols_, ycols_ * sizeof(T));
          if (W) wb_[r] = W[i];
        }
        yb = yb_.data();
        if (W) wb = wb_.data();
        sp_ = {csr->indptr, csr->indices, static_cast<const T*>(csr->values), rowIdx_.data()};
        sp = &sp_;
        Touch(sp, rows, c);
      } else if (order == nullptr) {  // contiguous rows: no copy
        xb = X + start * inputs_;
        yb = Y + start * ycols_;
        if (W) wb = W + start;
      } else {
        // Shuffled rows are random reads: prefetch a few rows ahead so the copies overlap the cache misses.
        if (xb_.size() < batchSize * inputs_) xb_.resize(batchSize * inputs_);
        constexpr size_t kAhead = 8;
        for (size_t r = 0; r < rows; r++) {
          if (r + kAhead < rows) {
            const uint32_t a = order[start + r + kAhead];
            if (a < n) {
              const char* p = reinterpret_cast<const char*>(X + static_cast<size_t>(a) * inputs_);
              for (size_t off = 0; off < inputs_ * sizeof(T); off += 64) __builtin_prefetch(p + off);
            }
          }
          const uint32_t i = order[start + r];
          if (i >= n) {
            Restore();  // invalid input: as for divergence, the chunk leaves nothing behind
            return Fail(res, 2, c, "row index out of range in order");
          }
          std::memcpy(xb_.data() + r * inputs_, X + static_cast<size_t>(i) * inputs_, inputs_ * sizeof(T));
          std::memcpy(yb_.data() + r * ycols_, Y + static_cast<size_t>(i) * ycols_, ycols_ * sizeof(T));
          if (W) wb_[r] = W[i];
        }
        xb = xb_.data();
        yb = yb_.data();
        if (W) wb = wb_.data();
      }
      if (ClassIndexTargets(spec_.loss)) {
        const T classes = static_cast<T>(NumClasses(spec_.loss, outputs_));
        for (size_t r = 0; r < rows; r++) {
          const T y = yb[r];
          if (!(y >= T(0) && y < classes && y == std::floor(y))) return SparseFail(res, 2, c, "class label out of range", csr, true);
        }
      }
      Forward(k, xb, rows, true, sp);
      const double loss =
          k.loss(spec_.loss, spec_.lossParam, rows, outputs_, Z_.back().data(), yb, wb, T(1) / static_cast<T>(rows), d0_.data()) /
          static_cast<double>(rows);
      losses[c] = loss;
      if (!std::isfinite(loss)) return SparseFail(res, 1, c, "loss", csr, true);
      Backward(k, xb, rows, sp);
      const double lr = lrs[c];
      bool ok;
      if (sp == nullptr) {
        Regularize(k);
        // The norm costs a pass over every gradient: only when asked for or needed by clipNorm. Without it a
        // non-finite gradient is still caught, by the optimizer's check of the updated parameters.
        if (gradNorms != nullptr || spec_.clipNorm > 0) {
          const double norm = GradNorm(k);
          if (gradNorms != nullptr) gradNorms[c] = norm;
          if (!std::isfinite(norm)) {
            Restore();
            return Fail(res, 1, c, "gradient");
          }
          Clip(k, norm);
        } else if (spec_.clipValue > 0) {
          Clip(k, 0);
        }
        const StepScalars s = Prepare(spec_.optimizer, ost_, lr);
        ok = Step(k, spec_.optimizer, s, layout_.total, params_.data(), grads_.data(), SlotPtr(0), SlotPtr(1),
                  SlotPtr(2));
        if (spec_.l1 > 0) ProximalL1(k, lr * spec_.l1);
      } else {
        int why = 0;
        ok = SparseStep(k, lr, c, gradNorms != nullptr ? gradNorms + c : nullptr, &why);
        if (why == 1) return SparseFail(res, 1, c, "gradient", csr, true);
      }
      if (!ok) return SparseFail(res, 1, c, "parameters or optimizer state", csr, true);
      if (spec_.averageKind != 0) Accumulate();
    }
    if (csr != nullptr) EndSparseChunk(count);
    return res;
  }

  void Predict(const void* Xv, size_t n, void* outv) override {
    const T* X = static_cast<const T*>(Xv);
    T* out = static_cast<T*>(outv);
    const KernelSet<T>& k = Kernels().Of<T>();
    for (size_t start = 0; start < n; start += B_) {
      const size_t rows = start + B_ <= n ? B_ : n - start;
      Forward(k, X + start * inputs_, rows, false, nullptr);
      std::memcpy(out + start * outputs_, Z_.back().data(), rows * outputs_ * sizeof(T));
    }
  }

  double Gradients(const void* Xv, const void* Yv, const void* Wv, size_t n, void* out) override {
    const T* X = static_cast<const T*>(Xv);
    const KernelSet<T>& k = Kernels().Of<T>();
    Forward(k, X, n, false, nullptr);
    const double loss = k.loss(spec_.loss, spec_.lossParam, n, outputs_, Z_.back().data(), static_cast<const T*>(Yv),
                               static_cast<const T*>(Wv), T(1) / static_cast<T>(n), d0_.data()) /
                        static_cast<double>(n);
    Backward(k, X, n, nullptr);
    Regularize(k);
    std::memcpy(out, grads_.data(), grads_.size() * sizeof(T));
    return loss;
  }

  static RunResult Fail(RunResult& r, int status, size_t batch, const char* what) {
    r.status = status;
    r.batch = batch;
    r.what = what;
    return r;
  }

  // ---- CSR input: the first layer's weights W0 [units, inputs] are touched column by column -------------------

  // Plain SGD: untouched weights still change every step (L2, weight decay, L1); their changes are applied just in
  // time, in closed form. Any other optimizer is lazy: untouched weights and their state do not move.
  bool ExactLazy() const {
    const OptConfig& o = spec_.optimizer;
    return o.kind == OptKind::kSgd && o.momentum == 0 && (spec_.l2 > 0 || spec_.l1 > 0 || o.weightDecay > 0);
  }

  // Buffers sized by the number of input columns, allocated on the first CSR chunk (not by dense training).
  void PrepareSparse() {
    if (cols_.size() != inputs_) {
      cols_.assign(inputs_, ColState{});
      touched_.clear();
      touched_.reserve(std::min<size_t>(inputs_, B_ * 16));
    }
    if (rowIdx_.size() < B_) rowIdx_.resize(B_);
  }

  void BeginSparseChunk(size_t count) {
    exact_ = ExactLazy();
    if (!exact_) return;
    // P[t] = prod of the per-step factors c_s for s < t, Q[t] = sum of a_s / |P[s + 1]|: the first t steps of
    // the chunk map an untouched weight w to P[t] * S_{Q[t]}(w) (S the soft threshold); see CatchUp.
    if (P_.size() < count + 1) {
      P_.resize(count + 1);
      Q_.resize(count + 1);
    }
    P_[0] = 1;
    Q_[0] = 0;
    for (ColState& c : cols_) c.last = 0;
  }

  // Collects the distinct columns of the batch's non-zeros into touched_ (each once, in first-seen order) and
  // brings their weights up to date (exact mode).
  void Touch(const SparseBatch* sp, size_t rows, size_t t) {
    touched_.clear();
    // cols_[j].mark = stamp << 32 | j's position in touched_: one read dedupes a column and finds its gradient slot.
    if (++stamp_ == (uint64_t{1} << 32)) {
      for (ColState& c : cols_) c.mark = 0;
      stamp_ = 1;
    }
    // Columns are random reads into arrays of inputs_ entries (megabytes for hashed text): prefetch a few
    // non-zeros ahead, the column state for here and the weight for Forward and CatchUp.
    constexpr int32_t kAhead = 16;
    const T* W0 = params_.data() + layout_.weightOffset[0];
    for (size_t r = 0; r < rows; r++) {
      const size_t i = sp->rows[r];
      const int32_t end = sp->indptr[i + 1];
      for (int32_t q = sp->indptr[i]; q < end; q++) {
        if (q + kAhead < end) {
          const int32_t a = sp->indices[q + kAhead];
          __builtin_prefetch(&cols_[a], 1);
          __builtin_prefetch(W0 + a, 1);
        }
        const int32_t j = sp->indices[q];
        if ((cols_[j].mark >> 32) != stamp_) {
          cols_[j].mark = (stamp_ << 32) | touched_.size();
          touched_.push_back(static_cast<uint32_t>(j));
        }
      }
    }
    const size_t m = touched_.size() * static_cast<size_t>(spec_.layers[0].units);
    if (gp_.size() < m) {
      gp_.resize(m);
      gg_.resize(m);
      for (int q = 0; q < nslots_; q++) gs_[q].resize(m);
    }
    if (exact_)
      for (uint32_t j : touched_) CatchUp(j, t);
  }

  // Applies steps last_[j] .. t-1 of the chunk to column j of W0, none of which had data on it: each step is
  // w <- S_{a_s}(c_s w) with c_s = decay - lr (l2 + wd decay) and a_s = lr l1 (the dense step on a zero data
  // gradient, then the proximal L1). S_a(c w) = c S_{a/|c|}(w) and S_a(S_b(w)) = S_{a+b}(w) compose them into
  // P[t]/P[L] * S_{|P[L]| (Q[t] - Q[L])}(w).
  void CatchUp(uint32_t j, size_t t) {
    const size_t L = cols_[j].last;
    if (L >= t) return;
    const double C = P_[t] / P_[L], A = std::fabs(P_[L]) * (Q_[t] - Q_[L]);
    const size_t units = static_cast<size_t>(spec_.layers[0].units);
    T* W = params_.data() + layout_.weightOffset[0];
    for (size_t u = 0; u < units; u++) {
      T& w = W[u * inputs_ + j];
      const double x = static_cast<double>(w);
      const double a = std::fabs(x) - A;
      w = static_cast<T>(A == 0 ? x * C : a > 0 ? std::copysign(a, x) * C : 0.0);
    }
    cols_[j].last = t;
  }

  // Step t of the chunk done: record its factor and threshold; every column the step touched is current at t + 1.
  void AfterSparseStep(const StepScalars& s, double lr, size_t t) {
    if (!exact_) return;
    for (uint32_t j : touched_) cols_[j].last = t + 1;
    const double c = s.decay - lr * (spec_.l2 + s.wd * s.decay);
    const double a = lr * spec_.l1;
    P_[t + 1] = P_[t] * c;
    Q_[t + 1] = Q_[t] + (P_[t + 1] != 0 ? a / std::fabs(P_[t + 1]) : 0);
    if (std::fabs(P_[t + 1]) > 1e-150) return;
    // The product underflows (large lr * l2 over a long chunk) or a factor is 0: bring every untouched column up
    // to date through step t one by one, and start the products again.
    const size_t units = static_cast<size_t>(spec_.layers[0].units);
    T* W = params_.data() + layout_.weightOffset[0];
    for (size_t j = 0; j < inputs_; j++) {
      if (cols_[j].last == t + 1) continue;
      CatchUp(static_cast<uint32_t>(j), t);
      for (size_t u = 0; u < units; u++) {
        T& w = W[u * inputs_ + j];
        const double x = c * static_cast<double>(w), m = std::fabs(x) - a;
        w = static_cast<T>(m > 0 ? std::copysign(m, x) : 0.0);
      }
    }
    P_[t + 1] = 1;
    Q_[t + 1] = 0;
    for (ColState& c : cols_) c.last = t + 1;
  }

  void EndSparseChunk(size_t count) {
    if (!exact_) return;
    for (size_t j = 0; j < inputs_; j++) CatchUp(static_cast<uint32_t>(j), count);
  }

  RunResult SparseFail(RunResult& r, int status, size_t batch, const char* what, const CsrView* csr, bool restore) {
    if (restore) Restore();  // invalid input or divergence: the chunk leaves nothing behind
    else if (csr != nullptr) EndSparseChunk(batch);  // cancelled: the weights so far, brought up to date
    return Fail(r, status, batch, what);
  }

  // The step on CSR rows: W0's touched columns (gathered into contiguous buffers so the optimizer kernels run on
  // them unchanged) and the dense rest of the parameters [W0 end, total). Coupled L2 enters the gradient of the
  // touched columns only; the gradient norm (clipNorm, gradNorms) is over those and the rest. *why = 1 for a
  // non-finite gradient norm.
  bool SparseStep(const KernelSet<T>& k, double lr, size_t t, double* gradNorm, int* why) {
    const size_t units = static_cast<size_t>(spec_.layers[0].units);
    const size_t m = touched_.size() * units;
    const size_t w0 = layout_.weightOffset[0], rest = w0 + units * inputs_, nrest = layout_.total - rest;
    T* P = params_.data();
    T* G = grads_.data();
    size_t e = 0;
    for (uint32_t j : touched_)  // gg_ already holds the gradients (Backward)
      for (size_t u = 0; u < units; u++, e++) {
        const size_t at = w0 + u * inputs_ + j;
        gp_[e] = P[at];
        for (int q = 0; q < nslots_; q++) gs_[q][e] = slots_[q][at];
      }
    if (spec_.l2 > 0) {
      const T l2 = static_cast<T>(spec_.l2);
      k.axpy(m, l2, gp_.data(), gg_.data());
      ForPenalizedRest([&](size_t off, size_t len) { k.axpy(len, l2, P + off, G + off); });
    }
    if (gradNorm != nullptr || spec_.clipNorm > 0) {
      const double norm = std::sqrt(k.sumSquares(m, gg_.data()) + k.sumSquares(nrest, G + rest));
      if (gradNorm != nullptr) *gradNorm = norm;
      if (!std::isfinite(norm)) {
        *why = 1;
        return false;
      }
      if (spec_.clipValue > 0) {
        k.clamp(m, static_cast<T>(spec_.clipValue), gg_.data());
        k.clamp(nrest, static_cast<T>(spec_.clipValue), G + rest);
      }
      if (spec_.clipNorm > 0) {
        const double coef = spec_.clipNorm / (norm + 1e-6);
        if (coef < 1.0) {
          k.scale(m, static_cast<T>(coef), gg_.data());
          k.scale(nrest, static_cast<T>(coef), G + rest);
        }
      }
    } else if (spec_.clipValue > 0) {
      k.clamp(m, static_cast<T>(spec_.clipValue), gg_.data());
      k.clamp(nrest, static_cast<T>(spec_.clipValue), G + rest);
    }
    const StepScalars s = Prepare(spec_.optimizer, ost_, lr);
    auto sl = [&](int q, T* dense) -> T* { return q < nslots_ ? (dense ? slots_[q].data() + rest : gs_[q].data()) : nullptr; };
    bool ok = Step(k, spec_.optimizer, s, m, gp_.data(), gg_.data(), sl(0, nullptr), sl(1, nullptr), sl(2, nullptr));
    ok = Step(k, spec_.optimizer, s, nrest, P + rest, G + rest, sl(0, P), sl(1, P), sl(2, P)) && ok;
    if (spec_.l1 > 0) {
      const T thr = static_cast<T>(lr * spec_.l1);
      k.softThreshold(m, thr, gp_.data());
      ForPenalizedRest([&](size_t off, size_t len) { k.softThreshold(len, thr, P + off); });
    }
    e = 0;
    for (uint32_t j : touched_)
      for (size_t u = 0; u < units; u++, e++) {
        const size_t at = w0 + u * inputs_ + j;
        P[at] = gp_[e];
        for (int q = 0; q < nslots_; q++) slots_[q][at] = gs_[q][e];
      }
    AfterSparseStep(s, lr, t);
    return ok;
  }

  // The penalized ranges other than W0 (layer 0's bias when penalizeBias, every later layer).
  template <typename F>
  void ForPenalizedRest(F f) {
    for (size_t l = 0; l < spec_.layers.size(); l++) {
      const auto& L = spec_.layers[l];
      if (l > 0) f(layout_.weightOffset[l], static_cast<size_t>(L.units * L.inputs));
      if (spec_.penalizeBias && L.useBias) f(layout_.biasOffset[l], static_cast<size_t>(L.units));
    }
  }

  T* SlotPtr(int i) { return i < nslots_ ? slots_[i].data() : nullptr; }

  const T* LayerOut(size_t l) const {
    return spec_.layers[l].activation == Act::kLinear ? Z_[l].data() : A_[l].data();
  }

  // What layer l feeds the next one while training: the dropped-out copy when it has dropout.
  const T* Fed(size_t l) const { return dropped_ && spec_.layers[l].dropout > 0 ? D_[l].data() : LayerOut(l); }

  void Forward(const KernelSet<T>& k, const T* X, size_t rows, bool training, const SparseBatch* sp) {
    dropped_ = training;
    const T* in = X;
    for (size_t l = 0; l < spec_.layers.size(); l++) {
      const auto& L = spec_.layers[l];
      const int units = static_cast<int>(L.units), inputs = static_cast<int>(L.inputs);
      const T* W = params_.data() + layout_.weightOffset[l];
      T* Z = Z_[l].data();
      // Z[rows, units] = in[rows, inputs] * W^T  (W stored [units, inputs])
      if (l == 0 && sp != nullptr) {
        // CSR rows: Z[r, u] = sum over the row's non-zeros v at column j of v * W[u, j].
        const size_t U = static_cast<size_t>(units);
        std::fill(Z, Z + rows * U, T(0));
        for (size_t r = 0; r < rows; r++) {
          const size_t i = sp->rows[r];
          T* z = Z + r * U;
          for (int32_t q = sp->indptr[i]; q < sp->indptr[i + 1]; q++) {
            const size_t j = static_cast<size_t>(sp->indices[q]);
            const T v = sp->values[q];
            for (size_t u = 0; u < U; u++) z[u] += v * W[u * inputs_ + j];
          }
        }
      } else if (units == 1)
        Gemv(false, static_cast<int>(rows), inputs, in, inputs, W, Z);
      else
        Gemm(k, false, true, static_cast<int>(rows), units, inputs, T(1), in, inputs, W, inputs, T(0), Z, units);
      const T* b = L.useBias ? params_.data() + layout_.biasOffset[l] : nullptr;
      T* A = L.activation == Act::kLinear ? Z : A_[l].data();
      k.biasActivate(L.activation, static_cast<T>(L.activationParam), rows, static_cast<size_t>(units), b, Z, A);
      in = A;
      if (training && L.dropout > 0) {
        // Inverted dropout (Srivastava et al. 2014): keep with probability 1 - rate, scale kept units by
        // 1/(1 - rate) so predict needs no rescaling. One uniform draw per element, row-major (as lib/backend/js).
        const T keep = static_cast<T>(1.0 / (1.0 - L.dropout));
        T* M = M_[l].data();
        T* D = D_[l].data();
        for (size_t i = 0; i < rows * static_cast<size_t>(units); i++) {
          M[i] = rng_.Uniform() >= L.dropout ? keep : T(0);
          D[i] = A[i] * M[i];
        }
        in = D;
      }
    }
  }

  // Expects dLoss/dZ of the last layer in d0_.
  void Backward(const KernelSet<T>& k, const T* X, size_t rows, const SparseBatch* sp) {
    T* delta = d0_.data();
    T* next = d1_.data();
    for (size_t li = spec_.layers.size(); li-- > 0;) {
      const auto& L = spec_.layers[li];
      const int units = static_cast<int>(L.units), inputs = static_cast<int>(L.inputs);
      const T* Ain = li == 0 ? X : Fed(li - 1);
      T* gW = grads_.data() + layout_.weightOffset[li];
      // gW[units, inputs] = delta^T[units, rows] * Ain[rows, inputs]
      if (li == 0 && sp != nullptr) {
        // CSR rows: the sparse outer products, into gg_ in touched_ order (column-major by touched column:
        // gg_[pos * units + u]); gW itself is not written.
        const size_t U = static_cast<size_t>(units);
        std::fill(gg_.begin(), gg_.begin() + static_cast<std::ptrdiff_t>(touched_.size() * U), T(0));
        for (size_t r = 0; r < rows; r++) {
          const size_t i = sp->rows[r];
          const T* d = delta + r * U;
          for (int32_t q = sp->indptr[i]; q < sp->indptr[i + 1]; q++) {
            const size_t pos = static_cast<size_t>(cols_[sp->indices[q]].mark & 0xffffffffu);
            const T v = sp->values[q];
            T* g = gg_.data() + pos * U;
            for (size_t u = 0; u < U; u++) g[u] += d[u] * v;
          }
        }
      } else if (units == 1)
        Gemv(true, static_cast<int>(rows), inputs, Ain, inputs, delta, gW);
      else
        Gemm(k, true, false, units, inputs, static_cast<int>(rows), T(1), delta, units, Ain, inputs, T(0), gW, inputs);
      if (L.useBias) {
        T* gb = grads_.data() + layout_.biasOffset[li];
        double* cs = colsum_.data();
        for (int j = 0; j < units; j++) cs[j] = 0.0;
        for (size_t r = 0; r < rows; r++) {
          const T* d = delta + r * static_cast<size_t>(units);
          for (int j = 0; j < units; j++) cs[j] += static_cast<double>(d[j]);
        }
        for (int j = 0; j < units; j++) gb[j] = static_cast<T>(cs[j]);
      }
      if (li > 0) {
        const T* W = params_.data() + layout_.weightOffset[li];
        // next[rows, inputs] = delta[rows, units] * W[units, inputs]
        Gemm(k, false, false, static_cast<int>(rows), inputs, units, T(1), delta, units, W, inputs, T(0), next, inputs);
        const auto& P = spec_.layers[li - 1];
        if (dropped_ && P.dropout > 0) {
          const T* M = M_[li - 1].data();
          for (size_t i = 0; i < rows * static_cast<size_t>(inputs); i++) next[i] *= M[i];
        }
        k.activationBackward(P.activation, static_cast<T>(P.activationParam), rows * static_cast<size_t>(inputs),
                           Z_[li - 1].data(), LayerOut(li - 1), next);
        T* t = delta;
        delta = next;
        next = t;
      }
    }
  }

  template <typename F>
  void ForPenalized(F f) {
    for (size_t l = 0; l < spec_.layers.size(); l++) {
      const auto& L = spec_.layers[l];
      f(layout_.weightOffset[l], static_cast<size_t>(L.units * L.inputs));
      if (spec_.penalizeBias && L.useBias) f(layout_.biasOffset[l], static_cast<size_t>(L.units));
    }
  }

  void Regularize(const KernelSet<T>& k) {
    if (spec_.l2 <= 0) return;
    const T l2 = static_cast<T>(spec_.l2);
    ForPenalized([&](size_t off, size_t len) { k.axpy(len, l2, params_.data() + off, grads_.data() + off); });
  }

  // Global L2 norm of the gradient, accumulated in double. A float64 sum of squares overflows long before the
  // norm does (every element 1e200 is finite, its square is not): then it is recomputed scaled by the largest
  // |g| (LAPACK dnrm2's idea). A non-finite element still gives a non-finite norm, which stops the chunk.
  double GradNorm(const KernelSet<T>& k) const {
    const T* g = grads_.data();
    const size_t n = grads_.size();
    const double s = k.sumSquares(n, g);
    if (std::isfinite(s)) return std::sqrt(s);
    double m = 0;
    for (size_t i = 0; i < n; i++) {
      const double a = std::fabs(static_cast<double>(g[i]));
      if (!std::isfinite(a)) return std::sqrt(s);
      if (a > m) m = a;
    }
    double t = 0;  // each term <= 1, so t <= n
    for (size_t i = 0; i < n; i++) {
      const double x = static_cast<double>(g[i]) / m;
      t += x * x;
    }
    return m * std::sqrt(t);
  }

  void Clip(const KernelSet<T>& k, double norm) {
    if (spec_.clipValue > 0) k.clamp(grads_.size(), static_cast<T>(spec_.clipValue), grads_.data());
    if (spec_.clipNorm > 0) {
      const double coef = spec_.clipNorm / (norm + 1e-6);  // torch.nn.utils.clip_grad_norm_
      if (coef < 1.0) k.scale(grads_.size(), static_cast<T>(coef), grads_.data());
    }
  }

  // Soft-threshold: the proximal step of lr*l1*|w|, so weights reach exact zeros.
  void ProximalL1(const KernelSet<T>& k, double thr) {
    const T t = static_cast<T>(thr);
    ForPenalized([&](size_t off, size_t len) { k.softThreshold(len, t, params_.data() + off); });
  }

  // The averaged weights after step t = ost_.step (counted from averageStart): the running mean
  // avg += (p - avg) / c (Polyak & Juditsky 1992; scikit-learn's ASGD), or the EMA avg = d*avg + (1 - d)*p, both
  // starting from a copy of p (torch.optim.swa_utils.AveragedModel).
  void Accumulate() {
    const int64_t t = ost_.step;
    if (t < spec_.averageStart) return;
    const int64_t c = t - spec_.averageStart + 1;
    T* a = avg_.data();
    const T* p = params_.data();
    const size_t n = avg_.size();
    if (c == 1) {
      std::memcpy(a, p, n * sizeof(T));
    } else if (spec_.averageKind == 1) {
      const T cc = static_cast<T>(c);
      for (size_t i = 0; i < n; i++) a[i] = a[i] + (p[i] - a[i]) / cc;
    } else {
      const T d = static_cast<T>(spec_.averageDecay), e = static_cast<T>(1.0 - spec_.averageDecay);
      for (size_t i = 0; i < n; i++) a[i] = d * a[i] + e * p[i];
    }
  }

  void Snapshot() {
    if (!avg_.empty()) std::memcpy(snapAvg_.data(), avg_.data(), avg_.size() * sizeof(T));
    std::memcpy(snapParams_.data(), params_.data(), params_.size() * sizeof(T));
    for (int s = 0; s < nslots_; s++) std::memcpy(snapSlots_[s].data(), slots_[s].data(), slots_[s].size() * sizeof(T));
    snapOst_ = ost_;
  }

  void Restore() {
    if (!avg_.empty()) std::memcpy(avg_.data(), snapAvg_.data(), avg_.size() * sizeof(T));
    std::memcpy(params_.data(), snapParams_.data(), params_.size() * sizeof(T));
    for (int s = 0; s < nslots_; s++) std::memcpy(slots_[s].data(), snapSlots_[s].data(), slots_[s].size() * sizeof(T));
    ost_ = snapOst_;
  }

  NetworkSpec spec_;
  Layout layout_;
  size_t inputs_ = 0, outputs_ = 0, ycols_ = 0, B_ = 0;
  int nslots_ = 0;
  std::vector<T> params_, grads_, snapParams_;
  std::vector<T> slots_[3], snapSlots_[3];
  std::vector<T> avg_, snapAvg_;  // averaged weights (spec_.averageKind != 0) and their chunk-start snapshot
  OptGlobalState ost_, snapOst_;
  Rng rng_;
  std::vector<T> xb_, yb_, wb_, d0_, d1_;
  std::vector<std::vector<T>> Z_, A_, M_, D_;  // pre-activation, activation, dropout mask, dropped output
  std::vector<double> colsum_;
  // CSR input (allocated on first use): the batch's row indices, its distinct columns, the per-column state, and
  // for exact lazy SGD the chunk's products P_ and sums Q_.
  std::vector<uint32_t> rowIdx_, touched_;
  // Per input column, side by side so a touched column costs one cache miss: the dedupe stamp and gradient slot
  // (mark), and the step it is current at (last, exact lazy SGD).
  struct ColState {
    uint64_t mark = 0;
    uint64_t last = 0;
  };
  static_assert(sizeof(ColState) == kCsrColumnBytes, "kCsrColumnBytes (trainer.h) is what setDataCsr accounts");
  std::vector<ColState> cols_;
  std::vector<double> P_, Q_;
  std::vector<T> gp_, gg_, gs_[3];  // touched W0 entries gathered: params, gradients, optimizer slots
  SparseBatch sp_;
  uint64_t stamp_ = 0;
  bool exact_ = false;
  bool dropped_ = false;  // the last Forward applied dropout masks (training), so Backward must too
};

}  // namespace

uint64_t TrainerBytes(const NetworkSpec& spec) {
  const Layout layout = MakeLayout(spec);
  const uint64_t sz = DtypeBytes(spec.dtype);
  const uint64_t B = static_cast<uint64_t>(spec.maxBatch);
  const uint64_t P = layout.total;
  const uint64_t slots = static_cast<uint64_t>(NumSlots(spec.optimizer));
  uint64_t elems = P * (3 + 2 * slots);  // params, grads, snapshot; each slot and its snapshot
  if (spec.averageKind != 0) elems += 2 * P;  // averaged weights and their snapshot
  elems += B * static_cast<uint64_t>(spec.layers.front().inputs);
  elems += B * TargetCols(spec.loss, static_cast<size_t>(spec.layers.back().units));
  elems += B;
  for (const auto& L : spec.layers) {
    const uint64_t u = static_cast<uint64_t>(L.units);
    elems += B * u;
    if (L.activation != Act::kLinear) elems += B * u;
    if (L.dropout > 0) elems += 2 * B * u;
  }
  elems += 2 * B * layout.maxWidth;
  return elems * sz + layout.maxWidth * sizeof(double);
}

uint64_t TrainerGatherBytes(const NetworkSpec& spec) {
  return static_cast<uint64_t>(spec.maxBatch) * static_cast<uint64_t>(spec.layers.front().inputs) * DtypeBytes(spec.dtype);
}

std::unique_ptr<TrainerBase> MakeTrainer(const NetworkSpec& spec) {
  if (spec.f64()) return std::make_unique<Trainer<double>>(spec);
  return std::make_unique<Trainer<float>>(spec);
}

}  // namespace descent
