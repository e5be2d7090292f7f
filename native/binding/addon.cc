// N-API entry point: context-aware (per-env instance data), so it loads in several worker_threads at once.
#include <napi.h>

#include <mutex>
#include <vector>

#include "../kernels/blas.h"
#include "../kernels/dispatch.h"
#include "../kernels/kernels.h"
#include "../kernels/optimizers.h"
#include "../kernels/parallel.h"
#include "args.h"
#include "platform.h"
#include "buffers.h"
#include "csv_wrap.h"
#include "trainer_wrap.h"

namespace descent::binding {
namespace {

// init({ ShapeError, OptionError, StateError, MemoryLimitError }): JS owns the error classes and hands them over.
Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = RequireObject(env, info[0], "errors");
  auto* data = env.GetInstanceData<InstanceData>();
  const char* names[] = {"ShapeError", "OptionError", "StateError", "MemoryLimitError"};
  Napi::FunctionReference* refs[] = {&data->shapeError, &data->optionError, &data->stateError,
                                     &data->memoryLimitError};
  for (int i = 0; i < 4; i++) {
    Napi::Value f = o.Get(names[i]);
    if (!f.IsFunction()) Expected(env, ErrKind::kOption, std::string("errors.") + names[i], "a class", f);
    *refs[i] = Napi::Persistent(f.As<Napi::Function>());
  }
  return env.Undefined();
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("openblasConfig", blas::VendorConfig());
  o.Set("threads", blas::VendorThreads());
  o.Set("simd", simd::Name(simd::Current()));
  o.Set("simdBest", simd::Name(simd::Best()));
  Napi::Array tables = Napi::Array::New(env);
  for (int i = 0; i < simd::Count(); i++) tables.Set(static_cast<uint32_t>(i), simd::Name(static_cast<simd::Isa>(i)));
  o.Set("tables", tables);
  // Who runs the trainer's matrix products: descent's packed kernel for the table in use, or OpenBLAS.
  const auto& k32 = Kernels().f32;
  o.Set("gemm", k32.gemm != nullptr && !k32.gemmUseBlas ? std::string("descent-") + simd::Name(simd::Current()) : std::string("openblas"));
  return o;
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t n = RequireInt(env, info[0], "threads", 1, 1024);
  {
    // Exclusive, as for fork: OpenBLAS must not change its thread count under a GEMM in flight on a worker thread.
    pthread_rwlock_wrlock(&blas::g_lock);
    blas::SetVendorThreads(static_cast<int>(n));
    pthread_rwlock_unlock(&blas::g_lock);
  }
  parallel::SetThreads(static_cast<int>(n));
  return env.Undefined();
}

// setMemoryLimit(bytes): for this environment (the main thread or one worker), as the JS limit is.
Napi::Value SetMemoryLimit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t b = RequireInt(env, info[0], "bytes", 1, int64_t(1) << 53);
  env.GetInstanceData<InstanceData>()->memoryLimit = static_cast<uint64_t>(b);
  return env.Undefined();
}

Napi::Value GetMemoryLimit(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(MemoryLimit(info.Env())));
}

// setSimd(name) -> boolean: forces a table (tests force each one). Only tables the CPU supports.
Napi::Value SetSimd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) Expected(env, ErrKind::kOption, "simd", "\"scalar\", \"avx2\" or \"avx512\"", info[0]);
  return Napi::Boolean::New(env, simd::Select(info[0].As<Napi::String>().Utf8Value()));
}

// A kernel field's facts by its C++ type in spec.def: booleans have no bounds.
void SetFieldFacts(Napi::Env env, Napi::Object& f, bool def, double, double) {
  f.Set("type", "boolean");
  f.Set("default", Napi::Boolean::New(env, def));
}
void SetFieldFacts(Napi::Env env, Napi::Object& f, double def, double lo, double hi) {
  f.Set("type", "number");
  f.Set("default", Napi::Number::New(env, def));
  f.Set("min", Napi::Number::New(env, lo));
  f.Set("max", Napi::Number::New(env, hi));
}

