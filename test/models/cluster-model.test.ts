import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ClusterModel } from "../../models/cluster/model.js";
import { type ClusterModelOptions } from "../../models/cluster/options.js";
import { NO_CHECKPOINT, type CheckpointPlan } from "../../models/strategies/checkpoint.js";
import { Sim } from "../../sim/sim.js";
import { US_PER_H, US_PER_MIN } from "../../sim/time.js";
import { METRIC_NAMES } from "../../reports/records.js";
import { checkRecords } from "./state-checker.js";
import { nodeCrashes } from "../../models/failures/node-crash.js";
import { spotReclaims } from "../../models/failures/spot.js";
import { thermalThrottling } from "../../models/failures/thermal.js";

const DAY_S = 86_400;

const FIFO: ClusterModelOptions["scheduler"] = {
  backfill: "none",
  priority: null,
  placement: "first-fit",
  enforceTimeLimit: false,
  preemption: null,
};

function generated(arrivalsPerHour: number, maxNodes: number, medianWorkS: number) {
  return {
    arrivals: { ratePerHour: arrivalsPerHour },
    nodes: { kind: "logUniform", low: 1, high: maxNodes },
    workS: { kind: "lognormal", median: medianWorkS, sigma: 1 },
    timeLimitFactor: 2,
    users: 4,
    communication: null,
  } as const;
}

/** A workload of hand-placed jobs only (submitted through `model.submit`). */
const NO_ARRIVALS: ClusterModelOptions["workload"] = { generator: null, trace: null, maxRequeues: 3 };

function smallOptions(overrides: Partial<ClusterModelOptions> = {}): ClusterModelOptions {
  return {
    horizonUs: 10 * 24 * US_PER_H,
    cluster: { racks: 2, nodesPerRack: 4, gpusPerNode: 4 },
    fabric: null,
    pools: [],
    storage: null,
    workload: { generator: generated(2, 8, 2 * 3_600), trace: null, maxRequeues: 2 },
    scheduler: FIFO,
    failures: [nodeCrashes({ timeToFailureS: { kind: "exponential", mean: 5 * DAY_S }, repairS: { kind: "exponential", mean: 4 * 3_600 } })],
    checkpoint: NO_CHECKPOINT,
    slo: null,
    traceSamples: 0,
    ...overrides,
  };
}

function run(options: ClusterModelOptions, seed = 1) {
  const sim = new Sim({ seed, keepRecords: true });
  const model = new ClusterModel(sim, options);
  const result = model.run();
  return { sim, result, model };
}

const checkpointArbitrary: fc.Arbitrary<CheckpointPlan> = fc.oneof(
  fc.constant(NO_CHECKPOINT),
  fc.record({
    policy: fc.constant("fixed"),
    intervalUs: fc.integer({ min: 1, max: 240 }).map((minutes) => minutes * US_PER_MIN),
    costUs: fc.integer({ min: 0, max: 30 }).map((minutes) => minutes * US_PER_MIN),
    restartUs: fc.integer({ min: 0, max: 30 }).map((minutes) => minutes * US_PER_MIN),
    sizeBytes: fc.constant(0),
  }),
);

