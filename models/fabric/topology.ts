import { assert } from "../../sim/assert.js";

/**
 * InfiniBand fabric topologies as graphs of directed links, and the routes flows take
 * over them.
 *
 * Models:
 * - a two-level fat-tree (leaf/spine, one leaf per rack) with an oversubscription ratio;
 * - a dragonfly: groups of routers, all-to-all local links inside a group, one or more
 *   global links between every pair of groups, minimal (local-global-local) routing.
 * Every cable is two directed links with their own capacity, indexed 0..linkCount-1, so
 * traffic one way does not slow traffic the other way. A link can fail and be restored;
 * routes then avoid it, and a pair of nodes with no surviving path is partitioned.
 *
 * Routing is deterministic and destination-based, as InfiniBand's is: a switch forwards
 * by destination LID through tables the subnet manager computes, so the uplink a flow
 * takes is a function of its target (D-mod-k, the scheme OpenSM's fat-tree engine uses;
 * Zahavi, "D-Mod-K routing providing non-blocking traffic for shift permutations on real
 * life fat trees", 2010). Spine = target mod spineCount, or the next spine whose two
 * links are up when that one is cut — the subnet manager's reroute after a sweep. Hashing
 * on (source + target) instead would send every ring hop k → k+1 (an odd sum) through the
 * odd spines only.
 *
 * Leaves out: packets, switch buffers and credit-based flow control (flows are fluid;
 * see max-min.ts), adaptive routing, the time the subnet manager takes to reroute
 * (rerouting is instant), three-level fat-trees, and UGAL routing on the dragonfly (it
 * routes minimally while a minimal path survives, and only then through one intermediate
 * group, Valiant-style).
 *
 * Routes are computed on demand (a few integer operations) rather than cached: 4,096
 * nodes have 16.7 M ordered pairs, too many to keep. Callers that ask again and again for
 * the same pairs (the fabric's registered jobs) keep their own routes and refresh them
 * when `version` changes.
 */

/** A network of nodes joined by directed links, with routes between nodes. */
export interface Topology {
  readonly kind: "fat-tree" | "dragonfly";
  readonly nodeCount: number;
  readonly linkCount: number;
  /**
   * The capacity of each directed link now, Gbps: its nominal capacity while up, 0 while
   * down. Owned by the topology: read it, never write it.
   */
  readonly capacitiesGbps: Float64Array;
  /** Propagation and serialisation latency of each link, µs. */
  readonly latenciesUs: Float64Array;
  /** Latency added by each switch a route passes through, µs. */
  readonly switchLatencyUs: number;
  /** Nodes are vertices 0..nodeCount-1; switches follow. */
  readonly vertexCount: number;
  /** The vertex each link leaves from. */
  readonly linkSources: Int32Array;
  /** The vertex each link arrives at. */
  readonly linkTargets: Int32Array;
  /** The longest route `routeInto` can write, in links. */
  readonly routeLengthMax: number;
  /** Goes up by one on every failure and restoration, so callers know to reroute. */
  readonly version: number;
  /**
   * The links from `source` to `target` in order; empty when they are the same node;
   * null when every path between them crosses a link that is down (partitioned).
   */
  route(source: number, target: number): Int32Array | null;
  /** As `route`, into `out` (length ≥ routeLengthMax): the route's length, or -1 when partitioned. Allocates nothing. */
  routeInto(source: number, target: number, out: Int32Array): number;
  /** Link latencies plus one switch latency per switch between them, µs. `length` defaults to the whole array. */
  pathLatencyUs(route: Int32Array, length?: number): number;
  failLink(id: number): void;
  restoreLink(id: number): void;
  isLinkUp(id: number): boolean;
  /** The link carrying the other direction of the same cable. */
  reverseOf(id: number): number;
  /** Capacity while up, Gbps. */
  nominalCapacityGbps(id: number): number;
  /** A stable human name such as `leaf03->spine01`, for records and the UI. */
  linkName(id: number): string;
  /** The link from a node into the fabric. */
  nodeUplink(node: number): number;
  /** The link from the fabric into a node. */
  nodeDownlink(node: number): number;
}

