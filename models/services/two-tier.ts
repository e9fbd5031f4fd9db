import { assert } from "../../sim/assert.js";
import type { Sim } from "../../sim/sim.js";
import { ReplicaPool, type ReplicaPoolOptions } from "./replica-pool.js";

/**
 * Two tiers of replicas, each a `ReplicaPool`: clients call the front, and every request
 * the front serves calls the back once its own work is done, holding its front slot (a
 * thread) until the back answers. The front is the back's client: the back pool's
 * `timeoutUs`, `retries`, `retryBudget`, backoff and breaker are the front's settings for
 * its calls (each hop retries on its own, as gRPC and Finagle clients do).
 *
 * Nothing here is a cascade either: a slow back tier makes the front's slots stay busy
 * longer, its queues build, its clients time out and retry, and every retry that reaches
 * the front's service calls the back again, with the back's own retries on top. At most
 * (1 + client retries) × (1 + back retries) back attempts per client request.
 *
 * Leaves out: the front calling the back more than once per request, or in parallel;
 * connection pools between the tiers; deadlines carried from the client to the back (a
 * front request whose client left still calls the back); the back's answer size and the
 * network between the tiers (a back call costs only the back's queueing and service).
 */
export interface TwoTierOptions {
  /** The front tier and its clients (arrivals, timeouts, retries, mitigations). */
  readonly front: ReplicaPoolOptions;
  /** The back tier, with the front's settings as its client; its `ratePerS` is ignored. */
  readonly back: ReplicaPoolOptions;
}

export class TwoTier {
  readonly front: ReplicaPool;
  readonly back: ReplicaPool;

  constructor(sim: Sim, options: TwoTierOptions) {
    // The tiers' names name their random streams: two pools of one name would share them.
    assert(options.front.name !== options.back.name, "the tiers need different names");
    assert(options.front.downstream === undefined, "the front's downstream is the back tier");
    // The back is offered requests by the front only: no Poisson arrivals of its own.
    this.back = new ReplicaPool(sim, { ...options.back, ratePerS: 0 });
    const back = this.back;
    this.front = new ReplicaPool(sim, { ...options.front, downstream: (onDone, arg) => back.offer({ onDone, arg }) });
  }

  start(): void {
    this.front.start();
    this.back.start();
  }

  resetMetrics(): void {
    this.front.resetMetrics();
    this.back.resetMetrics();
  }

  /**
   * Back-tier attempts (calls and their retries) per client request: 1 when nothing fails,
   * up to (1 + client retries) × (1 + back retries) in a storm. NaN without requests.
   */
  retryAmplification(): number {
    const requests = this.front.counts().requests;
    return requests > 0 ? this.back.counts().attempts / requests : NaN;
  }
}
