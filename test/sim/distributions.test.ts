import { describe, expect, it } from "vitest";
import { RngStream } from "../../sim/rng.js";

/**
 * Statistical tests of the distributions in sim/rng.ts. Expected values come from the
 * distributions' formulas, never from the code under test.
 *
 * Tolerances come from standard errors, so a test is as tight as n allows:
 * - the sample mean is within 5 standard errors, SE = σ/√n;
 * - the sample variance is within 5 standard errors, SE ≈ √((μ₄ − σ⁴)/n), where μ₄ is
 *   the fourth central moment (exact for the variance of s² up to O(1/n²));
 * - the Kolmogorov–Smirnov distance is below the 1% critical value 1.63/√n.
 * Seeds are fixed, so each test passes or fails the same way every run. 5 SE has a
 * false-alarm rate of 6e-7 per check for a correct sampler; each test also shows that a
 * plausible wrong formula lands outside the band, so the bands are not too wide to matter.
 */

const N = 200_000;
const SEED = 20_251_126;
const KS_CRITICAL_1_PERCENT = 1.63 / Math.sqrt(N);

/**
 * Γ(x) for x > 0: the Lanczos approximation with g = 5 and six terms (Numerical Recipes'
 * gammln, relative error below 2e-10), computed in logs. Written here rather than imported
 * so the expected values do not share code with anything under test.
 */
function gamma(x: number): number {
  const coefficients = [
    76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2,
    -0.5395239384953e-5,
  ];
  let y = x;
  const tmp = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  let series = 1.000000000190015;
  for (const c of coefficients) series += c / ++y;
  return Math.exp(-tmp + Math.log((2.5066282746310005 * series) / x));
}

/** Moments of a distribution: what the sample must match. */
interface Moments {
  readonly mean: number;
  readonly variance: number;
  /** E[(X − mean)⁴], for the standard error of the sample variance. */
  readonly fourthCentral: number;
}

/** Moments from the raw moments E[X], E[X²], E[X³], E[X⁴]. */
function fromRaw(m1: number, m2: number, m3: number, m4: number): Moments {
  return {
    mean: m1,
    variance: m2 - m1 * m1,
    fourthCentral: m4 - 4 * m1 * m3 + 6 * m1 * m1 * m2 - 3 * m1 ** 4,
  };
}

function rawMoments(moment: (k: number) => number): Moments {
  return fromRaw(moment(1), moment(2), moment(3), moment(4));
}

interface SampleStats {
  readonly mean: number;
  readonly variance: number;
}

function sampleStats(xs: Float64Array): SampleStats {
  let sum = 0;
  for (const x of xs) sum += x;
  const mean = sum / xs.length;
  let squares = 0;
  for (const x of xs) squares += (x - mean) ** 2;
  return { mean, variance: squares / (xs.length - 1) };
}

function drawFrom(rng: RngStream, count: number, draw: (rng: RngStream) => number): Float64Array {
  const xs = new Float64Array(count);
  for (let i = 0; i < count; i++) xs[i] = draw(rng);
  return xs;
}

/** Half-widths of the 5-SE bands for the sample mean and sample variance. */
function bands(moments: Moments, n: number): { mean: number; variance: number } {
  return {
    mean: 5 * Math.sqrt(moments.variance / n),
    variance: 5 * Math.sqrt((moments.fourthCentral - moments.variance ** 2) / n),
  };
}

/** Checks mean and variance against theory; returns the sample stats and the bands. */
function expectMoments(xs: Float64Array, moments: Moments): { stats: SampleStats; band: { mean: number; variance: number } } {
  const stats = sampleStats(xs);
  const band = bands(moments, xs.length);
  expect(Math.abs(stats.mean - moments.mean), `mean ${stats.mean} vs ${moments.mean}`).toBeLessThan(band.mean);
  expect(
    Math.abs(stats.variance - moments.variance),
    `variance ${stats.variance} vs ${moments.variance}`,
  ).toBeLessThan(band.variance);
  return { stats, band };
}

/** The Kolmogorov–Smirnov statistic of a sample against a continuous CDF. */
function ksDistance(xs: Float64Array, cdf: (x: number) => number): number {
  const sorted = Float64Array.from(xs).sort();
  const n = sorted.length;
  let distance = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]);
    distance = Math.max(distance, (i + 1) / n - f, f - i / n);
  }
  return distance;
}

/** erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7). */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * ax);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-ax * ax));
}

function normalCdf(x: number, mean: number, sd: number): number {
  return 0.5 * (1 + erf((x - mean) / (sd * Math.SQRT2)));
}

function stream(name: string): RngStream {
  return new RngStream(SEED, `test.distributions.${name}`);
}

describe("the test's own gamma function", () => {
  it("matches known values", () => {
    expect(gamma(1)).toBeCloseTo(1, 9);
    expect(gamma(5)).toBeCloseTo(24, 7);
    expect(gamma(10) / 362_880).toBeCloseTo(1, 9);
    expect(gamma(0.5)).toBeCloseTo(Math.sqrt(Math.PI), 9);
    expect(gamma(1.5)).toBeCloseTo(Math.sqrt(Math.PI) / 2, 9);
    expect(gamma(2.5)).toBeCloseTo((3 * Math.sqrt(Math.PI)) / 4, 9);
  });
});

describe("exponential", () => {
  const meanValue = 2.5;
  const xs = drawFrom(stream("exponential"), N, (rng) => rng.exponential(meanValue));
  // E[X^k] = k! θ^k.
  const moments = fromRaw(meanValue, 2 * meanValue ** 2, 6 * meanValue ** 3, 24 * meanValue ** 4);

  it("has mean θ and variance θ²", () => {
    const { stats, band } = expectMoments(xs, moments);
    // Reading the parameter as a rate would give mean 1/θ = 0.4.
    expect(Math.abs(stats.mean - 1 / meanValue)).toBeGreaterThan(band.mean);
  });

  it("passes Kolmogorov–Smirnov against 1 − e^(−x/θ)", () => {
    expect(ksDistance(xs, (x) => 1 - Math.exp(-x / meanValue))).toBeLessThan(KS_CRITICAL_1_PERCENT);
    // And the test can tell: a 2% larger mean already fails it at this n.
    expect(ksDistance(xs, (x) => 1 - Math.exp(-x / (1.02 * meanValue)))).toBeGreaterThan(KS_CRITICAL_1_PERCENT);
  });
});

describe.each([
  { shape: 0.7, scale: 3 },
  { shape: 2, scale: 3 },
])("Weibull shape $shape scale $scale", ({ shape, scale }) => {
  const xs = drawFrom(stream(`weibull-${shape}`), N, (rng) => rng.weibull(shape, scale));
  // E[X^k] = λ^k Γ(1 + k/shape).
  const moments = rawMoments((k) => scale ** k * gamma(1 + k / shape));
  const cdf = (x: number): number => 1 - Math.exp(-((x / scale) ** shape));

  it("has mean λΓ(1+1/k) and variance λ²[Γ(1+2/k) − Γ(1+1/k)²]", () => {
    expect(moments.mean).toBeCloseTo(scale * gamma(1 + 1 / shape), 12);
    expect(moments.variance).toBeCloseTo(scale ** 2 * (gamma(1 + 2 / shape) - gamma(1 + 1 / shape) ** 2), 9);
    const { stats, band } = expectMoments(xs, moments);
    // Taking the scale for the mean is caught, and so is forgetting the −Γ(1+1/k)² term.
    expect(Math.abs(stats.mean - scale)).toBeGreaterThan(band.mean);
    expect(Math.abs(stats.variance - scale ** 2 * gamma(1 + 2 / shape))).toBeGreaterThan(band.variance);
  });

  it("passes Kolmogorov–Smirnov against 1 − exp(−(x/λ)^k)", () => {
    expect(ksDistance(xs, cdf)).toBeLessThan(KS_CRITICAL_1_PERCENT);
    // A Weibull whose scale is the intended mean is rejected.
    const meanAsScale = scale * gamma(1 + 1 / shape);
    expect(ksDistance(xs, (x) => 1 - Math.exp(-((x / meanAsScale) ** shape)))).toBeGreaterThan(KS_CRITICAL_1_PERCENT);
  });
});