/** Link state shared by the topologies: capacities, latencies, up/down, version. */
abstract class LinkTable {
  readonly nodeCount: number;
  readonly linkCount: number;
  readonly capacitiesGbps: Float64Array;
  readonly latenciesUs: Float64Array;
  readonly switchLatencyUs: number;
  readonly vertexCount: number;
  readonly linkSources: Int32Array;
  readonly linkTargets: Int32Array;
  readonly #nominalGbps: Float64Array;
  readonly #up: Uint8Array;
  #version = 0;

  constructor(nodeCount: number, switchCount: number, linkCount: number, switchLatencyUs: number) {
    assertCount(nodeCount, "nodeCount");
    assertCount(switchCount, "switchCount");
    assertCount(linkCount, "linkCount");
    assert(switchLatencyUs >= 0);
    this.nodeCount = nodeCount;
    this.vertexCount = nodeCount + switchCount;
    this.linkCount = linkCount;
    this.switchLatencyUs = switchLatencyUs;
    this.linkSources = new Int32Array(linkCount).fill(-1);
    this.linkTargets = new Int32Array(linkCount).fill(-1);
    this.capacitiesGbps = new Float64Array(linkCount);
    this.latenciesUs = new Float64Array(linkCount);
    this.#nominalGbps = new Float64Array(linkCount);
    this.#up = new Uint8Array(linkCount).fill(1);
  }

  get version(): number {
    return this.#version;
  }

  /** Sets a link's ends, nominal capacity and latency; subclasses call it once per link while building. */
  protected defineLink(id: number, source: number, target: number, capacityGbps: number, latencyUs: number): void {
    assert(this.linkSources[id] === -1, "link defined twice");
    assertIndex(source, this.vertexCount, "vertex out of range");
    assertIndex(target, this.vertexCount, "vertex out of range");
    assert(source !== target);
    assert(capacityGbps > 0, "a link needs a positive capacity");
    assert(latencyUs >= 0);
    this.linkSources[id] = source;
    this.linkTargets[id] = target;
    this.#nominalGbps[id] = capacityGbps;
    this.capacitiesGbps[id] = capacityGbps;
    this.latenciesUs[id] = latencyUs;
  }

  /** Whether every link was given a capacity (a gap in the numbering is a bug). */
  protected checkDefined(): void {
    for (let id = 0; id < this.linkCount; id++) assert(this.linkSources[id] >= 0, `link ${id} undefined`);
  }

