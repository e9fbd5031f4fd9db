import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseScenarioText } from "../../scenarios/parse.js";
import { prepareScenario, TraceInputError } from "../../scenarios/prepare.js";
import { scenarioSchema, type Scenario } from "../../scenarios/schema.js";
import { modelOptions } from "../../scenarios/model-options.js";
import { ClusterModel } from "../../models/cluster/model.js";
import { Sim } from "../../sim/sim.js";

/** GPU-granular clusters in the scenario format: what is accepted, and each error naming its field. */

const BASE = `
name: gpus
description: d
seed: 1
replications: 1
horizon: 2d
cluster:
  racks: 2
  nodesPerRack: 2
  node: { gpus: 8, cpus: 64, memoryGiB: 512 }
  allocation: gpus
  gpuModels: { H100: { speed: 2 }, A100: { speed: 1 } }
  pools:
    - { name: a100, racks: 1, pricePerGpuHour: 2, node: { gpus: 8, gpuModel: A100, cpus: 64, memoryGiB: 512, driverCuda: "12.2" } }
    - { name: h100, racks: 1, pricePerGpuHour: 4, node: { gpus: 4, gpuModel: H100, cpus: 96, memoryGiB: 1024 } }
workload:
  generator:
    arrivalsPerHour: 4
    gpus: { empirical: [0.25, 1, 2] }
    cpus: 4
    memoryGiB: 32
    runtime: 2h
scheduler: { policy: easy-backfill, placement: fgd }
strategies:
  - { name: fgd }
`;

function problems(text: string): string[] {
  const parsed = parseScenarioText(text, "s.yaml", scenarioSchema);
  return parsed.ok ? [] : parsed.problems;
}

describe("cluster.allocation: gpus", () => {
  it("accepts pools of GPU models with speeds, share requests and fgd, and runs them", () => {
    const parsed = parseScenarioText(BASE, "s.yaml", scenarioSchema);
    if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
    const prepared = prepareScenario(parsed.value, "s.yaml");
    const options = modelOptions(prepared, parsed.value.strategies[0] as never, 0);
    expect(options.gpuSharing?.shapes.map((shape) => [shape.model, shape.gpus, shape.speed, shape.cudaMax])).toEqual([
      ["A100", 8, 0.5, 1202],
      ["A100", 8, 0.5, 1202],
      ["H100", 4, 1, 0],
      ["H100", 4, 1, 0],
    ]);
    const result = new ClusterModel(new Sim({ seed: 1 }), options).run();
    expect(result.metrics.jobs_completed).toBeGreaterThan(100);
    expect(result.metrics.gpu_allocation_rate).toBeGreaterThan(0);
    expect(result.pools.map((pool) => pool.name)).toEqual(["a100", "h100"]);
  });

  it("names the field of each mistake", () => {
    const cases: [string, string][] = [
      [BASE.replace("allocation: gpus", "allocation: whole-nodes"), "workload.generator.gpus"],
      [BASE.replace("gpus: { empirical: [0.25, 1, 2] }", "gpus: 16"), "requests of up to 16 GPUs, but no node has more than 8"],
      [BASE.replace("    cpus: 4\n", "    cpus: 4\n    gpuModel: B200\n"), 'no node has GPU model "B200"'],
      [BASE.replace("gpuModels: { H100: { speed: 2 }, A100: { speed: 1 } }", "gpuModels: { H100: { speed: 2 } }"), 'no speed for "A100"'],
      [BASE.replace('driverCuda: "12.2"', 'driverCuda: "twelve"'), 'expected a CUDA version such as "12.4"'],
      [BASE.replace("    gpus: { empirical: [0.25, 1, 2] }\n", ""), "workload.generator.gpus"],
      [BASE.replace("node: { gpus: 8, gpuModel: A100", "node: { gpus: 40, gpuModel: A100"), "at most 32 GPUs per node"],
      [BASE.replace("    cpus: 4\n", "    cpus: 200\n"), "200 CPUs per part, more than any node has"],
    ];
    for (const [text, expected] of cases) {
      const found = problems(text);
      expect(found.some((problem) => problem.includes(expected)), `${expected} in ${found.join(" | ")}`).toBe(true);
    }
  });

  it("refuses GPU-only settings on a whole-node cluster", () => {
    const whole = `
name: whole
description: d
seed: 1
horizon: 1d
cluster: { racks: 1, nodesPerRack: 4, node: { gpus: 8 }, gpuModels: { H100: { speed: 1 } } }
workload: { generator: { arrivalsPerHour: 1, nodes: 1, runtime: 1h } }
scheduler: { policy: fifo, placement: best-fit }
strategies: [{ name: a }]
`;
    const found = problems(whole);
    expect(found.some((problem) => problem.includes("cluster.gpuModels") && problem.includes("needs cluster.allocation: gpus"))).toBe(true);
    expect(found.some((problem) => problem.includes("scheduler.placement") && problem.includes("placement best-fit needs cluster.allocation: gpus"))).toBe(true);
  });

  it("checks a node list's count against the racks and fills need a horizon", () => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-nodes-"));
    writeFileSync(join(dir, "nodes.csv"), "sn,cpu_milli,memory_mib,gpu,model\nn0,64000,262144,8,T4\nn1,32000,131072,0,\n");
    const listed = (racks: number) => `
name: listed
description: d
seed: 1
horizon: 1h
cluster:
  racks: ${racks}
  nodesPerRack: 1
  node: { gpus: 8 }
  allocation: gpus
  nodeList: { format: alibaba, path: nodes.csv }
workload: { generator: { arrivalsPerHour: 1, gpus: 1, runtime: 1h } }
strategies: [{ name: a }]
`;
    const file = join(dir, "s.yaml");
    const wrong = parseScenarioText(listed(3), file, scenarioSchema);
    if (!wrong.ok) throw new Error(wrong.problems.join("\n"));
    expect(() => prepareScenario(wrong.value as Scenario, file)).toThrow(TraceInputError);
    expect(() => prepareScenario(wrong.value as Scenario, file)).toThrow(/lists 2 nodes, but racks × nodesPerRack is 3/);
    const right = parseScenarioText(listed(2), file, scenarioSchema);
    if (!right.ok) throw new Error(right.problems.join("\n"));
    expect(prepareScenario(right.value as Scenario, file).nodeList?.map((node) => node.gpus)).toEqual([8, 0]);

    const fill = BASE.replace("horizon: 2d\n", "").replace(
      "  generator:\n    arrivalsPerHour: 4\n    gpus: { empirical: [0.25, 1, 2] }\n    cpus: 4\n    memoryGiB: 32\n    runtime: 2h\n",
      "  trace: { format: alibaba, path: pods.csv, fill: 1.3 }\n",
    );
    expect(problems(fill).some((problem) => problem.includes("horizon") && problem.includes("filling the cluster"))).toBe(true);
  });
});
