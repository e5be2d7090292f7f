#include "trainer_wrap.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <new>

#include "args.h"

namespace descent::binding {
namespace {

constexpr int64_t kMaxDim = int64_t(1) << 24;           // per layer width / input size
constexpr uint64_t kMaxElements = uint64_t(1) << 31;    // params or workspace elements
constexpr int64_t kMaxRows = (int64_t(1) << 32) - 1;    // row indices are uint32

// Bounds of the spec's numeric fields, shared with the facade's validation (lib/engine/spec.ts SPEC_BOUNDS).
struct Bound {
  double lo, hi;
};
#define DESCENT_SPEC_BOUND(name, lo, hi) constexpr Bound kBound_##name{lo, hi};
#include "../kernels/spec.def"

napi_typedarray_type FloatType(bool f64) { return f64 ? napi_float64_array : napi_float32_array; }
const char* FloatName(bool f64) { return f64 ? "Float64Array" : "Float32Array"; }

// Names of the spec.def lists, indexed by their enums' values.
constexpr const char* kDtypeNames[] = {
#define DESCENT_DTYPE(e, name, bytes) name,
#include "../kernels/spec.def"
};
constexpr const char* kActivationNames[] = {
#define DESCENT_ACTIVATION(e, name, paramDefault) name,
#include "../kernels/spec.def"
};
constexpr const char* kLossNames[] = {
#define DESCENT_LOSS(e, name, cols, ...) name,
#include "../kernels/spec.def"
};
constexpr const char* kKernelNames[] = {
#define DESCENT_KERNEL(e, name) name,
#include "../kernels/spec.def"
};

template <typename E, size_t N>
E ParseName(Napi::Env env, const Napi::Value& v, const std::string& name, const char* const (&names)[N]) {
  return static_cast<E>(RequireName(env, v, name, names, N));
}

// One kernel field, by its C++ type in spec.def.
template <typename F>
F ReadField(Napi::Env env, const Napi::Object& o, const char* key, const std::string& name, double lo, double hi);
template <>
double ReadField<double>(Napi::Env env, const Napi::Object& o, const char* key, const std::string& name, double lo,
                         double hi) {
  return PropNumber(env, o, key, name, lo, hi);
}
template <>
bool ReadField<bool>(Napi::Env env, const Napi::Object& o, const char* key, const std::string& name, double, double) {
  return PropBool(env, o, key, name);
}

}  // namespace

Dtype ParseDtype(Napi::Env env, const Napi::Value& v, const std::string& name) {
  return ParseName<Dtype>(env, v, name, kDtypeNames);
}

// { kernel: name, ...every DESCENT_KERNEL_FIELD } (lib/engine/spec.ts KernelConfig), each field range-checked.
OptConfig ParseOptimizer(Napi::Env env, const Napi::Value& v, const std::string& name) {
  Napi::Object o = RequireObject(env, v, name);
  OptConfig c;
  c.kind = ParseName<OptKind>(env, o.Get("kernel"), name + ".kernel", kKernelNames);
#define DESCENT_KERNEL_FIELD(type, field, def, lo, hi) c.field = ReadField<type>(env, o, #field, name, lo, hi);
#include "../kernels/spec.def"
  return c;
}

NetworkSpec ParseSpec(Napi::Env env, const Napi::Value& v) {
  Napi::Object o = RequireObject(env, v, "spec");
  NetworkSpec s;
  s.dtype = ParseDtype(env, o.Get("dtype"), "spec.dtype");
  Napi::Value lv = o.Get("layers");
  if (!lv.IsArray()) Expected(env, ErrKind::kOption, "spec.layers", "an array of layers", lv);
  Napi::Array layers = lv.As<Napi::Array>();
  const uint32_t L = layers.Length();
  if (L < 1 || L > 1024) Expected(env, ErrKind::kOption, "spec.layers", "1 to 1024 layers", lv);
  uint64_t total = 0, maxWidth = 0;
  for (uint32_t i = 0; i < L; i++) {
    const std::string nm = "spec.layers[" + std::to_string(i) + "]";
    Napi::Object lo = RequireObject(env, layers.Get(i), nm);
    LayerSpec ls;
    ls.inputs = RequireInt(env, lo.Get("inputs"), nm + ".inputs", 1, kMaxDim);
    ls.units = RequireInt(env, lo.Get("units"), nm + ".units", 1, kMaxDim);
    ls.activation = ParseName<Act>(env, lo.Get("activation"), nm + ".activation", kActivationNames);
    ls.activationParam = PropNumber(env, lo, "activationParam", nm, kBound_activationParam.lo, kBound_activationParam.hi);
    ls.useBias = PropBool(env, lo, "useBias", nm);
    ls.dropout = PropNumber(env, lo, "dropout", nm, kBound_dropout.lo, kBound_dropout.hi);
    if (i > 0 && ls.inputs != s.layers.back().units)
      Throw(env, ErrKind::kShape, nm + ".inputs", nm + ".inputs must equal the previous layer's units");
    total += static_cast<uint64_t>(ls.inputs) * static_cast<uint64_t>(ls.units) + static_cast<uint64_t>(ls.units);
    if (total > kMaxElements) Throw(env, ErrKind::kShape, "spec.layers", "the network has too many parameters");
    maxWidth = std::max<uint64_t>(maxWidth, std::max(ls.inputs, ls.units));
    s.layers.push_back(ls);
  }
  if (s.layers.back().dropout != 0)
    Throw(env, ErrKind::kOption, "spec.layers", "the last layer cannot have dropout: the loss head takes its logits");
  if (s.layers.back().activation != Act::kLinear)
    Throw(env, ErrKind::kOption, "spec.layers", "the last layer must be linear: the loss head takes logits");
  s.loss = ParseName<Loss>(env, o.Get("loss"), "spec.loss", kLossNames);
  // Absent in specs written before the parameter existed: the head's default.
  const Napi::Value lp = o.Get("lossParam");
  if (lp.IsUndefined()) {
    s.lossParam = LossParamDefault(s.loss);
  } else {
    s.lossParam = PropNumber(env, o, "lossParam", "spec", -1e300, 1e300);
    if (const char* why = LossParamProblem(s.loss, s.lossParam))
      Throw(env, ErrKind::kOption, "spec.lossParam", std::string("spec.lossParam ") + std::to_string(s.lossParam) + ": " + why);
  }
  s.optimizer = ParseOptimizer(env, o.Get("optimizer"), "spec.optimizer");
  s.l1 = PropNumber(env, o, "l1", "spec", kBound_l1.lo, kBound_l1.hi);
  s.l2 = PropNumber(env, o, "l2", "spec", kBound_l2.lo, kBound_l2.hi);
  s.penalizeBias = PropBool(env, o, "penalizeBias", "spec");
  s.clipNorm = PropNumber(env, o, "clipNorm", "spec", kBound_clipNorm.lo, kBound_clipNorm.hi);
  s.clipValue = PropNumber(env, o, "clipValue", "spec", kBound_clipValue.lo, kBound_clipValue.hi);
  s.maxBatch = RequireInt(env, o.Get("maxBatch"), "spec.maxBatch", 1, kMaxDim);
  // Optional: { kind: 'mean' | 'ema', start, decay } (absent: no averaging).
  const Napi::Value av = o.Get("average");
  if (!av.IsUndefined() && !av.IsNull()) {
    if (!av.IsObject()) Throw(env, ErrKind::kOption, "spec.average", "spec.average must be an object { kind, start, decay }");
    const Napi::Object ao = av.As<Napi::Object>();
    constexpr const char* kAverageKinds[] = {"none", "mean", "ema"};
    s.averageKind = static_cast<int>(ParseName<int32_t>(env, ao.Get("kind"), "spec.average.kind", kAverageKinds));
    s.averageStart = RequireInt(env, ao.Get("start"), "spec.average.start", 1, int64_t(1) << 53);
    s.averageDecay = PropNumber(env, ao, "decay", "spec.average", 0, 1);
    if (s.averageKind == 2 && !(s.averageDecay < 1))
      Throw(env, ErrKind::kOption, "spec.average.decay", "spec.average.decay must be below 1");
  }
  if (static_cast<uint64_t>(s.maxBatch) * maxWidth > kMaxElements)
    Throw(env, ErrKind::kShape, "spec.maxBatch", "maxBatch times the widest layer is too large for one workspace");
  return s;
}

// Runs a chunk of batches on a libuv worker. Every buffer it reads or writes is held by a reference until
// OnOK/OnError, so GC cannot free it mid-run; the trainer is marked busy for the same span. If the environment is
// torn down meanwhile (worker.terminate(), process exit in a worker), an env cleanup hook cancels the chunk at the
// next batch and waits for it, so the buffers and the trainer are never freed under the running thread.
class RunWorker : public Napi::AsyncWorker {
 public:
  RunWorker(Napi::Env env, TrainerWrap* wrap, Napi::Object self, Napi::Object keep, std::shared_ptr<void> data,
            const void* X, const void* Y, const void* W, size_t n, const uint32_t* order, size_t batchSize,
            size_t first, size_t count, std::vector<double> lrs, bool wantNorms, const CsrView* csr = nullptr)
      : Napi::AsyncWorker(env, "descent:runBatches"),
        deferred_(Napi::Promise::Deferred::New(env)),
        wrap_(wrap), trainer_(wrap->trainer()), data_(std::move(data)), X_(X), Y_(Y), W_(W), n_(n), order_(order),
        batchSize_(batchSize), first_(first), count_(count), lrs_(std::move(lrs)), losses_(count_, 0.0),
        norms_(wantNorms ? count_ : 0, 0.0), wantNorms_(wantNorms), sync_(std::make_shared<Sync>()) {
    keep_ = Napi::Persistent(keep);
    keep_.Set("self", self);
    hooked_ = napi_add_env_cleanup_hook(env, &RunWorker::Teardown, sync_.get()) == napi_ok;
    if (csr != nullptr) {
      csr_ = *csr;
      hasCsr_ = true;
    }
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      if (hasCsr_)
        result_ = trainer_->RunBatchesCsr(csr_, Y_, W_, n_, order_, batchSize_, first_, count_, lrs_.data(), losses_.data(),
                                          wantNorms_ ? norms_.data() : nullptr, &sync_->cancel);
      else
        result_ = trainer_->RunBatches(X_, Y_, W_, n_, order_, batchSize_, first_, count_, lrs_.data(), losses_.data(),
                                       wantNorms_ ? norms_.data() : nullptr, &sync_->cancel);
    } catch (const std::bad_alloc&) {
      SetError("out of memory");
    } catch (const std::exception& e) {
      SetError(e.what());
    }
    std::lock_guard<std::mutex> g(sync_->mu);
    sync_->done = true;
    sync_->cv.notify_all();
  }
  void OnOK() override {
    Unhook();
    wrap_->SetBusy(false);
    try {
      Napi::Env env = Env();
      // Results go back into the caller's arrays only now, on the JS thread, and only if they still hold them.
      CopyBack(keep_.Get("losses"), losses_);
      if (wantNorms_) CopyBack(keep_.Get("gradNorms"), norms_);
      Napi::Object r = Napi::Object::New(env);
      r.Set("status", result_.status);
      r.Set("batch", static_cast<double>(result_.batch));
      r.Set("what", result_.what);
      deferred_.Resolve(r);
    } catch (...) {
      // The environment is shutting down: nobody is left to receive the result.
    }
  }
  void OnError(const Napi::Error& e) override {
    Unhook();
    wrap_->SetBusy(false);
    try {
      deferred_.Reject(e.Value());
    } catch (...) {
    }
  }

