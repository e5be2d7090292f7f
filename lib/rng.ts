/**
 * xoshiro128** (Blackman & Vigna, 2018, https://prng.di.unimi.it/xoshiro128starstar.c) seeded by splitmix32.
 * Implemented bit-for-bit identically in native/kernels/rng.h so that one `seed` gives the same initial
 * weights and the same shuffles on both backends. Only 32-bit integer operations: exact in JS.
 */
export class Rng {
  private s = new Uint32Array(4);

  constructor(seed: number) {
    this.seed(seed);
  }

  /** Re-seeds from a 32-bit integer seed (values are reduced modulo 2^32). */
  seed(seed: number): void {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      // splitmix32 (Hash Prospector constants) to spread the seed over the 128-bit state.
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad) >>> 0;
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97) >>> 0;
      this.s[i] = (z ^ (z >>> 15)) >>> 0;
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return r;
  }

  /** Uniform double in [0, 1) with 32 random bits (exactly representable, same in C++). */
  uniform(): number {
    return this.nextU32() * 2.3283064365386963e-10;
  }

  /** Uniform integer in [0, bound), bound ≤ 2^32: `(u·bound) >> 32` (Lemire 2019, without the rejection step). */
  below(bound: number): number {
    // floor(u * bound / 2^32) in exact double arithmetic (u < 2^32, bound ≤ 2^32 ⇒ product < 2^64 is not exact);
    // use the high part of a 32x32 multiply computed by splitting into 16-bit halves.
    const u = this.nextU32();
    const lo = u & 0xffff;
    const hi = u >>> 16;
    // (hi*2^16 + lo) * bound / 2^32 = hi*bound/2^16 + lo*bound/2^32; each term exact in double for bound < 2^32.
    return Math.floor((hi * bound + Math.floor((lo * bound) / 65536)) / 65536);
  }

  /** In-place Fisher–Yates shuffle of `a` (Knuth, TAOCP vol. 2, Algorithm P), from the end. */
  shuffle(a: Uint32Array): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }

  getState(): number[] {
    return Array.from(this.s);
  }

  setState(state: readonly number[]): void {
    for (let i = 0; i < 4; i++) this.s[i] = state[i]! >>> 0;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
