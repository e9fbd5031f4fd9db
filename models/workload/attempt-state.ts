/**
 * The state of a job's attempt in progress, apart from the executor that runs it
 * (attempt.ts), so a job (job.ts) can hold one without importing the executor.
 */
export const enum Phase {
  Idle = 0,
  Restart = 1,
  Compute = 2,
  Checkpoint = 3,
  Startup = 4,
}

/** An attempt in progress; each job holds one, reused by its next attempt. */
export class AttemptState {
  phase = Phase.Idle;
  phaseStartUs = 0;
  /** Pace: work per µs of compute. */
  speed = 1;
  /** Wall compute this attempt needs in all, and has done. */
  computeTotalUs = 0;
  computeDoneUs = 0;
  /** Wall compute done since the last completed checkpoint. */
  uncommittedUs = 0;
  /** The pending compute timer, or the store operation under way. */
  timerHandle = -1;
  operation: unknown = null;
  /** Incremental checkpoints: increments saved since the last full one, and whether one exists. */
  incrementsSinceFull = 0;
  hasFullCheckpoint = false;
  /** The share of a full checkpoint the write under way moves. */
  writeFraction = 1;
}