describe("lognormal", () => {
  const mu = 1;
  const sigma = 0.5;
  const xs = drawFrom(stream("lognormal"), N, (rng) => rng.lognormal(mu, sigma));
  // E[X^k] = e^(kμ + k²σ²/2).
  const moments = rawMoments((k) => Math.exp(k * mu + (k * k * sigma * sigma) / 2));

  it("has mean e^(μ+σ²/2) and variance (e^σ² − 1)e^(2μ+σ²)", () => {
    expect(moments.mean).toBeCloseTo(Math.exp(mu + (sigma * sigma) / 2), 12);
    expect(moments.variance).toBeCloseTo((Math.exp(sigma * sigma) - 1) * Math.exp(2 * mu + sigma * sigma), 12);
    const { stats, band } = expectMoments(xs, moments);
    // The median e^μ is not the mean.
    expect(Math.abs(stats.mean - Math.exp(mu))).toBeGreaterThan(band.mean);
  });

  it("has log draws that pass Kolmogorov–Smirnov against N(μ, σ)", () => {
    const logs = xs.map(Math.log);
    expect(ksDistance(logs, (x) => normalCdf(x, mu, sigma))).toBeLessThan(KS_CRITICAL_1_PERCENT);
  });
});

describe("normal", () => {
  const meanValue = 10;
  const sd = 3;
  // An odd count, so the last draw leaves a spare unused.
  const xs = drawFrom(stream("normal"), N + 1, (rng) => rng.normal(meanValue, sd));
  const moments: Moments = { mean: meanValue, variance: sd * sd, fourthCentral: 3 * sd ** 4 };

  it("has mean μ and variance σ²", () => {
    const { stats, band } = expectMoments(xs, moments);
    // Variance in place of the standard deviation would give variance σ⁴.
    expect(Math.abs(stats.variance - sd ** 4)).toBeGreaterThan(band.variance);
  });

  it("passes Kolmogorov–Smirnov against Φ((x − μ)/σ)", () => {
    expect(ksDistance(xs, (x) => normalCdf(x, meanValue, sd))).toBeLessThan(KS_CRITICAL_1_PERCENT);
  });

  it("gives independent pairs: the two variates of one polar step are uncorrelated", () => {
    const rng = stream("normal-pairs");
    let sumProduct = 0;
    const pairs = N / 2;
    for (let i = 0; i < pairs; i++) sumProduct += rng.normal(0, 1) * rng.normal(0, 1);
    // For independent standard normals, E[XY] = 0 and Var[XY] = 1.
    expect(Math.abs(sumProduct / pairs)).toBeLessThan(5 / Math.sqrt(pairs));
  });
});

describe("uniform", () => {
  const low = -2;
  const high = 5;
  const xs = drawFrom(stream("uniform"), N, (rng) => rng.uniform(low, high));
  const width = high - low;
  const moments: Moments = { mean: (low + high) / 2, variance: width ** 2 / 12, fourthCentral: width ** 4 / 80 };

  it("has mean (a+b)/2 and variance (b−a)²/12, within [a, b)", () => {
    expectMoments(xs, moments);
    let outside = 0;
    for (const x of xs) if (!(x >= low && x < high)) outside++;
    expect(outside).toBe(0);
  });

  it("passes Kolmogorov–Smirnov against (x − a)/(b − a)", () => {
    expect(ksDistance(xs, (x) => (x - low) / width)).toBeLessThan(KS_CRITICAL_1_PERCENT);
  });
});

describe("log-uniform", () => {
  const low = 1;
  const high = 1_000;
  const xs = drawFrom(stream("log-uniform"), N, (rng) => rng.logUniform(low, high));
  const logRatio = Math.log(high / low);
  // E[X^k] = (b^k − a^k)/(k ln(b/a)).
  const moments = rawMoments((k) => (high ** k - low ** k) / (k * logRatio));

  it("has mean (b−a)/ln(b/a) and E[X²] = (b²−a²)/(2 ln(b/a))", () => {
    expect(moments.mean).toBeCloseTo((high - low) / logRatio, 12);
    expect(moments.variance + moments.mean ** 2).toBeCloseTo((high ** 2 - low ** 2) / (2 * logRatio), 6);
    const { stats, band } = expectMoments(xs, moments);
    // Neither the geometric mean √(ab) nor the arithmetic (a+b)/2 passes for the mean.
    expect(Math.abs(stats.mean - Math.sqrt(low * high))).toBeGreaterThan(band.mean);
    expect(Math.abs(stats.mean - (low + high) / 2)).toBeGreaterThan(band.mean);
  });

  it("has a logarithm uniform on [ln a, ln b)", () => {
    const logs = xs.map(Math.log);
    expect(ksDistance(logs, (y) => (y - Math.log(low)) / logRatio)).toBeLessThan(KS_CRITICAL_1_PERCENT);
  });
});

