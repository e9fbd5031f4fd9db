/**
 * A game day's final summary (final.json, the bytes a replay must reproduce) and its
 * debrief, written as a blameless postmortem in Markdown: from the result record alone.
 */

import { formatMetric, formatSimClock, roundForOutput } from "./format.js";
import { escapeMarkdown } from "./text.js";
import type { MetricName, MetricValues } from "./records.js";

/**
 * What an ack naming a healthy node or rack costs the day's score (the session scores
 * with it): naming every node every few minutes would otherwise detect every incident.
 */
export const FALSE_ALARM_POINTS = 5;

/** The result of a game day as plain data (scenarios/gameday.ts builds it). */
export interface GamedayRecord {
  readonly scenario: string;
  readonly strategy: string;
  readonly seed: number;
  readonly endUs: number;
  readonly metrics: MetricValues;
  readonly incidents: readonly {
    readonly title: string;
    readonly startUs: number;
    readonly target: string;
    readonly fault: string;
    readonly alertedUs: number | null;
    readonly detectedUs: number | null;
    readonly mitigatedUs: number | null;
    readonly points: number;
  }[];
  readonly objectives: { readonly detectWithin: number; readonly mitigateWithin: number; readonly errorBudget: number } | null;
  readonly falseAlarms: number;
  readonly score: number | null;
  readonly commands: readonly { readonly atUs: number; readonly command: { readonly kind: string } }[];
  readonly alerts: readonly {
    readonly rule: string;
    readonly severity: "page" | "ticket";
    readonly target: string;
    readonly detail: string;
    readonly firedUs: number;
    readonly resolvedUs: number | null;
  }[];
  readonly alertsSuppressed: number;
}

const HOURS = (us: number) => roundForOutput(us / 3.6e9);

/** final.json: what the day came to, numbers rounded as in every result file. */
export function gamedayFinalJson(result: GamedayRecord): string {
  const metrics = Object.fromEntries(Object.entries(result.metrics).map(([name, value]) => [name, value === null ? null : roundForOutput(value)]));
  const summary = {
    scenario: result.scenario,
    strategy: result.strategy,
    seed: result.seed,
    endH: HOURS(result.endUs),
    score: result.score,
    falseAlarms: result.falseAlarms,
    incidents: result.incidents.map((incident) => ({
      title: incident.title,
      startH: HOURS(incident.startUs),
      alertedH: incident.alertedUs === null ? null : HOURS(incident.alertedUs),
      detectedH: incident.detectedUs === null ? null : HOURS(incident.detectedUs),
      mitigatedH: incident.mitigatedUs === null ? null : HOURS(incident.mitigatedUs),
      points: incident.points,
    })),
    commands: result.commands.length,
    alerts: {
      pages: result.alerts.filter((alert) => alert.severity === "page").length,
      tickets: result.alerts.filter((alert) => alert.severity === "ticket").length,
      suppressed: result.alertsSuppressed,
      fired: result.alerts.map((alert) => ({
        rule: alert.rule,
        severity: alert.severity,
        target: alert.target,
        firedH: HOURS(alert.firedUs),
        resolvedH: alert.resolvedUs === null ? null : HOURS(alert.resolvedUs),
      })),
    },
    metrics,
  };
  return `${JSON.stringify(summary, null, 2)}\n`;
}

function describeCommand(command: GamedayRecord["commands"][number]["command"]): string {
  const detail = Object.entries(command)
    .filter(([key]) => key !== "kind")
    .map(([, value]) => String(value))
    .join(" ");
  return detail === "" ? command.kind : `${command.kind} ${detail}`;
}

/** A span in seconds on a service's scale, minutes on a cluster's. */
function span(seconds: number): string {
  return seconds < 120 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
}

function within(us: number | null, startUs: number, objectiveS: number | undefined): string {
  if (us === null) return "never";
  const seconds = (us - startUs) / 1e6;
  if (objectiveS === undefined) return span(seconds);
  return `${span(seconds)} (${seconds <= objectiveS ? "within" : "over"} the ${span(objectiveS)} objective)`;
}

/** Alerts listed in the debrief; the rest are counted. */
const ALERTS_LISTED = 20;

const IMPACT: readonly MetricName[] = ["jobs_completed", "jobs_failed", "lost_work_gpu_h", "slo_error_budget_used", "queue_wait_p90_h", "goodput"];

