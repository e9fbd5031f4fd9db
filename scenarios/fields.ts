import { z } from "zod";
import { zDuration } from "./units.js";
import { COUNT_MAX, NUMBER_MAX, formatBound } from "./limits.js";

/**
 * Field types the scenario format shares across its sections and failure kinds: bounded
 * numbers and counts, and distributions of durations or counts. Each bound says why.
 */

/** "expected at most 1e6 (why), got 2e7": what a bound says when a value passes it. */
export function atMost(max: number, why: string) {
  return { error: (issue: { input?: unknown }) => `expected at most ${formatBound(max)}${why === "" ? "" : ` (${why})`}, got ${String(issue.input)}` };
}

export const NUMBER_WHY = "larger numbers lose their meaning in the models' arithmetic";

export function nonNegative() {
  return z.number().nonnegative().max(NUMBER_MAX, atMost(NUMBER_MAX, NUMBER_WHY));
}

export function positive() {
  return z.number().positive().max(NUMBER_MAX, atMost(NUMBER_MAX, NUMBER_WHY));
}

/** A whole number ≥ 1 (or ≥ 0 with `zero`), at most `max`. */
export function countUpTo(max: number, why = "", zero = false) {
  const whole = z.number().int();
  return (zero ? whole.nonnegative() : whole.positive()).max(max, atMost(max, why));
}

/** A positive whole number, at most COUNT_MAX. */
export const count = countUpTo(COUNT_MAX);

/** Weibull shapes a run can draw from: outside, Γ(1 + 1/k) overflows or the draws are all at one value. */
export const weibullShape = z.number().min(0.1, "expected a shape of at least 0.1 (smaller ones put the mean beyond any horizon)").max(20, atMost(20, "larger ones are a constant"));

/** Lognormal spreads a run can draw from: past 10, draws overflow. */
export const lognormalSigma = z.number().nonnegative().max(10, atMost(10, "larger ones overflow"));

/**
 * A distribution of values of `value`'s kind (durations or counts): a plain value, or an
 * object naming one distribution.
 */
export function distribution(value: z.ZodType<number, unknown>) {
  return z.union([
    value.transform((v) => ({ kind: "constant" as const, value: v })),
    z.strictObject({ constant: value }).transform((d) => ({ kind: "constant" as const, value: d.constant })),
    z.strictObject({ exponential: z.strictObject({ mean: value }) }).transform((d) => ({
      kind: "exponential" as const,
      mean: d.exponential.mean,
    })),
    z
      .strictObject({ weibull: z.strictObject({ shape: weibullShape, mean: value }) })
      .transform((d) => ({ kind: "weibull" as const, shape: d.weibull.shape, mean: d.weibull.mean })),
    z
      .strictObject({ lognormal: z.strictObject({ median: value, sigma: lognormalSigma }) })
      .transform((d) => ({ kind: "lognormal" as const, median: d.lognormal.median, sigma: d.lognormal.sigma })),
    z
      .strictObject({ uniform: z.tuple([value, value]) })
      .refine((d) => d.uniform[0] <= d.uniform[1], { message: "uniform needs [low, high] with low ≤ high" })
      .transform((d) => ({ kind: "uniform" as const, low: d.uniform[0], high: d.uniform[1] })),
    z
      .strictObject({ logUniform: z.tuple([value, value]) })
      .refine((d) => d.logUniform[0] > 0 && d.logUniform[0] <= d.logUniform[1], {
        message: "logUniform needs [low, high] with 0 < low ≤ high",
      })
      .transform((d) => ({ kind: "logUniform" as const, low: d.logUniform[0], high: d.logUniform[1] })),
    z
      .strictObject({ empirical: z.array(value).min(1) })
      .transform((d) => ({ kind: "empirical" as const, sortedValues: [...d.empirical].sort((a, b) => a - b) })),
  ]);
}

export const durationDistribution = distribution(zDuration({ positive: true }));
export const countDistribution = distribution(positive());
