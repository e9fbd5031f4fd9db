import type { DistributionSpec } from "../sim/distribution.js";
import type { NodeShape } from "../models/hardware/gpu-share.js";
import { JOBS_MAX, formatBound } from "./limits.js";
import type { AlibabaNode } from "../models/workload/traces/alibaba.js";

/**
 * GPU-granular clusters in the scenario format (`cluster.allocation: gpus`): the checks
 * that tie the cluster's node shapes, the workload's requests and the placement together,
 * and the node shapes and requests the model is given.
 */

/** What these checks read of a cluster scenario (a structural type, so schema.ts can call them while parsing). */
export interface GpuScenarioView {
  readonly horizon?: number | undefined;
  readonly cluster: {
    readonly racks: number;
    readonly nodesPerRack: number;
    readonly allocation: "whole-nodes" | "gpus";
    readonly node: NodeSection;
    readonly pools: readonly { readonly racks: number; readonly node?: NodeSection | undefined }[];
    readonly gpuModels?: Readonly<Record<string, { readonly speed: number }>> | undefined;
    readonly nodeList?: unknown;
  };
  readonly workload: {
    readonly generator?:
      | {
          readonly nodes?: DistributionSpec | undefined;
          readonly gpus?: DistributionSpec | undefined;
          readonly cpus?: number | undefined;
          readonly memoryGiB?: number | undefined;
          readonly gpuModel?: string | undefined;
          readonly cuda?: string | undefined;
        }
      | undefined;
    readonly trace?: { readonly fill?: number | undefined } | undefined;
  };
  readonly scheduler: { readonly placement?: string | undefined };
  readonly strategies: readonly { readonly scheduler?: { readonly placement?: string | undefined } | undefined }[];
}

interface NodeSection {
  readonly gpus: number;
  readonly cpus?: number | undefined;
  readonly memoryGiB?: number | undefined;
  readonly gpuModel?: string | undefined;
  readonly driverCuda?: string | undefined;
  readonly cuda?: string | undefined;
}

export interface GpuIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Placements that only make sense GPU by GPU. */
const GPU_ONLY_PLACEMENTS = new Set(["best-fit", "fastest", "fgd"]);

/** GPUs a GPU-granular node may have: a part's GPUs are a 32-bit mask. */
export const SHARED_GPUS_MAX = 32;

export function gpuAllocationIssues(scenario: GpuScenarioView): GpuIssue[] {
  const issues: GpuIssue[] = [];
  const cluster = scenario.cluster;
  const generator = scenario.workload.generator;
  const placements: { path: (string | number)[]; placement: string | undefined }[] = [
    { path: ["scheduler", "placement"], placement: scenario.scheduler.placement },
    ...scenario.strategies.map((strategy, index) => ({ path: ["strategies", index, "scheduler", "placement"], placement: strategy.scheduler?.placement })),
  ];
  if (cluster.allocation === "whole-nodes") {
    const needsGpus = (path: (string | number)[], what: string): void => {
      issues.push({ path, message: `${what} needs cluster.allocation: gpus (jobs here take whole nodes)` });
    };
    for (const { path, placement } of placements) if (placement !== undefined && GPU_ONLY_PLACEMENTS.has(placement)) needsGpus(path, `placement ${placement}`);
    for (const field of ["gpus", "cpus", "memoryGiB", "gpuModel", "cuda"] as const) {
      if (generator?.[field] !== undefined) needsGpus(["workload", "generator", field], `a request's ${field}`);
    }
    if (generator !== undefined && generator.nodes === undefined) issues.push({ path: ["workload", "generator", "nodes"], message: "whole nodes per job are needed (or set cluster.allocation: gpus and ask for gpus)" });
    cluster.pools.forEach((pool, index) => {
      if (pool.node !== undefined) needsGpus(["cluster", "pools", index, "node"], "a pool with nodes of its own");
    });
    if (cluster.gpuModels !== undefined) needsGpus(["cluster", "gpuModels"], "GPU model speeds");
    if (cluster.nodeList !== undefined) needsGpus(["cluster", "nodeList"], "a node list");
    if (scenario.workload.trace?.fill !== undefined) needsGpus(["workload", "trace", "fill"], "filling the cluster");
    return issues;
  }

  // GPU-granular: the node sections nodes are built from (cluster.node unless every pool has its own).
  const clusterNodeUsed = cluster.pools.length === 0 || cluster.pools.some((pool) => pool.node === undefined);
  const sections: { path: (string | number)[]; node: NodeSection }[] = [
    ...(clusterNodeUsed ? [{ path: ["cluster", "node"], node: cluster.node }] : []),
    ...cluster.pools.flatMap((pool, index) => (pool.node === undefined ? [] : [{ path: ["cluster", "pools", index, "node"], node: pool.node }])),
  ];
  for (const { path, node } of sections) {
    if (node.gpus > SHARED_GPUS_MAX) issues.push({ path: [...path, "gpus"], message: `at most ${SHARED_GPUS_MAX} GPUs per node when GPUs are allocated one by one` });
    if (cluster.gpuModels !== undefined && node.gpus > 0) {
      if (node.gpuModel === undefined) issues.push({ path: [...path, "gpuModel"], message: "name the GPU model: cluster.gpuModels gives speeds by model" });
      else if (!Object.hasOwn(cluster.gpuModels, node.gpuModel)) {
        issues.push({ path: [...path, "gpuModel"], message: `no speed for "${node.gpuModel}" in cluster.gpuModels (it has: ${Object.keys(cluster.gpuModels).join(", ")})` });
      }
    }
  }
  if (generator !== undefined) {
    if (generator.gpus === undefined) issues.push({ path: ["workload", "generator", "gpus"], message: "with cluster.allocation: gpus, jobs ask for gpus (a share below 1, or whole GPUs)" });
    const nodes = sections.map((section) => section.node);
    const largest = (spec: DistributionSpec | undefined): number | undefined => (spec === undefined ? undefined : largestValue(spec));
    const gpus = largest(generator.gpus);
    const models = new Set(nodes.map((node) => node.gpuModel).filter((model) => model !== undefined));
    if (generator.gpuModel !== undefined && !models.has(generator.gpuModel)) {
      issues.push({ path: ["workload", "generator", "gpuModel"], message: `no node has GPU model "${generator.gpuModel}" (the cluster has: ${[...models].join(", ") || "none named"})` });
    }
    // A generated request no node could hold is an error now, not a job waiting for ever.
    const fitting = nodes.filter((node) => generator.gpuModel === undefined || node.gpuModel === generator.gpuModel);
    const most = (of: (node: NodeSection) => number): number => Math.max(0, ...fitting.map(of));
    if (gpus !== undefined && fitting.length > 0 && wholeGpus(gpus) > most((node) => node.gpus)) {
      issues.push({ path: ["workload", "generator", "gpus"], message: `requests of up to ${wholeGpus(gpus)} GPUs, but no node has more than ${most((node) => node.gpus)}; such a job could never run` });
    }
    if (generator.cpus !== undefined && fitting.every((node) => node.cpus !== undefined && generator.cpus! > node.cpus)) {
      issues.push({ path: ["workload", "generator", "cpus"], message: `${generator.cpus} CPUs per part, more than any node has` });
    }
    if (generator.memoryGiB !== undefined && fitting.every((node) => node.memoryGiB !== undefined && generator.memoryGiB! > node.memoryGiB)) {
      issues.push({ path: ["workload", "generator", "memoryGiB"], message: `${generator.memoryGiB} GiB per part, more than any node has` });
    }
  }
  if (scenario.workload.trace?.fill !== undefined) {
    if (scenario.horizon === undefined) {
      issues.push({ path: ["horizon"], message: "filling the cluster from a trace needs a horizon (jobs arrive one a second until it is full)" });
    } else if (scenario.horizon > JOBS_MAX) {
      issues.push({ path: ["horizon"], message: `filling the cluster submits a job a second: a horizon of at most ${formatBound(JOBS_MAX)} s (a run holds at most ${formatBound(JOBS_MAX)} jobs)` });
    }
  }
  return issues;
}

