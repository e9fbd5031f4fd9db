import { assert } from "../../sim/assert.js";
import { TimeWeighted } from "../../sim/metrics.js";

/**
 * GPU-granular allocation: nodes of several shapes (GPU model, GPU count, CPUs, memory,
 * driver), each running several jobs while their requests fit. A job asks for a share of
 * one GPU (a fraction, in thousandths, as the Alibaba GPU v2023 trace does) or for whole
 * GPUs, with CPUs and memory, on each of `parts` nodes; a job of several parts is a gang:
 * all its parts are placed at once, on distinct nodes, or none is.
 *
 * Placement policies, each a rule for the node (and, for a share, the GPU) of every part:
 * - first-fit: the lowest-numbered node that holds the part; the lowest GPU that holds it;
 * - best-fit: the node left with the fewest free GPUs (packing); the fullest GPU that fits;
 * - spread: the node left with the most free GPUs; the emptiest GPU;
 * - topology: best-fit within the fewest racks for a gang (a rack that holds all parts if
 *   one does, else racks with the most room first);
 * - fastest: the node with the fastest GPU model that holds the part, best-fit among those
 *   (model-aware: first-fit and the others do not look at speed);
 * - fgd: fragmentation gradient descent (Weng et al., "Beware of Fragmentation", USENIX
 *   ATC '23): the node and GPU where the expected fragmentation grows least.
 *
 * Fragmentation, as that paper defines it: for a task class m of the workload's typical
 * mix, the free GPU capacity of node n that m cannot use — all of it when m cannot run on n
 * (too few CPUs, no GPU that holds it, another GPU model, or m needs no GPU), else the free
 * capacity of the GPUs too small for m. A node's fragmentation is that amount averaged over
 * the mix by popularity; the cluster's is the sum over nodes. The sum is kept as nodes
 * change, time-weighted, and fgd reads the change a placement would make.
 *
 * Allocation records ("slots", one per part) live in growable typed arrays with a free
 * list: a job keeps its first slot, the rest are linked; each node links the slots on it.
 * First-fit finds its node through a max-tree over the nodes (largest GPU share free,
 * whole GPUs free, CPUs and memory free; -1 for a closed node): subtrees that cannot hold
 * the part are skipped, so a large cluster is not scanned node by node.
 */

/** Thousandths of a GPU: a GPU's whole capacity. */
export const MILLI = 1000;

/** What a node is made of. */
export interface NodeShape {
  readonly gpus: number;
  readonly cpuMilli: number;
  readonly memoryMiB: number;
  /** GPU model, e.g. "H100"; "" for none. */
  readonly model: string;
  /** Speed of its GPUs relative to the cluster's fastest model, in (0, 1]. */
  readonly speed: number;
  /** Highest CUDA version its driver runs, as major·100 + minor (12.4 → 1204); 0: not declared. */
  readonly cudaMax: number;
}

/** What each part of a job asks for. */
export interface GpuRequest {
  /** Parts of a gang, each on its own node; 1 for most jobs. */
  readonly parts: number;
  /** GPU per part, thousandths: below 1000 a share of one GPU, else a multiple of 1000 (whole GPUs); 0: none. */
  readonly gpuMilli: number;
  readonly cpuMilli: number;
  readonly memoryMiB: number;
  /** The GPU model it must run on; null: any. */
  readonly model: string | null;
  /** CUDA version it is built for, major·100 + minor; 0: not declared. */
  readonly cuda: number;
  /** Names its class: requests with equal keys are interchangeable (parts, GPU, CPU, memory, model). */
  readonly key: string;
}

/** A request with its class key filled in. */
export function gpuRequest(fields: Omit<GpuRequest, "key">): GpuRequest {
  return { ...fields, key: `${fields.parts}/${fields.gpuMilli}/${fields.cpuMilli}/${fields.memoryMiB}/${fields.model ?? ""}` };
}

/** Thousandths of a GPU a drawn GPU count asks for per part: a share below 1 (at least a thousandth), else whole GPUs. */
export function gpuMilliOf(draw: number): number {
  return draw < 1 ? Math.max(1, Math.round(draw * MILLI)) : Math.round(draw) * MILLI;
}

/** A class of requests in the workload's typical mix, with its share of the jobs. */
export interface RequestClass {
  readonly gpuMilli: number;
  readonly cpuMilli: number;
  readonly model: string | null;
  readonly weight: number;
}

/** One placed part: its node, the GPUs it holds (thousandths of each), CPUs and memory. */
export interface PlacedPart {
  readonly node: number;
  readonly gpus: readonly number[];
  readonly milli: number;
  readonly cpuMilli: number;
  readonly memoryMiB: number;
}

export const GPU_PLACEMENTS = ["first-fit", "best-fit", "spread", "topology", "fastest", "fgd"] as const;
export type GpuPlacement = (typeof GPU_PLACEMENTS)[number];

const NO_SLOT = -1;
/** fgd's cache holds at most this many (request class, node) entries, 20 bytes each. */
const FGD_CACHE_ENTRIES_MAX = 4_000_000;
const ANY_MODEL = -1;
const UNKNOWN_MODEL = -2;

