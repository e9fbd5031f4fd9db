import { z } from "zod";
import { meanOf } from "../sim/distribution.js";
import { zDuration } from "./units.js";
import { gpuAllocationIssues, largestValue } from "./gpu-allocation.js";
import { expectedFailures, failureIssues, failureNodePeriods, failureSchema } from "./failures/index.js";
import { rolloutSchema } from "./failures/driver-patch.js";
import { healthPolicySchema } from "./failures/silent-degradation.js";
import { atMost, count, countDistribution, countUpTo, durationDistribution, nonNegative, NUMBER_WHY, positive } from "./fields.js";
import { GPU_PLACEMENTS, type GpuPlacement } from "../models/hardware/gpu-share.js";
import { METRICS, METRIC_BETTER, METRIC_NAMES } from "../models/metrics.js";
import { SCHEDULER_POLICIES, SCHEDULER_POLICY_NAMES } from "../models/scheduler/policies.js";
import { AD_HOC_KINDS } from "../models/failures/ad-hoc.js";
import {
  FAILURES_MAX,
  GPUS_PER_NODE_MAX,
  JOBS_MAX,
  NODE_STEPS_MAX,
  NODES_MAX,
  NUMBER_MAX,
  REQUESTS_MAX,
  SAMPLES_MAX,
  STEPS_MAX,
  REPLICATIONS_MAX,
  SEED_MAX,
  USERS_MAX,
  formatBound,
} from "./limits.js";

/**
 * The scenario file format. Every object is strict, so a misspelt key is an error with a
 * "did you mean" hint rather than a silently ignored setting. Durations are strings with
 * units ("90s", "30m", "4h", "7d", "5y") or seconds; after parsing they are seconds.
 */

/** A CUDA version, "12.4". */
const cudaVersion = z.string().regex(/^\d{1,3}\.\d{1,2}$/, 'expected a CUDA version such as "12.4"');

const nodeSchema = z.strictObject({
  gpus: countUpTo(GPUS_PER_NODE_MAX, "GPUs in one node", true).describe("GPUs per node"),
  cpus: count.optional().describe("CPU cores per node (scheduled when cluster.allocation is gpus)"),
  memoryGiB: positive().optional().describe("memory per node (scheduled when cluster.allocation is gpus)"),
  gpuModel: z.string().min(1).optional().describe("e.g. H100; its speed is in cluster.gpuModels"),
  gpuMemoryGiB: positive().optional(),
  driver: z.string().optional().describe("GPU driver version, e.g. \"550.54\""),
  driverCuda: cudaVersion.optional().describe("highest CUDA version the driver runs: a job built for a newer one fails as it starts"),
  cuda: cudaVersion.optional().describe("CUDA runtime version the node's jobs are built for, e.g. \"12.4\""),
});

/** A bandwidth: at least 0.001 (a slower link carries nothing a run would notice). */
function bandwidth() {
  return z.number().min(0.001, "expected at least 0.001").max(NUMBER_MAX, atMost(NUMBER_MAX, NUMBER_WHY));
}

const hopLatencyUs = () => z.number().nonnegative().max(1e6, atMost(1e6, "a second per hop"));

const fatTreeSchema = z.strictObject({
  topology: z.literal("fat-tree").describe("two levels, one leaf switch per rack"),
  linkGbps: bandwidth().describe("a node's link to its leaf, each way"),
  oversubscription: z.number().min(1).max(1_000, atMost(1_000, "")).default(1).describe("a leaf's downlink over uplink bandwidth"),
  spines: countUpTo(1_024, "spine switches").default(8),
  linkLatencyUs: hopLatencyUs().default(1),
  switchLatencyUs: hopLatencyUs().default(0.25),
});

/** The links a dragonfly may have, local and global: each costs ~50 bytes in the fabric model. */
export const DRAGONFLY_LINKS_MAX = 1_000_000;

const dragonflySchema = z.strictObject({
  topology: z.literal("dragonfly").describe("groups of routers, one router per rack, all-to-all inside a group and between groups (Kim et al., ISCA 2008); minimal routing"),
  groups: countUpTo(1_024, "dragonfly groups").describe("groups × routersPerGroup must equal cluster.racks: racks fill groups in order"),
  routersPerGroup: countUpTo(1_024, "routers in one group").describe("routers (racks) in each group, joined all-to-all by local links"),
  globalLinks: countUpTo(64, "parallel global cables").default(1).describe("global cables between every pair of groups"),
  linkGbps: bandwidth().describe("a node's link to its router, each way"),
  localLinkGbps: bandwidth().optional().describe("a router-to-router link inside a group, each way (default: linkGbps)"),
  globalLinkGbps: bandwidth().optional().describe("a global link between groups, each way (default: linkGbps)"),
  linkLatencyUs: hopLatencyUs().default(1).describe("node and local links"),
  globalLinkLatencyUs: hopLatencyUs().optional().describe("global (optical, longer) links (default: linkLatencyUs)"),
  switchLatencyUs: hopLatencyUs().default(0.25),
});

const fabricSchema = z.discriminatedUnion("topology", [fatTreeSchema, dragonflySchema]);

export type FabricSpec = z.output<typeof fabricSchema>;

/**
 * A dragonfly's shape against the cluster's: one router per rack, so groups ×
 * routersPerGroup is the rack count; and a bound on its links. `path` leads to the fabric.
 */
export function fabricIssues(fabric: FabricSpec, racks: number, path: readonly (string | number)[]): BoundIssue[] {
  if (fabric.topology !== "dragonfly") return [];
  const issues: BoundIssue[] = [];
  const routers = fabric.groups * fabric.routersPerGroup;
  if (routers !== racks) {
    issues.push({
      path: [...path, "groups"],
      message: `groups × routersPerGroup is ${routers} routers but the cluster has ${racks} racks; a dragonfly has one router per rack`,
    });
  }
  const g = fabric.groups;
  const a = fabric.routersPerGroup;
  const links = g * a * (a - 1) + g * (g - 1) * fabric.globalLinks;
  if (links > DRAGONFLY_LINKS_MAX) {
    issues.push({
      path: [...path, "routersPerGroup"],
      message: `the dragonfly has ${formatBound(links)} local and global links; at most ${formatBound(DRAGONFLY_LINKS_MAX)} (each costs memory and max-min work); take fewer, larger groups or fewer global links`,
    });
  }
  return issues;
}

const storageSchema = z.strictObject({
  osts: count.describe("object storage targets"),
  ostGBps: bandwidth().describe("bandwidth of one OST"),
  stripeCount: count.default(4).describe("OSTs a checkpoint file is striped over"),
  metadataOpsPerSec: bandwidth().default(50_000),
  metadataQueueMax: count.default(100_000),
  metadataTimeout: zDuration({ positive: true }).default(60),
  burstBuffer: z
    .strictObject({
      capacityTB: positive(),
      GBps: bandwidth().describe("bandwidth shared by everyone writing"),
    })
    .optional()
    .describe("a tier checkpoints with tier: burst-buffer go to first, drained to the filesystem"),
});

const poolSchema = z.strictObject({
  name: z.string().min(1),
  racks: count.describe("racks in this pool; pools take racks in order"),
  pricePerGpuHour: nonNegative(),
  spot: z.boolean().default(false),
  node: nodeSchema.optional().describe("this pool's nodes (default: cluster.node); pools of other GPU models need cluster.allocation: gpus"),
});