const optionsArbitrary: fc.Arbitrary<ClusterModelOptions> = fc
  .record({
    racks: fc.integer({ min: 1, max: 3 }),
    nodesPerRack: fc.integer({ min: 1, max: 5 }),
    gpusPerNode: fc.integer({ min: 0, max: 8 }),
    arrivalsPerHour: fc.double({ min: 0.05, max: 20, noNaN: true }),
    maxNodes: fc.integer({ min: 1, max: 20 }),
    medianWorkH: fc.double({ min: 0.01, max: 24, noNaN: true }),
    mtbfDays: fc.double({ min: 0.2, max: 100, noNaN: true }),
    weibullShape: fc.option(fc.double({ min: 0.4, max: 3, noNaN: true }), { nil: undefined }),
    repairH: fc.double({ min: 0.01, max: 48, noNaN: true }),
    maxRequeues: fc.integer({ min: 0, max: 4 }),
    horizonDays: fc.integer({ min: 1, max: 20 }),
    checkpoint: checkpointArbitrary,
    crashes: fc.boolean(),
    fabric: fc.boolean(),
    spot: fc.boolean(),
    thermal: fc.boolean(),
    onNotice: fc.boolean(),
    communicationMB: fc.option(fc.integer({ min: 1, max: 2_000 }), { nil: null }),
  })
  .map((p) =>
    smallOptions({
      horizonUs: p.horizonDays * 24 * US_PER_H,
      cluster: { racks: p.racks, nodesPerRack: p.nodesPerRack, gpusPerNode: p.gpusPerNode },
      workload: {
        generator: {
          ...generated(p.arrivalsPerHour, p.maxNodes, p.medianWorkH * 3_600),
          communication: p.communicationMB === null ? null : { bytes: p.communicationMB * 1e6, iterationUs: US_PER_MIN },
        },
        trace: null,
        maxRequeues: p.maxRequeues,
      },
      fabric: p.fabric
        ? { linkGbps: 100, oversubscription: 2, spineCount: 2, linkLatencyUs: 1, switchLatencyUs: 0.25 }
        : null,
      failures: [
        ...(p.crashes
          ? [
              nodeCrashes({
                timeToFailureS:
                  p.weibullShape === undefined
                    ? { kind: "exponential", mean: p.mtbfDays * DAY_S }
                    : { kind: "weibull", shape: p.weibullShape, mean: p.mtbfDays * DAY_S },
                repairS: { kind: "exponential", mean: p.repairH * 3_600 },
              }),
            ]
          : []),
        ...(p.spot
          ? [
              spotReclaims({
                timeToReclaimS: { kind: "exponential", mean: p.mtbfDays * DAY_S },
                noticeUs: 120e6,
                returnAfterS: { kind: "exponential", mean: p.repairH * 3_600 },
              }),
            ]
          : []),
        // Hot enough that busy racks throttle: running jobs change pace as clocks step.
        ...(p.thermal
          ? [
              thermalThrottling({
                stepUs: 5 * US_PER_MIN,
                timeConstantUs: 10 * US_PER_MIN,
                ambientC: 30,
                heatPerBusyNodeC: 55,
                rackCouplingFraction: 0.3,
                throttleAtC: 70,
                maxC: 90,
                minClockFactor: 0.5,
                clockSteps: 4,
                hysteresisC: 5,
              }),
            ]
          : []),
      ],
      checkpoint: { ...p.checkpoint, onNotice: p.onNotice },
      pools: p.spot ? [{ name: "spot", racks: p.racks, pricePerGpuHour: 1, spot: true }] : [],
    }),
  );

describe("cluster model invariants (fast-check, judged by an independent state checker)", () => {
  it("conserves jobs, never double-allocates, and its node-hours add up", () => {
    let slowedByHeat = 0;
    let slowedByFabric = 0;
    fc.assert(
      fc.property(optionsArbitrary, fc.integer({ min: 0, max: 1_000_000 }), (options, seed) => {
        const { sim, result } = run(options, seed);
        const nodeCount = options.cluster.racks * options.cluster.nodesPerRack;
        const checked = checkRecords(sim.records, nodeCount, options.horizonUs!);
        const metrics = result.metrics;
        // Jobs conserved: submitted = completed + failed + running + queued.
        expect(checked.submitted).toBe(metrics.jobs_submitted);
        expect(checked.completed).toBe(metrics.jobs_completed);
        expect(checked.failed).toBe(metrics.jobs_failed);
        expect(checked.submitted).toBe(checked.completed + checked.failed + checked.running + checked.queued);
        // Node-hours add up: the checker's busy hours, the cluster's, and the ledger's.
        const hours = result.nodeHours;
        const tolerance = 1e-6 * Math.max(1, hours.busy);
        expect(Math.abs(checked.busyNodeHours - hours.busy)).toBeLessThan(tolerance);
        const booked = hours.useful + hours.overhead + hours.lost + hours.inFlight + hours.degraded;
        expect(Math.abs(booked - hours.busy)).toBeLessThan(tolerance);
        // The time beyond the work, by what slowed it (pace changing mid-attempt included).
        const slowdowns = hours.slowdownFabric + hours.slowdownThermal + hours.slowdownDegraded;
        expect(Math.abs(slowdowns - hours.degraded)).toBeLessThan(tolerance);
        if (hours.slowdownThermal > 0) slowedByHeat++;
        if (hours.slowdownFabric > 0) slowedByFabric++;
        expect(hours.busy).toBeLessThanOrEqual(hours.up + tolerance);
        expect(hours.up).toBeLessThanOrEqual((nodeCount * options.horizonUs!) / US_PER_H + tolerance);
        if ((options.failures ?? []).length === 0) expect(hours.lost).toBe(0);
      }),
      { numRuns: 150 },
    );
    // The slowdown checks ran on runs that had slowdowns, not on none.
    expect(slowedByHeat).toBeGreaterThan(0);
    expect(slowedByFabric).toBeGreaterThan(0);
  });

  it("draws the same arrivals and crashes whatever the checkpoint policy (common random numbers)", () => {
    const base = smallOptions();
    const withCheckpoints = smallOptions({
      checkpoint: { policy: "fixed", intervalUs: 30 * US_PER_MIN, costUs: 2 * US_PER_MIN, restartUs: 2 * US_PER_MIN, sizeBytes: 0 },
    });
    const submissions = (options: ClusterModelOptions) =>
      run(options, 7).sim.records.filter((r) => r.kind === "JobSubmitted" || r.kind === "NodeCrashed" || r.kind === "NodeRestored");
    expect(submissions(withCheckpoints)).toEqual(submissions(base));
  });
});