describe("integer", () => {
  const low = 1;
  const high = 6;
  const xs = drawFrom(stream("integer"), N, (rng) => rng.integer(low, high));
  const faces = [1, 2, 3, 4, 5, 6];
  const moments = rawMoments((k) => faces.reduce((sum, face) => sum + face ** k, 0) / faces.length);

  it("has the moments of a fair die: mean 3.5, variance 35/12", () => {
    expect(moments.mean).toBeCloseTo(3.5, 12);
    expect(moments.variance).toBeCloseTo(35 / 12, 12);
    const { stats, band } = expectMoments(xs, moments);
    // Excluding the upper end (a die of 1–5) would give mean 3.
    expect(Math.abs(stats.mean - 3)).toBeGreaterThan(band.mean);
  });

  it("hits every face with frequency 1/6", () => {
    const counts = new Map<number, number>();
    for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual(faces);
    const p = 1 / 6;
    for (const face of faces) {
      expect(Math.abs(counts.get(face)! / N - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / N));
    }
  });
});

describe("empirical", () => {
  it("from equally spaced [1, 2, 3, 4] is uniform on [1, 4]: mean 2.5, variance 0.75", () => {
    const xs = drawFrom(stream("empirical-even"), N, (rng) => rng.empirical([1, 2, 3, 4]));
    const moments: Moments = { mean: 2.5, variance: 0.75, fourthCentral: 3 ** 4 / 80 };
    const { stats, band } = expectMoments(xs, moments);
    // Drawing only the listed values (a discrete uniform) would give variance 1.25.
    expect(Math.abs(stats.variance - 1.25)).toBeGreaterThan(band.variance);
    expect(ksDistance(xs, (x) => (x - 1) / 3)).toBeLessThan(KS_CRITICAL_1_PERCENT);
  });

  it("from [0, 1, 10] is half U(0, 1), half U(1, 10)", () => {
    // The piecewise-linear inverse CDF puts probability 1/(n−1) on each gap.
    const values = Float64Array.from([0, 1, 10]);
    const xs = drawFrom(stream("empirical-uneven"), N, (rng) => rng.empirical(values));
    // E[X^k] = ½·(1^(k+1) − 0)/(k+1) + ½·(10^(k+1) − 1)/(9(k+1)).
    const moments = rawMoments((k) => 0.5 / (k + 1) + (0.5 * (10 ** (k + 1) - 1)) / (9 * (k + 1)));
    expect(moments.mean).toBeCloseTo(3, 12);
    const { stats, band } = expectMoments(xs, moments);
    // The mean of the listed values, 11/3, is not the mean of the interpolated distribution.
    expect(Math.abs(stats.mean - 11 / 3)).toBeGreaterThan(band.mean);
    const cdf = (x: number): number => (x < 1 ? x / 2 : 0.5 + (x - 1) / 18);
    expect(ksDistance(xs, cdf)).toBeLessThan(KS_CRITICAL_1_PERCENT);
  });
});

describe("weightedIndex", () => {
  it("picks each index with probability weight/total, and never a zero weight", () => {
    const weights = [1, 0, 3, 6];
    const total = 10;
    const rng = stream("weighted-index");
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < N; i++) counts[rng.weightedIndex(weights)]++;
    expect(counts[1]).toBe(0);
    for (let i = 0; i < weights.length; i++) {
      const p = weights[i] / total;
      const band = 5 * Math.sqrt((p * (1 - p)) / N);
      expect(Math.abs(counts[i] / N - p), `index ${i}`).toBeLessThanOrEqual(band);
    }
    // Equal weights (1/4 each) are rejected for index 0.
    expect(Math.abs(counts[0] / N - 0.25)).toBeGreaterThan(5 * Math.sqrt((0.25 * 0.75) / N));
  });

  it("works with weights that do not sum to 1", () => {
    const rng = stream("weighted-index-scaled");
    const counts = [0, 0];
    for (let i = 0; i < N; i++) counts[rng.weightedIndex([250, 750])]++;
    expect(Math.abs(counts[1] / N - 0.75)).toBeLessThan(5 * Math.sqrt((0.75 * 0.25) / N));
  });
});
