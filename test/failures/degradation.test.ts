import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ClusterModel } from "../../models/cluster/model.js";
import { type ClusterModelOptions } from "../../models/cluster/options.js";
import { DegradationModel, HealthPolicy, type DegradationOptions, type HealthPolicyOptions } from "../../models/failures/degradation.js";
import type { SimRecord } from "../../sim/sim.js";
import { Sim } from "../../sim/sim.js";
import { US_PER_H, US_PER_MIN } from "../../sim/time.js";
import { checkRecords } from "../models/state-checker.js";
import { testModelOptions } from "../models/options.js";

const DAYS = 7;
const HORIZON_US = DAYS * 24 * US_PER_H;

/**
 * 4 racks × 8 nodes. Jobs of 1–8 nodes (log-uniform, mean ≈ 3.4) and a median of 2 h of
 * work arrive 2.5 an hour: about three quarters of the cluster busy. A job is requeued
 * up to 3 times after a crash.
 */
function modelOptions(overrides: Partial<ClusterModelOptions> = {}): ClusterModelOptions {
  return testModelOptions({
    horizonUs: HORIZON_US,
    cluster: { racks: 4, nodesPerRack: 8, gpusPerNode: 8 },
    workload: {
      generator: {
        arrivals: { ratePerHour: 2.5 },
        nodes: { kind: "logUniform", low: 1, high: 8 },
        workS: { kind: "lognormal", median: 2 * 3_600, sigma: 0.8 },
        timeLimitFactor: null,
        users: 4,
        communication: null,
      },
      trace: null,
      maxRequeues: 3,
    },
    ...overrides,
  });
}

// A healthy node errs once in ~4 days; an eighth of the nodes (4 of 32) are bad and err 6
// times an hour. Past 10 errors since repair each error costs 5% of the clock, down to half
// clock at 20; from 20 errors on, each error crashes the node with probability 0.02 (a bad
// node then fails about every 8 h), and it reboots in 10 min.
const DEGRADATION: DegradationOptions = {
  eccErrorsPerH: 0.01,
  badNodeEccErrorsPerH: 6,
  badNodes: null,
  badNodeFraction: 0.125,
  degradeAfterErrors: 10,
  clockLossPerError: 0.05,
  minClockFactor: 0.5,
  crashAfterErrors: 20,
  crashProbability: 0.02,
  rebootUs: 10 * US_PER_MIN,
};

// Checks every 10 min; more than 4 errors in the last hour quarantines a node, which comes
// back repaired 4 h after its last job leaves it.
const POLICY: HealthPolicyOptions = {
  checkIntervalUs: 10 * US_PER_MIN,
  windowUs: US_PER_H,
  quarantineAfter: 4,
  repairUs: 4 * US_PER_H,
};

function ofKind(records: readonly SimRecord[], kind: string): SimRecord[] {
  return records.filter((r) => r.kind === kind);
}

function timeOf(record: SimRecord): number {
  return record.timeUs as number;
}

function run(withPolicy: boolean, seed = 1, degradation: DegradationOptions = DEGRADATION, overrides: Partial<ClusterModelOptions> = {}) {
  const sim = new Sim({ seed, keepRecords: true });
  const options = modelOptions(overrides);
  const model = new ClusterModel(sim, options);
  const faults = new DegradationModel(sim, model.cluster, degradation);
  faults.start();
  const policy = withPolicy ? new HealthPolicy(sim, model.cluster, faults, POLICY) : null;
  policy?.start();
  const result = model.run();
  checkRecords(sim.records, model.cluster.nodeCount, options.horizonUs!);
  return { sim, model, faults, result, records: sim.records };
}

/**
 * Each node's clock over the run, rebuilt from records alone (`NodeDegraded` lowers it, a
 * `NodeReturned` node is back at full clock), and the attempts that started on a slow node.
 */
function slowAttempts(records: readonly SimRecord[], nodeCount: number): SimRecord[] {
  const clock = new Float64Array(nodeCount).fill(1);
  const slow: SimRecord[] = [];
  for (const r of records) {
    if (r.kind === "NodeDegraded") clock[r.node as number] = r.clockFactor as number;
    else if (r.kind === "NodeReturned") clock[r.node as number] = 1;
    else if (r.kind === "JobStarted" && (r.nodes as number[]).some((node) => clock[node] < 1)) slow.push(r);
  }
  return slow;
}

describe("bad nodes", () => {
  it("are drawn from their own stream, round(fraction × nodes) of them, or taken from a list", () => {
    const a = run(false, 1, DEGRADATION, { workload: { generator: null, trace: null, maxRequeues: 0 }, horizonUs: US_PER_H });
    const b = run(false, 1, DEGRADATION, { workload: { generator: null, trace: null, maxRequeues: 0 }, horizonUs: US_PER_H });
    expect(a.faults.badNodes).toHaveLength(4);
    expect(new Set(a.faults.badNodes).size).toBe(4);
    expect(b.faults.badNodes).toEqual(a.faults.badNodes);
    const listed = run(false, 1, { ...DEGRADATION, badNodes: [5, 2] }, { horizonUs: US_PER_H });
    expect(listed.faults.badNodes).toEqual([2, 5]);
    expect(listed.faults.isDefective(2)).toBe(true);
    expect(listed.faults.isDefective(3)).toBe(false);
  });
});