  failLink(id: number): void {
    this.#checkId(id);
    assert(this.#up[id] === 1, "the link is already down");
    this.#up[id] = 0;
    this.capacitiesGbps[id] = 0;
    this.#version++;
  }

  restoreLink(id: number): void {
    this.#checkId(id);
    assert(this.#up[id] === 0, "the link is not down");
    this.#up[id] = 1;
    this.capacitiesGbps[id] = this.#nominalGbps[id];
    this.#version++;
  }

  isLinkUp(id: number): boolean {
    this.#checkId(id);
    return this.#up[id] === 1;
  }

  nominalCapacityGbps(id: number): number {
    this.#checkId(id);
    return this.#nominalGbps[id];
  }

  pathLatencyUs(route: Int32Array, length = route.length): number {
    assert(length >= 0);
    assert(length <= route.length);
    if (length === 0) return 0;
    let latencyUs = 0;
    for (let i = 0; i < length; i++) latencyUs += this.latenciesUs[route[i]];
    // A route of n links between two nodes passes through n − 1 switches.
    return latencyUs + (length - 1) * this.switchLatencyUs;
  }

  route(source: number, target: number): Int32Array | null {
    const scratch = this.scratchRoute();
    const length = this.routeInto(source, target, scratch);
    return length < 0 ? null : scratch.slice(0, length);
  }

  abstract routeInto(source: number, target: number, out: Int32Array): number;

  /** A buffer of routeLengthMax links for `route`. */
  protected abstract scratchRoute(): Int32Array;

  /** Internal fast check, no bounds assert: callers pass ids they computed. */
  protected up(id: number): boolean {
    return this.#up[id] === 1;
  }

  protected checkNode(node: number): void {
    assertIndex(node, this.nodeCount, "node out of range");
  }

  #checkId(id: number): void {
    assertIndex(id, this.linkCount, "link id out of range");
  }
}

export interface FatTreeOptions {
  /** Nodes under each leaf switch (a rack). */
  readonly nodesPerLeaf: number;
  readonly leafCount: number;
  readonly spineCount: number;
  /** Capacity of a node's link to its leaf, each way, Gbps. */
  readonly linkGbps: number;
  /**
   * A leaf's downlink bandwidth over its uplink bandwidth (1: non-blocking). A leaf's
   * uplinks carry nodesPerLeaf·linkGbps/oversubscription in all, split evenly over its
   * links to the spines.
   */
  readonly oversubscription: number;
  readonly linkLatencyUs: number;
  readonly switchLatencyUs: number;
}

/** The two directions of the cable between a leaf and a spine. */
export interface LeafSpineLinks {
  /** Leaf → spine. */
  readonly up: number;
  /** Spine → leaf. */
  readonly down: number;
}

/**
 * A two-level fat-tree. Node i hangs off leaf floor(i / nodesPerLeaf); every leaf has one
 * cable (two directed links) to every spine.
 *
 * Link ids: node i → leaf is i; leaf → node i is N + i; leaf ℓ → spine s is
 * 2N + ℓ·S + s; spine s → leaf ℓ is 2N + L·S + ℓ·S + s (N nodes, L leaves, S spines).
 */
export class FatTree extends LinkTable implements Topology {
  readonly kind = "fat-tree";
  readonly options: FatTreeOptions;
  readonly routeLengthMax = 4;
  /** Capacity of one leaf→spine (or spine→leaf) link, Gbps. */
  readonly leafSpineGbps: number;
  readonly #nodesPerLeaf: number;
  readonly #spineCount: number;
  readonly #leafCount: number;
  readonly #leafUpBase: number;
  readonly #spineDownBase: number;
  readonly #scratch = new Int32Array(4);