const clusterSchema = z
  .strictObject({
    racks: count,
    nodesPerRack: count,
    node: nodeSchema,
    allocation: z
      .enum(["whole-nodes", "gpus"])
      .default("whole-nodes")
      .describe("whole-nodes: a job takes whole nodes (the HPC case); gpus: jobs ask for GPUs (or shares of one), CPUs and memory, and share nodes"),
    gpuModels: z
      .record(z.string(), z.strictObject({ speed: positive().describe("relative speed; the fastest model is the reference runtimes are given on") }))
      .optional()
      .describe("speed of each GPU model of the pools, e.g. { H100: { speed: 2 }, A100: { speed: 1 } }"),
    nodeList: z
      .strictObject({
        format: z.literal("alibaba"),
        path: z.string().min(1).describe("relative to the scenario file: the Alibaba GPU v2023 node list"),
      })
      .optional()
      .describe("nodes read from an inventory (with cluster.allocation: gpus): racks × nodesPerRack must match its node count"),
    fabric: fabricSchema.optional().describe("model communication over an InfiniBand fat-tree or dragonfly"),
    storage: storageSchema.optional().describe("a Lustre-like filesystem that checkpoints with a sizeGB go to"),
    pools: z.array(poolSchema).default([]).describe("racks bought at a price per GPU-hour: turns on cost metrics"),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, "expected an ISO 4217 code of three capital letters, e.g. USD or EUR")
      .default("USD")
      .describe("what prices (pools, control-plane units) and cost metrics are in, as reports and summary.json say"),
  })
  .superRefine((cluster, context) => {
    if (cluster.racks * cluster.nodesPerRack > NODES_MAX) {
      context.addIssue({
        code: "custom",
        path: ["nodesPerRack"],
        message: `racks × nodesPerRack is ${formatBound(cluster.racks * cluster.nodesPerRack)} nodes; at most ${formatBound(NODES_MAX)} (each node costs up to 2 KiB of memory)`,
      });
    }
    if (cluster.fabric !== undefined) addBoundIssues(fabricIssues(cluster.fabric, cluster.racks, ["fabric"]), context);
    const pooled = cluster.pools.reduce((sum, pool) => sum + pool.racks, 0);
    if (cluster.pools.length > 0 && pooled !== cluster.racks) {
      context.addIssue({
        code: "custom",
        path: ["pools"],
        message: `pools hold ${pooled} racks but the cluster has ${cluster.racks}`,
      });
    }
  });

const allReduceAlgorithm = z
  .enum(["ring", "tree"])
  .describe("ring: reduce-scatter + all-gather, 2(p−1)·α + 2(p−1)/p·n/B; tree: binomial reduce then broadcast, 2⌈log2 p⌉·(α + n/B)");

const generatorSchema = z.strictObject({
  arrivalsPerHour: positive().describe("mean arrival rate of jobs on a weekday"),
  diurnal: z
    .strictObject({
      amplitude: z.number().min(0).lt(1).describe("rate swings ±amplitude around the mean over a day"),
      peakHour: z.number().min(0).max(24).default(14).describe("hour of day of the peak (time 0 is midnight)"),
    })
    .optional(),
  weekendFactor: z.number().nonnegative().max(100, atMost(100, "")).default(1).describe("rate multiplier on days 6 and 7 of each week"),
  bursts: z
    .strictObject({
      perDay: positive().describe("burst episodes a day (a job array, a parameter sweep)"),
      size: countDistribution.describe("jobs per burst"),
      spread: zDuration().default(0).describe("a burst's jobs arrive within this window"),
    })
    .optional(),
  nodes: countDistribution
    .optional()
    .describe("whole nodes per job (with cluster.allocation: gpus, parts of a gang, each on its own node; default 1); draws are rounded"),
  gpus: countDistribution
    .optional()
    .describe("GPUs per part (cluster.allocation: gpus): a draw below 1 is a share of one GPU, in thousandths; 1 or more is rounded to whole GPUs"),
  cpus: positive().optional().describe("CPU cores per part (cluster.allocation: gpus); default 0"),
  memoryGiB: positive().optional().describe("memory per part (cluster.allocation: gpus); default 0"),
  gpuModel: z.string().min(1).optional().describe("the GPU model jobs must run on (cluster.allocation: gpus); default: any"),
  cuda: cudaVersion.optional().describe("CUDA version jobs are built for (default: cluster.node.cuda); checked against each node's driverCuda"),
  runtime: durationDistribution.describe("compute time per job on a failure-free cluster"),
  timeLimitFactor: z
    .number()
    .min(1)
    .max(1_000, atMost(1_000, ""))
    .nullable()
    .default(2)
    .describe("time limit a user asks, as a multiple of the job's run time; null for none"),
  users: countUpTo(USERS_MAX, "each user is an account the scheduler keeps").default(16).describe("users submitting, drawn uniformly unless bigUserShare; each is a fair-share account"),
  bigUserShare: z
    .number()
    .lt(1) // and more than 1/users: checked below, where users is known
    .optional()
    .describe("share of jobs the first user (u000) submits, the rest split evenly among the others: one big user; more than 1/users"),
  qos: z
    .record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "use letters, digits, '.', '_' or '-'"), z.number().gt(0).lt(1))
    .refine((shares) => !("normal" in shares), { message: "normal is the rest; give the shares of the other QOS" })
    .refine((shares) => Object.values(shares).reduce((sum, share) => sum + share, 0) < 1, { message: "the shares must add up to less than 1 (the rest is normal)" })
    .optional()
    .describe("share of jobs in each QOS other than normal, e.g. { high: 0.1 }; the rest are normal"),
  allReduce: z
    .strictObject({
      sizeMB: positive().describe("data all-reduced per iteration (1 MB = 10^6 bytes)"),
      every: zDuration({ positive: true }).describe("compute per iteration"),
      algorithm: allReduceAlgorithm.default("ring"),
    })
    .optional()
    .describe("multi-node jobs all-reduce after every iteration; needs cluster.fabric to cost anything"),
}).superRefine((generator, context) => {
  const share = generator.bigUserShare;
  // A big user needs others to be bigger than: a share at or below 1/users would make some other user the biggest.
  if (share !== undefined && share * generator.users <= 1) {
    context.addIssue({
      code: "custom",
      path: ["bigUserShare"],
      message: `a big user needs more than 1/users = ${1 / generator.users} of the jobs (else another user submits as many); got ${share} with ${generator.users} users`,
    });
  }
});

const traceSchema = z.strictObject({
  format: z.enum(["swf", "sacct", "alibaba"]),
  path: z.string().min(1).describe("relative to the scenario file; .gz files are read as they are"),
  procsPerNode: count.default(1).describe("processors of one node: a job gets ceil(procs / procsPerNode) nodes"),
  skipInvalid: z.boolean().default(false).describe("count and report malformed lines instead of failing"),
  limit: count.optional().describe("replay only the first N jobs (by submit time)"),
  fill: z
    .number()
    .min(0.01)
    .max(10, atMost(10, ""))
    .optional()
    .describe(
      "the FGD paper's experiment (alibaba, cluster.allocation: gpus): jobs drawn from the trace at random, one a second, each holding its GPUs for good, until their GPUs reach fill × the cluster's",
    ),
});

const workloadSchema = z
  .strictObject({
    generator: generatorSchema.optional(),
    trace: traceSchema.optional(),
    maxRequeues: countUpTo(10_000, "", true).default(3).describe("requeues after failures before a job fails"),
    startup: z
      .strictObject({
        processesPerNode: count.describe("processes per node (ranks, workers), each starting up on its own"),
        metadataOpsPerProcess: count.describe("stats and opens each process does before computing (imports, inputs)"),
        retryAfter: zDuration({ positive: true }).default(5).describe("wait before resending a timed-out or rejected op"),
      })
      .optional()
      .describe("start-up I/O of every attempt at the metadata server; needs cluster.storage"),
    tasksPerJob: count.default(1).describe("generated tasks bundled into one job (1: one job per task, as an array)"),
  })
  .refine((workload) => (workload.generator === undefined) !== (workload.trace === undefined), {
    message: "give exactly one of generator or trace",
  });

