import { describe, expect, it } from "vitest";
import { FabricPart } from "../../models/cluster/fabric-part.js";
import { ClusterModel } from "../../models/cluster/model.js";
import type { JobCommunication } from "../../models/workload/job.js";
import { modelOptions } from "../../scenarios/model-options.js";
import { parseScenarioText } from "../../scenarios/parse.js";
import { prepareScenario } from "../../scenarios/prepare.js";
import { scenarioSchema, type ClusterScenario } from "../../scenarios/schema.js";
import { Sim } from "../../sim/sim.js";
import { US_PER_H } from "../../sim/time.js";

/**
 * The fabric's topology and the all-reduce algorithm chosen in a scenario reach the model,
 * and a job's pace through that path is compute / (compute + all-reduce) with the
 * all-reduce priced by the closed forms, α and B worked by hand from the topology:
 *
 * - ring (reduce-scatter + all-gather): 2(p−1)·α + 2(p−1)/p · n/B;
 * - tree as the library implements it, a binomial reduce then a binomial broadcast of the
 *   whole buffer (not NCCL's double binary tree): 2·⌈log2 p⌉·(α + n/B), charged at the
 *   ring's α (slowest hop) and bottleneck rate B.
 */

function scenarioText(fabric: string, allReduce: string, extra = ""): string {
  return `
name: fabric-choice
description: Which fabric and all-reduce?
seed: 1
horizon: 1d
replications: 1
cluster:
  racks: 4
  nodesPerRack: 2
  node: { gpus: 8 }
  fabric: ${fabric}
workload:
  generator:
    arrivalsPerHour: 1
    nodes: 8
    runtime: 1h
    allReduce: ${allReduce}
strategies:
  - { name: only }
${extra}`;
}

function parse(text: string) {
  return parseScenarioText(text, "fabric-choice.yaml", scenarioSchema);
}

function problems(text: string): string[] {
  const parsed = parse(text);
  return parsed.ok ? [] : parsed.problems;
}

/** One job of 8 nodes (the whole cluster) doing 1 h of compute, alone: its end, µs. */
function endOfLoneJob(text: string): number {
  const parsed = parse(text);
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  const prepared = prepareScenario(parsed.value, "fabric-choice.yaml");
  const scenario = prepared.scenario as ClusterScenario;
  const options = modelOptions(prepared, scenario.strategies[0], 0);
  const communication = options.workload.generator?.communication as JobCommunication;
  const sim = new Sim({ seed: 1, keepRecords: true });
  const model = new ClusterModel(sim, { ...options, workload: { ...options.workload, generator: null } });
  const job = model.submit(8, US_PER_H, undefined, undefined, communication);
  model.run();
  const completed = sim.records.find((record) => record.kind === "JobCompleted" && record.job === job.id);
  if (completed === undefined) throw new Error("the job did not complete");
  return completed.timeUs as number;
}

/** µs to send `bytes` at `gbps`. */
const sendUs = (bytes: number, gbps: number) => (bytes * 8) / (gbps * 1_000);
const ring = (p: number, bytes: number, alphaUs: number, gbps: number) => 2 * (p - 1) * alphaUs + ((2 * (p - 1)) / p) * sendUs(bytes, gbps);
const tree = (p: number, bytes: number, alphaUs: number, gbps: number) => 2 * Math.ceil(Math.log2(p)) * (alphaUs + sendUs(bytes, gbps));
/** A job of W = 1 h of compute in iterations of c µs, each followed by T µs of all-reduce, ends at W·(c + T)/c. */
const endAt = (iterationUs: number, allReduceUs: number) => (US_PER_H * (iterationUs + allReduceUs)) / iterationUs;

// 4 racks × 2 nodes, 100 Gbps everywhere, non-blocking, 1 µs links, 0.25 µs switches.
const FAT_TREE = "{ topology: fat-tree, linkGbps: 100, spines: 2 }";
// The same racks as a dragonfly: 2 groups × 2 routers (one per rack), one global cable per
// pair of groups at half the bandwidth and 5 µs.
const DRAGONFLY = "{ topology: dragonfly, groups: 2, routersPerGroup: 2, linkGbps: 100, globalLinkGbps: 50, globalLinkLatencyUs: 5 }";