 private:
  struct Sync {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::atomic<bool> cancel{false};
  };
  void CopyBack(Napi::Value v, const std::vector<double>& src) {
    if (!v.IsTypedArray()) return;
    Napi::TypedArray a = v.As<Napi::TypedArray>();
    if (a.TypedArrayType() != napi_float64_array || a.ElementLength() < src.size()) return;
    void* p = RawData(Env(), a);
    if (p != nullptr && !src.empty()) std::memcpy(p, src.data(), src.size() * sizeof(double));
  }
  static void Teardown(void* arg) {
    auto* s = static_cast<Sync*>(arg);
    s->cancel.store(true);
    std::unique_lock<std::mutex> g(s->mu);
    s->cv.wait(g, [s] { return s->done; });
  }
  void Unhook() {
    if (hooked_) napi_remove_env_cleanup_hook(Env(), &RunWorker::Teardown, sync_.get());
    hooked_ = false;
  }

  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference keep_;
  TrainerWrap* wrap_;
  std::shared_ptr<TrainerBase> trainer_;
  std::shared_ptr<void> data_;  // keeps the copied training data alive while the worker reads it
  const void* X_;
  const void* Y_;
  const void* W_;
  size_t n_;
  const uint32_t* order_;
  size_t batchSize_, first_, count_;
  std::vector<double> lrs_, losses_, norms_;
  bool wantNorms_;
  RunResult result_;
  std::shared_ptr<Sync> sync_;
  bool hooked_ = false;
  CsrView csr_;
  bool hasCsr_ = false;
};

