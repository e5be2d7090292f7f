// Native buffers handed to JS as external ArrayBuffers: the ArrayBuffer holds one shared owner (released by its
// finalizer) and its bytes are reported to V8 as external memory, so GC sees them.
#pragma once
#include <napi.h>

#include "../io/buffer.h"

namespace descent::binding {

inline Napi::ArrayBuffer ToArrayBuffer(Napi::Env env, const io::BufferPtr& b) {
  if (!b || b->size() == 0) return Napi::ArrayBuffer::New(env, 0);
  io::Share(b);
  auto* owner = new io::BufferPtr(b);
  const int64_t bytes = static_cast<int64_t>(b->size());
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(
      env, b->data(), b->size(),
      [](Napi::Env e, void*, io::BufferPtr* hint) {
        int64_t ignored = 0;
        napi_adjust_external_memory(e, -static_cast<int64_t>((*hint)->size()), &ignored);
        delete hint;
      },
      owner);
  int64_t ignored = 0;
  napi_adjust_external_memory(env, bytes, &ignored);
  return ab;
}

// allocBuffer(bytes) -> ArrayBuffer over zeroed native memory: descent's large arrays live there, so a trainer reads
// them in place (setData finds the owner by address) instead of copying.
Napi::Value AllocBuffer(const Napi::CallbackInfo& info);

}  // namespace descent::binding
