import { describe, expect, it } from "vitest";

import { reportMarkdown } from "../../reports/markdown.js";
import { verdicts } from "../../reports/verdict.js";
import { FIXTURE_SHOWN_METRICS, fixtureResults } from "./fixture.js";

describe("reportMarkdown", () => {
  const results = fixtureResults();
  const md = reportMarkdown(results);

  it("opens with the scenario, its question and its provenance", () => {
    expect(md.startsWith("# spot-checkpoint-cadence\n\n> Which checkpoint cadence minimises cost per finished job on spot GPUs?\n\n")).toBe(true);
    expect(md).toContain("Seed 42 · 3 replications · 3 strategies · horizon 30 d · faultline 0.1.0");
  });

  it("has a pipe table with a row per exercised metric and the best in bold", () => {
    const table = md.split("\n").filter((line) => line.startsWith("| `"));
    expect(table.map((line) => /`(\w+)`/.exec(line)?.[1])).toEqual([...FIXTURE_SHOWN_METRICS]);
    expect(md).toMatch(/^\| metric +\| +no-checkpoint \| +fixed-30m \| +daly \|$/m);
    expect(md).toMatch(/^\| -+ \| -+: \| -+: \| -+: \|$/m);
    expect(md).toMatch(/\| `lost_work_gpu_h` +\| +100 ±5 \| +\*\*69 ±4\*\* \| +97 ±6 \|/);
  });

  it("opens the verdict with the objective's sentence when the scenario declares one", () => {
    const withObjective = { ...results, objective: { direction: "minimize" as const, metrics: ["lost_work_gpu_h" as const] } };
    const text = reportMarkdown(withObjective);
    const verdict = text.slice(text.indexOf("## Verdict\n\n") + "## Verdict\n\n".length);
    expect(verdict.startsWith("**Objective (minimize lost_work_gpu_h): fixed-30m wins with ")).toBe(true);
    expect(md).not.toContain("Objective (");
  });

  it("uses the same verdict sentences as the HTML", () => {
    for (const paragraph of verdicts(results.summary)) expect(md).toContain(paragraph);
  });

  it("counts failures by kind per strategy", () => {
    expect(md).toMatch(/^\| strategy +\| replication \| gpu-xid \| node-crash \| spot-preemption \| total \|$/m);
    expect(md).toMatch(/^\| fixed-30m +\| +0 \| +2 \| +2 \| +1 \| +5 \|$/m);
  });

  it("escapes names that would break the table", () => {
    const hostile = reportMarkdown(fixtureResults(["a|b", "*bold*", "<i>"]));
    expect(hostile).toContain("a\\|b");
    expect(hostile).toContain("\\*bold\\*");
    expect(hostile).toContain("\\<i\\>");
    const header = hostile.split("\n").find((line) => line.startsWith("| metric")) ?? "";
    expect(header.split(/(?<!\\)\|/).length - 2).toBe(4);
  });
});