Napi::Function TrainerWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeTrainer",
                     {InstanceMethod<&TrainerWrap::Initialize>("initialize"),
                      InstanceMethod<&TrainerWrap::SetData>("setData"),
                      InstanceMethod<&TrainerWrap::SetDataCsr>("setDataCsr"),
                      InstanceMethod<&TrainerWrap::PredictCsr>("predictCsr"),
                      InstanceMethod<&TrainerWrap::ClearData>("clearData"),
                      InstanceMethod<&TrainerWrap::Shuffle>("shuffle"),
                      InstanceMethod<&TrainerWrap::RunBatches>("runBatches"),
                      InstanceMethod<&TrainerWrap::Predict>("predict"),
                      InstanceMethod<&TrainerWrap::Gradients>("gradients"),
                      InstanceMethod<&TrainerWrap::GetParams>("getParams"),
                      InstanceMethod<&TrainerWrap::SetParams>("setParams"),
                      InstanceMethod<&TrainerWrap::GetSlot>("getSlot"),
                      InstanceMethod<&TrainerWrap::GetAverage>("getAverage"),
                      InstanceMethod<&TrainerWrap::SetAverage>("setAverage"),
                      InstanceMethod<&TrainerWrap::SetSlot>("setSlot"),
                      InstanceMethod<&TrainerWrap::GetState>("getState"),
                      InstanceMethod<&TrainerWrap::SetState>("setState"),
                      InstanceMethod<&TrainerWrap::Dispose>("dispose"),
                      InstanceMethod<&TrainerWrap::IsBusy>("isBusy")});
}

TrainerWrap::TrainerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TrainerWrap>(info) {
  Napi::Env env = info.Env();
  NetworkSpec spec = ParseSpec(env, info[0]);
  const uint64_t bytes = TrainerBytes(spec);
  RequireMemory(env, bytes, "spec", "The trainer (parameters, gradients, optimizer state and a workspace of spec.maxBatch rows)");
  try {
    trainer_ = MakeTrainer(spec);
  } catch (const std::bad_alloc&) {
    Throw(env, ErrKind::kShape, "spec", "not enough memory for the trainer's parameters and workspace");
  }
  // Reported to V8 as what is allocated now: the dense gather buffer comes (if ever) with the first shuffled dense
  // chunk, and reporting gigabytes that a CSR model never allocates made V8 collect garbage at every trainer.
  Account(env, static_cast<int64_t>(bytes - TrainerGatherBytes(spec)));
}

// Native memory is invisible to V8 unless reported: without this, trainers dropped without dispose() would be
// collected only when some other allocation happens to trigger a GC.
void TrainerWrap::Account(Napi::Env env, int64_t delta) {
  if (delta == 0) return;
  int64_t ignored = 0;
  napi_adjust_external_memory(env, delta, &ignored);
  reported_ += delta;
}

void TrainerWrap::Finalize(Napi::Env env) {
  if (reported_ != 0) Account(env, -reported_);
}

void TrainerWrap::RequireIdle(Napi::Env env, const char* method) {
  if (!trainer_) Throw(env, ErrKind::kState, method, std::string("Cannot call ") + method + ": the trainer was disposed");
  if (busy_)
    Throw(env, ErrKind::kState, method,
          std::string("Cannot call ") + method + " while the trainer is busy: await the running call first");
}

Napi::Value TrainerWrap::Initialize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireIdle(env, "initialize");
  const int64_t seed = RequireInt(env, info[0], "seed", 0, 4294967295LL);
  trainer_->Initialize(static_cast<uint32_t>(seed));
  return env.Undefined();
}

