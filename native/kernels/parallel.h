// A small persistent thread pool for splitting large element-wise passes (optimizer updates over >= 1M
// elements) across cores. One pool per process; a call that finds the pool busy (another trainer or worker
// thread is using it) runs serially instead of oversubscribing the cores.
#pragma once
#include <cstddef>
#include <functional>

namespace descent::parallel {

// Threads used for a split pass (including the caller). Defaults to OpenBLAS's count at load.
int Threads();
void SetThreads(int n);

// Calls f(begin, end) on contiguous chunks covering [0, n), aligned to `align` elements (64 by default: whole
// cache lines of floats); returns when all are done. Runs serially when n < minParallel, when Threads() == 1, or
// when the pool is busy.
// `chunks` (at least Threads()) is how many pieces [0, n) is cut into; participants claim them in turn.
void For(size_t n, size_t minParallel, size_t align, const std::function<void(size_t, size_t)>& f, size_t chunks = 0);
inline void For(size_t n, size_t minParallel, const std::function<void(size_t, size_t)>& f) {
  For(n, minParallel, 64, f);
}

}  // namespace descent::parallel
