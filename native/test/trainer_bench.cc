// W3's training step inside the engine alone (no JS, no data staging): MLP 784-256-128-10 ReLU, softmax, Adam,
// batch 128, on random data in row order. Not a test: `build-test/trainer_bench [threads] [batches]` prints
// samples/s, so the engine's own thread scaling can be told apart from the binding's.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <cblas.h>

#include "../engine/trainer.h"
#include "../kernels/parallel.h"
#include "../kernels/rng.h"

using namespace descent;

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  const size_t batches = argc > 2 ? static_cast<size_t>(std::atol(argv[2])) : 400;
  parallel::SetThreads(threads);
  openblas_set_num_threads(threads);
  NetworkSpec spec;
  spec.layers = {{784, 256, Act::kRelu, 0, true, 0}, {256, 128, Act::kRelu, 0, true, 0}, {128, 10, Act::kLinear, 0, true, 0}};
  spec.loss = Loss::kSoftmaxCrossEntropy;
  spec.optimizer.kind = OptKind::kAdam;
  spec.maxBatch = 128;
  auto t = MakeTrainer(spec);
  t->Initialize(1);
  const size_t n = batches * 128;
  std::vector<float> X(n * 784), Y(n);
  Rng rng(3);
  for (auto& v : X) v = static_cast<float>(rng.Uniform());
  for (size_t i = 0; i < n; i++) Y[i] = static_cast<float>(i % 10);
  std::vector<double> lrs(batches, 1e-3), losses(batches);
  for (int rep = 0; rep < 4; rep++) {
    const auto t0 = std::chrono::steady_clock::now();
    const RunResult r = t->RunBatches(X.data(), Y.data(), nullptr, n, nullptr, 128, 0, batches, lrs.data(), losses.data(), nullptr, nullptr);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("threads %d: %.0f samples/s (%.1f us/step)%s\n", threads, n / s, s / batches * 1e6, r.status ? " FAILED" : "");
  }
  return 0;
}