const prioritySchema = z.strictObject({
  weights: z
    .strictObject({
      age: nonNegative().default(0),
      size: nonNegative().default(0),
      fairShare: nonNegative().default(0),
      qos: nonNegative().default(0),
    })
    .describe("Slurm-like multifactor weights; each factor is in [0, 1]"),
  maxAge: zDuration({ positive: true }).default(7 * 86_400),
  halfLife: zDuration({ positive: true }).default(7 * 86_400).describe("half-life of fair-share usage"),
  recalcPeriod: zDuration().default(300).describe("how often priorities are recomputed"),
  qos: z.record(z.string(), nonNegative()).default({}).describe("priority of each QOS by name"),
});

const schedulerSchema = z
  .strictObject({
    policy: z
      .enum(SCHEDULER_POLICY_NAMES)
      .describe(SCHEDULER_POLICIES.map((policy) => `${policy.name}: ${policy.description}`).join("; ")),
    placement: z
      .enum(GPU_PLACEMENTS)
      .optional()
      .describe(
        "first-fit (default): lowest racks (nodes, GPUs) first; topology: fewest racks (leaf switches); spread: emptiest racks (nodes, GPUs); with cluster.allocation: gpus also best-fit: fullest node and GPU that hold a request; fastest: fastest GPU model first, then best-fit; fgd: where fragmentation grows least (Weng et al., ATC '23)",
      ),
    topologyAware: z.boolean().optional().describe("DESIGN.md's form: true is placement: topology"),
    enforceTimeLimit: z.boolean().default(true).describe("kill a job at its time limit (Slurm's TIMEOUT)"),
    priority: prioritySchema.optional().describe("order the queue by multifactor priority instead of FCFS"),
    preemption: z
      .strictObject({
        qos: z.record(z.string(), z.array(z.string())).describe("for each QOS, the QOS its jobs may preempt"),
        mode: z.enum(["requeue", "kill"]).default("requeue"),
        grace: zDuration().default(60).describe("time a victim gets between the signal and the kill"),
      })
      .optional(),
  })
  .superRefine((scheduler, context) => {
    if (scheduler.placement !== undefined && scheduler.topologyAware !== undefined) {
      context.addIssue({ code: "custom", path: ["topologyAware"], message: "give placement or topologyAware, not both" });
    }
  });

/** The placement a scheduler section asks for, from `placement` or DESIGN.md's `topologyAware`. */
export function placementOf(scheduler: z.output<typeof schedulerSchema>): GpuPlacement {
  if (scheduler.placement !== undefined) return scheduler.placement;
  return scheduler.topologyAware === true ? "topology" : "first-fit";
}

const incrementalSchema = z
  .strictObject({
    fullEvery: count.describe("a full checkpoint every this many; increments in between"),
    dirtyFraction: z.number().gt(0).max(1).describe("share of the state an increment writes"),
  })
  .describe("incremental checkpoints: a restart reads the full one and the increments since");

const corruptProbability = z
  .number()
  .min(0)
  .lt(1)
  .optional()
  .describe("chance each checkpoint is silently corrupt, found only when a restart reads it back (falls back to an older one)");

const checkpointSchema = z.discriminatedUnion("policy", [
  z.strictObject({ policy: z.literal("none") }),
  z
    .strictObject({
      policy: z.literal("fixed"),
      interval: zDuration({ positive: true }).describe("compute between checkpoints"),
      cost: zDuration().optional().describe("time to write one checkpoint (storage not modelled)"),
      restart: zDuration().optional().describe("time to read it back; defaults to the cost"),
      sizeGB: positive().optional().describe("bytes per checkpoint: written to cluster.storage"),
      timeout: zDuration({ positive: true }).optional().describe("a checkpoint write taking longer fails"),
      tier: z
        .enum(["filesystem", "burst-buffer"])
        .default("filesystem")
        .describe("burst-buffer: safe at buffer speed, drained to the filesystem (multi-level)"),
      onNotice: z.boolean().default(false).describe("also checkpoint when a spot reclaim is noticed"),
      incremental: incrementalSchema.optional(),
      corruptProbability,
    })
    .refine((c) => (c.cost === undefined) !== (c.sizeGB === undefined), {
      message: "give the checkpoint a cost (fixed time) or a sizeGB (timed by cluster.storage), not both",
    }),
  z.strictObject({
    policy: z.enum(["young", "daly"]).describe("interval from the cost and each job's MTBF (node MTBF / nodes)"),
    cost: zDuration().describe("time to write one checkpoint"),
    assumedMtbf: zDuration({ positive: true })
      .optional()
      .describe("the node MTBF the formula assumes; default: the node-crash model's (set it to study a wrong estimate)"),
    restart: zDuration().optional().describe("time to read it back; defaults to the cost"),
    onNotice: z.boolean().default(false).describe("also checkpoint when a spot reclaim is noticed"),
    incremental: incrementalSchema.optional(),
    corruptProbability,
  }),
  z.strictObject({
    policy: z.literal("adaptive").describe("Daly's interval with the node MTBF estimated from the failures seen so far"),
    cost: zDuration().describe("time to write one checkpoint"),
    restart: zDuration().optional().describe("time to read it back; defaults to the cost"),
    prior: zDuration({ positive: true }).default(365 * 86_400).describe("node MTBF assumed before any failure is seen"),
    onNotice: z.boolean().default(false).describe("also checkpoint when a spot reclaim is noticed"),
    incremental: incrementalSchema.optional(),
    corruptProbability,
  }),
  z.strictObject({
    policy: z.literal("on-notice").describe("checkpoint only when a spot reclaim is noticed"),
    cost: zDuration().describe("time to write one checkpoint"),
    restart: zDuration().optional().describe("time to read it back; defaults to the cost"),
    corruptProbability,
  }),
]);

const haSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("none") }).describe("one unit, repaired by hand (MTTR)"),
  z.strictObject({
    kind: z.enum(["cold-restart", "fast-restart"]),
    restart: zDuration({ positive: true }).describe("from the failure to serving again; fast known-good restart < 20s"),
    coverage: z.number().min(0).max(1).default(1).describe("share of failures a restart cures"),
  }),
  z.strictObject({
    kind: z.literal("active-passive"),
    heartbeatInterval: zDuration({ positive: true }).default(5),
    missedBeats: count.default(3),
    takeover: zDuration().default(15),
  }),
  z.strictObject({
    kind: z.literal("quorum"),
    units: z.union([z.literal(3), z.literal(5)]),
    electionTimeout: zDuration().default(0.15),
  }),
]);

const serviceSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/),
  role: z.enum(["scheduler", "boot"]).describe("scheduler: no job starts while down; boot: no node boots while down"),
  mtbf: zDuration({ positive: true }).describe("mean time between failures of one unit"),
  mttr: zDuration({ positive: true }).describe("mean time to repair one unit by hand"),
  ha: haSchema.prefault({ kind: "none" }),
  pricePerUnitHour: nonNegative().default(0),
});

const strategySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "use letters, digits, '.', '_' or '-'"),
  checkpoint: checkpointSchema.default({ policy: "none" }),
  scheduler: schedulerSchema.optional().describe("replaces the scenario's scheduler for this strategy"),
  rollout: rolloutSchema.optional().describe("replaces the driver patch's rollout for this strategy"),
  healthPolicy: healthPolicySchema
    .nullable()
    .optional()
    .describe("replaces silent degradation's health policy for this strategy (null: none)"),
  ha: z.record(z.string(), haSchema).optional().describe("replaces the HA strategy of control-plane services, by name"),
  pools: z.array(poolSchema).optional().describe("replaces the cluster's pools for this strategy (e.g. all on-demand vs spot)"),
  tasksPerJob: count.optional().describe("replaces workload.tasksPerJob for this strategy (bundling vs job arrays)"),
  fabric: fabricSchema.optional().describe("replaces cluster.fabric for this strategy (fat-tree vs dragonfly)"),
  allReduceAlgorithm: allReduceAlgorithm.optional().describe("replaces workload.generator.allReduce.algorithm for this strategy"),
});