describe("cluster model stories", () => {
  it("gives generated jobs a QOS from their shares on a stream of its own: the rest of the run is unchanged", () => {
    const plain = run(smallOptions()).result.metrics;
    const base = generated(2, 8, 2 * 3_600);
    const withQos = run(smallOptions({ workload: { generator: { ...base, qos: [{ name: "high", share: 0.3 }] }, trace: null, maxRequeues: 2 } })).result.metrics;
    expect(plain.queue_wait_p90_priority_h).toBeNull(); // every job normal
    expect(withQos.queue_wait_p90_priority_h).not.toBeNull();
    // FIFO ignores QOS, and drawing it takes nothing from the other streams.
    expect({ ...withQos, queue_wait_p90_priority_h: null }).toEqual(plain);
  });

  describe("a big user (bigUserShare) under FIFO and under fair share", () => {
    // 16 one-node slots, one-node jobs of 1 h mean (exponential) at 14 an hour: ρ = 0.875,
    // so jobs queue. Five users, u000 submitting half the jobs.
    const bigUserRun = (bigUserShare: number | null, scheduler: ClusterModelOptions["scheduler"], seed: number) =>
      run(
        smallOptions({
          horizonUs: 20 * 24 * US_PER_H,
          cluster: { racks: 2, nodesPerRack: 8, gpusPerNode: 1 },
          workload: {
            generator: {
              arrivals: { ratePerHour: 14 },
              nodes: { kind: "constant", value: 1 },
              workS: { kind: "exponential", mean: 3_600 },
              timeLimitFactor: null,
              users: 5,
              bigUserShare,
              communication: null,
            },
            trace: null,
            maxRequeues: 0,
          },
          scheduler,
          failures: [],
        }),
        seed,
      );
    const fairShare: ClusterModelOptions["scheduler"] = {
      ...FIFO,
      priority: {
        ageWeight: 0,
        sizeWeight: 0,
        fairShareWeight: 1_000,
        qosWeight: 0,
        maxAgeUs: 7 * 24 * US_PER_H,
        halfLifeUs: 7 * 24 * US_PER_H,
        recalcPeriodUs: 300 * 1e6,
        qosPriority: new Map(),
      },
    };
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    /** Mean and 95% half-width (Student's t, 9 degrees of freedom) of big minus others' mean wait, one pair per seed. */
    const gap = (scheduler: ClusterModelOptions["scheduler"]) => {
      const gaps = seeds.map((seed) => {
        const metrics = bigUserRun(0.5, scheduler, seed).result.metrics;
        return metrics.queue_wait_mean_big_user_h! - metrics.queue_wait_mean_other_users_h!;
      });
      const mean = gaps.reduce((sum, g) => sum + g, 0) / gaps.length;
      const sd = Math.sqrt(gaps.reduce((sum, g) => sum + (g - mean) ** 2, 0) / (gaps.length - 1));
      return { mean, halfWidth: (2.262 * sd) / Math.sqrt(gaps.length), gaps };
    };

    it("without a big user the per-user waits are null; with one under FIFO every other metric is unchanged", () => {
      const plain = bigUserRun(null, FIFO, 3).result.metrics;
      const big = bigUserRun(0.5, FIFO, 3).result.metrics;
      expect(plain.queue_wait_mean_big_user_h).toBeNull();
      expect(plain.queue_wait_p90_other_users_h).toBeNull();
      // FIFO ignores users, and the big user moves no other draw: the same jobs start at the same times.
      expect({
        ...big,
        queue_wait_mean_big_user_h: null,
        queue_wait_p90_big_user_h: null,
        queue_wait_mean_other_users_h: null,
        queue_wait_p90_other_users_h: null,
      }).toEqual(plain);
    });

    it("draws the big user's share of the jobs and splits the rest evenly; the metrics match the job log", () => {
      const { result } = bigUserRun(0.5, fairShare, 4);
      const byUser = new Map<string, number>();
      for (const job of result.jobs) byUser.set(job.user, (byUser.get(job.user) ?? 0) + 1);
      const waits = (big: boolean) =>
        result.jobs.filter((job) => job.startH !== null && (job.user === "u000") === big).map((job) => job.startH! - job.submitH);
      const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
      expect(result.metrics.queue_wait_mean_big_user_h).toBeCloseTo(mean(waits(true)), 9);
      expect(result.metrics.queue_wait_mean_other_users_h).toBeCloseTo(mean(waits(false)), 9);
      const total = [...byUser.values()].reduce((sum, n) => sum + n, 0);
      expect(total).toBeGreaterThan(5_000);
      // Binomial: share ± 4 standard deviations.
      const within = (n: number, p: number) => expect(Math.abs(n / total - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / total));
      within(byUser.get("u000")!, 0.5);
      for (const user of ["u001", "u002", "u003", "u004"]) within(byUser.get(user)!, 0.125);
    });

    // At the time of writing: FIFO −0.003 ± 0.011 h, fair share +0.36 ± 0.08 h (mean gap ± 95% half-width).
    it("FIFO: the big user's mean wait equals the others' within a 95% CI; fair share: the big user waits longer", () => {
      const fifo = gap(FIFO);
      expect(Math.abs(fifo.mean)).toBeLessThan(fifo.halfWidth);
      const fair = gap(fairShare);
      expect(fair.mean - fair.halfWidth).toBeGreaterThan(0);
      expect(fair.gaps.every((g) => g > 0)).toBe(true);
    });
  });

  it("produces exactly DESIGN.md's metrics, in order", () => {
    expect(Object.keys(run(smallOptions()).result.metrics)).toEqual([...METRIC_NAMES]);
  });

  it("a job whose node crashes loses the work since its last checkpoint and is requeued", () => {
    // One node, one job of 10 h of work, checkpoint every 3 h costing 30 min, restart 30 min.
    // The node crashes once, 5 h in: 3 h of work was checkpointed at 3.5 h; the 1.5 h
    // since then is lost. After a 1 h repair the job resumes: 30 min restart, 7 h of work,
    // two checkpoints (after 3 h and 6 h), done at 6 h + 0.5 + 7 + 1 = 14.5 h.
    const options = smallOptions({
      horizonUs: 48 * US_PER_H,
      cluster: { racks: 1, nodesPerRack: 1, gpusPerNode: 1 },
      workload: NO_ARRIVALS, // the job is submitted below
      checkpoint: { policy: "fixed", intervalUs: 3 * US_PER_H, costUs: 30 * US_PER_MIN, restartUs: 30 * US_PER_MIN, sizeBytes: 0 },
    });
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = new ClusterModel(sim, options);
    model.submit(1, 10 * US_PER_H);
    sim.schedule(5 * US_PER_H, () => model.cluster.crash(0));
    sim.schedule(6 * US_PER_H, () => model.cluster.restore(0));
    const result = model.run();
    const story = sim.records
      .filter((r) => r.kind.startsWith("Job"))
      .map((r) => [r.kind, (r.timeUs as number) / US_PER_H]);
    expect(story).toEqual([
      ["JobSubmitted", 0],
      ["JobStarted", 0],
      ["JobKilled", 5],
      ["JobStarted", 6],
      ["JobCompleted", 14.5],
    ]);
    expect(result.nodeHours.lost).toBeCloseTo(1.5, 9);
    // First attempt: 1 checkpoint (0.5 h); second: restart 0.5 h + 2 checkpoints (1 h).
    expect(result.nodeHours.overhead).toBeCloseTo(2, 9);
    expect(result.nodeHours.useful).toBeCloseTo(10, 9);
    expect(result.metrics.time_to_solution_p50_h).toBeCloseTo(14.5, 9);
    expect(result.metrics.checkpoint_success_rate).toBe(1);
  });

  it("FIFO holds back a small job behind a large one that does not fit", () => {
    const options = smallOptions({
      horizonUs: 48 * US_PER_H,
      cluster: { racks: 1, nodesPerRack: 4, gpusPerNode: 1 },
      workload: NO_ARRIVALS,
    });
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = new ClusterModel(sim, options);
    model.submit(3, 2 * US_PER_H); // job 0: 3 nodes for 2 h
    model.submit(4, 1 * US_PER_H); // job 1: all 4 nodes, waits for job 0
    model.submit(1, 1 * US_PER_H); // job 2: would fit now, but FIFO keeps order
    model.run();
    const starts = sim.records.filter((r) => r.kind === "JobStarted").map((r) => [r.job, (r.timeUs as number) / US_PER_H]);
    expect(starts).toEqual([
      [0, 0],
      [1, 2],
      [2, 3],
    ]);
  });
});
