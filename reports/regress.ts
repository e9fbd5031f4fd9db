/**
 * What `faultline regress` prints and writes: an aligned table for the terminal, Markdown
 * for a pull-request comment, JUnit XML for CI systems, and GitHub Actions annotations.
 * All built from the judgement records alone.
 */

import { formatHalfWidth, formatMetric, formatPercent } from "./format.js";
import type { MetricName } from "./records.js";
import { escapeMarkdown, escapeXml, padEndVisible, sanitizeTerminal, visibleWidth } from "./text.js";

/** One gated (strategy, metric) judged against the baseline. */
export interface GateJudgement {
  readonly strategy: string;
  readonly metric: MetricName;
  readonly better: "lower" | "higher";
  /** As written in the scenario ("5%", "0.01"), and resolved to the metric's unit. */
  readonly toleranceText: string;
  readonly tolerance: number | null;
  readonly confidence: number;
  readonly baselineMean: number | null;
  readonly currentMean: number | null;
  /** Current minus baseline (mean of paired differences, or difference of means). */
  readonly change: number | null;
  /** change ± bound are the one-sided bounds at the confidence. */
  readonly bound: number | null;
  readonly test: "paired-t" | "welch-t" | null;
  readonly samples: number;
  /** no-data: null on one side, nothing to compare; a gate cannot pass on nothing. */
  readonly verdict: "regressed" | "ok" | "improved" | "no-data";
}

/** An ungated metric whose mean moved: reported, not judged. */
export interface UngatedChange {
  readonly strategy: string;
  readonly metric: MetricName;
  readonly baselineMean: number;
  readonly currentMean: number;
}

export interface RegressReport {
  readonly scenario: string;
  /** The scenario file, for annotations. */
  readonly scenarioFile: string;
  readonly judgements: readonly GateJudgement[];
  readonly ungated: readonly UngatedChange[];
  /** What differs between the baseline's context and this run's (scenario text, versions, seed). */
  readonly notes: readonly string[];
}

export function failedGates(report: RegressReport): GateJudgement[] {
  return report.judgements.filter((judgement) => judgement.verdict === "regressed" || judgement.verdict === "no-data");
}

const VERDICT_TEXT: Readonly<Record<GateJudgement["verdict"], string>> = {
  regressed: "REGRESSED",
  ok: "ok",
  improved: "improved",
  "no-data": "NO DATA",
};

function formatChange(judgement: GateJudgement): string {
  if (judgement.change === null || judgement.bound === null) return "—";
  const sign = judgement.change > 0 ? "+" : "";
  const change = `${sign}${formatMetric(judgement.metric, judgement.change)}`;
  const relative =
    judgement.baselineMean !== null && judgement.baselineMean !== 0 && judgement.change !== 0
      ? ` (${judgement.change > 0 ? "+" : "-"}${formatPercent(judgement.change / judgement.baselineMean)})`
      : "";
  return judgement.bound > 0 ? `${change} ±${formatHalfWidth(judgement.bound)}${relative}` : `${change}${relative}`;
}

function formatValue(metric: MetricName, value: number | null): string {
  return value === null ? "—" : formatMetric(metric, value);
}

/** The tolerance as written, and in the metric's unit when relative. */
function formatTolerance(judgement: GateJudgement): string {
  const worse = judgement.better === "lower" ? "+" : "-";
  if (judgement.tolerance === null || !judgement.toleranceText.endsWith("%")) return `${worse}${judgement.toleranceText}`;
  return `${worse}${judgement.toleranceText} (${formatMetric(judgement.metric, judgement.tolerance)})`;
}

/** One line saying why a gate failed, for annotations and JUnit. */
export function failureMessage(judgement: GateJudgement): string {
  if (judgement.verdict === "no-data") {
    return `${judgement.strategy} ${judgement.metric}: no values to compare (null in the baseline or in this run)`;
  }
  const level = `${Math.round(judgement.confidence * 100)}%`;
  return (
    `${judgement.strategy} ${judgement.metric}: ${formatValue(judgement.metric, judgement.baselineMean)} → ` +
    `${formatValue(judgement.metric, judgement.currentMean)}, change ${formatChange(judgement)}; ` +
    `worse than the tolerance ${formatTolerance(judgement)} at ${level} confidence (${judgement.test}, n = ${judgement.samples})`
  );
}

