// Argument guards for the binding. Each returns a value or throws a JS error of one of the classes JS
// registered with init() (ShapeError / OptionError / StateError), naming the argument and the bad value.
// Nothing here touches memory it has not bounds-checked.
#pragma once
#include <napi.h>


#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

#include "platform.h"

namespace descent::binding {

struct InstanceData {
  Napi::FunctionReference shapeError, optionError, stateError, memoryLimitError;
  // ArrayBuffer.prototype's `resizable` getter as it was when the addon loaded (empty on engines without it).
  Napi::FunctionReference resizableGetter;
  uint64_t memoryLimit = 0;  // 0 until set: DefaultMemoryLimit()
};


enum class ErrKind { kShape, kOption, kState };

[[noreturn]] inline void Throw(Napi::Env env, ErrKind kind, const std::string& arg, const std::string& msg) {
  auto* data = env.GetInstanceData<InstanceData>();
  Napi::FunctionReference* ctor = nullptr;
  if (data != nullptr) {
    ctor = kind == ErrKind::kShape ? &data->shapeError : kind == ErrKind::kOption ? &data->optionError : &data->stateError;
  }
  if (ctor != nullptr && !ctor->IsEmpty()) {
    Napi::Value err = ctor->New({Napi::String::New(env, msg), Napi::String::New(env, arg)});
    throw Napi::Error(env, err);
  }
  throw Napi::TypeError::New(env, msg);
}

// The most bytes one trainer or one setData copy may allocate. Per environment (main thread, each worker), like
// the JS-side limit it mirrors (lib/memory.ts pushes it at load and on every change); until then 3/4 of physical
// memory. Checked before allocating, because under Linux overcommit an oversized allocation is not refused but
// OOM-kills the process.
inline uint64_t DefaultMemoryLimit() {
  const uint64_t physical = PhysicalMemoryBytes();
  return physical > 0 ? physical / 4 * 3 : uint64_t(1) << 32;
}

inline uint64_t MemoryLimit(Napi::Env env) {
  auto* data = env.GetInstanceData<InstanceData>();
  return data != nullptr && data->memoryLimit != 0 ? data->memoryLimit : DefaultMemoryLimit();
}

// Throws MemoryLimitError(message, argument, requiredBytes, limitBytes) when `required` bytes exceed the limit.
inline void RequireMemory(Napi::Env env, uint64_t required, const std::string& arg, const std::string& what) {
  const uint64_t limit = MemoryLimit(env);
  if (required <= limit) return;
  const std::string msg = what + " needs " + std::to_string(required) + " bytes, more than the memory limit of " +
                          std::to_string(limit) + " bytes (setMemoryLimit() or DESCENT_MEMORY_LIMIT raise it)";
  auto* data = env.GetInstanceData<InstanceData>();
  if (data != nullptr && !data->memoryLimitError.IsEmpty()) {
    Napi::Value err = data->memoryLimitError.New({Napi::String::New(env, msg), Napi::String::New(env, arg),
                                                  Napi::Number::New(env, static_cast<double>(required)),
                                                  Napi::Number::New(env, static_cast<double>(limit))});
    throw Napi::Error(env, err);
  }
  Throw(env, ErrKind::kShape, arg, msg);
}

// A received string as lib/validate.ts describe() shows it: JSON-quoted, cut after 40 characters.
inline std::string Quote(const std::string& s) {
  std::string out = "\"";
  size_t chars = 0, i = 0;
  for (; i < s.size() && chars < 40; i++) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) != 0x80) chars++;  // count code points, not UTF-8 continuation bytes
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) out += s[i++];  // finish the last one
  if (i < s.size()) out += "\u2026";
  return out + "\"";
}

// A double as people write it (1e+30, 0.999999, 1000000), not std::to_string's fixed six decimals.
inline std::string Num(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", d);
  return buf;
}

inline std::string Describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (std::isnan(d)) return "NaN";
    return Num(d);
  }
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? "true" : "false";
  if (v.IsString()) return Quote(v.As<Napi::String>().Utf8Value());
  if (v.IsTypedArray()) return "a typed array of length " + std::to_string(v.As<Napi::TypedArray>().ElementLength());
  if (v.IsArray()) return "an array";
  if (v.IsFunction()) return "a function";
  return "an object";
}

[[noreturn]] inline void Expected(Napi::Env env, ErrKind kind, const std::string& name, const std::string& what,
                                  const Napi::Value& v) {
  Throw(env, kind, name, "Expected " + what + " for " + name + " but received " + Describe(v));
}

inline Napi::Object RequireObject(Napi::Env env, const Napi::Value& v, const std::string& name) {
  if (!v.IsObject() || v.IsArray() || v.IsTypedArray() || v.IsFunction()) Expected(env, ErrKind::kOption, name, "an object", v);
  return v.As<Napi::Object>();
}

inline double RequireNumber(Napi::Env env, const Napi::Value& v, const std::string& name, double lo, double hi) {
  if (!v.IsNumber()) Expected(env, ErrKind::kOption, name, "a number", v);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(std::isfinite(d) && d >= lo && d <= hi))
    Expected(env, ErrKind::kOption, name, "a finite number in [" + Num(lo) + ", " + Num(hi) + "]", v);
  return d;
}

