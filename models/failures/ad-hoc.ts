import { assert } from "../../sim/assert.js";
import type { Sim } from "../../sim/sim.js";
import { ClockCause, type Cluster } from "../hardware/cluster.js";

/**
 * Faults injected by hand (`faultline run … --inject node-crash@2h:r03n17`): each calls
 * the same public verb a failure model would, at its time, and is recorded like one.
 */
export const AD_HOC_KINDS = ["node-crash", "rack-power", "throttle", "driver-mismatch", "drain"] as const;
export type AdHocKind = (typeof AD_HOC_KINDS)[number];

export interface AdHocInjection {
  readonly kind: AdHocKind;
  readonly atUs: number;
  /** A node ("r03n17") or, for rack-power, a rack ("r03"). */
  readonly target: string;
  /** How long the fault lasts (down, throttled, mismatched, drained). */
  readonly durationUs: number;
}

/** The clock factor a throttle injection sets. */
const THROTTLED_CLOCK = 0.5;

/** Resolves a target name to node indices; null when the name matches nothing. */
export function targetNodes(cluster: Cluster, kind: AdHocKind, target: string): number[] | null {
  const perRack = cluster.options.nodesPerRack;
  const rackMatch = /^r(\d+)$/.exec(target);
  if (kind === "rack-power") {
    if (rackMatch === null) return null;
    const rack = Number(rackMatch[1]);
    if (rack >= cluster.options.racks) return null;
    return Array.from({ length: perRack }, (_, slot) => rack * perRack + slot);
  }
  const nodeMatch = /^r(\d+)n(\d+)$/.exec(target);
  if (nodeMatch === null) return null;
  const rack = Number(nodeMatch[1]);
  const slot = Number(nodeMatch[2]);
  if (rack >= cluster.options.racks || slot >= perRack) return null;
  return [rack * perRack + slot];
}

/** Schedules each injection's start and end. Targets must resolve (the CLI checked). */
export function scheduleInjections(sim: Sim, cluster: Cluster, injections: readonly AdHocInjection[]): void {
  for (const injection of injections) {
    const nodes = targetNodes(cluster, injection.kind, injection.target);
    assert(nodes !== null, "an injection's target names a node or rack of the cluster");
    sim.scheduleAt(injection.atUs, () => begin(sim, cluster, injection, nodes));
  }
}

function begin(sim: Sim, cluster: Cluster, injection: AdHocInjection, nodes: number[]): void {
  let affected: number[];
  switch (injection.kind) {
    case "node-crash":
    case "rack-power":
      // All at once, so a job killed by one node's loss is not placed again on the next.
      affected = nodes.filter((node) => cluster.isUp(node));
      cluster.crashNodes(affected, injection.kind);
      break;
    case "throttle":
      affected = nodes;
      for (const node of nodes) cluster.throttle(node, THROTTLED_CLOCK, ClockCause.Thermal);
      break;
    case "driver-mismatch":
      affected = nodes;
      for (const node of nodes) cluster.setDriverCompatible(node, false);
      break;
    case "drain":
      affected = nodes.filter((node) => !cluster.isDrained(node));
      for (const node of affected) cluster.drain(node);
      break;
  }
  sim.record({ kind: "FaultInjected", fault: injection.kind, target: injection.target, nodes: affected, repairUs: injection.durationUs });
  sim.schedule(injection.durationUs, () => end(sim, cluster, injection, affected));
}

function end(sim: Sim, cluster: Cluster, injection: AdHocInjection, nodes: number[]): void {
  switch (injection.kind) {
    case "node-crash":
    case "rack-power":
      cluster.restoreNodes(nodes.filter((node) => !cluster.isUp(node)));
      break;
    case "throttle":
      for (const node of nodes) cluster.restoreClock(node);
      break;
    case "driver-mismatch":
      for (const node of nodes) cluster.setDriverCompatible(node, true);
      break;
    case "drain":
      for (const node of nodes) if (cluster.isDrained(node)) cluster.undrain(node);
      break;
  }
  sim.record({ kind: "FaultCleared", fault: injection.kind, target: injection.target });
}
