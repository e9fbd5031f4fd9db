import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ArrivalProfile } from "../../models/workload/arrivals.js";
import { ARRIVALS_STREAM, ArrivalProcess, BURSTS_STREAM, expectedArrivals } from "../../models/workload/arrivals.js";
import { AssertionFailure } from "../../sim/assert.js";
import type { DistributionSpec } from "../../sim/distribution.js";
import { RngStream } from "../../sim/rng.js";
import { US_PER_DAY, US_PER_H } from "../../sim/time.js";

/**
 * Statistical tests of the arrival process. Expected values come from formulas written
 * here (the rate's integral by Simpson's rule, Poisson and compound-Poisson variances,
 * the exponential CDF), never from the code under test, except where a test checks the
 * count against `expectedArrivals` — and that function is itself checked against Simpson.
 *
 * Tolerances:
 * - a Poisson count is within 4 standard deviations, √mean (false alarm 6e-5 per check);
 *   a count with bursts uses the compound-Poisson variance, base mean + bursts·E[size²];
 * - a ratio of two independent Poisson counts is within 4 relative standard errors,
 *   √(1/E₁ + 1/E₂);
 * - the Kolmogorov–Smirnov distance is below the 1% critical value 1.63/√n;
 * - a chi-square over 24 hourly bins is below the 0.1% critical value for 24 degrees of
 *   freedom, 51.18;
 * - the coefficient of variation of n exponential gaps is within 5 of its standard errors,
 *   1/√n (the delta method with the exponential's moments: Var(ŝ/x̄) ≈ 1/n).
 * Seeds are fixed, so each test passes or fails the same way every run; comments say how
 * far off a plausible wrong implementation would land.
 */

const SEED = 20_260_301;
const DAYS = 200;
const HORIZON_US = DAYS * US_PER_DAY;

interface Arrivals {
  readonly times: number[];
  /** The burst episode of each arrival, −1 for the base process. */
  readonly bursts: number[];
}

function makeProcess(options: ArrivalProfile, seed: number): ArrivalProcess {
  return new ArrivalProcess(new RngStream(seed, ARRIVALS_STREAM), new RngStream(seed, BURSTS_STREAM), options);
}

/** Every arrival before `untilUs`. */
function collect(options: ArrivalProfile, seed: number, untilUs = HORIZON_US): Arrivals {
  const process = makeProcess(options, seed);
  const times: number[] = [];
  const bursts: number[] = [];
  for (let timeUs = process.nextArrivalUs(0); timeUs < untilUs; timeUs = process.nextArrivalUs(timeUs)) {
    times.push(timeUs);
    bursts.push(process.lastBurst);
  }
  return { times, bursts };
}

function gaps(times: readonly number[]): number[] {
  const result: number[] = [];
  for (let i = 1; i < times.length; i++) result.push(times[i] - times[i - 1]);
  return result;
}

function coefficientOfVariation(values: readonly number[]): number {
  let sum = 0;
  for (const value of values) sum += value;
  const mean = sum / values.length;
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  return Math.sqrt(squares / (values.length - 1)) / mean;
}

/** Largest distance between the empirical CDF of `values` and the Exp(mean) CDF. */
function ksDistanceExponential(values: readonly number[], mean: number): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let distance = 0;
  for (let i = 0; i < n; i++) {
    const cdf = 1 - Math.exp(-sorted[i] / mean);
    distance = Math.max(distance, (i + 1) / n - cdf, cdf - i / n);
  }
  return distance;
}

/** The base rate in jobs/hour at `hours` after time 0, written from the documented shape. */
function referenceRate(profile: ArrivalProfile, hours: number): number {
  const amplitude = profile.diurnalAmplitude ?? 0;
  const peakHour = profile.peakHour ?? 14;
  const day = Math.floor(hours / 24);
  const weekend = day % 7 === 5 || day % 7 === 6;
  const dayWeight = weekend ? (profile.weekendFactor ?? 1) : 1;
  const hourOfDay = hours - 24 * day;
  return profile.ratePerHour * (1 + amplitude * Math.cos((2 * Math.PI * (hourOfDay - peakHour)) / 24)) * dayWeight;
}

/**
 * ∫ referenceRate over [fromHours, toHours] by Simpson's rule, split at midnights (where
 * the weekend factor steps) so every piece is smooth. The error is about
 * 24·h⁴·max|f⁗|/180 per day, h = 24 / piecesPerDay hours: 2e-11 of a day's arrivals
 * with 1536 pieces, 1e-6 with 96.
 */
