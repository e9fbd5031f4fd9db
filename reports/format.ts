/**
 * Numbers as the reports write them. Two jobs, kept apart:
 *
 * - `roundForOutput` fixes the numbers that go into machine-read files (summary.json,
 *   runs.csv) to 6 significant digits, so last-bit floating-point noise (a sum taken in a
 *   different order) cannot change a byte of a result file.
 * - `formatMetric` writes a number for people (terminal table, HTML, Markdown, verdicts),
 *   with as many decimals as the metric's kind and magnitude deserve.
 */

import { metricKind, type MetricKind, type MetricName, type MetricSummary } from "./records.js";

/** Significant digits kept in result files. */
export const OUTPUT_SIGNIFICANT_DIGITS = 6;

/**
 * Rounds a finite number to 6 significant digits for summary.json and runs.csv; -0 becomes 0.
 * Throws on NaN and ±Infinity: a metric the scenario does not exercise is null, and any
 * other non-finite value is a bug upstream that a file must not hide.
 */
export function roundForOutput(value: number): number {
  if (!Number.isFinite(value)) {
    throw new Error(`cannot write non-finite number ${String(value)} to a result file`);
  }
  // toPrecision is exact (ECMA-262 picks the nearest decimal), so this is deterministic.
  const rounded = Number(value.toPrecision(OUTPUT_SIGNIFICANT_DIGITS));
  return rounded === 0 ? 0 : rounded;
}

const DECIMALS_MAX = 6;

/**
 * Writes a metric value (or a difference or CI half-width of one) for people:
 * integers without decimals; fractions with 3 decimals, more near 0 and 1 so that 0.99953
 * does not read as 1.000; other quantities by magnitude (≥100: none, ≥10: 1, ≥1: 2, below:
 * 3 significant digits). Thousands are grouped with commas from 10,000 up.
 */
export function formatMetric(metric: MetricName, value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "NaN" : value > 0 ? "∞" : "-∞";
  // Start from what the result files hold, so float noise cannot change the decimals chosen.
  const stored = roundForOutput(value);
  return formatFixed(stored, decimalsFor(metricKind(metric), stored));
}

function decimalsFor(kind: MetricKind, value: number): number {
  const magnitude = Math.abs(value);
  if (Number.isInteger(value)) return 0;
  if (kind === "fraction") {
    const gapToOne = Math.abs(1 - magnitude);
    if (magnitude < 0.01) return decimalsForSignificant(magnitude, 2);
    if (gapToOne > 0 && gapToOne < 0.01) return decimalsForSignificant(gapToOne, 2);
    return 3;
  }
  // Counts that are not integers are means over replications: read them as quantities.
  if (magnitude >= 100) return 0;
  if (magnitude >= 10) return 1;
  if (magnitude >= 1) return 2;
  return decimalsForSignificant(magnitude, 3);
}

/** Decimals that show `digits` significant digits of a magnitude below 1, capped at 6. */
function decimalsForSignificant(magnitude: number, digits: number): number {
  const leadingZeros = Math.ceil(-Math.log10(magnitude)) - 1;
  return Math.min(DECIMALS_MAX, Math.max(0, leadingZeros + digits));
}

/** Fixed decimals, thousands grouped from 10,000 up, never "-0". */
export function formatFixed(value: number, decimals: number): string {
  let text = value.toFixed(decimals);
  if (/^-0(\.0*)?$/.test(text)) text = text.slice(1);
  const negative = text.startsWith("-");
  const unsigned = negative ? text.slice(1) : text;
  const dot = unsigned.indexOf(".");
  const integerPart = dot === -1 ? unsigned : unsigned.slice(0, dot);
  const rest = dot === -1 ? "" : unsigned.slice(dot);
  const grouped =
    integerPart.length > 4 ? integerPart.replace(/\B(?=(\d{3})+$)/g, ",") : integerPart;
  return (negative ? "-" : "") + grouped + rest;
}

/** Half the width of the 95% confidence interval of the mean. */
export function ciHalfWidth(summary: MetricSummary): number {
  return (summary.ci95[1] - summary.ci95[0]) / 2;
}

/**
 * A CI half-width (an uncertainty) with two significant digits at most: integers as they
 * are, ≥10 without decimals, ≥1 with one, below 1 with two significant digits (0.50, 0.020).
 */
export function formatHalfWidth(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "NaN" : "∞";
  const stored = roundForOutput(value);
  const magnitude = Math.abs(stored);
  if (Number.isInteger(stored) || magnitude >= 10) return formatFixed(stored, 0);
  if (magnitude >= 1) return formatFixed(stored, 1);
  return formatFixed(stored, decimalsForSignificant(magnitude, 2));
}

/** The mean and its 95% CI half-width, e.g. `12.3 ±0.40`; just the mean when the CI is a point. */
export function formatMeanCi(metric: MetricName, summary: MetricSummary): string {
  const mean = formatMetric(metric, summary.mean);
  const halfWidth = ciHalfWidth(summary);
  if (!(halfWidth > 0)) return mean;
  return `${mean} ±${formatHalfWidth(halfWidth)}`;
}

/** A relative change as a whole percentage from 10% up, one decimal below. */
export function formatPercent(fraction: number): string {
  const percent = Math.abs(fraction) * 100;
  if (percent >= 9.95) return `${formatFixed(Math.round(percent), 0)}%`;
  if (percent >= 0.05) return `${percent.toFixed(1)}%`;
  return "<0.1%";
}

/** A span of simulated time for people: hours up to three days, days beyond (e.g. "30 d"). */
export function formatHours(hours: number): string {
  if (hours > 72) return `${formatFixed(hours / 24, Number.isInteger(hours / 24) ? 0 : 1)} d`;
  return `${formatFixed(hours, Number.isInteger(hours) ? 0 : 1)} h`;
}

/** Simulated time as a clock: "day 2 03:12:45". */
export function formatSimClock(us: number): string {
  const totalS = Math.floor(us / 1e6);
  const two = (n: number) => String(n).padStart(2, "0");
  return `day ${Math.floor(totalS / 86_400)} ${two(Math.floor((totalS % 86_400) / 3_600))}:${two(Math.floor((totalS % 3_600) / 60))}:${two(totalS % 60)}`;
}
