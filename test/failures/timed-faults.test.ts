import { describe, expect, it } from "vitest";
import { parseScenarioText } from "../../scenarios/parse.js";
import { prepareScenario } from "../../scenarios/prepare.js";
import { runScenario } from "../../runner/run.js";
import { scenarioSchema } from "../../scenarios/schema.js";

/** Runs a scenario text for one replication and returns the summary's metric means per strategy. */
function run(text: string, replications = 1) {
  const parsed = parseScenarioText(text, "faults.yaml", scenarioSchema);
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  const results = runScenario(prepareScenario(parsed.value, "faults.yaml"), { seed: 2, replications, faultlineVersion: "t" });
  return {
    results,
    mean: (strategy: number, metric: string) =>
      (results.summary.strategies[strategy].metrics as Record<string, { mean: number } | null>)[metric]?.mean ?? null,
  };
}

const BASE = `
name: faults
description: Timed faults.
seed: 2
horizon: 2d
cluster:
  racks: 2
  nodesPerRack: 4
  node: { gpus: 8 }
`;

describe("timed faults through the components' verbs", () => {
  it("a cut cable with no route round it fails the jobs whose ring it cuts; with two spines they reroute", () => {
    const scenario = (spines: number) => `${BASE}
  fabric: { topology: fat-tree, linkGbps: 400, spines: ${spines} }
workload:
  generator: { arrivalsPerHour: 2, nodes: 8, runtime: 2h, allReduce: { sizeMB: 100, every: 10s } }
failures:
  - { kind: link-down, at: 10h, duration: 12h, leaf: 0, spine: 0 }
strategies: [{ name: s }]
`;
    const oneSpine = run(scenario(1));
    const killed = (r: ReturnType<typeof run>) =>
      r.results.traces[0].failures.filter((failure) => failure.kind === "link-down").length;
    expect(killed(oneSpine)).toBe(1);
    // Every 8-node job spans both racks: with the only spine cut off, each start fails.
    expect(oneSpine.mean(0, "jobs_failed")).toBeGreaterThan(0);
    const twoSpines = run(scenario(2));
    expect(twoSpines.mean(0, "jobs_failed")).toBe(0);
  });

  it("a metadata storm makes checkpoint writes time out, and the jobs go on", () => {
    const scenario = (storm: boolean) => `${BASE}
  storage: { osts: 4, ostGBps: 5, metadataOpsPerSec: 100, metadataQueueMax: 1000000, metadataTimeout: 2h }
workload:
  generator: { arrivalsPerHour: 4, nodes: 1, runtime: 4h }
failures:
${storm ? "  - { kind: metadata-storm, at: 6h, ops: 360000 }" : "  - { kind: metadata-storm, at: 6h, ops: 1 }"}
strategies: [{ name: s, checkpoint: { policy: fixed, interval: 30m, sizeGB: 10, timeout: 5m } }]
`;
    const quiet = run(scenario(false));
    const stormy = run(scenario(true));
    expect(quiet.mean(0, "checkpoint_success_rate")).toBe(1);
    // An hour of backlog at 100 ops/s: every checkpoint opened in that hour times out.
    expect(stormy.mean(0, "checkpoint_success_rate")!).toBeLessThan(0.99);
    expect(stormy.mean(0, "jobs_completed")).toBeGreaterThan(0);
  });

  it("an expired certificate takes down even a quorum; a partition splits an active-passive pair's brain", () => {
    const scenario = `${BASE}
workload:
  generator: { arrivalsPerHour: 2, nodes: 1, runtime: 1h }
controlPlane:
  - { name: ctl, role: scheduler, mtbf: 1000d, mttr: 4h }
failures:
  - { kind: certificate-expiry, at: 12h, renewAfter: 6h, service: ctl }
  - { kind: network-partition, at: 30h, duration: 2h, service: ctl }
strategies:
  - { name: quorum, ha: { ctl: { kind: quorum, units: 3 } } }
  - { name: pair, ha: { ctl: { kind: active-passive } } }
`;
    const { mean, results } = run(scenario);
    // 6 of 48 hours without a certificate, whatever the redundancy.
    expect(mean(0, "downtime_min")).toBeGreaterThanOrEqual(360);
    expect(mean(0, "control_plane_availability")).toBeLessThanOrEqual(1 - 6 / 48 + 1e-9);
    expect(mean(0, "jobs_delayed_by_outages")).toBeGreaterThan(0);
    // The pair's partition is on the failure timeline, and split brain counts as up.
    const pairFaults = results.traces[1].failures.map((failure) => failure.kind);
    expect(pairFaults).toContain("network-partition");
    expect(pairFaults).toContain("certificate-expiry");
    // Two units active for the 2 h partition less detection (3 beats of 5 s) and takeover (15 s).
    expect(mean(1, "split_brain_s")).toBeCloseTo(2 * 3_600 - 30, 6);
    expect(mean(1, "failovers")).toBeGreaterThanOrEqual(1);
    // A quorum cannot split its brain: the metric does not apply.
    expect(mean(0, "split_brain_s")).toBeNull();
    expect(mean(0, "failovers")).not.toBeNull();
  });

  it("rejects faults that name what the scenario lacks", () => {
    const parsed = parseScenarioText(
      `${BASE}
workload:
  generator: { arrivalsPerHour: 1, nodes: 1, runtime: 1h }
failures:
  - { kind: link-down, at: 1h, duration: 1h, leaf: 0, spine: 0 }
  - { kind: metadata-storm, at: 1h, ops: 10 }
  - { kind: certificate-expiry, at: 1h, renewAfter: 1h, service: nope }
strategies: [{ name: s }]
`,
      "bad.yaml",
      scenarioSchema,
    );
    expect(parsed.ok).toBe(false);
    const problems = parsed.ok ? [] : parsed.problems.join("\n");
    expect(problems).toContain("failures[0].kind: a link-down needs cluster.fabric");
    expect(problems).toContain("failures[1].kind: a metadata storm needs cluster.storage");
    expect(problems).toContain('failures[2].service: no control-plane service is named "nope"');
  });
});
