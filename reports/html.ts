/**
 * report.html: one self-contained page (inline CSS and SVG, no script, no URL of any kind)
 * that opens offline, survives being mailed around, and cannot phone home.
 */

import { costNote, failureCounts, poolUtilization, seriesLabels, shownMetrics, tracePerStrategy } from "./compare.js";
import { ciHalfWidth, formatHalfWidth, formatHours, formatMetric, formatPercent } from "./format.js";
import type { MetricName, ResultSet } from "./records.js";
import { METRIC_BETTER } from "./records.js";
import { boxplotSvg, failureTimelineSvg, timeSeriesSvg } from "./svg.js";
import { escapeXml, paragraphs } from "./text.js";
import { limitingResources, objectiveSentence, significantlyBetterIndices, verdicts } from "./verdict.js";

/** The look report.html and sweep.html share: page, headings, the question, the run's facts, figures. */
export const PAGE_CSS = `
:root { color-scheme: light; }
body { font-family: system-ui, sans-serif; color: #222; background: #fff; margin: 0; line-height: 1.45; }
main { max-width: 980px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.2rem; margin: 32px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.question { font-size: 1.1rem; margin: 4px 0 12px; }
.meta { display: flex; flex-wrap: wrap; gap: 4px 20px; margin: 0; color: #555; font-size: 0.9rem; }
.meta div { display: flex; gap: 6px; }
.meta dt { font-weight: 600; }
.meta dd { margin: 0; }
.note { color: #555; font-size: 0.9rem; }
.metric { font-family: ui-monospace, monospace; font-size: 0.85rem; }
figure { margin: 16px 0; }
svg { max-width: 100%; height: auto; }
footer { margin-top: 40px; color: #888; font-size: 0.8rem; }
`;

/** report.html's own: the summary table and the verdict. */
const CSS = `${PAGE_CSS}table { border-collapse: collapse; font-size: 0.9rem; }
th, td { padding: 4px 10px; border-bottom: 1px solid #eee; }
th { text-align: right; font-weight: 600; background: #f6f6f6; }
th:first-child, td:first-child { text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.best { background: #e3f4e6; color: #0b5d1e; font-weight: 600; }
td.null { color: #999; }
.ci { color: #777; font-weight: normal; }
.verdict p { max-width: 75ch; }
`;