// setData(X, Y, n, weights?): takes the training rows (see Data: X in place or staged per chunk, never copied whole).
Napi::Value TrainerWrap::SetData(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireIdle(env, "setData");
  const NetworkSpec& s = trainer_->Spec();
  const int64_t n = RequireInt(env, info[2], "n", 1, kMaxRows);
  const uint64_t inputs = static_cast<uint64_t>(s.layers.front().inputs);
  const uint64_t ycols = TargetCols(s.loss, static_cast<size_t>(s.layers.back().units));
  Napi::TypedArray X = RequireTypedArray(env, info[0], FloatType(s.f64()), FloatName(s.f64()), "X");
  Napi::TypedArray Y = RequireTypedArray(env, info[1], FloatType(s.f64()), FloatName(s.f64()), "y");
  Napi::TypedArray W;
  const bool weighted = info.Length() > 3 && !info[3].IsNull() && !info[3].IsUndefined();
  if (weighted) W = RequireTypedArray(env, info[3], FloatType(s.f64()), FloatName(s.f64()), "sampleWeight");
  // Lengths are checked after every argument was read (reading one may run JS that detaches another).
  RequireLength(env, X, static_cast<uint64_t>(n) * inputs, "X", "n * inputs");
  RequireLength(env, Y, static_cast<uint64_t>(n) * ycols, "y", "n * targetColumns");
  if (weighted) RequireLength(env, W, static_cast<uint64_t>(n), "sampleWeight", "n");
  // X in a native buffer descent allocated is read in place; JS memory is staged per chunk (see Data).
  io::BufferPtr xOwner = io::Find(RawData(env, X), X.ByteLength());
  const uint64_t dataBytes = Y.ByteLength() + (weighted ? W.ByteLength() : 0) + static_cast<uint64_t>(n) * sizeof(uint32_t);
  RequireMemory(env, dataBytes, "y", "The native copy of the targets, sample weights and row order");
  ReleaseData(env);
  auto d = std::make_shared<Data>();
  const size_t elem = s.f64() ? sizeof(double) : sizeof(float);
  try {
    if (xOwner) {
      d->xOwner = std::move(xOwner);
      d->x = static_cast<const unsigned char*>(RawData(env, X));
    }
    d->Y.assign(static_cast<unsigned char*>(RawData(env, Y)), static_cast<unsigned char*>(RawData(env, Y)) + Y.ByteLength());
    if (weighted) d->W.assign(static_cast<unsigned char*>(RawData(env, W)), static_cast<unsigned char*>(RawData(env, W)) + W.ByteLength());
    d->order.resize(static_cast<size_t>(n));
  } catch (const std::bad_alloc&) {
    Throw(env, ErrKind::kShape, "X", "not enough memory to hold the training data");
  }
  for (size_t i = 0; i < d->order.size(); i++) d->order[i] = static_cast<uint32_t>(i);
  d->n = static_cast<size_t>(n);
  d->xRow = static_cast<size_t>(inputs) * elem;
  d->yRow = static_cast<size_t>(ycols) * elem;
  d->wRow = weighted ? elem : 0;
  d->weighted = weighted;
  d->bytes = static_cast<int64_t>(dataBytes);
  data_ = std::move(d);
  if (!data_->x) xRef_ = Napi::Persistent(static_cast<Napi::Object>(X));
  Account(env, data_->bytes);
  return env.Undefined();
}

bool TrainerWrap::Gather(Napi::Env env, Stage& st, bool shuffled, size_t batchSize, size_t first, size_t count, std::string* why) {
  Data& d = *data_;
  st.valid = false;
  Napi::TypedArray X = xRef_.Value().As<Napi::TypedArray>();
  const unsigned char* src = static_cast<const unsigned char*>(RawData(env, X));
  if (Detached(env, X) || src == nullptr) {
    *why = "X was detached (transferred) after setData; call setData again";
    return false;
  }
  if (X.ByteLength() < d.n * d.xRow) {
    *why = "X shrank (a resizable ArrayBuffer was resized) after setData; call setData again";
    return false;
  }
  const size_t start = first * batchSize;
  const size_t end = std::min(d.n, (first + count) * batchSize);
  const size_t rows = end > start ? end - start : 0;
  const int64_t before = static_cast<int64_t>(st.X.capacity() + st.Y.capacity() + st.W.capacity());
  st.X.resize(rows * d.xRow);
  st.Y.resize(rows * d.yRow);
  st.W.resize(rows * d.wRow);
  Account(env, static_cast<int64_t>(st.X.capacity() + st.Y.capacity() + st.W.capacity()) - before);
  if (rows == 0) {
    // count == 0: nothing to gather (and memcpy must not see the null data() of an empty vector)
  } else if (!shuffled) {
    std::memcpy(st.X.data(), src + start * d.xRow, rows * d.xRow);
    std::memcpy(st.Y.data(), d.Y.data() + start * d.yRow, rows * d.yRow);
    if (d.wRow) std::memcpy(st.W.data(), d.W.data() + start * d.wRow, rows * d.wRow);
  } else {
    // Random rows: prefetch ~4 KiB ahead (at least 4 rows) so the copies overlap the cache misses; measured on
    // 256-byte rows: 8 rows ahead 14.8 GB/s, 16 rows 17.2 GB/s, more no better. One-element targets and weights
    // (the usual case) are copied inline: a libc call per 4-byte copy costs more than the copy.
    const size_t ahead = std::max<size_t>(4, 4096 / std::max<size_t>(d.xRow, 1));
    const uint32_t* order = d.order.data() + start;
    const unsigned char* ysrc = d.Y.data();
    unsigned char* ydst = st.Y.data();
    for (size_t r = 0; r < rows; r++) {
      if (r + ahead < rows) {
        const unsigned char* p = src + static_cast<size_t>(order[r + ahead]) * d.xRow;
        for (size_t off = 0; off < d.xRow; off += 64) __builtin_prefetch(p + off);
      }
      const size_t i = order[r];  // < n: the order is a permutation this wrapper made
      std::memcpy(st.X.data() + r * d.xRow, src + i * d.xRow, d.xRow);
      switch (d.yRow) {
        case 4: std::memcpy(ydst + r * 4, ysrc + i * 4, 4); break;
        case 8: std::memcpy(ydst + r * 8, ysrc + i * 8, 8); break;
        default: std::memcpy(ydst + r * d.yRow, ysrc + i * d.yRow, d.yRow);
      }
      if (d.wRow == 4) std::memcpy(st.W.data() + r * 4, d.W.data() + i * 4, 4);
      else if (d.wRow) std::memcpy(st.W.data() + r * d.wRow, d.W.data() + i * d.wRow, d.wRow);
    }
  }
  st.first = first;
  st.count = count;
  st.rows = rows;
  st.shuffled = shuffled;
  st.version = d.version;
  st.valid = true;
  return true;
}

