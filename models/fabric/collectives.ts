import { assert } from "../../sim/assert.js";
import { MaxMinSolver } from "./max-min.js";
import type { Topology } from "./topology.js";

/**
 * The cost of an all-reduce by the alpha-beta (latency-bandwidth) model: a message of n
 * bytes costs α + n/B (Hockney, "The communication challenge for MPP: Intel Paragon and
 * Meiko CS-2", Parallel Computing 1994). Per-algorithm costs follow Thakur, Rabenseifner
 * and Gropp, "Optimization of collective communication operations in MPICH", IJHPCA 2005:
 *
 * - ring (reduce-scatter then all-gather): 2(p−1) steps, each sending S/p bytes to the
 *   next rank, so T = 2(p−1)·α + 2(p−1)/p · S/B;
 * - tree (binomial reduce then binomial broadcast of the whole buffer):
 *   T = 2·⌈log2 p⌉·(α + S/B).
 *
 * α and B come from the fabric, not from a table: every ring step runs all p hops at once,
 * and the ring waits for its slowest hop, so α is the longest hop's path latency and B is
 * the smallest max-min rate among the ring's p flows when they share the topology with
 * other jobs' traffic.
 *
 * Leaves out: the reduction's compute time (γ), pipelining and chunking, NCCL's
 * intra-node NVLink stage and double binary trees, in-network reduction (SHARP), and
 * traffic patterns other than the ring's (a tree all-reduce is charged at the ring's α and
 * B — the job's registered traffic is its ring).
 */

/** µs to move `bytes` at `bandwidthGbps`: 1 Gbps carries 1,000 bits per µs. */
export function transferUs(bytes: number, bandwidthGbps: number): number {
  assert(bytes >= 0);
  assert(bandwidthGbps >= 0);
  if (bytes === 0) return 0;
  return (bytes * 8) / (bandwidthGbps * 1_000);
}

/**
 * Ring all-reduce of `bytes` over `p` ranks, µs: 2(p−1)·α + 2(p−1)/p · S/B. Zero for
 * one rank; Infinity when B is 0 (partitioned). Not rounded: round before scheduling.
 */
export function ringAllReduceUs(p: number, bytes: number, alphaUs: number, bandwidthGbps: number): number {
  assert(Number.isInteger(p), "a rank count is a whole number");
  assert(p >= 1, "a collective needs at least one rank");
  assert(alphaUs >= 0);
  if (p === 1) return 0;
  return 2 * (p - 1) * alphaUs + ((2 * (p - 1)) / p) * transferUs(bytes, bandwidthGbps);
}

/**
 * Binomial-tree all-reduce (reduce, then broadcast) of `bytes` over `p` ranks, µs:
 * 2·⌈log2 p⌉·(α + S/B). Zero for one rank; Infinity when B is 0.
 */
export function treeAllReduceUs(p: number, bytes: number, alphaUs: number, bandwidthGbps: number): number {
  assert(Number.isInteger(p), "a rank count is a whole number");
  assert(p >= 1, "a collective needs at least one rank");
  assert(alphaUs >= 0);
  if (p === 1) return 0;
  return 2 * ceilLog2(p) * (alphaUs + transferUs(bytes, bandwidthGbps));
}

/** ⌈log2 p⌉ for p ≥ 1, exactly (no floating-point log). */
export function ceilLog2(p: number): number {
  assert(Number.isInteger(p));
  assert(p >= 1);
  let steps = 0;
  for (let reach = 1; reach < p; reach *= 2) steps++;
  return steps;
}

/**
 * The routes of a ring over `nodes` in the order given: node k → node k+1, the last back
 * to the first. Empty for one node; null when any hop is partitioned.
 */
export function ringRoutes(topology: Topology, nodes: Int32Array): Int32Array[] | null {
  const p = nodes.length;
  assert(p >= 1, "a ring needs at least one node");
  if (p === 1) return [];
  const routes: Int32Array[] = [];
  for (let k = 0; k < p; k++) {
    const route = topology.route(nodes[k], nodes[(k + 1) % p]);
    if (route === null) return null;
    routes.push(route);
  }
  return routes;
}

/** The longest path latency among routes, µs: a ring step's α. */
export function slowestHopLatencyUs(topology: Topology, routes: readonly Int32Array[]): number {
  let alphaUs = 0;
  for (const route of routes) alphaUs = Math.max(alphaUs, topology.pathLatencyUs(route));
  return alphaUs;
}

/**
 * The bandwidth a ring all-reduce over `nodes` gets, Gbps: the smallest max-min rate
 * among its p flows, placed on the topology's routes together with `backgroundFlows`
 * (other jobs' traffic, as link-id paths). 0 when the ring is partitioned; Infinity for a
 * single node (it sends nothing).
 */
export function allReduceBandwidthGbps(
  topology: Topology,
  nodes: Int32Array,
  backgroundFlows: readonly Int32Array[],
): number {
  const routes = ringRoutes(topology, nodes);
  if (routes === null) return 0;
  if (routes.length === 0) return Infinity;
  const flows = routes.concat(backgroundFlows);
  const rates = new MaxMinSolver().solve(flows, topology.capacitiesGbps);
  let bandwidthGbps = Infinity;
  for (let k = 0; k < routes.length; k++) bandwidthGbps = Math.min(bandwidthGbps, rates[k]);
  return bandwidthGbps;
}
