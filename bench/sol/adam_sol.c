/* The speed of light for a fused Adam step: the plainest C loop, compiled with -O3 -march=native by the benchmark
 * (bench/optimizers.ts) and run in the same session, interleaved with descent's step. Prints the median ms per step
 * for n float32 parameters. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char** argv) {
  const long n = argc > 1 ? atol(argv[1]) : 10000000;
  const int steps = argc > 2 ? atoi(argv[2]) : 20;
  float* p = malloc(n * sizeof(float));
  float* g = malloc(n * sizeof(float));
  float* m = malloc(n * sizeof(float));
  float* v = malloc(n * sizeof(float));
  for (long i = 0; i < n; i++) { p[i] = 0.5f; g[i] = 0.01f; m[i] = 0; v[i] = 0; }
  const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f, lr = 1e-3f;
  double* times = malloc((steps + 1) * sizeof(double));
  for (int t = 1; t <= steps + 1; t++) {
    const float c1 = lr / (1.0f - powf(b1, t)), c2 = sqrtf(1.0f - powf(b2, t));
    double t0 = now();
    for (long i = 0; i < n; i++) {
      float mi = b1 * m[i] + (1 - b1) * g[i];
      float vi = b2 * v[i] + (1 - b2) * g[i] * g[i];
      m[i] = mi;
      v[i] = vi;
      p[i] -= c1 * mi / (sqrtf(vi) / c2 + eps);
    }
    times[t - 1] = now() - t0;
  }
  /* the median of the steps after the first (which faults the pages in): the statistic descent's side uses */
  for (int i = 1; i <= steps; i++)
    for (int j = i + 1; j <= steps; j++)
      if (times[j] < times[i]) { double x = times[i]; times[i] = times[j]; times[j] = x; }
  const double best = times[1 + steps / 2];
  printf("%.4f\n", best * 1e3);
  return p[0] > 1e30f;  /* keep the result live */
}
