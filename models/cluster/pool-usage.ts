import { TimeWeighted } from "../../sim/metrics.js";
import type { Sim } from "../../sim/sim.js";
import type { Cluster } from "../hardware/cluster.js";
import type { Job } from "../workload/job.js";
import type { LifecycleHooks } from "./lifecycle.js";
import type { PoolOptions } from "./options.js";

/**
 * How busy each pool's GPUs were: the units (nodes, or thousandths of a GPU) running jobs
 * held in each pool, over time, from the attempts as they start and end. A run with pools
 * reports it per pool, so mixing models or spot and on-demand racks shows where jobs ran.
 */
export interface PoolUtilization {
  readonly name: string;
  /** GPU-hours held by jobs in the pool over its GPU-hours (up or down). */
  readonly gpuUtilization: number;
}

export class PoolUsage implements LifecycleHooks {
  readonly #sim: Sim;
  readonly #cluster: Cluster;
  readonly #pools: readonly PoolOptions[];
  readonly #poolOfNode: Int32Array;
  readonly #busy: TimeWeighted[];
  readonly #gpus: number[];
  /** What each running attempt holds in each pool (its parts' nodes are gone by the time it ends). */
  readonly #held = new Map<Job, Float64Array>();

  constructor(sim: Sim, cluster: Cluster, pools: readonly PoolOptions[]) {
    this.#sim = sim;
    this.#cluster = cluster;
    this.#pools = pools;
    this.#poolOfNode = new Int32Array(cluster.nodeCount);
    this.#busy = pools.map(() => new TimeWeighted(sim.now, 0));
    this.#gpus = pools.map(() => 0);
    const perRack = cluster.options.nodesPerRack;
    let node = 0;
    pools.forEach((pool, index) => {
      for (const end = node + pool.racks * perRack; node < end; node++) {
        this.#poolOfNode[node] = index;
        this.#gpus[index] += cluster.shares === null ? cluster.gpusPerNode : cluster.shares.gpusOf(node);
      }
    });
  }

  attemptStarted(job: Job): void {
    const held = new Float64Array(this.#pools.length);
    const perPart = job.request === null ? 1 : job.request.gpuMilli;
    for (let part = job.firstPart; part >= 0; part = this.#cluster.nextPart(part)) held[this.#poolOfNode[this.#cluster.nodeOfPart(part)]] += perPart;
    this.#held.set(job, held);
    this.#add(held, 1);
  }

  attemptEnded(job: Job): void {
    const held = this.#held.get(job);
    if (held === undefined) return;
    this.#held.delete(job);
    this.#add(held, -1);
  }

  utilization(endUs: number): PoolUtilization[] {
    return this.#pools.map((pool, index) => {
      const gpuUs = this.#gpus[index] * endUs;
      const busyGpuUs = this.#busy[index].areaUs(endUs) * this.#cluster.unitGpus;
      return { name: pool.name, gpuUtilization: gpuUs > 0 ? busyGpuUs / gpuUs : 0 };
    });
  }

  #add(held: Float64Array, sign: number): void {
    for (let pool = 0; pool < held.length; pool++) if (held[pool] !== 0) this.#busy[pool].add(this.#sim.now, sign * held[pool]);
  }
}