/** The aligned terminal table: a row per gate, then the ungated metrics that moved. */
export function regressTable(report: RegressReport): string {
  const header = ["strategy", "metric", "baseline", "current", "change", "tolerance", "verdict"];
  const rows = report.judgements.map((j) => [
    sanitizeTerminal(j.strategy),
    j.metric,
    formatValue(j.metric, j.baselineMean),
    formatValue(j.metric, j.currentMean),
    formatChange(j),
    formatTolerance(j),
    VERDICT_TEXT[j.verdict],
  ]);
  const lines = alignColumns([header, ...rows]);
  const failed = failedGates(report).length;
  lines.push("", failed === 0 ? `${report.judgements.length} gates passed` : `${failed} of ${report.judgements.length} gates failed`);
  if (report.ungated.length > 0) {
    lines.push("", "not gated, changed:");
    lines.push(
      ...alignColumns(
        report.ungated.map((u) => [
          `  ${sanitizeTerminal(u.strategy)}`,
          u.metric,
          formatMetric(u.metric, u.baselineMean),
          "→",
          formatMetric(u.metric, u.currentMean),
        ]),
      ),
    );
  }
  return `${lines.join("\n")}\n`;
}

function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => visibleWidth(row[column]))));
  return rows.map((row) => row.map((cell, column) => padEndVisible(cell, widths[column])).join("  ").trimEnd());
}

/** A Markdown summary for a pull-request comment (or GitHub's job summary). */
export function regressMarkdown(report: RegressReport): string {
  const failed = failedGates(report);
  const lines = [
    `### faultline regress: ${escapeMarkdown(report.scenario)} — ${failed.length === 0 ? "✅ no regression" : `❌ ${failed.length} regression${failed.length === 1 ? "" : "s"}`}`,
    "",
    "| strategy | metric | baseline | current | change | tolerance | verdict |",
    "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ...report.judgements.map(
      (j) =>
        `| ${escapeMarkdown(j.strategy)} | \`${j.metric}\` | ${formatValue(j.metric, j.baselineMean)} | ` +
        `${formatValue(j.metric, j.currentMean)} | ${formatChange(j)} | ${formatTolerance(j)} | ` +
        `${j.verdict === "regressed" || j.verdict === "no-data" ? `**${VERDICT_TEXT[j.verdict]}**` : VERDICT_TEXT[j.verdict]} |`,
    ),
    "",
    `A gate fails when the change is worse than its tolerance at its one-sided confidence ` +
      `(paired t over replications on the same seeds, else Welch's t).`,
  ];
  if (report.ungated.length > 0) {
    lines.push(
      "",
      "<details><summary>Not gated, changed</summary>",
      "",
      "| strategy | metric | baseline | current |",
      "| --- | --- | ---: | ---: |",
      ...report.ungated.map(
        (u) =>
          `| ${escapeMarkdown(u.strategy)} | \`${u.metric}\` | ${formatMetric(u.metric, u.baselineMean)} | ${formatMetric(u.metric, u.currentMean)} |`,
      ),
      "",
      "</details>",
    );
  }
  if (report.notes.length > 0) lines.push("", ...report.notes.map((note) => `> ${escapeMarkdown(note)}`));
  return `${lines.join("\n")}\n`;
}

/** JUnit XML: a test case per gate, a failure element for each that failed. */
export function regressJunit(report: RegressReport): string {
  const failed = failedGates(report);
  const suite = `faultline regress ${report.scenario}`;
  const cases = report.judgements.map((j) => {
    const name = `${j.strategy} ${j.metric}`;
    const open = `    <testcase classname="${escapeXml(`faultline.${report.scenario}`)}" name="${escapeXml(name)}" time="0"`;
    if (j.verdict !== "regressed" && j.verdict !== "no-data") return `${open}/>`;
    const message = failureMessage(j);
    return `${open}>\n      <failure message="${escapeXml(message)}" type="${j.verdict}">${escapeXml(message)}</failure>\n    </testcase>`;
  });
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="faultline" tests="${report.judgements.length}" failures="${failed.length}">`,
    `  <testsuite name="${escapeXml(suite)}" tests="${report.judgements.length}" failures="${failed.length}" errors="0" skipped="0">`,
    ...cases,
    `  </testsuite>`,
    `</testsuites>`,
    "",
  ].join("\n");
}

/** GitHub Actions workflow commands: an error per failed gate, a notice per note. */
export function githubAnnotations(report: RegressReport): string {
  // Workflow-command data escapes %, CR and LF; properties also , and :.
  const data = (text: string) => text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  const property = (text: string) => data(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
  const file = property(report.scenarioFile);
  const title = property(`faultline regress ${report.scenario}`);
  return [
    ...failedGates(report).map((j) => `::error file=${file},title=${title}::${data(failureMessage(j))}\n`),
    ...report.notes.map((note) => `::notice file=${file},title=${title}::${data(note)}\n`),
  ].join("");
}
