import { z } from "zod";
import type { TimedFault } from "../../models/cluster/options.js";
import type { FailureWiring } from "../../models/cluster/part.js";
import type { PreparedScenario } from "../prepare.js";
import type { ClusterScenario, Strategy } from "../schema.js";
import { certificateExpiry } from "./certificate-expiry.js";
import { driverPatch } from "./driver-patch.js";
import { failureLog } from "./failure-log.js";
import { injectVerb, serviceFaultVerb, type FailureIssue, type FailureKind, type InjectVerb } from "./kind.js";
import { linkDown } from "./link-down.js";
import { metadataStorm } from "./metadata-storm.js";
import { networkPartition } from "./network-partition.js";
import { nodeCrash } from "./node-crash.js";
import { rackPower } from "./rack-power.js";
import { silentDegradation } from "./silent-degradation.js";
import { spotPreemption } from "./spot-preemption.js";
import { thermal } from "./thermal.js";

/**
 * Every failure kind a scenario may list, one file each. The schema's union, the checks,
 * the bounds and the model's wiring all come from here. Failure models start in this
 * order, so their events at equal times keep it: append a new kind at the end.
 */
export const FAILURE_KINDS = [
  linkDown,
  metadataStorm,
  networkPartition,
  certificateExpiry,
  nodeCrash,
  spotPreemption,
  driverPatch,
  rackPower,
  thermal,
  silentDegradation,
  failureLog,
] as const;

type SchemaOf<Kind> = Kind extends { readonly schema: infer Schema } ? Schema : never;
type SchemasOf<Kinds extends readonly unknown[]> = { -readonly [I in keyof Kinds]: SchemaOf<Kinds[I]> };
type Schemas = SchemasOf<typeof FAILURE_KINDS>;

export const failureSchema = z.discriminatedUnion("kind", FAILURE_KINDS.map((kind) => kind.schema) as unknown as Schemas);

export type Failure = z.output<typeof failureSchema>;

/** The declaration of an entry's kind (the union's members share one shape). */
function declarationOf(failure: Failure): FailureKind<z.ZodType<Failure>> {
  const declaration = FAILURE_KINDS.find((kind) => kind.kind === failure.kind);
  if (declaration === undefined) throw new Error(`unknown failure kind "${failure.kind}"`);
  return declaration as unknown as FailureKind<z.ZodType<Failure>>;
}

/** Problems with the scenario's failures against the rest of it; paths from the scenario's root. */
export function failureIssues(scenario: ClusterScenario): FailureIssue[] {
  const issues: FailureIssue[] = [];
  scenario.failures.forEach((failure, index) => {
    const declaration = declarationOf(failure);
    for (const issue of declaration.check?.(failure, scenario) ?? []) {
      issues.push({ path: ["failures", index, ...issue.path], message: issue.message });
    }
  });
  for (const kind of FAILURE_KINDS) {
    if (kind.wiring !== undefined && scenario.failures.filter((failure) => failure.kind === kind.kind).length > 1) {
      issues.push({ path: ["failures"], message: `at most one ${kind.kind} failure model` });
    }
  }
  return issues;
}

/** Failures each entry may bring over the horizon, with the field setting the rate. */
export function expectedFailures(scenario: ClusterScenario, horizonS: number): { readonly path: (string | number)[]; readonly count: number }[] {
  return scenario.failures.flatMap((failure, index) => {
    const expected = declarationOf(failure).expectedFailures?.(failure, scenario, horizonS);
    return expected === undefined ? [] : [{ path: ["failures", index, expected.field], count: expected.count }];
  });
}

/** Periodic steps every node takes for the scenario's failures. */
export function failureNodePeriods(scenario: ClusterScenario): { readonly path: (string | number)[]; readonly periodS: number }[] {
  return scenario.failures.flatMap((failure, index) =>
    (declarationOf(failure).nodePeriods?.(failure) ?? []).map((period) => ({ path: ["failures", index, ...period.path], periodS: period.periodS })),
  );
}

/** The failure models a run of `strategy` starts, in the registry's order. */
export function failureWirings(prepared: PreparedScenario, strategy: Strategy): FailureWiring[] {
  const scenario = prepared.scenario as ClusterScenario;
  const wirings: FailureWiring[] = [];
  for (const kind of FAILURE_KINDS) {
    const failure = scenario.failures.find((candidate) => candidate.kind === kind.kind);
    const declaration = failure === undefined ? undefined : declarationOf(failure);
    if (failure !== undefined && declaration?.wiring !== undefined) wirings.push(declaration.wiring(failure, strategy, prepared));
  }
  return wirings;
}

/** The one-off faults the scenario schedules, in its order. */
export function timedFaults(scenario: ClusterScenario): TimedFault[] {
  return scenario.failures.flatMap((failure) => {
    const fault = declarationOf(failure).timedFault?.(failure);
    return fault === undefined ? [] : [fault];
  });
}

/**
 * Faults an operator can inject that no scenario kind declares: a stray drain (an
 * operator's own slip), and a control-plane unit crash (the scenario models those with
 * `controlPlane[].mtbf`).
 */
const HAND_ONLY_VERBS: readonly InjectVerb[] = [
  injectVerb("5", "stray drain (1 h)", "drain", 3_600),
  serviceFaultVerb("9", "control plane: active unit crashes", "unit-crash", 3_600),
];

const KEY_ORDER = "1234567890abcdefghijklmnopqrstuvwxyz";

/** The game day's "inject a fault" menu on a cluster: every kind's verbs, in key order. */
export const INJECT_VERBS: readonly InjectVerb[] = [...FAILURE_KINDS.flatMap((kind) => kind.verbs ?? []), ...HAND_ONLY_VERBS].sort(
  (a, b) => KEY_ORDER.indexOf(a.key) - KEY_ORDER.indexOf(b.key),
);
