import type { DistributionSpec } from "../sim/distribution.js";
import { meanOf, weibullScale } from "../sim/distribution.js";
import { nodeShapes } from "./gpu-allocation.js";
import { isServiceScenario, type ClusterScenario, type Scenario } from "./schema.js";
import { formatDuration } from "./units.js";

/**
 * Accepted but probably not what was meant: said on stderr as `warning: file:line:col
 * path: …`, and the command goes on (exit 0). Each names what it read and what to write
 * instead. Errors are the schema's; these are the careless-but-valid cases.
 */
export interface ScenarioWarning {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Below an hour, a bare number for a field measured in hours or days is likely a unit left out. */
const HOURS_SCALE_MIN_S = 3_600;

/** The warnings of a parsed scenario; `raw` is the file's data before the schema's defaults and units. */
export function scenarioWarnings(raw: unknown, scenario: Scenario): ScenarioWarning[] {
  if (isServiceScenario(scenario)) return [];
  return [...bareNumberWarnings(raw), ...oversizedJobWarnings(scenario), ...checkpointWarnings(scenario), ...loadWarnings(scenario)];
}

function at(raw: unknown, path: readonly (string | number)[]): unknown {
  let value = raw;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

/** `horizon: 60` is 60 seconds; for horizons and MTBFs that is rarely what was meant. */
function bareNumberWarnings(raw: unknown): ScenarioWarning[] {
  const paths: (string | number)[][] = [["horizon"]];
  const failures = at(raw, ["failures"]);
  if (Array.isArray(failures)) {
    failures.forEach((_, i) => {
      for (const key of ["mtbf", "meanTimeBetween", "repair", "returnAfter"]) paths.push(["failures", i, key]);
    });
  }
  const services = at(raw, ["controlPlane"]);
  if (Array.isArray(services)) services.forEach((_, i) => paths.push(["controlPlane", i, "mtbf"], ["controlPlane", i, "mttr"]));
  return paths.flatMap((path) => {
    const value = at(raw, path);
    if (typeof value !== "number" || value <= 0 || value >= HOURS_SCALE_MIN_S) return [];
    return [
      {
        path,
        message: `${value} is read as ${value} seconds (a bare number is seconds); write "${value}h" or "${value}d" if you meant hours or days`,
      },
    ];
  });
}

/** The share of draws of an unbounded distribution above `limit`, or null for a bounded one. */
function shareAbove(spec: DistributionSpec, limit: number): number | null {
  switch (spec.kind) {
    case "exponential":
      return Math.exp(-limit / spec.mean);
    case "weibull":
      return Math.exp(-((limit / weibullScale(spec.shape, spec.mean)) ** spec.shape));
    case "lognormal":
      return spec.sigma === 0 ? (spec.median > limit ? 1 : 0) : 1 - normalCdf(Math.log(limit / spec.median) / spec.sigma);
    default:
      return null;
  }
}

/** Φ(x), Abramowitz & Stegun 7.1.26 through erf (|error| < 1.5e-7: enough for a warning). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** A long-tailed node count cuts the draws above the cluster's size to it; say how many. */
function oversizedJobWarnings(scenario: ClusterScenario): ScenarioWarning[] {
  const generator = scenario.workload.generator;
  if (generator?.nodes === undefined) return [];
  const nodes = scenario.cluster.racks * scenario.cluster.nodesPerRack;
  // Draws are rounded: anything at or above nodes + 0.5 is a job larger than the cluster.
  const share = shareAbove(generator.nodes, nodes + 0.5);
  if (share === null || share < 1e-4) return [];
  return [
    {
      path: ["workload", "generator", "nodes"],
      message: `about ${formatShare(share)} of jobs draw more than the cluster's ${nodes} nodes and are cut to ${nodes}; bound the distribution (uniform, logUniform, empirical)`,
    },
  ];
}

function formatShare(share: number): string {
  return share >= 0.01 ? `${Math.round(share * 100)}%` : `${(share * 100).toPrecision(1)}%`;
}

/** A checkpoint that takes longer than the compute between checkpoints spends most of the time checkpointing. */
function checkpointWarnings(scenario: ClusterScenario): ScenarioWarning[] {
  return scenario.strategies.flatMap((strategy, index) => {
    const checkpoint = strategy.checkpoint;
    if (checkpoint.policy !== "fixed" || checkpoint.cost === undefined || checkpoint.cost <= checkpoint.interval) return [];
    return [
      {
        path: ["strategies", index, "checkpoint", "interval"],
        message: `checkpoints take ${formatDuration(checkpoint.cost)}, longer than the ${formatDuration(checkpoint.interval)} of compute between them: most of a job's time goes to checkpointing`,
      },
    ];
  });
}

/** Offered load above the cluster's capacity: the queue grows for the whole run. */
function loadWarnings(scenario: ClusterScenario): ScenarioWarning[] {
  const generator = scenario.workload.generator;
  if (generator === undefined) return [];
  const nodes = scenario.cluster.racks * scenario.cluster.nodesPerRack;
  const weekly = (5 + 2 * generator.weekendFactor) / 7;
  const bursts = generator.bursts === undefined ? 0 : (generator.bursts.perDay / 24) * meanOf(generator.bursts.size);
  const jobsPerHour = generator.arrivalsPerHour * weekly + bursts;
  const parts = generator.nodes === undefined ? 1 : Math.min(nodes, Math.max(1, meanOf(generator.nodes)));
  // Capacity in nodes, or in GPUs when jobs ask for GPUs (a node list's GPUs are not known here).
  const byGpu = generator.gpus !== undefined && scenario.cluster.nodeList === undefined;
  const capacity = byGpu ? nodeShapes(scenario, null).reduce((sum, shape) => sum + shape.gpus, 0) : nodes;
  const perPart = byGpu ? meanOf(generator.gpus!) : 1;
  const unitHoursPerJob = parts * perPart * (meanOf(generator.runtime) / 3_600);
  const load = (jobsPerHour * unitHoursPerJob) / capacity;
  if (!(load > 1)) return [];
  return [
    {
      path: ["workload", "generator", "arrivalsPerHour"],
      message: `the jobs ask ${load.toFixed(2)}× the cluster's ${byGpu ? "GPU" : "node"}-hours: the queue grows for the whole run (fine for a stress test, not for a steady state)`,
    },
  ];
}