function simpsonIntegral(profile: ArrivalProfile, fromHours: number, toHours: number, piecesPerDay = 96): number {
  let total = 0;
  let start = fromHours;
  while (start < toHours) {
    const end = Math.min(toHours, (Math.floor(start / 24) + 1) * 24);
    const pieces = 2 * Math.ceil(((end - start) / 24) * (piecesPerDay / 2));
    const step = (end - start) / pieces;
    // Evaluate just inside the piece so the endpoints take this day's weekend factor.
    const at = (i: number): number => referenceRate(profile, Math.min(start + i * step, end - 1e-12));
    let sum = at(0) + at(pieces);
    for (let i = 1; i < pieces; i++) sum += (i % 2 === 1 ? 4 : 2) * at(i);
    total += (sum * step) / 3;
    start = end;
  }
  return total;
}

/** Λ(t) for every day boundary: cumulative expected base arrivals, from Simpson. */
function cumulativeByDay(profile: ArrivalProfile, days: number): Float64Array {
  const result = new Float64Array(days + 1);
  for (let day = 0; day < days; day++) result[day + 1] = result[day] + simpsonIntegral(profile, 24 * day, 24 * (day + 1));
  return result;
}

describe("rateAt", () => {
  const profile: ArrivalProfile = { ratePerHour: 10, diurnalAmplitude: 0.5, peakHour: 15, weekendFactor: 0.25 };
  const process = makeProcess(profile, SEED);

  it("peaks at peakHour and bottoms out twelve hours later", () => {
    expect(process.rateAt(15 * US_PER_H)).toBeCloseTo(15, 12);
    expect(process.rateAt(3 * US_PER_H)).toBeCloseTo(5, 12);
    // The mean of peak and trough is the mean rate; 9 am and 9 pm are symmetric about it.
    expect(process.rateAt(9 * US_PER_H)).toBeCloseTo(10, 12);
    expect(process.rateAt(21 * US_PER_H)).toBeCloseTo(10, 12);
  });

  it("is symmetric about the peak, across midnight too", () => {
    const late = makeProcess({ ratePerHour: 10, diurnalAmplitude: 0.8, peakHour: 23 }, SEED);
    for (const offsetHours of [0.5, 1, 2.25, 6]) {
      expect(late.rateAt((23 + offsetHours) * US_PER_H)).toBeCloseTo(late.rateAt((23 - offsetHours) * US_PER_H), 10);
    }
  });

  it("scales days 5 and 6 of every week by weekendFactor, time 0 being a Monday midnight", () => {
    const noon = 12 * US_PER_H;
    for (let day = 0; day < 21; day++) {
      const factor = day % 7 >= 5 ? 0.25 : 1;
      expect(process.rateAt(day * US_PER_DAY + noon)).toBeCloseTo(factor * process.rateAt(noon), 12);
    }
    // The step is at midnight: Friday 23:59:59 is a weekday, Saturday 00:00 is not.
    expect(process.rateAt(5 * US_PER_DAY - 1)).toBeCloseTo(referenceRate(profile, (5 * US_PER_DAY - 1) / US_PER_H), 12);
    expect(process.rateAt(5 * US_PER_DAY)).toBeCloseTo(0.25 * process.rateAt(0), 12);
  });
});