const sloSchema = z.strictObject({
  jobSuccessRate: z.number().gt(0).lt(1).optional(),
  timeToSolutionP90: zDuration({ positive: true }).optional(),
});

/**
 * What the gates assert. A relative gate (`tolerance`) is judged by `faultline regress`
 * against a baseline: each metric with the direction that is better and how much worse it
 * may get, absolute (a number, in the metric's unit) or relative to the baseline's mean
 * ("5%"). An absolute gate (`min` and/or `max`) needs no baseline: the mean, or with its own
 * `confidence` the one-sided confidence bound on the mean, must stay within it
 * (`faultline regress`, and `faultline run --check`).
 */
const gatesSchema = z.strictObject({
  confidence: z.number().gt(0.5).lt(1).default(0.95).describe("relative gates: one-sided confidence that a regression is real"),
  metrics: z
    .array(
      z.strictObject({
        metric: z.enum(METRIC_NAMES),
        better: z.enum(["lower", "higher"]).optional().describe("relative gates; default: the metric's own (most have one)"),
        tolerance: z
          .union([
            nonNegative(),
            z.string().regex(/^\d+(\.\d+)?%$/, 'expected a number (absolute) or a percentage such as "5%" (relative)'),
          ])
          .optional()
          .describe("a relative gate: how much worse than the baseline the metric may get"),
        min: z.number().optional().describe("an absolute gate: the least the metric may be"),
        max: z.number().optional().describe("an absolute gate: the most the metric may be"),
        confidence: z
          .number()
          .gt(0.5)
          .lt(1)
          .optional()
          .describe("absolute gates: judge the one-sided confidence bound on the mean at this level, not the mean"),
        strategies: z.array(z.string()).min(1).optional().describe("default: every strategy"),
      }),
    )
    .min(1),
});

export type Gates = z.output<typeof gatesSchema>;

/**
 * The one figure the scenario's question is decided on: a metric to minimise or maximise,
 * or a net of metrics in one unit, summed (net GPU-hours: lost work + checkpoint overhead).
 * The reports' verdict opens with which strategy wins on it.
 */
const objectiveMetrics = z.union([z.enum(METRIC_NAMES), z.array(z.enum(METRIC_NAMES)).min(1)]);
const objectiveSchema = z.union([
  z.strictObject({ minimize: objectiveMetrics }),
  z.strictObject({ maximize: objectiveMetrics }),
]);

export type Objective = z.output<typeof objectiveSchema>;

/** A net objective sums its metrics, so they must share a unit (GPU-h with GPU-h). */
function checkObjective(scenario: { readonly objective?: Objective }, context: z.RefinementCtx): void {
  const objective = scenario.objective;
  if (objective === undefined) return;
  const [key, metrics] = "minimize" in objective ? ["minimize", objective.minimize] : ["maximize", objective.maximize];
  if (typeof metrics === "string") return;
  const units = new Set(metrics.map((metric) => METRICS.find((m) => m.name === metric)?.unit));
  if (units.size > 1) {
    context.addIssue({
      code: "custom",
      path: ["objective", key],
      message: `a net sums its metrics, so they must share a unit; these are in ${[...units].join(", ")}`,
    });
  }
}

/** The strategy a game day plays is one the scenario has. */
function checkGamedayStrategy(name: string | undefined, strategies: readonly { readonly name: string }[], context: z.RefinementCtx): void {
  const names = strategies.map((strategy) => strategy.name);
  if (name !== undefined && !names.includes(name)) {
    context.addIssue({ code: "custom", path: ["gameday", "strategy"], message: `no strategy "${name}" (the scenario has: ${names.join(", ")})` });
  }
}

/** A game day's targets are in the cluster, its strategy exists, its incidents within its length. */
function checkGameday(
  scenario: {
    readonly gameday?: Gameday;
    readonly horizon?: number;
    readonly cluster: { readonly racks: number; readonly nodesPerRack: number };
    readonly strategies: readonly { readonly name: string }[];
  },
  context: z.RefinementCtx,
): void {
  const gameday = scenario.gameday;
  if (gameday === undefined) return;
  checkGamedayStrategy(gameday.strategy, scenario.strategies, context);
  const length = gameday.length ?? scenario.horizon ?? Infinity;
  gameday.incidents.forEach((incident, index) => {
    const match = /^r(\d+)(?:n(\d+))?$/.exec(incident.target);
    const rack = Number(match?.[1]);
    const slot = match?.[2] === undefined ? null : Number(match[2]);
    const wantsRack = incident.fault === "rack-power";
    if (match !== null && (rack >= scenario.cluster.racks || (slot !== null && slot >= scenario.cluster.nodesPerRack) || wantsRack !== (slot === null))) {
      context.addIssue({
        code: "custom",
        path: ["gameday", "incidents", index, "target"],
        message: wantsRack
          ? `expected a rack of the cluster, r0 … r${scenario.cluster.racks - 1}`
          : `expected a node of the cluster, r0n0 … r${scenario.cluster.racks - 1}n${scenario.cluster.nodesPerRack - 1}`,
      });
    }
    if (incident.at >= length) {
      context.addIssue({ code: "custom", path: ["gameday", "incidents", index, "at"], message: "is past the game day's end" });
    }
  });
  gameday.maintenance.forEach((window, index) => {
    const match = /^r(\d+)(?:n(\d+))?$/.exec(window.target);
    if (match === null || Number(match[1]) >= scenario.cluster.racks || (match[2] !== undefined && Number(match[2]) >= scenario.cluster.nodesPerRack)) {
      context.addIssue({
        code: "custom",
        path: ["gameday", "maintenance", index, "target"],
        message: `expected a node or a rack of the cluster ("r01n03", "r01"), got "${window.target}"`,
      });
    }
  });
}

/** A service game day's strategy exists, its incidents name replicas it has, within its length. */
function checkServiceGameday(
  scenario: {
    readonly gameday?: ServiceGameday;
    readonly horizon: number;
    readonly service: { readonly name: string; readonly replicas: number; readonly spikes: readonly { readonly at: number; readonly duration: number }[] };
    readonly strategies: readonly { readonly name: string }[];
    readonly slo?: unknown;
  },
  context: z.RefinementCtx,
): void {
  const gameday = scenario.gameday;
  if (gameday === undefined) return;
  checkGamedayStrategy(gameday.strategy, scenario.strategies, context);
  const length = Math.min(gameday.length ?? Infinity, scenario.horizon);
  const spikes = scenario.service.spikes.map((spike) => ({ at: spike.at, end: spike.at + spike.duration, what: "a spike of service.spikes" }));
  gameday.incidents.forEach((incident, index) => {
    const path = ["gameday", "incidents", index];
    const issue = (field: string, message: string) => context.addIssue({ code: "custom", path: [...path, field], message });
    if (incident.fault === "load-spike") {
      if (incident.replica !== undefined) issue("replica", "a load spike strikes the whole service, not a replica");
      if (incident.factor === undefined) issue("factor", "a load spike needs its factor");
      else if (incident.factor > 1_000) issue("factor", `expected at most 1,000 for a load spike, got ${incident.factor}`);
      // Its impact is the error budget burning: without an SLO nothing measures it.
      if (scenario.slo === undefined) issue("fault", "a load spike's impact is measured against slo.availability, which the scenario lacks");
      const end = incident.at + incident.duration;
      const overlap = spikes.find((other) => incident.at < other.end && other.at < end);
      if (overlap !== undefined) issue("at", `overlaps ${overlap.what}`);
      if (end > scenario.horizon) issue("duration", "ends past the horizon");
      spikes.push({ at: incident.at, end, what: `incident ${index}'s spike` });
    } else {
      if (incident.replica === undefined) issue("replica", `a ${incident.fault} needs the replica it strikes`);
      else if (incident.replica >= scenario.service.replicas) issue("replica", `there are ${scenario.service.replicas} replicas, numbered from 0`);
      if (incident.fault === "replica-slowdown") {
        if (incident.factor === undefined) issue("factor", "a slowdown needs its factor");
        else if (incident.factor < 1) issue("factor", `expected at least 1 for a slowdown, got ${incident.factor}`);
      } else if (incident.factor !== undefined) issue("factor", "a replica-failure has no factor");
    }
    if (incident.at >= length) issue("at", "is past the game day's end");
  });
  gameday.maintenance.forEach((window, index) => {
    const replica = /^replica(\d+)$/.exec(window.target);
    if (window.target !== scenario.service.name && (replica === null || Number(replica[1]) >= scenario.service.replicas)) {
      context.addIssue({
        code: "custom",
        path: ["gameday", "maintenance", index, "target"],
        message: `expected a replica ("replica0" … "replica${scenario.service.replicas - 1}") or the service ("${scenario.service.name}"), got "${window.target}"`,
      });
    }
  });
}

