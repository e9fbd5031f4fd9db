import { describe, expect, it } from "vitest";
import {
  allReduceBandwidthGbps,
  ceilLog2,
  ringAllReduceUs,
  ringRoutes,
  slowestHopLatencyUs,
  transferUs,
  treeAllReduceUs,
} from "../../models/fabric/collectives.js";
import { FatTree } from "../../models/fabric/topology.js";
import { TWO_LEAVES } from "./fixtures.js";

const nodes = (...list: number[]): Int32Array => Int32Array.from(list);
const MB = 1_000_000;

describe("alpha-beta formulas", () => {
  it("moves 1 MB at 100 Gbps in 80 µs (8·10⁶ bits at 10⁵ bits/µs)", () => {
    expect(transferUs(MB, 100)).toBe(80);
    expect(transferUs(0, 0)).toBe(0);
    expect(transferUs(MB, 0)).toBe(Infinity);
  });

  it("ring: 4 ranks, 1 MB, α 2 µs, 100 Gbps → 2·3·2 + (2·3/4)·80 = 132 µs", () => {
    expect(ringAllReduceUs(4, MB, 2, 100)).toBe(132);
    expect(ringAllReduceUs(1, MB, 2, 100)).toBe(0);
  });

  it("tree: 2·⌈log2 p⌉·(α + S/B): 4 ranks → 4·82 = 328 µs, 5 ranks → 6·82 = 492 µs", () => {
    expect(treeAllReduceUs(4, MB, 2, 100)).toBe(328);
    expect(treeAllReduceUs(5, MB, 2, 100)).toBe(492);
    expect(treeAllReduceUs(1, MB, 2, 100)).toBe(0);
  });

  it("takes ⌈log2 p⌉ exactly", () => {
    expect([1, 2, 3, 4, 5, 1_024, 1_025].map(ceilLog2)).toEqual([0, 1, 2, 2, 3, 10, 11]);
  });

  it("prefers the ring for big buffers and the tree for small ones", () => {
    // 64 ranks: ring 126α + 1.97·S/B against tree 12α + 12·S/B.
    expect(ringAllReduceUs(64, 100 * MB, 2, 100)).toBeLessThan(treeAllReduceUs(64, 100 * MB, 2, 100));
    expect(treeAllReduceUs(64, 1_000, 2, 100)).toBeLessThan(ringAllReduceUs(64, 1_000, 2, 100));
  });
});

describe("all-reduce bandwidth from the fabric", () => {
  it("gets the full link inside one uncontended leaf, and the formula's time exactly", () => {
    const tree = new FatTree({ ...TWO_LEAVES, oversubscription: 1 });
    const ring = nodes(0, 1, 2, 3);
    const bandwidthGbps = allReduceBandwidthGbps(tree, ring, []);
    expect(bandwidthGbps).toBe(100);
    // Every hop is node → leaf → node: 2 links × 1 µs + 1 switch × 0.25 µs.
    const alphaUs = slowestHopLatencyUs(tree, ringRoutes(tree, ring)!);
    expect(alphaUs).toBe(2.25);
    // 2·3·2.25 + 1.5·80 = 13.5 + 120.
    expect(ringAllReduceUs(4, MB, alphaUs, bandwidthGbps)).toBe(133.5);
  });

  it("gets less across two leaves at 2:1: one 75 Gbps spine link per crossing hop", () => {
    // Ring 0,1 | 6,7: hop 1→6 takes leaf0→spine2 (6 mod 4), hop 7→0 takes leaf1→spine0.
    // Each crossing flow has a 75 Gbps link to itself: B = min(100, 75) = 75.
    const ring = nodes(0, 1, 6, 7);
    expect(allReduceBandwidthGbps(new FatTree(TWO_LEAVES), ring, [])).toBe(75);
    // Non-blocking (1:1) the spine links carry 150 Gbps each: the node links bind, 100.
    expect(allReduceBandwidthGbps(new FatTree({ ...TWO_LEAVES, oversubscription: 1 }), ring, [])).toBe(100);
    // α is the crossing hop's: 4 links + 3 switches = 4.75 µs.
    const tree = new FatTree(TWO_LEAVES);
    expect(slowestHopLatencyUs(tree, ringRoutes(tree, ring)!)).toBe(4.75);
  });

  it("halves when another job's ring crosses the same spine links", () => {
    // Ring 4,5 | 10,11: hop 5→10 takes spine 2 (10 mod 4) from leaf 0, hop 11→4 spine 0
    // from leaf 1 — the very links of the first ring. Two flows per 75 Gbps link: 37.5.
    const tree = new FatTree(TWO_LEAVES);
    const other = ringRoutes(tree, nodes(4, 5, 10, 11))!;
    expect(allReduceBandwidthGbps(tree, nodes(0, 1, 6, 7), other)).toBe(37.5);
  });

  it("is untouched by a ring that the spines spread onto other links", () => {
    // Ring 2,3 | 8,9 crosses at 3→8 (spine 0 from leaf 0) and 9→2 (spine 2 from leaf 1):
    // no link in common with ring 0,1 | 6,7.
    const tree = new FatTree(TWO_LEAVES);
    const other = ringRoutes(tree, nodes(2, 3, 8, 9))!;
    expect(allReduceBandwidthGbps(tree, nodes(0, 1, 6, 7), other)).toBe(75);
  });

  it("is 0 when the ring is partitioned, and Infinity for one node", () => {
    const tree = new FatTree(TWO_LEAVES);
    tree.failLink(tree.nodeDownlink(6));
    expect(ringRoutes(tree, nodes(0, 1, 6, 7))).toBeNull();
    expect(allReduceBandwidthGbps(tree, nodes(0, 1, 6, 7), [])).toBe(0);
    expect(allReduceBandwidthGbps(tree, nodes(3), [])).toBe(Infinity);
  });
});
