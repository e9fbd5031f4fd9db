import type { Sim } from "../../sim/sim.js";
import type { Cluster } from "../hardware/cluster.js";
import type { RunMetrics } from "../metrics.js";
import type { Job } from "../workload/job.js";

/**
 * A part of a cluster run that the scenario turns on (a failure model, the fabric, the
 * control plane, preemption): the model holds it only then, in its list of parts, and
 * calls these hooks; a part implements the ones it needs.
 */
export interface ClusterPart {
  /** Begins its processes as the run starts (parts start in the order the model holds them). */
  start?(): void;
  /** Writes its own metrics over the run's (those the core leaves null). */
  addMetrics?(metrics: RunMetricsDraft, endUs: number): void;
  /** Node·µs of capacity the provider took back and did not charge for (spot reclaims). */
  unpaidNodeUs?(endUs: number): number;
}

/** The metrics of a run while parts fill in theirs. */
export type RunMetricsDraft = { -readonly [K in keyof RunMetrics]: RunMetrics[K] };

/** A running attempt cut short: the job, what failed under it, and the node (or -1). */
export type JobKilledListener = (job: Job, cause: string, node: number) => void;

/**
 * What a failure model may touch in a run: the cluster's verbs, the jobs' comings and
 * goings, and the components its faults act through (asserted present: the scenario's
 * schema checked it).
 */
export interface ClusterContext {
  readonly sim: Sim;
  readonly cluster: Cluster;
  /** Nodes of the spot pools (pools take racks in order); empty without any. */
  readonly spotNodes: readonly number[];
  /** Tells `listener` of every attempt as it starts. */
  onJobStarted(listener: (job: Job) => void): void;
  /** Tells `listener` of every attempt a failure kills. */
  onJobKilled(listener: JobKilledListener): void;
  /** A spot node will be reclaimed after its notice: a job on it that checkpoints on notice starts one now. */
  noticeReclaim(node: number): void;
}

/** Builds a failure model for a run: null when it has nothing to act on (spot reclaims without spot nodes). */
export type FailureWiring = (context: ClusterContext) => ClusterPart | null;