describe("all-reduce through the scenario path, uncontended", () => {
  // Fat-tree, 8 nodes over 4 leaves: the slowest ring hop crosses leaves, node→leaf→spine→
  // leaf→node, 4 links and 3 switches: α = 4·1 + 3·0.25 = 4.75 µs. Each leaf→spine link
  // carries 2·100/1/2 = 100 Gbps, and spine = target mod 2 sends each crossing hop of the
  // ring (1→2, 3→4, 5→6, 7→0) over its own links: B = 100 Gbps.
  const alpha = 4.75;

  it("ring, 8 ranks, 100 MB every 1 s: 2·7·4.75 + (14/8)·8000 = 14,066.5 µs per iteration", () => {
    const allReduceUs = ring(8, 100e6, alpha, 100);
    expect(allReduceUs).toBeCloseTo(14_066.5, 9);
    const end = endOfLoneJob(scenarioText(FAT_TREE, "{ sizeMB: 100, every: 1s }"));
    expect(Math.abs(end - endAt(1e6, allReduceUs))).toBeLessThanOrEqual(1);
  });

  it("tree, the same: 2·3·(4.75 + 8000) = 48,028.5 µs (a big buffer: the ring wins)", () => {
    const allReduceUs = tree(8, 100e6, alpha, 100);
    expect(allReduceUs).toBeCloseTo(48_028.5, 9);
    const end = endOfLoneJob(scenarioText(FAT_TREE, "{ sizeMB: 100, every: 1s, algorithm: tree }"));
    expect(Math.abs(end - endAt(1e6, allReduceUs))).toBeLessThanOrEqual(1);
  });

  it("a latency-bound 1 KB every 1 ms: ring 66.64 µs, tree 28.98 µs (the tree wins)", () => {
    const ringUs = ring(8, 1e3, alpha, 100);
    const treeUs = tree(8, 1e3, alpha, 100);
    expect(ringUs).toBeCloseTo(66.64, 9);
    expect(treeUs).toBeCloseTo(28.98, 9);
    const ringEnd = endOfLoneJob(scenarioText(FAT_TREE, "{ sizeMB: 0.001, every: 1ms }"));
    const treeEnd = endOfLoneJob(scenarioText(FAT_TREE, "{ sizeMB: 0.001, every: 1ms, algorithm: tree }"));
    expect(Math.abs(ringEnd - endAt(1e3, ringUs))).toBeLessThanOrEqual(1);
    expect(Math.abs(treeEnd - endAt(1e3, treeUs))).toBeLessThanOrEqual(1);
    expect(treeEnd).toBeLessThan(ringEnd);
  });

  it("a strategy's allReduceAlgorithm replaces the workload's", () => {
    const text = scenarioText(FAT_TREE, "{ sizeMB: 0.001, every: 1ms }").replace("{ name: only }", "{ name: only, allReduceAlgorithm: tree }");
    expect(Math.abs(endOfLoneJob(text) - endAt(1e3, tree(8, 1e3, alpha, 100)))).toBeLessThanOrEqual(1);
  });
});

describe("a dragonfly from a scenario, worked by hand", () => {
  // Nodes 2r, 2r+1 on router r; routers 0, 1 in group 0, 2, 3 in group 1. The global cable
  // between the groups leaves from router 0 of each (gateway = (other·h + k) mod a = 0).
  // Ring hops: 0→1, 2→3, 4→5, 6→7 inside a router (2 links, 1 switch: 2.25 µs); 1→2 and
  // 5→6 over one local link (3 links, 2 switches: 3.5 µs); 3→4 leaves from router 1, so
  // local to router 0, global to router 2, down: up 1 + local 1 + global 5 + down 1 = 8 µs
  // and 3 switches, α = 8.75 µs; 7→0 the same way back. Every link carries one flow, the
  // global ones 50 Gbps: B = 50 Gbps.
  it("routes the ring minimally: the slowest hop is up, local, global, down (8.75 µs) at the global link's 50 Gbps", () => {
    const parsed = parse(scenarioText(DRAGONFLY, "{ sizeMB: 100, every: 1s }"));
    if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
    const prepared = prepareScenario(parsed.value, "fabric-choice.yaml");
    const options = modelOptions(prepared, (prepared.scenario as ClusterScenario).strategies[0], 0);
    const model = new ClusterModel(new Sim({ seed: 1 }), { ...options, workload: { ...options.workload, generator: null } });
    const topology = model.part(FabricPart)!.fabric.topology;
    expect(topology.kind).toBe("dragonfly");
    const cross = topology.route(3, 4)!;
    expect(Array.from(cross, (link) => topology.linkName(link))).toEqual(["node3->g00r01", "g00r01->g00r00", "g00r00->g01r00#0", "g01r00->node4"]);
    expect(topology.pathLatencyUs(cross)).toBe(8.75);
    expect(topology.route(1, 2)!.length).toBe(3);
    expect(topology.pathLatencyUs(topology.route(1, 2)!)).toBe(3.5);
    // No leaf–spine cable to cut: the game day's link-down is unavailable here.
    expect(model.canInject({ kind: "link-down", atUs: 0, durationUs: 1, leaf: 0, spine: 0 })).toBe(false);
  });

  it("a lone 8-node job's all-reduce: ring 2·7·8.75 + (14/8)·16,000 = 28,122.5 µs, tree 6·(8.75 + 16,000) = 96,052.5 µs", () => {
    const ringUs = ring(8, 100e6, 8.75, 50);
    const treeUs = tree(8, 100e6, 8.75, 50);
    expect(ringUs).toBeCloseTo(28_122.5, 9);
    expect(treeUs).toBeCloseTo(96_052.5, 9);
    const ringEnd = endOfLoneJob(scenarioText(DRAGONFLY, "{ sizeMB: 100, every: 1s }"));
    const treeEnd = endOfLoneJob(scenarioText(DRAGONFLY, "{ sizeMB: 100, every: 1s, algorithm: tree }"));
    expect(Math.abs(ringEnd - endAt(1e6, ringUs))).toBeLessThanOrEqual(1);
    expect(Math.abs(treeEnd - endAt(1e6, treeUs))).toBeLessThanOrEqual(1);
  });

  it("a strategy's fabric replaces the cluster's", () => {
    const text = scenarioText(FAT_TREE, "{ sizeMB: 100, every: 1s }").replace("{ name: only }", `{ name: only, fabric: ${DRAGONFLY} }`);
    expect(Math.abs(endOfLoneJob(text) - endAt(1e6, ring(8, 100e6, 8.75, 50)))).toBeLessThanOrEqual(1);
  });
});

