#include "parallel.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace descent::parallel {
namespace {

// A pass on a woken thread starts 20-60 µs late on this kind of VM (futex wake + scheduling), the time of a
// whole W3-sized GEMM half. So both sides spin before sleeping: a worker for kSpin after its last pass (a
// training step issues the next split within microseconds), the caller while the parts finish. Past kSpin
// everyone blocks on the condition variables as before: an idle pool costs no CPU. The spin yields now and then:
// with as many threads as cores, the thread that would run the next pass may be queued on the spinner's core.
constexpr auto kSpin = std::chrono::microseconds(300);

inline void Relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

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
      now = generation_.load();
    }
    for (int i = 1; i < n; i++) workers_.emplace_back([this, i, now] { Work(static_cast<size_t>(i), now); });
  }

  bool TryRun(size_t n, size_t align, size_t chunks, const Task& f) {
    std::unique_lock<std::mutex> busy(runMu_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    const size_t parts = workers_.size() + 1;
    {
      std::lock_guard<std::mutex> g(mu_);
      fn_ = &f;
      n_ = n;
      align_ = align < 1 ? 1 : align;
      parts_ = parts;
      chunks_ = chunks < parts ? parts : chunks;
      next_.store(0);
      pending_.store(parts - 1);
      generation_.fetch_add(1, std::memory_order_release);  // publishes fn_, n_, align_, parts_ to spinners
    }
    cv_.notify_all();
    Range(0, f);
    if (pending_.load(std::memory_order_acquire) != 0) {
      const auto until = std::chrono::steady_clock::now() + kSpin;
      for (int i = 1; pending_.load(std::memory_order_acquire) != 0; i++) {
        Relax();
        if ((i & 63) == 0) {
          if (std::chrono::steady_clock::now() > until) break;
          std::this_thread::yield();  // a thread queued on this core (a libuv worker starting a chunk) goes first
        }
      }
    }
    std::unique_lock<std::mutex> g(mu_);
    done_.wait(g, [this] { return pending_.load() == 0; });
    fn_ = nullptr;
    return true;
  }

 private:
  // Chunks are claimed, not assigned: a participant the OS descheduled (the JS thread gathering the next chunk
  // of data, V8's GC) delays only the chunk it holds while the others take the rest.
  void Range(size_t /*part*/, const Task& f) {
    const size_t chunk = ((n_ + chunks_ - 1) / chunks_ + align_ - 1) / align_ * align_;
    for (;;) {
      const size_t b = next_.fetch_add(1, std::memory_order_relaxed) * chunk;
      if (b >= n_) return;
      f(b, b + chunk < n_ ? b + chunk : n_);
    }
  }

  void Work(size_t part, uint64_t seen) {
    for (;;) {
      const Task* f;
      uint64_t now = generation_.load(std::memory_order_acquire);
      if (now == seen) {
        const auto until = std::chrono::steady_clock::now() + kSpin;
        for (int i = 1; (now = generation_.load(std::memory_order_acquire)) == seen && !stopping_.load(); i++) {
          Relax();
          if ((i & 63) == 0) {
            if (std::chrono::steady_clock::now() > until) break;
            std::this_thread::yield();  // a thread queued on this core (a libuv worker starting a chunk) goes first
          }
        }
      }
      {
        std::unique_lock<std::mutex> g(mu_);
        cv_.wait(g, [&] { return stop_ || generation_.load() != seen; });
        if (stop_) return;
        seen = generation_.load();
        f = fn_;
      }
      Range(part, *f);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> g(mu_);  // the caller may be about to sleep on done_: notify under the lock
        done_.notify_one();
      }
    }
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> g(mu_);
      stop_ = true;
      stopping_.store(true);
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    stop_ = false;
    stopping_.store(false);
  }

  std::mutex configMu_, runMu_, mu_;
  std::condition_variable cv_, done_;
  std::vector<std::thread> workers_;
  const Task* fn_ = nullptr;
  size_t n_ = 0, align_ = 64, parts_ = 1;
  size_t chunks_ = 1;
  std::atomic<size_t> pending_{0}, next_{0};
  std::atomic<uint64_t> generation_{0};
  bool stop_ = false;
  std::atomic<bool> stopping_{false};
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

void Run(size_t n, size_t minParallel, size_t align, const Task& f, size_t chunks) {
  if (n >= minParallel && g_threads.load() > 1 && GetPool().TryRun(n, align, chunks, f)) return;
  f(0, n);
}

}  // namespace descent::parallel
