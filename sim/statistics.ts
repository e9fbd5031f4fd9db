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

/** ln Γ(x) for x > 0, by the Lanczos approximation (g = 7, 9 terms; relative error < 1e-13). */
function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let sum = c[0];
  for (let i = 1; i < 9; i++) sum += c[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** The regularized incomplete beta function I_x(a, b), by its continued fraction (modified Lentz). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const front = Math.exp(a * Math.log(x) + b * Math.log(1 - x) - (logGamma(a) + logGamma(b) - logGamma(a + b))) / a;
  const tiny = 1e-300;
  let f = 1;
  let c = 1;
  let d = 0;
  for (let i = 0; i <= 400; i++) {
    const m = Math.floor(i / 2);
    let numerator: number;
    if (i === 0) numerator = 1;
    else if (i % 2 === 0) numerator = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m));
    else numerator = -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 + numerator * d;
    d = Math.abs(d) < tiny ? tiny : d;
    d = 1 / d;
    c = 1 + numerator / c;
    c = Math.abs(c) < tiny ? tiny : c;
    const step = c * d;
    f *= step;
    if (Math.abs(1 - step) < 1e-15) break;
  }
  return front * (f - 1);
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom (df need not be whole: Welch). */
export function studentTCdf(t: number, df: number): number {
  assert(df > 0);
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p quantile of Student's t, 0 < p < 1, by bisection on the CDF (to 1e-12). */
export function studentTQuantile(p: number, df: number): number {
  assert(p > 0 && p < 1 && df > 0);
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let low = 0;
  let high = 1;
  while (studentTCdf(high, df) < p) high *= 2;
  for (let i = 0; i < 200 && high - low > 1e-12 * high; i++) {
    const middle = (low + high) / 2;
    if (studentTCdf(middle, df) < p) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

/** Sample mean and variance (n − 1 denominator; 0 for one value). */
export function meanAndVariance(values: readonly number[]): { mean: number; variance: number } {
  assert(values.length > 0);
  let sum = 0;
  for (const value of values) sum += value;
  const mean = sum / values.length;
  if (values.length === 1) return { mean, variance: 0 };
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  return { mean, variance: squares / (values.length - 1) };
}