/** The popular request classes covering `coverage` of the jobs, the rule the FGD paper's simulator uses (60%). */
export function typicalMix(requests: Iterable<GpuRequest>, coverage = 0.6): RequestClass[] {
  const counts = new Map<string, { gpuMilli: number; cpuMilli: number; model: string | null; count: number }>();
  let total = 0;
  for (const request of requests) {
    const key = `${request.gpuMilli}/${request.cpuMilli}/${request.model ?? ""}`;
    const entry = counts.get(key);
    if (entry === undefined) counts.set(key, { gpuMilli: request.gpuMilli, cpuMilli: request.cpuMilli, model: request.model, count: request.parts });
    else entry.count += request.parts;
    total += request.parts;
  }
  // Most popular first; ties in a fixed order so the mix is the same on every run.
  const sorted = [...counts.values()].sort((a, b) => b.count - a.count || a.gpuMilli - b.gpuMilli || a.cpuMilli - b.cpuMilli || (a.model ?? "").localeCompare(b.model ?? ""));
  const mix: RequestClass[] = [];
  let covered = 0;
  for (const entry of sorted) {
    if (covered >= coverage * total) break;
    covered += entry.count;
    mix.push({ gpuMilli: entry.gpuMilli, cpuMilli: entry.cpuMilli, model: entry.model, weight: entry.count / total });
  }
  return mix;
}

/** The GPU-granular state of a cluster's nodes and the parts placed on them. */
export class GpuShares {
  readonly nodeCount: number;
  /** GPUs of all nodes. */
  readonly gpuCount: number;
  /** GPUs allocated (shares counted as fractions), over time. */
  readonly allocatedGpus: TimeWeighted;
  /** GPUs free but unusable by the typical mix (the FGD paper's measure), over time. */
  readonly fragmentedGpus: TimeWeighted;
  readonly #gpus: Int32Array;
  readonly #gpuBase: Int32Array;
  readonly #cpuTotal: Int32Array;
  readonly #memTotal: Float64Array;
  readonly #modelOf: Int32Array;
  readonly #speed: Float64Array;
  readonly #cudaMax: Int32Array;
  readonly #rackOf: Int32Array;
  readonly #rackCount: number;
  readonly #models = new Map<string, number>();
  /** Free thousandths of each GPU, node-major (node n's GPUs start at `#gpuBase[n]`). */
  readonly #gpuFree: Int32Array;
  readonly #cpuFree: Int32Array;
  readonly #memFree: Float64Array;
  /** GPUs of a node with nothing allocated on them. */
  readonly #wholeFree: Int32Array;
  /** Free thousandths of a node's GPUs, all together. */
  readonly #milliFree: Int32Array;
  /** 1 while a node may take new parts (up, not drained). */
  readonly #open: Uint8Array;
  readonly #firstSlotOfNode: Int32Array;
  /** Bumped whenever a node's free resources change (fgd's cache key). */
  readonly #nodeVersion: Int32Array;
  /** Each node's fragmentation for the mix, thousandths of a GPU. */
  readonly #nodeFrag: Float64Array;
  #fragTotal = 0;
  #openFreeMilli = 0;
  readonly #mix: readonly { gpuMilli: number; cpuMilli: number; model: number; weight: number }[];
  // Slots: one per placed part.
  #slotNode = new Int32Array(64);
  #slotJob = new Int32Array(64);
  #slotNextOfJob = new Int32Array(64);
  #slotNextOfNode = new Int32Array(64);
  #slotGpuMask = new Uint32Array(64);
  #slotGpuMilli = new Int32Array(64);
  #slotCpu = new Int32Array(64);
  #slotMem = new Float64Array(64);
  #freeSlot = NO_SLOT;
  #slotsUsed = 0;
  // The plan of the last `canPlace`: node and GPUs of each part, valid while nothing changed.
  #planNodes = new Int32Array(8);
  #planMasks = new Uint32Array(8);
  #planRequest: GpuRequest | null = null;
  #planPlacement: GpuPlacement | null = null;
  #planVersion = -1;
  #version = 0;
  /** Marks nodes taken by the gang being planned (stamp per plan: no clearing). */
  readonly #taken: Int32Array;
  #stamp = 0;
  readonly #rackScratch: Int32Array;
  readonly #scratchFree: Int32Array;
  /** fgd's per-request-class cache of each node's fragmentation change and best GPU. */
  readonly #fgdCache = new Map<string, { delta: Float64Array; gpu: Int32Array; version: Int32Array }>();
  readonly #everHolds = new Map<string, boolean>();
  /** The first-fit max-tree: leaves at `#treeSize + node`, each inner entry the max of its two children. */
  readonly #treeSize: number;
  readonly #treeShare: Int32Array;
  readonly #treeWhole: Int32Array;
  readonly #treeCpu: Int32Array;
  readonly #treeMem: Float64Array;
  /** Bumped whenever capacity is given back (a release, a node opened). */
  #freedEpoch = 0;
  /** For each request class that did not fit: the freed epoch it was tried in. */
  readonly #noFitSince = new Map<string, number>();

