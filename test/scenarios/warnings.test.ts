import { describe, expect, it } from "vitest";
import { bundledScenarios, loadScenario } from "../../scenarios/library.js";
import { parseScenarioText } from "../../scenarios/parse.js";
import { prepareScenario } from "../../scenarios/prepare.js";
import { runKey } from "../../runner/run.js";
import { scenarioSchema } from "../../scenarios/schema.js";
import { scenarioWarnings } from "../../scenarios/warnings.js";

const BASE = `name: w
description: warnings
horizon: 30d
cluster: { racks: 2, nodesPerRack: 8, node: { gpus: 4 } }
workload:
  generator: { arrivalsPerHour: 1, nodes: { logUniform: [1, 8] }, runtime: { lognormal: { median: 2h, sigma: 1 } } }
failures:
  - { kind: node-crash, mtbf: 30d, repair: 4h }
strategies:
  - { name: hourly, checkpoint: { policy: fixed, interval: 1h, cost: 5m } }
`;

function parse(text: string) {
  return parseScenarioText(text, "w.yaml", scenarioSchema, scenarioWarnings);
}

function warnings(text: string): readonly string[] {
  const parsed = parse(text);
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  return parsed.warnings ?? [];
}

describe("accepted but likely a mistake: a warning, the run goes on", () => {
  it("says nothing of a sensible scenario, or of any bundled one", async () => {
    expect(warnings(BASE)).toEqual([]);
    for (const bundled of bundledScenarios()) {
      const loaded = await loadScenario(bundled.path);
      expect(loaded.ok && loaded.warnings, bundled.name).toEqual([]);
    }
  });

  it("a bare number where hours or days are meant", () => {
    expect(warnings(BASE.replace("horizon: 30d", "horizon: 60").replace("mtbf: 30d", "mtbf: 720"))).toEqual([
      'w.yaml:3:10 horizon: 60 is read as 60 seconds (a bare number is seconds); write "60h" or "60d" if you meant hours or days',
      'w.yaml:8:31 failures[0].mtbf: 720 is read as 720 seconds (a bare number is seconds); write "720h" or "720d" if you meant hours or days',
    ]);
  });

  it("a checkpoint costlier than the compute between checkpoints", () => {
    expect(warnings(BASE.replace("interval: 1h, cost: 5m", "interval: 1m, cost: 5m"))).toEqual([
      "w.yaml:10:60 strategies[0].checkpoint.interval: checkpoints take 5m, longer than the 1m of compute between them: most of a job's time goes to checkpointing",
    ]);
  });

  it("a load above the cluster's capacity", () => {
    // 10 jobs/h × E[nodes] 3.37 × E[runtime] 3.3 h over 16 nodes ≈ 6.9.
    const [warning] = warnings(BASE.replace("arrivalsPerHour: 1", "arrivalsPerHour: 10"));
    expect(warning).toMatch(/arrivalsPerHour: the jobs ask 6\.\d\d× the cluster's node-hours/);
  });

  it("a long-tailed node count that draws jobs larger than the cluster; a bounded one is an error", () => {
    const [warning] = warnings(BASE.replace("nodes: { logUniform: [1, 8] }", "nodes: { exponential: { mean: 8 } }").replace("arrivalsPerHour: 1,", "arrivalsPerHour: 0.2,"));
    // P(X ≥ 16.5) for an exponential of mean 8: e^(−16.5/8) ≈ 13%.
    expect(warning).toMatch(/nodes: about 13% of jobs draw more than the cluster's 16 nodes and are cut to 16/);
    const parsed = parse(BASE.replace("nodes: { logUniform: [1, 8] }", "nodes: { logUniform: [1, 64] }"));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems).toEqual(["w.yaml:6:43 workload.generator.nodes: jobs of up to 64 nodes, but the cluster has 16; such a job could never run"]);
  });
});

describe("a replication run in slices for its progress", () => {
  it("gives the same outcome as one run whole, its shares rising to 1", async () => {
    for (const name of ["quickstart", "trace-replay-kth", "replica-cascade"]) {
      const loaded = await loadScenario(name);
      if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
      const prepared = prepareScenario(loaded.value, bundledScenarios().find((s) => s.name === name)!.path);
      const key = { strategyIndex: loaded.value.strategies.length - 1, replication: 0 };
      const whole = runKey(prepared, key, { seed: 5 });
      const shares: number[] = [];
      const sliced = runKey(prepared, key, { seed: 5, onProgress: (share) => shares.push(share) });
      expect(sliced, name).toEqual(whole);
      expect(shares.length, name).toBeGreaterThan(50);
      expect(shares.every((share, i) => i === 0 || share >= shares[i - 1]), name).toBe(true);
      expect(shares.at(-1), name).toBe(1);
    }
  }, 60_000);
});
