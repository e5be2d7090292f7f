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

// Calls f(begin, end) on contiguous chunks covering [0, n), aligned to 64 elements; returns when all are done.
// Runs serially when n < minParallel, when Threads() == 1, or when the pool is busy.
void For(size_t n, size_t minParallel, const std::function<void(size_t, size_t)>& f);

}  // namespace descent::parallel
