import { describe, expect, it } from "vitest";
import { parseScenarioText } from "../../scenarios/parse.js";
import { prepareScenario } from "../../scenarios/prepare.js";
import { runScenario } from "../../runner/run.js";
import { isServiceScenario, placementOf, scenarioSchema } from "../../scenarios/schema.js";
import { traceFile } from "../workload/trace-files.js";

/** Every hardware model can be turned on from a scenario file, and its metrics appear. */
const SCENARIO = `
name: all-models
description: Every model on at once.
seed: 5
horizon: 7d
replications: 2
cluster:
  racks: 4
  nodesPerRack: 8
  node: { cpus: 64, memoryGiB: 512, gpus: 8, gpuModel: H100, gpuMemoryGiB: 80, driver: "550.54", cuda: "12.4" }
  fabric: { topology: fat-tree, linkGbps: 400, oversubscription: 2, spines: 4 }
  storage: { osts: 8, ostGBps: 5, stripeCount: 2 }
  pools:
    - { name: ondemand, racks: 3, pricePerGpuHour: 2.5 }
    - { name: spot, racks: 1, pricePerGpuHour: 0.9, spot: true }
workload:
  generator:
    arrivalsPerHour: 2
    diurnal: { amplitude: 0.5, peakHour: 14 }
    weekendFactor: 0.5
    bursts: { perDay: 1, size: { logUniform: [5, 50] }, spread: 10m }
    nodes: { logUniform: [1, 16] }
    runtime: { lognormal: { median: 3h, sigma: 1 } }
    allReduce: { sizeMB: 1000, every: 10s }
scheduler: { policy: easy-backfill, placement: topology }
failures:
  - { kind: node-crash, mtbf: 60d, repair: 4h, distribution: { weibull: { shape: 0.7 } } }
strategies:
  - { name: none, checkpoint: { policy: none } }
  - { name: to-filesystem, checkpoint: { policy: fixed, interval: 1h, sizeGB: 200, timeout: 10m } }
`;

describe("a scenario with every model on", () => {
  const parsed = parseScenarioText(SCENARIO, "all-models.yaml", scenarioSchema);
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  const results = runScenario(prepareScenario(parsed.value, "all-models.yaml"), {
    seed: 5,
    replications: 2,
    faultlineVersion: "test",
  });
  const metric = (strategy: number, name: string) =>
    (results.summary.strategies[strategy].metrics as Record<string, { mean: number } | null>)[name];

  it("reports fabric latency, cost and (with checkpoints to storage) storage throughput", () => {
    for (const strategy of [0, 1]) {
      expect(metric(strategy, "fabric_p99_latency_us")?.mean).toBeGreaterThan(0);
      expect(metric(strategy, "cost_total")?.mean).toBeCloseTo((3 * 2.5 + 0.9) * 8 * 8 * 7 * 24, 6);
      expect(metric(strategy, "cost_per_completed_job")?.mean).toBeGreaterThan(0);
    }
    expect(metric(0, "storage_throughput_gbps_mean")).toBeNull(); // nothing written
    expect(metric(1, "storage_throughput_gbps_mean")?.mean).toBeGreaterThan(0);
    expect(metric(1, "checkpoint_success_rate")?.mean).toBeGreaterThan(0);
  });

  it("sees the same arrivals and crashes under both strategies", () => {
    expect(metric(0, "jobs_submitted")?.mean).toBe(metric(1, "jobs_submitted")?.mean);
  });
});

/**
 * Every failure model can be turned on from a scenario file too. The failure log is the
 * project's copy, given by absolute path (quoted: a clone's path may hold spaces or commas).
 */
const CHAOS = `
name: all-failures
description: Every failure model on at once.
seed: 9
horizon: 14d
replications: 1
cluster:
  racks: 4
  nodesPerRack: 8
  node: { gpus: 8 }
  pools:
    - { name: ondemand, racks: 3, pricePerGpuHour: 2.5 }
    - { name: spot, racks: 1, pricePerGpuHour: 0.9, spot: true }
workload:
  generator:
    arrivalsPerHour: 3
    nodes: { logUniform: [1, 8] }
    runtime: { lognormal: { median: 3h, sigma: 1 } }
failures:
  - { kind: node-crash, mtbf: 90d, repair: 4h }
  - { kind: spot-preemption, pool: spot, meanTimeBetween: 2d, notice: 120s, returnAfter: 2h }
  - { kind: rack-power, mtbf: 30d, repair: { lognormal: { median: 2h, sigma: 0.5 } } }
  - { kind: thermal, heatPerBusyNodeC: 70, throttleAtC: 80 }
  - { kind: silent-degradation, badNodeFraction: 0.1, healthPolicy: { quarantineAfter: 10 } }
  - { kind: driver-patch, at: 5d, bad: true, rollout: { strategy: canary } }
  - { kind: failure-log, format: lanl, path: ${JSON.stringify(traceFile("LANL-failure-data-1996-2005.csv.gz"))}, system: 20 }
strategies:
  - { name: daly-on-notice, checkpoint: { policy: daly, cost: 5m, onNotice: true } }
  - { name: no-policy, checkpoint: { policy: none }, healthPolicy: null, rollout: { strategy: big-bang } }
`;

