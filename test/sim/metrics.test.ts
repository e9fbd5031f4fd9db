import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AssertionFailure } from "../../sim/assert.js";
import { Counter, fiveNumberSummary, SampleSet, TimeWeighted } from "../../sim/metrics.js";

function sampleSetOf(values: readonly number[]): SampleSet {
  const set = new SampleSet();
  for (const value of values) set.add(value);
  return set;
}

describe("Counter", () => {
  it("counts up by one or by an amount", () => {
    const counter = new Counter();
    expect(counter.value).toBe(0);
    counter.add();
    counter.add();
    counter.add(5);
    counter.add(0);
    expect(counter.value).toBe(7);
  });

  it("refuses to count down", () => {
    const counter = new Counter();
    expect(() => counter.add(-1)).toThrow(AssertionFailure);
    expect(counter.value).toBe(0);
  });
});

describe("TimeWeighted", () => {
  it("averages a step function over time", () => {
    // Value 0 on [0,10), 2 on [10,30), 5 on [30,40), 2 on [40,50]:
    // area = 0·10 + 2·20 + 5·10 + 2·10 = 110 over 50 µs.
    const queueLength = new TimeWeighted(0);
    queueLength.set(10, 2);
    queueLength.set(30, 5);
    queueLength.add(40, -3);
    expect(queueLength.value).toBe(2);
    expect(queueLength.areaUs(50)).toBe(110);
    expect(queueLength.mean(50)).toBe(2.2);
    expect(queueLength.max).toBe(5);
  });

  it("counts the open interval up to the time asked", () => {
    const level = new TimeWeighted(0);
    level.set(10, 2);
    expect(level.areaUs(20)).toBe(20); // 0·10 + 2·10
    expect(level.mean(20)).toBe(1);
    expect(level.mean(30)).toBeCloseTo(40 / 30, 12); // asking does not close the interval
  });

  it("starts from its start time and initial value", () => {
    const busy = new TimeWeighted(100, 3);
    expect(busy.mean(100)).toBeNaN(); // an empty interval has no mean
    busy.set(110, 1); // 3 for 10 µs
    expect(busy.mean(120)).toBe(2); // (30 + 10) / 20
    expect(busy.max).toBe(3);
  });

  it("counts several changes at one instant as one step", () => {
    const level = new TimeWeighted(0, 1);
    level.set(10, 4);
    level.set(10, 0);
    level.set(10, 2);
    expect(level.areaUs(20)).toBe(1 * 10 + 2 * 10);
    expect(level.max).toBe(4); // a zero-length spike still counts for the maximum
  });

  it("refuses time going backwards", () => {
    const level = new TimeWeighted(0);
    level.set(10, 1);
    expect(() => level.set(9, 2)).toThrow(AssertionFailure);
    expect(() => level.areaUs(5)).toThrow(AssertionFailure);
  });
});