describe("expectedArrivals", () => {
  it("is rate × hours for a flat profile", () => {
    expect(expectedArrivals({ ratePerHour: 12 }, 0, 10 * US_PER_H)).toBeCloseTo(120, 9);
    expect(expectedArrivals({ ratePerHour: 12 }, 3 * US_PER_H, 3 * US_PER_H)).toBe(0);
  });

  it("over whole weeks is rate·24·(5 + 2·weekendFactor) per week: the cosine integrates out", () => {
    const profile: ArrivalProfile = { ratePerHour: 7, diurnalAmplitude: 0.9, peakHour: 5.5, weekendFactor: 0.3 };
    expect(expectedArrivals(profile, 0, 4 * 7 * US_PER_DAY)).toBeCloseTo(4 * 7 * 24 * (5 + 2 * 0.3), 8);
    // Any whole day is rate·24·its weight, wherever it starts.
    expect(expectedArrivals(profile, 5.25 * US_PER_DAY, 6.25 * US_PER_DAY)).toBeCloseTo(7 * 24 * 0.3, 8);
  });

  it("matches Simpson's rule over partial days and weeks", () => {
    const profiles: ArrivalProfile[] = [
      { ratePerHour: 10, diurnalAmplitude: 0.6, peakHour: 14, weekendFactor: 0.5 },
      { ratePerHour: 3.5, diurnalAmplitude: 0.95, peakHour: 23.5, weekendFactor: 2 },
      { ratePerHour: 100, diurnalAmplitude: 0.2, peakHour: 0 },
    ];
    const windowsHours: [number, number][] = [
      [0, 1],
      [1.5, 7.25],
      [13, 37],
      [100.1, 171.9],
      [0, 500.5],
      [4.5 * 24, 9.75 * 24],
    ];
    for (const profile of profiles) {
      for (const [fromHours, toHours] of windowsHours) {
        const expected = simpsonIntegral(profile, fromHours, toHours, 1536);
        const actual = expectedArrivals(profile, fromHours * US_PER_H, toHours * US_PER_H);
        expect(Math.abs(actual - expected)).toBeLessThan(1e-9 * expected + 1e-9);
      }
    }
  });

  it("adds bursts·days·mean size, ramping up over the first spread since no burst starts before 0", () => {
    // Uniform on [0.5, 400.5) rounds to 1…400 with equal probability: mean 200.5 exactly.
    const profile: ArrivalProfile = {
      ratePerHour: 0,
      burstsPerDay: 3,
      burstSize: { kind: "uniform", low: 0.5, high: 400.5 },
      burstSpreadS: 3_600,
    };
    expect(expectedArrivals(profile, US_PER_H, 11 * US_PER_H)).toBeCloseTo((3 * 200.5 * 10) / 24, 9);
    // Over the first hour the burst jobs' rate climbs linearly from 0: half the full amount.
    expect(expectedArrivals(profile, 0, US_PER_H)).toBeCloseTo((3 * 200.5 * 0.5) / 24, 9);
    expect(expectedArrivals({ ...profile, burstSpreadS: 0 }, 0, US_PER_H)).toBeCloseTo((3 * 200.5) / 24, 9);
  });
});