describe("fabric and all-reduce fields", () => {
  it("default to ring, and a fat-tree keeps its options (no topology key: today's model options)", () => {
    const parsed = parse(scenarioText(FAT_TREE, "{ sizeMB: 1, every: 1s }"));
    if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
    const prepared = prepareScenario(parsed.value, "fabric-choice.yaml");
    const options = modelOptions(prepared, (prepared.scenario as ClusterScenario).strategies[0], 0);
    expect(options.workload.generator?.communication?.algorithm).toBe("ring");
    expect(options.fabric).toEqual({ linkGbps: 100, oversubscription: 1, spineCount: 2, linkLatencyUs: 1, switchLatencyUs: 0.25 });
  });

  it("refuse a dragonfly whose routers are not one per rack, with the path", () => {
    const found = problems(scenarioText("{ topology: dragonfly, groups: 3, routersPerGroup: 2, linkGbps: 100 }", "{ sizeMB: 1, every: 1s }"));
    expect(found.join("\n")).toMatch(/cluster\.fabric\.groups.*6 routers but the cluster has 4 racks/);
  });

  it("refuse fat-tree keys on a dragonfly and an unknown topology", () => {
    expect(problems(scenarioText("{ topology: dragonfly, groups: 2, routersPerGroup: 2, linkGbps: 100, spines: 2 }", "{ sizeMB: 1, every: 1s }")).join("\n")).toMatch(/cluster\.fabric.*spines/);
    expect(problems(scenarioText("{ topology: torus, linkGbps: 100 }", "{ sizeMB: 1, every: 1s }")).join("\n")).toMatch(/cluster\.fabric\.topology/);
    expect(problems(scenarioText(FAT_TREE, "{ sizeMB: 1, every: 1s, algorithm: butterfly }")).join("\n")).toMatch(/workload\.generator\.allReduce\.algorithm/);
  });

  it("bound the dragonfly's links", () => {
    const text = scenarioText("{ topology: dragonfly, groups: 1, routersPerGroup: 1024, linkGbps: 100 }", "{ sizeMB: 1, every: 1s }").replace("racks: 4", "racks: 1024").replace("nodesPerRack: 2", "nodesPerRack: 1");
    expect(problems(text).join("\n")).toMatch(/cluster\.fabric\.routersPerGroup.*1,047,552 local and global links; at most 1e6/);
  });

  it("refuse a link-down on a dragonfly (it has no leaves or spines), naming the field", () => {
    const failures = "failures:\n  - { kind: link-down, at: 1h, duration: 1h, leaf: 0, spine: 0 }";
    expect(problems(scenarioText(DRAGONFLY, "{ sizeMB: 1, every: 1s }", failures)).join("\n")).toMatch(/failures\[0\]\.leaf.*cluster\.fabric\.topology is dragonfly/);
    const override = scenarioText(FAT_TREE, "{ sizeMB: 1, every: 1s }", failures).replace("{ name: only }", `{ name: only, fabric: ${DRAGONFLY} }`);
    expect(problems(override).join("\n")).toMatch(/failures\[0\]\.leaf.*strategies\[0\]\.fabric\.topology is dragonfly/);
    expect(problems(scenarioText(FAT_TREE, "{ sizeMB: 1, every: 1s }", failures))).toEqual([]);
  });

  it("refuse overrides of what the scenario does not have, and a strategy's dragonfly of the wrong shape", () => {
    const noFabric = scenarioText(FAT_TREE, "{ sizeMB: 1, every: 1s }").replace(`  fabric: ${FAT_TREE}\n`, "").replace("{ name: only }", `{ name: only, fabric: ${DRAGONFLY} }`);
    expect(problems(noFabric).join("\n")).toMatch(/strategies\[0\]\.fabric.*replaces cluster\.fabric/);
    const noAllReduce = scenarioText(FAT_TREE, "{ sizeMB: 1, every: 1s }").replace("    allReduce: { sizeMB: 1, every: 1s }\n", "").replace("{ name: only }", "{ name: only, allReduceAlgorithm: tree }");
    expect(problems(noAllReduce).join("\n")).toMatch(/strategies\[0\]\.allReduceAlgorithm/);
    const shape = scenarioText(FAT_TREE, "{ sizeMB: 1, every: 1s }").replace("{ name: only }", "{ name: only, fabric: { topology: dragonfly, groups: 1, routersPerGroup: 2, linkGbps: 100 } }");
    expect(problems(shape).join("\n")).toMatch(/strategies\[0\]\.fabric\.groups.*2 routers but the cluster has 4 racks/);
  });
});