describe("SampleSet", () => {
  it("gives type-7 percentiles of [1, 2, 3, 4]", () => {
    // Position p·(n − 1), interpolating between neighbours: p = 0.9 → 2.7 → 3 + 0.7·1.
    const set = sampleSetOf([1, 2, 3, 4]);
    expect(set.percentile(0)).toBe(1);
    expect(set.percentile(0.25)).toBe(1.75);
    expect(set.percentile(0.5)).toBe(2.5);
    expect(set.percentile(0.75)).toBe(3.25);
    expect(set.percentile(0.9)).toBeCloseTo(3.7, 12);
    expect(set.percentile(1)).toBe(4);
  });

  it("sorts unsorted input before taking percentiles", () => {
    const set = sampleSetOf([4, 1, 3, 2]);
    expect(set.percentile(0.5)).toBe(2.5);
    expect(set.percentile(0.9)).toBeCloseTo(3.7, 12);
    expect([...set.sortedValues()]).toEqual([1, 2, 3, 4]);
  });

  it("stays right when values arrive after a percentile was taken", () => {
    const set = sampleSetOf([3, 1]);
    expect(set.percentile(0.5)).toBe(2);
    set.add(0); // below the current maximum: the set must sort again
    expect(set.percentile(0)).toBe(0);
    expect(set.percentile(0.5)).toBe(1);
    set.add(5); // above it: still sorted
    expect(set.percentile(1)).toBe(5);
    expect([...set.sortedValues()]).toEqual([0, 1, 3, 5]);
  });

  it("grows past its first buffer", () => {
    const set = new SampleSet();
    for (let value = 1_000; value >= 1; value--) set.add(value);
    expect(set.count).toBe(1_000);
    expect(set.percentile(0.5)).toBe(500.5); // position 499.5
    expect(set.percentile(0.9)).toBeCloseTo(900.1, 9); // position 899.1
    expect(set.mean()).toBe(500.5);
  });

  it("returns NaN for an empty set", () => {
    const set = new SampleSet();
    expect(set.count).toBe(0);
    expect(set.percentile(0.5)).toBeNaN();
    expect(set.mean()).toBeNaN();
    expect(set.variance()).toBeNaN();
  });

  it("handles one value", () => {
    const set = sampleSetOf([7]);
    expect(set.percentile(0)).toBe(7);
    expect(set.percentile(0.5)).toBe(7);
    expect(set.percentile(1)).toBe(7);
    expect(set.mean()).toBe(7);
    expect(set.variance()).toBeNaN(); // n − 1 = 0
  });

  it("gives the sample variance with n − 1", () => {
    // Mean 2.5; squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5; 5 / 3.
    expect(sampleSetOf([1, 2, 3, 4]).variance()).toBeCloseTo(5 / 3, 12);
    expect(sampleSetOf([2, 4, 4, 4, 5, 5, 7, 9]).variance()).toBeCloseTo(32 / 7, 12);
  });

  it("keeps the variance of large, close values (two passes, no cancellation)", () => {
    expect(sampleSetOf([1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4]).variance()).toBeCloseTo(5 / 3, 9);
  });

  it("rejects non-finite samples and out-of-range p", () => {
    const set = sampleSetOf([1, 2]);
    expect(() => set.add(Number.NaN)).toThrow(AssertionFailure);
    expect(() => set.add(Infinity)).toThrow(AssertionFailure);
    expect(() => set.percentile(-0.1)).toThrow(AssertionFailure);
    expect(() => set.percentile(1.1)).toThrow(AssertionFailure);
    expect(set.count).toBe(2);
  });
});

describe("fiveNumberSummary", () => {
  it("summarises a small array, by hand", () => {
    // Sorted: 1 2 3 7 9 100 (n = 6). Type 7: q1 at 1.25 → 2.25, median at 2.5 → 5,
    // q3 at 3.75 → 8.5. IQR 6.25, fences 2.25 − 9.375 and 8.5 + 9.375 = 17.875, so the
    // whiskers end at 1 and 9 and 100 is an outlier.
    const values = [7, 1, 3, 9, 2, 100];
    const summary = fiveNumberSummary(values);
    expect(summary).toEqual({
      min: 1,
      q1: 2.25,
      median: 5,
      q3: 8.5,
      max: 100,
      mean: 122 / 6,
      whiskerLow: 1,
      whiskerHigh: 9,
    });
    expect(values).toEqual([7, 1, 3, 9, 2, 100]); // the input is not sorted in place
  });

  it("agrees with SampleSet.percentile for q1, median and q3", () => {
    const values = [7, 1, 3, 9, 2, 100];
    const summary = fiveNumberSummary(values);
    const set = sampleSetOf(values);
    expect(summary.q1).toBe(set.percentile(0.25));
    expect(summary.median).toBe(set.percentile(0.5));
    expect(summary.q3).toBe(set.percentile(0.75));
  });

  it("summarises [1, 2, 3, 4] from a Float64Array", () => {
    expect(fiveNumberSummary(Float64Array.from([4, 3, 2, 1]))).toEqual({
      min: 1,
      q1: 1.75,
      median: 2.5,
      q3: 3.25,
      max: 4,
      mean: 2.5,
      whiskerLow: 1,
      whiskerHigh: 4,
    });
  });

  it("agrees with SampleSet.percentile on any array", () => {
    // x + 0 turns −0 into 0, which the two sorts may otherwise order differently.
    const value = fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => x + 0);
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 60 }), (values) => {
        const summary = fiveNumberSummary(values);
        const set = sampleSetOf(values);
        expect(summary.min).toBe(set.percentile(0));
        expect(summary.q1).toBe(set.percentile(0.25));
        expect(summary.median).toBe(set.percentile(0.5));
        expect(summary.q3).toBe(set.percentile(0.75));
        expect(summary.max).toBe(set.percentile(1));
      }),
      { seed: 5, numRuns: 300 },
    );
  });

  it("refuses an empty array", () => {
    expect(() => fiveNumberSummary([])).toThrow(AssertionFailure);
  });
});