inline int64_t RequireInt(Napi::Env env, const Napi::Value& v, const std::string& name, int64_t lo, int64_t hi) {
  if (!v.IsNumber()) Expected(env, ErrKind::kOption, name, "an integer", v);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(std::isfinite(d) && d == std::floor(d) && d >= static_cast<double>(lo) && d <= static_cast<double>(hi)))
    Expected(env, ErrKind::kOption, name, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", v);
  return static_cast<int64_t>(d);
}

inline bool RequireBool(Napi::Env env, const Napi::Value& v, const std::string& name) {
  if (!v.IsBoolean()) Expected(env, ErrKind::kOption, name, "a boolean", v);
  return v.As<Napi::Boolean>().Value();
}

// The index of v in `names` (one of the spec.def lists); else an OptionError listing every name.
inline int RequireName(Napi::Env env, const Napi::Value& v, const std::string& name, const char* const* names,
                       size_t count) {
  if (v.IsString()) {
    const std::string s = v.As<Napi::String>().Utf8Value();
    for (size_t i = 0; i < count; i++)
      if (s == names[i]) return static_cast<int>(i);
  }
  std::string list = "one of ";
  for (size_t i = 0; i < count; i++) list += (i > 0 ? ", \"" : "\"") + std::string(names[i]) + "\"";
  Expected(env, ErrKind::kOption, name, list, v);
}

inline double PropNumber(Napi::Env env, const Napi::Object& o, const char* key, const std::string& name, double lo,
                         double hi) {
  return RequireNumber(env, o.Get(key), name + "." + key, lo, hi);
}
inline bool PropBool(Napi::Env env, const Napi::Object& o, const char* key, const std::string& name) {
  return RequireBool(env, o.Get(key), name + "." + key);
}

// The first element's address straight from napi_get_typedarray_info: unlike going through the ArrayBuffer
// object, this also works for views over a SharedArrayBuffer. Null when detached.
inline void* RawData(napi_env env, const Napi::TypedArray& arr) {
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, arr, &type, &length, &data, nullptr, &offset) != napi_ok) return nullptr;
  return data;
}

// A TypedArray of exactly the expected element type whose memory can be read (not detached). Runs no JS (no
// property reads that a getter could hook), so a later argument's check cannot detach an earlier one; and no
// worker thread ever reads JS memory (runBatches trains on setData's copy), so resizable and shared buffers are
// safe: they are only read synchronously, right after these checks.
inline Napi::TypedArray RequireTypedArray(Napi::Env env, const Napi::Value& v, napi_typedarray_type type,
                                          const char* typeName, const std::string& name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
    Expected(env, ErrKind::kShape, name, std::string("a ") + typeName, v);
  Napi::TypedArray arr = v.As<Napi::TypedArray>();
  if (arr.ElementLength() > 0 && RawData(env, arr) == nullptr)
    Throw(env, ErrKind::kShape, name, name + " is backed by a detached ArrayBuffer");
  return arr;
}

// True when `arr` lies in a plain ArrayBuffer: not a SharedArrayBuffer (another thread may write it) and not
// resizable (a shrink unmaps pages a worker thread may be reading). Such memory can be read in place after the
// call returns, as long as the array is referenced and the buffer is not detached (checked before each use).
inline bool PlainArrayBuffer(Napi::Env env, const Napi::TypedArray& arr) {
  napi_value ab = nullptr;
  if (napi_get_typedarray_info(env, arr, nullptr, nullptr, nullptr, &ab, nullptr) != napi_ok || ab == nullptr) return false;
  bool isAb = false;
  if (napi_is_arraybuffer(env, ab, &isAb) != napi_ok || !isAb) return false;  // a SharedArrayBuffer
  auto* data = env.GetInstanceData<InstanceData>();
  if (data == nullptr || data->resizableGetter.IsEmpty()) return true;  // no resizable buffers on this engine
  Napi::Value r = data->resizableGetter.Call(Napi::Value(env, ab), {});
  return r.IsBoolean() && !r.As<Napi::Boolean>().Value();
}

inline bool Detached(Napi::Env env, const Napi::TypedArray& arr) {
  napi_value ab = nullptr;
  if (napi_get_typedarray_info(env, arr, nullptr, nullptr, nullptr, &ab, nullptr) != napi_ok || ab == nullptr) return true;
  bool detached = false;
  return napi_is_detached_arraybuffer(env, ab, &detached) != napi_ok || detached;
}

inline void RequireLength(Napi::Env env, const Napi::TypedArray& arr, uint64_t want, const std::string& name,
                          const std::string& why) {
  if (static_cast<uint64_t>(arr.ElementLength()) != want)
    Throw(env, ErrKind::kShape, name,
          "Expected " + name + " to have length " + std::to_string(want) + " (" + why + ") but received length " +
              std::to_string(arr.ElementLength()));
}

template <typename T>
inline T* DataOf(const Napi::TypedArray& arr) {
  return static_cast<T*>(RawData(arr.Env(), arr));
}

}  // namespace descent::binding
