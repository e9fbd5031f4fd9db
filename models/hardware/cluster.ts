import { assert } from "../../sim/assert.js";
import { TimeWeighted } from "../../sim/metrics.js";
import type { Sim } from "../../sim/sim.js";
import { GpuShares, MILLI, type GpuPlacement, type GpuRequest, type NodeShape, type RequestClass } from "./gpu-share.js";

/**
 * Racks of identical nodes, each with the same number of GPUs, allocated whole.
 *
 * State lives in typed arrays indexed by node id (rack-major: node = rack·nodesPerRack +
 * slot). Each rack's free, up nodes sit on a stack with a position index, so allocating
 * k nodes first-fit costs O(k + racks) (spread: O(k·racks), a scan per node; topology: a
 * sort of the racks when one rack will not do) and taking a crashed free node out costs
 * O(1) — no scan of the cluster's nodes per job. A job's nodes form a linked list through `#nextNodeOfJob`, so an
 * allocation allocates no memory: the job keeps only its first node.
 *
 * Placement: first-fit takes nodes from the lowest-numbered racks; topology-aware spans as
 * few racks (leaf switches) as it can: the fullest-fitting single rack if one has room
 * (best fit), otherwise the racks with the most free nodes first; spread takes one node at
 * a time from the rack with the most free nodes (lowest rack on ties), so load, and the
 * heat racks recirculate, evens out across racks at the price of more leaf switches per job.
 *
 * GPU health per node: ECC error count, temperature and clock factor (1 at full clock; a
 * throttled or degraded node runs slower, and a synchronised job runs at the pace of its
 * slowest node), and whether its GPU driver works with the CUDA runtime jobs use. A node
 * can be drained (quarantined): up, but given no new job; a job on it runs to its end.
 * Verbs (`crash`, `restore`, `drain`, `undrain`, `throttle`, `restoreClock`,
 * `recordEccErrors`, `setDriverCompatible`) are what fault injectors and operators call.
 *
 * GPU-granular clusters (`sharing`): nodes have shapes of their own (GPU model and speed,
 * GPUs, CPUs, memory, driver) and run several jobs each while their requests fit; the
 * allocation is `GpuShares`' (gpu-share.ts), and a job's parts replace its node list.
 * Accounting then counts thousandths of a GPU, not nodes (`unitGpus` is 1/1000).
 *
 * Leaves out, for now: per-GPU (rather than per-node) health, the thermal dynamics that
 * drive temperature.
 */
export interface ClusterOptions {
  readonly racks: number;
  readonly nodesPerRack: number;
  readonly gpusPerNode: number;
  /** GPU-granular allocation: each node's shape, the workload's typical mix, the placement; absent: whole nodes. */
  readonly sharing?: GpuSharingOptions | null;
}

export interface GpuSharingOptions {
  /** One per node, rack-major. */
  readonly shapes: readonly NodeShape[];
  readonly mix: readonly RequestClass[];
  readonly placement: GpuPlacement;
}

/** A node's GPUs as the scheduler and injectors see them. */
export interface NodeHealth {
  readonly clockFactor: number;
  readonly temperatureC: number;
  readonly eccErrors: number;
}

/** Idle GPU temperature, °C, before any thermal model heats them. */
const IDLE_TEMPERATURE_C = 35;

/** How the cluster picks a job's nodes among the free ones. */
export type Placement = "first-fit" | "topology" | "spread";

const NO_JOB = -1;
/** End of a job's node list. */
export const NO_NODE = -1;

/** Who hears of changes in capacity: the model that owns the jobs. */
export interface ClusterListener {
  /** A failure (`cause`) took `node` from a running job; the listener must end the job's attempt. */
  jobLostNode(jobId: number, node: number, cause: string): void;
  /** Nodes came back (or out of a drain) and are free. */
  nodesRestored(nodes: readonly number[]): void;
  /** A node's clock changed: the job on it (if any) now runs at another pace. */
  clockChanged(node: number): void;
  /** Runs `tell` (which ends several jobs) as one change: no job starts until all have ended. */
  asOneChange(tell: () => void): void;
}

/** Why a node's GPUs run below full speed: heat, a degrading part (ECC errors), or a slower GPU model. */
export const enum ClockCause {
  Thermal = 0,
  Degraded = 1,
  SlowerModel = 2,
}

