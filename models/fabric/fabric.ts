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
 * bottleneck rate. Max-min is recomputed lazily, once after any change, and only for the
 * jobs the change can reach: those whose flows share a link, directly or through other
 * jobs, with a link whose traffic changed (the connected component of the change; the
 * other components' rates cannot move). Repeated queries cost O(1).
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
  alphaUs: number;
  /** Registration order: a component's flows are solved in it. */
  readonly order: number;
  /** Each hop's rate in the last solve of the job's component, Gbps. */
  rates: Float64Array;
  /** Marks the job as reached by the component search under way. */
  stamp: number;
  /** Whether `messageLatencyUs` is up to date with the last solve of the job's component. */
  derived: boolean;
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
  /** A component's ring flows, in job registration order (reused between solves). */
  readonly #flows: Int32Array[] = [];
  /** The jobs whose routes cross each link (created when first crossed). */
  readonly #jobsOnLink: (Set<number> | undefined)[];
  /** Links whose traffic changed since the last solve (jobs came, went or were rerouted), and their marks. */
  readonly #dirtyLinks: number[] = [];
  readonly #linkStamp: Int32Array;
  #stamp = 0;
  #registered = 0;
  /** Traffic on each link in the last solve, Gbps. */
  readonly #linkLoadGbps: Float64Array;
  /** Scratch: one job's own traffic on each link, zero between uses. */
  readonly #ownLoadGbps: Float64Array;
  #routesVersion: number;
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
    this.#jobsOnLink = new Array<Set<number> | undefined>(topology.linkCount).fill(undefined);
    this.#linkStamp = new Int32Array(topology.linkCount);
    this.#routesVersion = topology.version;
  }

  setListener(listener: FabricListener): void {
    this.#listener = listener;
  }

  /** Max-min solves so far: one per batch of changes (of the jobs it reaches), however many queries follow. */
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
    const job: JobTraffic = {
      jobId,
      nodes: copy,
      routes,
      alphaUs: this.#alphaOf(routes),
      order: this.#registered++,
      rates: new Float64Array(routes?.length ?? 0),
      stamp: 0,
      derived: false,
      messageLatencyUs: 0,
    };
    this.#jobs.set(jobId, job);
    this.#place(job, 1);
  }

  removeJob(jobId: number): void {
    const job = this.#job(jobId);
    this.#place(job, -1);
    this.#jobs.delete(jobId);
  }

  /**
   * Whether no other job's flow crosses a link of this job's ring: then its coming and
   * going changes no one else's rate (a ring inside one rack, on nodes of its own).
   */
  isAlone(jobId: number): boolean {
    this.#refreshRoutes();
    const routes = this.#job(jobId).routes;
    if (routes === null) return true;
    for (const route of routes) for (let i = 0; i < route.length; i++) if ((this.#jobsOnLink[route[i]]?.size ?? 0) > 1) return false;
    return true;
  }

  /** Puts a job's routes on their links (+1) or takes them off (−1); their links' traffic changed. */
  #place(job: JobTraffic, delta: 1 | -1): void {
    const routes = job.routes;
    if (routes === null) return;
    for (const route of routes) {
      for (let i = 0; i < route.length; i++) {
        const link = route[i];
        let jobs = this.#jobsOnLink[link];
        if (delta === 1) {
          if (jobs === undefined) jobs = this.#jobsOnLink[link] = new Set();
          jobs.add(job.jobId);
        } else {
          jobs?.delete(job.jobId);
        }
        this.#markChanged(link);
      }
    }
  }

  #markChanged(link: number): void {
    if (this.#linkStamp[link] === -1) return;
    this.#linkStamp[link] = -1;
    this.#dirtyLinks.push(link);
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
    const job = this.#derived(jobId);
    if (job.routes !== null && job.nodes.length > 1) this.latencySamples.add(job.messageLatencyUs);
    return this.#collectiveUs(job, bytes, algorithm);
  }

  /**
   * The same as `allReduceUs` without a latency sample, from the job's flow rates alone:
   * O(ring hops), for asking after every job each time the traffic changes.
   */
  allReduceUsQuietly(jobId: number, bytes: number, algorithm: AllReduceAlgorithm): number {
    this.#refresh();
    return this.#collectiveUs(this.#job(jobId), bytes, algorithm);
  }

  #collectiveUs(job: JobTraffic, bytes: number, algorithm: AllReduceAlgorithm): number {
    assert(bytes >= 0);
    if (job.routes === null) return Infinity;
    const p = job.nodes.length;
    if (p === 1) return 0;
    const bandwidthGbps = this.#bandwidthOf(job);
    return algorithm === "ring"
      ? ringAllReduceUs(p, bytes, job.alphaUs, bandwidthGbps)
      : treeAllReduceUs(p, bytes, job.alphaUs, bandwidthGbps);
  }

  /** The smallest rate among the job's ring flows in the last solve: 0 while partitioned, Infinity for none. */
  #bandwidthOf(job: JobTraffic): number {
    if (job.routes === null) return 0;
    let bandwidthGbps = Infinity;
    for (let k = 0; k < job.rates.length; k++) bandwidthGbps = Math.min(bandwidthGbps, job.rates[k]);
    return bandwidthGbps;
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
    this.#refresh();
    return this.#bandwidthOf(this.#job(jobId));
  }

  /** The path latency of the job's slowest ring hop, µs (α, uncongested); Infinity while partitioned. */
  alphaUs(jobId: number): number {
    this.#refreshRoutes();
    return this.#job(jobId).alphaUs;
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
    if (!job.derived) this.#derive(job);
    return job;
  }

  #job(jobId: number): JobTraffic {
    const job = this.#jobs.get(jobId);
    assert(job !== undefined, "job not registered with the fabric");
    return job;
  }

  /**
   * Re-solves max-min for the jobs a change can reach: from the links whose traffic
   * changed, every job on them, every link of those jobs, and so on (breadth first). Flows
   * outside that component share no link with it, so their rates stand.
   */
  #refresh(): void {
    this.#refreshRoutes();
    const links = this.#dirtyLinks;
    if (links.length === 0) return;
    const stamp = ++this.#stamp;
    for (const link of links) this.#linkStamp[link] = stamp;
    const component: JobTraffic[] = [];
    for (let i = 0; i < links.length; i++) {
      const jobIds = this.#jobsOnLink[links[i]];
      if (jobIds === undefined) continue;
      for (const jobId of jobIds) {
        const job = this.#job(jobId);
        if (job.stamp === stamp) continue;
        job.stamp = stamp;
        component.push(job);
        for (const route of job.routes ?? []) {
          for (let k = 0; k < route.length; k++) {
            const link = route[k];
            if (this.#linkStamp[link] === stamp) continue;
            this.#linkStamp[link] = stamp;
            links.push(link);
          }
        }
      }
    }
    component.sort((a, b) => a.order - b.order);
    const flows = this.#flows;
    flows.length = 0;
    for (const job of component) for (const route of job.routes ?? []) flows.push(route);
    const rates = this.#solver.solve(flows, this.topology.capacitiesGbps);
    this.#solveCount++;
    const load = this.#linkLoadGbps;
    for (const link of links) load[link] = 0;
    let flow = 0;
    for (const job of component) {
      const routes = job.routes ?? [];
      if (job.rates.length !== routes.length) job.rates = new Float64Array(routes.length);
      for (let k = 0; k < routes.length; k++, flow++) {
        const rateGbps = rates[flow];
        job.rates[k] = rateGbps;
        const route = routes[k];
        for (let i = 0; i < route.length; i++) load[route[i]] += rateGbps;
      }
      job.derived = false;
    }
    links.length = 0;
  }

  /**
   * Reroutes every job when the topology changed since we last looked (through our verbs
   * or behind our back), telling the listener of jobs that lost or regained all paths.
   */
  #refreshRoutes(): RouteChanges {
    const topology = this.topology;
    if (topology.version === this.#routesVersion) return NO_CHANGES;
    this.#routesVersion = topology.version;
    const partitioned: number[] = [];
    const reconnected: number[] = [];
    for (const job of this.#jobs.values()) {
      const wasPartitioned = job.routes === null;
      this.#place(job, -1);
      job.routes = ringRoutes(topology, job.nodes);
      this.#place(job, 1);
      job.alphaUs = this.#alphaOf(job.routes);
      job.derived = false;
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

  /** The job's message latency: its slowest hop's α inflated by the others' traffic on that hop. */
  #derive(job: JobTraffic): void {
    job.derived = true;
    const routes = job.routes;
    if (routes === null || routes.length === 0) {
      job.messageLatencyUs = routes === null ? Infinity : 0;
      return;
    }
    const topology = this.topology;
    const load = this.#linkLoadGbps;
    const own = this.#ownLoadGbps;
    for (let k = 0; k < routes.length; k++) {
      const route = routes[k];
      for (let i = 0; i < route.length; i++) own[route[i]] += job.rates[k];
    }
    let messageLatencyUs = 0;
    for (const route of routes) {
      const hopUs = topology.pathLatencyUs(route);
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
    job.messageLatencyUs = messageLatencyUs;
  }

}
