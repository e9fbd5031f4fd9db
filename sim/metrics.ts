import { boxplot } from "@sgratzl/boxplots";
import { assert } from "./assert.js";

/**
 * Metric primitives: counters, time-weighted averages and sample sets with exact
 * percentiles. Models own them and turn them into named metrics at the end of a run.
 */

/** A count that only goes up. */
export class Counter {
  value = 0;

  add(amount = 1): void {
    assert(amount >= 0);
    this.value += amount;
  }
}

/**
 * The time average of a piecewise-constant quantity (queue length, busy GPUs). Each
 * `set` closes the interval since the previous change.
 */
export class TimeWeighted {
  #value: number;
  #sinceUs: number;
  #areaUs = 0;
  readonly #startUs: number;
  #max: number;

  constructor(startUs: number, initialValue = 0) {
    this.#startUs = startUs;
    this.#sinceUs = startUs;
    this.#value = initialValue;
    this.#max = initialValue;
  }

  get value(): number {
    return this.#value;
  }

  get max(): number {
    return this.#max;
  }

  set(nowUs: number, value: number): void {
    assert(nowUs >= this.#sinceUs, "time went backwards");
    this.#areaUs += this.#value * (nowUs - this.#sinceUs);
    this.#sinceUs = nowUs;
    this.#value = value;
    if (value > this.#max) this.#max = value;
  }

  add(nowUs: number, delta: number): void {
    this.set(nowUs, this.#value + delta);
  }

  /** Integral of the value over [start, nowUs], in value·µs. */
  areaUs(nowUs: number): number {
    assert(nowUs >= this.#sinceUs, "time went backwards");
    return this.#areaUs + this.#value * (nowUs - this.#sinceUs);
  }

  /** Mean over [start, nowUs]; NaN over an empty interval. */
  mean(nowUs: number): number {
    const span = nowUs - this.#startUs;
    return span > 0 ? this.areaUs(nowUs) / span : NaN;
  }
}

/** A growing set of observations with exact percentiles. */
export class SampleSet {
  #values = new Float64Array(64);
  #count = 0;
  #sorted = true;
  #sum = 0;

  get count(): number {
    return this.#count;
  }

  add(value: number): void {
    assert(Number.isFinite(value), "sample must be finite");
    if (this.#count === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    if (this.#count > 0 && value < this.#values[this.#count - 1]) this.#sorted = false;
    this.#values[this.#count++] = value;
    this.#sum += value;
  }

  /** Mean; NaN when empty. */
  mean(): number {
    return this.#count > 0 ? this.#sum / this.#count : NaN;
  }

  /** Sample variance (n − 1); NaN with fewer than two values. */
  variance(): number {
    if (this.#count < 2) return NaN;
    const mean = this.mean();
    let squares = 0;
    for (let i = 0; i < this.#count; i++) squares += (this.#values[i] - mean) ** 2;
    return squares / (this.#count - 1);
  }

  /**
   * The p-quantile (0 ≤ p ≤ 1) by linear interpolation between order statistics (type 7,
   * numpy's and R's default); NaN when empty.
   */
  percentile(p: number): number {
    assert(p >= 0 && p <= 1);
    if (this.#count === 0) return NaN;
    const values = this.sortedValues();
    const position = p * (this.#count - 1);
    const below = Math.floor(position);
    const above = Math.min(below + 1, this.#count - 1);
    return values[below] + (position - below) * (values[above] - values[below]);
  }

  /** The observations in ascending order (a view; do not keep it across `add`). */
  sortedValues(): Float64Array {
    const view = this.#values.subarray(0, this.#count);
    if (!this.#sorted) {
      view.sort();
      this.#sorted = true;
    }
    return view;
  }
}

/** Minimum, quartiles, maximum and mean, as box plots draw them. */
export interface FiveNumberSummary {
  readonly min: number;
  readonly q1: number;
  readonly median: number;
  readonly q3: number;
  readonly max: number;
  readonly mean: number;
  /** Most extreme values within 1.5 IQR of the box (Tukey's whiskers). */
  readonly whiskerLow: number;
  readonly whiskerHigh: number;
}

/**
 * Five-number summary by @sgratzl/boxplots, whose default quantiles are type 7 (the same
 * definition as `SampleSet.percentile`), so a box plot and a percentile column agree.
 */
export function fiveNumberSummary(values: readonly number[] | Float64Array): FiveNumberSummary {
  assert(values.length > 0, "cannot summarise no values");
  const stats = boxplot(Float64Array.from(values));
  return {
    min: stats.min,
    q1: stats.q1,
    median: stats.median,
    q3: stats.q3,
    max: stats.max,
    mean: stats.mean,
    whiskerLow: stats.whiskerLow,
    whiskerHigh: stats.whiskerHigh,
  };
}
