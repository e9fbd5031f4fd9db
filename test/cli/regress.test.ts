import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliWorkspace, expectBadInput } from "./workspace.js";

const { work, faultline, faultlineWithEnv, scenarioFile } = cliWorkspace("faultline-regress-");

/** A loaded 16-node cluster; `policy` is the scheduler under test. */
function gated(policy: string): string {
  return `name: gated
description: Does a scheduler change make waits worse?
seed: 4
horizon: 5d
replications: 4
cluster: { racks: 1, nodesPerRack: 16, node: { gpus: 4 } }
workload:
  generator: { arrivalsPerHour: 3, nodes: { logUniform: [1, 16] }, runtime: { lognormal: { median: 2h, sigma: 0.8 } } }
scheduler: { policy: ${policy} }
strategies:
  - { name: prod, checkpoint: { policy: none } }
gates:
  metrics:
    - { metric: queue_wait_p90_h, tolerance: 10% }
    - { metric: bounded_slowdown_mean, tolerance: 10% }
`;
}

describe("faultline regress", () => {
  it("records a baseline, passes the same policy, and fails a worse one with JUnit, Markdown and annotations", () => {
    const file = scenarioFile("gated.yaml", gated("easy-backfill"));
    expectBadInput(faultline("regress", file, "--baseline", "base/gated.json"), "base/gated.json: cannot read file (ENOENT); record a baseline with --update");
    expect(faultline("regress", file, "--baseline", "base/gated.json", "--update").code).toBe(0);
    const baseline = JSON.parse(readFileSync(join(work, "base", "gated.json"), "utf8"));
    expect(baseline).toMatchObject({ format: 1, scenario: "gated", seed: 4, replications: 4, nodeMajor: Number(process.versions.node.split(".")[0]) });
    expect(baseline.scenarioHash).toMatch(/^[0-9a-f]{64}$/);
    expect(baseline.runs).toHaveLength(4);

    // The same policy: every gate passes, and a rerun prints the same bytes (never flaps).
    const same = faultline("regress", file, "--baseline", "base/gated.json", "--junit", "same.xml");
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/^strategy +metric +baseline +current +change +tolerance +verdict\n/);
    expect(same.stdout).toContain("2 gates passed");
    expect(faultline("regress", file, "--baseline", "base/gated.json").stdout).toBe(same.stdout);
    expect(readFileSync(join(work, "same.xml"), "utf8")).toContain('<testsuite name="faultline regress gated" tests="2" failures="0"');

    // FIFO in place of EASY: the waits regress; exit 1, and every output says so.
    writeFileSync(file, gated("fifo"));
    const worse = faultline("regress", file, "--baseline", "base/gated.json", "--junit", "worse.xml", "--markdown", "worse.md");
    expect(worse.code).toBe(1);
    expect(worse.stdout).toMatch(/prod +queue_wait_p90_h .* REGRESSED/);
    expect(worse.stdout).toMatch(/of 2 gates failed/);
    expect(worse.stderr).toContain("note: the scenario file changed since the baseline was recorded");
    const junit = readFileSync(join(work, "worse.xml"), "utf8");
    expect(junit).toMatch(/<testcase classname="faultline.gated" name="prod queue_wait_p90_h" time="0">\n\s+<failure message="prod queue_wait_p90_h: /);
    expect(readFileSync(join(work, "worse.md"), "utf8")).toMatch(/^### faultline regress: gated — ❌ \d regressions?\n/);
    expect(worse.stdout).not.toContain("::error");
    const github = faultlineWithEnv({ GITHUB_ACTIONS: "true" }, "regress", file, "--baseline", "base/gated.json");
    expect(github.stdout).toMatch(/^::error file=gated\.yaml,title=faultline regress gated::prod queue_wait_p90_h: .* worse than the tolerance \+10%25 /m); // "%" escaped as GitHub asks
    expect(github.stdout).toMatch(/^::notice file=gated\.yaml,title=faultline regress gated::the scenario file changed/m);
  });

  it("rejects a scenario without gates, a broken baseline and too few replications, naming each", () => {
    const plain = scenarioFile("plain.yaml", gated("easy-backfill").replace(/gates:[\s\S]*$/, ""));
    expectBadInput(faultline("regress", plain, "--baseline", "x.json"), "plain.yaml: gates: the scenario names no gated metrics");
    const file = scenarioFile("gated2.yaml", gated("easy-backfill"));
    writeFileSync(join(work, "broken.json"), '{ "format": 1, "scenario": "gated", "seed": -1 }\n');
    expectBadInput(faultline("regress", file, "--baseline", "broken.json"), "broken.json:1:45 seed: ", "broken.json:1:1 scenarioHash:");
    expectBadInput(faultline("regress", file, "--baseline", "b.json", "--update", "--replications", "1"), '--replications expects an integer from 2 to 10,000, got "1"');
    const badGate = scenarioFile("bad-gate.yaml", gated("fifo").replace("tolerance: 10% }", "tolerance: ten, strategies: [nope] }"));
    expectBadInput(faultline("regress", badGate, "--baseline", "b.json"), "gates.metrics[0].tolerance", 'gates.metrics[0].strategies[0]: no strategy "nope"');
    expectBadInput(faultline("regress", file), "needs --baseline FILE");
  });

  it("refuses a baseline recorded for another scenario, missing runs it claims, or with infinite statistics", () => {
    const file = scenarioFile("gated3.yaml", gated("easy-backfill"));
    expect(faultline("regress", file, "--baseline", "good.json", "--update").code).toBe(0);
    const good = JSON.parse(readFileSync(join(work, "good.json"), "utf8"));
    const variant = (name: string, change: (baseline: typeof good) => void) => {
      const copy = structuredClone(good);
      change(copy);
      writeFileSync(join(work, name), JSON.stringify(copy));
      return faultline("regress", file, "--baseline", name);
    };
    expectBadInput(
      variant("other.json", (b) => (b.scenario = "quickstart")),
      'other.json: recorded for scenario "quickstart", not "gated"',
    );
    expectBadInput(
      variant("short.json", (b) => b.runs.pop()),
      'short.json: strategy "prod" has 3 runs, but the baseline claims replications 0–3 once each',
    );
    expectBadInput(
      variant("twice.json", (b) => (b.runs[1].replication = 0)),
      'twice.json: strategy "prod" has 4 runs, but the baseline claims replications 0–3 once each',
    );
    expectBadInput(
      variant("huge.json", (b) => b.runs.forEach((run: { metrics: Record<string, number> }) => (run.metrics.queue_wait_p90_h = 1e308))),
      'huge.json: strategy "prod", queue_wait_p90_h: values too large for finite statistics',
    );
    writeFileSync(join(work, "infinite.json"), readFileSync(join(work, "good.json"), "utf8").replace(/"queue_wait_p90_h": [^,]+,/, '"queue_wait_p90_h": 1e999,'));
    expectBadInput(faultline("regress", file, "--baseline", "infinite.json"), "infinite.json:");
  });
});
