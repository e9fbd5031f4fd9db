import type { Job } from "../workload/job.js";

/**
 * What a scheduling policy sees and does — the plug-in interface. The cluster model calls
 * `schedule` whenever something changes (a job arrives or ends, a node comes back); the
 * policy calls `start` for each job it wants to run now. `start` fails an assert if the
 * job does not fit, so a policy cannot over-allocate. The model tells the policy when a
 * job it started ends, so it can plan with running jobs' time limits.
 *
 * Capacity is counted in units: nodes, or GPUs on a GPU-granular cluster (`Job.units`).
 * There a job may not fit although enough units are free (they are spread over too many
 * nodes or GPUs): `fits` asks the placement itself.
 */
export interface SchedulingContext {
  readonly nowUs: number;
  /** Free units (nodes, or GPUs) that are up. */
  readonly freeNodes: number;
  /** All units of the cluster, up or down. */
  readonly totalNodes: number;
  /** Whether the job can start now. */
  fits(job: Job): boolean;
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
  /** Nodes asked by the smallest waiting job; Infinity when none waits (for whole-node fragmentation). */
  smallestQueuedNodeCount(): number;
  /** Waiting jobs in the order the policy would run them (for preemption). */
  waitingJobs(): readonly Job[];
}
