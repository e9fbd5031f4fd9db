import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GOOD, cliWorkspace, expectBadInput } from "./workspace.js";

const { work, faultline, scenarioFile } = cliWorkspace("faultline-compare-");

describe("faultline compare", () => {
  it("pairs two runs of a scenario on the same seeds, compares other seeds by Welch, prints JSON, and names a bad folder", () => {
    const file = scenarioFile("tiny.yaml", GOOD.replace("replications: 2", "replications: 4"));
    expect(faultline("run", file, "--out", "before").code).toBe(0);
    // The change under test: checkpoints every 2 h instead of every 30 min.
    writeFileSync(file, GOOD.replace("replications: 2", "replications: 4").replace("interval: 30m", "interval: 2h"));
    expect(faultline("run", file, "--out", "after").code).toBe(0);
    expect(faultline("run", file, "--out", "reseeded", "--seed", "100").code).toBe(0);

    const paired = faultline("compare", "before", "after");
    expect(paired.code).toBe(0);
    expect(paired.stdout).toContain("Same scenario on the same seeds: differences are paired");
    expect(paired.stdout).toMatch(/^fixed-30m \(B\) vs fixed-30m \(A\)\nmetric +A +B +B − A \[95% CI\] +verdict$/m);
    // The strategy nothing changed for differs by exactly 0 on every metric.
    const none = paired.stdout.slice(paired.stdout.indexOf("none (B) vs none (A)"), paired.stdout.indexOf("fixed-30m (B)"));
    expect(none).toMatch(/^lost_work_gpu_h +\S+ +\S+ +0 +same$/m);
    expect(paired.stdout).toContain("Against before:none, after:none differs significantly on none");
    expect(paired.stdout).toMatch(/^checkpoint_overhead_gpu_h +\S+ +\S+ +-\S+ \[-\S+ to -\S+\] +better$/m);
    expect(paired.stdout).toMatch(/after:fixed-30m lowers checkpoint_overhead_gpu_h by \d+% \[CI [\d.]+%–[\d.]+%\] vs before:fixed-30m \(paired over 4 replications\)\./);

    const json = JSON.parse(faultline("compare", "before", "after", "--json").stdout);
    expect(json).toMatchObject({ a: { folder: "before", scenario: "tiny", seed: 3, replications: 4 }, paired: true });
    const overhead = json.strategies[1].metrics.find((m: { metric: string }) => m.metric === "checkpoint_overhead_gpu_h");
    expect(overhead).toMatchObject({ test: "paired-t", samples: 4, verdict: "better" });
    expect(overhead.ci95[1]).toBeLessThan(0);
    expect(overhead.difference).toBeCloseTo(overhead.meanB - overhead.meanA, 3);

    const unpaired = faultline("compare", "before", "reseeded", "--json");
    expect(unpaired.code).toBe(0);
    const welch = JSON.parse(unpaired.stdout);
    expect(welch.paired).toBe(false);
    expect(welch.strategies[0].metrics.find((m: { metric: string }) => m.metric === "jobs_completed").test).toBe("welch-t");
    expect(faultline("compare", "before", "reseeded").stdout).toContain("compared unpaired (95% CI by Welch's t)");

    // Another scenario whose strategy shares no name: set against A's first, never paired.
    const other = scenarioFile("other.yaml", GOOD.replace("name: tiny", "name: other").replace("name: none,", "name: baseline,").replace(/  - \{ name: fixed-30m.*\n/, ""));
    expect(faultline("run", other, "--out", "other").code).toBe(0);
    const across = JSON.parse(faultline("compare", "before", "other", "--json").stdout);
    expect(across.paired).toBe(false);
    expect(across.strategies.map((s: { strategyA: string; strategyB: string }) => [s.strategyA, s.strategyB])).toEqual([["none", "baseline"]]);

    expect(faultline("compare", "--help").stdout).toMatch(/^Usage: faultline compare <dir-a> <dir-b>/);
    mkdirSync(join(work, "empty"));
    expectBadInput(faultline("compare", "before", "nowhere"), "nowhere: not a results folder (no such folder)");
    expectBadInput(faultline("compare", "empty", "after"), "empty: not a results folder (no summary.json)");
    writeFileSync(join(work, "empty", "summary.json"), "{}\n");
    writeFileSync(join(work, "empty", "runs.csv"), "strategy\n");
    expectBadInput(faultline("compare", "empty", "after"), `${join("empty", "summary.json")}: missing "scenario"`);
    expectBadInput(faultline("compare", "before"), "faultline compare: expects two results folders");
  });
});
