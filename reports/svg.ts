/**
 * Small self-contained SVG plots as strings: boxplots of a metric across strategies, step
 * time series, and the failure timeline. No DOM, no fonts to fetch, no randomness: the same
 * records give the same bytes. Text widths are estimated (about 7 px per character at 12 px)
 * since there is no font to measure; labels that would not fit are shortened with "…" and
 * keep their full text in a `<title>` tooltip.
 *
 * The SVGs carry no `xmlns` because HTML5 does not need it when they are inlined, and a
 * report page must not contain any URL; `standaloneSvg` adds it to write a `.svg` file.
 *
 * Every plot's root has `data-plot` (its kind) and `data-points` (how many data points it
 * was given), so a test can tell an empty plot from a drawn one.
 */

import { tracePerStrategy } from "./compare.js";
import { formatFixed, formatMetric } from "./format.js";
import type { MetricName, MetricSummary, RunTrace, SeriesPoint } from "./records.js";
import { METRIC_BETTER } from "./records.js";
import { escapeXml } from "./text.js";

/** Okabe–Ito colours (safe for colour-blind readers), the first strategy first. */
export const PLOT_COLORS: readonly string[] = [
  "#0072B2",
  "#D55E00",
  "#009E73",
  "#CC79A7",
  "#E69F00",
  "#56B4E9",
  "#000000",
  "#999999",
];

/** Colour of the index-th strategy (or failure kind), cycling through PLOT_COLORS. */
export function plotColor(index: number): string {
  return PLOT_COLORS[index % PLOT_COLORS.length];
}

/** Above this many failures in one lane, the timeline draws a histogram instead of marks. */
export const TIMELINE_MARKS_MAX = 2000;
/** Bins of a timeline histogram. */
export const TIMELINE_BINS = 120;

const WIDTH = 720;
const CHAR_WIDTH_PX = 7;
const FONT_PX = 12;

const STYLE =
  "<style>" +
  ".fl-plot text{font-family:system-ui,sans-serif;font-size:12px;fill:#222}" +
  ".fl-plot .fl-title{font-size:14px;font-weight:600}" +
  ".fl-plot .fl-muted{fill:#666}" +
  ".fl-plot .fl-grid{stroke:#e6e6e6;stroke-width:1}" +
  ".fl-plot .fl-axis{stroke:#888;stroke-width:1}" +
  "</style>";

// ---------------------------------------------------------------------------------------
// Boxplot

/** One strategy's row in a boxplot. */
export interface BoxplotStrategy {
  readonly name: string;
  /** Null when the strategy does not exercise the metric: the row says so. */
  readonly summary: MetricSummary | null;
  /** The metric's value in each run, drawn as dots. */
  readonly values: readonly number[];
}

/**
 * Horizontal boxplots of one metric, one row per strategy: whiskers min..max, box q1..q3,
 * a median line, the mean as a white dot, each run as a small dot (spread vertically by
 * its index, not at random). `data-points` counts the run dots.
 */
export function boxplotSvg(metric: MetricName, strategies: readonly BoxplotStrategy[]): string {
  const rowHeightPx = 34;
  const top = 34;
  const axisHeightPx = 44;
  const labels = fitLabels(strategies.map((s) => s.name));
  const left = labels.widthPx;
  const right = WIDTH - 24;
  const height = top + Math.max(1, strategies.length) * rowHeightPx + axisHeightPx;
  const bottom = top + Math.max(1, strategies.length) * rowHeightPx;

  const all: number[] = [];
  for (const s of strategies) {
    if (s.summary !== null) all.push(s.summary.min, s.summary.max, s.summary.mean);
    for (const v of s.values) if (Number.isFinite(v)) all.push(v);
  }
  const scale = niceScale(all.length === 0 ? 0 : Math.min(...all), all.length === 0 ? 1 : Math.max(...all), true);
  const x = (v: number): number => left + ((v - scale.lo) / (scale.hi - scale.lo)) * (right - left);
  const pointCount = strategies.reduce((count, s) => count + s.values.filter(Number.isFinite).length, 0);

  const better = METRIC_BETTER[metric];
  const axisLabel = better === "neither" ? metric : `${metric} (${better} is better)`;
  const out: string[] = [];
  out.push(
    svgOpen(height, `${metric} across strategies`, {
      "data-plot": "boxplot",
      "data-metric": metric,
      "data-points": String(pointCount),
    }),
  );
  out.push(text(left, 20, metric, { class: "fl-title" }));
  out.push(verticalGrid(scale.ticks.map(x), top, bottom));
  out.push(xAxis(scale.ticks, x, bottom, left, right, axisLabel));

  strategies.forEach((strategy, index) => {
    const cy = top + index * rowHeightPx + rowHeightPx / 2;
    const color = plotColor(index);
    out.push(label(left - 8, cy, labels.texts[index], strategy.name));
    const stats = strategy.summary;
    if (stats === null) {
      out.push(text(left + 4, cy + 4, "not exercised", { class: "fl-muted", "font-style": "italic" }));
      return;
    }
    const boxHalfPx = 8;
    out.push(
      `<g data-strategy="${escapeXml(strategy.name)}">` +
        // Whisker with end caps.
        `<path d="M${n(x(stats.min))} ${n(cy)}H${n(x(stats.max))}M${n(x(stats.min))} ${n(cy - 5)}V${n(cy + 5)}M${n(x(stats.max))} ${n(cy - 5)}V${n(cy + 5)}" stroke="${color}" stroke-width="1.5" fill="none"/>` +
        `<rect x="${n(x(stats.q1))}" y="${n(cy - boxHalfPx)}" width="${n(Math.max(1, x(stats.q3) - x(stats.q1)))}" height="${2 * boxHalfPx}" fill="${color}" fill-opacity="0.2" stroke="${color}" stroke-width="1.5"/>` +
        `<path d="M${n(x(stats.median))} ${n(cy - boxHalfPx)}V${n(cy + boxHalfPx)}" stroke="${color}" stroke-width="3"/>`,
    );
    if (strategy.values.length > 0) {
      const dots = strategy.values
        .filter((v) => Number.isFinite(v))
        // Five vertical offsets by run index: overlapping runs stay visible, deterministically.
        .map((v, j) => `<circle cx="${n(x(v))}" cy="${n(cy + ((j % 5) - 2) * 2.5)}" r="1.8"/>`)
        .join("");
      out.push(`<g fill="${color}" fill-opacity="0.55">${dots}</g>`);
    }
    out.push(
      `<circle cx="${n(x(stats.mean))}" cy="${n(cy)}" r="3.5" fill="#fff" stroke="#222" stroke-width="1.2"><title>${escapeXml(statsTooltip(metric, strategy.name, stats))}</title></circle>`,
    );
    out.push("</g>");
  });
  out.push("</svg>");
  return out.join("");
}

