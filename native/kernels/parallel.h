// A small persistent thread pool for splitting large element-wise passes (optimizer updates over >= 1M
// elements) across cores. One pool per process; a call that finds the pool busy (another trainer or worker
// thread is using it) runs serially instead of oversubscribing the cores.
#pragma once
#include <cstddef>

namespace descent::parallel {

// Threads used for a split pass (including the caller). Defaults to OpenBLAS's count at load.
int Threads();
void SetThreads(int n);

// A non-owning reference to a callable f(begin, end): a pass through the pool allocates nothing (a
// std::function holding a capturing lambda would allocate on every GEMM split).
struct Task {
  const void* obj;
  void (*call)(const void* obj, size_t begin, size_t end);
  void operator()(size_t b, size_t e) const { call(obj, b, e); }
};

// Runs t on contiguous chunks covering [0, n) (see For).
void Run(size_t n, size_t minParallel, size_t align, const Task& t, size_t chunks);

// Calls f(begin, end) on contiguous chunks covering [0, n), aligned to `align` elements (64 by default: whole
// cache lines of floats); returns when all are done. Runs serially when n < minParallel, when Threads() == 1, or
// when the pool is busy.
// `chunks` (at least Threads()) is how many pieces [0, n) is cut into; participants claim them in turn.
template <typename F>
void For(size_t n, size_t minParallel, size_t align, const F& f, size_t chunks = 0) {
  Run(n, minParallel, align, Task{&f, [](const void* o, size_t b, size_t e) { (*static_cast<const F*>(o))(b, e); }}, chunks);
}
template <typename F>
void For(size_t n, size_t minParallel, const F& f) {
  For(n, minParallel, 64, f);
}

}  // namespace descent::parallel