/** The debrief as a postmortem: summary, impact, timeline, what went well and what did not. */
export function gamedayDebrief(result: GamedayRecord, description: string): string {
  const objectives = result.objectives;
  const lines: string[] = [
    `# Postmortem: ${escapeMarkdown(result.scenario)} game day`,
    "",
    `*${escapeMarkdown(description)}*`,
    "",
    "## Summary",
    "",
    `Strategy \`${escapeMarkdown(result.strategy)}\`, seed ${result.seed}, played to ${formatSimClock(result.endUs)} of simulated time ` +
      `with ${result.commands.length} operator command${result.commands.length === 1 ? "" : "s"}.` +
      (result.score === null ? "" : ` Score: **${result.score}/100**.`),
    "",
    "## Impact",
    "",
    "| metric | value |",
    "| --- | ---: |",
    ...IMPACT.filter((metric) => result.metrics[metric] !== null).map(
      (metric) => `| \`${metric}\` | ${formatMetric(metric, result.metrics[metric]!)} |`,
    ),
  ];
  if (objectives !== null) {
    const budget: number | null = result.metrics.slo_error_budget_used;
    lines.push(
      "",
      `Error budget: ${budget === null ? "not measured" : `${Math.round(budget * 100)}% spent`} ` +
        `(objective: at most ${Math.round(objectives.errorBudget * 100)}%).`,
    );
  }
  if (result.incidents.length > 0) {
    lines.push("", "## Incidents", "", "| incident | began | alert fired after | detected after | mitigated after | points |", "| --- | --- | --- | --- | --- | ---: |");
    for (const incident of result.incidents) {
      lines.push(
        `| ${escapeMarkdown(incident.title)} (${incident.fault} on ${incident.target}) | ${formatSimClock(incident.startUs)} | ` +
          `${within(incident.alertedUs, incident.startUs, undefined)} | ` +
          `${within(incident.detectedUs, incident.startUs, objectives?.detectWithin)} | ` +
          `${within(incident.mitigatedUs, incident.startUs, objectives?.mitigateWithin)} | ${incident.points} |`,
      );
    }
  }
  const pages = result.alerts.filter((alert) => alert.severity === "page").length;
  lines.push(
    "",
    "## Alerts",
    "",
    `${pages} page${pages === 1 ? "" : "s"} and ${result.alerts.length - pages} ticket${result.alerts.length - pages === 1 ? "" : "s"} fired` +
      (result.alertsSuppressed > 0 ? `; ${result.alertsSuppressed} suppressed by maintenance (nodes out of service, planned windows).` : "."),
  );
  if (result.alerts.length > 0) {
    lines.push("", "| fired | severity | alert | on | why | resolved |", "| --- | --- | --- | --- | --- | --- |");
    for (const alert of result.alerts.slice(0, ALERTS_LISTED)) {
      lines.push(
        `| ${formatSimClock(alert.firedUs)} | ${alert.severity} | ${escapeMarkdown(alert.rule)} | ${escapeMarkdown(alert.target)} | ${escapeMarkdown(alert.detail)} | ` +
          `${alert.resolvedUs === null ? "still firing" : formatSimClock(alert.resolvedUs)} |`,
      );
    }
    if (result.alerts.length > ALERTS_LISTED) lines.push("", `… and ${result.alerts.length - ALERTS_LISTED} more (final.json lists them all).`);
  }
  if (result.falseAlarms > 0) {
    lines.push("", `False alarms: ${result.falseAlarms} ack${result.falseAlarms === 1 ? "" : "s"} named a node or rack with nothing wrong on it (${FALSE_ALARM_POINTS} points off the score each).`);
  }
  const timeline = [
    ...result.incidents.map((incident) => ({ atUs: incident.startUs, text: `**incident begins**: ${escapeMarkdown(incident.title)}` })),
    ...result.alerts
      .slice(0, ALERTS_LISTED)
      .map((alert) => ({ atUs: alert.firedUs, text: `${alert.severity}: ${escapeMarkdown(alert.rule)} on ${escapeMarkdown(alert.target)}` })),
    ...result.commands.map((logged) => ({ atUs: logged.atUs, text: `operator: ${escapeMarkdown(describeCommand(logged.command))}` })),
  ].sort((a, b) => a.atUs - b.atUs);
  lines.push("", "## Timeline", "", ...(timeline.length === 0 ? ["Nothing happened that the operator touched."] : timeline.map((entry) => `- ${formatSimClock(entry.atUs)} ${entry.text}`)));
  const well = result.incidents.filter((incident) => incident.points >= 75).map((incident) => incident.title);
  const missed = result.incidents.filter((incident) => incident.points < 75);
  lines.push("", "## What went well", "", ...(well.length === 0 ? ["- (nothing scored 75 points or more)"] : well.map((title) => `- ${escapeMarkdown(title)}: caught and contained in time.`)));
  lines.push(
    "",
    "## What to improve",
    "",
    ...(missed.length === 0
      ? ["- Nothing missed its objectives."]
      : missed.map((incident) =>
          incident.detectedUs === null
            ? `- ${escapeMarkdown(incident.title)}: never noticed. ${incident.alertedUs === null ? "No alert fired: what rule would have shown it?" : "An alert fired: does its runbook point at the fix?"}`
            : incident.mitigatedUs === null
              ? `- ${escapeMarkdown(incident.title)}: noticed but never mitigated. Which runbook step applies?`
              : `- ${escapeMarkdown(incident.title)}: contained, but late against the objectives.`,
        )),
    "",
  );
  return lines.join("\n");
}