/** Whole GPUs a draw of `gpus` asks for (a share below 1 asks for part of one). */
function wholeGpus(gpus: number): number {
  return gpus < 1 ? 1 : Math.round(gpus);
}

/** The largest value a bounded distribution draws; undefined for an unbounded one. */
export function largestValue(spec: DistributionSpec): number | undefined {
  switch (spec.kind) {
    case "constant":
      return spec.value;
    case "uniform":
    case "logUniform":
      return spec.high;
    case "empirical":
      return spec.sortedValues[spec.sortedValues.length - 1];
    default:
      return undefined;
  }
}

/** A CUDA version as major·100 + minor ("12.4" → 1204); 0 when not given. */
export function cudaNumber(version: string | undefined): number {
  if (version === undefined) return 0;
  const [major, minor] = version.split(".").map(Number);
  return major * 100 + minor;
}

/** CPUs or memory a node section does not declare are not scheduled: no request runs out of them. */
const UNLIMITED = 2 ** 31 - 1;

/** Each node's shape, rack-major: the pools' (or cluster.node), or the node list's. */
export function nodeShapes(scenario: GpuScenarioView, nodeList: readonly AlibabaNode[] | null): NodeShape[] {
  const cluster = scenario.cluster;
  const speeds = cluster.gpuModels ?? {};
  const fastest = Math.max(1e-300, ...Object.values(speeds).map((model) => model.speed));
  const speedOf = (model: string | undefined): number => {
    // Own keys only: a model named "toString" is not Object.prototype's.
    const declared = model === undefined || !Object.hasOwn(speeds, model) ? undefined : speeds[model];
    return declared === undefined ? 1 : declared.speed / fastest;
  };
  if (nodeList !== null) {
    return nodeList.map((node) => ({
      gpus: node.gpus,
      cpuMilli: node.cpuMilli,
      memoryMiB: node.memoryMiB,
      model: node.model ?? "",
      speed: speedOf(node.model ?? undefined),
      cudaMax: cudaNumber(cluster.node.driverCuda),
    }));
  }
  const shape = (node: NodeSection): NodeShape => ({
    gpus: node.gpus,
    cpuMilli: node.cpus === undefined ? UNLIMITED : node.cpus * 1000,
    memoryMiB: node.memoryGiB === undefined ? UNLIMITED : node.memoryGiB * 1024,
    model: node.gpuModel ?? "",
    speed: speedOf(node.gpuModel),
    cudaMax: cudaNumber(node.driverCuda),
  });
  const perRack = cluster.nodesPerRack;
  const shapes: NodeShape[] = [];
  const pools = cluster.pools.length > 0 ? cluster.pools : [{ racks: cluster.racks, node: undefined }];
  for (const pool of pools) {
    const poolShape = shape(pool.node ?? cluster.node);
    for (let i = 0; i < pool.racks * perRack; i++) shapes.push(poolShape);
  }
  return shapes;
}
