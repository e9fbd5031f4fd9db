import type { DistributionSpec } from "../../sim/distribution.js";
import { sample } from "../../sim/distribution.js";
import type { RngStream } from "../../sim/rng.js";
import type { Sim } from "../../sim/sim.js";
import { secondsToUs } from "../../sim/time.js";
import type { Cluster } from "../hardware/cluster.js";
import type { FailureWiring } from "../cluster/part.js";

/**
 * Node crashes as an alternating renewal process per node: up for a time drawn from the
 * time-to-failure distribution, then down for a repair time, then up again.
 *
 * Each node draws from its own stream (`failures.node-crash.r03n17`) and draws the same
 * sequence whatever runs on it, so every strategy sees the same crashes. With a Weibull
 * shape below 1 (what the LANL data shows) failures cluster: a node that just came back is
 * the likeliest to fail again. Time-to-failure counts from the end of the last repair.
 *
 * A node already down for another cause when its failure comes is left alone (the failure
 * is spent). Another injector never restores a node this one took down, nor the reverse.
 *
 * Leaves out: correlated failures and replay from a log (their own injectors).
 */
export interface NodeCrashOptions {
  /** Time to failure of one node, seconds (mean = MTBF). */
  readonly timeToFailureS: DistributionSpec;
  /** Repair time, seconds. */
  readonly repairS: DistributionSpec;
}

export class NodeCrashInjector {
  readonly #sim: Sim;
  readonly #cluster: Cluster;
  readonly #options: NodeCrashOptions;
  readonly #streams: RngStream[] = [];
  readonly #onCrash = (node: number): void => this.#crash(node);
  readonly #onRepaired = (node: number): void => this.#restore(node);
  /** Crashes injected so far. */
  crashCount = 0;

  constructor(sim: Sim, cluster: Cluster, options: NodeCrashOptions) {
    this.#sim = sim;
    this.#cluster = cluster;
    this.#options = options;
  }

  /** Schedules every node's first failure. */
  start(): void {
    for (let node = 0; node < this.#cluster.nodeCount; node++) {
      this.#streams.push(this.#sim.rng(`failures.node-crash.${this.#cluster.nodeName(node)}`));
      this.#scheduleFailure(node);
    }
  }

  #scheduleFailure(node: number): void {
    const delayUs = secondsToUs(sample(this.#streams[node], this.#options.timeToFailureS));
    this.#sim.schedule(delayUs, this.#onCrash, node);
  }

  #crash(node: number): void {
    // The repair is drawn whether or not the crash lands, so the stream stays aligned.
    const repairUs = Math.max(1, secondsToUs(sample(this.#streams[node], this.#options.repairS)));
    if (!this.#cluster.isUp(node)) {
      // Already down for another cause (a rack outage, a spot reclaim): nothing to crash.
      this.#scheduleFailure(node);
      return;
    }
    this.crashCount++;
    this.#sim.record({ kind: "NodeCrashed", node, target: this.#cluster.nodeName(node), repairUs });
    this.#cluster.crash(node);
    this.#sim.schedule(repairUs, this.#onRepaired, node);
  }

  #restore(node: number): void {
    this.#sim.record({ kind: "NodeRestored", node });
    this.#cluster.restore(node);
    this.#scheduleFailure(node);
  }
}

/** Node crashes as a failure model of a cluster run. */
export function nodeCrashes(options: NodeCrashOptions): FailureWiring {
  return ({ sim, cluster }) => new NodeCrashInjector(sim, cluster, options);
}
