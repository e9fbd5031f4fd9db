/**
 * sweep.html: a sweep as curves, one self-contained page like report.html (inline CSS and
 * SVG, no script, no URL). Each metric against each swept parameter, a line per strategy
 * with its 95% CI band and its best point ringed; for a grid of two parameters, a heatmap
 * per strategy and metric; beside a swept fixed checkpoint interval, Young's and Daly's
 * optimum for the scenario's node-crash MTBF. Deterministic: the same sweep, the same bytes.
 */

import { sweepMetrics, type SweepPointSummary } from "./csv.js";
import { formatHours, formatMetric } from "./format.js";
import { PAGE_CSS } from "./html.js";
import type { MetricName, MetricSummary } from "./records.js";
import { METRIC_BETTER } from "./records.js";
import { bestIndex, sweepCurveSvg, sweepHeatmapSvg, type SweepCurve, type SweepMarker, type SweepPlotAxis } from "./svg.js";
import { escapeXml, paragraphs } from "./text.js";

/** Everything sweep.html is drawn from. */
export interface SweepReport {
  readonly scenario: string;
  readonly description: string;
  readonly faultlineVersion: string;
  readonly axes: readonly SweepPlotAxis[];
  /** Per point (in grid order, as `points`), the index of its value on each axis. */
  readonly grid: readonly (readonly number[])[];
  readonly points: readonly SweepPointSummary[];
  /** Per axis, reference lines to draw (Young/Daly), with a sentence saying what they are. */
  readonly markers: readonly { readonly lines: readonly SweepMarker[]; readonly note: string }[];
}

/** sweep.html's own beside report.html's look: a heading per metric, captions under the curves. */
const CSS = `${PAGE_CSS}h3 { font-size: 1rem; margin: 20px 0 4px; }
figcaption { color: #555; font-size: 0.9rem; }
`;

