import { METRICS } from "../models/metrics.js";

/**
 * docs/metrics.md, written from the metric table (models/metrics.ts) by `npm run docs`;
 * a test fails when the committed file differs, so the page cannot drift from the code.
 */
export function metricsMarkdown(): string {
  const lines = [
    "# Metrics",
    "",
    "Generated from `models/metrics.ts` by `npm run docs`; do not edit by hand.",
    "",
    "Every run writes each of these to `runs.csv` (one column each, in this order) and",
    "`summary.json`. A metric the scenario does not exercise is `null`, never a made-up zero.",
    "*Better* is the direction verdicts, report colours and the regression gate read as an",
    "improvement; *extension* marks a metric beyond DESIGN.md's list.",
    "",
    "| metric | unit | better | meaning |",
    "| --- | --- | --- | --- |",
  ];
  for (const metric of METRICS) {
    const name = "extension" in metric ? `\`${metric.name}\` (extension)` : `\`${metric.name}\``;
    lines.push(`| ${name} | ${metric.unit} | ${metric.better} | ${metric.description.replaceAll("|", "\\|")} |`);
  }
  return `${lines.join("\n")}\n`;
}