describe("ArrivalProcess: the base process", () => {
  const profile: ArrivalProfile = { ratePerHour: 20, diurnalAmplitude: 0.6, peakHour: 15, weekendFactor: 0.5 };

  it("brings expectedArrivals over 200 days, within 4√mean, for several seeds", () => {
    const mean = expectedArrivals(profile, 0, HORIZON_US);
    // Independent: 200 days = 28 weeks + 4 weekdays, the cosine integrating out over each day.
    expect(mean).toBeCloseTo(20 * 24 * (28 * (5 + 2 * 0.5) + 4), 6);
    for (const seed of [SEED, SEED + 1, SEED + 2]) {
      const count = collect(profile, seed).times.length;
      expect(Math.abs(count - mean)).toBeLessThan(4 * Math.sqrt(mean));
    }
  });

  it("follows the cosine by hour of day: peak ±2 h over trough ±2 h is the ratio of the integrals", () => {
    const amplitude = 0.5;
    const peakHour = 14;
    const daily: ArrivalProfile = { ratePerHour: 20, diurnalAmplitude: amplitude, peakHour };
    const counts = new Array<number>(24).fill(0);
    for (const timeUs of collect(daily, SEED).times) counts[Math.floor((timeUs % US_PER_DAY) / US_PER_H)]++;

    // ∫ over ±2 h of 1 ± A·cos(2πx/24) = 4 ± A·(24/π)·sin(π/6).
    const peakIntegral = 4 + amplitude * (24 / Math.PI) * Math.sin(Math.PI / 6);
    const troughIntegral = 4 - amplitude * (24 / Math.PI) * Math.sin(Math.PI / 6);
    const peakCount = counts[12] + counts[13] + counts[14] + counts[15];
    const troughCount = counts[0] + counts[1] + counts[2] + counts[3];
    const relativeSe = Math.sqrt(1 / (20 * DAYS * peakIntegral) + 1 / (20 * DAYS * troughIntegral));
    const analyticRatio = peakIntegral / troughIntegral; // 2.83; a peak misplaced by 6 h gives 1.
    expect(Math.abs(peakCount / troughCount / analyticRatio - 1)).toBeLessThan(4 * relativeSe);

    // Every hour, against its own integral: chi-square, 24 degrees of freedom.
    let chiSquare = 0;
    for (let hour = 0; hour < 24; hour++) {
      const expected = DAYS * simpsonIntegral(daily, hour, hour + 1);
      chiSquare += (counts[hour] - expected) ** 2 / expected;
    }
    expect(chiSquare).toBeLessThan(51.18);
  });

  it("scales the weekend days' counts by weekendFactor", () => {
    const weekendFactor = 0.4;
    const weekly: ArrivalProfile = { ratePerHour: 20, diurnalAmplitude: 0.3, peakHour: 10, weekendFactor };
    const weeks = 28;
    const counts = new Array<number>(7).fill(0);
    for (const timeUs of collect(weekly, SEED, weeks * 7 * US_PER_DAY).times) counts[Math.floor(timeUs / US_PER_DAY) % 7]++;
    for (let day = 0; day < 7; day++) {
      const expected = 20 * 24 * weeks * (day >= 5 ? weekendFactor : 1);
      expect(Math.abs(counts[day] - expected)).toBeLessThan(4 * Math.sqrt(expected));
    }
    const weekdayPerDay = (counts[0] + counts[1] + counts[2] + counts[3] + counts[4]) / 5;
    const weekendPerDay = (counts[5] + counts[6]) / 2;
    const relativeSe = Math.sqrt(1 / (20 * 24 * weeks * 5) + 1 / (20 * 24 * weeks * 2 * weekendFactor));
    expect(Math.abs(weekendPerDay / weekdayPerDay / weekendFactor - 1)).toBeLessThan(4 * relativeSe);
  });

  it("has exponential gaps when flat (KS), with a coefficient of variation of 1", () => {
    const flat: ArrivalProfile = { ratePerHour: 60, diurnalAmplitude: 0 };
    const intervals = gaps(collect(flat, SEED).times);
    const n = intervals.length;
    expect(ksDistanceExponential(intervals, US_PER_H / 60)).toBeLessThan(1.63 / Math.sqrt(n));
    expect(Math.abs(coefficientOfVariation(intervals) - 1)).toBeLessThan(5 / Math.sqrt(n));
  });

  it("is a Poisson process in its own time: Λ(t) turns the thinned arrivals into unit-rate gaps (KS)", () => {
    // The time-rescaling theorem: if t₁ < t₂ < … is an NHPP with cumulative rate Λ, the
    // gaps of Λ(tᵢ) are Exp(1). Λ here comes from Simpson's rule, not from the model.
    const cumulative = cumulativeByDay(profile, DAYS);
    const { times } = collect(profile, SEED);
    const rescaled = times.map((timeUs) => {
      const day = Math.floor(timeUs / US_PER_DAY);
      return cumulative[day] + simpsonIntegral(profile, 24 * day, timeUs / US_PER_H);
    });
    const unitGaps = gaps([0, ...rescaled]);
    expect(ksDistanceExponential(unitGaps, 1)).toBeLessThan(1.63 / Math.sqrt(unitGaps.length));
    // A process that ignored the cycle (candidates all kept) would be off by orders more.
    const flatGaps = gaps([0, ...times.map((timeUs) => (timeUs / US_PER_H) * 20 * (5 + 2 * 0.5) / 7)]);
    expect(ksDistanceExponential(flatGaps, 1)).toBeGreaterThan(10 * (1.63 / Math.sqrt(flatGaps.length)));
  });
});

