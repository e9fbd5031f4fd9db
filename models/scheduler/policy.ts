import type { Job } from "../workload/job.js";

/**
 * What a scheduling policy sees and does. The cluster model calls `schedule` whenever
 * something changes (a job arrives or ends, a node comes back); the policy calls `start`
 * for each job it wants to run now, in order. `start` fails an assert if the job does not
 * fit, so a policy cannot over-allocate.
 */
export interface SchedulingContext {
  readonly nowUs: number;
  /** Free nodes that are up. */
  readonly freeNodes: number;
  start(job: Job): void;
}

export interface SchedulerPolicy {
  readonly name: string;
  /** Jobs waiting. */
  readonly queuedCount: number;
  /** A new job. */
  submit(job: Job): void;
  /** A job whose attempt was cut short and will run again; it keeps its place by submit order. */
  requeue(job: Job): void;
  schedule(context: SchedulingContext): void;
}