void TrainerWrap::ReleaseData(Napi::Env env) {
  if (data_) {
    int64_t staged = 0;
    for (const Stage& st : data_->stage) staged += static_cast<int64_t>(st.X.capacity() + st.Y.capacity() + st.W.capacity());
    Account(env, -data_->bytes - staged);
  }
  data_.reset();
  xRef_.Reset();
}

Napi::Value TrainerWrap::ClearData(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireIdle(env, "clearData");
  ReleaseData(env);
  return env.Undefined();
}

// shuffle(): this epoch's order = a Fisher-Yates shuffle of the identity with the trainer's generator.
Napi::Value TrainerWrap::Shuffle(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireIdle(env, "shuffle");
  if (!data_) Throw(env, ErrKind::kState, "shuffle", "Call setData before shuffle");
  for (size_t i = 0; i < data_->order.size(); i++) data_->order[i] = static_cast<uint32_t>(i);
  trainer_->Shuffle(data_->order.data(), data_->order.size());
  data_->version++;
  return env.Undefined();
}

// runBatches(shuffled, batchSize, firstBatch, count, lrs, losses, gradNorms | null) -> Promise, over setData's rows.
Napi::Value TrainerWrap::RunBatches(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireIdle(env, "runBatches");
  if (!data_) Throw(env, ErrKind::kState, "runBatches", "Call setData before runBatches");
  const NetworkSpec& s = trainer_->Spec();
  const bool shuffled = RequireBool(env, info[0], "shuffled");
  const int64_t n = static_cast<int64_t>(data_->n);
  const int64_t batchSize = RequireInt(env, info[1], "batchSize", 1, s.maxBatch);
  const int64_t numBatches = (n + batchSize - 1) / batchSize;
  const int64_t first = RequireInt(env, info[2], "firstBatch", 0, numBatches);
  const int64_t count = RequireInt(env, info[3], "count", 0, numBatches - first);
  Napi::TypedArray lrs = RequireTypedArray(env, info[4], napi_float64_array, "Float64Array", "lrs");
  Napi::TypedArray losses = RequireTypedArray(env, info[5], napi_float64_array, "Float64Array", "losses");
  const bool wantNorms = !info[6].IsNull() && !info[6].IsUndefined();
  Napi::TypedArray norms;
  if (wantNorms) norms = RequireTypedArray(env, info[6], napi_float64_array, "Float64Array", "gradNorms");
  if (static_cast<int64_t>(lrs.ElementLength()) < count || static_cast<int64_t>(losses.ElementLength()) < count ||
      (wantNorms && static_cast<int64_t>(norms.ElementLength()) < count))
    Throw(env, ErrKind::kShape, "lrs", "lrs, losses and gradNorms need at least `count` elements");
  const double* lr = static_cast<const double*>(RawData(env, lrs));
  if (count > 0 && lr == nullptr) Throw(env, ErrKind::kShape, "lrs", "lrs is backed by a detached ArrayBuffer");
  std::vector<double> lrCopy(lr, lr + count);
  for (int64_t i = 0; i < count; i++) {
    if (!(std::isfinite(lrCopy[i]) && lrCopy[i] >= 0))
      Throw(env, ErrKind::kOption, "lrs", "Expected finite learning rates >= 0 in lrs but lrs[" + std::to_string(i) +
                                              "] = " + std::to_string(lrCopy[i]));
  }
  Napi::Object keep = Napi::Object::New(env);
  keep.Set("losses", losses);
  if (wantNorms) keep.Set("gradNorms", norms);
  Data& d = *data_;
  RunWorker* w;
  if (d.csr) {
    const CsrView view{d.indptr.data(), d.indices.data(), d.values.data()};
    w = new RunWorker(env, this, Value(), keep, data_, nullptr, d.Y.data(), d.weighted ? d.W.data() : nullptr, d.n,
                      shuffled ? d.order.data() : nullptr, static_cast<size_t>(batchSize), static_cast<size_t>(first),
                      static_cast<size_t>(count), std::move(lrCopy), wantNorms, &view);
  } else if (d.x) {
    w = new RunWorker(env, this, Value(), keep, data_, d.x, d.Y.data(), d.weighted ? d.W.data() : nullptr, d.n,
                      shuffled ? d.order.data() : nullptr, static_cast<size_t>(batchSize), static_cast<size_t>(first),
                      static_cast<size_t>(count), std::move(lrCopy), wantNorms);
  } else {
    // Staged: use the prefetched stage when it holds exactly these rows, else gather them now.
    const int next = 1 - d.cur;
    int use = next;
    Stage& pre = d.stage[next];
    if (!(pre.valid && pre.first == static_cast<size_t>(first) && pre.count == static_cast<size_t>(count) &&
          pre.shuffled == shuffled && pre.version == d.version)) {
      use = d.cur;
      std::string why;
      const uint64_t need = static_cast<uint64_t>(count) * static_cast<uint64_t>(batchSize) * (d.xRow + d.yRow + d.wRow);
      RequireMemory(env, need, "count", "The staging buffer for this chunk of batches");
      if (!Gather(env, d.stage[use], shuffled, static_cast<size_t>(batchSize), static_cast<size_t>(first), static_cast<size_t>(count), &why))
        Throw(env, ErrKind::kState, "X", why);
    }
    d.stage[1 - use].valid = false;
    d.cur = use;
    Stage& st = d.stage[use];
    w = new RunWorker(env, this, Value(), keep, data_, st.X.data(), st.Y.data(), d.weighted ? st.W.data() : nullptr,
                      st.rows, nullptr, static_cast<size_t>(batchSize), 0, static_cast<size_t>(count), std::move(lrCopy), wantNorms);
  }
  busy_ = true;
  Napi::Promise p = w->Promise();
  w->Queue();
  if (!d.x && !d.csr && first + count < numBatches) {
    // Prefetch the next chunk (same size) into the other stage while the worker trains on this one. A failure
    // (X detached meanwhile) only leaves the stage invalid: the next call gathers again and reports it.
    const size_t f2 = static_cast<size_t>(first + count);
    const size_t c2 = std::min(static_cast<size_t>(count), static_cast<size_t>(numBatches) - f2);
    const uint64_t need = static_cast<uint64_t>(c2) * static_cast<uint64_t>(batchSize) * (d.xRow + d.yRow + d.wRow);
    std::string why;
    if (need <= MemoryLimit(env)) {
      try {
        Gather(env, d.stage[1 - d.cur], shuffled, static_cast<size_t>(batchSize), f2, c2, &why);
      } catch (const std::bad_alloc&) {
        d.stage[1 - d.cur].valid = false;
      }
    }
  }
  return p;
}

