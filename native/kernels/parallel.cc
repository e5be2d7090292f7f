#include "parallel.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace descent::parallel {
namespace {

class Pool {
 public:
  ~Pool() { Resize(1); }

  int Size() {
    std::lock_guard<std::mutex> g(configMu_);
    return static_cast<int>(workers_.size()) + 1;
  }

  void Resize(int n) {
    std::lock_guard<std::mutex> g(configMu_);
    std::lock_guard<std::mutex> busy(runMu_);  // never resize under a running pass
    Stop();
    parts_ = static_cast<size_t>(n);
    // The generation a new worker has seen is the one current now, not whenever its thread first runs: a pass
    // started in between would otherwise count as already seen, and TryRun would wait for that worker forever.
    uint64_t now;
    {
      std::lock_guard<std::mutex> g(mu_);
      now = generation_;
    }
    for (int i = 1; i < n; i++) workers_.emplace_back([this, i, now] { Work(static_cast<size_t>(i), now); });
  }

  bool TryRun(size_t n, const std::function<void(size_t, size_t)>& f) {
    std::unique_lock<std::mutex> busy(runMu_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    const size_t parts = workers_.size() + 1;
    {
      std::lock_guard<std::mutex> g(mu_);
      fn_ = &f;
      n_ = n;
      parts_ = parts;
      pending_ = parts - 1;
      generation_++;
    }
    cv_.notify_all();
    Range(0, f);
    std::unique_lock<std::mutex> g(mu_);
    done_.wait(g, [this] { return pending_ == 0; });
    fn_ = nullptr;
    return true;
  }

 private:
  void Range(size_t part, const std::function<void(size_t, size_t)>& f) {
    const size_t chunk = ((n_ + parts_ - 1) / parts_ + 63) / 64 * 64;
    const size_t b = part * chunk;
    const size_t e = b + chunk < n_ ? b + chunk : n_;
    if (b < e) f(b, e);
  }

  void Work(size_t part, uint64_t seen) {
    for (;;) {
      const std::function<void(size_t, size_t)>* f;
      {
        std::unique_lock<std::mutex> g(mu_);
        cv_.wait(g, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        f = fn_;
      }
      Range(part, *f);
      {
        std::lock_guard<std::mutex> g(mu_);
        if (--pending_ == 0) done_.notify_one();
      }
    }
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> g(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    stop_ = false;
  }

  std::mutex configMu_, runMu_, mu_;
  std::condition_variable cv_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(size_t, size_t)>* fn_ = nullptr;
  size_t n_ = 0, parts_ = 1, pending_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
};

Pool& GetPool() {
  static Pool* pool = new Pool();  // leaked on purpose: no join at static destruction (process exit)
  return *pool;
}
std::atomic<int> g_threads{1};

}  // namespace

int Threads() { return g_threads.load(); }

void SetThreads(int n) {
  if (n < 1) n = 1;
  if (n > 64) n = 64;
  g_threads.store(n);
  GetPool().Resize(n);
}

void For(size_t n, size_t minParallel, const std::function<void(size_t, size_t)>& f) {
  if (n >= minParallel && g_threads.load() > 1 && GetPool().TryRun(n, f)) return;
  f(0, n);
}

}  // namespace descent::parallel
