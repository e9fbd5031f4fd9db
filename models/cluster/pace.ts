import type { Cluster } from "../hardware/cluster.js";
import type { Job } from "../workload/job.js";

/**
 * The pace of an attempt: work per µs of compute, in (0, 1]. A synchronised job runs at
 * the pace of its slowest node's clock (throttled, degraded), times each factor the parts
 * of the run add (the fabric: compute over compute plus waiting on the all-reduce).
 *
 * The pace is set when the attempt starts, from the state of things then: a node that
 * throttles, or traffic that starts, during the attempt slows the next attempt, not this
 * one. This module is where a pace that changes mid-attempt would be computed.
 */

/** A part of the run that slows attempts: the fabric. */
export interface PaceFactor {
  /** The attempt's factor in (0, 1], as it starts (a part may register the attempt's traffic here). */
  attemptFactor(job: Job): number;
}

export class Pace {
  readonly #cluster: Cluster;
  readonly #factors: PaceFactor[] = [];

  constructor(cluster: Cluster) {
    this.#cluster = cluster;
  }

  addFactor(factor: PaceFactor): void {
    this.#factors.push(factor);
  }

  /** The pace of `job`'s attempt, starting now on its nodes. */
  ofAttempt(job: Job): number {
    let pace = this.#cluster.slowestClockFactor(job.firstNode);
    for (const factor of this.#factors) pace *= factor.attemptFactor(job);
    return pace;
  }
}
