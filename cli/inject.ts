import { AD_HOC_KINDS, type AdHocInjection, type AdHocKind } from "../models/failures/ad-hoc.js";
import { durationProblem, durationSeconds, formatDuration } from "../scenarios/units.js";
import type { ClusterScenario } from "../scenarios/schema.js";
import { secondsToUs } from "../sim/time.js";
import { UsageError } from "./usage.js";

/** How long an injected fault lasts unless the flag says (`…:r03n17+30m`). */
const DEFAULT_DURATION_S: Readonly<Record<AdHocKind, number>> = {
  "node-crash": 4 * 3_600,
  "rack-power": 4 * 3_600,
  throttle: 3_600,
  "driver-mismatch": 3_600,
  drain: 3_600,
};

/**
 * Parses `--inject kind@time[:target][+duration]`, e.g. `node-crash@2h:r03n17`,
 * `rack-power@1d:r02+8h`. The target defaults to the first node (or rack); it must exist
 * in the scenario's cluster.
 */
export function parseInjection(text: string, scenario: ClusterScenario): AdHocInjection {
  const match = /^([a-z-]+)@([^:+]+)(?::([^+]+))?(?:\+(.+))?$/.exec(text);
  const fail = (why: string): never => {
    throw new UsageError("run", `--inject "${text}": ${why}`);
  };
  if (match === null) return fail("expected kind@time[:target][+duration], e.g. node-crash@2h:r03n17");
  const [, kindText, timeText, targetText, durationText] = match;
  if (!(AD_HOC_KINDS as readonly string[]).includes(kindText)) {
    return fail(`unknown kind "${kindText}" (kinds: ${AD_HOC_KINDS.join(", ")})`);
  }
  const kind = kindText as AdHocKind;
  const atS = durationSeconds(timeText);
  if (atS === undefined) return fail(`expected a time such as "2h", got "${timeText}"`);
  const atProblem = durationProblem(atS, false, `"${timeText}"`);
  if (atProblem !== null) return fail(atProblem);
  const durationS = durationText === undefined ? DEFAULT_DURATION_S[kind] : durationSeconds(durationText);
  if (durationS === undefined || durationS <= 0) return fail(`expected a positive duration such as "30m", got "${durationText}"`);
  const durationIssue = durationProblem(durationS, true, `"${durationText}"`);
  if (durationIssue !== null) return fail(durationIssue);
  const target = targetText ?? (kind === "rack-power" ? "r00" : "r00n00");
  const { racks, nodesPerRack } = scenario.cluster;
  const rackMatch = /^r(\d+)$/.exec(target);
  const nodeMatch = /^r(\d+)n(\d+)$/.exec(target);
  if (kind === "rack-power") {
    if (rackMatch === null || Number(rackMatch[1]) >= racks) return fail(`"${target}" is not a rack (r00 … r${pad(racks - 1)})`);
  } else if (nodeMatch === null || Number(nodeMatch[1]) >= racks || Number(nodeMatch[2]) >= nodesPerRack) {
    return fail(`"${target}" is not a node (r00n00 … r${pad(racks - 1)}n${pad(nodesPerRack - 1)})`);
  }
  if (scenario.horizon !== undefined && atS >= scenario.horizon) {
    return fail(`${formatDuration(atS)} is past the horizon (${formatDuration(scenario.horizon)})`);
  }
  return { kind, atUs: secondsToUs(atS), target: normalise(target, rackMatch, nodeMatch), durationUs: secondsToUs(durationS) };
}

function pad(index: number): string {
  return String(index).padStart(2, "0");
}

/** "r3n7" and "r03n07" name the same node; records use the padded form. */
function normalise(target: string, rack: RegExpExecArray | null, node: RegExpExecArray | null): string {
  if (node !== null) return `r${pad(Number(node[1]))}n${pad(Number(node[2]))}`;
  if (rack !== null) return `r${pad(Number(rack[1]))}`;
  return target;
}