// CSR arguments (indptr Int32Array [n + 1], indices Int32Array [nnz], values of the trainer's dtype [nnz]),
// checked whole before anything reads them: indptr starts at 0, never decreases and ends at nnz; every index is
// in [0, inputs). Column indices need not be sorted within a row (duplicates add up, as in scipy).
struct CsrArgs {
  Napi::TypedArray indptr, indices, values;
  size_t nnz = 0;
};
static CsrArgs RequireCsr(Napi::Env env, const Napi::CallbackInfo& info, size_t at, int64_t n, const NetworkSpec& s) {
  CsrArgs a;
  a.indptr = RequireTypedArray(env, info[at], napi_int32_array, "Int32Array", "X.indptr");
  a.indices = RequireTypedArray(env, info[at + 1], napi_int32_array, "Int32Array", "X.indices");
  a.values = RequireTypedArray(env, info[at + 2], FloatType(s.f64()), FloatName(s.f64()), "X.values");
  RequireLength(env, a.indptr, static_cast<uint64_t>(n) + 1, "X.indptr", "rows + 1");
  const int32_t* ip = DataOf<int32_t>(a.indptr);
  if (ip[0] != 0) Throw(env, ErrKind::kShape, "X.indptr", "Expected X.indptr[0] to be 0 but received " + std::to_string(ip[0]));
  for (int64_t i = 0; i < n; i++)
    if (ip[i + 1] < ip[i])
      Throw(env, ErrKind::kShape, "X.indptr", "Expected X.indptr to be non-decreasing but X.indptr[" + std::to_string(i + 1) + "] = " +
                                                  std::to_string(ip[i + 1]) + " < X.indptr[" + std::to_string(i) + "] = " + std::to_string(ip[i]));
  a.nnz = static_cast<size_t>(ip[n]);
  RequireLength(env, a.indices, a.nnz, "X.indices", "X.indptr[rows], the number of non-zeros");
  RequireLength(env, a.values, a.nnz, "X.values", "X.indptr[rows], the number of non-zeros");
  const int32_t* ix = DataOf<int32_t>(a.indices);
  const int64_t inputs = s.layers.front().inputs;
  for (size_t q = 0; q < a.nnz; q++)
    if (ix[q] < 0 || ix[q] >= inputs)
      Throw(env, ErrKind::kShape, "X.indices", "Expected column indices in [0, " + std::to_string(inputs) + ") but X.indices[" +
                                                   std::to_string(q) + "] = " + std::to_string(ix[q]));
  return a;
}