function statsTooltip(metric: MetricName, name: string, stats: MetricSummary): string {
  const f = (v: number): string => formatMetric(metric, v);
  return (
    `${name}: mean ${f(stats.mean)} (95% CI ${f(stats.ci95[0])}–${f(stats.ci95[1])}), ` +
    `min ${f(stats.min)}, q1 ${f(stats.q1)}, median ${f(stats.median)}, q3 ${f(stats.q3)}, max ${f(stats.max)}`
  );
}

// ---------------------------------------------------------------------------------------
// Time series

/** One strategy's series in a time-series plot. */
export interface TimeSeries {
  readonly name: string;
  /** Piecewise-constant: each value holds until the next point's time. */
  readonly points: readonly SeriesPoint[];
}

/**
 * Step lines of a piecewise-constant quantity over time, one colour per series, a legend
 * and axes (time in hours up to three days, in days beyond). Each value holds until the
 * next point, and the last one until `endH` (the horizon) or, without it, the latest time
 * of any series. Where many points fall in one pixel column, the line keeps only their
 * range (the drawn picture is the same).
 */
export function timeSeriesSvg(
  title: string,
  unit: string,
  series: readonly TimeSeries[],
  endH?: number,
): string {
  const top = 34;
  const left = 64;
  const right = WIDTH - 16;
  const plotHeightPx = 200;
  const bottom = top + plotHeightPx;
  const legend = legendRows(
    series.map((s, i) => ({ label: s.name, color: plotColor(i) })),
    left,
    right,
  );
  const legendTop = bottom + 46;
  const height = legendTop + legend.heightPx + 8;

  let tMax = 0;
  let tMin = 0;
  let vMin = 0;
  let vMax = 0;
  let pointCount = 0;
  for (const s of series) {
    for (const p of s.points) {
      pointCount += 1;
      tMax = Math.max(tMax, p.timeH);
      tMin = Math.min(tMin, p.timeH);
      vMin = Math.min(vMin, p.value);
      vMax = Math.max(vMax, p.value);
    }
  }
  if (endH !== undefined && Number.isFinite(endH)) tMax = Math.max(tMax, endH);
  if (tMax <= tMin) tMax = tMin + 1;
  if (vMax <= vMin) vMax = vMin + 1;
  const time = timeScale(tMin, tMax);
  const values = niceScale(vMin, vMax, true);
  const x = (tH: number): number => left + ((tH - tMin) / (tMax - tMin)) * (right - left);
  const y = (v: number): number => bottom - ((v - values.lo) / (values.hi - values.lo)) * (bottom - top);

  const out: string[] = [];
  out.push(svgOpen(height, title, { "data-plot": "time-series", "data-points": String(pointCount) }));
  out.push(text(left, 20, title, { class: "fl-title" }));
  out.push(horizontalGrid(values.ticks.map(y), left, right));
  out.push(verticalGrid(time.ticksH.map(x), top, bottom));
  out.push(xAxis(time.ticks, (t) => x(t * time.hoursPerUnit), bottom, left, right, time.label));
  out.push(yAxis(values.ticks, y, left, top, bottom, unit));
  if (pointCount === 0) {
    out.push(text((left + right) / 2, (top + bottom) / 2, "no data", { class: "fl-muted", "text-anchor": "middle" }));
  }
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    out.push(
      `<path d="${stepPath(s.points, x, y, tMax)}" fill="none" stroke="${plotColor(i)}" stroke-width="1.5" stroke-opacity="0.85" stroke-linejoin="round" data-series="${escapeXml(s.name)}"/>`,
    );
  });
  out.push(legend.render(legendTop));
  out.push("</svg>");
  return out.join("");
}