// engineFacts(): the spec.def lists as the addon was compiled with them (test/05 compares them with
// lib/engine/spec.ts, so a stale build or an edited spec.def shows up as a test failure, not as wrong numbers).
Napi::Value EngineFacts(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto entry = [&](const char* name) {
    Napi::Object e = Napi::Object::New(env);
    e.Set("name", name);
    return e;
  };
  auto push = [](Napi::Array& a, const Napi::Object& e) { a.Set(a.Length(), e); };
  Napi::Array dtypes = Napi::Array::New(env), acts = Napi::Array::New(env), losses = Napi::Array::New(env),
              kernels = Napi::Array::New(env), fields = Napi::Array::New(env);
#define DESCENT_DTYPE(e, name, bytes) \
  {                                   \
    Napi::Object o = entry(name);     \
    o.Set("bytes", double(bytes));    \
    push(dtypes, o);                  \
  }
#include "../kernels/spec.def"
#define DESCENT_ACTIVATION(e, name, paramDefault) \
  {                                               \
    Napi::Object o = entry(name);                 \
    o.Set("paramDefault", double(paramDefault));  \
    push(acts, o);                                \
  }
#include "../kernels/spec.def"
#define DESCENT_LOSS(e, name, cols, hasParam, pDefault, pMin, pMax, pExclusive)     \
  {                                                                         \
    Napi::Object o = entry(name);                                           \
    o.Set("targetColumns", (cols) == 1 ? Napi::Value(Napi::Number::New(env, 1)) \
                                       : Napi::Value(Napi::String::New(env, "outputs"))); \
    if (hasParam) o.Set("paramDefault", double(pDefault));                   \
    push(losses, o);                                                        \
  }
#include "../kernels/spec.def"
  std::vector<Napi::Array> slots;  // per kernel, in enum order
#define DESCENT_KERNEL(e, name)              \
  {                                          \
    Napi::Object o = entry(name);            \
    slots.push_back(Napi::Array::New(env));  \
    o.Set("slots", slots.back());            \
    push(kernels, o);                        \
  }
#include "../kernels/spec.def"
  // Every slot a kernel can keep, conditional or not.
#define DESCENT_SLOT(kernel, index, name, when, init) \
  slots[static_cast<size_t>(OptKind::kernel)].Set(static_cast<uint32_t>(index), name);
#include "../kernels/spec.def"
#define DESCENT_KERNEL_FIELD(type, field, def, lo, hi)          \
  {                                                             \
    Napi::Object o = entry(#field);                             \
    SetFieldFacts(env, o, static_cast<type>(def), lo, hi);      \
    push(fields, o);                                            \
  }
#include "../kernels/spec.def"
  Napi::Object o = Napi::Object::New(env);
  o.Set("dtypes", dtypes);
  o.Set("activations", acts);
  o.Set("losses", losses);
  o.Set("kernels", kernels);
  o.Set("kernelFields", fields);
  return o;
}

// trainerBytes(spec): what new NativeTrainer(spec) would allocate (TrainerBytes), for a spec that parses.
Napi::Value TrainerBytesOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Napi::Number::New(env, static_cast<double>(TrainerBytes(ParseSpec(env, info[0]))));
}

// The fused optimizer kernels for callers who compute gradients elsewhere (lib/optim/standalone.ts).
class OptimizerKernel : public Napi::ObjectWrap<OptimizerKernel> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "OptimizerKernel",
                       {InstanceMethod<&OptimizerKernel::Prepare>("prepare"),
                        InstanceMethod<&OptimizerKernel::Apply>("apply"),
                        InstanceMethod<&OptimizerKernel::NumSlots>("numSlots"),
                        InstanceMethod<&OptimizerKernel::GetState>("getState"),
                        InstanceMethod<&OptimizerKernel::SetState>("setState")});
  }
  explicit OptimizerKernel(const Napi::CallbackInfo& info) : Napi::ObjectWrap<OptimizerKernel>(info) {
    Napi::Env env = info.Env();
    cfg_ = ParseOptimizer(env, info[0], "optimizer");
    f64_ = ParseDtype(env, info[1], "dtype") == Dtype::kFloat64;
  }

 private:
  // prepare(lr): starts a new step (advances the step count); apply() then updates each tensor.
  Napi::Value Prepare(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const double lr = RequireNumber(env, info[0], "learningRate", 0, 1e300);
    scalars_ = descent::Prepare(cfg_, state_, lr);
    prepared_ = true;
    return env.Undefined();
  }
  // apply(p, g, s0?, s1?, s2?) -> boolean (false if a parameter became non-finite)
  Napi::Value Apply(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!prepared_) Throw(env, ErrKind::kState, "apply", "Call prepare(learningRate) before apply()");
    const napi_typedarray_type t = f64_ ? napi_float64_array : napi_float32_array;
    const char* tn = f64_ ? "Float64Array" : "Float32Array";
    Napi::TypedArray p = RequireTypedArray(env, info[0], t, tn, "params");
    Napi::TypedArray g = RequireTypedArray(env, info[1], t, tn, "grads");
    RequireLength(env, g, p.ElementLength(), "grads", "the length of params");
    const int ns = descent::NumSlots(cfg_);
    void* slots[3] = {nullptr, nullptr, nullptr};
    for (int i = 0; i < ns; i++) {
      const std::string nm = "state[" + std::to_string(i) + "]";
      Napi::TypedArray s = RequireTypedArray(env, info[2 + i], t, tn, nm);
      RequireLength(env, s, p.ElementLength(), nm, "the length of params");
      slots[i] = DataOf<void>(s);
    }
    const size_t n = p.ElementLength();
    bool ok = true;
    if (n > 0) {
      if (f64_)
        ok = descent::Step(cfg_, scalars_, n, DataOf<double>(p), DataOf<double>(g), static_cast<double*>(slots[0]),
                           static_cast<double*>(slots[1]), static_cast<double*>(slots[2]));
      else
        ok = descent::Step(cfg_, scalars_, n, DataOf<float>(p), DataOf<float>(g), static_cast<float*>(slots[0]),
                           static_cast<float*>(slots[1]), static_cast<float*>(slots[2]));
    }
    return Napi::Boolean::New(env, ok);
  }
  Napi::Value NumSlots(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), descent::NumSlots(cfg_)); }
  Napi::Value GetState(const Napi::CallbackInfo& info) {
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("step", static_cast<double>(state_.step));
    o.Set("muProduct", state_.muProduct);
    return o;
  }
  Napi::Value SetState(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = RequireObject(env, info[0], "state");
    state_.step = RequireInt(env, o.Get("step"), "state.step", 0, int64_t(1) << 52);
    state_.muProduct = PropNumber(env, o, "muProduct", "state", -1e300, 1e300);
    return env.Undefined();
  }

  OptConfig cfg_;
  OptGlobalState state_;
  StepScalars scalars_;
  bool prepared_ = false;
  bool f64_ = false;
};

}  // namespace

