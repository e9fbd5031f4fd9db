import { describe, expect, it } from "vitest";
import { ACT_MENU, INJECT_MENU } from "../cli/gameday/app.js";
import { scenarioJsonSchema } from "../cli/commands.js";
import { METRICS, METRIC_NAMES } from "../models/metrics.js";
import { SCHEDULER_POLICIES } from "../models/scheduler/policies.js";
import { RUNS_CSV_COLUMNS } from "../reports/csv.js";
import { FAILURE_KINDS } from "../scenarios/failures/index.js";

/**
 * Each concept is declared once and everything else derives from the declaration. These
 * tests list what each registry exposes, so adding a metric, a policy or a failure kind in
 * its one place shows up everywhere it should (and a forgotten place fails here).
 */

const jsonSchema = JSON.stringify(scenarioJsonSchema());

describe("the metric table", () => {
  it("gives runs.csv its columns, in order", () => {
    expect(RUNS_CSV_COLUMNS).toEqual(["strategy", "replication", "seed", ...METRICS.map((metric) => metric.name)]);
  });

  it("names each metric once, snake_case", () => {
    expect(new Set(METRIC_NAMES).size).toBe(METRIC_NAMES.length);
    for (const name of METRIC_NAMES) expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
  });

  it("gives the gate's metric its choices", () => {
    for (const name of METRIC_NAMES) expect(jsonSchema).toContain(`"${name}"`);
  });
});

describe("the scheduler policies", () => {
  it("are the schema's choices and the game day's actions", () => {
    expect(SCHEDULER_POLICIES.map((policy) => policy.name)).toEqual(["fifo", "easy-backfill", "conservative-backfill"]);
    for (const policy of SCHEDULER_POLICIES) {
      expect(jsonSchema).toContain(`"${policy.name}"`);
      const action = ACT_MENU.find((item) => item.label === `scheduler: ${policy.label}`);
      expect(action?.make("")).toEqual({ kind: "scheduler", policy: policy.name });
    }
  });
});

describe("the failure kinds", () => {
  it("are the schema's kinds, in start order, each wired or timed", () => {
    expect(FAILURE_KINDS.map((kind) => kind.kind)).toEqual([
      "link-down",
      "metadata-storm",
      "network-partition",
      "certificate-expiry",
      "node-crash",
      "spot-preemption",
      "driver-patch",
      "rack-power",
      "thermal",
      "silent-degradation",
      "failure-log",
    ]);
    for (const kind of FAILURE_KINDS) {
      expect(jsonSchema).toContain(`"const":"${kind.kind}"`);
      expect((kind.wiring === undefined) !== (kind.timedFault === undefined)).toBe(true);
    }
  });

  it("declare the game day's inject menu, one key each, in key order", () => {
    expect(INJECT_MENU.map((item) => `${item.key} ${item.label}`)).toEqual([
      "1 node crash (4 h)",
      "2 rack power loss (4 h)",
      "3 thermal throttle (1 h)",
      "4 bad driver (1 h)",
      "5 stray drain (1 h)",
      "6 spot wave (every spot node on notice)",
      "7 link down (a rack's uplink, 1 h)",
      "8 metadata storm",
      "9 control plane: active unit crashes",
      "0 control plane: units cut apart (30 min)",
      "c control plane: certificate expires (1 h)",
      "d bad driver rollout (waves every 30 min)",
    ]);
  });
});
