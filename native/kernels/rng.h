// xoshiro128** seeded by splitmix32; bit-for-bit the same as lib/rng.ts so one seed gives the same
// initial weights and shuffles on both backends. Reference: https://prng.di.unimi.it/xoshiro128starstar.c
#pragma once
#include <cstddef>
#include <cstdint>

namespace descent {

class Rng {
 public:
  explicit Rng(uint32_t seed = 0) { Seed(seed); }

  void Seed(uint32_t seed) {
    uint32_t x = seed;
    for (int i = 0; i < 4; i++) {
      x += 0x9e3779b9u;
      uint32_t z = x;
      z = (z ^ (z >> 16)) * 0x21f0aaadu;
      z = (z ^ (z >> 15)) * 0x735a2d97u;
      s_[i] = z ^ (z >> 15);
    }
    if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) s_[0] = 1;
  }

  uint32_t NextU32() {
    const uint32_t r = Rotl(s_[1] * 5u, 7) * 9u;
    const uint32_t t = s_[1] << 9;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 11);
    return r;
  }

  // Uniform in [0, 1) from 32 bits; exactly the double lib/rng.ts computes.
  double Uniform() { return static_cast<double>(NextU32()) * 2.3283064365386963e-10; }

  // (u * bound) >> 32, Lemire's multiply-shift without rejection; bound <= 2^32.
  uint32_t Below(uint64_t bound) { return static_cast<uint32_t>((static_cast<uint64_t>(NextU32()) * bound) >> 32); }

  // Fisher-Yates from the end, as Rng.shuffle in lib/rng.ts.
  void Shuffle(uint32_t* a, size_t n) {
    for (size_t i = n; i-- > 1;) {
      const uint32_t j = Below(i + 1);
      const uint32_t t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  void GetState(uint32_t out[4]) const {
    for (int i = 0; i < 4; i++) out[i] = s_[i];
  }
  void SetState(const uint32_t in[4]) {
    for (int i = 0; i < 4; i++) s_[i] = in[i];
  }

 private:
  static uint32_t Rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }
  uint32_t s_[4];
};

}  // namespace descent