/** The whole report page. Deterministic: no date, no randomness, the same results give the same bytes. */
export function reportHtml(results: ResultSet): string {
  const { summary } = results;
  const names = summary.strategies.map((s) => s.name);
  const metrics = shownMetrics(summary);
  const e = escapeXml;
  const out: string[] = [];

  out.push("<!DOCTYPE html>");
  out.push('<html lang="en">');
  out.push("<head>");
  out.push('<meta charset="utf-8">');
  out.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  out.push(`<title>${e(`${summary.scenario} — faultline report`)}</title>`);
  out.push(`<style>${CSS}</style>`);
  out.push("</head>");
  out.push("<body>");
  out.push("<main>");

  // Title, question, provenance.
  out.push("<header>");
  out.push(`<h1>${e(summary.scenario)}</h1>`);
  for (const paragraph of paragraphs(results.description)) {
    out.push(`<p class="question">${e(paragraph)}</p>`);
  }
  out.push('<dl class="meta">');
  const meta: [string, string][] = [
    ["seed", String(summary.seed)],
    ["replications", String(summary.replications)],
    ["strategies", String(summary.strategies.length)],
    ["horizon", formatHours(results.horizonH)],
    ["faultline", summary.faultlineVersion],
  ];
  for (const [term, value] of meta) out.push(`<div><dt>${e(term)}</dt><dd>${e(value)}</dd></div>`);
  out.push("</dl>");
  out.push("</header>");

  // Comparison table.
  out.push('<section id="comparison">');
  out.push("<h2>Comparison</h2>");
  out.push(
    `<p class="note">Mean over ${summary.replications} replication${summary.replications === 1 ? "" : "s"} ± half-width of its 95% confidence interval. ` +
      `A value is highlighted where it is significantly better than ${e(summary.strategies[0]?.name ?? "the first strategy")}'s, as the verdict judges it; metrics with no better direction are not judged; — marks a metric a strategy does not exercise.${e(costNote(summary, metrics))}</p>`,
  );
  if (metrics.length === 0 || summary.strategies.length === 0) {
    out.push('<p class="note">No metric was exercised.</p>');
  } else {
    out.push(comparisonTableHtml(results, metrics));
  }
  out.push("</section>");

  // Verdict.
  out.push('<section id="verdict" class="verdict">');
  out.push("<h2>Verdict</h2>");
  const objective = objectiveSentence(results);
  if (objective !== null) out.push(`<p class="objective"><strong>${e(objective)}</strong></p>`);
  const paragraphsOfVerdict = verdicts(summary);
  if (paragraphsOfVerdict.length === 0) {
    out.push('<p class="note">Only one strategy: nothing to compare.</p>');
  } else {
    out.push(
      `<p class="note">Each strategy against the first, ${e(summary.strategies[0].name)}. ` +
        "Replication r of every strategy runs on the same seed (the same arrivals and failures), so differences are paired: a difference is significant when its paired 95% confidence interval excludes 0.</p>",
    );
    for (const paragraph of paragraphsOfVerdict) out.push(`<p>${e(paragraph)}</p>`);
  }
  const limits = limitingResources(summary);
  if (limits.length > 0) {
    out.push("<h3>What held running jobs back</h3>");
    out.push(`<ul>${limits.map((line) => `<li>${e(line)}</li>`).join("")}</ul>`);
  }
  out.push("</section>");

  // Boxplots.
  out.push('<section id="distributions">');
  out.push("<h2>Distributions across replications</h2>");
  for (const metric of metrics) {
    const svg = boxplotSvg(
      metric,
      summary.strategies.map((strategy) => ({
        name: strategy.name,
        summary: strategy.metrics[metric],
        values: runValues(results, strategy.name, metric),
      })),
    );
    out.push(`<figure id="boxplot-${metric}">${svg}</figure>`);
  }
  out.push("</section>");

  // Time series and failures, from the traces.
  const traces = tracePerStrategy(results.traces, names);
  out.push('<section id="time-series">');
  const labels = seriesLabels(results.summary);
  out.push(`<h2>${e(labels.heading)}</h2>`);
  if (traces.length === 0) {
    out.push('<p class="note">No traces were kept for this result set.</p>');
  } else {
    out.push(`<p class="note">${e(traceNote(traces))}</p>`);
    out.push(
      `<figure>${timeSeriesSvg(
        labels.utilization.title,
        labels.utilization.axis,
        traces.map((t) => ({ name: t.strategy, points: t.utilization })),
        results.horizonH,
      )}</figure>`,
    );
    out.push(
      `<figure>${timeSeriesSvg(
        labels.queueLength.title,
        labels.queueLength.axis,
        traces.map((t) => ({ name: t.strategy, points: t.queueLength })),
        results.horizonH,
      )}</figure>`,
    );
  }
  out.push("</section>");

  const byPool = poolUtilization(results.traces, summary.strategies.map((s) => s.name));
  if (byPool.rows.length > 0) {
    out.push('<section id="pools">');
    out.push("<h2>GPU utilisation by pool</h2>");
    out.push('<p class="note">GPU-hours held by jobs over the pool\'s GPU-hours, in the traced replication of each strategy.</p>');
    out.push(`<table><thead><tr><th>strategy</th><th>replication</th>${byPool.pools.map((pool) => `<th>${e(pool)}</th>`).join("")}</tr></thead><tbody>`);
    for (const row of byPool.rows) {
      out.push(`<tr><td>${e(row.strategy)}</td><td class="num">${row.replication}</td>${row.values.map((value) => `<td class="num">${formatPercent(value)}</td>`).join("")}</tr>`);
    }
    out.push("</tbody></table>");
    out.push("</section>");
  }

  out.push('<section id="failures">');
  out.push("<h2>Failures</h2>");
  if (traces.length === 0) {
    out.push('<p class="note">No traces were kept for this result set.</p>');
  } else {
    out.push(`<figure>${failureTimelineSvg(traces, results.horizonH)}</figure>`);
    out.push(failureCountsHtml(results));
  }
  out.push("</section>");

  out.push(`<footer>Generated by faultline ${e(summary.faultlineVersion)} from ${e(summary.scenario)}, seed ${summary.seed}.</footer>`);
  out.push("</main>");
  out.push("</body>");
  out.push("</html>");
  return `${out.join("\n")}\n`;
}