/** SVG path data for a step line, merging points that land in the same 0.5 px column. */
function stepPath(
  points: readonly SeriesPoint[],
  x: (tH: number) => number,
  y: (v: number) => number,
  tEndH: number,
): string {
  const parts: string[] = [];
  let columnX = snap(x(points[0].timeH));
  let currentY = y(points[0].value);
  parts.push(`M${n(columnX)} ${n(currentY)}`);
  let i = 1;
  while (i < points.length) {
    const nextX = snap(x(points[i].timeH));
    // Every point of this column: the line goes across, then spans their range vertically.
    let lo = currentY;
    let hi = currentY;
    let last = currentY;
    let inColumn = 0;
    while (i < points.length && snap(x(points[i].timeH)) === nextX) {
      last = y(points[i].value);
      lo = Math.min(lo, last);
      hi = Math.max(hi, last);
      inColumn += 1;
      i += 1;
    }
    if (nextX !== columnX) parts.push(`H${n(nextX)}`);
    if (inColumn === 1 || (lo === hi)) {
      if (last !== currentY) parts.push(`V${n(last)}`);
    } else {
      // Several values in one column: cover their whole range, then settle on the last.
      const far = Math.abs(lo - currentY) < Math.abs(hi - currentY) ? [lo, hi] : [hi, lo];
      for (const target of [...far, last]) {
        const previous = parts[parts.length - 1];
        if (previous !== `V${n(target)}`) parts.push(`V${n(target)}`);
      }
    }
    columnX = nextX;
    currentY = last;
  }
  const endX = snap(x(tEndH));
  if (endX !== columnX) parts.push(`H${n(endX)}`);
  return parts.join("");
}

function snap(px: number): number {
  return Math.round(px * 2) / 2;
}

// ---------------------------------------------------------------------------------------
// Failure timeline

/**
 * One lane per strategy over [0, horizonH] with a mark per injected failure, coloured by
 * kind (an outage's duration, when known, as a light bar behind it), and a legend with each
 * kind's total. A lane with more than TIMELINE_MARKS_MAX failures becomes a histogram of
 * TIMELINE_BINS bins stacked by kind. Each strategy's lowest replication is drawn.
 */
export function failureTimelineSvg(traces: readonly RunTrace[], horizonH: number): string {
  const lanes = tracePerStrategy(traces);
  const laneHeightPx = 36;
  const top = 34;
  const labels = fitLabels(lanes.map((t) => t.strategy));
  const left = labels.widthPx;
  const right = WIDTH - 16;
  const bottom = top + Math.max(1, lanes.length) * laneHeightPx;

  let failureCount = 0;
  const kindTotals = new Map<string, number>();
  let latestH = 0;
  for (const lane of lanes) {
    for (const f of lane.failures) {
      failureCount += 1;
      kindTotals.set(f.kind, (kindTotals.get(f.kind) ?? 0) + 1);
      latestH = Math.max(latestH, f.timeH);
    }
  }
  // Sorted by name so a kind keeps its colour whatever order failures came in.
  const kinds = [...kindTotals.keys()].sort(byCodeUnits);
  const kindColor = new Map(kinds.map((kind, i) => [kind, plotColor(i)]));
  const endH = horizonH > 0 ? horizonH : Math.max(latestH, 1);
  const time = timeScale(0, endH);
  const x = (tH: number): number => left + (clamp(tH, 0, endH) / endH) * (right - left);

  const legend = legendRows(
    kinds.map((kind) => ({ label: `${kind} (${kindTotals.get(kind)})`, color: kindColor.get(kind) as string })),
    left,
    right,
  );
  const legendTop = bottom + 46;
  const height = legendTop + legend.heightPx + 8;
  const histogramLanes = lanes.filter((lane) => lane.failures.length > TIMELINE_MARKS_MAX).length;

  const out: string[] = [];
  out.push(
    svgOpen(height, "Failure timeline", {
      "data-plot": "failure-timeline",
      "data-points": String(failureCount),
      "data-histogram-lanes": String(histogramLanes),
    }),
  );
  out.push(text(left, 20, "Failure timeline", { class: "fl-title" }));
  out.push(verticalGrid(time.ticksH.map(x), top, bottom));
  out.push(xAxis(time.ticks, (t) => x(t * time.hoursPerUnit), bottom, left, right, time.label));
  if (lanes.length === 0) {
    out.push(text((left + right) / 2, top + laneHeightPx / 2 + 4, "no traces", { class: "fl-muted", "text-anchor": "middle" }));
  }

  lanes.forEach((lane, index) => {
    const laneTop = top + index * laneHeightPx;
    const cy = laneTop + laneHeightPx / 2;
    const binned = lane.failures.length > TIMELINE_MARKS_MAX;
    out.push(label(left - 8, binned ? cy - 4 : cy, labels.texts[index], lane.strategy));
    if (binned) out.push(text(left - 8, cy + 12, "(histogram)", { class: "fl-muted", "text-anchor": "end" }));
    out.push(`<path class="fl-grid" d="M${n(left)} ${n(laneTop + laneHeightPx)}H${n(right)}"/>`);
    if (lane.failures.length === 0) {
      out.push(text(left + 4, cy + 4, "no failures", { class: "fl-muted", "font-style": "italic" }));
      return;
    }
    out.push(`<g data-strategy="${escapeXml(lane.strategy)}" data-failures="${lane.failures.length}">`);
    if (binned) {
      out.push(histogramLane(lane, kinds, kindColor, x, endH, laneTop + 3, laneTop + laneHeightPx - 3));
    } else {
      out.push(markLane(lane, kinds, kindColor, x, endH, cy));
    }
    out.push("</g>");
  });
  out.push(legend.render(legendTop));
  out.push("</svg>");
  return out.join("");
}

