import { describe, expect, it } from "vitest";
import { runScenario } from "../../runner/run.js";
import { parseScenarioText } from "../../scenarios/parse.js";
import { prepareScenario } from "../../scenarios/prepare.js";
import { scenarioSchema } from "../../scenarios/schema.js";

/** The same crashing cluster with `gpus` GPUs per node. */
function run(gpus: number) {
  const text = `
name: cpu
description: lost work without GPUs
seed: 3
horizon: 10d
replications: 2
cluster: { racks: 2, nodesPerRack: 8, node: { gpus: ${gpus} } }
workload:
  generator: { arrivalsPerHour: 2, nodes: { logUniform: [1, 8] }, runtime: { lognormal: { median: 4h, sigma: 1 } } }
failures:
  - { kind: node-crash, mtbf: 5d, repair: 4h }
strategies:
  - { name: hourly, checkpoint: { policy: fixed, interval: 1h, cost: 5m } }
`;
  const parsed = parseScenarioText(text, "cpu.yaml", scenarioSchema);
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  const results = runScenario(prepareScenario(parsed.value, "cpu.yaml"), { seed: 3, replications: 2, faultlineVersion: "test" });
  return (metric: string) => (results.summary.strategies[0].metrics as Record<string, { mean: number } | null>)[metric]?.mean ?? null;
}

describe("a cluster without GPUs", () => {
  const cpu = run(0);
  const gpu = run(8);

  it("reports lost work in node-hours and goodput on node-hours", () => {
    expect(cpu("lost_work_gpu_h")).toBeNull();
    expect(cpu("lost_work_node_h")!).toBeGreaterThan(0);
    expect(cpu("goodput")!).toBeGreaterThan(0);
    expect(cpu("goodput")!).toBeLessThan(1);
  });

  it("gives the same figures as the same cluster with GPUs: node-hours are GPU-hours over GPUs per node", () => {
    // GPUs change nothing in the schedule or the failures: the runs are the same.
    expect(gpu("lost_work_node_h")).toBeCloseTo(cpu("lost_work_node_h")!, 9);
    expect(gpu("lost_work_gpu_h")).toBeCloseTo(8 * cpu("lost_work_node_h")!, 9);
    expect(gpu("goodput")).toBeCloseTo(cpu("goodput")!, 12);
  });
});