// setDataCsr(indptr, indices, values, Y, n, weights?): CSR training rows, copied (validated once).
Napi::Value TrainerWrap::SetDataCsr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireIdle(env, "setData");
  const NetworkSpec& s = trainer_->Spec();
  const int64_t n = RequireInt(env, info[4], "n", 1, kMaxRows);
  const uint64_t ycols = TargetCols(s.loss, static_cast<size_t>(s.layers.back().units));
  Napi::TypedArray Y = RequireTypedArray(env, info[3], FloatType(s.f64()), FloatName(s.f64()), "y");
  Napi::TypedArray W;
  const bool weighted = info.Length() > 5 && !info[5].IsNull() && !info[5].IsUndefined();
  if (weighted) W = RequireTypedArray(env, info[5], FloatType(s.f64()), FloatName(s.f64()), "sampleWeight");
  const CsrArgs a = RequireCsr(env, info, 0, n, s);
  RequireLength(env, Y, static_cast<uint64_t>(n) * ycols, "y", "n * targetColumns");
  if (weighted) RequireLength(env, W, static_cast<uint64_t>(n), "sampleWeight", "n");
  // The copy of the rows, and the per-column state the trainer allocates at its first CSR chunk.
  const uint64_t dataBytes = a.indptr.ByteLength() + a.indices.ByteLength() + a.values.ByteLength() + Y.ByteLength() +
                             (weighted ? W.ByteLength() : 0) + static_cast<uint64_t>(n) * sizeof(uint32_t) +
                             static_cast<uint64_t>(s.layers.front().inputs) * kCsrColumnBytes;
  RequireMemory(env, dataBytes, "X", "The native copy of the sparse rows, targets, sample weights and row order, and 16 bytes per input column");
  ReleaseData(env);
  auto d = std::make_shared<Data>();
  auto bytes = [&](const Napi::TypedArray& t) {
    const unsigned char* p = static_cast<const unsigned char*>(RawData(env, t));
    return p == nullptr ? std::vector<unsigned char>() : std::vector<unsigned char>(p, p + t.ByteLength());
  };
  try {
    const int32_t* ip = DataOf<int32_t>(a.indptr);
    d->indptr.assign(ip, ip + n + 1);
    if (a.nnz > 0) {
      const int32_t* ix = DataOf<int32_t>(a.indices);
      d->indices.assign(ix, ix + a.nnz);
    }
    d->values = bytes(a.values);
    d->Y = bytes(Y);
    if (weighted) d->W = bytes(W);
    d->order.resize(static_cast<size_t>(n));
  } catch (const std::bad_alloc&) {
    Throw(env, ErrKind::kShape, "X", "not enough memory to hold the training data");
  }
  for (size_t i = 0; i < d->order.size(); i++) d->order[i] = static_cast<uint32_t>(i);
  d->csr = true;
  d->n = static_cast<size_t>(n);
  const size_t elem = s.f64() ? sizeof(double) : sizeof(float);
  d->yRow = static_cast<size_t>(ycols) * elem;
  d->wRow = weighted ? elem : 0;
  d->weighted = weighted;
  d->bytes = static_cast<int64_t>(dataBytes);
  data_ = std::move(d);
  Account(env, data_->bytes);
  return env.Undefined();
}

// predictCsr(indptr, indices, values, n, out): predict over CSR rows. Synchronous.
Napi::Value TrainerWrap::PredictCsr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireIdle(env, "predict");
  const NetworkSpec& s = trainer_->Spec();
  const int64_t n = RequireInt(env, info[3], "n", 0, kMaxRows);
  Napi::TypedArray out = RequireTypedArray(env, info[4], FloatType(s.f64()), FloatName(s.f64()), "out");
  const CsrArgs a = RequireCsr(env, info, 0, n, s);
  RequireLength(env, out, static_cast<uint64_t>(n) * static_cast<uint64_t>(s.layers.back().units), "out", "n * outputs");
  if (n > 0) {
    const CsrView view{DataOf<int32_t>(a.indptr), a.nnz > 0 ? DataOf<int32_t>(a.indices) : nullptr,
                       a.nnz > 0 ? DataOf<void>(a.values) : nullptr};
    trainer_->PredictCsr(view, static_cast<size_t>(n), DataOf<void>(out));
  }
  return env.Undefined();
}

// predict(X, n, out): out[n, outputs] = logits (or regression outputs). Synchronous.
Napi::Value TrainerWrap::Predict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireIdle(env, "predict");
  const NetworkSpec& s = trainer_->Spec();
  const int64_t n = RequireInt(env, info[1], "n", 0, kMaxRows);
  Napi::TypedArray X = RequireTypedArray(env, info[0], FloatType(s.f64()), FloatName(s.f64()), "X");
  RequireLength(env, X, static_cast<uint64_t>(n) * static_cast<uint64_t>(s.layers.front().inputs), "X", "n * inputs");
  Napi::TypedArray out = RequireTypedArray(env, info[2], FloatType(s.f64()), FloatName(s.f64()), "out");
  RequireLength(env, out, static_cast<uint64_t>(n) * static_cast<uint64_t>(s.layers.back().units), "out",
                "n * outputs");
  if (n > 0) trainer_->Predict(DataOf<void>(X), static_cast<size_t>(n), DataOf<void>(out));
  return env.Undefined();
}

// gradients(X, Y, n, out) -> loss: batch-mean loss and the objective's gradient, n <= maxBatch. Synchronous.
Napi::Value TrainerWrap::Gradients(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireIdle(env, "gradients");
  const NetworkSpec& s = trainer_->Spec();
  const int64_t n = RequireInt(env, info[2], "n", 1, s.maxBatch);
  Napi::TypedArray X = RequireTypedArray(env, info[0], FloatType(s.f64()), FloatName(s.f64()), "X");
  RequireLength(env, X, static_cast<uint64_t>(n) * static_cast<uint64_t>(s.layers.front().inputs), "X", "n * inputs");
  const uint64_t ycols = TargetCols(s.loss, static_cast<size_t>(s.layers.back().units));
  Napi::TypedArray Y = RequireTypedArray(env, info[1], FloatType(s.f64()), FloatName(s.f64()), "y");
  RequireLength(env, Y, static_cast<uint64_t>(n) * ycols, "y", "n * targetColumns");
  if (ClassIndexTargets(s.loss)) {
    const double classes = static_cast<double>(NumClasses(s.loss, static_cast<size_t>(s.layers.back().units)));
    for (int64_t i = 0; i < n; i++) {
      const double y = s.f64() ? DataOf<double>(Y)[i] : DataOf<float>(Y)[i];
      if (!(y >= 0 && y < classes && y == std::floor(y)))
        Throw(env, ErrKind::kShape, "y", "Expected class labels in [0, " + std::to_string(static_cast<int64_t>(classes)) + ") for y but y[" + std::to_string(i) + "] = " + std::to_string(y));
    }
  }
  Napi::TypedArray out = RequireTypedArray(env, info[3], FloatType(s.f64()), FloatName(s.f64()), "out");
  RequireLength(env, out, trainer_->NumParams(), "out", "number of parameters");
  return Napi::Number::New(env, trainer_->Gradients(DataOf<void>(X), DataOf<void>(Y), nullptr, static_cast<size_t>(n), DataOf<void>(out)));
}

