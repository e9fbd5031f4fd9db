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

describe("absolute gates", () => {
  /** The gated scenario (EASY backfill) with absolute gates in place of the relative ones. */
  function absolute(gates: string): string {
    return gated("easy-backfill").replace(/gates:[\s\S]*$/, `gates:\n  metrics:\n${gates}`);
  }
  // Its queue_wait_p90_h is 53.4 h on the mean; gpu_utilization 0.965; lost_work_gpu_h is not exercised.
  const PASSING = "    - { metric: queue_wait_p90_h, max: 100 }\n    - { metric: gpu_utilization, min: 0.9, confidence: 0.95 }\n";

  it("are judged by regress without a baseline: exit 0 when they hold, 1 with a line, JUnit case and annotation per failed gate", () => {
    const good = scenarioFile("absolute-good.yaml", absolute(PASSING));
    const pass = faultline("regress", good, "--junit", "abs-good.xml");
    expect(pass.code).toBe(0);
    expect(pass.stdout).toMatch(/^strategy +metric +judged +gate +verdict\n/);
    expect(pass.stdout).toMatch(/prod +gpu_utilization +mean 0\.965, 95% lower 0\.95\d +≥ 0\.900 +ok/);
    expect(pass.stdout).toContain("2 absolute gates passed");
    expect(readFileSync(join(work, "abs-good.xml"), "utf8")).toContain('tests="2" failures="0"');

    const bad = scenarioFile("absolute-bad.yaml", absolute(`${PASSING}    - { metric: queue_wait_p90_h, max: 2 }\n    - { metric: lost_work_gpu_h, max: 5 }\n`));
    const fail = faultlineWithEnv({ GITHUB_ACTIONS: "true" }, "regress", bad, "--junit", "abs-bad.xml", "--markdown", "abs-bad.md");
    expect(fail.code).toBe(1);
    expect(fail.stdout).toMatch(/prod +queue_wait_p90_h +mean 53\.4 +≤ 2 +FAILED/);
    expect(fail.stdout).toMatch(/prod +lost_work_gpu_h +— +≤ 5 +NO DATA/);
    expect(fail.stdout).toContain("2 of 4 absolute gates failed");
    expect(fail.stdout).toMatch(/^::error file=absolute-bad\.yaml,title=faultline regress gated::prod queue_wait_p90_h: mean 53\.4 \(n = 4\); the mean is outside the gate ≤ 2$/m);
    const junit = readFileSync(join(work, "abs-bad.xml"), "utf8");
    expect(junit).toContain('tests="4" failures="2"');
    expect(junit).toMatch(/name="prod lost_work_gpu_h ≤ 5" time="0">\n\s+<failure message="prod lost_work_gpu_h: no values/);
    expect(readFileSync(join(work, "abs-bad.md"), "utf8")).toMatch(/^### faultline regress: gated — ❌ 2 failed absolute gates\n/);
    // --json: the same judgements as data, alone on stdout (no annotations mixed in), the same exit.
    const json = faultlineWithEnv({ GITHUB_ACTIONS: "true" }, "regress", bad, "--json");
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { scenario: string; absolute: { metric: string; verdict: string }[] };
    expect(report.scenario).toBe("gated");
    expect(report.absolute.map((judgement) => judgement.verdict).filter((verdict) => verdict !== "ok")).toHaveLength(2);

    // With relative gates too, a baseline is still needed.
    const mixed = scenarioFile("absolute-mixed.yaml", absolute(`${PASSING}    - { metric: goodput, tolerance: 0.01 }\n`));
    expectBadInput(faultline("regress", mixed), "needs --baseline FILE");
  });

  it("are checked by run --check: exit 0, exit 1 naming each failed gate, exit 2 without absolute gates or with too few runs for a bound", () => {
    const good = scenarioFile("check-good.yaml", absolute(PASSING));
    const pass = faultline("run", good, "--check", "--out", "check-good");
    expect(pass.code).toBe(0);
    expect(pass.stderr).toContain("2 absolute gates passed");
    expect(readFileSync(join(work, "check-good", "summary.json"), "utf8")).toContain('"scenario": "gated"');

    const bad = scenarioFile("check-bad.yaml", absolute(`${PASSING}    - { metric: queue_wait_p90_h, max: 2 }\n`));
    const fail = faultline("run", bad, "--check", "--out", "check-bad");
    expect(fail.code).toBe(1);
    expect(fail.stderr).toContain("gate failed: prod queue_wait_p90_h: mean 53.4 (n = 4); the mean is outside the gate ≤ 2\n");
    expect(fail.stderr.match(/^gate failed:/gm)).toHaveLength(1);
    // Without --check the same run passes: gates are judged only when asked.
    expect(faultline("run", bad, "--out", "check-bad").code).toBe(0);

    const relativeOnly = scenarioFile("check-relative.yaml", gated("easy-backfill"));
    expectBadInput(faultline("run", relativeOnly, "--check", "--out", "x"), "check-relative.yaml: gates: --check judges absolute gates (min, max), and the scenario has none");
    expectBadInput(faultline("run", good, "--check", "--replications", "1", "--out", "x"), "needs at least 2 replications (this run has 1)");
    const unknown = scenarioFile("check-unknown.yaml", absolute("    - { metric: queue_wait_p99_h, max: 2 }\n"));
    expectBadInput(faultline("run", unknown, "--check"), "check-unknown.yaml:14:17 gates.metrics[0].metric: expected one of");
  });
});
