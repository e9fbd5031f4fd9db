import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Dragonfly, FatTree, type DragonflyOptions, type FatTreeOptions, type Topology } from "../../models/fabric/topology.js";
import { AssertionFailure } from "../../sim/assert.js";

/** 2 leaves × 4 nodes, 2 spines, 100 Gbps, 2:1: each leaf→spine link carries 4·100/2/2 = 100 Gbps. */
const SMALL: FatTreeOptions = {
  nodesPerLeaf: 4,
  leafCount: 2,
  spineCount: 2,
  linkGbps: 100,
  oversubscription: 2,
  linkLatencyUs: 1,
  switchLatencyUs: 0.25,
};

/** 3 groups × 2 routers × 2 nodes, one global cable per group pair. */
const DRAGONFLY: DragonflyOptions = {
  groupCount: 3,
  routersPerGroup: 2,
  nodesPerRouter: 2,
  globalLinksPerGroupPair: 1,
  linkGbps: 100,
  localLinkGbps: 200,
  globalLinkGbps: 50,
  linkLatencyUs: 0.5,
  globalLinkLatencyUs: 2,
  switchLatencyUs: 0.1,
};

const names = (topology: Topology, route: Int32Array | null): string[] | null =>
  route === null ? null : Array.from(route, (id) => topology.linkName(id));

/** A route is a chain of up links from source to target (the checker, apart from the model). */
function checkRoute(topology: Topology, source: number, target: number, route: Int32Array): void {
  let at = source;
  for (const link of route) {
    expect(topology.isLinkUp(link)).toBe(true);
    expect(topology.linkSources[link]).toBe(at);
    at = topology.linkTargets[link];
  }
  expect(at).toBe(target);
  expect(new Set(route).size).toBe(route.length);
  expect(route.length).toBeLessThanOrEqual(topology.routeLengthMax);
}