describe("ArrivalProcess: bursts", () => {
  const sizes: DistributionSpec = { kind: "uniform", low: 0.5, high: 400.5 };
  /** E[K] and E[K²] of K uniform on 1…400. */
  const sizeMean = 200.5;
  const sizeSquareMean = (401 * 801) / 6;
  const spreadS = 600;
  const base: ArrivalProfile = { ratePerHour: 60 };
  const bursty: ArrivalProfile = { ...base, burstsPerDay: 2, burstSize: sizes, burstSpreadS: spreadS };

  it("add bursts·days·mean size jobs, within 4 compound-Poisson standard deviations", () => {
    const expectedBurstJobs = 2 * DAYS * sizeMean;
    const mean = expectedArrivals(bursty, 0, HORIZON_US);
    expect(mean).toBeCloseTo(60 * 24 * DAYS + expectedBurstJobs - (2 * sizeMean * spreadS) / 2 / 86_400, 6);
    const { times, bursts } = collect(bursty, SEED);
    const sd = Math.sqrt(60 * 24 * DAYS + 2 * DAYS * sizeSquareMean);
    expect(Math.abs(times.length - mean)).toBeLessThan(4 * sd);
    // The base part alone is Poisson.
    const baseCount = bursts.filter((burst) => burst === -1).length;
    expect(Math.abs(baseCount - 60 * 24 * DAYS)).toBeLessThan(4 * Math.sqrt(60 * 24 * DAYS));
  });

  it("come as Poisson episodes of the right sizes, each within its spread", () => {
    const { times, bursts } = collect(bursty, SEED, HORIZON_US + US_PER_DAY);
    const firstUs = new Map<number, number>();
    const lastUs = new Map<number, number>();
    const jobs = new Map<number, number>();
    for (let i = 0; i < times.length; i++) {
      const burst = bursts[i];
      if (burst < 0) continue;
      if (!firstUs.has(burst)) firstUs.set(burst, times[i]);
      lastUs.set(burst, times[i]);
      jobs.set(burst, (jobs.get(burst) ?? 0) + 1);
    }
    // Episodes are numbered in start order from 0, and none is missing.
    const started = [...firstUs.keys()].filter((burst) => firstUs.get(burst)! < HORIZON_US);
    expect(started).toEqual(started.map((_, i) => i));
    expect(Math.abs(started.length - 2 * DAYS)).toBeLessThan(4 * Math.sqrt(2 * DAYS));

    let sizeSum = 0;
    for (const burst of started) {
      const size = jobs.get(burst)!;
      expect(size).toBeGreaterThanOrEqual(1);
      expect(size).toBeLessThanOrEqual(400);
      expect(lastUs.get(burst)! - firstUs.get(burst)!).toBeLessThanOrEqual(spreadS * 1e6 + size);
      sizeSum += size;
    }
    const sizeSd = Math.sqrt(sizeSquareMean - sizeMean ** 2);
    expect(Math.abs(sizeSum / started.length - sizeMean)).toBeLessThan((4 * sizeSd) / Math.sqrt(started.length));
  });

  it("cluster arrivals in time: the gaps' coefficient of variation rises above 1", () => {
    const without = gaps(collect(base, SEED).times);
    expect(Math.abs(coefficientOfVariation(without) - 1)).toBeLessThan(5 / Math.sqrt(without.length));
    // A mixture of gaps: 78% base gaps, mean 60 s (E[g²] = 2·60²), and 22% gaps inside
    // bursts of about 3 s. Overall mean T/N = 47 s, so CV ≈ √(0.78·7200 − 47²)/47 ≈ 1.24.
    const mixed = gaps(collect(bursty, SEED).times);
    expect(Math.abs(coefficientOfVariation(mixed) - 1.24)).toBeLessThan(0.05);
    // With bursts carrying 85% of the jobs (base 6/h, 4 bursts a day), the quiet gaps
    // between bursts average 570 s against a mean gap of 91 s: CV ≈ 3.3.
    const dominated = gaps(collect({ ...bursty, ratePerHour: 6, burstsPerDay: 4 }, SEED).times);
    expect(coefficientOfVariation(dominated)).toBeGreaterThan(2.5);
  });

  it("with no spread arrive all at once, a microsecond apart", () => {
    const { times, bursts } = collect({ ratePerHour: 1, burstsPerDay: 5, burstSize: { kind: "constant", value: 300 } }, SEED);
    const first = bursts.indexOf(0);
    expect(bursts.slice(first, first + 300)).toEqual(new Array(300).fill(0));
    expect(times[first + 299] - times[first]).toBe(299);
  });

  it("leave the base arrivals as they were (common random numbers)", () => {
    const profile: ArrivalProfile = { ratePerHour: 20, diurnalAmplitude: 0.6, peakHour: 15, weekendFactor: 0.5 };
    const alone = collect(profile, SEED).times;
    const mixed = collect({ ...profile, burstsPerDay: 3, burstSize: { kind: "lognormal", median: 100, sigma: 1 }, burstSpreadS: 300 }, SEED);
    const baseTimes = mixed.times.filter((_, i) => mixed.bursts[i] === -1);
    expect(mixed.times.length).toBeGreaterThan(alone.length);
    expect(baseTimes).toEqual(alone);
  });
});

