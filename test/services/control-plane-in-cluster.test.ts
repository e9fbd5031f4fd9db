import { describe, expect, it } from "vitest";
import { parseScenarioText } from "../../scenarios/parse.js";
import { prepareScenario } from "../../scenarios/prepare.js";
import { runScenario } from "../../runner/run.js";
import { scenarioSchema } from "../../scenarios/schema.js";

/**
 * When a control-plane service is down the cluster degrades as in real life: no job
 * starts while the scheduler controller is down, running jobs go on. A faster-failing
 * controller (MTBF 2 d, repair 6 h) makes the effect visible in a short run.
 */
const SCENARIO = `
name: control-plane
description: What does a scheduler controller's HA buy?
seed: 4
horizon: 30d
replications: 4
cluster: { racks: 2, nodesPerRack: 8, node: { gpus: 8 } }
workload:
  generator: { arrivalsPerHour: 3, nodes: { logUniform: [1, 4] }, runtime: { lognormal: { median: 2h, sigma: 1 } } }
controlPlane:
  - { name: slurmctld, role: scheduler, mtbf: 2d, mttr: 6h, pricePerUnitHour: 1 }
strategies:
  - { name: none, ha: { slurmctld: { kind: none } } }
  - { name: fast-restart, ha: { slurmctld: { kind: fast-restart, restart: 15s } } }
  - { name: quorum-3, ha: { slurmctld: { kind: quorum, units: 3 } } }
`;

describe("control-plane services in the cluster", () => {
  const parsed = parseScenarioText(SCENARIO, "cp.yaml", scenarioSchema);
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  const results = runScenario(prepareScenario(parsed.value, "cp.yaml"), { seed: 4, replications: 4, faultlineVersion: "test" });
  const mean = (strategy: number, metric: string) =>
    (results.summary.strategies[strategy].metrics as Record<string, { mean: number } | null>)[metric]?.mean ?? NaN;

  it("reports availability and downtime, and redundancy raises availability", () => {
    // One unit: A = 2 d / (2 d + 6 h) = 0.889. Fast restart: down 15 s per failure, A > 0.9999.
    // 2-of-3 quorum of such units: 3A² − 2A³ = 0.966 (four 30-day runs: a loose band).
    expect(mean(0, "control_plane_availability")).toBeGreaterThan(0.8);
    expect(mean(0, "control_plane_availability")).toBeLessThan(0.95);
    expect(mean(1, "control_plane_availability")).toBeGreaterThan(0.9999);
    expect(mean(2, "control_plane_availability")).toBeGreaterThan(0.93);
    expect(mean(2, "control_plane_availability")).toBeLessThan(0.99);
    expect(mean(2, "control_plane_availability")).toBeGreaterThan(mean(0, "control_plane_availability"));
    expect(mean(0, "downtime_min")).toBeGreaterThan(mean(1, "downtime_min"));
  });

  it("jobs wait while the controller is down: waits are longer without HA", () => {
    expect(mean(0, "queue_wait_p90_h")).toBeGreaterThan(mean(1, "queue_wait_p90_h"));
    expect(mean(0, "jobs_delayed_by_outages")).toBeGreaterThan(mean(1, "jobs_delayed_by_outages"));
  });

  it("redundancy costs: three units cost three times one", () => {
    expect(mean(2, "cost_total")).toBeCloseTo(3 * 30 * 24, 6);
    expect(mean(0, "cost_total")).toBeCloseTo(30 * 24, 6);
  });
});