/** One path per kind for outage bars and one for marks: a few elements however many failures. */
function markLane(
  lane: RunTrace,
  kinds: readonly string[],
  kindColor: ReadonlyMap<string, string>,
  x: (tH: number) => number,
  endH: number,
  cy: number,
): string {
  const out: string[] = [];
  for (const kind of kinds) {
    const failures = lane.failures.filter((f) => f.kind === kind);
    if (failures.length === 0) continue;
    const color = kindColor.get(kind) as string;
    const bars = failures
      .filter((f) => f.durationH !== null && f.durationH > 0)
      .map((f) => {
        const x0 = x(f.timeH);
        const x1 = x(Math.min(endH, f.timeH + (f.durationH as number)));
        return `M${n(x0)} ${n(cy - 3)}H${n(Math.max(x1, x0 + 0.5))}V${n(cy + 3)}H${n(x0)}Z`;
      })
      .join("");
    if (bars !== "") out.push(`<path d="${bars}" fill="${color}" fill-opacity="0.25"/>`);
    const marks = failures.map((f) => `M${n(x(f.timeH))} ${n(cy - 9)}V${n(cy + 9)}`).join("");
    out.push(`<path d="${marks}" stroke="${color}" stroke-width="1.5" data-kind="${escapeXml(kind)}"/>`);
  }
  return out.join("");
}

/** Stacked bars by kind, scaled to the lane's fullest bin. */
function histogramLane(
  lane: RunTrace,
  kinds: readonly string[],
  kindColor: ReadonlyMap<string, string>,
  x: (tH: number) => number,
  endH: number,
  laneTopPx: number,
  laneBottomPx: number,
): string {
  const binH = endH / TIMELINE_BINS;
  const counts = new Map(kinds.map((kind) => [kind, new Array<number>(TIMELINE_BINS).fill(0)]));
  for (const f of lane.failures) {
    const bin = clamp(Math.floor(f.timeH / binH), 0, TIMELINE_BINS - 1);
    (counts.get(f.kind) as number[])[bin] += 1;
  }
  const totals = new Array<number>(TIMELINE_BINS).fill(0);
  for (const perBin of counts.values()) perBin.forEach((c, b) => (totals[b] += c));
  const fullest = Math.max(1, ...totals);
  const pxPerFailure = (laneBottomPx - laneTopPx) / fullest;
  const stacked = new Array<number>(TIMELINE_BINS).fill(0);
  const out: string[] = [];
  out.push(
    `<title>${escapeXml(`${lane.strategy}: ${lane.failures.length} failures in ${TIMELINE_BINS} bins of ${formatFixed(binH, binH < 10 ? 2 : 0)} h; fullest bin ${fullest}`)}</title>`,
  );
  for (const kind of kinds) {
    const perBin = counts.get(kind) as number[];
    const rects: string[] = [];
    perBin.forEach((count, b) => {
      if (count === 0) return;
      const x0 = x(b * binH);
      const x1 = x((b + 1) * binH);
      const y1 = laneBottomPx - stacked[b] * pxPerFailure;
      const y0 = y1 - count * pxPerFailure;
      stacked[b] += count;
      rects.push(`M${n(x0)} ${n(y1)}H${n(x1)}V${n(y0)}H${n(x0)}Z`);
    });
    if (rects.length > 0) {
      out.push(`<path d="${rects.join("")}" fill="${kindColor.get(kind) as string}" data-kind="${escapeXml(kind)}"/>`);
    }
  }
  return out.join("");
}

// ---------------------------------------------------------------------------------------
// Shared pieces