  constructor(shapes: readonly NodeShape[], rackOf: (node: number) => number, mix: readonly RequestClass[], nowUs = 0) {
    const n = shapes.length;
    assert(n > 0);
    this.nodeCount = n;
    this.#gpus = new Int32Array(n);
    this.#gpuBase = new Int32Array(n + 1);
    this.#cpuTotal = new Int32Array(n);
    this.#memTotal = new Float64Array(n);
    this.#modelOf = new Int32Array(n);
    this.#speed = new Float64Array(n);
    this.#cudaMax = new Int32Array(n);
    this.#rackOf = new Int32Array(n);
    let gpuCount = 0;
    let racks = 0;
    for (let node = 0; node < n; node++) {
      const shape = shapes[node];
      assert(shape.gpus >= 0 && shape.gpus <= 32, "a node has at most 32 GPUs");
      assert(shape.speed > 0 && shape.speed <= 1, "a GPU model's relative speed is in (0, 1]");
      this.#gpus[node] = shape.gpus;
      this.#gpuBase[node] = gpuCount;
      gpuCount += shape.gpus;
      this.#cpuTotal[node] = shape.cpuMilli;
      this.#memTotal[node] = shape.memoryMiB;
      this.#modelOf[node] = this.#modelId(shape.model, true);
      this.#speed[node] = shape.speed;
      this.#cudaMax[node] = shape.cudaMax;
      this.#rackOf[node] = rackOf(node);
      racks = Math.max(racks, this.#rackOf[node] + 1);
    }
    this.#gpuBase[n] = gpuCount;
    this.gpuCount = gpuCount;
    this.#rackCount = racks;
    this.#gpuFree = new Int32Array(gpuCount).fill(MILLI);
    this.#cpuFree = Int32Array.from(this.#cpuTotal);
    this.#memFree = Float64Array.from(this.#memTotal);
    this.#wholeFree = Int32Array.from(this.#gpus);
    this.#milliFree = new Int32Array(n);
    for (let node = 0; node < n; node++) this.#milliFree[node] = this.#gpus[node] * MILLI;
    this.#openFreeMilli = gpuCount * MILLI;
    this.#open = new Uint8Array(n).fill(1);
    this.#firstSlotOfNode = new Int32Array(n).fill(NO_SLOT);
    this.#nodeVersion = new Int32Array(n);
    this.#nodeFrag = new Float64Array(n);
    this.#taken = new Int32Array(n);
    this.#rackScratch = new Int32Array(racks);
    this.#scratchFree = new Int32Array(32);
    this.#mix = mix.map((c) => ({ gpuMilli: c.gpuMilli, cpuMilli: c.cpuMilli, model: c.model === null ? ANY_MODEL : this.#modelId(c.model, false), weight: c.weight }));
    let treeSize = 1;
    while (treeSize < n) treeSize *= 2;
    this.#treeSize = treeSize;
    this.#treeShare = new Int32Array(2 * treeSize).fill(-1);
    this.#treeWhole = new Int32Array(2 * treeSize).fill(-1);
    this.#treeCpu = new Int32Array(2 * treeSize).fill(-1);
    this.#treeMem = new Float64Array(2 * treeSize).fill(-1);
    for (let node = 0; node < n; node++) {
      this.#nodeFrag[node] = this.#fragOf(node, -1, 0, 0);
      this.#fragTotal += this.#nodeFrag[node];
      this.#updateTree(node);
    }
    this.allocatedGpus = new TimeWeighted(nowUs, 0);
    this.fragmentedGpus = new TimeWeighted(nowUs, this.#fragTotal / MILLI);
  }

  gpusOf(node: number): number {
    return this.#gpus[node];
  }

  speedOf(node: number): number {
    return this.#speed[node];
  }

  cudaMaxOf(node: number): number {
    return this.#cudaMax[node];
  }

  /** Free thousandths of GPU `gpu` of `node`. */
  gpuFree(node: number, gpu: number): number {
    return this.#gpuFree[this.#gpuBase[node] + gpu];
  }

  cpuFree(node: number): number {
    return this.#cpuFree[node];
  }

  memoryFree(node: number): number {
    return this.#memFree[node];
  }

  /** Thousandths of a GPU free on open nodes. */
  get openFreeMilli(): number {
    return this.#openFreeMilli;
  }

  /** Whether some nodes of the cluster, empty and up, could hold the request: false means it never will. */
  canEverHold(request: GpuRequest): boolean {
    const key = request.key;
    const known = this.#everHolds.get(key);
    if (known !== undefined) return known;
    const model = request.model === null ? ANY_MODEL : this.#modelId(request.model, false);
    let holding = 0;
    for (let node = 0; node < this.nodeCount && holding < request.parts; node++) {
      if (model !== ANY_MODEL && this.#modelOf[node] !== model) continue;
      if (request.cpuMilli > this.#cpuTotal[node] || request.memoryMiB > this.#memTotal[node]) continue;
      if (request.gpuMilli > 0 && (request.gpuMilli < MILLI ? this.#gpus[node] === 0 : request.gpuMilli / MILLI > this.#gpus[node])) continue;
      holding++;
    }
    const holds = holding >= request.parts;
    this.#everHolds.set(key, holds);
    return holds;
  }

  /**
   * Whether the request can be placed now; remembers the plan for `place`. A class that did
   * not fit still does not while nothing was freed since (placing only takes capacity):
   * a long queue of waiting requests costs a lookup each, not a search.
   */
  canPlace(request: GpuRequest, placement: GpuPlacement): boolean {
    if (this.#planRequest === request && this.#planPlacement === placement && this.#planVersion === this.#version) return true;
    this.#planRequest = null;
    if (this.#noFitSince.get(request.key) === this.#freedEpoch) return false;
    if (!this.#plan(request, placement)) {
      this.#noFitSince.set(request.key, this.#freedEpoch);
      return false;
    }
    this.#planRequest = request;
    this.#planPlacement = placement;
    this.#planVersion = this.#version;
    return true;
  }

  /** Places the request for `jobId` (it must fit) and returns its first slot. */
  place(jobId: number, request: GpuRequest, placement: GpuPlacement, nowUs: number): number {
    assert(this.canPlace(request, placement), "placing a request that does not fit");
    let first = NO_SLOT;
    for (let part = request.parts - 1; part >= 0; part--) {
      const node = this.#planNodes[part];
      const slot = this.#newSlot();
      this.#slotNode[slot] = node;
      this.#slotJob[slot] = jobId;
      this.#slotGpuMask[slot] = this.#planMasks[part];
      this.#slotGpuMilli[slot] = request.gpuMilli < MILLI ? request.gpuMilli : MILLI;
      this.#slotCpu[slot] = request.cpuMilli;
      this.#slotMem[slot] = request.memoryMiB;
      this.#slotNextOfJob[slot] = first;
      this.#slotNextOfNode[slot] = this.#firstSlotOfNode[node];
      this.#firstSlotOfNode[node] = slot;
      first = slot;
      this.#apply(slot, -1);
    }
    this.#planRequest = null;
    this.allocatedGpus.add(nowUs, (request.parts * request.gpuMilli) / MILLI);
    this.#changed(nowUs);
    return first;
  }

  /** Gives back every part of a job, given its first slot; returns the thousandths of a GPU freed. */
  release(jobId: number, firstSlot: number, nowUs: number): number {
    let gpus = 0;
    for (let slot = firstSlot; slot !== NO_SLOT; ) {
      assert(this.#slotJob[slot] === jobId, "releasing a part the job does not hold");
      const next = this.#slotNextOfJob[slot];
      this.#apply(slot, 1);
      gpus += this.#slotGpuMilli[slot] * popCount(this.#slotGpuMask[slot]);
      this.#unlinkFromNode(slot);
      this.#slotJob[slot] = -1;
      this.#slotNextOfJob[slot] = this.#freeSlot;
      this.#freeSlot = slot;
      this.#slotsUsed--;
      slot = next;
    }
    this.allocatedGpus.add(nowUs, -gpus / MILLI);
    this.#freedEpoch++;
    this.#changed(nowUs);
    return gpus;
  }

  /** Opens or closes a node to new parts (a crash, a repair, a drain); parts on it are the caller's to end. */
  setOpen(node: number, open: boolean, nowUs: number): void {
    if ((this.#open[node] === 1) === open) return;
    this.#open[node] = open ? 1 : 0;
    this.#openFreeMilli += (open ? 1 : -1) * this.#milliFree[node];
    if (open) this.#freedEpoch++;
    this.#touch(node);
    this.#changed(nowUs);
  }

  /** What each part of a job holds, given its first slot (for records and checks; allocates). */
  partsOf(firstSlot: number): PlacedPart[] {
    const parts: PlacedPart[] = [];
    for (let slot = firstSlot; slot !== NO_SLOT; slot = this.#slotNextOfJob[slot]) {
      const node = this.#slotNode[slot];
      const gpus: number[] = [];
      for (let gpu = 0; gpu < this.#gpus[node]; gpu++) if ((this.#slotGpuMask[slot] & (1 << gpu)) !== 0) gpus.push(gpu);
      parts.push({ node, gpus, milli: this.#slotGpuMilli[slot], cpuMilli: this.#slotCpu[slot], memoryMiB: this.#slotMem[slot] });
    }
    return parts;
  }

  nodeOfSlot(slot: number): number {
    return this.#slotNode[slot];
  }

  nextSlotOfJob(slot: number): number {
    return this.#slotNextOfJob[slot];
  }

  /** The job of a node's first part, or -1 when nothing runs on it. */
  firstJobOn(node: number): number {
    const slot = this.#firstSlotOfNode[node];
    return slot === NO_SLOT ? -1 : this.#slotJob[slot];
  }

  /** Jobs with a part on `node`, each once, in the order they came. */
  jobsOn(node: number): number[] {
    const jobs: number[] = [];
    for (let slot = this.#firstSlotOfNode[node]; slot !== NO_SLOT; slot = this.#slotNextOfNode[slot]) {
      const job = this.#slotJob[slot];
      if (!jobs.includes(job)) jobs.push(job);
    }
    return jobs.reverse();
  }

  /** Checks that no node gives out more than it has and that the free counts agree with the parts placed. */
  checkInvariants(): void {
    const gpuUsed = new Int32Array(this.gpuCount);
    const cpuUsed = new Int32Array(this.nodeCount);
    const memUsed = new Float64Array(this.nodeCount);
    let allocated = 0;
    for (let node = 0; node < this.nodeCount; node++) {
      for (let slot = this.#firstSlotOfNode[node]; slot !== NO_SLOT; slot = this.#slotNextOfNode[slot]) {
        assert(this.#slotNode[slot] === node, "a part is linked to another node");
        cpuUsed[node] += this.#slotCpu[slot];
        memUsed[node] += this.#slotMem[slot];
        for (let gpu = 0; gpu < this.#gpus[node]; gpu++) {
          if ((this.#slotGpuMask[slot] & (1 << gpu)) !== 0) {
            gpuUsed[this.#gpuBase[node] + gpu] += this.#slotGpuMilli[slot];
            allocated += this.#slotGpuMilli[slot];
          }
        }
      }
      assert(cpuUsed[node] <= this.#cpuTotal[node] && cpuUsed[node] + this.#cpuFree[node] === this.#cpuTotal[node], "CPUs over-allocated");
      assert(memUsed[node] <= this.#memTotal[node] * (1 + 1e-12) && Math.abs(memUsed[node] + this.#memFree[node] - this.#memTotal[node]) <= 1e-6, "memory over-allocated");
      let whole = 0;
      let milli = 0;
      for (let gpu = 0; gpu < this.#gpus[node]; gpu++) {
        const i = this.#gpuBase[node] + gpu;
        assert(gpuUsed[i] <= MILLI && gpuUsed[i] + this.#gpuFree[i] === MILLI, "a GPU shared beyond its capacity");
        if (this.#gpuFree[i] === MILLI) whole++;
        milli += this.#gpuFree[i];
      }
      assert(whole === this.#wholeFree[node] && milli === this.#milliFree[node], "free GPU counts disagree with the parts placed");
    }
    assert(Math.abs(allocated / MILLI - this.allocatedGpus.value) <= 1e-6 * Math.max(1, allocated / MILLI), "allocated GPUs disagree with the parts placed");
  }

  // Planning.

  #plan(request: GpuRequest, placement: GpuPlacement): boolean {
    const model = request.model === null ? ANY_MODEL : this.#modelId(request.model, false);
    if (model === UNKNOWN_MODEL) return false;
    if (request.parts > this.#planNodes.length) {
      this.#planNodes = new Int32Array(request.parts);
      this.#planMasks = new Uint32Array(request.parts);
    }
    const stamp = ++this.#stamp;
    if (placement === "topology" && request.parts > 1) return this.#planGangByRack(request, model, stamp);
    const key = placement === "fgd" ? request.key : "";
    for (let part = 0; part < request.parts; part++) {
      const node = placement === "fgd" ? this.#fgdNode(request, model, stamp, key) : this.#bestNode(request, model, placement, stamp, -1);
      if (node < 0) return false;
      this.#taken[node] = stamp;
      this.#planNodes[part] = node;
      this.#planMasks[part] = placement === "fgd" ? this.#fgdMask(request, node, key) : this.#gpuMask(request, node, placement);
    }
    return true;
  }

  /** Whether `node` can take one part now (and is not already in the plan). */
  #holds(node: number, request: GpuRequest, model: number, stamp: number): boolean {
    if (this.#open[node] === 0 || this.#taken[node] === stamp) return false;
    if (model !== ANY_MODEL && this.#modelOf[node] !== model) return false;
    if (request.cpuMilli > this.#cpuFree[node] || request.memoryMiB > this.#memFree[node]) return false;
    const milli = request.gpuMilli;
    if (milli === 0) return true;
    if (milli >= MILLI) return this.#wholeFree[node] >= milli / MILLI;
    if (this.#milliFree[node] < milli) return false;
    const base = this.#gpuBase[node];
    for (let i = base; i < base + this.#gpus[node]; i++) if (this.#gpuFree[i] >= milli) return true;
    return false;
  }

  /** The node a part goes to under first-fit, best-fit or spread (or best-fit within `rack`), or -1. */
  #bestNode(request: GpuRequest, model: number, placement: GpuPlacement, stamp: number, rack: number): number {
    if (placement === "first-fit" && rack < 0) return this.#firstHolding(1, 0, this.#treeSize, request, model, stamp);
    let best = -1;
    let bestScore = Infinity;
    for (let node = 0; node < this.nodeCount; node++) {
      if (rack >= 0 && this.#rackOf[node] !== rack) continue;
      if (!this.#holds(node, request, model, stamp)) continue;
      if (placement === "first-fit") return node;
      // What is left on the node after the part: GPU first, CPUs to break ties.
      const leftGpu = this.#milliFree[node] - request.gpuMilli;
      const leftCpu = (this.#cpuFree[node] - request.cpuMilli) / (this.#cpuTotal[node] + 1);
      let score = placement === "spread" ? -(leftGpu + leftCpu) : leftGpu + leftCpu;
      // Speed first (a node's leftover is below 10^5 thousandths of a GPU), then best fit.
      if (placement === "fastest") score += (1 - this.#speed[node]) * 1e9;
      if (score < bestScore) {
        bestScore = score;
        best = node;
      }
    }
    return best;
  }

  /** The lowest node under tree entry `entry` (covering nodes [low, high)) that holds the part, or -1. */
  #firstHolding(entry: number, low: number, high: number, request: GpuRequest, model: number, stamp: number): number {
    const milli = request.gpuMilli;
    if (this.#treeCpu[entry] < request.cpuMilli || this.#treeMem[entry] < request.memoryMiB) return -1;
    if (milli >= MILLI ? this.#treeWhole[entry] < milli / MILLI : this.#treeShare[entry] < milli) return -1;
    if (entry >= this.#treeSize) return this.#holds(low, request, model, stamp) ? low : -1;
    const middle = (low + high) >>> 1;
    const left = this.#firstHolding(2 * entry, low, middle, request, model, stamp);
    return left >= 0 ? left : this.#firstHolding(2 * entry + 1, middle, high, request, model, stamp);
  }

  /** Brings a node's leaf (and the maxima above it) up to date. */
  #updateTree(node: number): void {
    let entry = this.#treeSize + node;
    const open = this.#open[node] === 1;
    let largest = 0;
    const base = this.#gpuBase[node];
    for (let i = base; i < base + this.#gpus[node]; i++) if (this.#gpuFree[i] > largest) largest = this.#gpuFree[i];
    this.#treeShare[entry] = open ? largest : -1;
    this.#treeWhole[entry] = open ? this.#wholeFree[node] : -1;
    this.#treeCpu[entry] = open ? this.#cpuFree[node] : -1;
    this.#treeMem[entry] = open ? this.#memFree[node] : -1;
    for (entry >>>= 1; entry >= 1; entry >>>= 1) {
      const l = 2 * entry;
      const r = l + 1;
      this.#treeShare[entry] = Math.max(this.#treeShare[l], this.#treeShare[r]);
      this.#treeWhole[entry] = Math.max(this.#treeWhole[l], this.#treeWhole[r]);
      this.#treeCpu[entry] = Math.max(this.#treeCpu[l], this.#treeCpu[r]);
      this.#treeMem[entry] = Math.max(this.#treeMem[l], this.#treeMem[r]);
    }
  }

  /** The GPUs a part takes on `node`: the lowest whole ones, or for a share the GPU the policy picks. */
  #gpuMask(request: GpuRequest, node: number, placement: GpuPlacement): number {
    const milli = request.gpuMilli;
    if (milli === 0) return 0;
    const base = this.#gpuBase[node];
    const gpus = this.#gpus[node];
    if (milli >= MILLI) {
      let mask = 0;
      let needed = milli / MILLI;
      for (let gpu = 0; gpu < gpus && needed > 0; gpu++) {
        if (this.#gpuFree[base + gpu] === MILLI) {
          mask |= 1 << gpu;
          needed--;
        }
      }
      return mask;
    }
    let chosen = -1;
    for (let gpu = 0; gpu < gpus; gpu++) {
      const free = this.#gpuFree[base + gpu];
      if (free < milli) continue;
      if (placement === "first-fit") return 1 << gpu;
      if (chosen < 0) chosen = gpu;
      else if (placement === "spread" ? free > this.#gpuFree[base + chosen] : free < this.#gpuFree[base + chosen]) chosen = gpu;
    }
    assert(chosen >= 0, "a node that holds a share has a GPU for it");
    return 1 << chosen;
  }

  /** A gang in the fewest racks: one rack that holds all its parts (the fullest such), else the roomiest racks first. */
  #planGangByRack(request: GpuRequest, model: number, stamp: number): boolean {
    const room = this.#rackScratch;
    room.fill(0);
    let total = 0;
    for (let node = 0; node < this.nodeCount; node++) {
      if (this.#holds(node, request, model, stamp)) {
        room[this.#rackOf[node]]++;
        total++;
      }
    }
    if (total < request.parts) return false;
    let bestRack = -1;
    for (let rack = 0; rack < this.#rackCount; rack++) {
      if (room[rack] >= request.parts && (bestRack < 0 || room[rack] < room[bestRack])) bestRack = rack;
    }
    const racks = bestRack >= 0 ? [bestRack] : Array.from({ length: this.#rackCount }, (_, rack) => rack).sort((a, b) => room[b] - room[a] || a - b);
    let part = 0;
    for (const rack of racks) {
      while (part < request.parts) {
        const node = this.#bestNode(request, model, "best-fit", stamp, rack);
        if (node < 0) break;
        this.#taken[node] = stamp;
        this.#planNodes[part] = node;
        this.#planMasks[part] = this.#gpuMask(request, node, "best-fit");
        part++;
      }
      if (part === request.parts) return true;
    }
    assert(false, "racks with room hold the gang");
  }

  // Fragmentation gradient descent.

  /** The node whose fragmentation grows least with the part on it (lowest node on ties), or -1. */
  #fgdNode(request: GpuRequest, model: number, stamp: number, key: string): number {
    let cache = this.#fgdCache.get(key);
    if (cache === undefined) {
      // Bounded: a workload of many distinct requests starts the cache afresh rather than grow without end.
      if ((this.#fgdCache.size + 1) * this.nodeCount > FGD_CACHE_ENTRIES_MAX) this.#fgdCache.clear();
      cache = { delta: new Float64Array(this.nodeCount), gpu: new Int32Array(this.nodeCount), version: new Int32Array(this.nodeCount).fill(-1) };
      this.#fgdCache.set(key, cache);
    }
    let best = -1;
    let bestDelta = Infinity;
    let evaluated = -1;
    for (let node = 0; node < this.nodeCount; node++) {
      if (!this.#holds(node, request, model, stamp)) continue;
      if (cache.version[node] !== this.#nodeVersion[node]) {
        // Nodes alike in every free resource (runs of empty nodes) change alike: evaluate one.
        if (evaluated >= 0 && this.#sameState(node, evaluated)) {
          cache.delta[node] = cache.delta[evaluated];
          cache.gpu[node] = cache.gpu[evaluated];
        } else {
          this.#fgdEvaluate(request, node, cache);
        }
        cache.version[node] = this.#nodeVersion[node];
        evaluated = node;
      }
      if (cache.delta[node] < bestDelta) {
        bestDelta = cache.delta[node];
        best = node;
      }
    }
    return best;
  }

  /** Whether two nodes have the same model, GPUs and free resources, GPU by GPU. */
  #sameState(a: number, b: number): boolean {
    const gpus = this.#gpus[a];
    if (gpus !== this.#gpus[b] || this.#modelOf[a] !== this.#modelOf[b] || this.#cpuFree[a] !== this.#cpuFree[b] || this.#memFree[a] !== this.#memFree[b]) return false;
    const baseA = this.#gpuBase[a];
    const baseB = this.#gpuBase[b];
    for (let gpu = 0; gpu < gpus; gpu++) if (this.#gpuFree[baseA + gpu] !== this.#gpuFree[baseB + gpu]) return false;
    return this.#open[a] === this.#open[b];
  }

  /** Fills the cache for `node`: the least growth of its fragmentation over the GPUs the part could take. */
  #fgdEvaluate(request: GpuRequest, node: number, cache: { delta: Float64Array; gpu: Int32Array }): void {
    const before = this.#nodeFrag[node];
    const milli = request.gpuMilli;
    if (milli === 0 || milli >= MILLI) {
      // CPUs only, or whole GPUs: every choice of free GPUs leaves the node the same.
      const mask = this.#gpuMask(request, node, "first-fit");
      cache.delta[node] = this.#fragOf(node, mask, milli === 0 ? 0 : MILLI, request.cpuMilli) - before;
      cache.gpu[node] = -1;
      return;
    }
    const base = this.#gpuBase[node];
    let bestDelta = Infinity;
    let bestGpu = -1;
    for (let gpu = 0; gpu < this.#gpus[node]; gpu++) {
      const free = this.#gpuFree[base + gpu];
      if (free < milli) continue;
      // GPUs with the same free capacity give the same result: try the first of each.
      let seen = false;
      for (let earlier = 0; earlier < gpu && !seen; earlier++) seen = this.#gpuFree[base + earlier] === free;
      if (seen) continue;
      const delta = this.#fragOf(node, 1 << gpu, milli, request.cpuMilli) - before;
      if (delta < bestDelta) {
        bestDelta = delta;
        bestGpu = gpu;
      }
    }
    cache.delta[node] = bestDelta;
    cache.gpu[node] = bestGpu;
  }

  #fgdMask(request: GpuRequest, node: number, key: string): number {
    if (request.gpuMilli === 0 || request.gpuMilli >= MILLI) return this.#gpuMask(request, node, "first-fit");
    return 1 << this.#fgdCache.get(key)!.gpu[node];
  }

  /**
   * A node's fragmentation for the typical mix, thousandths of a GPU, with `takeMilli` more
   * taken from each GPU in `mask` and `takeCpu` more CPU (none: mask -1). A closed node has
   * no free capacity to fragment.
   */
  #fragOf(node: number, mask: number, takeMilli: number, takeCpu: number): number {
    if (this.#open[node] === 0) return 0;
    const gpus = this.#gpus[node];
    if (gpus === 0) return 0;
    const base = this.#gpuBase[node];
    const free = this.#scratchFree;
    let total = 0;
    let whole = 0;
    let largest = 0;
    for (let gpu = 0; gpu < gpus; gpu++) {
      const left = this.#gpuFree[base + gpu] - (mask >= 0 && (mask & (1 << gpu)) !== 0 ? takeMilli : 0);
      free[gpu] = left;
      total += left;
      if (left === MILLI) whole++;
      if (left > largest) largest = left;
    }
    if (total === 0) return 0;
    const cpu = this.#cpuFree[node] - (mask >= 0 ? takeCpu : 0);
    const model = this.#modelOf[node];
    let frag = 0;
    for (const task of this.#mix) {
      let unusable = total;
      const runs = task.gpuMilli > 0 && task.cpuMilli <= cpu && (task.model === ANY_MODEL || task.model === model);
      if (runs && (task.gpuMilli < MILLI ? largest >= task.gpuMilli : whole >= task.gpuMilli / MILLI)) {
        // It runs here: only GPUs too small for it are fragments.
        const need = task.gpuMilli < MILLI ? task.gpuMilli : MILLI;
        unusable = 0;
        for (let gpu = 0; gpu < gpus; gpu++) if (free[gpu] < need) unusable += free[gpu];
      }
      frag += task.weight * unusable;
    }
    return frag;
  }

  // Bookkeeping.

  /** Takes (sign −1) or gives back (+1) a slot's resources on its node. */
  #apply(slot: number, sign: number): void {
    const node = this.#slotNode[slot];
    const base = this.#gpuBase[node];
    const mask = this.#slotGpuMask[slot];
    const milli = this.#slotGpuMilli[slot];
    for (let gpu = 0; gpu < this.#gpus[node]; gpu++) {
      if ((mask & (1 << gpu)) === 0) continue;
      const i = base + gpu;
      if (this.#gpuFree[i] === MILLI) this.#wholeFree[node]--;
      this.#gpuFree[i] += sign * milli;
      assert(this.#gpuFree[i] >= 0 && this.#gpuFree[i] <= MILLI, "a GPU shared beyond its capacity");
      if (this.#gpuFree[i] === MILLI) this.#wholeFree[node]++;
      this.#milliFree[node] += sign * milli;
      if (this.#open[node] === 1) this.#openFreeMilli += sign * milli;
    }
    this.#cpuFree[node] += sign * this.#slotCpu[slot];
    this.#memFree[node] += sign * this.#slotMem[slot];
    assert(this.#cpuFree[node] >= 0 && this.#memFree[node] >= -1e-9, "a node's CPUs or memory over-allocated");
    this.#touch(node);
  }

  /** A node's free resources changed: a new version, and its fragmentation again. */
  #touch(node: number): void {
    this.#nodeVersion[node]++;
    this.#updateTree(node);
    const frag = this.#fragOf(node, -1, 0, 0);
    this.#fragTotal += frag - this.#nodeFrag[node];
    this.#nodeFrag[node] = frag;
  }

  #changed(nowUs: number): void {
    this.#version++;
    this.fragmentedGpus.set(nowUs, Math.max(0, this.#fragTotal) / MILLI);
  }

  #unlinkFromNode(slot: number): void {
    const node = this.#slotNode[slot];
    if (this.#firstSlotOfNode[node] === slot) {
      this.#firstSlotOfNode[node] = this.#slotNextOfNode[slot];
      return;
    }
    let previous = this.#firstSlotOfNode[node];
    while (this.#slotNextOfNode[previous] !== slot) previous = this.#slotNextOfNode[previous];
    this.#slotNextOfNode[previous] = this.#slotNextOfNode[slot];
  }

  #newSlot(): number {
    if (this.#freeSlot !== NO_SLOT) {
      const slot = this.#freeSlot;
      this.#freeSlot = this.#slotNextOfJob[slot];
      this.#slotsUsed++;
      return slot;
    }
    const slot = this.#slotsUsed++;
    if (slot === this.#slotNode.length) this.#grow();
    return slot;
  }

  /** Doubles the slot arrays (amortised: no allocation once a run reaches its most parts at once). */
  #grow(): void {
    const size = this.#slotNode.length * 2;
    const grow = <T extends Int32Array | Uint32Array | Float64Array>(array: T, make: (n: number) => T): T => {
      const bigger = make(size);
      bigger.set(array);
      return bigger;
    };
    this.#slotNode = grow(this.#slotNode, (n) => new Int32Array(n));
    this.#slotJob = grow(this.#slotJob, (n) => new Int32Array(n));
    this.#slotNextOfJob = grow(this.#slotNextOfJob, (n) => new Int32Array(n));
    this.#slotNextOfNode = grow(this.#slotNextOfNode, (n) => new Int32Array(n));
    this.#slotGpuMask = grow(this.#slotGpuMask, (n) => new Uint32Array(n));
    this.#slotGpuMilli = grow(this.#slotGpuMilli, (n) => new Int32Array(n));
    this.#slotCpu = grow(this.#slotCpu, (n) => new Int32Array(n));
    this.#slotMem = grow(this.#slotMem, (n) => new Float64Array(n));
  }

  #modelId(model: string, define: boolean): number {
    const known = this.#models.get(model);
    if (known !== undefined) return known;
    if (!define) return UNKNOWN_MODEL;
    const id = this.#models.size;
    this.#models.set(model, id);
    return id;
  }
}

function popCount(mask: number): number {
  let count = 0;
  for (let bits = mask; bits !== 0; bits &= bits - 1) count++;
  return count;
}
