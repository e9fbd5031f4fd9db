import type { FatTreeOptions } from "../../models/fabric/topology.js";

/**
 * 2 leaves × 6 nodes, 4 spines, 100 Gbps, 2:1: each leaf→spine link carries
 * 6·100/2/4 = 75 Gbps. Cross-leaf hops go through spine (target mod 4). Links 1 µs,
 * switches 0.25 µs: a hop inside a leaf takes 2.25 µs, across leaves 4.75 µs.
 */
export const TWO_LEAVES: FatTreeOptions = {
  nodesPerLeaf: 6,
  leafCount: 2,
  spineCount: 4,
  linkGbps: 100,
  oversubscription: 2,
  linkLatencyUs: 1,
  switchLatencyUs: 0.25,
};