/** Adds the SVG namespace (and an XML declaration) for writing a plot as its own file. */
export function standaloneSvg(svg: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${svg.replace(/^<svg /, '<svg xmlns="http://www.w3.org/2000/svg" ')}\n`;
}

/** A scale's domain and tick values. */
export interface NiceScale {
  readonly lo: number;
  readonly hi: number;
  readonly ticks: readonly number[];
}

const TICKS_TARGET = 5;
const STEP_MULTIPLIERS = [1, 2, 5, 2.5] as const; // 2.5 last: it wins only when strictly better.

/**
 * Round tick values (1, 2, 2.5 or 5 × a power of ten), as close to 5 ticks as possible and
 * 4–6 whenever a step allows it. With `extend`, the domain grows outwards to whole ticks;
 * without, the domain stays [lo, hi] and only ticks inside it are kept (for time axes that
 * end at the horizon). A zero-width range is widened first.
 */
export function niceScale(lo: number, hi: number, extend: boolean): NiceScale {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return niceScale(0, 1, extend);
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const range = hi - lo;
  const magnitude = Math.floor(Math.log10(range));
  let best: { first: number; last: number; step: number; decimals: number; penalty: number } | null = null;
  for (let exponent = magnitude - 2; exponent <= magnitude + 1; exponent++) {
    for (const multiplier of STEP_MULTIPLIERS) {
      const step = multiplier * 10 ** exponent;
      const eps = 1e-9;
      const first = extend ? Math.floor(lo / step + eps) : Math.ceil(lo / step - eps);
      const last = extend ? Math.ceil(hi / step - eps) : Math.floor(hi / step + eps);
      const count = last - first + 1;
      const miss = Math.abs(count - TICKS_TARGET);
      const penalty = count >= 4 && count <= 6 ? miss : 10 + miss;
      if (best === null || penalty < best.penalty) {
        const decimals = Math.max(0, -exponent) + (multiplier === 2.5 ? 1 : 0);
        best = { first, last, step, decimals, penalty };
      }
    }
  }
  const chosen = best as NonNullable<typeof best>;
  const ticks: number[] = [];
  for (let i = chosen.first; i <= chosen.last; i++) {
    ticks.push(Number((i * chosen.step).toFixed(chosen.decimals)));
  }
  return extend
    ? { lo: Math.min(lo, ticks[0]), hi: Math.max(hi, ticks[ticks.length - 1]), ticks }
    : { lo, hi, ticks };
}

interface TimeScale {
  /** Tick values in the display unit. */
  readonly ticks: readonly number[];
  /** The same ticks in hours. */
  readonly ticksH: readonly number[];
  readonly hoursPerUnit: number;
  readonly label: string;
}

/** Hours up to three days, days beyond; ticks inside [startH, endH]. */
function timeScale(startH: number, endH: number): TimeScale {
  const hoursPerUnit = endH - startH > 72 ? 24 : 1;
  const scale = niceScale(startH / hoursPerUnit, endH / hoursPerUnit, false);
  return {
    ticks: scale.ticks,
    ticksH: scale.ticks.map((t) => t * hoursPerUnit),
    hoursPerUnit,
    label: hoursPerUnit === 24 ? "time (days)" : "time (h)",
  };
}

// ---------------------------------------------------------------------------------------
// Sweep curves and heatmaps

/** A swept parameter as a plot axis: a position per grid value, labelled as written. */
export interface SweepPlotAxis {
  /** The `--set` path. */
  readonly label: string;
  readonly texts: readonly string[];
  /** Numeric positions (seconds for durations), or null: evenly spaced categories. */
  readonly numbers: readonly number[] | null;
}

/** One curve: a strategy (and, in a grid of two or more, the other parameters' values). */
export interface SweepCurve {
  readonly label: string;
  /** The strategy's index: its colour. */
  readonly colorIndex: number;
  /** Which combination of the other parameters: its dash pattern. */
  readonly dashIndex: number;
  /** By axis value index; null where the metric was not exercised. */
  readonly means: readonly (MetricSummary | null)[];
}

/** A vertical reference line, e.g. Daly's optimum interval. */
export interface SweepMarker {
  readonly position: number;
  readonly label: string;
}

const DASHES = ["", "6 3", "2 3", "8 3 2 3"];

/**
 * A metric's mean against one swept parameter: a line per curve with its 95% CI as a
 * shaded band, the best value of each curve ringed (by the metric's direction), and any
 * markers as dashed verticals. A parameter spanning a factor of 8 or more is drawn on a log
 * scale. `data-points` counts the means drawn.
 */
export function sweepCurveSvg(metric: MetricName, axis: SweepPlotAxis, curves: readonly SweepCurve[], markers: readonly SweepMarker[]): string {
  const left = 70;
  const right = WIDTH - 24;
  const top = 34;
  const plotHeightPx = 220;
  const bottom = top + plotHeightPx;
  const numbers = axis.numbers;
  const log = numbers !== null && Math.min(...numbers) > 0 && Math.max(...numbers) / Math.min(...numbers) >= 8;
  const toUnit = (v: number) => (log ? Math.log(v) : v);
  const positions = numbers === null ? axis.texts.map((_, i) => i) : numbers.map(toUnit);
  const usable = markers.filter((m) => numbers !== null && (!log || m.position > 0));
  const all = [...positions, ...usable.map((m) => toUnit(m.position))];
  const [xLo, xHi] = all.length === 1 || Math.min(...all) === Math.max(...all) ? [all[0] - 1, all[0] + 1] : [Math.min(...all), Math.max(...all)];
  const pad = (xHi - xLo) * 0.05;
  const x = (unit: number) => left + ((unit - (xLo - pad)) / (xHi - xLo + 2 * pad)) * (right - left);

  const values: number[] = [];
  for (const curve of curves) for (const m of curve.means) if (m !== null) values.push(m.ci95[0], m.ci95[1], m.mean);
  const finite = values.filter(Number.isFinite);
  const scale = niceScale(finite.length === 0 ? 0 : Math.min(...finite), finite.length === 0 ? 1 : Math.max(...finite), true);
  const y = (v: number) => bottom - ((clamp(v, scale.lo, scale.hi) - scale.lo) / (scale.hi - scale.lo)) * plotHeightPx;
  const better = METRIC_BETTER[metric];
  const legend = legendRows(
    curves.map((c) => ({ label: c.label, color: plotColor(c.colorIndex) })),
    left,
    right,
  );
  const height = bottom + 48 + legend.heightPx + 8;
  const pointCount = curves.reduce((count, c) => count + c.means.filter((m) => m !== null && Number.isFinite(m.mean)).length, 0);
  const out: string[] = [];
  out.push(
    svgOpen(height, `${metric} against ${axis.label}`, {
      "data-plot": "sweep-curve",
      "data-metric": metric,
      "data-parameter": axis.label,
      "data-points": String(pointCount),
    }),
  );
  out.push(text(left, 20, `${metric}${better === "neither" ? "" : ` (${better} is better)`} against ${axis.label}`, { class: "fl-title" }));
  out.push(horizontalGrid(scale.ticks.map(y), left, right));
  out.push(yAxis(scale.ticks, y, left, top, bottom, metric));
  // The x axis is labelled with the swept values as written, not with round ticks.
  const parts = [`<path class="fl-axis" d="M${n(left)} ${n(bottom)}H${n(right)}"/>`];
  positions.forEach((unit, i) => {
    parts.push(`<path class="fl-axis" d="M${n(x(unit))} ${n(bottom)}V${n(bottom + 4)}"/>`);
    parts.push(text(x(unit), bottom + 8 + FONT_PX, axis.texts[i], { "text-anchor": "middle" }));
  });
  parts.push(text((left + right) / 2, bottom + 38, `${axis.label}${log ? " (log scale)" : ""}`, { class: "fl-muted", "text-anchor": "middle" }));
  out.push(parts.join(""));

  for (const marker of usable) {
    const px = x(toUnit(marker.position));
    out.push(
      `<g class="fl-marker"><path d="M${n(px)} ${n(top)}V${n(bottom)}" stroke="#444" stroke-width="1.2" stroke-dasharray="4 3"/>` +
        `${text(px + 4, top + 12, marker.label, { class: "fl-muted" })}</g>`,
    );
  }

  curves.forEach((curve) => {
    const color = plotColor(curve.colorIndex);
    const drawn = curve.means.flatMap((m, i) => (m === null || !Number.isFinite(m.mean) ? [] : [{ i, m }]));
    if (drawn.length === 0) return;
    const band =
      drawn.map(({ i, m }, k) => `${k === 0 ? "M" : "L"}${n(x(positions[i]))} ${n(y(m.ci95[1]))}`).join("") +
      [...drawn].reverse().map(({ i, m }) => `L${n(x(positions[i]))} ${n(y(m.ci95[0]))}`).join("") +
      "Z";
    const line = drawn.map(({ i, m }, k) => `${k === 0 ? "M" : "L"}${n(x(positions[i]))} ${n(y(m.mean))}`).join("");
    const dash = DASHES[curve.dashIndex % DASHES.length];
    out.push(`<g data-curve="${escapeXml(curve.label)}">`);
    out.push(`<path d="${band}" fill="${color}" fill-opacity="0.15" stroke="none"/>`);
    out.push(`<path d="${line}" fill="none" stroke="${color}" stroke-width="2"${dash === "" ? "" : ` stroke-dasharray="${dash}"`}/>`);
    for (const { i, m } of drawn) {
      const tip = `${curve.label} at ${axis.texts[i]}: ${formatMetric(metric, m.mean)} (95% CI ${formatMetric(metric, m.ci95[0])}–${formatMetric(metric, m.ci95[1])})`;
      out.push(`<circle cx="${n(x(positions[i]))}" cy="${n(y(m.mean))}" r="3" fill="${color}"><title>${escapeXml(tip)}</title></circle>`);
    }
    const best = bestIndex(better, curve.means.map((m) => m?.mean ?? null));
    if (best !== null) {
      const mean = (curve.means[best] as MetricSummary).mean;
      out.push(
        `<circle class="fl-best" data-best="${escapeXml(axis.texts[best])}" cx="${n(x(positions[best]))}" cy="${n(y(mean))}" r="7" fill="none" stroke="${color}" stroke-width="2">` +
          `<title>${escapeXml(`${curve.label}: best ${metric} at ${axis.label}=${axis.texts[best]} (${formatMetric(metric, mean)})`)}</title></circle>`,
      );
    }
    out.push("</g>");
  });
  out.push(legend.render(bottom + 50));
  out.push("</svg>");
  return out.join("");
}

/**
 * The index of the best value by the metric's direction (the first on a tie), or null when
 * the metric has no better direction, fewer than two values are there, or all are equal.
 */
export function bestIndex(better: "higher" | "lower" | "neither", values: readonly (number | null)[]): number | null {
  if (better === "neither") return null;
  const present = values.flatMap((v, i) => (v === null || !Number.isFinite(v) ? [] : [{ v, i }]));
  if (present.length < 2 || present.every((p) => p.v === present[0].v)) return null;
  let best = present[0];
  for (const p of present) if (better === "lower" ? p.v < best.v : p.v > best.v) best = p;
  return best.i;
}

/**
 * A metric's mean over a grid of two parameters for one strategy: a cell per point shaded
 * from light (lowest) to dark (highest), its value written in it, the best cell outlined.
 * `cells[row][column]`: rows are the first parameter's values, columns the second's.
 */
export function sweepHeatmapSvg(
  metric: MetricName,
  strategy: string,
  rows: SweepPlotAxis,
  columns: SweepPlotAxis,
  cells: readonly (readonly (number | null)[])[],
): string {
  const labels = fitLabels(rows.texts);
  const left = Math.max(labels.widthPx, 60);
  const right = WIDTH - 24;
  const top = 40;
  const cellWidthPx = (right - left) / columns.texts.length;
  const cellHeightPx = 30;
  const bottom = top + rows.texts.length * cellHeightPx;
  const flat = cells.flat();
  const finite = flat.filter((v): v is number => v !== null && Number.isFinite(v));
  const lo = finite.length === 0 ? 0 : Math.min(...finite);
  const hi = finite.length === 0 ? 1 : Math.max(...finite);
  const better = METRIC_BETTER[metric];
  const best = bestIndex(better, flat);
  const out: string[] = [];
  out.push(
    svgOpen(bottom + 48, `${metric} of ${strategy} over ${rows.label} and ${columns.label}`, {
      "data-plot": "sweep-heatmap",
      "data-metric": metric,
      "data-strategy": strategy,
      "data-points": String(finite.length),
    }),
  );
  out.push(text(left, 20, `${metric} of ${strategy}${better === "neither" ? "" : ` (${better} is better)`}`, { class: "fl-title" }));
  out.push(text(left, 34, `rows: ${rows.label}`, { class: "fl-muted" }));
  cells.forEach((row, r) => {
    const cy = top + r * cellHeightPx + cellHeightPx / 2;
    out.push(label(left - 8, cy, labels.texts[r], rows.texts[r]));
    row.forEach((value, c) => {
      const x0 = left + c * cellWidthPx;
      const y0 = top + r * cellHeightPx;
      const shown = value === null || !Number.isFinite(value);
      const share = shown ? 0 : hi === lo ? 0.5 : (value - lo) / (hi - lo);
      // A blue ramp, #eef4fb to #08519c; text turns white on the darker half.
      const mix = (a: number, b: number) => Math.round(a + (b - a) * share);
      const fill = shown ? "#f4f4f4" : `rgb(${mix(238, 8)},${mix(244, 81)},${mix(251, 156)})`;
      const isBest = best === r * columns.texts.length + c;
      out.push(
        `<rect x="${n(x0 + 1)}" y="${n(y0 + 1)}" width="${n(cellWidthPx - 2)}" height="${cellHeightPx - 2}" fill="${fill}"` +
          `${isBest ? ' class="fl-best" stroke="#D55E00" stroke-width="3"' : ""}/>`,
      );
      out.push(
        text(x0 + cellWidthPx / 2, cy + 4, shown ? "—" : `${isBest ? "★ " : ""}${formatMetric(metric, value)}`, {
          "text-anchor": "middle",
          ...(share > 0.5 ? { style: "fill:#fff" } : {}),
        }),
      );
    });
  });
  columns.texts.forEach((t, c) => out.push(text(left + (c + 0.5) * cellWidthPx, bottom + 8 + FONT_PX, t, { "text-anchor": "middle" })));
  out.push(text((left + right) / 2, bottom + 38, columns.label, { class: "fl-muted", "text-anchor": "middle" }));
  out.push("</svg>");
  return out.join("");
}

function svgOpen(heightPx: number, title: string, data: Readonly<Record<string, string>>): string {
  const attributes = Object.entries(data)
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join("");
  return (
    `<svg class="fl-plot" viewBox="0 0 ${WIDTH} ${heightPx}" width="${WIDTH}" height="${heightPx}" role="img"${attributes}>` +
    `<title>${escapeXml(title)}</title>${STYLE}`
  );
}

function text(xPx: number, yPx: number, content: string, attributes: Readonly<Record<string, string>> = {}): string {
  const extra = Object.entries(attributes)
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join("");
  return `<text x="${n(xPx)}" y="${n(yPx)}"${extra}>${escapeXml(content)}</text>`;
}

/** A right-aligned row label; the full name as a tooltip when it was shortened. */
function label(xPx: number, cyPx: number, shown: string, full: string): string {
  const tooltip = shown === full ? "" : `<title>${escapeXml(full)}</title>`;
  return `<text x="${n(xPx)}" y="${n(cyPx + 4)}" text-anchor="end">${tooltip}${escapeXml(shown)}</text>`;
}

/** Row labels shortened to fit a left margin of at most 220 px. */
function fitLabels(names: readonly string[]): { widthPx: number; texts: string[] } {
  const charsMax = 28;
  const texts = names.map((name) => {
    const chars = [...name];
    return chars.length <= charsMax ? name : `${chars.slice(0, charsMax - 1).join("")}…`;
  });
  const longest = Math.max(6, ...texts.map((t) => [...t].length));
  return { widthPx: Math.min(220, 16 + longest * CHAR_WIDTH_PX), texts };
}

function xAxis(
  ticks: readonly number[],
  x: (value: number) => number,
  bottomPx: number,
  leftPx: number,
  rightPx: number,
  axisLabel: string,
): string {
  const decimals = tickDecimals(ticks);
  const parts = [`<path class="fl-axis" d="M${n(leftPx)} ${n(bottomPx)}H${n(rightPx)}"/>`];
  for (const tick of ticks) {
    const px = x(tick);
    parts.push(`<path class="fl-axis" d="M${n(px)} ${n(bottomPx)}V${n(bottomPx + 4)}"/>`);
    parts.push(text(px, bottomPx + 8 + FONT_PX, formatFixed(tick, decimals), { "text-anchor": "middle" }));
  }
  parts.push(text((leftPx + rightPx) / 2, bottomPx + 38, axisLabel, { class: "fl-muted", "text-anchor": "middle" }));
  return parts.join("");
}

function yAxis(
  ticks: readonly number[],
  y: (value: number) => number,
  leftPx: number,
  topPx: number,
  bottomPx: number,
  unit: string,
): string {
  const decimals = tickDecimals(ticks);
  const parts = [`<path class="fl-axis" d="M${n(leftPx)} ${n(topPx)}V${n(bottomPx)}"/>`];
  for (const tick of ticks) {
    const py = y(tick);
    parts.push(text(leftPx - 6, py + 4, formatFixed(tick, decimals), { "text-anchor": "end" }));
  }
  const cy = (topPx + bottomPx) / 2;
  parts.push(
    `<text x="14" y="${n(cy)}" transform="rotate(-90 14 ${n(cy)})" text-anchor="middle" class="fl-muted">${escapeXml(unit)}</text>`,
  );
  return parts.join("");
}

function verticalGrid(xs: readonly number[], topPx: number, bottomPx: number): string {
  if (xs.length === 0) return "";
  return `<path class="fl-grid" d="${xs.map((px) => `M${n(px)} ${n(topPx)}V${n(bottomPx)}`).join("")}"/>`;
}

function horizontalGrid(ys: readonly number[], leftPx: number, rightPx: number): string {
  if (ys.length === 0) return "";
  return `<path class="fl-grid" d="${ys.map((py) => `M${n(leftPx)} ${n(py)}H${n(rightPx)}`).join("")}"/>`;
}

/** Decimals that tell every tick apart: as many as the finest tick needs. */
function tickDecimals(ticks: readonly number[]): number {
  let decimals = 0;
  for (const tick of ticks) {
    while (decimals < 6 && Math.abs(Number(tick.toFixed(decimals)) - tick) > 1e-9 * Math.max(1, Math.abs(tick))) {
      decimals += 1;
    }
  }
  return decimals;
}

/** Legend items laid out in rows that wrap at `rightPx`. */
function legendRows(
  items: readonly { label: string; color: string }[],
  leftPx: number,
  rightPx: number,
): { heightPx: number; render: (topPx: number) => string } {
  const rowHeightPx = 18;
  const placed: { xPx: number; row: number; label: string; color: string }[] = [];
  let xPx = leftPx;
  let row = 0;
  for (const item of items) {
    const widthPx = 18 + [...item.label].length * CHAR_WIDTH_PX + 16;
    if (xPx > leftPx && xPx + widthPx > rightPx) {
      row += 1;
      xPx = leftPx;
    }
    placed.push({ xPx, row, label: item.label, color: item.color });
    xPx += widthPx;
  }
  const rows = items.length === 0 ? 0 : row + 1;
  return {
    heightPx: rows * rowHeightPx,
    render: (topPx) =>
      `<g class="fl-legend">${placed
        .map((p) => {
          const yPx = topPx + p.row * rowHeightPx;
          return `<rect x="${n(p.xPx)}" y="${n(yPx)}" width="12" height="12" fill="${p.color}"/>${text(p.xPx + 18, yPx + 10, p.label)}`;
        })
        .join("")}</g>`,
  };
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, value));
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A coordinate with at most one decimal, never "-0". */
function n(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  return String(rounded === 0 ? 0 : rounded);
}