export class Cluster {
  readonly options: ClusterOptions;
  readonly nodeCount: number;
  readonly gpusPerNode: number;
  /** GPU-granular allocation; null when jobs take whole nodes. */
  readonly shares: GpuShares | null;
  /** GPUs in one unit of `busyUnits` and `upUnits`: a node's GPUs, or 1/1000 when GPU-granular. */
  readonly unitGpus: number;
  /** Units (nodes, or thousandths of a GPU when GPU-granular) held by jobs, over time. */
  readonly busyUnits: TimeWeighted;
  /** Nodes not down, over time. */
  readonly upNodes: TimeWeighted;
  /** Units (nodes, or thousandths of a GPU when GPU-granular) not down, over time. */
  readonly upUnits: TimeWeighted;
  readonly #sim: Sim;
  readonly #up: Uint8Array;
  readonly #jobOfNode: Int32Array;
  readonly #nextNodeOfJob: Int32Array;
  /** Rack r's free nodes are `#freeStack[r·nodesPerRack …)`, `#freeCountByRack[r]` of them. */
  readonly #freeStack: Int32Array;
  readonly #freePosition: Int32Array;
  readonly #freeCountByRack: Int32Array;
  readonly #racksByFree: number[];
  readonly #rackMarks: Float64Array;
  readonly #rackOfNode: Int32Array;
  readonly #nodesPerRack: number;
  readonly #clockFactor: Float64Array;
  readonly #clockCause: Uint8Array;
  readonly #drained: Uint8Array;
  readonly #driverCompatible: Uint8Array;
  readonly #temperatureC: Float64Array;
  readonly #eccErrors: Int32Array;
  #rackMark = 0;
  /** The allocation under way: job, list built so far, nodes still needed. */
  #allocatingJob = NO_JOB;
  #allocatedFirst = NO_NODE;
  #allocationNeeded = 0;
  /** No rack below this one has a free node (first-fit starts its search here). */
  #lowestRackWithFree = 0;
  #freeCount: number;
  #listener: ClusterListener | null = null;