/**
 * Gates name strategies the scenario has; each is relative (a tolerance, with a direction
 * where the metric has none) or absolute (min and/or max), never both.
 */
function checkGates(
  scenario: { readonly gates?: Gates; readonly strategies: readonly { readonly name: string }[] },
  context: z.RefinementCtx,
): void {
  const names = scenario.strategies.map((strategy) => strategy.name);
  scenario.gates?.metrics.forEach((gate, index) => {
    const path = ["gates", "metrics", index];
    const issue = (field: string | null, message: string) =>
      context.addIssue({ code: "custom", path: field === null ? path : [...path, field], message });
    gate.strategies?.forEach((name, i) => {
      if (!names.includes(name)) {
        context.addIssue({
          code: "custom",
          path: [...path, "strategies", i],
          message: `no strategy "${name}" (the scenario has: ${names.join(", ")})`,
        });
      }
    });
    const absolute = gate.min !== undefined || gate.max !== undefined;
    if (gate.tolerance === undefined && !absolute) {
      issue(null, "give a tolerance (judged against a baseline) or a min and/or max (absolute)");
      return;
    }
    if (gate.tolerance !== undefined && absolute) {
      issue("tolerance", "a gate is relative (tolerance) or absolute (min, max), not both; write two gates");
      return;
    }
    if (absolute) {
      if (gate.better !== undefined) issue("better", "an absolute gate has no direction: min and max say what passes");
      if (gate.min !== undefined && gate.max !== undefined && gate.min > gate.max) issue("max", `is below min (${gate.min})`);
      return;
    }
    if (gate.confidence !== undefined) {
      issue("confidence", "only an absolute gate (min, max) takes its own confidence; relative gates use gates.confidence");
    }
    if (gate.better === undefined && METRIC_BETTER[gate.metric] === "neither") {
      issue("better", `${gate.metric} is neither better higher nor lower in general; say which here`);
    }
  });
}


/** A bound on the work a run would do, in the issue's words: the path, the figure, the bound and why. */
type BoundIssue = { readonly path: readonly (string | number)[]; readonly message: string };

function addBoundIssues(issues: readonly BoundIssue[], context: z.RefinementCtx): void {
  for (const issue of issues) context.addIssue({ code: "custom", path: [...issue.path], message: issue.message });
}

/** Steps of a periodic process over `horizonS` within STEPS_MAX (or `max`, for `why`). */
function periodIssues(horizonS: number, periods: readonly { path: (string | number)[]; periodS: number; weight?: number }[], max = STEPS_MAX): BoundIssue[] {
  return periods.flatMap(({ path, periodS, weight }) => {
    const steps = (horizonS / periodS) * (weight ?? 1);
    return steps > max
      ? [{ path, message: `${formatBound(Math.round(steps))} steps over the horizon (${weight === undefined ? "" : "× nodes, "}at most ${formatBound(max)}: a run that long would not end in reasonable time); take a longer period or a shorter horizon` }]
      : [];
  });
}

/**
 * The work a cluster run over `horizonS` would do is within bounds: tasks arriving, and
 * periodic steps (those that visit every node count once per node).
 */
export function clusterRunBoundIssues(scenario: ClusterScenario, horizonS: number): BoundIssue[] {
  const issues: BoundIssue[] = [];
  const generator = scenario.workload.generator;
  if (generator !== undefined) {
    const weekly = (5 + 2 * generator.weekendFactor) / 7;
    const bursts = generator.bursts === undefined ? 0 : (generator.bursts.perDay / 24) * meanOf(generator.bursts.size);
    const tasks = (generator.arrivalsPerHour * weekly + bursts) * (horizonS / 3_600);
    if (tasks > JOBS_MAX) {
      issues.push({
        path: ["workload", "generator", "arrivalsPerHour"],
        message: `about ${formatBound(Math.round(tasks))} jobs would arrive over the horizon; at most ${formatBound(JOBS_MAX)} (a waiting job holds about 500 bytes)`,
      });
    }
  }
  const nodes = scenario.cluster.racks * scenario.cluster.nodesPerRack;
  for (const expected of expectedFailures(scenario, horizonS)) {
    if (expected.count > FAILURES_MAX) {
      issues.push({
        path: expected.path,
        message: `about ${formatBound(Math.round(expected.count))} failures over the horizon; at most ${formatBound(FAILURES_MAX)} (each is kept for the failure timeline)`,
      });
    }
  }
  scenario.controlPlane.forEach((service, index) => {
    const units = service.ha.kind === "quorum" ? service.ha.units : service.ha.kind === "active-passive" ? 2 : 1;
    if (units * (horizonS / service.mtbf) > FAILURES_MAX) {
      issues.push({ path: ["controlPlane", index, "mtbf"], message: `about ${formatBound(Math.round(units * (horizonS / service.mtbf)))} unit failures over the horizon; at most ${formatBound(FAILURES_MAX)}` });
    }
  });
  const periods: { path: (string | number)[]; periodS: number; weight?: number }[] = [];
  for (const period of failureNodePeriods(scenario)) periods.push({ ...period, weight: nodes });
  scenario.strategies.forEach((strategy, index) => {
    if (strategy.healthPolicy) periods.push({ path: ["strategies", index, "healthPolicy", "checkInterval"], periodS: strategy.healthPolicy.checkInterval, weight: nodes });
    for (const [name, ha] of Object.entries(strategy.ha ?? {})) {
      if (ha.kind === "active-passive") periods.push({ path: ["strategies", index, "ha", name, "heartbeatInterval"], periodS: ha.heartbeatInterval });
    }
  });
  scenario.controlPlane.forEach((service, index) => {
    if (service.ha.kind === "active-passive") periods.push({ path: ["controlPlane", index, "ha", "heartbeatInterval"], periodS: service.ha.heartbeatInterval });
  });
  return [...issues, ...periodIssues(horizonS, periods.filter((p) => p.weight === undefined)), ...periodIssues(horizonS, periods.filter((p) => p.weight !== undefined), NODE_STEPS_MAX)];
}

function checkClusterRunBounds(scenario: ClusterScenario, horizonS: number, context: z.RefinementCtx): void {
  addBoundIssues(clusterRunBoundIssues(scenario, horizonS), context);
}

