#include "buffer.h"

#include <cstdint>
#include <map>
#include <mutex>

namespace descent::io {
namespace {

// Live shared buffers by start address. Entries are weak: a buffer removes its own entry when it dies.
struct Registry {
  std::mutex mu;
  std::map<uintptr_t, std::pair<size_t, std::weak_ptr<NativeBuffer>>> byAddress;
};

Registry& Reg() {
  static Registry* r = new Registry();  // leaked on purpose: buffers may die during static destruction
  return *r;
}

}  // namespace

NativeBuffer::~NativeBuffer() {
  if (shared_ && data_ != nullptr) {
    Registry& r = Reg();
    std::lock_guard<std::mutex> g(r.mu);
    r.byAddress.erase(reinterpret_cast<uintptr_t>(data_));
  }
  std::free(data_);
}

void Share(const BufferPtr& b) {
  if (!b || b->shared_ || b->data_ == nullptr) return;
  b->shared_ = true;
  Registry& r = Reg();
  std::lock_guard<std::mutex> g(r.mu);
  r.byAddress[reinterpret_cast<uintptr_t>(b->data_)] = {b->size_, b};
}

BufferPtr Find(const void* p, size_t bytes) {
  if (p == nullptr) return nullptr;
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  Registry& r = Reg();
  std::lock_guard<std::mutex> g(r.mu);
  auto it = r.byAddress.upper_bound(a);
  if (it == r.byAddress.begin()) return nullptr;
  --it;
  if (a + bytes > it->first + it->second.first) return nullptr;
  return it->second.second.lock();
}

BufferPtr Allocate(size_t bytes) {
  auto b = std::make_shared<NativeBuffer>();
  if (!b->Resize(bytes)) return nullptr;
  if (bytes > 0) std::memset(b->data(), 0, bytes);
  return b;
}

}  // namespace descent::io
