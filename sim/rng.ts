import seedrandom from "seedrandom";
import { assert } from "./assert.js";
import { US_PER_S } from "./time.js";

/**
 * Named random streams and the distributions drawn from them.
 *
 * A stream's seed is a hash of (master seed, stream name), so adding a stream never shifts
 * another stream's draws, and two strategies compared on the same master seed see the same
 * failures and arrivals (common random numbers). Uniform draws come from seedrandom's Alea
 * generator (fast, 2^116 period, passes BigCrush); every distribution is written here so
 * its definition does not depend on a library's version (SimGrid's XbtRandom does the same).
 */

/** FNV-1a over the UTF-16 code units of `text`, 64 bits kept as two 32-bit halves. */
export function streamSeed(masterSeed: number, name: string): string {
  const text = `${masterSeed}\u0000${name}`;
  // 64-bit FNV-1a: offset basis 0xcbf29ce484222325, prime 0x100000001b3.
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < text.length; i++) {
    lo = (lo ^ text.charCodeAt(i)) >>> 0;
    // Multiply (hi, lo) by the prime 2^40 + 0x1b3, modulo 2^64.
    const loTimesPrimeLow = lo * 0x1b3;
    const carry = Math.floor(loTimesPrimeLow / 0x1_0000_0000);
    const newLo = loTimesPrimeLow >>> 0;
    const newHi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) >>> 0;
    hi = newHi;
    lo = newLo;
  }
  return hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0");
}

/** One named stream of random numbers. */
export class RngStream {
  readonly name: string;
  readonly #next: () => number;
  #spareNormal = NaN;

  constructor(masterSeed: number, name: string) {
    assert(Number.isInteger(masterSeed));
    this.name = name;
    const alea = seedrandom.alea(streamSeed(masterSeed, name));
    // 53-bit resolution: plain alea() has only 32 bits, too coarse for far tails.
    this.#next = alea.double;
  }

  /** Uniform on [0, 1). */
  random(): number {
    return this.#next();
  }

  /** Uniform on (0, 1]: safe to take the logarithm of. */
  #openUniform(): number {
    return 1 - this.#next();
  }

  /** Uniform on [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.#next();
  }

  /** Integer uniform on [low, high], both ends included. */
  integer(low: number, high: number): number {
    return low + Math.floor((high - low + 1) * this.#next());
  }

  /** Exponential with the given mean (inverse transform). */
  exponential(mean: number): number {
    return -mean * Math.log(this.#openUniform());
  }

  /** Weibull with shape k and scale λ: λ(−ln U)^(1/k). Mean λΓ(1 + 1/k). */
  weibull(shape: number, scale: number): number {
    return scale * Math.pow(-Math.log(this.#openUniform()), 1 / shape);
  }

  /** Normal by the Marsaglia polar method; the second variate is kept for the next call. */
  normal(mean: number, sd: number): number {
    const spare = this.#spareNormal;
    if (spare === spare) {
      this.#spareNormal = NaN;
      return mean + sd * spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.#next() - 1;
      v = 2 * this.#next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const factor = Math.sqrt((-2 * Math.log(s)) / s);
    this.#spareNormal = v * factor;
    return mean + sd * u * factor;
  }

  /** Lognormal: exp(N(mu, sigma)). The median is e^mu, the mean e^(mu + sigma²/2). */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(this.normal(mu, sigma));
  }

  /** Log-uniform on [low, high): the logarithm is uniform. */
  logUniform(low: number, high: number): number {
    assert(low > 0);
    assert(high >= low);
    return low * Math.exp(Math.log(high / low) * this.#next());
  }

  /**
   * A draw from an empirical distribution given as sorted observations: the inverse of
   * the piecewise-linear CDF through them (type 7 quantiles, as R and numpy default to).
   */
  empirical(sortedValues: Float64Array | readonly number[]): number {
    const n = sortedValues.length;
    assert(n > 0);
    if (n === 1) return sortedValues[0];
    const position = this.#next() * (n - 1);
    const below = Math.floor(position);
    const fraction = position - below;
    return sortedValues[below] + fraction * (sortedValues[below + 1] - sortedValues[below]);
  }

  /** An exponential delay in whole microseconds, mean given in seconds. */
  exponentialUs(meanS: number): number {
    return Math.round(this.exponential(meanS) * US_PER_S);
  }

  /** Picks an index with probability proportional to its weight. */
  weightedIndex(weights: readonly number[]): number {
    let total = 0;
    for (const weight of weights) total += weight;
    assert(total > 0);
    let target = this.#next() * total;
    for (let i = 0; i < weights.length; i++) {
      target -= weights[i];
      if (target < 0) return i;
    }
    return weights.length - 1;
  }
}
