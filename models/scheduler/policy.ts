import type { Job } from "../workload/job.js";

/**
 * What a scheduling policy sees and does — the plug-in interface. The cluster model calls
 * `schedule` whenever something changes (a job arrives or ends, a node comes back); the
 * policy calls `start` for each job it wants to run now. `start` fails an assert if the
 * job does not fit, so a policy cannot over-allocate. The model tells the policy when a
 * job it started ends, so it can plan with running jobs' time limits.
 */
export interface SchedulingContext {
  readonly nowUs: number;
  /** Free nodes that are up. */
  readonly freeNodes: number;
  /** All nodes of the cluster, up or down. */
  readonly totalNodes: number;
  start(job: Job): void;
}

export interface SchedulerPolicy {
  readonly name: string;
  /** Jobs waiting. */
  readonly queuedCount: number;
  /** A new job. */
  submit(job: Job): void;
  /** A job whose attempt was cut short and will run again. */
  requeue(job: Job): void;
  /** A job this policy started is now running (called from within `start`). */
  jobStarted(job: Job): void;
  /** A running job ended: completed, failed or cut short. */
  jobEnded(job: Job, nowUs: number): void;
  schedule(context: SchedulingContext): void;
  /** Nodes asked by the smallest waiting job; Infinity when none waits (for fragmentation). */
  smallestQueuedNodeCount(): number;
  /** Waiting jobs in the order the policy would run them (for preemption). */
  waitingJobs(): readonly Job[];
}