  constructor(options: FatTreeOptions) {
    assertCount(options.nodesPerLeaf, "nodesPerLeaf");
    assertCount(options.leafCount, "leafCount");
    assertCount(options.spineCount, "spineCount");
    assert(options.linkGbps > 0);
    assert(options.oversubscription > 0);
    const nodeCount = options.nodesPerLeaf * options.leafCount;
    const leafSpineCount = options.leafCount * options.spineCount;
    super(nodeCount, options.leafCount + options.spineCount, 2 * nodeCount + 2 * leafSpineCount, options.switchLatencyUs);
    this.options = options;
    this.#nodesPerLeaf = options.nodesPerLeaf;
    this.#spineCount = options.spineCount;
    this.#leafCount = options.leafCount;
    this.#leafUpBase = 2 * nodeCount;
    this.#spineDownBase = 2 * nodeCount + leafSpineCount;
    this.leafSpineGbps =
      (options.nodesPerLeaf * options.linkGbps) / options.oversubscription / options.spineCount;
    // Vertices: nodes, then leaves, then spines.
    const leafVertex = (leaf: number): number => nodeCount + leaf;
    const spineVertex = (spine: number): number => nodeCount + options.leafCount + spine;
    for (let node = 0; node < nodeCount; node++) {
      const leaf = leafVertex(Math.floor(node / options.nodesPerLeaf));
      this.defineLink(node, node, leaf, options.linkGbps, options.linkLatencyUs);
      this.defineLink(nodeCount + node, leaf, node, options.linkGbps, options.linkLatencyUs);
    }
    for (let leaf = 0; leaf < options.leafCount; leaf++) {
      for (let spine = 0; spine < options.spineCount; spine++) {
        const latencyUs = options.linkLatencyUs;
        this.defineLink(this.#leafUp(leaf, spine), leafVertex(leaf), spineVertex(spine), this.leafSpineGbps, latencyUs);
        this.defineLink(this.#spineDown(spine, leaf), spineVertex(spine), leafVertex(leaf), this.leafSpineGbps, latencyUs);
      }
    }
    this.checkDefined();
  }

  /** The leaf switch (rack) node `node` hangs off. */
  leafOf(node: number): number {
    this.checkNode(node);
    return Math.floor(node / this.#nodesPerLeaf);
  }

  nodeUplink(node: number): number {
    this.checkNode(node);
    return node;
  }

  nodeDownlink(node: number): number {
    this.checkNode(node);
    return this.nodeCount + node;
  }

  linksBetweenLeafAndSpine(leaf: number, spine: number): LeafSpineLinks {
    assertIndex(leaf, this.#leafCount, "leaf out of range");
    assertIndex(spine, this.#spineCount, "spine out of range");
    return { up: this.#leafUp(leaf, spine), down: this.#spineDown(spine, leaf) };
  }

  reverseOf(id: number): number {
    assertIndex(id, this.linkCount, "link id out of range");
    const n = this.nodeCount;
    if (id < n) return id + n;
    if (id < 2 * n) return id - n;
    if (id < this.#spineDownBase) return id - this.#leafUpBase + this.#spineDownBase;
    return id - this.#spineDownBase + this.#leafUpBase;
  }

  linkName(id: number): string {
    assertIndex(id, this.linkCount, "link id out of range");
    const n = this.nodeCount;
    const s = this.#spineCount;
    if (id < n) return `node${id}->leaf${pad(this.leafOf(id))}`;
    if (id < 2 * n) return `leaf${pad(this.leafOf(id - n))}->node${id - n}`;
    if (id < this.#spineDownBase) {
      const offset = id - this.#leafUpBase;
      return `leaf${pad(Math.floor(offset / s))}->spine${pad(offset % s)}`;
    }
    const offset = id - this.#spineDownBase;
    return `spine${pad(offset % s)}->leaf${pad(Math.floor(offset / s))}`;
  }

  routeInto(source: number, target: number, out: Int32Array): number {
    this.checkNode(source);
    this.checkNode(target);
    assert(out.length >= this.routeLengthMax, "route buffer too short");
    if (source === target) return 0;
    const n = this.nodeCount;
    const sourceUp = source;
    const targetDown = n + target;
    // A node whose own cable is cut has no other way in or out.
    if (!this.up(sourceUp) || !this.up(targetDown)) return -1;
    const sourceLeaf = Math.floor(source / this.#nodesPerLeaf);
    const targetLeaf = Math.floor(target / this.#nodesPerLeaf);
    if (sourceLeaf === targetLeaf) {
      out[0] = sourceUp;
      out[1] = targetDown;
      return 2;
    }
    const spines = this.#spineCount;
    const first = target % spines;
    for (let step = 0; step < spines; step++) {
      const spine = (first + step) % spines;
      const up = this.#leafUp(sourceLeaf, spine);
      const down = this.#spineDown(spine, targetLeaf);
      if (this.up(up) && this.up(down)) {
        out[0] = sourceUp;
        out[1] = up;
        out[2] = down;
        out[3] = targetDown;
        return 4;
      }
    }
    return -1;
  }

  protected scratchRoute(): Int32Array {
    return this.#scratch;
  }

  #leafUp(leaf: number, spine: number): number {
    return this.#leafUpBase + leaf * this.#spineCount + spine;
  }

  #spineDown(spine: number, leaf: number): number {
    return this.#spineDownBase + leaf * this.#spineCount + spine;
  }
}

export interface DragonflyOptions {
  readonly groupCount: number;
  readonly routersPerGroup: number;
  readonly nodesPerRouter: number;
  /** Parallel global cables between each pair of groups (≥ 1). */
  readonly globalLinksPerGroupPair: number;
  /** Capacity of a node's link to its router, each way, Gbps. */
  readonly linkGbps: number;
  /** Capacity of a router-to-router link inside a group, each way, Gbps. */
  readonly localLinkGbps: number;
  /** Capacity of a global link between groups, each way, Gbps. */
  readonly globalLinkGbps: number;
  /** Latency of node and local links, µs. */
  readonly linkLatencyUs: number;
  /** Latency of a global (usually optical, longer) link, µs. */
  readonly globalLinkLatencyUs: number;
  readonly switchLatencyUs: number;
}

/**
 * A dragonfly (Kim, Dally, Scott and Abts, "Technology-driven, highly-scalable dragonfly
 * topology", ISCA 2008). Node i hangs off router floor(i / nodesPerRouter); router r is
 * in group floor(r / routersPerGroup). The global cables of a group are dealt round-robin
 * over its routers, so each router owns about (groups − 1)·h / routersPerGroup of them.
 *
 * Routing is minimal while a minimal path survives: local hop to the router owning a
 * global link to the target group, global hop, local hop to the target's router. The
 * global link among the h parallel ones is target mod h (destination-based). A cut local
 * link is bypassed through another router of the group; when every global link to the
 * target group is cut, the route goes through one intermediate group.
 */
export class Dragonfly extends LinkTable implements Topology {
  readonly kind = "dragonfly";
  readonly options: DragonflyOptions;
  /** up, local×2, global, local×2, global, local×2, down. */
  readonly routeLengthMax = 10;
  readonly #groups: number;
  readonly #routersPerGroup: number;
  readonly #nodesPerRouter: number;
  readonly #globalPerPair: number;
  readonly #localBase: number;
  readonly #globalBase: number;
  readonly #scratch = new Int32Array(10);
  /** The router (within its group) where the last `#globalHop` arrived. */
  #arrivalRouter = -1;

  constructor(options: DragonflyOptions) {
    assertCount(options.groupCount, "groupCount");
    assertCount(options.routersPerGroup, "routersPerGroup");
    assertCount(options.nodesPerRouter, "nodesPerRouter");
    assertCount(options.globalLinksPerGroupPair, "globalLinksPerGroupPair");
    const g = options.groupCount;
    const a = options.routersPerGroup;
    const h = options.globalLinksPerGroupPair;
    const nodeCount = g * a * options.nodesPerRouter;
    const localCount = g * a * (a - 1);
    const globalCount = g * (g - 1) * h;
    super(nodeCount, g * a, 2 * nodeCount + localCount + globalCount, options.switchLatencyUs);
    this.options = options;
    this.#groups = g;
    this.#routersPerGroup = a;
    this.#nodesPerRouter = options.nodesPerRouter;
    this.#globalPerPair = h;
    this.#localBase = 2 * nodeCount;
    this.#globalBase = 2 * nodeCount + localCount;
    // Vertices: nodes, then routers (group-major).
    const routerVertex = (group: number, router: number): number => nodeCount + group * a + router;
    for (let node = 0; node < nodeCount; node++) {
      const router = nodeCount + Math.floor(node / options.nodesPerRouter);
      this.defineLink(node, node, router, options.linkGbps, options.linkLatencyUs);
      this.defineLink(nodeCount + node, router, node, options.linkGbps, options.linkLatencyUs);
    }
    for (let group = 0; group < g; group++) {
      for (let source = 0; source < a; source++) {
        for (let target = 0; target < a; target++) {
          if (source === target) continue;
          const id = this.#local(group, source, target);
          const from = routerVertex(group, source);
          const to = routerVertex(group, target);
          this.defineLink(id, from, to, options.localLinkGbps, options.linkLatencyUs);
        }
      }
    }
    for (let source = 0; source < g; source++) {
      for (let target = 0; target < g; target++) {
        if (source === target) continue;
        for (let k = 0; k < h; k++) {
          const from = routerVertex(source, this.#gateway(source, target, k));
          const to = routerVertex(target, this.#gateway(target, source, k));
          this.defineLink(this.#global(source, target, k), from, to, options.globalLinkGbps, options.globalLinkLatencyUs);
        }
      }
    }
    this.checkDefined();
  }

  /** The router node `node` hangs off (global router index). */
  routerOf(node: number): number {
    this.checkNode(node);
    return Math.floor(node / this.#nodesPerRouter);
  }

  groupOf(node: number): number {
    return Math.floor(this.routerOf(node) / this.#routersPerGroup);
  }

  nodeUplink(node: number): number {
    this.checkNode(node);
    return node;
  }

  nodeDownlink(node: number): number {
    this.checkNode(node);
    return this.nodeCount + node;
  }

  /** The directed local link between routers `source` and `target` (indices within `group`). */
  localLink(group: number, source: number, target: number): number {
    this.#checkGroup(group);
    this.#checkRouter(source);
    this.#checkRouter(target);
    assert(source !== target, "no local link from a router to itself");
    return this.#local(group, source, target);
  }

  /** The `index`-th directed global link from group `source` to group `target`. */
  globalLink(source: number, target: number, index: number): number {
    this.#checkGroup(source);
    this.#checkGroup(target);
    assert(source !== target, "no global link from a group to itself");
    assertIndex(index, this.#globalPerPair, "index out of range");
    return this.#global(source, target, index);
  }

  /** Every directed global link from group `source` to group `target`. */
  globalLinksBetween(source: number, target: number): Int32Array {
    const links = new Int32Array(this.#globalPerPair);
    for (let k = 0; k < links.length; k++) links[k] = this.globalLink(source, target, k);
    return links;
  }

  reverseOf(id: number): number {
    assertIndex(id, this.linkCount, "link id out of range");
    const n = this.nodeCount;
    if (id < n) return id + n;
    if (id < 2 * n) return id - n;
    if (id < this.#globalBase) {
      const { group, source, target } = this.#decodeLocal(id);
      return this.#local(group, target, source);
    }
    const { source, target, index } = this.#decodeGlobal(id);
    return this.#global(target, source, index);
  }

  linkName(id: number): string {
    assertIndex(id, this.linkCount, "link id out of range");
    const n = this.nodeCount;
    const routerName = (router: number): string =>
      `g${pad(Math.floor(router / this.#routersPerGroup))}r${pad(router % this.#routersPerGroup)}`;
    if (id < n) return `node${id}->${routerName(this.routerOf(id))}`;
    if (id < 2 * n) return `${routerName(this.routerOf(id - n))}->node${id - n}`;
    const a = this.#routersPerGroup;
    if (id < this.#globalBase) {
      const { group, source, target } = this.#decodeLocal(id);
      return `${routerName(group * a + source)}->${routerName(group * a + target)}`;
    }
    const { source, target, index } = this.#decodeGlobal(id);
    const from = source * a + this.#gateway(source, target, index);
    const to = target * a + this.#gateway(target, source, index);
    return `${routerName(from)}->${routerName(to)}#${index}`;
  }

  routeInto(source: number, target: number, out: Int32Array): number {
    this.checkNode(source);
    this.checkNode(target);
    assert(out.length >= this.routeLengthMax, "route buffer too short");
    if (source === target) return 0;
    const n = this.nodeCount;
    const sourceUp = source;
    const targetDown = n + target;
    if (!this.up(sourceUp) || !this.up(targetDown)) return -1;
    const a = this.#routersPerGroup;
    const sourceRouter = Math.floor(source / this.#nodesPerRouter);
    const targetRouter = Math.floor(target / this.#nodesPerRouter);
    const sourceGroup = Math.floor(sourceRouter / a);
    const targetGroup = Math.floor(targetRouter / a);
    const i = sourceRouter % a;
    const j = targetRouter % a;
    out[0] = sourceUp;
    let end: number;
    if (sourceGroup === targetGroup) {
      end = this.#localPath(sourceGroup, i, j, out, 1);
    } else {
      end = this.#minimal(sourceGroup, i, targetGroup, j, target, out);
      if (end < 0) end = this.#viaIntermediate(sourceGroup, i, targetGroup, j, target, out);
    }
    if (end < 0) return -1;
    out[end] = targetDown;
    return end + 1;
  }

  protected scratchRoute(): Int32Array {
    return this.#scratch;
  }

  /** Local-global-local from router i of group G to router j of group H, after out[0]. */
  #minimal(G: number, i: number, H: number, j: number, hash: number, out: Int32Array): number {
    const h = this.#globalPerPair;
    for (let step = 0; step < h; step++) {
      const k = (hash + step) % h;
      const afterGlobal = this.#globalHop(G, i, H, k, out, 1);
      if (afterGlobal < 0) continue;
      const end = this.#localPath(H, this.#arrivalRouter, j, out, afterGlobal);
      if (end >= 0) return end;
    }
    return -1;
  }

  /** G → I → H through the first intermediate group I (in order after G) that works. */
  #viaIntermediate(G: number, i: number, H: number, j: number, hash: number, out: Int32Array): number {
    const g = this.#groups;
    const h = this.#globalPerPair;
    for (let step = 1; step < g; step++) {
      const I = (G + step) % g;
      if (I === H) continue;
      for (let x = 0; x < h; x++) {
        const first = (hash + x) % h;
        const intoI = this.#globalHop(G, i, I, first, out, 1);
        if (intoI < 0) continue;
        const arrivedI = this.#arrivalRouter;
        for (let y = 0; y < h; y++) {
          const second = (hash + y) % h;
          const intoH = this.#globalHop(I, arrivedI, H, second, out, intoI);
          if (intoH < 0) continue;
          const end = this.#localPath(H, this.#arrivalRouter, j, out, intoH);
          if (end >= 0) return end;
        }
      }
    }
    return -1;
  }

  /**
   * From router `from` of group G over global link k to group H: writes the local path to
   * the link's gateway and the link itself at out[position…]; returns the next position
   * (or -1) and leaves the arrival router in `#arrivalRouter`.
   */
  #globalHop(G: number, from: number, H: number, k: number, out: Int32Array, position: number): number {
    const link = this.#global(G, H, k);
    if (!this.up(link)) return -1;
    const next = this.#localPath(G, from, this.#gateway(G, H, k), out, position);
    if (next < 0) return -1;
    out[next] = link;
    this.#arrivalRouter = this.#gateway(H, G, k);
    return next + 1;
  }

  /** Router i to router j inside `group`: direct, else through the first router m with both links up. */
  #localPath(group: number, i: number, j: number, out: Int32Array, position: number): number {
    if (i === j) return position;
    const direct = this.#local(group, i, j);
    if (this.up(direct)) {
      out[position] = direct;
      return position + 1;
    }
    for (let m = 0; m < this.#routersPerGroup; m++) {
      if (m === i || m === j) continue;
      const first = this.#local(group, i, m);
      const second = this.#local(group, m, j);
      if (this.up(first) && this.up(second)) {
        out[position] = first;
        out[position + 1] = second;
        return position + 2;
      }
    }
    return -1;
  }

  /** The router (within G) that owns global link k from G to H: G's links dealt round-robin. */
  #gateway(G: number, H: number, k: number): number {
    const other = H < G ? H : H - 1;
    return (other * this.#globalPerPair + k) % this.#routersPerGroup;
  }

  #local(group: number, source: number, target: number): number {
    const a = this.#routersPerGroup;
    return this.#localBase + (group * a + source) * (a - 1) + (target < source ? target : target - 1);
  }

  #global(source: number, target: number, index: number): number {
    const other = target < source ? target : target - 1;
    return this.#globalBase + (source * (this.#groups - 1) + other) * this.#globalPerPair + index;
  }

  #decodeLocal(id: number): { group: number; source: number; target: number } {
    const a = this.#routersPerGroup;
    const offset = id - this.#localBase;
    const router = Math.floor(offset / (a - 1));
    const slot = offset % (a - 1);
    const source = router % a;
    return { group: Math.floor(router / a), source, target: slot < source ? slot : slot + 1 };
  }

  #decodeGlobal(id: number): { source: number; target: number; index: number } {
    const h = this.#globalPerPair;
    const offset = id - this.#globalBase;
    const pair = Math.floor(offset / h);
    const source = Math.floor(pair / (this.#groups - 1));
    const other = pair % (this.#groups - 1);
    return { source, target: other < source ? other : other + 1, index: offset % h };
  }

  #checkGroup(group: number): void {
    assertIndex(group, this.#groups, "group out of range");
  }

  #checkRouter(router: number): void {
    assertIndex(router, this.#routersPerGroup, "router out of range");
  }
}

/** A whole number of things, at least one. */
function assertCount(value: number, what: string): void {
  assert(Number.isInteger(value), `${what} must be a whole number`);
  assert(value > 0, `${what} must be at least 1`);
}

/** An index into `count` things. */
function assertIndex(value: number, count: number, message: string): void {
  assert(Number.isInteger(value), message);
  assert(value >= 0, message);
  assert(value < count, message);
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}
