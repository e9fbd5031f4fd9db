import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { METRICS } from "../../models/metrics.js";
import { metricsMarkdown } from "../../reports/metrics-doc.js";

describe("docs/metrics.md", () => {
  it("is what `npm run docs` writes from the metric table (run it after changing a metric)", () => {
    const committed = readFileSync(new URL("../../docs/metrics.md", import.meta.url), "utf8");
    expect(committed).toBe(metricsMarkdown());
  });

  it("has one row per declared metric", () => {
    const rows = metricsMarkdown().split("\n").filter((line) => line.startsWith("| `"));
    expect(rows.map((row) => /`([a-z0-9_]+)`/.exec(row)?.[1])).toEqual(METRICS.map((metric) => metric.name));
  });
});
