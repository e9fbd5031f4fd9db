import { ClockCause } from "../hardware/cluster.js";

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
  /** Pace: work per µs of compute (its slowest node's clock times the fabric's factor). */
  speed = 1;
  /** The clock factor of the slowest node in `speed`, and why that node is slow. */
  clock = 1;
  clockCause = ClockCause.Thermal;
  /** Wall compute this attempt needs in all at its pace now, and has done. */
  computeTotalUs = 0;
  computeDoneUs = 0;
  /** Wall compute done since the last completed checkpoint. */
  uncommittedUs = 0;
  /**
   * When the pace changed since the last completed checkpoint: the wall compute done at
   * earlier paces (`foldedUs` of `uncommittedUs`), the work it did, and that wall time's
   * slowness by cause (wall µs weighted by each cause's share of 1 − pace).
   */
  foldedUs = 0;
  foldedWorkUs = 0;
  slowFabricUs = 0;
  slowThermalUs = 0;
  slowDegradedUs = 0;
  slowModelUs = 0;
  /** µs the I/O phase under way (start-up, restart, checkpoint write) takes with the storage to itself. */
  ioAloneUs = 0;
  /** Where the compute segment under way reaches its checkpoint interval (Infinity: none). */
  segmentBoundaryUs = Infinity;
  /** The pending compute timer, or the store operation under way. */
  timerHandle = -1;
  operation: unknown = null;
  /** Incremental checkpoints: increments saved since the last full one, and whether one exists. */
  incrementsSinceFull = 0;
  hasFullCheckpoint = false;
  /**
   * Corrupt checkpoints: where the newest checkpoint a restart can read back stands (the
   * committed work it holds; 0: none, restart from the start) and the incremental chain
   * there. Every checkpoint after it is unreadable, so this is all the history a fallback
   * needs: O(1) per job however many checkpoints it writes.
   */
  readableUs = 0;
  readableIncrements = 0;
  readableHasFull = false;
  /** Whether the current chain (its full checkpoint and the increments since) is all readable. */
  chainReadable = true;
  /** The share of a full checkpoint the write under way moves. */
  writeFraction = 1;
}
