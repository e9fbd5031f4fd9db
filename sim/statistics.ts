import { assert } from "./assert.js";

/**
 * Statistics across replications: confidence intervals of a mean by Student's t.
 */

/** Two-sided 95% critical values of Student's t for 1..30 degrees of freedom. */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** The 0.975 quantile of Student's t with `df` degrees of freedom. */
export function studentT975(df: number): number {
  assert(df >= 1);
  if (df <= 30) return T_975[Math.floor(df) - 1];
  // Beyond 30, the Cornish-Fisher expansion around the normal quantile (error < 1e-3).
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
}

/** Mean and its 95% confidence interval; with one value the interval is the value itself. */
export function meanWithCi95(values: readonly number[]): { mean: number; ci95: [number, number] } {
  assert(values.length > 0);
  const n = values.length;
  let sum = 0;
  for (const value of values) sum += value;
  const mean = sum / n;
  if (n === 1) return { mean, ci95: [mean, mean] };
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  const halfWidth = studentT975(n - 1) * Math.sqrt(squares / (n - 1) / n);
  return { mean, ci95: [mean - halfWidth, mean + halfWidth] };
}
