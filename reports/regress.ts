/**
 * What `faultline regress` prints and writes: an aligned table for the terminal, Markdown
 * for a pull-request comment, JUnit XML for CI systems, and GitHub Actions annotations.
 * All built from the judgement records alone.
 */

import { formatHalfWidth, formatMetric, formatPercent } from "./format.js";
import type { MetricName } from "./records.js";
import { alignColumns, escapeMarkdown, escapeXml, sanitizeTerminal } from "./text.js";

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

/** One absolute gate (min and/or max) of one strategy, judged on this run alone. */
export interface AbsoluteJudgement {
  readonly strategy: string;
  readonly metric: MetricName;
  readonly min: number | null;
  readonly max: number | null;
  /** The one-sided confidence its bounds are at; null: the gate judges the mean. */
  readonly confidence: number | null;
  readonly mean: number | null;
  /** The bounds judged: the mean itself without a confidence. */
  readonly low: number | null;
  readonly high: number | null;
  readonly samples: number;
  /** no-data: the run did not exercise the metric (or too few runs for a bound). */
  readonly verdict: "ok" | "failed" | "no-data";
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
  /** Relative gates against a baseline; empty when judged without one. */
  readonly judgements: readonly GateJudgement[];
  readonly absolute: readonly AbsoluteJudgement[];
  readonly ungated: readonly UngatedChange[];
  /** What differs between the baseline's context and this run's (scenario text, versions, seed). */
  readonly notes: readonly string[];
}

export function failedGates(report: RegressReport): GateJudgement[] {
  return report.judgements.filter((judgement) => judgement.verdict === "regressed" || judgement.verdict === "no-data");
}

export function failedAbsoluteGates(report: Pick<RegressReport, "absolute">): AbsoluteJudgement[] {
  return report.absolute.filter((judgement) => judgement.verdict !== "ok");
}

