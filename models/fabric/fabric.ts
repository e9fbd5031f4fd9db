import { assert } from "../../sim/assert.js";
import { SampleSet } from "../../sim/metrics.js";
import type { Sim } from "../../sim/sim.js";
import { ringAllReduceUs, ringRoutes, treeAllReduceUs } from "./collectives.js";
import { MaxMinSolver } from "./max-min.js";
import type { Topology } from "./topology.js";

/**
 * The fabric as a simulation component: running jobs' collective traffic sharing one
 * topology, so a job's all-reduce slows when its neighbours' traffic crosses its links,
 * and a link failure reroutes (or partitions) every job that used it.
 *
 * Models each registered job as the p flows of a ring all-reduce over its nodes (node k →
 * node k+1, the last back to the first), always on: a data-parallel training job
 * synchronises gradients every step. All jobs' flows share the links by max-min fairness
 * (max-min.ts); a job's all-reduce time is the alpha-beta cost (collectives.ts) at its
 * bottleneck rate. Max-min is recomputed lazily, once after any change, so repeated
 * queries cost O(1).
 *
 * Message latency, for `fabric_p99_latency_us`: each `allReduceUs` call records one
 * sample, the job's slowest hop latency inflated by queueing, α/(1 − ρ), an M/M/1-style
 * factor (Kleinrock, "Queueing Systems", 1975). ρ is the utilisation of the busiest link
 * on the hop by *other* flows: under max-min every flow saturates some link, so the
 * total utilisation is 1 on every bottleneck and says nothing; what a job's small
 * messages queue behind is everyone else's traffic. Sharing a link fairly with n − 1
 * other flows leaves ρ = (n−1)/n and inflates latency n-fold. ρ is capped
 * (`utilizationForLatencyMax`, default 0.95: at most 20×) because InfiniBand's
 * credit-based flow control bounds queues by switch buffers instead of letting them grow
 * without limit.
 *
 * Leaves out: traffic other than the ring (point-to-point, storage, tree patterns — a tree
 * all-reduce is charged at the ring's α and B), duty cycles (jobs compute between
 * all-reduces, and a flow-level model counts them as always sending), packet-level
 * effects, adaptive routing, congestion spreading, and the subnet manager's reroute time.
 */

export interface FabricOptions {
  /** The cap on ρ in the latency inflation α/(1 − ρ); in [0, 1). Default 0.95. */
  readonly utilizationForLatencyMax?: number;
}

/** Who hears when a job loses or regains a path between all of its nodes. */
export interface FabricListener {
  /** Some hop of the job's ring has no surviving path: its collectives cannot finish. */
  jobPartitioned(jobId: number): void;
  /** Every hop has a path again. */
  jobReconnected(jobId: number): void;
}

export type AllReduceAlgorithm = "ring" | "tree";

interface JobTraffic {
  readonly jobId: number;
  readonly nodes: Int32Array;
  /** One route per ring hop; null while partitioned. */
  routes: Int32Array[] | null;
  /** The path latency of the slowest hop of `routes`, µs (uncongested; Infinity while partitioned). */
  routesAlphaUs: number;
  /** Index of the job's first flow in the last solve. */
  firstFlow: number;
  /** The solve the fields below come from (-1: none yet). */
  epoch: number;
  bandwidthGbps: number;
  alphaUs: number;
  messageLatencyUs: number;
}

interface RouteChanges {
  readonly partitioned: readonly number[];
  readonly reconnected: readonly number[];
}

const NO_JOB_IDS: readonly number[] = Object.freeze([]);
const NO_CHANGES: RouteChanges = Object.freeze({ partitioned: NO_JOB_IDS, reconnected: NO_JOB_IDS });