describe("ArrivalProcess: determinism and order", () => {
  const profile: ArrivalProfile = {
    ratePerHour: 30,
    diurnalAmplitude: 0.7,
    peakHour: 13,
    weekendFactor: 0.6,
    burstsPerDay: 4,
    burstSize: { kind: "lognormal", median: 50, sigma: 1 },
    burstSpreadS: 120,
  };

  it("same seed, same sequence; another seed, another", () => {
    const first = collect(profile, SEED, 20 * US_PER_DAY);
    expect(collect(profile, SEED, 20 * US_PER_DAY)).toEqual(first);
    expect(collect(profile, SEED + 1, 20 * US_PER_DAY).times).not.toEqual(first.times);
  });

  it("never comes: a zero rate without bursts gives Infinity", () => {
    expect(makeProcess({ ratePerHour: 0 }, SEED).nextArrivalUs(0)).toBe(Infinity);
  });

  it("rejects profiles outside their ranges", () => {
    const bad: ArrivalProfile[] = [
      { ratePerHour: -1 },
      { ratePerHour: 1, diurnalAmplitude: 1 },
      { ratePerHour: 1, peakHour: 25 },
      { ratePerHour: 1, weekendFactor: -0.5 },
      { ratePerHour: 1, burstsPerDay: 1 },
      { ratePerHour: 1, burstsPerDay: 1, burstSize: { kind: "constant", value: 5 }, burstSpreadS: -1 },
    ];
    for (const options of bad) expect(() => makeProcess(options, SEED)).toThrow(AssertionFailure);
    const rng = new RngStream(SEED, ARRIVALS_STREAM);
    expect(() => new ArrivalProcess(rng, rng, { ratePerHour: 1 })).toThrow(AssertionFailure);
  });

  const arbitraryProfile: fc.Arbitrary<ArrivalProfile> = fc.record({
    ratePerHour: fc.oneof(fc.constant(0), fc.double({ min: 0.01, max: 5_000, noNaN: true })),
    diurnalAmplitude: fc.double({ min: 0, max: 0.99, noNaN: true }),
    peakHour: fc.double({ min: 0, max: 24, noNaN: true }),
    weekendFactor: fc.double({ min: 0, max: 5, noNaN: true }),
    burstsPerDay: fc.oneof(fc.constant(0), fc.double({ min: 0.1, max: 200, noNaN: true })),
    burstSize: fc.oneof(
      fc.integer({ min: -3, max: 500 }).map((value): DistributionSpec => ({ kind: "constant", value })),
      fc.double({ min: 0.1, max: 300, noNaN: true }).map((median): DistributionSpec => ({ kind: "lognormal", median, sigma: 1.5 })),
    ),
    burstSpreadS: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 7_200, noNaN: true })),
  });

  it("property: times are integers that strictly increase, each after the time asked about", () => {
    fc.assert(
      fc.property(arbitraryProfile, fc.integer(), fc.array(fc.nat(3 * US_PER_H), { maxLength: 40 }), (options, seed, skipsUs) => {
        const process = makeProcess(options, seed);
        let previousUs = 0;
        for (let i = 0; i < 1_000; i++) {
          // Sometimes ask from a later time, as a caller skipping a warm-up would.
          const afterUs = previousUs + (i < skipsUs.length ? skipsUs[i] : 0);
          const timeUs = process.nextArrivalUs(afterUs);
          if (timeUs === Infinity) {
            expect(options.ratePerHour === 0 && options.burstsPerDay === 0).toBe(true);
            return;
          }
          expect(Number.isInteger(timeUs)).toBe(true);
          expect(timeUs).toBeGreaterThan(afterUs);
          expect(timeUs).toBeGreaterThan(previousUs);
          previousUs = timeUs;
        }
      }),
      { numRuns: 200 },
    );
  });

  it("property: asking from a later time drops the arrivals before it and changes no other", () => {
    fc.assert(
      fc.property(arbitraryProfile, fc.integer(), fc.double({ min: 0, max: 1, noNaN: true }), (options, seed, fraction) => {
        const full = makeProcess(options, seed);
        const times: number[] = [];
        for (let i = 0, timeUs = 0; i < 300; i++) {
          timeUs = full.nextArrivalUs(timeUs);
          if (timeUs === Infinity) return;
          times.push(timeUs);
        }
        const afterUs = Math.floor(fraction * times[times.length - 1]);
        const skipping = makeProcess(options, seed);
        const found = times.findIndex((timeUs) => timeUs > afterUs);
        const firstAfter = found < 0 ? times.length : found;
        let timeUs = skipping.nextArrivalUs(afterUs);
        for (let i = firstAfter; i < times.length; i++) {
          expect(timeUs).toBe(times[i]);
          timeUs = skipping.nextArrivalUs(timeUs);
        }
      }),
      { numRuns: 200 },
    );
  });
});
