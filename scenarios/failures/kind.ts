import type { z } from "zod";
import type { DistributionSpec } from "../../sim/distribution.js";
import type { TimedFault } from "../../models/cluster/options.js";
import type { FailureWiring } from "../../models/cluster/part.js";
import type { AdHocKind } from "../../models/failures/ad-hoc.js";
import type { PreparedScenario } from "../prepare.js";
import type { ClusterScenario, Strategy } from "../schema.js";

/** A problem with one failure entry: the path below the entry, and what is wrong. */
export interface FailureIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * One failure kind of the scenario format, declared in one file: its schema fragment, its
 * checks against the rest of the scenario, what it may cost a run (for the bounds), and
 * how it becomes part of the model. `index.ts` lists the kinds.
 *
 * A kind either wires a failure model into the run (`wiring`: at most one entry of the
 * kind, models started in the registry's order) or is a one-off fault at a time
 * (`timedFault`: as many as the scenario lists).
 */
export interface FailureKind<Schema extends z.ZodType<{ readonly kind: string }>> {
  readonly kind: z.output<Schema>["kind"];
  readonly schema: Schema;
  /** Problems against the rest of the scenario (a pool, a service, the fabric it needs). */
  check?(failure: z.output<Schema>, scenario: ClusterScenario): FailureIssue[];
  /** Failures expected over `horizonS` and the field that sets their rate, for the bound on failures a run keeps. */
  expectedFailures?(failure: z.output<Schema>, scenario: ClusterScenario, horizonS: number): { readonly count: number; readonly field: string };
  /** Periodic steps every node takes (path below the entry, period), for the bound on node steps. */
  nodePeriods?(failure: z.output<Schema>): { readonly path: readonly (string | number)[]; readonly periodS: number }[];
  /** The failure model this entry wires into a run of `strategy`. */
  wiring?(failure: z.output<Schema>, strategy: Strategy, prepared: PreparedScenario): FailureWiring;
  /** The one-off fault this entry schedules. */
  timedFault?(failure: z.output<Schema>): TimedFault;
  /** How an operator injects this kind of fault in a game day (entries of its "inject" menu). */
  readonly verbs?: readonly InjectVerb[];
}

/** A fault injected by hand during a game day, as data (the session's log holds these). */
export type InjectCommand =
  | { readonly kind: "inject"; readonly fault: AdHocKind; readonly target: string; readonly durationS: number }
  /** The uplink from a rack's leaf switch to the first spine (a fat-tree: one leaf per rack). */
  | { readonly kind: "link-down"; readonly target: string; readonly durationS: number }
  | { readonly kind: "metadata-storm" }
  | { readonly kind: "spot-wave" }
  /** A bad driver patch rolled out in waves (a quarter of the nodes every 30 min) until rolled back. */
  | { readonly kind: "driver-rollout" }
  /** A control-plane service's active unit crashes, its units are cut apart, or its certificate expires. */
  | { readonly kind: "service-fault"; readonly fault: "unit-crash" | "partition" | "certificate-expiry"; readonly service: string; readonly durationS: number };

/** One entry of the game day's "inject a fault" menu. */
export interface InjectVerb {
  /** The key that picks it; unique across the menu. */
  readonly key: string;
  readonly label: string;
  /** What the operator names, or null for a fault without a target. */
  readonly target: "node" | "rack" | "service" | null;
  readonly make: (target: string) => InjectCommand;
}

/** A verb that injects an ad-hoc fault (the same the CLI's --inject does) on a node or rack. */
export function injectVerb(key: string, label: string, fault: AdHocKind, durationS: number): InjectVerb {
  return { key, label, target: fault === "rack-power" ? "rack" : "node", make: (target) => ({ kind: "inject", fault, target, durationS }) };
}

/** A verb that strikes a control-plane service. */
export function serviceFaultVerb(key: string, label: string, fault: "unit-crash" | "partition" | "certificate-expiry", durationS: number): InjectVerb {
  return { key, label, target: "service", make: (service) => ({ kind: "service-fault", fault, service, durationS }) };
}

/** A repair or return time given as a plain duration is the mean of an exponential. */
export function meanAsExponential(spec: DistributionSpec): DistributionSpec {
  return spec.kind === "constant" ? { kind: "exponential", mean: spec.value } : spec;
}

/** A fault aimed at a control-plane service must name one of the scenario's. */
export function needsService(service: string, scenario: ClusterScenario): FailureIssue[] {
  const names = scenario.controlPlane.map((candidate) => candidate.name);
  if (names.includes(service)) return [];
  return [{ path: ["service"], message: `no control-plane service is named "${service}" (services: ${names.join(", ") || "none"})` }];
}