export class Fabric {
  readonly topology: Topology;
  /** Per-message latency samples, µs, one per `allReduceUs` call. */
  readonly latencySamples = new SampleSet();
  readonly #sim: Sim;
  readonly #utilizationMax: number;
  readonly #jobs = new Map<number, JobTraffic>();
  readonly #solver = new MaxMinSolver();
  /** Every connected job's ring flows, in job registration order (reused between solves). */
  readonly #flows: Int32Array[] = [];
  #rates: Float64Array = new Float64Array(0);
  /** Traffic on each link in the last solve, Gbps. */
  readonly #linkLoadGbps: Float64Array;
  /** Scratch: one job's own traffic on each link, zero between uses. */
  readonly #ownLoadGbps: Float64Array;
  /** Ring flows of registered jobs routed over each link now. */
  readonly #flowsOnLink: Int32Array;
  #routesVersion: number;
  #dirty = true;
  #epoch = 0;
  #solveCount = 0;
  #listener: FabricListener | null = null;

  constructor(sim: Sim, topology: Topology, options: FabricOptions = {}) {
    const utilizationMax = options.utilizationForLatencyMax ?? 0.95;
    assert(utilizationMax >= 0);
    assert(utilizationMax < 1);
    this.#sim = sim;
    this.topology = topology;
    this.#utilizationMax = utilizationMax;
    this.#linkLoadGbps = new Float64Array(topology.linkCount);
    this.#ownLoadGbps = new Float64Array(topology.linkCount);
    this.#flowsOnLink = new Int32Array(topology.linkCount);
    this.#routesVersion = topology.version;
  }

  setListener(listener: FabricListener): void {
    this.#listener = listener;
  }

  /** Max-min solves so far: one per batch of changes, however many queries follow. */
  get solveCount(): number {
    return this.#solveCount;
  }

  get jobCount(): number {
    return this.#jobs.size;
  }

