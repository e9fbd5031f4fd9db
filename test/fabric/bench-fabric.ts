import { Fabric } from "../../models/fabric/fabric.js";
import { MaxMinSolver } from "../../models/fabric/max-min.js";
import { FatTree } from "../../models/fabric/topology.js";
import { Sim } from "../../sim/sim.js";

/**
 * The fabric's figure for the project bench: max-min over about 2,000 flows on the
 * issue's 4,096-node fat-tree (128 leaves of 32 nodes, 16 spines, 400 Gbps, 2:1). Target:
 * well under 10 ms per solve. Not a test: speed is measured, not asserted.
 *
 * Two loads, both drawn from a fixed stream so every run times the same problem:
 * - `ms`: 2,048 flows between uniformly random pairs of distinct nodes, the worst case
 *   for spreading over the spines;
 * - `fabricMs`: 64 jobs of 32 nodes each on random nodes (2,048 ring flows), one full
 *   fabric refresh after a change: solve, link loads and every job's bandwidth and latency.
 * Each is the best of `runs` timings after one warm-up.
 */
export interface FabricBenchFigures {
  readonly flows: number;
  /** One max-min solve over `flows` random-pair flows, ms. */
  readonly ms: number;
  readonly links: number;
  /** One fabric refresh with 64 ring jobs after a change, ms. */
  readonly fabricMs: number;
}

export function benchFabric(now: () => number = () => performance.now(), runs = 20): FabricBenchFigures {
  const topology = new FatTree({
    nodesPerLeaf: 32,
    leafCount: 128,
    spineCount: 16,
    linkGbps: 400,
    oversubscription: 2,
    linkLatencyUs: 0.1,
    switchLatencyUs: 0.2,
  });
  const sim = new Sim({ seed: 1, keepRecords: false });
  const rng = sim.rng("bench.fabric.pairs");

  const flowCount = 2_048;
  const flows: Int32Array[] = [];
  while (flows.length < flowCount) {
    const source = rng.integer(0, topology.nodeCount - 1);
    const target = rng.integer(0, topology.nodeCount - 1);
    if (source !== target) flows.push(topology.route(source, target)!);
  }
  const solver = new MaxMinSolver();
  solver.solve(flows, topology.capacitiesGbps);
  let ms = Infinity;
  for (let run = 0; run < runs; run++) {
    const start = now();
    solver.solve(flows, topology.capacitiesGbps);
    ms = Math.min(ms, now() - start);
  }

  const fabric = new Fabric(sim, topology);
  const placement = sim.rng("bench.fabric.placement");
  const order = Int32Array.from({ length: topology.nodeCount }, (_, node) => node);
  for (let i = order.length - 1; i > 0; i--) {
    const j = placement.integer(0, i);
    const swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
  const jobCount = 64;
  const nodesPerJob = 32;
  for (let job = 0; job < jobCount; job++) {
    fabric.addJob(job, order.subarray(job * nodesPerJob, (job + 1) * nodesPerJob));
  }
  const refresh = (): void => {
    for (let job = 0; job < jobCount; job++) fabric.bandwidthGbps(job);
  };
  refresh();
  let fabricMs = Infinity;
  for (let run = 0; run < runs; run++) {
    // Replace one job so the next query re-solves, as a job start or end does.
    fabric.removeJob(0);
    fabric.addJob(0, order.subarray(0, nodesPerJob));
    const start = now();
    refresh();
    fabricMs = Math.min(fabricMs, now() - start);
  }
  return { flows: flowCount, ms, links: topology.linkCount, fabricMs };
}

if (process.argv[1]?.endsWith("bench-fabric.js")) {
  process.stdout.write(`${JSON.stringify(benchFabric())}\n`);
}
