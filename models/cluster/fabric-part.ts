import type { Sim } from "../../sim/sim.js";
import { Fabric } from "../fabric/fabric.js";
import { FatTree } from "../fabric/topology.js";
import type { ClusterOptions } from "../hardware/cluster.js";
import { JobState, type Job } from "../workload/job.js";
import { Outcome, type JobLifecycle, type LifecycleHooks } from "./lifecycle.js";
import type { FabricModelOptions } from "./options.js";
import type { PaceFactor } from "./pace.js";
import type { ClusterPart, RunMetricsDraft } from "./part.js";

/**
 * The fabric in a cluster run: a two-level fat-tree, one leaf per rack. A multi-node job
 * that communicates registers its ring all-reduce's traffic as it starts; its pace then
 * is its compute over compute plus the all-reduce, given the traffic on the links it
 * shares. A job whose ring is cut (a link down, no route round it) fails as it starts.
 */
export class FabricPart implements ClusterPart, LifecycleHooks, PaceFactor {
  readonly fabric: Fabric;
  readonly #sim: Sim;
  readonly #lifecycle: JobLifecycle;
  readonly #onPartitionedAtStart = (job: Job): void => {
    if (job.state === JobState.Running) this.#lifecycle.endAttempt(job, "network-partition", Outcome.RequeueOrFail, job.firstNode);
  };

  constructor(sim: Sim, cluster: ClusterOptions, options: FabricModelOptions, lifecycle: JobLifecycle) {
    this.#sim = sim;
    this.#lifecycle = lifecycle;
    this.fabric = new Fabric(
      sim,
      new FatTree({
        nodesPerLeaf: cluster.nodesPerRack,
        leafCount: cluster.racks,
        spineCount: options.spineCount,
        linkGbps: options.linkGbps,
        oversubscription: options.oversubscription,
        linkLatencyUs: options.linkLatencyUs,
        switchLatencyUs: options.switchLatencyUs,
      }),
    );
  }

  /**
   * Compute over compute plus communication per iteration, for a multi-node job that
   * communicates; 1 otherwise. Registers the job's traffic, which slows the jobs that
   * start after it on the links they share.
   */
  attemptFactor(job: Job): number {
    const communication = job.communication;
    if (communication === null || job.nodeCount < 2) return 1;
    this.fabric.addJob(job.id, Int32Array.from(this.#lifecycle.nodesOf(job)));
    const allReduceUs = this.fabric.allReduceUs(job.id, communication.bytes, "ring");
    if (!Number.isFinite(allReduceUs)) {
      // Its ring is cut: it fails as it starts, just after.
      this.#sim.schedule(0, this.#onPartitionedAtStart, job);
      return 1;
    }
    return communication.iterationUs / (communication.iterationUs + allReduceUs);
  }

  attemptEnded(job: Job): void {
    if (this.fabric.hasJob(job.id)) this.fabric.removeJob(job.id);
  }

  /** Cuts the cable between a leaf and a spine (both directions) for `durationUs`. */
  linkDown(leaf: number, spine: number, durationUs: number): void {
    const links = (this.fabric.topology as FatTree).linksBetweenLeafAndSpine(leaf, spine);
    for (const link of [links.up, links.down]) if (this.fabric.topology.isLinkUp(link)) this.fabric.failLink(link);
    this.#sim.schedule(durationUs, () => {
      for (const link of [links.up, links.down]) if (!this.fabric.topology.isLinkUp(link)) this.fabric.restoreLink(link);
    });
  }

  addMetrics(metrics: RunMetricsDraft): void {
    metrics.fabric_p99_latency_us = this.fabric.p99LatencyUs();
  }
}