  /**
   * Registers a job's ring over `nodes` (copied; in ring order). From now on its flows
   * are background for every other job. Check `isPartitioned` after: the listener hears
   * only of changes.
   */
  addJob(jobId: number, nodes: Int32Array): void {
    assert(!this.#jobs.has(jobId), "job already registered with the fabric");
    assert(nodes.length >= 1, "a job needs at least one node");
    this.#refreshRoutes();
    const copy = Int32Array.from(nodes);
    const routes = ringRoutes(this.topology, copy);
    this.#countFlows(routes, 1);
    this.#jobs.set(jobId, {
      jobId,
      nodes: copy,
      routes,
      routesAlphaUs: this.#alphaOf(routes),
      firstFlow: -1,
      epoch: -1,
      bandwidthGbps: 0,
      alphaUs: 0,
      messageLatencyUs: 0,
    });
    this.#dirty = true;
  }

  removeJob(jobId: number): void {
    const job = this.#jobs.get(jobId);
    assert(job !== undefined, "job not registered with the fabric");
    this.#countFlows(job.routes, -1);
    this.#jobs.delete(jobId);
    this.#dirty = true;
  }

  /**
   * Whether no other job's flow crosses a link of this job's ring: then its coming and
   * going changes no one else's rate (a ring inside one rack, on nodes of its own).
   */
  isAlone(jobId: number): boolean {
    this.#refreshRoutes();
    const routes = this.#job(jobId).routes;
    if (routes === null) return true;
    for (const route of routes) for (let i = 0; i < route.length; i++) if (this.#flowsOnLink[route[i]] > 1) return false;
    return true;
  }

  #countFlows(routes: readonly Int32Array[] | null, delta: number): void {
    if (routes === null) return;
    for (const route of routes) for (let i = 0; i < route.length; i++) this.#flowsOnLink[route[i]] += delta;
  }

  hasJob(jobId: number): boolean {
    return this.#jobs.has(jobId);
  }

  isPartitioned(jobId: number): boolean {
    this.#refreshRoutes();
    return this.#job(jobId).routes === null;
  }

  /**
   * µs for one all-reduce of `bytes` by the job now, given everyone's traffic; Infinity
   * while the job is partitioned. Adds one message-latency sample (none for a one-node
   * job, which sends nothing, or a partitioned one). Not rounded: round before scheduling.
   */
  allReduceUs(jobId: number, bytes: number, algorithm: AllReduceAlgorithm): number {
    assert(bytes >= 0);
    const job = this.#derived(jobId);
    if (job.routes === null) return Infinity;
    const p = job.nodes.length;
    if (p === 1) return 0;
    this.latencySamples.add(job.messageLatencyUs);
    return algorithm === "ring"
      ? ringAllReduceUs(p, bytes, job.alphaUs, job.bandwidthGbps)
      : treeAllReduceUs(p, bytes, job.alphaUs, job.bandwidthGbps);
  }

  /**
   * The same as `allReduceUs` without a latency sample, from the job's flow rates alone:
   * O(ring hops), for asking after every job each time the traffic changes.
   */
  allReduceUsQuietly(jobId: number, bytes: number, algorithm: AllReduceAlgorithm): number {
    assert(bytes >= 0);
    this.#refresh();
    const job = this.#job(jobId);
    const routes = job.routes;
    if (routes === null) return Infinity;
    const p = job.nodes.length;
    if (p === 1) return 0;
    let bandwidthGbps = Infinity;
    for (let k = 0; k < routes.length; k++) bandwidthGbps = Math.min(bandwidthGbps, this.#rates[job.firstFlow + k]);
    return algorithm === "ring"
      ? ringAllReduceUs(p, bytes, job.routesAlphaUs, bandwidthGbps)
      : treeAllReduceUs(p, bytes, job.routesAlphaUs, bandwidthGbps);
  }

  /** The path latency of the slowest of `routes`, µs; Infinity for none (partitioned). */
  #alphaOf(routes: readonly Int32Array[] | null): number {
    if (routes === null) return Infinity;
    let alphaUs = 0;
    for (const route of routes) alphaUs = Math.max(alphaUs, this.topology.pathLatencyUs(route));
    return alphaUs;
  }

  /** The smallest rate among the job's ring flows, Gbps: 0 while partitioned, Infinity for one node. */
  bandwidthGbps(jobId: number): number {
    return this.#derived(jobId).bandwidthGbps;
  }

  /** The path latency of the job's slowest ring hop, µs (α, uncongested); Infinity while partitioned. */
  alphaUs(jobId: number): number {
    return this.#derived(jobId).alphaUs;
  }

  /** α of the job inflated by congestion, µs: what `allReduceUs` samples. */
  messageLatencyUs(jobId: number): number {
    return this.#derived(jobId).messageLatencyUs;
  }

  /** Traffic on link `id` now, Gbps. */
  linkLoadGbps(id: number): number {
    assert(id >= 0, "link id out of range");
    assert(id < this.topology.linkCount, "link id out of range");
    this.#refresh();
    return this.#linkLoadGbps[id];
  }

  /** The 99th percentile of message-latency samples, µs; null when there are none. */
  p99LatencyUs(): number | null {
    return this.latencySamples.count === 0 ? null : this.latencySamples.percentile(0.99);
  }

  /**
   * Takes a directed link down (one direction of a cable: fail `Topology.reverseOf(id)`
   * too for a cut cable). The link must be up: check `topology.isLinkUp`. Records
   * `LinkFailed` (and `JobPartitioned` per job cut off); reroutes every job; returns the
   * jobs this partitioned, and tells the listener of each.
   */
  failLink(id: number): readonly number[] {
    this.topology.failLink(id);
    this.#sim.record({ kind: "LinkFailed", link: id, name: this.topology.linkName(id) });
    return this.#refreshRoutes().partitioned;
  }

  /** Brings a down link back. Records `LinkRestored` (and `JobReconnected`); returns the jobs this reconnected. */
  restoreLink(id: number): readonly number[] {
    this.topology.restoreLink(id);
    this.#sim.record({ kind: "LinkRestored", link: id, name: this.topology.linkName(id) });
    return this.#refreshRoutes().reconnected;
  }

  /** The job with its derived figures up to date with the last solve. */
  #derived(jobId: number): JobTraffic {
    this.#refresh();
    const job = this.#job(jobId);
    if (job.epoch !== this.#epoch) this.#derive(job);
    return job;
  }

  #job(jobId: number): JobTraffic {
    const job = this.#jobs.get(jobId);
    assert(job !== undefined, "job not registered with the fabric");
    return job;
  }

  /** Re-solves max-min when anything changed since the last solve. */
  #refresh(): void {
    this.#refreshRoutes();
    if (!this.#dirty) return;
    const flows = this.#flows;
    flows.length = 0;
    for (const job of this.#jobs.values()) {
      job.firstFlow = flows.length;
      if (job.routes === null) continue;
      for (const route of job.routes) flows.push(route);
    }
    this.#rates = this.#solver.solve(flows, this.topology.capacitiesGbps);
    this.#solveCount++;
    const load = this.#linkLoadGbps;
    load.fill(0);
    for (let f = 0; f < flows.length; f++) {
      const route = flows[f];
      const rateGbps = this.#rates[f];
      for (let i = 0; i < route.length; i++) load[route[i]] += rateGbps;
    }
    this.#epoch++;
    this.#dirty = false;
  }

  /**
   * Reroutes every job when the topology changed since we last looked (through our verbs
   * or behind our back), telling the listener of jobs that lost or regained all paths.
   */
  #refreshRoutes(): RouteChanges {
    const topology = this.topology;
    if (topology.version === this.#routesVersion) return NO_CHANGES;
    this.#routesVersion = topology.version;
    this.#dirty = true;
    const partitioned: number[] = [];
    const reconnected: number[] = [];
    for (const job of this.#jobs.values()) {
      const wasPartitioned = job.routes === null;
      this.#countFlows(job.routes, -1);
      job.routes = ringRoutes(topology, job.nodes);
      this.#countFlows(job.routes, 1);
      job.routesAlphaUs = this.#alphaOf(job.routes);
      const isPartitioned = job.routes === null;
      if (isPartitioned && !wasPartitioned) partitioned.push(job.jobId);
      if (!isPartitioned && wasPartitioned) reconnected.push(job.jobId);
    }
    // Tell the listener after the loop: it may remove jobs.
    for (const jobId of partitioned) this.#sim.record({ kind: "JobPartitioned", jobId });
    for (const jobId of reconnected) this.#sim.record({ kind: "JobReconnected", jobId });
    const listener = this.#listener;
    if (listener !== null) {
      for (const jobId of partitioned) listener.jobPartitioned(jobId);
      for (const jobId of reconnected) listener.jobReconnected(jobId);
    }
    return { partitioned, reconnected };
  }

  #derive(job: JobTraffic): void {
    job.epoch = this.#epoch;
    const routes = job.routes;
    if (routes === null) {
      job.bandwidthGbps = 0;
      job.alphaUs = Infinity;
      job.messageLatencyUs = Infinity;
      return;
    }
    if (routes.length === 0) {
      job.bandwidthGbps = Infinity;
      job.alphaUs = 0;
      job.messageLatencyUs = 0;
      return;
    }
    const topology = this.topology;
    const rates = this.#rates;
    const load = this.#linkLoadGbps;
    const own = this.#ownLoadGbps;
    let bandwidthGbps = Infinity;
    for (let k = 0; k < routes.length; k++) {
      const rateGbps = rates[job.firstFlow + k];
      bandwidthGbps = Math.min(bandwidthGbps, rateGbps);
      const route = routes[k];
      for (let i = 0; i < route.length; i++) own[route[i]] += rateGbps;
    }
    let alphaUs = 0;
    let messageLatencyUs = 0;
    for (const route of routes) {
      const hopUs = topology.pathLatencyUs(route);
      alphaUs = Math.max(alphaUs, hopUs);
      let utilization = 0;
      for (let i = 0; i < route.length; i++) {
        const link = route[i];
        const others = (load[link] - own[link]) / topology.nominalCapacityGbps(link);
        if (others > utilization) utilization = others;
      }
      utilization = Math.min(utilization, this.#utilizationMax);
      messageLatencyUs = Math.max(messageLatencyUs, hopUs / (1 - utilization));
    }
    for (const route of routes) for (let i = 0; i < route.length; i++) own[route[i]] = 0;
    job.bandwidthGbps = bandwidthGbps;
    job.alphaUs = alphaUs;
    job.messageLatencyUs = messageLatencyUs;
  }
}
