import { dalyIntervalS, youngIntervalS } from "./optimal-interval.js";

/**
 * A checkpoint policy as the attempt executor runs it (`models/workload/attempt.ts`):
 * compute in segments of `intervalUs`, each but the last followed by a checkpoint write;
 * on resuming, read the last checkpoint back first.
 *
 * With a fixed-cost store, a write takes `costUs` and a read `restartUs`. With the storage
 * model, a write moves `sizeBytes` to the parallel filesystem and takes as long as its
 * share of the bandwidth makes it, and may time out.
 */
export interface CheckpointPlan {
  /** Policy name as the scenario spells it. */
  readonly policy: string;
  /** Compute between checkpoints, µs; Infinity when the policy never checkpoints. */
  readonly intervalUs: number;
  /** Time to write one checkpoint on a fixed-cost store, µs. */
  readonly costUs: number;
  /** Time to read a checkpoint back on a fixed-cost store, µs. */
  readonly restartUs: number;
  /** Bytes a checkpoint moves, when the storage model times it; 0 otherwise. */
  readonly sizeBytes: number;
  /**
   * Young or Daly: the interval is computed per job from the checkpoint cost and the job's
   * MTBF (one node's MTBF over its node count), and `intervalUs` is unused.
   */
  readonly optimal?: { readonly formula: "young" | "daly"; readonly nodeMtbfUs: number };
  /** Checkpoint at once when told the node will be taken away (a spot reclaim notice). */
  readonly onNotice?: boolean;
  /**
   * Adaptive: Young or Daly with the node MTBF estimated online from the failures seen so
   * far (a prior counts as one failure), instead of a given `optimal.nodeMtbfUs`.
   */
  readonly adaptive?: { readonly formula: "young" | "daly"; readonly priorNodeMtbfUs: number };
  /**
   * Incremental: a full checkpoint every `fullEvery`, in between only the share that changed
   * (`dirtyFraction` of the size and cost); a restart reads the full one and the increments.
   */
  readonly incremental?: { readonly fullEvery: number; readonly dirtyFraction: number };
  /**
   * Silent corruption: each checkpoint written is unreadable with this probability (in
   * [0, 1); absent or 0: never), found out only when a restart reads it back, which then
   * falls back to the newest checkpoint still readable (an increment needs its full
   * checkpoint and every increment between them readable), or to the start.
   */
  readonly corruptProbability?: number;
}

/** What the cluster has seen of node failures: for adaptive checkpointing. */
export interface MtbfEstimate {
  /** The current estimate of one node's MTBF, µs. */
  nodeMtbfUs(): number;
}

/** Compute between checkpoints for a job of `nodeCount` nodes, µs. */
export function intervalForUs(plan: CheckpointPlan, nodeCount: number, estimate: MtbfEstimate | null = null): number {
  const formula = plan.adaptive?.formula ?? plan.optimal?.formula;
  if (formula === undefined) return plan.intervalUs;
  const nodeMtbfUs = plan.adaptive !== undefined ? estimate!.nodeMtbfUs() : plan.optimal!.nodeMtbfUs;
  const costS = plan.costUs / 1e6;
  const mtbfS = nodeMtbfUs / 1e6 / nodeCount;
  const intervalS = formula === "young" ? youngIntervalS(costS, mtbfS) : dalyIntervalS(costS, mtbfS);
  return Math.max(1, Math.round(intervalS * 1e6));
}

export const NO_CHECKPOINT: CheckpointPlan = {
  policy: "none",
  intervalUs: Infinity,
  costUs: 0,
  restartUs: 0,
  sizeBytes: 0,
};