namespace {
Napi::Value CopyOut(Napi::Env env, bool f64, const void* src, size_t n) {
  if (f64) {
    auto a = Napi::Float64Array::New(env, n);
    if (n) std::memcpy(a.Data(), src, n * sizeof(double));
    return a;
  }
  auto a = Napi::Float32Array::New(env, n);
  if (n) std::memcpy(a.Data(), src, n * sizeof(float));
  return a;
}
}  // namespace

Napi::Value TrainerWrap::GetParams(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireIdle(env, "getParams");
  return CopyOut(env, trainer_->Spec().f64(), trainer_->Params(), trainer_->NumParams());
}

Napi::Value TrainerWrap::SetParams(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireIdle(env, "setParams");
  const bool f64 = trainer_->Spec().f64();
  Napi::TypedArray a = RequireTypedArray(env, info[0], FloatType(f64), FloatName(f64), "params");
  RequireLength(env, a, trainer_->NumParams(), "params", "number of parameters");
  std::memcpy(trainer_->Params(), DataOf<void>(a), a.ByteLength());
  return env.Undefined();
}

// getAverage() -> the averaged weights, or null when the spec does not average.
Napi::Value TrainerWrap::GetAverage(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireIdle(env, "getAverage");
  void* a = trainer_->Average();
  if (a == nullptr) return env.Null();
  return CopyOut(env, trainer_->Spec().f64(), a, trainer_->NumParams());
}

Napi::Value TrainerWrap::SetAverage(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireIdle(env, "setAverage");
  const bool f64 = trainer_->Spec().f64();
  Napi::TypedArray a = RequireTypedArray(env, info[0], FloatType(f64), FloatName(f64), "average");
  RequireLength(env, a, trainer_->NumParams(), "average", "number of parameters");
  void* dst = trainer_->Average();
  if (dst == nullptr) Throw(env, ErrKind::kState, "average", "this trainer's spec does not average weights");
  std::memcpy(dst, DataOf<void>(a), a.ByteLength());
  return env.Undefined();
}

Napi::Value TrainerWrap::GetSlot(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireIdle(env, "getSlot");
  const int64_t i = RequireInt(env, info[0], "slot", 0, trainer_->NumSlots() - 1);
  return CopyOut(env, trainer_->Spec().f64(), trainer_->Slot(static_cast<int>(i)), trainer_->NumParams());
}

Napi::Value TrainerWrap::SetSlot(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireIdle(env, "setSlot");
  const int64_t i = RequireInt(env, info[0], "slot", 0, trainer_->NumSlots() - 1);
  const bool f64 = trainer_->Spec().f64();
  Napi::TypedArray a = RequireTypedArray(env, info[1], FloatType(f64), FloatName(f64), "values");
  RequireLength(env, a, trainer_->NumParams(), "values", "number of parameters");
  std::memcpy(trainer_->Slot(static_cast<int>(i)), DataOf<void>(a), a.ByteLength());
  return env.Undefined();
}

// { step, muProduct, rng: [4 x uint32] }
Napi::Value TrainerWrap::GetState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireIdle(env, "getState");
  Napi::Object o = Napi::Object::New(env);
  o.Set("step", static_cast<double>(trainer_->OptState().step));
  o.Set("muProduct", trainer_->OptState().muProduct);
  uint32_t s[4];
  trainer_->GetRng().GetState(s);
  Napi::Array r = Napi::Array::New(env, 4);
  for (uint32_t i = 0; i < 4; i++) r.Set(i, static_cast<double>(s[i]));
  o.Set("rng", r);
  return o;
}

Napi::Value TrainerWrap::SetState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireIdle(env, "setState");
  Napi::Object o = RequireObject(env, info[0], "state");
  const int64_t step = RequireInt(env, o.Get("step"), "state.step", 0, int64_t(1) << 52);
  const double mu = PropNumber(env, o, "muProduct", "state", -1e300, 1e300);
  Napi::Value rv = o.Get("rng");
  if (!rv.IsArray() || rv.As<Napi::Array>().Length() != 4)
    Expected(env, ErrKind::kOption, "state.rng", "an array of 4 uint32", rv);
  uint32_t s[4];
  for (uint32_t i = 0; i < 4; i++)
    s[i] = static_cast<uint32_t>(RequireInt(env, rv.As<Napi::Array>().Get(i), "state.rng", 0, 4294967295LL));
  if ((s[0] | s[1] | s[2] | s[3]) == 0) Throw(env, ErrKind::kOption, "state.rng", "state.rng must not be all zero");
  trainer_->OptState().step = step;
  trainer_->OptState().muProduct = mu;
  trainer_->GetRng().SetState(s);
  return env.Undefined();
}

Napi::Value TrainerWrap::Dispose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (busy_) Throw(env, ErrKind::kState, "dispose", "Cannot dispose the trainer while it is busy");
  data_.reset();
  trainer_.reset();
  Account(env, -reported_);
  return env.Undefined();
}

Napi::Value TrainerWrap::IsBusy(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), busy_); }

}  // namespace descent::binding