function comparisonTableHtml(results: ResultSet, metrics: readonly MetricName[]): string {
  const { summary } = results;
  const e = escapeXml;
  const rows: string[] = [];
  rows.push("<table>");
  rows.push(
    `<thead><tr><th>metric</th>${summary.strategies.map((s) => `<th>${e(s.name)}</th>`).join("")}</tr></thead>`,
  );
  rows.push("<tbody>");
  for (const metric of metrics) {
    const best = new Set(significantlyBetterIndices(summary, metric));
    const better = METRIC_BETTER[metric];
    const hint = better === "neither" ? "not judged" : `${better} is better`;
    const cells = summary.strategies.map((strategy, index) => {
      const stats = strategy.metrics[metric];
      if (stats === null) return '<td class="num null">—</td>';
      const halfWidth = ciHalfWidth(stats);
      const ci = halfWidth > 0 ? ` <span class="ci">±${e(formatHalfWidth(halfWidth))}</span>` : "";
      const range = `95% CI ${formatMetric(metric, stats.ci95[0])} to ${formatMetric(metric, stats.ci95[1])}`;
      const classes = best.has(index) ? "num best" : "num";
      return `<td class="${classes}" title="${e(range)}">${e(formatMetric(metric, stats.mean))}${ci}</td>`;
    });
    rows.push(`<tr><td class="metric" title="${e(hint)}">${e(metric)}</td>${cells.join("")}</tr>`);
  }
  rows.push("</tbody>");
  rows.push("</table>");
  return rows.join("\n");
}

function failureCountsHtml(results: ResultSet): string {
  const e = escapeXml;
  const counts = failureCounts(results.traces, results.summary.strategies.map((s) => s.name));
  if (counts.rows.length === 0) return "";
  const rows: string[] = ["<table>"];
  rows.push(
    `<thead><tr><th>strategy</th><th>replication</th>${counts.kinds.map((k) => `<th>${e(k)}</th>`).join("")}<th>total</th></tr></thead>`,
  );
  rows.push("<tbody>");
  for (const row of counts.rows) {
    rows.push(
      `<tr><td>${e(row.strategy)}</td><td class="num">${row.replication}</td>${row.counts
        .map((c) => `<td class="num">${c}</td>`)
        .join("")}<td class="num">${row.total}</td></tr>`,
    );
  }
  rows.push("</tbody>");
  rows.push("</table>");
  return rows.join("\n");
}

/** The metric's value in each run of a strategy, in the order the runs are given. */
function runValues(results: ResultSet, strategy: string, metric: MetricName): number[] {
  const values: number[] = [];
  for (const run of results.runs) {
    if (run.strategy !== strategy) continue;
    const value = run.metrics[metric];
    if (value !== null) values.push(value);
  }
  return values;
}

/** Which replication each strategy's traces come from. */
function traceNote(traces: readonly { strategy: string; replication: number }[]): string {
  const replications = new Set(traces.map((t) => t.replication));
  if (replications.size === 1) {
    return `Replication ${traces[0].replication} of each strategy.`;
  }
  return `Lowest kept replication of each strategy: ${traces.map((t) => `${t.strategy} ${t.replication}`).join(", ")}.`;
}

