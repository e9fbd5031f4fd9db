import { assert } from "../../sim/assert.js";
import { TimeWeighted } from "../../sim/metrics.js";
import type { Sim } from "../../sim/sim.js";

/**
 * Racks of identical nodes, each with the same number of GPUs, allocated whole.
 *
 * State lives in typed arrays indexed by node id (rack-major: node = rack·nodesPerRack +
 * slot). Free, up nodes sit on a stack with a position index, so allocating k nodes costs
 * O(k) and taking a crashed free node out costs O(1) — no scan of the cluster per job.
 * A job's nodes form a linked list through `#nextNodeOfJob`, so an allocation allocates
 * no memory: the job keeps only its first node.
 *
 * Leaves out, for now: CPUs and memory as schedulable resources, GPU health, the fabric.
 */
export interface ClusterOptions {
  readonly racks: number;
  readonly nodesPerRack: number;
  readonly gpusPerNode: number;
}

const NO_JOB = -1;
/** End of a job's node list. */
export const NO_NODE = -1;

/** Who hears of changes in capacity: the model that owns the jobs. */
export interface ClusterListener {
  /** A crash took `node` from a running job; the listener must end the job's attempt. */
  jobLostNode(jobId: number, node: number): void;
  /** A node came back and is free. */
  nodeRestored(node: number): void;
}

export class Cluster {
  readonly options: ClusterOptions;
  readonly nodeCount: number;
  readonly gpusPerNode: number;
  /** Nodes held by jobs, over time. */
  readonly busyNodes: TimeWeighted;
  /** Nodes not down, over time. */
  readonly upNodes: TimeWeighted;
  readonly #sim: Sim;
  readonly #up: Uint8Array;
  readonly #jobOfNode: Int32Array;
  readonly #nextNodeOfJob: Int32Array;
  readonly #freeStack: Int32Array;
  readonly #freePosition: Int32Array;
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
    // Lowest ids on top, so an idle cluster fills rack 0 first.
    for (let i = 0; i < this.nodeCount; i++) {
      const node = this.nodeCount - 1 - i;
      this.#freeStack[i] = node;
      this.#freePosition[node] = i;
    }
    this.#freeCount = this.nodeCount;
    this.busyNodes = new TimeWeighted(sim.now, 0);
    this.upNodes = new TimeWeighted(sim.now, this.nodeCount);
  }

  setListener(listener: ClusterListener): void {
    this.#listener = listener;
  }

  /** Free nodes that are up. */
  get freeCount(): number {
    return this.#freeCount;
  }

  get gpuCount(): number {
    return this.nodeCount * this.gpusPerNode;
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

  /** The job on a node, or -1. */
  jobOn(node: number): number {
    return this.#jobOfNode[node];
  }

  /**
   * Gives `count` free nodes to a job and returns the first; `nextNode` walks the rest.
   * The scheduler checked they exist; a miss is a bug.
   */
  allocate(jobId: number, count: number): number {
    assert(count > 0);
    assert(count <= this.#freeCount, "allocating more nodes than are free");
    let first = NO_NODE;
    for (let i = 0; i < count; i++) {
      const node = this.#freeStack[--this.#freeCount];
      assert(this.#jobOfNode[node] === NO_JOB, "node allocated twice");
      this.#jobOfNode[node] = jobId;
      this.#nextNodeOfJob[node] = first;
      first = node;
    }
    this.busyNodes.add(this.#sim.now, count);
    return first;
  }

  /** The node after `node` in its job's list, or NO_NODE. */
  nextNode(node: number): number {
    return this.#nextNodeOfJob[node];
  }

  /** Takes back all nodes of a job, given its first; those still up become free. */
  release(jobId: number, firstNode: number): void {
    let count = 0;
    for (let node = firstNode; node !== NO_NODE; ) {
      assert(this.#jobOfNode[node] === jobId, "releasing a node the job does not hold");
      const next = this.#nextNodeOfJob[node];
      this.#jobOfNode[node] = NO_JOB;
      this.#nextNodeOfJob[node] = NO_NODE;
      if (this.#up[node] === 1) this.#pushFree(node);
      node = next;
      count++;
    }
    this.busyNodes.add(this.#sim.now, -count);
  }

  /** Takes a node down. The listener ends the attempt of a job running on it. */
  crash(node: number): void {
    assert(this.#up[node] === 1, "crashing a node that is down");
    this.#up[node] = 0;
    this.upNodes.add(this.#sim.now, -1);
    const jobId = this.#jobOfNode[node];
    if (jobId === NO_JOB) this.#removeFree(node);
    else {
      assert(this.#listener !== null, "a running job lost a node and no one was told");
      this.#listener.jobLostNode(jobId, node);
    }
  }

  /** Brings a node back into service, idle. */
  restore(node: number): void {
    assert(this.#up[node] === 0, "restoring a node that is up");
    assert(this.#jobOfNode[node] === NO_JOB, "a down node holds no job");
    this.#up[node] = 1;
    this.upNodes.add(this.#sim.now, 1);
    this.#pushFree(node);
    this.#listener?.nodeRestored(node);
  }

  /** Checks the free stack against node states: every free node up and idle, and only those. */
  checkInvariants(): void {
    let freeExpected = 0;
    for (let node = 0; node < this.nodeCount; node++) {
      if (this.#up[node] === 1 && this.#jobOfNode[node] === NO_JOB) {
        freeExpected++;
        const position = this.#freePosition[node];
        assert(position < this.#freeCount && this.#freeStack[position] === node, "free node missing from stack");
      }
    }
    assert(freeExpected === this.#freeCount, "free count disagrees with node states");
  }

  #pushFree(node: number): void {
    this.#freePosition[node] = this.#freeCount;
    this.#freeStack[this.#freeCount++] = node;
  }

  #removeFree(node: number): void {
    const position = this.#freePosition[node];
    assert(position < this.#freeCount && this.#freeStack[position] === node, "node is not free");
    const last = this.#freeStack[--this.#freeCount];
    this.#freeStack[position] = last;
    this.#freePosition[last] = position;
  }
}