// firstNonFinite(X) -> index of the first NaN/±Infinity in a Float32Array/Float64Array, or -1. One pass over the
// bits (exponent all ones), in blocks the compiler vectorizes; the block holding a hit is searched again.
template <typename U>
int64_t FirstNonFiniteBits(const U* p, size_t n, U mask) {
  constexpr size_t kBlock = 1024;
  for (size_t b = 0; b < n; b += kBlock) {
    const size_t e = b + kBlock < n ? b + kBlock : n;
    U hit = 0;
    for (size_t i = b; i < e; i++) hit |= static_cast<U>((p[i] & mask) == mask);
    if (hit)
      for (size_t i = b; i < e; i++)
        if ((p[i] & mask) == mask) return static_cast<int64_t>(i);
  }
  return -1;
}

Napi::Value FirstNonFinite(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray()) Expected(env, ErrKind::kShape, "X", "a Float32Array or Float64Array", info[0]);
  Napi::TypedArray a = info[0].As<Napi::TypedArray>();
  const napi_typedarray_type t = a.TypedArrayType();
  if (t != napi_float32_array && t != napi_float64_array) Expected(env, ErrKind::kShape, "X", "a Float32Array or Float64Array", info[0]);
  const size_t n = a.ElementLength();
  const void* p = RawData(env, a);
  if (n == 0) return Napi::Number::New(env, -1);
  if (p == nullptr) Throw(env, ErrKind::kShape, "X", "X is backed by a detached ArrayBuffer");
  const int64_t i = t == napi_float32_array ? FirstNonFiniteBits(static_cast<const uint32_t*>(p), n, uint32_t(0x7f800000u))
                                            : FirstNonFiniteBits(static_cast<const uint64_t*>(p), n, uint64_t(0x7ff0000000000000ull));
  return Napi::Number::New(env, static_cast<double>(i));
}

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  auto* instance = new InstanceData();
  env.SetInstanceData(instance);
  {
    // Captured now, so a later redefinition of the getter cannot make a resizable buffer look plain.
    Napi::Object object = env.Global().Get("Object").As<Napi::Object>();
    Napi::Value proto = env.Global().Get("ArrayBuffer").As<Napi::Object>().Get("prototype");
    Napi::Value desc = object.Get("getOwnPropertyDescriptor").As<Napi::Function>().Call(object, {proto, Napi::String::New(env, "resizable")});
    if (desc.IsObject()) {
      Napi::Value get = desc.As<Napi::Object>().Get("get");
      if (get.IsFunction()) instance->resizableGetter = Napi::Persistent(get.As<Napi::Function>());
    }
  }
  simd::InitFromEnv();
  static std::once_flag poolOnce;  // process-wide: the first env (main thread or worker) sizes the pool
  std::call_once(poolOnce, [] {
    PinModule();
    parallel::SetThreads(blas::VendorThreads());
    blas::InstallForkGuard();
  });
  exports.Set("init", Napi::Function::New<Init>(env, "init"));
  exports.Set("info", Napi::Function::New<Info>(env, "info"));
  exports.Set("setNumThreads", Napi::Function::New<SetNumThreads>(env, "setNumThreads"));
  exports.Set("setSimd", Napi::Function::New<SetSimd>(env, "setSimd"));
  exports.Set("setMemoryLimit", Napi::Function::New<SetMemoryLimit>(env, "setMemoryLimit"));
  exports.Set("memoryLimit", Napi::Function::New<GetMemoryLimit>(env, "memoryLimit"));
  exports.Set("engineFacts", Napi::Function::New<EngineFacts>(env, "engineFacts"));
  exports.Set("trainerBytes", Napi::Function::New<TrainerBytesOf>(env, "trainerBytes"));
  exports.Set("firstNonFinite", Napi::Function::New<FirstNonFinite>(env, "firstNonFinite"));
  exports.Set("allocBuffer", Napi::Function::New<AllocBuffer>(env, "allocBuffer"));
  exports.Set("CsvReader", CsvReaderWrap::Define(env));
  exports.Set("NativeTrainer", TrainerWrap::Define(env));
  exports.Set("OptimizerKernel", OptimizerKernel::Define(env));
  return exports;
}

}  // namespace descent::binding

static Napi::Object DescentInit(Napi::Env env, Napi::Object exports) {
  return descent::binding::InitModule(env, exports);
}
NODE_API_MODULE(descent, DescentInit)
