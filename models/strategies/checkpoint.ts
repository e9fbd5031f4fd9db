import { assert } from "../../sim/assert.js";

/**
 * Checkpoint/restart as a timeline. An attempt that resumes a job with R µs of work left
 * runs: a restart (reading the last checkpoint back, only when the job has progress), then
 * compute in segments of τ, each but the last followed by a checkpoint of cost C:
 *
 *     restart | τ | C | τ | C | … | last segment (≤ τ)
 *
 * Because the timeline is fixed once the attempt starts, the whole attempt needs one event
 * (its end); a failure mid-attempt is resolved here by arithmetic: work in completed
 * segments whose checkpoint finished is kept, the rest is lost. Checkpoints are taken
 * after compute, never at the very end (the job's output is its last state).
 *
 * Leaves out, for now: storage contention (C and R are given, not derived from bandwidth),
 * checkpoints failing for reasons other than the job being interrupted.
 */
export interface CheckpointPlan {
  /** Policy name as the scenario spells it. */
  readonly policy: string;
  /** Compute between checkpoints, µs; Infinity when the policy never checkpoints. */
  readonly intervalUs: number;
  /** Time to write one checkpoint, µs. */
  readonly costUs: number;
  /** Time to read a checkpoint back before resuming, µs. */
  readonly restartUs: number;
}

export const NO_CHECKPOINT: CheckpointPlan = { policy: "none", intervalUs: Infinity, costUs: 0, restartUs: 0 };

/** Checkpoints written while computing `remainingUs` of work (none after the last segment). */
export function checkpointsNeeded(plan: CheckpointPlan, remainingUs: number): number {
  assert(remainingUs > 0);
  if (plan.intervalUs === Infinity) return 0;
  return Math.ceil(remainingUs / plan.intervalUs) - 1;
}

/** Restart time paid at the start of an attempt. */
export function restartCostUs(plan: CheckpointPlan, resumed: boolean): number {
  return resumed ? plan.restartUs : 0;
}

/** Wall time of an attempt that is not interrupted. */
export function attemptDurationUs(plan: CheckpointPlan, remainingUs: number, resumed: boolean): number {
  return restartCostUs(plan, resumed) + remainingUs + checkpointsNeeded(plan, remainingUs) * plan.costUs;
}

/** What an interrupted attempt leaves. All times in µs of wall time on the job's nodes. */
export interface InterruptedAttempt {
  /** Work made safe by checkpoints that completed in this attempt. */
  readonly committedUs: number;
  /** Compute done since the last completed checkpoint: lost. */
  readonly lostComputeUs: number;
  /** Restart time plus checkpoint writing, including a checkpoint cut short. */
  readonly overheadUs: number;
  readonly checkpointsCompleted: number;
  /** A checkpoint was being written when the attempt was interrupted. */
  readonly checkpointCut: boolean;
}

/** Resolves an attempt interrupted `elapsedUs` after it started (before it would end). */
export function interruptAttempt(
  plan: CheckpointPlan,
  remainingUs: number,
  resumed: boolean,
  elapsedUs: number,
): InterruptedAttempt {
  assert(elapsedUs >= 0);
  assert(elapsedUs < attemptDurationUs(plan, remainingUs, resumed) || remainingUs === 0);
  const restartUs = restartCostUs(plan, resumed);
  if (elapsedUs <= restartUs) {
    return { committedUs: 0, lostComputeUs: 0, overheadUs: elapsedUs, checkpointsCompleted: 0, checkpointCut: false };
  }
  const runningUs = elapsedUs - restartUs;
  if (plan.intervalUs === Infinity) {
    return { committedUs: 0, lostComputeUs: runningUs, overheadUs: restartUs, checkpointsCompleted: 0, checkpointCut: false };
  }
  const cycleUs = plan.intervalUs + plan.costUs;
  const completed = Math.floor(runningUs / cycleUs);
  const intoCycleUs = runningUs - completed * cycleUs;
  const committedUs = completed * plan.intervalUs;
  assert(committedUs < remainingUs, "an attempt cannot commit all its work and still be running");
  const checkpointCut = intoCycleUs > plan.intervalUs;
  const lostComputeUs = checkpointCut ? plan.intervalUs : intoCycleUs;
  const cutUs = checkpointCut ? intoCycleUs - plan.intervalUs : 0;
  return {
    committedUs,
    lostComputeUs,
    overheadUs: restartUs + completed * plan.costUs + cutUs,
    checkpointsCompleted: completed,
    checkpointCut,
  };
}
