// Memory the addon owns and may share with JS (as an external ArrayBuffer) and with trainers (without a copy).
// A buffer lives as long as any owner holds its shared_ptr: a JS ArrayBuffer over it that is detached, transferred
// or collected never frees memory a worker thread is still reading.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

namespace descent::io {

class NativeBuffer {
 public:
  NativeBuffer() = default;
  NativeBuffer(const NativeBuffer&) = delete;
  NativeBuffer& operator=(const NativeBuffer&) = delete;
  ~NativeBuffer();

  void* data() { return data_; }
  const void* data() const { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }

  // Grows the allocation to at least `bytes` (keeping the contents); false when out of memory.
  bool Reserve(size_t bytes) {
    if (bytes <= capacity_) return true;
    if (shared_) return false;  // JS and trainers hold its address
    size_t cap = capacity_ ? capacity_ : 4096;
    while (cap < bytes) cap = cap < (size_t(1) << 40) ? cap * 2 : bytes;
    void* p = std::realloc(data_, cap);
    if (p == nullptr) return false;
    data_ = p;
    capacity_ = cap;
    return true;
  }
  bool Resize(size_t bytes) {
    if (!Reserve(bytes)) return false;
    size_ = bytes;
    return true;
  }
  // Gives the unused capacity back (realloc shrinks in place or moves). Never after Share().
  void Shrink() {
    if (size_ == capacity_ || size_ == 0) return;
    void* p = std::realloc(data_, size_);
    if (p != nullptr) {
      data_ = p;
      capacity_ = size_;
    }
  }

 private:
  friend void Share(const std::shared_ptr<NativeBuffer>&);
  void* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  bool shared_ = false;
};

using BufferPtr = std::shared_ptr<NativeBuffer>;

// Registers a buffer about to be handed to JS (as an external ArrayBuffer): from now on it never moves, and Find
// can return its owner from an address JS passes back (a trainer then reads it in place, holding the owner).
void Share(const BufferPtr& b);
// The shared buffer that holds all of [p, p + bytes), or null (a plain JS-owned array).
BufferPtr Find(const void* p, size_t bytes);
// Allocates a zeroed buffer of `bytes` (null when out of memory).
BufferPtr Allocate(size_t bytes);

}  // namespace descent::io
