import { assert } from "../../sim/assert.js";
import { sample, type DistributionSpec } from "../../sim/distribution.js";
import { TimeWeighted } from "../../sim/metrics.js";
import type { RngStream } from "../../sim/rng.js";
import type { Sim } from "../../sim/sim.js";
import { secondsToUs } from "../../sim/time.js";
import type { Cluster } from "../hardware/cluster.js";
import type { FailureWiring } from "../cluster/part.js";

/**
 * Spot preemption: the provider reclaims spot nodes. Each spot node is reclaimed after a
 * time drawn from its own stream (`failures.spot.r03n17`: the same reclaims whatever the
 * strategy), with a notice (e.g. 120 s) before it goes: the model is told, and a job that
 * checkpoints on notice starts a checkpoint then. At the end of the notice the node is
 * taken (a crash with cause "spot-preemption": the work since the job's last completed
 * checkpoint is lost), and capacity returns after a drawn time. Reclaimed time is not
 * paid for.
 *
 * Leaves out: reclaims of many nodes at once (a provider's capacity crunch), prices that
 * move with demand, a time-varying hazard.
 */
export interface SpotOptions {
  /** The nodes in the spot pool. */
  readonly nodes: readonly number[];
  /** Time from a node's return (or the start) to its next reclaim, seconds. */
  readonly timeToReclaimS: DistributionSpec;
  readonly noticeUs: number;
  /** Time until reclaimed capacity comes back, seconds. */
  readonly returnAfterS: DistributionSpec;
}

/** What the injector tells when a notice is given. */
export interface ReclaimNoticeListener {
  noticeReclaim(node: number): void;
}

export class SpotPreemptionInjector {
  /** Spot nodes reclaimed at each moment. */
  readonly reclaimedNodes: TimeWeighted;
  readonly #sim: Sim;
  readonly #cluster: Cluster;
  readonly #listener: ReclaimNoticeListener;
  readonly #options: SpotOptions;
  readonly #streams = new Map<number, RngStream>();
  /** Each node's next notice while none is under way: node → event handle. */
  readonly #pendingNotices = new Map<number, number>();
  readonly #onNotice = (node: number): void => this.#notice(node);
  readonly #onReclaim = (node: number): void => this.#reclaim(node);
  readonly #onReturn = (node: number): void => this.#return(node);
  reclaimCount = 0;

  constructor(sim: Sim, cluster: Cluster, listener: ReclaimNoticeListener, options: SpotOptions) {
    assert(options.noticeUs >= 0);
    this.#sim = sim;
    this.#cluster = cluster;
    this.#listener = listener;
    this.#options = options;
    this.reclaimedNodes = new TimeWeighted(sim.now, 0);
  }

  /** Reclaimed node·µs up to `endUs`: capacity the provider took back is not paid for. */
  unpaidNodeUs(endUs: number): number {
    return this.reclaimedNodes.areaUs(endUs);
  }

  start(): void {
    for (const node of this.#options.nodes) {
      this.#streams.set(node, this.#sim.rng(`failures.spot.${this.#cluster.nodeName(node)}`));
      this.#scheduleNotice(node);
    }
  }

  #scheduleNotice(node: number): void {
    const delayUs = secondsToUs(sample(this.#streams.get(node)!, this.#options.timeToReclaimS));
    this.#pendingNotices.set(node, this.#sim.schedule(delayUs, this.#onNotice, node));
  }

  /**
   * A spot wave: the provider takes back every spot node that is up and not already on
   * notice, each after its notice, as if their notices all came now (an operator's
   * injected fault; the nodes' own notices, drawn earlier, are called off). Returns how many.
   */
  wave(): number {
    let noticed = 0;
    for (const [node, handle] of [...this.#pendingNotices]) {
      if (!this.#cluster.isUp(node)) continue;
      this.#sim.cancel(handle);
      this.#notice(node);
      noticed++;
    }
    return noticed;
  }

  #notice(node: number): void {
    this.#pendingNotices.delete(node);
    if (!this.#cluster.isUp(node)) {
      // Down for another reason: the provider has nothing to take; try again later.
      this.#scheduleNotice(node);
      return;
    }
    this.#sim.record({ kind: "SpotReclaimNoticed", node, target: this.#cluster.nodeName(node) });
    this.#listener.noticeReclaim(node);
    this.#sim.schedule(this.#options.noticeUs, this.#onReclaim, node);
  }

  #reclaim(node: number): void {
    const returnUs = Math.max(1, secondsToUs(sample(this.#streams.get(node)!, this.#options.returnAfterS)));
    if (this.#cluster.isUp(node)) {
      this.reclaimCount++;
      this.#sim.record({ kind: "SpotReclaimed", node, target: this.#cluster.nodeName(node), returnUs });
      this.reclaimedNodes.add(this.#sim.now, 1);
      this.#cluster.crash(node, "spot-preemption");
      this.#sim.schedule(returnUs, this.#onReturn, node);
    } else {
      this.#scheduleNotice(node);
    }
  }

  #return(node: number): void {
    this.reclaimedNodes.add(this.#sim.now, -1);
    this.#sim.record({ kind: "SpotReturned", node, target: this.#cluster.nodeName(node) });
    if (!this.#cluster.isUp(node)) this.#cluster.restore(node);
    this.#scheduleNotice(node);
  }
}

/** Spot reclaims of the spot pools' nodes as a failure model of a cluster run; none without spot nodes. */
export function spotReclaims(options: Omit<SpotOptions, "nodes">): FailureWiring {
  return (context) =>
    context.spotNodes.length === 0
      ? null
      : new SpotPreemptionInjector(context.sim, context.cluster, context, { ...options, nodes: context.spotNodes });
}
