import { assert } from "./assert.js";
import type { RngStream } from "./rng.js";

/**
 * A distribution described as data, so scenarios can name one and models can draw from
 * it without knowing which it is. Parameters are in the caller's unit (seconds, nodes, …).
 */
export type DistributionSpec =
  | { readonly kind: "constant"; readonly value: number }
  | { readonly kind: "uniform"; readonly low: number; readonly high: number }
  | { readonly kind: "logUniform"; readonly low: number; readonly high: number }
  | { readonly kind: "exponential"; readonly mean: number }
  /** Weibull given by its mean, so "MTBF 5 y, shape 0.7" reads as it is said. */
  | { readonly kind: "weibull"; readonly shape: number; readonly mean: number }
  | { readonly kind: "lognormal"; readonly median: number; readonly sigma: number }
  | { readonly kind: "normal"; readonly mean: number; readonly sd: number }
  | { readonly kind: "empirical"; readonly sortedValues: readonly number[] };

/** Draws one value. */
export function sample(rng: RngStream, spec: DistributionSpec): number {
  switch (spec.kind) {
    case "constant":
      return spec.value;
    case "uniform":
      return rng.uniform(spec.low, spec.high);
    case "logUniform":
      return rng.logUniform(spec.low, spec.high);
    case "exponential":
      return rng.exponential(spec.mean);
    case "weibull":
      return rng.weibull(spec.shape, weibullScale(spec.shape, spec.mean));
    case "lognormal":
      return rng.lognormal(Math.log(spec.median), spec.sigma);
    case "normal":
      return rng.normal(spec.mean, spec.sd);
    case "empirical":
      return rng.empirical(spec.sortedValues);
  }
}

/** The exact mean of a distribution. */
export function meanOf(spec: DistributionSpec): number {
  switch (spec.kind) {
    case "constant":
      return spec.value;
    case "uniform":
      return (spec.low + spec.high) / 2;
    case "logUniform":
      return spec.high === spec.low ? spec.low : (spec.high - spec.low) / Math.log(spec.high / spec.low);
    case "exponential":
    case "weibull":
    case "normal":
      return spec.mean;
    case "lognormal":
      return spec.median * Math.exp((spec.sigma * spec.sigma) / 2);
    case "empirical": {
      // Mean of the piecewise-linear inverse CDF: trapezoids between order statistics.
      const values = spec.sortedValues;
      if (values.length === 1) return values[0];
      let area = 0;
      for (let i = 1; i < values.length; i++) area += (values[i - 1] + values[i]) / 2;
      return area / (values.length - 1);
    }
  }
}

/** Weibull scale λ for a given shape and mean: mean = λ·Γ(1 + 1/k). */
export function weibullScale(shape: number, mean: number): number {
  assert(shape > 0);
  return mean / gamma(1 + 1 / shape);
}

/** Γ(x) for x > 0 by the Lanczos approximation (g = 7, 9 terms; ~15 digits). */
export function gamma(x: number): number {
  assert(x > 0);
  if (x < 0.5) return Math.PI / (Math.sin(Math.PI * x) * gamma(1 - x));
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return Math.sqrt(2 * Math.PI) * Math.pow(t, z + 0.5) * Math.exp(-t) * sum;
}

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