/** A service run's requests and samples are within bounds. */
function checkServiceRunBounds(scenario: ServiceScenario, context: z.RefinementCtx): void {
  const issues: BoundIssue[] = [];
  // With a back tier, every request is served twice: it counts twice. Spikes add
  // (factor − 1) × their duration of base-rate traffic each.
  const tiers = scenario.service.backend === undefined ? 1 : 2;
  const spikeSeconds = scenario.service.spikes.reduce((sum, spike) => sum + (spike.factor - 1) * spike.duration, 0);
  const requests = tiers * scenario.service.arrivalsPerSecond * (scenario.horizon + Math.max(0, spikeSeconds));
  if (requests > REQUESTS_MAX) {
    issues.push({
      path: ["service", "arrivalsPerSecond"],
      message: `about ${formatBound(Math.round(requests))} requests${tiers === 2 ? " at the two tiers" : ""} over the horizon; at most ${formatBound(REQUESTS_MAX)} (each is a handful of events)`,
    });
  }
  if (scenario.horizon / scenario.sampleEvery > SAMPLES_MAX) {
    issues.push({
      path: ["sampleEvery"],
      message: `${formatBound(Math.round(scenario.horizon / scenario.sampleEvery))} windows over the horizon; at most ${formatBound(SAMPLES_MAX)} (the time series is kept whole)`,
    });
  }
  const periods: { path: (string | number)[]; periodS: number }[] = [];
  if (scenario.service.health !== undefined) periods.push({ path: ["service", "health", "interval"], periodS: scenario.service.health.interval });
  if (scenario.service.leak !== undefined) periods.push({ path: ["service", "leak", "step"], periodS: scenario.service.leak.step });
  scenario.strategies.forEach((strategy, index) => {
    const check = strategy.mitigations.memoryCheck;
    if (check !== undefined) periods.push({ path: ["strategies", index, "mitigations", "memoryCheck", "interval"], periodS: check.interval });
  });
  issues.push(...periodIssues(scenario.horizon, periods.map((p) => ({ ...p, weight: undefined })), STEPS_MAX));
  addBoundIssues(issues, context);
}

/** What an operator may do in a game day that mitigates an incident. */
export const MITIGATIONS = ["drain", "quarantine", "rollback-driver", "repair"] as const;
/** What an operator may do in a service's game day that mitigates an incident. */
export const SERVICE_MITIGATIONS = ["restore-replica", "scale-out", "breaker-on"] as const;

/** What every game day shares: its strategy, length, objectives, alerting and maintenance. */
const gamedayCommon = {
  strategy: z.string().optional().describe("the strategy played (default: the first)"),
  length: zDuration({ positive: true }).optional().describe("simulated time the game day lasts (default: the horizon)"),
  objectives: z
    .strictObject({
      detectWithin: zDuration({ positive: true }).default(1_800),
      mitigateWithin: zDuration({ positive: true }).default(7_200),
      errorBudget: positive().default(1).describe("SLO error budget the day may spend"),
    })
    .prefault({}),
  alerting: z
    .strictObject({
      evaluateEvery: zDuration({ positive: true }).optional().describe("how often rules are evaluated (default: 1 min on a cluster, 1 s on a service)"),
      burnRate: z.number().gt(0).max(1e6, atMost(1e6, "")).default(2).describe("page when the error budget burns faster than this over both windows"),
      longWindow: zDuration({ positive: true }).optional().describe("the burn rate's long window (default: 1 h on a cluster, 1 min on a service)"),
      shortWindow: zDuration({ positive: true }).optional().describe("the burn rate's short window (default: 5 min on a cluster, 10 s on a service)"),
    })
    .prefault({})
    .describe("the monitoring that pages and files tickets during the day"),
  maintenance: z
    .array(
      z.strictObject({
        target: z.string().min(1).describe("a node, a rack, a replica (\"replica2\") or a service: its alerts are suppressed"),
        at: zDuration(),
        duration: zDuration({ positive: true }),
      }),
    )
    .max(1_000, "expected at most 1,000 maintenance windows")
    .default([])
    .describe("planned maintenance windows: alerts on their targets are suppressed"),
};

/** What every scripted incident has: a title the debrief gives, its start, how long the fault lasts. */
const incidentCommon = { title: z.string().min(1), at: zDuration(), duration: zDuration({ positive: true }) };

/**
 * A scripted game day (`faultline gameday`): incidents the operator is not told about, at
 * their times, and the objectives the debrief scores against.
 */
const gamedaySchema = z.strictObject({
  ...gamedayCommon,
  incidents: z
    .array(
      z.strictObject({
        ...incidentCommon,
        fault: z.enum(AD_HOC_KINDS),
        target: z.string().regex(/^r\d+(n\d+)?$/, 'expected a node ("r01n03") or, for rack-power, a rack ("r01")'),
        mitigation: z.array(z.enum(MITIGATIONS)).min(1).optional().describe("actions on it that may mitigate it, once its impact ends (default: any but an ack)"),
      }),
    )
    .min(1),
});

/** A service's scripted game day: incidents on its replicas. */
const serviceGamedaySchema = z.strictObject({
  ...gamedayCommon,
  incidents: z
    .array(
      z.strictObject({
        ...incidentCommon,
        fault: z.enum(["replica-failure", "replica-slowdown", "load-spike"]),
        replica: countUpTo(10_000, "", true).optional().describe("the replica a replica-failure or replica-slowdown strikes"),
        factor: z
          .number()
          .gt(0)
          .max(1e6, atMost(1e6, ""))
          .optional()
          .describe("replica-slowdown: the service time multiplier (at least 1); load-spike: the arrival rate multiplier (at most 1,000)"),
        mitigation: z
          .array(z.enum(SERVICE_MITIGATIONS))
          .min(1)
          .optional()
          .describe("actions that may mitigate it, once its impact ends (default: restarting its replica; for a load spike, scaling out)"),
      }),
    )
    .min(1)
    .max(1_000, "expected at most 1,000 incidents"),
});

export type Gameday = z.output<typeof gamedaySchema>;
export type ServiceGameday = z.output<typeof serviceGamedaySchema>;

const clusterScenarioSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "use lowercase letters, digits and '-'"),
    description: z.string().min(1).describe("the question the scenario answers"),
    seed: countUpTo(SEED_MAX, "replication r uses seed + r", true).default(1),
    horizon: zDuration({ positive: true })
      .optional()
      .describe("simulated time per replication; a trace replay without one runs until every job ended"),
    replications: countUpTo(REPLICATIONS_MAX).default(10),
    cluster: clusterSchema,
    workload: workloadSchema,
    scheduler: schedulerSchema.prefault({ policy: "fifo" }),
    failures: z.array(failureSchema).default([]),
    strategies: z.array(strategySchema).min(1),
    slo: sloSchema.optional(),
    controlPlane: z.array(serviceSchema).default([]).describe("services the cluster needs, with their HA"),
    gates: gatesSchema.optional(),
    objective: objectiveSchema.optional(),
    gameday: gamedaySchema.optional(),
  })
  .superRefine((scenario, context) => {
    const seen = new Set<string>();
    scenario.strategies.forEach((strategy, index) => {
      if (seen.has(strategy.name)) {
        context.addIssue({
          code: "custom",
          path: ["strategies", index, "name"],
          message: `strategy name "${strategy.name}" is used twice`,
        });
      }
      seen.add(strategy.name);
    });
    checkGates(scenario, context);
    checkObjective(scenario, context);
    checkGameday(scenario, context);
    if (scenario.horizon !== undefined) checkClusterRunBounds(scenario, scenario.horizon, context);
    const nodeCount = scenario.cluster.racks * scenario.cluster.nodesPerRack;
    const parts = scenario.workload.generator?.nodes;
    const largest = parts === undefined ? undefined : largestValue(parts);
    if (largest !== undefined && Math.round(largest) > nodeCount) {
      context.addIssue({
        code: "custom",
        path: ["workload", "generator", "nodes"],
        message: `jobs of up to ${Math.round(largest)} nodes, but the cluster has ${nodeCount}; such a job could never run`,
      });
    }
    if (scenario.horizon === undefined && scenario.workload.trace === undefined) {
      context.addIssue({ code: "custom", path: ["horizon"], message: "a generated workload needs a horizon" });
    }
    const serviceNames = scenario.controlPlane.map((service) => service.name);
    scenario.strategies.forEach((strategy, index) => {
      for (const name of Object.keys(strategy.ha ?? {})) {
        if (!serviceNames.includes(name)) {
          context.addIssue({
            code: "custom",
            path: ["strategies", index, "ha", name],
            message: `no control-plane service is named "${name}" (services: ${serviceNames.join(", ") || "none"})`,
          });
        }
      }
    });
    if (scenario.workload.startup !== undefined && scenario.cluster.storage === undefined) {
      context.addIssue({ code: "custom", path: ["workload", "startup"], message: "start-up I/O needs cluster.storage" });
    }
    if (scenario.workload.trace !== undefined) {
      if (scenario.workload.tasksPerJob > 1) {
        context.addIssue({ code: "custom", path: ["workload", "tasksPerJob"], message: "bundling applies to generated tasks, not a trace" });
      }
      scenario.strategies.forEach((strategy, index) => {
        if ((strategy.tasksPerJob ?? 1) > 1) {
          context.addIssue({ code: "custom", path: ["strategies", index, "tasksPerJob"], message: "bundling applies to generated tasks, not a trace" });
        }
      });
    }
    for (const issue of failureIssues(scenario)) context.addIssue({ code: "custom", path: [...issue.path], message: issue.message });
    for (const issue of gpuAllocationIssues(scenario)) context.addIssue({ code: "custom", path: [...issue.path], message: issue.message });
    const crashes = scenario.failures.filter((failure) => failure.kind === "node-crash").length;
    scenario.strategies.forEach((strategy, index) => {
      if (strategy.fabric !== undefined) {
        addBoundIssues(fabricIssues(strategy.fabric, scenario.cluster.racks, ["strategies", index, "fabric"]), context);
        if (scenario.cluster.fabric === undefined) {
          context.addIssue({ code: "custom", path: ["strategies", index, "fabric"], message: "replaces cluster.fabric, which the scenario does not have" });
        }
      }
      if (strategy.allReduceAlgorithm !== undefined && scenario.workload.generator?.allReduce === undefined) {
        context.addIssue({ code: "custom", path: ["strategies", index, "allReduceAlgorithm"], message: "replaces workload.generator.allReduce.algorithm, which the scenario does not have" });
      }
    });
    scenario.strategies.forEach((strategy, index) => {
      const pooled = (strategy.pools ?? []).reduce((sum, pool) => sum + pool.racks, 0);
      if (strategy.pools !== undefined && pooled !== scenario.cluster.racks) {
        context.addIssue({
          code: "custom",
          path: ["strategies", index, "pools"],
          message: `pools hold ${pooled} racks but the cluster has ${scenario.cluster.racks}`,
        });
      }
    });
    scenario.strategies.forEach((strategy, index) => {
      const checkpoint = strategy.checkpoint;
      if ((checkpoint.policy === "young" || checkpoint.policy === "daly") && checkpoint.assumedMtbf === undefined && crashes === 0) {
        context.addIssue({
          code: "custom",
          path: ["strategies", index, "checkpoint", "policy"],
          message: `${checkpoint.policy} needs a node-crash failure model for its MTBF, or an assumedMtbf`,
        });
      }
      if (checkpoint.policy === "fixed" && checkpoint.tier === "burst-buffer" && scenario.cluster.storage?.burstBuffer === undefined) {
        context.addIssue({
          code: "custom",
          path: ["strategies", index, "checkpoint", "tier"],
          message: "a burst-buffer tier needs cluster.storage.burstBuffer",
        });
      }
      if (checkpoint.policy === "fixed" && checkpoint.sizeGB !== undefined && scenario.cluster.storage === undefined) {
        context.addIssue({
          code: "custom",
          path: ["strategies", index, "checkpoint", "sizeGB"],
          message: "a checkpoint with a size needs cluster.storage to write to",
        });
      }
      // The multi-level store knows where the last copy is (buffer or filesystem), not older
      // ones: a fallback's read could not be timed, so the two are not combined.
      if (checkpoint.policy === "fixed" && checkpoint.tier === "burst-buffer" && (checkpoint.corruptProbability ?? 0) > 0) {
        context.addIssue({
          code: "custom",
          path: ["strategies", index, "checkpoint", "corruptProbability"],
          message: "corrupt checkpoints are not modelled with the burst-buffer tier",
        });
      }
    });
    if (crashes > 1) {
      context.addIssue({ code: "custom", path: ["failures"], message: "at most one node-crash failure model" });
    }
  });

const replicaServiceSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/).default("service"),
  replicas: countUpTo(10_000, "replicas of one service"),
  serviceTime: zDuration({ positive: true }).describe("mean time to serve one request (exponential); an expensive one takes expensiveFactor × as long"),
  concurrency: countUpTo(10_000).default(1).describe("requests one replica serves at once"),
  arrivalsPerSecond: positive().describe("Poisson rate of requests from the clients"),
  balancer: z.enum(["round-robin", "join-shortest-queue", "central-queue"]).default("round-robin"),
  queueMax: count.default(100).describe("requests a replica holds waiting; more are rejected"),
  client: z
    .strictObject({
      timeout: zDuration({ positive: true }).describe("a client gives up on an attempt after this"),
      retries: countUpTo(100, "", true).default(0),
    })
    .optional(),
  health: z
    .strictObject({
      interval: zDuration({ positive: true }).default(1),
      timeout: zDuration({ positive: true }).describe("a probe waiting longer is bad"),
      unhealthyAfter: count.default(3).describe("bad probes in a row that eject a replica"),
      healthyAfter: count.default(2).describe("good probes in a row that re-admit it"),
    })
    .refine((health) => health.timeout <= health.interval, { message: "a probe's timeout must not exceed the interval between probes", path: ["timeout"] })
    .optional()
    .describe("the balancer's health checks (not with a central queue)"),
  leak: z
    .strictObject({
      baseMiB: positive(),
      limitMiB: positive(),
      leakMiBPerHour: positive(),
      swapAtFraction: z.number().gt(0).lt(1).default(0.8).describe("memory share past which the process swaps"),
      slowdownAtLimit: z.number().min(1).max(1_000, atMost(1_000, "")).default(10).describe("service slowdown when memory reaches the limit"),
      restart: zDuration({ positive: true }).default(10).describe("time to restart after an OOM kill"),
      step: zDuration({ positive: true }).default(1).describe("how often the slowdown follows memory"),
    })
    .refine((leak) => leak.limitMiB > leak.baseMiB, { message: "limitMiB must exceed baseMiB", path: ["limitMiB"] })
    .optional()
    .describe("a memory leak in every replica's process"),
  backend: z
    .strictObject({
      name: z.string().regex(/^[a-z][a-z0-9-]*$/).default("backend"),
      replicas: countUpTo(10_000, "replicas of one service"),
      serviceTime: zDuration({ positive: true }).describe("mean time to serve one request (exponential)"),
      concurrency: countUpTo(10_000).default(1).describe("requests one back replica serves at once"),
      balancer: z.enum(["round-robin", "join-shortest-queue", "central-queue"]).default("round-robin"),
      queueMax: count.default(100).describe("requests a back replica holds waiting; more are rejected"),
      timeout: zDuration({ positive: true }).optional().describe("the front gives up on a back-tier attempt after this"),
      retries: countUpTo(100, "", true).default(0).describe("the front's retries of a back-tier call"),
    })
    .optional()
    .describe("a back tier every request calls, holding its front slot until the answer; the strategies' backoff, retryBudget, breaker and shedQueueLength apply to this hop too"),
  spikes: z
    .array(
      z.strictObject({
        at: zDuration(),
        duration: zDuration({ positive: true }),
        factor: z.number().gt(0).max(1_000, atMost(1_000, "")).describe("arrival rate multiplier during the window"),
      }),
    )
    .max(1_000, { error: (issue) => `expected at most 1,000 spikes, got ${Array.isArray(issue.input) ? issue.input.length : "more"}` })
    .default([])
    .describe("load spikes: windows (within the horizon, not overlapping) when clients send factor × arrivalsPerSecond"),
  expensiveShare: z.number().min(0).max(1).default(0).describe("share of requests that are expensive"),
  expensiveFactor: z.number().min(1).max(1_000, atMost(1_000, "")).default(1).describe("an expensive request's service time is this × a drawn one"),
});