/** The whole page. */
export function sweepReportHtml(report: SweepReport): string {
  const e = escapeXml;
  const metrics = sweepMetrics(report.points);
  const strategies = strategyNames(report.points);
  const out: string[] = [];
  out.push("<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">');
  out.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  out.push(`<title>${e(`${report.scenario} — faultline sweep`)}</title>`, `<style>${CSS}</style>`, "</head>", "<body>", "<main>");

  out.push("<header>", `<h1>${e(report.scenario)}: sweep</h1>`);
  for (const paragraph of paragraphs(report.description)) out.push(`<p class="question">${e(paragraph)}</p>`);
  out.push('<dl class="meta">');
  const meta: [string, string][] = [
    ...report.axes.map((axis): [string, string] => [axis.label, axis.texts.join(", ")]),
    ["points", String(report.points.length)],
    ["strategies", strategies.join(", ")],
    ["faultline", report.faultlineVersion],
  ];
  for (const [term, value] of meta) out.push(`<div><dt>${e(term)}</dt><dd>${e(value)}</dd></div>`);
  out.push("</dl>", "</header>");
  out.push(
    '<p class="note">Each point is the mean over its replications; the band is its 95% confidence interval. ' +
      "A ring marks each line's best value (for metrics with a better direction). Every point's full report is in its folder (see sweep.csv).</p>",
  );

  report.axes.forEach((axis, a) => {
    out.push(`<section id="against-${a}" data-parameter="${e(axis.label)}">`);
    out.push(`<h2>Against <span class="metric">${e(axis.label)}</span></h2>`);
    if (report.markers[a].note !== "") out.push(`<p class="note">${e(report.markers[a].note)}</p>`);
    for (const metric of metrics) {
      const curves = curvesAlong(report, a, strategies, metric);
      out.push("<figure>");
      out.push(sweepCurveSvg(metric, axis, curves, report.markers[a].lines));
      const bests = curves.flatMap((curve) => {
        const best = bestIndex(METRIC_BETTER[metric], curve.means.map((m) => m?.mean ?? null));
        return best === null ? [] : [`${curve.label}: ${axis.texts[best]} (${formatMetric(metric, (curve.means[best] as MetricSummary).mean)})`];
      });
      if (bests.length > 0) out.push(`<figcaption>Best ${e(metric)} by ${e(axis.label)} — ${e(bests.join("; "))}.</figcaption>`);
      out.push("</figure>");
    }
    out.push("</section>");
  });

  if (report.axes.length === 2) {
    const [rows, columns] = report.axes;
    out.push('<section id="heatmaps">', "<h2>Heatmaps</h2>");
    out.push(`<p class="note">Rows: <span class="metric">${e(rows.label)}</span>; columns: <span class="metric">${e(columns.label)}</span>. The best cell is outlined and starred.</p>`);
    for (const metric of metrics) {
      out.push(`<h3 class="metric">${e(metric)}</h3>`);
      for (const strategy of strategies) {
        const cells = rows.texts.map((_, r) =>
          columns.texts.map((__, c) => {
            const at = report.grid.findIndex((point) => point[0] === r && point[1] === c);
            return at < 0 ? null : (metricOf(report.points[at], strategy, metric)?.mean ?? null);
          }),
        );
        // A strategy that never exercises the metric (no checkpoints, no checkpoint metrics) has nothing to draw.
        if (cells.flat().every((value) => value === null)) continue;
        out.push(`<figure>${sweepHeatmapSvg(metric, strategy, rows, columns, cells)}</figure>`);
      }
    }
    out.push("</section>");
  } else if (report.axes.length > 2) {
    out.push('<p class="note">Heatmaps are drawn for sweeps of two parameters; this one has more.</p>');
  }

  out.push(`<footer>faultline ${e(report.faultlineVersion)} · sweep of ${e(report.scenario)}</footer>`);
  out.push("</main>", "</body>", "</html>");
  return `${out.join("\n")}\n`;
}

/** Strategy names in the order the points first list them. */
function strategyNames(points: readonly SweepPointSummary[]): string[] {
  const names: string[] = [];
  for (const point of points) for (const s of point.summary.strategies) if (!names.includes(s.name)) names.push(s.name);
  return names;
}

function metricOf(point: SweepPointSummary, strategy: string, metric: MetricName): MetricSummary | null {
  return point.summary.strategies.find((s) => s.name === strategy)?.metrics[metric] ?? null;
}

/**
 * The curves along axis `a`: one per strategy and per combination of the other axes'
 * values (told apart by dash, and named in the legend when there is more than one).
 */
function curvesAlong(report: SweepReport, a: number, strategies: readonly string[], metric: MetricName): SweepCurve[] {
  const groups = new Map<string, number[]>();
  report.grid.forEach((point, p) => {
    const key = point.filter((_, axis) => axis !== a).join(",");
    groups.set(key, [...(groups.get(key) ?? []), p]);
  });
  const curves: SweepCurve[] = [];
  [...groups.values()].forEach((members, g) => {
    const others = report.axes
      .map((axis, i) => (i === a ? "" : `${lastKey(axis.label)}=${axis.texts[report.grid[members[0]][i]]}`))
      .filter((text) => text !== "")
      .join(",");
    strategies.forEach((strategy, s) => {
      const means = report.axes[a].texts.map((_, v) => {
        const p = members.find((member) => report.grid[member][a] === v);
        return p === undefined ? null : metricOf(report.points[p], strategy, metric);
      });
      curves.push({ label: groups.size > 1 ? `${strategy} · ${others}` : strategy, colorIndex: s, dashIndex: g, means });
    });
  });
  return curves;
}

function lastKey(path: string): string {
  return path.split(".").at(-1) as string;
}

/** Young's and Daly's optima as markers and the sentence that explains them. */
export function optimumMarkers(
  optima: readonly { strategy: string; dalyS: number; youngS: number; jobNodes: number; nodeMtbfS: number }[],
): { lines: SweepMarker[]; note: string } {
  if (optima.length === 0) return { lines: [], note: "" };
  const h = (s: number) => formatHours(s / 3_600);
  // With several MTBFs in the grid, each line says which it is for.
  const lines = optima.map((o) => ({ position: o.dalyS, label: `Daly ${h(o.dalyS)}${optima.length > 1 ? ` (MTBF ${h(o.nodeMtbfS)})` : ""}` }));
  const note =
    `Dashed: Daly's optimum checkpoint interval for ${optima[0].strategy} (Young's first-order value in brackets), ` +
    `for a job of the workload's mean size, whose MTBF is the node-crash MTBF over its nodes: ` +
    optima.map((o) => `${h(o.dalyS)} (${h(o.youngS)}) at node MTBF ${h(o.nodeMtbfS)}, ${o.jobNodes.toFixed(1)} nodes`).join("; ") +
    ". The simulated curve includes queueing and repairs that the formula leaves out.";
  return { lines, note };
}
