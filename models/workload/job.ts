/**
 * A batch job: a number of whole nodes for an amount of compute work. Work is what the job
 * needs to finish; wall time also holds checkpoints, restarts and work lost to failures.
 */
export const enum JobState {
  Queued = 0,
  Running = 1,
  Completed = 2,
  Failed = 3,
}

export class Job {
  readonly id: number;
  readonly nodeCount: number;
  /** Compute needed to finish, µs. */
  readonly workUs: number;
  readonly submitUs: number;
  state = JobState.Queued;
  /** Work saved by checkpoints (or finished), µs. */
  committedUs = 0;
  /** Attempts started (1 for a job that never failed). */
  attempts = 0;
  firstStartUs = -1;
  attemptStartUs = -1;
  endUs = -1;
  /** First of the nodes held while running (the cluster links the rest), or -1. */
  firstNode = -1;
  /** Handle of the pending end event while running. */
  endHandle = -1;

  constructor(id: number, nodeCount: number, workUs: number, submitUs: number) {
    this.id = id;
    this.nodeCount = nodeCount;
    this.workUs = workUs;
    this.submitUs = submitUs;
  }

  get remainingUs(): number {
    return this.workUs - this.committedUs;
  }
}
