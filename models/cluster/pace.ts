import { ClockCause, type Cluster } from "../hardware/cluster.js";
import type { AttemptExecutor } from "../workload/attempt.js";
import type { Job } from "../workload/job.js";

/**
 * The pace of an attempt: work per µs of compute, in (0, 1]. A synchronised job runs at
 * the pace of its slowest node's clock (throttled, degraded), times each factor the parts
 * of the run add (the fabric: compute over compute plus waiting on the all-reduce).
 *
 * The pace follows the state of things as it changes: when a node's clock moves, or a part
 * sees a job's factor move (traffic starting or ending on a shared link), the attempt is
 * brought to its new pace at once (`changed`), and the executor moves its end.
 */

/** A part of the run that slows attempts: the fabric. */
export interface PaceFactor {
  /** The attempt's factor in (0, 1], as it starts (a part may register the attempt's traffic here). */
  attemptFactor(job: Job): number;
  /** The attempt's factor now, as the part last set it. */
  currentFactor(job: Job): number;
}

export class Pace {
  readonly #cluster: Cluster;
  readonly #executor: AttemptExecutor;
  readonly #factors: PaceFactor[] = [];

  constructor(cluster: Cluster, executor: AttemptExecutor) {
    this.#cluster = cluster;
    this.#executor = executor;
  }

  addFactor(factor: PaceFactor): void {
    this.#factors.push(factor);
  }

  /** Starts `job`'s attempt at the pace of its nodes and the parts now (a part may register the attempt's traffic). */
  begin(job: Job): void {
    const clock = this.#cluster.slowestClockFactor(job.firstPart);
    let pace = clock;
    for (const factor of this.#factors) pace *= factor.attemptFactor(job);
    this.#executor.begin(job, pace, clock, this.#causeOf(job, clock));
  }

  /** Something `job`'s pace depends on changed: its attempt moves to the pace of now. */
  changed(job: Job): void {
    const clock = this.#cluster.slowestClockFactor(job.firstPart);
    let pace = clock;
    for (const factor of this.#factors) pace *= factor.currentFactor(job);
    this.#executor.setPace(job, pace, clock, this.#causeOf(job, clock));
  }

  #causeOf(job: Job, clock: number): ClockCause {
    return clock < 1 ? this.#cluster.slowestClockCause(job.firstPart) : ClockCause.Thermal;
  }
}