describe("a scenario with every failure model on", () => {
  const parsed = parseScenarioText(CHAOS, "chaos.yaml", scenarioSchema);
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  const results = runScenario(prepareScenario(parsed.value, "chaos.yaml"), { seed: 9, replications: 1, faultlineVersion: "test" });

  it("runs, loses work to failures, and shows every kind on the failure timeline", () => {
    const kinds = new Set(results.traces.flatMap((trace) => trace.failures.map((failure) => failure.kind)));
    for (const kind of ["node-crash", "spot-preemption", "rack-power", "thermal-throttle", "driver-mismatch"]) {
      expect(kinds, kind).toContain(kind);
    }
    for (const strategy of results.summary.strategies) {
      expect((strategy.metrics as Record<string, { mean: number } | null>).lost_work_gpu_h?.mean).toBeGreaterThan(0);
    }
  });
});

describe("scheduler placement", () => {
  const withScheduler = (scheduler: string) =>
    SCENARIO.replace("scheduler: { policy: easy-backfill, placement: topology }", `scheduler: ${scheduler}`);

  it("accepts DESIGN.md's topologyAware as placement: topology, and first-fit by default", () => {
    const forms = ["{ policy: fifo, topologyAware: true }", "{ policy: fifo, placement: spread }", "{ policy: fifo }"];
    const placements = forms.map((scheduler) => {
      const parsed = parseScenarioText(withScheduler(scheduler), "s.yaml", scenarioSchema);
      if (!parsed.ok || isServiceScenario(parsed.value)) throw new Error(`${scheduler} did not parse as a cluster`);
      return placementOf(parsed.value.scheduler);
    });
    expect(placements).toEqual(["topology", "spread", "first-fit"]);
  });

  it("rejects both forms at once, naming the field", () => {
    const both = withScheduler("{ policy: fifo, placement: spread, topologyAware: true }");
    const parsed = parseScenarioText(both, "s.yaml", scenarioSchema);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.problems).toEqual([expect.stringMatching(/scheduler\.topologyAware: give placement or topologyAware, not both$/)]);
    }
  });
});

describe("workload.generator.bigUserShare", () => {
  const scenario = (generatorExtra: string) => `
name: s
description: d
horizon: 2d
cluster: { racks: 1, nodesPerRack: 4, node: { gpus: 1 } }
workload:
  generator: { arrivalsPerHour: 3, nodes: { empirical: [1] }, runtime: { exponential: { mean: 1h } }${generatorExtra} }
scheduler: { policy: fifo }
strategies:
  - { name: a, checkpoint: { policy: none } }
`;
  const problems = (generatorExtra: string) => {
    const parsed = parseScenarioText(scenario(generatorExtra), "s.yaml", scenarioSchema);
    return parsed.ok ? [] : parsed.problems;
  };

  it("is a share in (1/users, 1), refused with its path otherwise", () => {
    expect(problems(", users: 4, bigUserShare: 0.5")).toEqual([]);
    expect(problems(", users: 2, bigUserShare: 0.51")).toEqual([]);
    expect(problems(", users: 4, bigUserShare: 0.25")).toEqual([expect.stringMatching(/workload\.generator\.bigUserShare: a big user needs more than 1\/users = 0\.25/)]);
    expect(problems(", users: 1, bigUserShare: 0.9")).toEqual([expect.stringMatching(/workload\.generator\.bigUserShare/)]);
    expect(problems(", bigUserShare: 1")).toEqual([expect.stringMatching(/workload\.generator\.bigUserShare/)]);
    expect(problems(", bigUserShare: 0")).toEqual([expect.stringMatching(/workload\.generator\.bigUserShare/)]);
    expect(problems(", bigUserShare: half")).toEqual([expect.stringMatching(/workload\.generator\.bigUserShare/)]);
  });

  it("reaches the model: per-user waits appear with it and stay null without it", () => {
    const run = (generatorExtra: string) => {
      const parsed = parseScenarioText(scenario(generatorExtra), "s.yaml", scenarioSchema);
      if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
      const results = runScenario(prepareScenario(parsed.value, "s.yaml"), { seed: 1, replications: 1, faultlineVersion: "test" });
      return results.summary.strategies[0].metrics as Record<string, { mean: number } | null>;
    };
    const plain = run("");
    const big = run(", users: 4, bigUserShare: 0.7");
    expect(plain.queue_wait_mean_big_user_h).toBeNull();
    expect(plain.queue_wait_mean_other_users_h).toBeNull();
    expect(big.queue_wait_mean_big_user_h?.mean).toBeGreaterThanOrEqual(0);
    expect(big.queue_wait_p90_other_users_h?.mean).toBeGreaterThanOrEqual(0);
    expect(big.queue_wait_mean_h).toEqual(plain.queue_wait_mean_h); // FIFO: the same jobs at the same times
  });
});