describe("ECC errors and what they do, on an idle cluster", () => {
  const idle = { workload: { generator: null, trace: null, maxRequeues: 0 } } as const;

  it("arrive as Poisson processes at the healthy and the bad rate", () => {
    // 1,000 h, no consequences: counts are Poisson with mean rate × time × nodes.
    const quiet: DegradationOptions = { ...DEGRADATION, degradeAfterErrors: 1e9, crashAfterErrors: 1e9, badNodes: [0, 1] };
    const hours = 1_000;
    const { records } = run(false, 3, quiet, { ...idle, horizonUs: hours * US_PER_H });
    const errors = ofKind(records, "EccErrorsRecorded");
    const bad = errors.filter((r) => (r.node as number) < 2).length;
    const healthy = errors.length - bad;
    const badMean = 2 * 6 * hours; // 12,000, sd ≈ 110
    const healthyMean = 30 * 0.01 * hours; // 300, sd ≈ 17
    expect(Math.abs(bad - badMean)).toBeLessThan(4 * Math.sqrt(badMean));
    expect(Math.abs(healthy - healthyMean)).toBeLessThan(4 * Math.sqrt(healthyMean));
  });

  it("slow the clock past the threshold by the linear rule, and crash the node past the crash threshold", () => {
    const { records, model, faults } = run(false, 5, { ...DEGRADATION, badNodes: [9] }, { ...idle, horizonUs: 2 * 24 * US_PER_H });
    const mine = records.filter((r) => r.node === 9);
    const degraded = ofKind(mine, "NodeDegraded");
    // One record per error from the 11th to the 20th: 0.95, 0.90, …, 0.50; then the floor.
    expect(degraded.map((r) => r.errorsSinceRepair)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    for (const r of degraded) {
      expect(r.clockFactor).toBeCloseTo(Math.max(0.5, 1 - 0.05 * ((r.errorsSinceRepair as number) - 10)), 12);
    }
    expect(model.cluster.health(9).clockFactor).toBe(0.5);
    expect(faults.clockFactorFor(100)).toBe(0.5);
    // Crashes: each right after an error at or past 20, back 10 min later, no errors while down.
    const crashes = ofKind(mine, "NodeCrashed");
    expect(crashes.length).toBeGreaterThan(0);
    let errorsSeen = 0;
    let downSinceUs = -1;
    for (const r of mine) {
      if (r.kind === "EccErrorsRecorded") {
        expect(downSinceUs).toBe(-1);
        errorsSeen = r.errorsSinceRepair as number;
      } else if (r.kind === "NodeCrashed") {
        expect(errorsSeen).toBeGreaterThanOrEqual(20);
        expect(r.cause).toBe("ecc-errors");
        downSinceUs = timeOf(r);
      } else if (r.kind === "NodeRestored") {
        expect(timeOf(r) - downSinceUs).toBe(10 * US_PER_MIN);
        downSinceUs = -1;
      }
    }
    // A reboot does not heal: the count goes on across crashes.
    expect(faults.errorsSinceRepair(9)).toBe(errorsSeen);
  });

  it("quarantines a node at the first check whose window holds more than quarantineAfter errors", () => {
    const { records, faults } = run(true, 5, { ...DEGRADATION, badNodes: [9] }, { ...idle, horizonUs: 12 * US_PER_H });
    const errorTimes = ofKind(records, "EccErrorsRecorded")
      .filter((r) => r.node === 9)
      .map(timeOf);
    const inWindow = (endUs: number) => errorTimes.filter((t) => t > endUs - POLICY.windowUs && t <= endUs).length;
    const quarantined = ofKind(records, "NodeQuarantined").filter((r) => r.node === 9)[0];
    const atUs = timeOf(quarantined);
    expect(atUs % POLICY.checkIntervalUs).toBe(0);
    expect(quarantined.errorsInWindow).toBe(inWindow(atUs));
    expect(inWindow(atUs)).toBeGreaterThan(POLICY.quarantineAfter);
    expect(inWindow(atUs - POLICY.checkIntervalUs)).toBeLessThanOrEqual(POLICY.quarantineAfter);
    // Idle, it goes for repair at once and returns 4 h later, its defect gone: its count
    // starts again from zero, at the healthy rate, and it is not taken out again.
    const returned = ofKind(records, "NodeReturned").filter((r) => r.node === 9)[0];
    expect(timeOf(returned) - atUs).toBe(POLICY.repairUs);
    expect(faults.isDefective(9)).toBe(false);
    const after = ofKind(records, "EccErrorsRecorded").filter((r) => r.node === 9 && timeOf(r) > timeOf(returned));
    expect(after.map((r) => r.errorsSinceRepair)).toEqual(after.map((_, i) => i + 1));
    expect(ofKind(records, "NodeQuarantined").filter((r) => r.node === 9)).toHaveLength(1);
  });
});

describe("a health policy against silent degradation, on one seed", () => {
  const without = run(false);
  const withPolicy = run(true);
  const nodeCount = 32;

  it("sees the same errors: the failure streams do not depend on the policy", () => {
    expect(withPolicy.faults.badNodes).toEqual(without.faults.badNodes);
    const bad = new Set(without.faults.badNodes);
    const healthyErrors = (records: readonly SimRecord[]) =>
      ofKind(records, "EccErrorsRecorded")
        .filter((r) => !bad.has(r.node as number))
        .map((r) => [timeOf(r), r.node]);
    expect(healthyErrors(without.records).length).toBeGreaterThan(0);
    expect(healthyErrors(withPolicy.records)).toEqual(healthyErrors(without.records));
    // A bad node's errors are the same until the policy first takes it out.
    for (const node of bad) {
      const quarantineUs = timeOf(ofKind(withPolicy.records, "NodeQuarantined").find((r) => r.node === node)!);
      const before = (records: readonly SimRecord[]) =>
        ofKind(records, "EccErrorsRecorded")
          .filter((r) => r.node === node && timeOf(r) <= quarantineUs)
          .map(timeOf);
      expect(before(withPolicy.records)).toEqual(before(without.records));
    }
  });

  it("quarantines every bad node, and a quarantined node takes no new job until it returns", () => {
    const quarantined = new Set(ofKind(withPolicy.records, "NodeQuarantined").map((r) => r.node));
    for (const node of withPolicy.faults.badNodes) expect(quarantined.has(node)).toBe(true);
    const drained = new Uint8Array(nodeCount);
    let startsChecked = 0;
    for (const r of withPolicy.records) {
      if (r.kind === "NodeQuarantined") drained[r.node as number] = 1;
      else if (r.kind === "NodeReturned") drained[r.node as number] = 0;
      else if (r.kind === "JobStarted") {
        for (const node of r.nodes as number[]) expect(drained[node]).toBe(0);
        startsChecked++;
      }
    }
    expect(startsChecked).toBeGreaterThan(100);
    // Repaired boards are healthy: no bad node degrades after its return.
    for (const node of withPolicy.faults.badNodes) {
      const returnedUs = timeOf(ofKind(withPolicy.records, "NodeReturned").find((r) => r.node === node)!);
      expect(ofKind(withPolicy.records, "NodeDegraded").filter((r) => r.node === node && timeOf(r) > returnedUs)).toHaveLength(0);
      expect(withPolicy.faults.isDefective(node)).toBe(false);
    }
  });

  it("cuts slow attempts, degraded node-hours and jobs killed", () => {
    const slowWithout = slowAttempts(without.records, nodeCount).length;
    const slowWith = slowAttempts(withPolicy.records, nodeCount).length;
    const killed = (records: readonly SimRecord[]) => ofKind(records, "JobKilled").length;
    expect(slowWith).toBeLessThan(slowWithout / 4);
    expect(withPolicy.result.nodeHours.degraded).toBeLessThan(without.result.nodeHours.degraded / 4);
    expect(killed(withPolicy.records)).toBeLessThan(killed(without.records) / 4);
    expect(withPolicy.faults.crashCount).toBeLessThan(without.faults.crashCount);
    // Slow jobs hold nodes longer: without the policy fewer jobs finish within the week.
    expect(withPolicy.result.metrics.jobs_completed ?? 0).toBeGreaterThan(without.result.metrics.jobs_completed ?? 0);
  });

  it("without it, bad nodes keep slowing and killing jobs to the end", () => {
    const lastThirdUs = (2 * HORIZON_US) / 3;
    const late = slowAttempts(without.records, nodeCount).filter((r) => timeOf(r) >= lastThirdUs);
    expect(late.length).toBeGreaterThan(0);
    expect(ofKind(without.records, "JobKilled").filter((r) => timeOf(r) >= lastThirdUs).length).toBeGreaterThan(0);
    for (const node of without.faults.badNodes) expect(without.model.cluster.health(node).clockFactor).toBe(0.5);
  });
});

describe("over seeds", () => {
  it("keeps the cluster's rules and never starts a job on a quarantined node", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (seed) => {
        // run() checks the record log with the independent state checker.
        const { records } = run(true, seed, DEGRADATION, { horizonUs: 2 * 24 * US_PER_H });
        const drained = new Set<number>();
        for (const r of records) {
          if (r.kind === "NodeQuarantined") drained.add(r.node as number);
          else if (r.kind === "NodeReturned") drained.delete(r.node as number);
          else if (r.kind === "JobStarted") for (const node of r.nodes as number[]) expect(drained.has(node)).toBe(false);
        }
      }),
      { numRuns: 6 },
    );
  });
});
