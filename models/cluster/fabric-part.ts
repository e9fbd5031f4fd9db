import type { Sim } from "../../sim/sim.js";
import { Fabric } from "../fabric/fabric.js";
import { assert } from "../../sim/assert.js";
import { Dragonfly, FatTree, type Topology } from "../fabric/topology.js";
import type { ClusterOptions } from "../hardware/cluster.js";
import { JobState, type Job } from "../workload/job.js";
import { Outcome, type JobLifecycle, type LifecycleHooks } from "./lifecycle.js";
import type { FabricModelOptions } from "./options.js";
import type { Pace, PaceFactor } from "./pace.js";
import type { ClusterPart, RunMetricsDraft } from "./part.js";

/**
 * The fabric in a cluster run: a two-level fat-tree, one leaf per rack, or a dragonfly,
 * one router per rack, racks filling groups in order. A multi-node job
 * that communicates registers its ring all-reduce's traffic as it starts; its pace then
 * is its compute over compute plus the all-reduce, given the traffic on the links it
 * shares. Whenever the traffic changes (a job starts or ends, a link goes down or comes
 * back), every other communicating job whose all-reduce time moved is brought to its new
 * pace. A job whose ring is cut (a link down, no route round it) fails then, or as it
 * starts. A job all-reduces by its own algorithm (ring or tree), both charged at its ring's
 * α and bottleneck rate (collectives.ts).
 */
export class FabricPart implements ClusterPart, LifecycleHooks, PaceFactor {
  readonly fabric: Fabric;
  readonly #sim: Sim;
  readonly #lifecycle: JobLifecycle;
  readonly #pace: Pace;
  /** Communicating jobs with traffic on the fabric, and the factor each runs at, in start order. */
  readonly #paced = new Map<number, { readonly job: Job; factor: number }>();
  readonly #onPartitioned = (job: Job): void => {
    if (job.state === JobState.Running && this.fabric.hasJob(job.id) && this.fabric.isPartitioned(job.id)) {
      this.#lifecycle.endAttempt(job, "network-partition", Outcome.RequeueOrFail, job.firstPart);
    }
  };
  /** Pace changes the fabric's traffic caused: each moved a running job's end. */
  paceChanges = 0;
  /** Whether the traffic changed since the jobs were last re-paced (an event is pending then). */
  #repacePending = false;
  readonly #onRepace = (): void => {
    // Starts and ends come in bursts at one instant: wait for the scheduler's pass so the
    // burst costs one re-pace (and the max-min solve the starts needed anyway).
    if (this.#lifecycle.passPending) {
      this.#sim.schedule(0, this.#onRepace);
      return;
    }
    this.#repacePending = false;
    this.#repaceAll();
  };

  constructor(sim: Sim, cluster: ClusterOptions, options: FabricModelOptions, lifecycle: JobLifecycle, pace: Pace) {
    this.#sim = sim;
    this.#lifecycle = lifecycle;
    this.#pace = pace;
    this.fabric = new Fabric(sim, topologyOf(cluster, options));
    this.fabric.setListener({
      // Its ring is cut mid-attempt: it fails now (just after, outside the fabric's update).
      jobPartitioned: (jobId) => {
        const paced = this.#paced.get(jobId);
        if (paced !== undefined) this.#sim.schedule(0, this.#onPartitioned, paced.job);
      },
      jobReconnected: () => {},
    });
  }

  /**
   * Compute over compute plus communication per iteration, for a multi-node job that
   * communicates; 1 otherwise. Registers the job's traffic, which slows the jobs on the
   * links it shares, from now on.
   */
  attemptFactor(job: Job): number {
    const communication = job.communication;
    if (communication === null || job.nodeCount < 2) return 1;
    this.fabric.addJob(job.id, Int32Array.from(this.#lifecycle.nodesOf(job)));
    const allReduceUs = this.fabric.allReduceUs(job.id, communication.bytes, communication.algorithm ?? "ring");
    if (!Number.isFinite(allReduceUs)) {
      // Its ring is cut: it fails as it starts, just after.
      this.#sim.schedule(0, this.#onPartitioned, job);
      return 1;
    }
    const factor = communication.iterationUs / (communication.iterationUs + allReduceUs);
    this.#paced.set(job.id, { job, factor });
    if (!this.fabric.isAlone(job.id)) this.#trafficChanged();
    return factor;
  }

  currentFactor(job: Job): number {
    return this.#paced.get(job.id)?.factor ?? 1;
  }

  attemptEnded(job: Job): void {
    if (!this.fabric.hasJob(job.id)) return;
    const alone = this.fabric.isAlone(job.id);
    this.fabric.removeJob(job.id);
    this.#paced.delete(job.id);
    if (!alone) this.#trafficChanged();
  }

  /** Whether the fabric has leaf–spine cables for `linkDown` to cut (a fat-tree; a dragonfly has none). */
  get hasLeafSpineLinks(): boolean {
    return this.fabric.topology instanceof FatTree;
  }

  /** Cuts the cable between a leaf and a spine (both directions) for `durationUs`. */
  linkDown(leaf: number, spine: number, durationUs: number): void {
    const topology = this.fabric.topology;
    assert(topology instanceof FatTree, "a link-down cuts a fat-tree's leaf–spine cable");
    const links = topology.linksBetweenLeafAndSpine(leaf, spine);
    for (const link of [links.up, links.down]) if (this.fabric.topology.isLinkUp(link)) this.fabric.failLink(link);
    this.#trafficChanged();
    this.#sim.schedule(durationUs, () => {
      for (const link of [links.up, links.down]) if (!this.fabric.topology.isLinkUp(link)) this.fabric.restoreLink(link);
      this.#trafficChanged();
    });
  }

  /** Re-paces the jobs on the fabric once, later at this instant. */
  #trafficChanged(): void {
    if (this.#repacePending) return;
    this.#repacePending = true;
    this.#sim.schedule(0, this.#onRepace);
  }

  /** Brings every paced job whose all-reduce time moved to its new pace (in start order). */
  #repaceAll(): void {
    for (const paced of this.#paced.values()) {
      const communication = paced.job.communication;
      if (communication === null) continue;
      const allReduceUs = this.fabric.allReduceUsQuietly(paced.job.id, communication.bytes, communication.algorithm ?? "ring");
      if (!Number.isFinite(allReduceUs)) continue; // cut: it fails just after
      const factor = communication.iterationUs / (communication.iterationUs + allReduceUs);
      if (factor === paced.factor) continue;
      paced.factor = factor;
      this.paceChanges++;
      this.#pace.changed(paced.job);
    }
  }

  addMetrics(metrics: RunMetricsDraft): void {
    metrics.fabric_p99_latency_us = this.fabric.p99LatencyUs();
  }
}

/** The topology the options ask for over the cluster's racks: one leaf (fat-tree) or router (dragonfly) per rack. */
function topologyOf(cluster: ClusterOptions, options: FabricModelOptions): Topology {
  if (options.topology === "dragonfly") {
    assert(options.groupCount * options.routersPerGroup === cluster.racks, "a dragonfly has one router per rack");
    return new Dragonfly({ ...options, nodesPerRouter: cluster.nodesPerRack });
  }
  return new FatTree({
    nodesPerLeaf: cluster.nodesPerRack,
    leafCount: cluster.racks,
    spineCount: options.spineCount,
    linkGbps: options.linkGbps,
    oversubscription: options.oversubscription,
    linkLatencyUs: options.linkLatencyUs,
    switchLatencyUs: options.switchLatencyUs,
  });
}
