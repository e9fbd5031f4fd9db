/**
 * report.md: the HTML report's content as Markdown (GitHub-flavoured pipe tables), for pull
 * requests, wikis and terminals. Plots stay in report.html.
 */

import { costNote, failureCounts, poolUtilization, shownMetrics } from "./compare.js";
import { formatHours, formatMeanCi, formatPercent } from "./format.js";
import type { ResultSet } from "./records.js";
import { escapeMarkdown, padEndVisible, padStartVisible, paragraphs, visibleWidth } from "./text.js";
import { limitingResources, objectiveSentence, significantlyBetterIndices, verdicts } from "./verdict.js";

/** The whole Markdown report, ending in a newline. Deterministic, like every report. */
export function reportMarkdown(results: ResultSet): string {
  const { summary } = results;
  const md = escapeMarkdown;
  const out: string[] = [];

  out.push(`# ${md(summary.scenario)}`);
  out.push("");
  const description = paragraphs(results.description);
  if (description.length > 0) {
    for (const paragraph of description) {
      out.push(`> ${md(paragraph)}`);
      out.push(">");
    }
    out.pop(); // No trailing empty quote line.
    out.push("");
  }
  out.push(
    `Seed ${summary.seed} · ${summary.replications} replication${summary.replications === 1 ? "" : "s"} · ` +
      `${summary.strategies.length} strateg${summary.strategies.length === 1 ? "y" : "ies"} · ` +
      `horizon ${formatHours(results.horizonH)} · faultline ${md(summary.faultlineVersion)}`,
  );
  out.push("");

  out.push("## Comparison");
  out.push("");
  const metrics = shownMetrics(summary);
  if (metrics.length === 0 || summary.strategies.length === 0) {
    out.push("No metric was exercised.");
  } else {
    out.push(
      `Mean ± half-width of the 95% confidence interval; **bold** marks a value significantly better than ` +
        `${md(summary.strategies[0].name)}'s (as the verdict judges it); — marks a metric a strategy does not exercise.` +
        costNote(summary, metrics),
    );
    out.push("");
    const header = ["metric", ...summary.strategies.map((s) => md(s.name))];
    const rows = metrics.map((metric) => {
      const best = new Set(significantlyBetterIndices(summary, metric));
      return [
        `\`${metric}\``,
        ...summary.strategies.map((strategy, index) => {
          const stats = strategy.metrics[metric];
          if (stats === null) return "—";
          const cell = formatMeanCi(metric, stats);
          return best.has(index) ? `**${cell}**` : cell;
        }),
      ];
    });
    out.push(...pipeTable(header, rows, ["left", ...summary.strategies.map(() => "right" as const)]));
  }
  out.push("");

  out.push("## Verdict");
  out.push("");
  const objective = objectiveSentence(results);
  if (objective !== null) {
    out.push(`**${md(objective)}**`);
    out.push("");
  }
  const verdictParagraphs = verdicts(summary);
  if (verdictParagraphs.length === 0) {
    out.push("Only one strategy: nothing to compare.");
    out.push("");
  } else {
    out.push(
      `Each strategy against the first, ${md(summary.strategies[0].name)}, replication by replication ` +
        "(the same seeds, so the same arrivals and failures): a difference is significant when its paired " +
        "95% confidence interval excludes 0.",
    );
    out.push("");
    for (const paragraph of verdictParagraphs) {
      out.push(md(paragraph));
      out.push("");
    }
  }
  const limits = limitingResources(summary);
  if (limits.length > 0) {
    out.push("## What held running jobs back");
    out.push("");
    for (const line of limits) out.push(`- ${md(line)}`);
    out.push("");
  }

  const byPool = poolUtilization(results.traces, summary.strategies.map((s) => s.name));
  if (byPool.rows.length > 0) {
    out.push("## GPU utilisation by pool");
    out.push("");
    out.push("GPU-hours held by jobs over the pool's GPU-hours, in the traced replication of each strategy.");
    out.push("");
    const header = ["strategy", "replication", ...byPool.pools.map(md)];
    const rows = byPool.rows.map((row) => [md(row.strategy), String(row.replication), ...row.values.map((value) => formatPercent(value))]);
    out.push(...pipeTable(header, rows, ["left", "right", ...byPool.pools.map(() => "right" as const)]));
    out.push("");
  }

  out.push("## Failures");
  out.push("");
  const counts = failureCounts(results.traces, summary.strategies.map((s) => s.name));
  if (counts.rows.length === 0) {
    out.push("No traces were kept for this result set.");
  } else {
    out.push("Failures injected in the traced replication of each strategy, by kind.");
    out.push("");
    const header = ["strategy", "replication", ...counts.kinds.map(md), "total"];
    const rows = counts.rows.map((row) => [
      md(row.strategy),
      String(row.replication),
      ...row.counts.map(String),
      String(row.total),
    ]);
    out.push(
      ...pipeTable(header, rows, ["left", "right", ...counts.kinds.map(() => "right" as const), "right"]),
    );
  }
  out.push("");
  out.push("Boxplots, time series and the failure timeline are in report.html.");
  return `${out.join("\n")}\n`;
}

/** A GitHub pipe table padded so the source lines up too. Cells must be escaped already. */
function pipeTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly ("left" | "right")[],
): string[] {
  const widths = header.map((cell, column) =>
    Math.max(3, visibleWidth(cell), ...rows.map((row) => visibleWidth(row[column]))),
  );
  const line = (cells: readonly string[]): string =>
    `| ${cells
      .map((cell, column) =>
        align[column] === "right"
          ? padStartVisible(cell, widths[column])
          : padEndVisible(cell, widths[column]),
      )
      .join(" | ")} |`;
  const rule = `| ${widths
    .map((width, column) => (align[column] === "right" ? `${"-".repeat(width - 1)}:` : "-".repeat(width)))
    .join(" | ")} |`;
  return [line(header), rule, ...rows.map(line)];
}