describe("fat-tree", () => {
  it("sizes its links from the oversubscription: 4·100 Gbps / 2 over 2 spines = 100 Gbps each", () => {
    const tree = new FatTree(SMALL);
    expect(tree.nodeCount).toBe(8);
    expect(tree.linkCount).toBe(2 * 8 + 2 * 2 * 2);
    expect(tree.leafSpineGbps).toBe(100);
    const fourToOne = new FatTree({ ...SMALL, spineCount: 4, oversubscription: 4 });
    expect(fourToOne.leafSpineGbps).toBe(25);
    const { up, down } = fourToOne.linksBetweenLeafAndSpine(1, 3);
    expect(fourToOne.capacitiesGbps[up]).toBe(25);
    expect(fourToOne.capacitiesGbps[down]).toBe(25);
    expect(fourToOne.capacitiesGbps[fourToOne.nodeUplink(5)]).toBe(100);
  });

  it("puts node i on leaf floor(i / nodesPerLeaf)", () => {
    const tree = new FatTree(SMALL);
    expect([0, 3, 4, 7].map((node) => tree.leafOf(node))).toEqual([0, 0, 1, 1]);
  });

  it("routes inside a leaf through the leaf, across leaves through spine target mod spineCount", () => {
    const tree = new FatTree(SMALL);
    expect(names(tree, tree.route(1, 2))).toEqual(["node1->leaf00", "leaf00->node2"]);
    expect(names(tree, tree.route(1, 6))).toEqual(["node1->leaf00", "leaf00->spine00", "spine00->leaf01", "leaf01->node6"]);
    expect(names(tree, tree.route(6, 1))).toEqual(["node6->leaf01", "leaf01->spine01", "spine01->leaf00", "leaf00->node1"]);
    expect(tree.route(3, 3)).toEqual(new Int32Array(0));
  });

  it("adds link and switch latencies: 4 links × 1 µs + 3 switches × 0.25 µs = 4.75 µs", () => {
    const tree = new FatTree(SMALL);
    expect(tree.pathLatencyUs(tree.route(1, 6)!)).toBe(4.75);
    expect(tree.pathLatencyUs(tree.route(1, 2)!)).toBe(2.25);
    expect(tree.pathLatencyUs(new Int32Array(0))).toBe(0);
  });

  it("reroutes around a failed uplink, partitions when no spine is left, and returns when restored", () => {
    const tree = new FatTree(SMALL);
    const toSpine0 = tree.linksBetweenLeafAndSpine(0, 0);
    const toSpine1 = tree.linksBetweenLeafAndSpine(0, 1);
    const before = tree.version;
    tree.failLink(toSpine0.up);
    expect(tree.version).toBe(before + 1);
    expect(tree.isLinkUp(toSpine0.up)).toBe(false);
    expect(tree.capacitiesGbps[toSpine0.up]).toBe(0);
    expect(names(tree, tree.route(1, 6))).toEqual(["node1->leaf00", "leaf00->spine01", "spine01->leaf01", "leaf01->node6"]);
    // Traffic the other way still comes down through spine 0: only one direction failed.
    expect(names(tree, tree.route(6, 0))).toEqual(["node6->leaf01", "leaf01->spine00", "spine00->leaf00", "leaf00->node0"]);
    tree.failLink(toSpine1.up);
    expect(tree.route(1, 6)).toBeNull();
    expect(tree.route(1, 2)).not.toBeNull(); // inside the leaf, nothing changed
    tree.restoreLink(toSpine0.up);
    expect(tree.capacitiesGbps[toSpine0.up]).toBe(100);
    expect(names(tree, tree.route(1, 6))?.[1]).toBe("leaf00->spine00");
  });

  it("cuts off a node whose own cable failed", () => {
    const tree = new FatTree(SMALL);
    tree.failLink(tree.nodeDownlink(2));
    expect(tree.route(1, 2)).toBeNull();
    expect(tree.route(2, 1)).not.toBeNull();
    expect(() => tree.failLink(tree.nodeDownlink(2))).toThrow(AssertionFailure);
    expect(() => tree.restoreLink(tree.nodeUplink(2))).toThrow(AssertionFailure);
  });

  it("pairs every link with its reverse and names each uniquely", () => {
    const tree = new FatTree({ ...SMALL, leafCount: 3, spineCount: 3 });
    const seen = new Set<string>();
    for (let id = 0; id < tree.linkCount; id++) {
      const reverse = tree.reverseOf(id);
      expect(reverse).not.toBe(id);
      expect(tree.reverseOf(reverse)).toBe(id);
      expect(tree.linkSources[reverse]).toBe(tree.linkTargets[id]);
      expect(tree.linkTargets[reverse]).toBe(tree.linkSources[id]);
      seen.add(tree.linkName(id));
    }
    expect(seen.size).toBe(tree.linkCount);
  });

  it("routes along up links whenever some spine has both links up, and only then (property)", () => {
    const options: FatTreeOptions = { ...SMALL, nodesPerLeaf: 3, leafCount: 3, spineCount: 3 };
    const probe = new FatTree(options);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.nat({ max: probe.linkCount - 1 }), { maxLength: 12 }),
        fc.nat({ max: probe.nodeCount - 1 }),
        fc.nat({ max: probe.nodeCount - 1 }),
        (failed, source, target) => {
          const tree = new FatTree(options);
          for (const id of failed) tree.failLink(id);
          const route = tree.route(source, target);
          const sourceLeaf = tree.leafOf(source);
          const targetLeaf = tree.leafOf(target);
          let reachable = source === target;
          if (!reachable && tree.isLinkUp(tree.nodeUplink(source)) && tree.isLinkUp(tree.nodeDownlink(target))) {
            reachable =
              sourceLeaf === targetLeaf ||
              Array.from({ length: options.spineCount }, (_, spine) => spine).some(
                (spine) =>
                  tree.isLinkUp(tree.linksBetweenLeafAndSpine(sourceLeaf, spine).up) &&
                  tree.isLinkUp(tree.linksBetweenLeafAndSpine(targetLeaf, spine).down),
              );
          }
          expect(route !== null).toBe(reachable);
          if (route !== null) checkRoute(tree, source, target, route);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("routes into a caller's buffer without allocating, and refuses a short buffer", () => {
    const tree = new FatTree(SMALL);
    const out = new Int32Array(tree.routeLengthMax);
    expect(tree.routeInto(1, 6, out)).toBe(4);
    expect(Array.from(out)).toEqual(Array.from(tree.route(1, 6)!));
    expect(() => tree.routeInto(1, 6, new Int32Array(3))).toThrow(AssertionFailure);
  });
});

describe("dragonfly", () => {
  it("builds g·a·(a−1) local and g·(g−1)·h global links", () => {
    const fly = new Dragonfly(DRAGONFLY);
    expect(fly.nodeCount).toBe(12);
    expect(fly.linkCount).toBe(2 * 12 + 3 * 2 * 1 + 3 * 2 * 1);
    expect(fly.capacitiesGbps[fly.localLink(1, 0, 1)]).toBe(200);
    expect(fly.capacitiesGbps[fly.globalLink(2, 0, 0)]).toBe(50);
    expect(fly.latenciesUs[fly.globalLink(2, 0, 0)]).toBe(2);
  });

  it("routes minimally: local, global, local", () => {
    const fly = new Dragonfly(DRAGONFLY);
    // Same router, same group, another group through a gateway at each end.
    expect(names(fly, fly.route(0, 1))).toEqual(["node0->g00r00", "g00r00->node1"]);
    expect(names(fly, fly.route(0, 2))).toEqual(["node0->g00r00", "g00r00->g00r01", "g00r01->node2"]);
    // Group 0's cable to group 1 is on router 0, and lands on group 1's router 0.
    expect(names(fly, fly.route(0, 6))).toEqual(["node0->g00r00", "g00r00->g01r00#0", "g01r00->g01r01", "g01r01->node6"]);
    // Group 0's cable to group 2 is on router 1: a local hop first.
    expect(names(fly, fly.route(0, 8))).toEqual(["node0->g00r00", "g00r00->g00r01", "g00r01->g02r00#0", "g02r00->node8"]);
    // 0.5 + 0.5 + 2 + 0.5 µs of links and 3 switches × 0.1 µs.
    expect(fly.pathLatencyUs(fly.route(0, 8)!)).toBeCloseTo(3.8, 12);
  });

  it("goes through an intermediate group when every global cable to the target group is down", () => {
    const fly = new Dragonfly(DRAGONFLY);
    fly.failLink(fly.globalLink(0, 2, 0));
    expect(names(fly, fly.route(0, 8))).toEqual([
      "node0->g00r00",
      "g00r00->g01r00#0",
      "g01r00->g01r01",
      "g01r01->g02r01#0",
      "g02r01->g02r00",
      "g02r00->node8",
    ]);
    fly.failLink(fly.globalLink(1, 2, 0));
    expect(fly.route(0, 8)).toBeNull();
  });

  it("detours through another router of the group when a local link is down", () => {
    const fly = new Dragonfly({ ...DRAGONFLY, routersPerGroup: 3 });
    fly.failLink(fly.localLink(0, 0, 1));
    expect(names(fly, fly.route(0, 2))).toEqual(["node0->g00r00", "g00r00->g00r02", "g00r02->g00r01", "g00r01->node2"]);
  });

  it("picks among parallel global cables by target, and uses another when one is down", () => {
    const fly = new Dragonfly({ ...DRAGONFLY, globalLinksPerGroupPair: 2 });
    const links = fly.globalLinksBetween(0, 1);
    expect(fly.route(0, 4)!).toContain(links[0]); // target 4: 4 mod 2 = 0
    expect(fly.route(0, 5)!).toContain(links[1]); // target 5: 5 mod 2 = 1
    fly.failLink(links[1]);
    expect(fly.route(0, 5)!).toContain(links[0]);
  });

  it("handles degenerate shapes: one router per group, or a single group", () => {
    const routers = new Dragonfly({ ...DRAGONFLY, routersPerGroup: 1 });
    expect(names(routers, routers.route(0, 5))).toEqual(["node0->g00r00", "g00r00->g02r00#0", "g02r00->node5"]);
    const single = new Dragonfly({ ...DRAGONFLY, groupCount: 1 });
    expect(single.route(0, 3)!.length).toBe(3);
    single.failLink(single.localLink(0, 0, 1));
    expect(single.route(0, 3)).toBeNull(); // two routers: no third to detour through
  });

  it("pairs every link with its reverse and names each uniquely", () => {
    const fly = new Dragonfly({ ...DRAGONFLY, groupCount: 4, routersPerGroup: 3, globalLinksPerGroupPair: 2 });
    const seen = new Set<string>();
    for (let id = 0; id < fly.linkCount; id++) {
      const reverse = fly.reverseOf(id);
      expect(fly.reverseOf(reverse)).toBe(id);
      expect(fly.linkSources[reverse]).toBe(fly.linkTargets[id]);
      expect(fly.linkTargets[reverse]).toBe(fly.linkSources[id]);
      seen.add(fly.linkName(id));
    }
    expect(seen.size).toBe(fly.linkCount);
  });

  it("routes along up links from source to target, whatever fails (property)", () => {
    const options: DragonflyOptions = { ...DRAGONFLY, groupCount: 4, routersPerGroup: 3, globalLinksPerGroupPair: 2 };
    const probe = new Dragonfly(options);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.nat({ max: probe.linkCount - 1 }), { maxLength: 20 }),
        fc.nat({ max: probe.nodeCount - 1 }),
        fc.nat({ max: probe.nodeCount - 1 }),
        (failed, source, target) => {
          const fly = new Dragonfly(options);
          const intact = fly.route(source, target);
          expect(intact).not.toBeNull();
          checkRoute(fly, source, target, intact!);
          // Minimal: at most one global link when nothing is down.
          const globals = Array.from(intact!).filter((id) => fly.latenciesUs[id] === options.globalLinkLatencyUs);
          expect(globals.length).toBe(fly.groupOf(source) === fly.groupOf(target) ? 0 : 1);
          for (const id of failed) fly.failLink(id);
          const route = fly.route(source, target);
          if (route !== null) checkRoute(fly, source, target, route);
        },
      ),
      { numRuns: 300 },
    );
  });
});