const mitigationsSchema = z.strictObject({
  backoff: z
    .strictObject({ base: zDuration({ positive: true }), max: zDuration({ positive: true }) })
    .optional()
    .describe("exponential backoff with full jitter between retries"),
  retryBudget: z.number().gt(0).max(100, atMost(100, "")).optional().describe("retries allowed per request, on average (a token bucket)"),
  breaker: z
    .strictObject({
      errorRate: z.number().gt(0).max(1),
      window: zDuration({ positive: true }),
      minRequests: count.default(20),
      open: zDuration({ positive: true }),
    })
    .optional()
    .describe("a circuit breaker that fails fast while open"),
  slowStart: zDuration({ positive: true }).optional().describe("ramp a re-admitted replica's traffic over this"),
  shedQueueLength: count.optional().describe("reject at once when a replica's queue is this long"),
  memoryCheck: z
    .strictObject({ restartAtFraction: z.number().gt(0).lt(1), interval: zDuration({ positive: true }).default(1) })
    .optional()
    .describe("restart a leaking process before the OOM killer does"),
});

const faultTier = z.enum(["front", "backend"]).optional().describe("the tier of the replica: front (the default) or service.backend");

const serviceFaultSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("replica-failure"),
    tier: faultTier,
    replica: countUpTo(10_000, "", true),
    at: zDuration(),
    duration: zDuration({ positive: true }),
  }),
  z.strictObject({
    kind: z.literal("replica-slowdown"),
    tier: faultTier,
    replica: countUpTo(10_000, "", true),
    at: zDuration(),
    duration: zDuration({ positive: true }),
    factor: z.number().min(1).max(1e6, atMost(1e6, "")).describe("service time multiplier"),
  }),
]);

const serviceScenarioSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "use lowercase letters, digits and '-'"),
    description: z.string().min(1).describe("the question the scenario answers"),
    seed: countUpTo(SEED_MAX, "replication r uses seed + r", true).default(1),
    horizon: zDuration({ positive: true }),
    replications: countUpTo(REPLICATIONS_MAX).default(10),
    sampleEvery: zDuration({ positive: true }).default(5).describe("window of the time series"),
    service: replicaServiceSchema,
    failures: z.array(serviceFaultSchema).default([]),
    strategies: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "use letters, digits, '.', '_' or '-'"),
          mitigations: mitigationsSchema.prefault({}),
        }),
      )
      .min(1),
    slo: z.strictObject({ availability: z.number().gt(0).lt(1) }).optional(),
    gates: gatesSchema.optional(),
    objective: objectiveSchema.optional(),
    gameday: serviceGamedaySchema.optional(),
  })
  .superRefine((scenario, context) => {
    const seen = new Set<string>();
    scenario.strategies.forEach((strategy, index) => {
      if (seen.has(strategy.name)) {
        context.addIssue({ code: "custom", path: ["strategies", index, "name"], message: `strategy name "${strategy.name}" is used twice` });
      }
      seen.add(strategy.name);
    });
    checkGates(scenario, context);
    checkObjective(scenario, context);
    checkServiceGameday(scenario, context);
    checkServiceRunBounds(scenario, context);
    const leak = scenario.service.leak;
    if (leak !== undefined && leak.baseMiB >= leak.swapAtFraction * leak.limitMiB) {
      context.addIssue({ code: "custom", path: ["service", "leak", "swapAtFraction"], message: "a fresh process must not swap: baseMiB must be below swapAtFraction × limitMiB" });
    }
    scenario.strategies.forEach((strategy, index) => {
      const check = strategy.mitigations.memoryCheck;
      if (check !== undefined && (leak === undefined || check.restartAtFraction * leak.limitMiB <= leak.baseMiB)) {
        context.addIssue({
          code: "custom",
          path: ["strategies", index, "mitigations", "memoryCheck"],
          message: leak === undefined ? "a memory check needs service.leak" : "restartAtFraction × limitMiB must be above baseMiB",
        });
      }
      // A trial request with no timeout could hold the breaker half-open for ever.
      if (strategy.mitigations.breaker !== undefined && scenario.service.client === undefined) {
        context.addIssue({ code: "custom", path: ["strategies", index, "mitigations", "breaker"], message: "a circuit breaker needs service.client.timeout" });
      }
    });
    const backend = scenario.service.backend;
    scenario.failures.forEach((failure, index) => {
      if (failure.tier === "backend" && backend === undefined) {
        context.addIssue({ code: "custom", path: ["failures", index, "tier"], message: "a backend fault needs service.backend" });
        return;
      }
      const replicas = failure.tier === "backend" ? (backend?.replicas ?? 0) : scenario.service.replicas;
      if (failure.replica >= replicas) {
        context.addIssue({
          code: "custom",
          path: ["failures", index, "replica"],
          message: `there are ${replicas} ${failure.tier === "backend" ? "backend " : ""}replicas, numbered from 0`,
        });
      }
    });
    if (backend !== undefined) {
      // The tiers' names name their random streams.
      if (backend.name === scenario.service.name) {
        context.addIssue({ code: "custom", path: ["service", "backend", "name"], message: `the backend needs a name other than the service's ("${backend.name}")` });
      }
      // The leak model is the front's client; a leaking front calling a back tier is not modelled.
      if (scenario.service.leak !== undefined) {
        context.addIssue({ code: "custom", path: ["service", "backend"], message: "a backend with service.leak is not modelled" });
      }
      scenario.strategies.forEach((strategy, index) => {
        if (strategy.mitigations.breaker !== undefined && backend.timeout === undefined) {
          context.addIssue({ code: "custom", path: ["strategies", index, "mitigations", "breaker"], message: "a circuit breaker needs service.backend.timeout too (it guards both hops)" });
        }
      });
    }
    if (scenario.service.health !== undefined && scenario.service.balancer === "central-queue") {
      context.addIssue({ code: "custom", path: ["service", "health"], message: "health checks need per-replica queues (not central-queue)" });
    }
    checkSpikes(scenario, context);
  });

/** Load spikes lie within the horizon and do not overlap. */
function checkSpikes(scenario: ServiceScenario, context: z.RefinementCtx): void {
  const spikes = scenario.service.spikes;
  const order = spikes.map((_, index) => index).sort((a, b) => spikes[a].at - spikes[b].at || a - b);
  let previous = -1;
  for (const index of order) {
    const spike = spikes[index];
    if (spike.at + spike.duration > scenario.horizon) {
      context.addIssue({ code: "custom", path: ["service", "spikes", index, "duration"], message: `the spike ends at ${spike.at + spike.duration} s, after the horizon (${scenario.horizon} s)` });
    }
    if (previous >= 0 && spike.at < spikes[previous].at + spikes[previous].duration) {
      context.addIssue({ code: "custom", path: ["service", "spikes", index, "at"], message: `overlaps spike ${previous} (${spikes[previous].at}–${spikes[previous].at + spikes[previous].duration} s)` });
    }
    previous = index;
  }
}

/**
 * A scenario file: a cluster (nodes, jobs, schedulers, failures) or a service (replicas
 * behind a load balancer, their clients, faults), told apart by a `service` section.
 */
export const scenarioSchema = z.union([clusterScenarioSchema, serviceScenarioSchema]);

/** A cluster scenario after validation: durations in seconds, defaults filled in. */
export type ClusterScenario = z.output<typeof clusterScenarioSchema>;
export type ServiceScenario = z.output<typeof serviceScenarioSchema>;
export type Scenario = ClusterScenario | ServiceScenario;
export type Strategy = ClusterScenario["strategies"][number];

export function isServiceScenario(scenario: Scenario): scenario is ServiceScenario {
  return "service" in scenario;
}