/** Gates of both kinds that failed. */
export function failedCount(report: RegressReport): number {
  return failedGates(report).length + failedAbsoluteGates(report).length;
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

/** The limit as written: "≥ 0.9", "≤ 2", "0.9 … 1". */
function formatLimit(judgement: AbsoluteJudgement): string {
  const { metric, min, max } = judgement;
  if (min !== null && max !== null) return `${formatMetric(metric, min)} … ${formatMetric(metric, max)}`;
  return min !== null ? `≥ ${formatMetric(metric, min)}` : `≤ ${formatMetric(metric, max ?? 0)}`;
}

/** What was judged: the mean, or the bound(s) the confidence gives. */
function formatJudged(judgement: AbsoluteJudgement): string {
  const { metric, mean, low, high, confidence, min, max } = judgement;
  if (mean === null || low === null || high === null) return "—";
  if (confidence === null) return `mean ${formatMetric(metric, mean)}`;
  const level = `${Math.round(confidence * 1000) / 10}%`;
  const bounds = [min !== null ? `lower ${formatMetric(metric, low)}` : null, max !== null ? `upper ${formatMetric(metric, high)}` : null]
    .filter((text) => text !== null)
    .join(", ");
  return `mean ${formatMetric(metric, mean)}, ${level} ${bounds}`;
}

/** One line saying why an absolute gate failed, for the terminal, annotations and JUnit. */
export function absoluteFailureMessage(judgement: AbsoluteJudgement): string {
  const name = `${judgement.strategy} ${judgement.metric}`;
  if (judgement.verdict === "no-data") {
    return judgement.samples === 0
      ? `${name}: no values (the run does not exercise the metric); the gate ${formatLimit(judgement)} cannot pass on nothing`
      : `${name}: ${judgement.samples} replication, too few for a confidence bound; the gate ${formatLimit(judgement)} cannot be judged`;
  }
  const judged = judgement.confidence === null ? "the mean" : "the bound";
  return `${name}: ${formatJudged(judgement)} (n = ${judgement.samples}); ${judged} is outside the gate ${formatLimit(judgement)}`;
}

/** The absolute gates as aligned rows, with a closing count; empty without any. */
export function absoluteTable(absolute: readonly AbsoluteJudgement[]): string[] {
  if (absolute.length === 0) return [];
  const header = ["strategy", "metric", "judged", "gate", "verdict"];
  const rows = absolute.map((j) => [sanitizeTerminal(j.strategy), j.metric, formatJudged(j), formatLimit(j), ABSOLUTE_VERDICT_TEXT[j.verdict]]);
  const failed = failedAbsoluteGates({ absolute }).length;
  return [
    ...alignColumns([header, ...rows]),
    "",
    failed === 0 ? `${absolute.length} absolute gates passed` : `${failed} of ${absolute.length} absolute gates failed`,
  ];
}

const ABSOLUTE_VERDICT_TEXT: Readonly<Record<AbsoluteJudgement["verdict"], string>> = { ok: "ok", failed: "FAILED", "no-data": "NO DATA" };

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
  const lines: string[] = [];
  if (report.judgements.length > 0) {
    const failed = failedGates(report).length;
    lines.push(...alignColumns([header, ...rows]));
    lines.push("", failed === 0 ? `${report.judgements.length} gates passed` : `${failed} of ${report.judgements.length} gates failed`);
  }
  const absolute = absoluteTable(report.absolute);
  if (absolute.length > 0) lines.push(...(lines.length > 0 ? [""] : []), ...absolute);
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


/** A Markdown summary for a pull-request comment (or GitHub's job summary). */
export function regressMarkdown(report: RegressReport): string {
  const regressions = failedGates(report).length;
  const absoluteFailed = failedAbsoluteGates(report).length;
  const failures = [
    ...(regressions > 0 ? [`${regressions} regression${regressions === 1 ? "" : "s"}`] : []),
    ...(absoluteFailed > 0 ? [`${absoluteFailed} failed absolute gate${absoluteFailed === 1 ? "" : "s"}`] : []),
  ];
  const lines = [
    `### faultline regress: ${escapeMarkdown(report.scenario)} — ${failures.length === 0 ? "✅ no regression" : `❌ ${failures.join(", ")}`}`,
  ];
  if (report.judgements.length > 0) {
    lines.push(
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
    );
  }
  if (report.absolute.length > 0) {
    lines.push(
      "",
      "| strategy | metric | judged | gate | verdict |",
      "| --- | --- | ---: | ---: | --- |",
      ...report.absolute.map(
        (j) =>
          `| ${escapeMarkdown(j.strategy)} | \`${j.metric}\` | ${formatJudged(j)} | ${formatLimit(j)} | ` +
          `${j.verdict === "ok" ? ABSOLUTE_VERDICT_TEXT.ok : `**${ABSOLUTE_VERDICT_TEXT[j.verdict]}**`} |`,
      ),
      "",
      "An absolute gate fails when the mean (with a confidence, its one-sided bound by Student t) is outside it.",
    );
  }
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
  const failed = failedCount(report);
  const total = report.judgements.length + report.absolute.length;
  const suite = `faultline regress ${report.scenario}`;
  const testCase = (name: string, failure: { message: string; type: string } | null) => {
    const open = `    <testcase classname="${escapeXml(`faultline.${report.scenario}`)}" name="${escapeXml(name)}" time="0"`;
    if (failure === null) return `${open}/>`;
    const message = escapeXml(failure.message);
    return `${open}>\n      <failure message="${message}" type="${failure.type}">${message}</failure>\n    </testcase>`;
  };
  const cases = [
    ...report.judgements.map((j) =>
      testCase(`${j.strategy} ${j.metric}`, j.verdict === "regressed" || j.verdict === "no-data" ? { message: failureMessage(j), type: j.verdict } : null),
    ),
    ...report.absolute.map((j) =>
      testCase(`${j.strategy} ${j.metric} ${formatLimit(j)}`, j.verdict === "ok" ? null : { message: absoluteFailureMessage(j), type: j.verdict }),
    ),
  ];
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="faultline" tests="${total}" failures="${failed}">`,
    `  <testsuite name="${escapeXml(suite)}" tests="${total}" failures="${failed}" errors="0" skipped="0">`,
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
    ...failedAbsoluteGates(report).map((j) => `::error file=${file},title=${title}::${data(absoluteFailureMessage(j))}\n`),
    ...report.notes.map((note) => `::notice file=${file},title=${title}::${data(note)}\n`),
  ].join("");
}