  constructor(sim: Sim, options: ClusterOptions) {
    assert(options.racks > 0);
    assert(options.nodesPerRack > 0);
    assert(options.gpusPerNode >= 0);
    this.#sim = sim;
    this.options = options;
    this.nodeCount = options.racks * options.nodesPerRack;
    this.gpusPerNode = options.gpusPerNode;
    this.#up = new Uint8Array(this.nodeCount).fill(1);
    this.#jobOfNode = new Int32Array(this.nodeCount).fill(NO_JOB);
    this.#nextNodeOfJob = new Int32Array(this.nodeCount).fill(NO_NODE);
    this.#freeStack = new Int32Array(this.nodeCount);
    this.#freePosition = new Int32Array(this.nodeCount);
    this.#freeCountByRack = new Int32Array(options.racks);
    this.#racksByFree = Array.from({ length: options.racks }, (_, rack) => rack);
    this.#rackMarks = new Float64Array(options.racks);
    this.#clockFactor = new Float64Array(this.nodeCount).fill(1);
    this.#clockCause = new Uint8Array(this.nodeCount);
    this.#drained = new Uint8Array(this.nodeCount);
    this.#driverCompatible = new Uint8Array(this.nodeCount).fill(1);
    this.#temperatureC = new Float64Array(this.nodeCount).fill(IDLE_TEMPERATURE_C);
    this.#eccErrors = new Int32Array(this.nodeCount);
    this.#nodesPerRack = options.nodesPerRack;
    this.#rackOfNode = new Int32Array(this.nodeCount);
    for (let node = 0; node < this.nodeCount; node++) this.#rackOfNode[node] = Math.floor(node / options.nodesPerRack);
    this.#freeCount = 0;
    // Highest slots pushed first, so a rack hands out its lowest-numbered nodes first.
    for (let node = this.nodeCount - 1; node >= 0; node--) this.#pushFree(node);
    const sharing = options.sharing ?? null;
    assert(sharing === null || sharing.shapes.length === this.nodeCount, "a shape per node");
    this.shares = sharing === null ? null : new GpuShares(sharing.shapes, (node) => this.#rackOfNode[node], sharing.mix, sim.now);
    this.#placement = sharing?.placement ?? "first-fit";
    this.unitGpus = this.shares === null ? options.gpusPerNode : 1 / MILLI;
    for (let node = 0; node < this.nodeCount && this.shares !== null; node++) if (this.shares.speedOf(node) < 1) this.#mixedSpeeds = true;
    this.busyUnits = new TimeWeighted(sim.now, 0);
    this.upNodes = new TimeWeighted(sim.now, this.nodeCount);
    this.upUnits = this.shares === null ? this.upNodes : new TimeWeighted(sim.now, this.shares.gpuCount * MILLI);
  }

  readonly #placement: GpuPlacement;

  setListener(listener: ClusterListener): void {
    this.#listener = listener;
  }

  /** Node crashes so far, of any cause. */
  crashCount = 0;
  /** Nodes below full clock, and nodes whose driver does not work: most runs have none. */
  #slowNodeCount = 0;
  /** Some GPU model is slower than the fastest: every job's pace walks its nodes. */
  #mixedSpeeds = false;
  #incompatibleNodeCount = 0;

  /** Free units that are up: nodes, or thousandths of a GPU when GPU-granular. */
  get freeCount(): number {
    return this.shares === null ? this.#freeCount : this.shares.openFreeMilli;
  }

  get gpuCount(): number {
    return this.shares === null ? this.nodeCount * this.gpusPerNode : this.shares.gpuCount;
  }

  /** "r03n17": rack 3, slot 17. */
  nodeName(node: number): string {
    const rack = Math.floor(node / this.options.nodesPerRack);
    const slot = node - rack * this.options.nodesPerRack;
    return `r${String(rack).padStart(2, "0")}n${String(slot).padStart(2, "0")}`;
  }

  isUp(node: number): boolean {
    return this.#up[node] === 1;
  }

  /** The job on a node (GPU-granular: the first of them), or -1. */
  jobOn(node: number): number {
    return this.shares === null ? this.#jobOfNode[node] : this.shares.firstJobOn(node);
  }

  /** Every job on a node. */
  jobsOn(node: number): number[] {
    if (this.shares !== null) return this.shares.jobsOn(node);
    return this.#jobOfNode[node] === NO_JOB ? [] : [this.#jobOfNode[node]];
  }

  /** Whether a GPU request can be placed now (GPU-granular clusters). */
  canPlace(request: GpuRequest): boolean {
    return this.shares !== null && this.shares.canPlace(request, this.#placement);
  }

  /** Places a GPU request for a job and returns its first part; `nextPart` walks the rest. */
  place(jobId: number, request: GpuRequest): number {
    assert(this.shares !== null, "placing a GPU request on a whole-node cluster");
    const first = this.shares.place(jobId, request, this.#placement, this.#sim.now);
    this.busyUnits.add(this.#sim.now, request.parts * request.gpuMilli);
    return first;
  }

  /**
   * Gives `count` free nodes to a job and returns the first; `nextNode` walks the rest.
   * The scheduler checked they exist; a miss is a bug.
   */
  allocate(jobId: number, count: number, placement: Placement = "first-fit"): number {
    assert(this.shares === null, "whole nodes are allocated on a whole-node cluster");
    assert(count > 0);
    assert(count <= this.#freeCount, "allocating more nodes than are free");
    this.#allocatingJob = jobId;
    this.#allocatedFirst = NO_NODE;
    this.#allocationNeeded = count;
    if (placement === "first-fit") {
      const freeByRack = this.#freeCountByRack;
      while (freeByRack[this.#lowestRackWithFree] === 0) this.#lowestRackWithFree++;
      for (let rack = this.#lowestRackWithFree; this.#allocationNeeded > 0; rack++) {
        if (freeByRack[rack] > 0) this.#takeFrom(rack);
      }
    } else if (placement === "spread") {
      const freeByRack = this.#freeCountByRack;
      while (this.#allocationNeeded > 0) {
        let emptiest = 0;
        for (let rack = 1; rack < freeByRack.length; rack++) {
          if (freeByRack[rack] > freeByRack[emptiest]) emptiest = rack;
        }
        this.#takeFrom(emptiest, 1);
      }
    } else {
      const bestFit = this.#smallestRackWithRoom(count);
      if (bestFit >= 0) {
        this.#takeFrom(bestFit);
      } else {
        const freeByRack = this.#freeCountByRack;
        // Most free first, then lowest rack: the fewest racks that hold the job.
        this.#racksByFree.sort((a, b) => freeByRack[b] - freeByRack[a] || a - b);
        for (let i = 0; this.#allocationNeeded > 0; i++) this.#takeFrom(this.#racksByFree[i]);
      }
    }
    this.busyUnits.add(this.#sim.now, count);
    return this.#allocatedFirst;
  }

  /** Moves free nodes of `rack` to the allocation under way: as many as it still needs, at most `most`. */
  #takeFrom(rack: number, most = this.#allocationNeeded): void {
    // Every node of every job passes here: counters move once per rack, arrays in locals.
    const jobId = this.#allocatingJob;
    const jobOfNode = this.#jobOfNode;
    const nextNodeOfJob = this.#nextNodeOfJob;
    const freeStack = this.#freeStack;
    const base = rack * this.#nodesPerRack;
    const available = this.#freeCountByRack[rack];
    const taken = Math.min(most, available);
    let first = this.#allocatedFirst;
    for (let position = available - 1; position >= available - taken; position--) {
      const node = freeStack[base + position];
      assert(jobOfNode[node] === NO_JOB, "node allocated twice");
      jobOfNode[node] = jobId;
      nextNodeOfJob[node] = first;
      first = node;
    }
    this.#freeCountByRack[rack] = available - taken;
    this.#freeCount -= taken;
    this.#allocatedFirst = first;
    this.#allocationNeeded -= taken;
  }

  health(node: number): NodeHealth {
    return {
      clockFactor: this.#clockFactor[node],
      temperatureC: this.#temperatureC[node],
      eccErrors: this.#eccErrors[node],
    };
  }

  /** Runs a node's GPUs at `clockFactor` of full speed (0 < factor ≤ 1), for `cause`. */
  throttle(node: number, clockFactor: number, cause: ClockCause, temperatureC?: number): void {
    assert(clockFactor > 0 && clockFactor <= 1, "a clock factor is in (0, 1]");
    const before = this.#clockFactor[node];
    if (before === 1 && clockFactor < 1) this.#slowNodeCount++;
    if (before < 1 && clockFactor === 1) this.#slowNodeCount--;
    this.#clockFactor[node] = clockFactor;
    this.#clockCause[node] = cause;
    if (temperatureC !== undefined) this.#temperatureC[node] = temperatureC;
    if (clockFactor !== before) this.#listener?.clockChanged(node);
  }

  restoreClock(node: number): void {
    const before = this.#clockFactor[node];
    if (before < 1) this.#slowNodeCount--;
    this.#clockFactor[node] = 1;
    this.#temperatureC[node] = IDLE_TEMPERATURE_C;
    if (before !== 1) this.#listener?.clockChanged(node);
  }

  recordEccErrors(node: number, count: number): void {
    assert(count > 0);
    this.#eccErrors[node] += count;
  }

  /** A node's speed: its clock factor times its GPU model's relative speed. */
  #speedOf(node: number): number {
    return this.shares === null ? this.#clockFactor[node] : this.#clockFactor[node] * this.shares.speedOf(node);
  }

  /** The speed of the slowest node of a job, given its first part: its pace. */
  slowestClockFactor(firstPart: number): number {
    if (this.#slowNodeCount === 0 && !this.#mixedSpeeds) return 1; // the usual case: skip the walk
    let slowest = 1;
    for (let part = firstPart; part !== NO_NODE; part = this.nextPart(part)) {
      const speed = this.#speedOf(this.nodeOfPart(part));
      if (speed < slowest) slowest = speed;
    }
    return slowest;
  }

  /** Why the slowest node of a job (given its first part) is slow; Thermal when none is. */
  slowestClockCause(firstPart: number): ClockCause {
    let slowest = 1;
    let cause = ClockCause.Thermal;
    for (let part = firstPart; part !== NO_NODE; part = this.nextPart(part)) {
      const node = this.nodeOfPart(part);
      const speed = this.#speedOf(node);
      if (speed < slowest) {
        slowest = speed;
        cause = this.#clockFactor[node] < 1 ? this.#clockCause[node] : ClockCause.SlowerModel;
      }
    }
    return cause;
  }

  /** Racks a job's nodes span, given its first part. */
  racksSpanned(firstPart: number): number {
    // Stamp each rack seen with a fresh mark: no clearing, no allocation.
    const mark = ++this.#rackMark;
    let racks = 0;
    for (let part = firstPart; part !== NO_NODE; part = this.nextPart(part)) {
      const rack = this.rackOf(this.nodeOfPart(part));
      if (this.#rackMarks[rack] !== mark) {
        this.#rackMarks[rack] = mark;
        racks++;
      }
    }
    return racks;
  }

  rackOf(node: number): number {
    return this.#rackOfNode[node];
  }

  /** The rack with the fewest free nodes that still has `count`, or -1. */
  #smallestRackWithRoom(count: number): number {
    let best = -1;
    for (let rack = 0; rack < this.options.racks; rack++) {
      const free = this.#freeCountByRack[rack];
      if (free >= count && (best < 0 || free < this.#freeCountByRack[best])) best = rack;
    }
    return best;
  }

  /** The part after `part` in its job's list, or NO_NODE (on whole nodes a part is a node). */
  nextPart(part: number): number {
    return this.shares === null ? this.#nextNodeOfJob[part] : this.shares.nextSlotOfJob(part);
  }

  /** The node a job's part is on. */
  nodeOfPart(part: number): number {
    return this.shares === null ? part : this.shares.nodeOfSlot(part);
  }

  /** Takes back all nodes (or parts) of a job, given its first; nodes still up become free. */
  release(jobId: number, firstNode: number): void {
    if (this.shares !== null) {
      this.busyUnits.add(this.#sim.now, -this.shares.release(jobId, firstNode, this.#sim.now));
      return;
    }
    // The hottest loop of a large run (every node of every job): arrays in locals.
    const jobOfNode = this.#jobOfNode;
    const nextNodeOfJob = this.#nextNodeOfJob;
    const up = this.#up;
    let count = 0;
    for (let node = firstNode; node !== NO_NODE; ) {
      assert(jobOfNode[node] === jobId, "releasing a node the job does not hold");
      const next = nextNodeOfJob[node];
      jobOfNode[node] = NO_JOB;
      nextNodeOfJob[node] = NO_NODE;
      if (up[node] === 1 && this.#drained[node] === 0) this.#pushFree(node);
      node = next;
      count++;
    }
    this.busyUnits.add(this.#sim.now, -count);
  }

  /** Takes a node down for `cause`. The listener ends the attempt of a job running on it. */
  crash(node: number, cause = "node-crash"): void {
    this.crashNodes([node], cause);
  }

  /**
   * Takes several nodes down at once (a rack losing power): all are down before any job is
   * told, so a job killed by the first cannot be placed again on the next.
   */
  crashNodes(nodes: readonly number[], cause = "node-crash"): void {
    const victims: number[] = [];
    this.crashCount += nodes.length;
    if (this.shares !== null) {
      this.#crashShared(nodes, cause);
      return;
    }
    for (const node of nodes) {
      assert(this.#up[node] === 1, "crashing a node that is down");
      this.#up[node] = 0;
      this.upNodes.add(this.#sim.now, -1);
      const jobId = this.#jobOfNode[node];
      if (jobId === NO_JOB) {
        if (this.#drained[node] === 0) this.#removeFree(node);
      } else {
        victims.push(node);
      }
    }
    for (const node of victims) {
      const jobId = this.#jobOfNode[node];
      if (jobId === NO_JOB) continue; // its job was already ended by an earlier node's loss
      assert(this.#listener !== null, "a running job lost a node and no one was told");
      this.#listener.jobLostNode(jobId, node, cause);
    }
  }

  /** GPU-granular crashes: every node closed and down first, then every job with a part on one ended. */
  #crashShared(nodes: readonly number[], cause: string): void {
    const shares = this.shares!;
    for (const node of nodes) {
      assert(this.#up[node] === 1, "crashing a node that is down");
      this.#up[node] = 0;
      this.upNodes.add(this.#sim.now, -1);
      this.upUnits.add(this.#sim.now, -shares.gpusOf(node) * MILLI);
      shares.setOpen(node, false, this.#sim.now);
    }
    const listener = this.#listener;
    if (nodes.every((node) => shares.firstJobOn(node) === NO_JOB)) return;
    assert(listener !== null, "a running job lost a node and no one was told");
    // Several jobs may share a node: none restarts (on stale capacity) before all have ended.
    listener.asOneChange(() => {
      for (const node of nodes) {
        // Ending a job releases its parts, this node's among them: the next job on it comes first.
        for (let jobId = shares.firstJobOn(node); jobId !== NO_JOB; jobId = shares.firstJobOn(node)) listener.jobLostNode(jobId, node, cause);
      }
    });
  }

  /** Brings a node back into service, idle. */
  restore(node: number): void {
    this.restoreNodes([node]);
  }

  /** Brings several nodes back at once: all are up before anyone is told. */
  restoreNodes(nodes: readonly number[]): void {
    const freed: number[] = [];
    for (const node of nodes) {
      assert(this.#up[node] === 0, "restoring a node that is up");
      assert(this.jobOn(node) === NO_JOB, "a down node holds no job");
      this.#up[node] = 1;
      this.upNodes.add(this.#sim.now, 1);
      if (this.shares !== null) this.upUnits.add(this.#sim.now, this.shares.gpusOf(node) * MILLI);
      if (this.#drained[node] === 0) {
        if (this.shares === null) this.#pushFree(node);
        else this.shares.setOpen(node, true, this.#sim.now);
        freed.push(node);
      }
    }
    if (freed.length > 0) this.#listener?.nodesRestored(freed);
  }

  isDrained(node: number): boolean {
    return this.#drained[node] === 1;
  }

  /** Gives the node no new job (a quarantine); a job running on it goes on. */
  drain(node: number): void {
    assert(this.#drained[node] === 0, "draining a drained node");
    this.#drained[node] = 1;
    if (this.shares !== null) {
      if (this.#up[node] === 1) this.shares.setOpen(node, false, this.#sim.now);
      return;
    }
    if (this.#up[node] === 1 && this.#jobOfNode[node] === NO_JOB) this.#removeFree(node);
  }

  /** Returns a drained node to service. */
  undrain(node: number): void {
    assert(this.#drained[node] === 1, "undraining a node that is not drained");
    this.#drained[node] = 0;
    if (this.shares !== null) {
      if (this.#up[node] === 1) {
        this.shares.setOpen(node, true, this.#sim.now);
        this.#listener?.nodesRestored([node]);
      }
      return;
    }
    if (this.#up[node] === 1 && this.#jobOfNode[node] === NO_JOB) {
      this.#pushFree(node);
      this.#listener?.nodesRestored([node]);
    }
  }

  isDriverCompatible(node: number): boolean {
    return this.#driverCompatible[node] === 1;
  }

  setDriverCompatible(node: number, compatible: boolean): void {
    const was = this.#driverCompatible[node] === 1;
    if (was && !compatible) this.#incompatibleNodeCount++;
    if (!was && compatible) this.#incompatibleNodeCount--;
    this.#driverCompatible[node] = compatible ? 1 : 0;
  }

  /**
   * The first node of a job's list whose driver does not work for it, or NO_NODE: a driver
   * marked bad, or (GPU-granular) one whose highest CUDA version is below the `cuda` the
   * job is built for (major·100 + minor; 0: not declared).
   */
  firstIncompatibleDriver(firstPart: number, cuda = 0): number {
    const checkVersions = cuda > 0 && this.shares !== null;
    if (this.#incompatibleNodeCount === 0 && !checkVersions) return NO_NODE; // the usual case: skip the walk
    for (let part = firstPart; part !== NO_NODE; part = this.nextPart(part)) {
      const node = this.nodeOfPart(part);
      if (this.#driverCompatible[node] === 0) return node;
      if (checkVersions) {
        const cudaMax = this.shares!.cudaMaxOf(node);
        if (cudaMax > 0 && cuda > cudaMax) return node;
      }
    }
    return NO_NODE;
  }

  /** Checks the free stacks against node states: every free node up and idle, and only those. */
  checkInvariants(): void {
    if (this.shares !== null) {
      this.shares.checkInvariants();
      return;
    }
    let freeExpected = 0;
    for (let node = 0; node < this.nodeCount; node++) {
      if (this.#up[node] === 1 && this.#jobOfNode[node] === NO_JOB && this.#drained[node] === 0) {
        freeExpected++;
        const rack = this.rackOf(node);
        const position = this.#freePosition[node];
        const base = rack * this.options.nodesPerRack;
        assert(position < this.#freeCountByRack[rack], "free node missing from its rack's stack");
        assert(this.#freeStack[base + position] === node, "free node missing from its rack's stack");
      }
    }
    assert(freeExpected === this.#freeCount, "free count disagrees with node states");
  }

  #pushFree(node: number): void {
    const rack = this.#rackOfNode[node];
    if (rack < this.#lowestRackWithFree) this.#lowestRackWithFree = rack;
    const position = this.#freeCountByRack[rack]++;
    this.#freeStack[rack * this.#nodesPerRack + position] = node;
    this.#freePosition[node] = position;
    this.#freeCount++;
  }

  #removeFree(node: number): void {
    const rack = this.rackOf(node);
    const base = rack * this.options.nodesPerRack;
    const position = this.#freePosition[node];
    assert(position < this.#freeCountByRack[rack] && this.#freeStack[base + position] === node, "node is not free");
    const lastPosition = --this.#freeCountByRack[rack];
    const last = this.#freeStack[base + lastPosition];
    this.#freeStack[base + position] = last;
    this.#freePosition[last] = position;
    this.#freeCount--;
  }
}
