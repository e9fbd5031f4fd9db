import { describe, expect, it } from "vitest";

import { formatMeanCi, formatMetric } from "../../reports/format.js";
import { comparisonTable } from "../../reports/table.js";
import { stripAnsi, visibleWidth } from "../../reports/text.js";
import { FIXTURE_SHOWN_METRICS, fixtureResults, stats } from "./fixture.js";

const lines = (text: string): string[] => text.replace(/\n$/, "").split("\n");

describe("comparisonTable", () => {
  const { summary } = fixtureResults();

  it("reads like this without colour", () => {
    expect(comparisonTable(summary, { color: false })).toBe(
      [
        "metric                     no-checkpoint      fixed-30m           daly",
        "─────────────────────────  ─────────────  ─────────────  ─────────────",
        "jobs_submitted                       360            360            360",
        "jobs_completed                    300 ±6         330 ±5         320 ±6",
        "job_failure_rate            0.120 ±0.010   0.050 ±0.010   0.060 ±0.010",
        "gpu_utilization             0.710 ±0.020   0.750 ±0.020   0.740 ±0.020",
        "lost_work_gpu_h                   100 ±5          69 ±4          97 ±6",
        "checkpoint_overhead_gpu_h              —     12.5 ±0.50     8.25 ±0.40",
        "cost_total                 125,000 ±2500  126,000 ±2500  125,500 ±2500",
        "makespan_h                       700 ±10        690 ±10        695 ±10",
        "",
      ].join("\n"),
    );
  });

  it("gives every line the same visible width and no escape code without colour", () => {
    const text = comparisonTable(summary, { color: false });
    expect(text).not.toContain("\u001b");
    const widths = new Set(lines(text).map(visibleWidth));
    expect(widths.size).toBe(1);
  });

  it("shows exactly the metrics some strategy exercises", () => {
    const rows = lines(comparisonTable(summary, { color: false })).slice(2);
    expect(rows.map((row) => row.split(" ")[0])).toEqual([...FIXTURE_SHOWN_METRICS]);
  });

  it("colours with ANSI codes that do not change the layout", () => {
    const plain = comparisonTable(summary, { color: false });
    const colored = comparisonTable(summary, { color: true });
    expect(colored).toContain("\u001b[1m");
    expect(stripAnsi(colored)).toBe(plain);
  });

  it("highlights the best strategy per judged metric in green, none for 'neither'", () => {
    const colored = lines(comparisonTable(summary, { color: true }));
    const row = (metric: string): string => colored.find((line) => line.startsWith(metric)) as string;
    expect(row("lost_work_gpu_h")).toMatch(/\u001b\[32m\s*69 ±4\u001b\[39m/);
    expect(row("jobs_completed")).toMatch(/\u001b\[32m\s*330 ±5\u001b\[39m/);
    expect(row("gpu_utilization")).not.toContain("\u001b[32m");
    expect(row("jobs_submitted")).not.toContain("\u001b[32m"); // All equal: nobody is best.
  });

  it("splits strategies into stacked blocks that fit the given width", () => {
    const text = comparisonTable(summary, { color: false, width: 50 });
    const blocks = text.replace(/\n$/, "").split("\n\n");
    expect(blocks.length).toBeGreaterThan(1);
    for (const line of lines(text)) expect(visibleWidth(line)).toBeLessThanOrEqual(50);
    expect(text).toContain("daly");
  });

  it("keeps a hostile strategy name from driving the terminal", () => {
    const renamed = fixtureResults(["\u001b[31mred", "b", "c"]).summary;
    expect(comparisonTable(renamed, { color: false })).not.toContain("\u001b");
  });
});

describe("formatMetric", () => {
  it("writes integers without decimals and rates with 3", () => {
    expect(formatMetric("jobs_completed", 300)).toBe("300");
    expect(formatMetric("jobs_completed", 312.4)).toBe("312");
    expect(formatMetric("job_failure_rate", 0.05)).toBe("0.050");
    expect(formatMetric("gpu_utilization", 0.7123)).toBe("0.712");
  });

  it("keeps the digits that matter near 0 and 1", () => {
    expect(formatMetric("control_plane_availability", 0.99953)).toBe("0.99953");
    expect(formatMetric("job_failure_rate", 0.0042)).toBe("0.0042");
  });

  it("writes quantities by magnitude and groups thousands from 10,000", () => {
    expect(formatMetric("lost_work_gpu_h", 1234.5)).toBe("1235");
    expect(formatMetric("cost_total", 1234567.8)).toBe("1,234,570"); // What runs.csv holds: 6 significant digits.
    expect(formatMetric("cost_total", 98765.4)).toBe("98,765");
    expect(formatMetric("makespan_h", 12.34)).toBe("12.3");
    expect(formatMetric("queue_wait_p50_h", 1.234)).toBe("1.23");
    expect(formatMetric("queue_wait_p50_h", 0.01234)).toBe("0.0123");
    expect(formatMetric("queue_wait_p50_h", -0.0001)).toBe("-0.000100");
  });

  it("writes the mean and CI half-width, or just the mean when the CI is a point", () => {
    expect(formatMeanCi("makespan_h", stats(12.3, 0.4))).toBe("12.3 ±0.40");
    expect(formatMeanCi("cost_total", stats(125000, 2500))).toBe("125,000 ±2500");
    expect(formatMeanCi("job_failure_rate", stats(0.12, 0.01))).toBe("0.120 ±0.010");
    expect(formatMeanCi("makespan_h", stats(12.3, 0))).toBe("12.3");
  });
});
