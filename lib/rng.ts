/**
 * xoshiro128** (Blackman & Vigna, 2018, https://prng.di.unimi.it/xoshiro128starstar.c) seeded by splitmix32.
 * Implemented bit-for-bit identically in native/kernels/rng.h so that one `seed` gives the same initial
 * weights and the same shuffles on both backends. Only 32-bit integer operations: exact in JS.
 *
 * Every method checks its argument: a bad one is an OptionError naming it.
 */
import { invalid, readArgument } from './validate';

const TWO_32 = 4294967296;

export class Rng {
  private s = new Uint32Array(4);

  constructor(seed: number) {
    this.seed(seed);
  }

  /**
   * Re-seeds from an integer seed (values are reduced modulo 2^32, so -1 and 2^32 − 1 give the same stream).
   * @throws OptionError (argument `"seed"`) for anything but an integer.
   */
  seed(seed: number): void {
    if (typeof seed !== 'number' || !Number.isInteger(seed)) throw invalid('seed', 'an integer', seed);
    let x = seed >>> 0; // ToUint32: modulo 2^32
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

  /**
   * Uniform integer in [0, bound), bound ≤ 2^32: `(u·bound) >> 32` (Lemire 2019, without the rejection step).
   * @throws OptionError (argument `"bound"`) unless `bound` is an integer in [1, 2^32].
   */
  below(bound: number): number {
    if (typeof bound !== 'number' || !Number.isInteger(bound) || bound < 1 || bound > TWO_32) throw invalid('bound', 'an integer >= 1 and <= 4294967296', bound);
    return this.#below(bound);
  }

  #below(bound: number): number {
    // floor(u * bound / 2^32) in exact double arithmetic (u < 2^32, bound ≤ 2^32 ⇒ product < 2^64 is not exact);
    // use the high part of a 32x32 multiply computed by splitting into 16-bit halves.
    const u = this.nextU32();
    const lo = u & 0xffff;
    const hi = u >>> 16;
    // (hi*2^16 + lo) * bound / 2^32 = hi*bound/2^16 + lo*bound/2^32; each term exact in double for bound < 2^32.
    return Math.floor((hi * bound + Math.floor((lo * bound) / 65536)) / 65536);
  }

  /**
   * In-place Fisher–Yates shuffle of `array` (Knuth, TAOCP vol. 2, Algorithm P), from the end.
   * @throws OptionError (argument `"array"`) unless `array` is a Uint32Array.
   */
  shuffle(array: Uint32Array): void {
    if (!(ArrayBuffer.isView(array) && array instanceof Uint32Array)) throw invalid('array', 'a Uint32Array', array);
    const a = array;
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.#below(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }

  getState(): number[] {
    return Array.from(this.s);
  }

  /**
   * Restores a state from {@link Rng.getState}.
   * @throws OptionError (argument `"state"`) unless `state` holds 4 integers in [0, 2^32), not all 0 (xoshiro's one
   *   forbidden state).
   */
  setState(state: readonly number[]): void {
    const what = 'an array of 4 integers in [0, 4294967295], not all 0';
    if (!(Array.isArray(state) || (ArrayBuffer.isView(state) && !(state instanceof DataView)))) throw invalid('state', what, state);
    const s = readArgument('state', what, state, () => {
      const a = state as ArrayLike<unknown>;
      return a.length === 4 ? [a[0], a[1], a[2], a[3]] : [];
    });
    if (s.length !== 4 || !s.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < TWO_32) || s.every((v) => v === 0)) {
      throw invalid('state', what, state);
    }
    for (let i = 0; i < 4; i++) this.s[i] = s[i] as number;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
