import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ClusterModel, type ClusterModelOptions, type SchedulerOptions } from "../../models/cluster-model.js";
import type { BackfillMode } from "../../models/scheduler/batch.js";
import { AvailabilityProfile } from "../../models/scheduler/profile.js";
import { NO_CHECKPOINT } from "../../models/strategies/checkpoint.js";
import { Sim } from "../../sim/sim.js";
import { US_PER_S } from "../../sim/time.js";
import { checkRecords } from "./state-checker.js";

const S = US_PER_S;

function scheduler(backfill: BackfillMode, overrides: Partial<SchedulerOptions> = {}): SchedulerOptions {
  return { backfill, priority: null, placement: "first-fit", enforceTimeLimit: true, trackReservations: true, ...overrides };
}

function options(nodes: number, sched: SchedulerOptions, racks = 1): ClusterModelOptions {
  return {
    horizonUs: 100_000 * S,
    cluster: { racks, nodesPerRack: nodes / racks, gpusPerNode: 1 },
    workload: { generator: null, trace: null, maxRequeues: 0 },
    scheduler: sched,
    nodeCrash: null,
    checkpoint: NO_CHECKPOINT,
    slo: null,
    traceSamples: 0,
  };
}

interface Submission {
  readonly atS: number;
  readonly nodes: number;
  readonly runS: number;
  readonly requestedS?: number;
}

/** Runs hand-placed jobs; returns each job's start (s) and the metrics. */
function replay(modelOptions: ClusterModelOptions, jobs: readonly Submission[]) {
  const sim = new Sim({ seed: 1, keepRecords: true });
  const model = new ClusterModel(sim, modelOptions);
  for (const job of jobs) {
    sim.scheduleAt(job.atS * S, () => model.submit(job.nodes, job.runS * S, (job.requestedS ?? job.runS) * S));
  }
  const result = model.run();
  const startsS = new Map<number, number>();
  for (const record of sim.records) {
    if (record.kind === "JobStarted" && !startsS.has(record.job as number)) {
      startsS.set(record.job as number, (record.timeUs as number) / S);
    }
  }
  return { sim, model, result, startsS };
}

describe("a worked example: FCFS and conservative agree, EASY is better", () => {
  // 10 nodes; exact time limits. J1 runs on 6 nodes until 100. J2 needs 8: it is the
  // head and waits for J1. J3 needs 9. J4 needs 2 for 300 s.
  // FCFS: J2 100–200, J3 200–300, J4 300–600. Waits 0, 99, 198, 297: mean 148.5; makespan 600.
  // Conservative: J4 would fit at 3 but would hold 2 nodes past 200, when J3 has 9 of the
  //   10 reserved, so J4 is reserved for 300: the same schedule as FCFS.
  // EASY: J2's shadow time is 100 with 2 extra nodes, so J4 (2 nodes) starts at 3, ends
  //   at 303. J2 runs 100–200; J3 must wait for J4: 303–403. Waits 0, 99, 301, 0: mean
  //   100; makespan 403.
  const jobs: Submission[] = [
    { atS: 0, nodes: 6, runS: 100 },
    { atS: 1, nodes: 8, runS: 100 },
    { atS: 2, nodes: 9, runS: 100 },
    { atS: 3, nodes: 2, runS: 300 },
  ];
  const meanWaitS = (startsS: Map<number, number>) =>
    jobs.reduce((sum, job, id) => sum + startsS.get(id)! - job.atS, 0) / jobs.length;

  it.each([
    ["none", [0, 100, 200, 300], 148.5, 600],
    ["conservative", [0, 100, 200, 300], 148.5, 600],
    ["easy", [0, 100, 303, 3], 100, 403],
  ] as const)("%s", (backfill, startsS, meanWait, makespanS) => {
    const { startsS: starts, result } = replay(options(10, scheduler(backfill)), jobs);
    expect([0, 1, 2, 3].map((id) => starts.get(id))).toEqual(startsS);
    expect(meanWaitS(starts)).toBe(meanWait);
    expect(result.metrics.makespan_h! * 3_600).toBeCloseTo(makespanS, 9);
  });
});

describe("time limits", () => {
  it("kills a job at its limit (Slurm's TIMEOUT) and fails it", () => {
    const { sim, result } = replay(options(4, scheduler("easy")), [{ atS: 0, nodes: 1, runS: 100, requestedS: 60 }]);
    const killed = sim.records.find((r) => r.kind === "JobKilled");
    expect(killed?.cause).toBe("time-limit");
    expect((killed?.timeUs as number) / S).toBe(60);
    expect(result.metrics.jobs_failed).toBe(1);
  });

  it("lets a job run past its limit when limits are not enforced", () => {
    const { result } = replay(options(4, scheduler("easy", { enforceTimeLimit: false })), [
      { atS: 0, nodes: 1, runS: 100, requestedS: 60 },
    ]);
    expect(result.metrics.jobs_completed).toBe(1);
  });
});

describe("placement", () => {
  it("topology-aware placement spans fewer racks than first-fit", () => {
    // 4 racks × 4 nodes. Jobs of 1 and 2 nodes leave rack 0 with 1 free node; a 4-node
    // job then straddles racks 0 and 1 under first-fit, but takes all of rack 1 when
    // placed by topology.
    const jobs: Submission[] = [
      { atS: 0, nodes: 1, runS: 1_000 },
      { atS: 0, nodes: 2, runS: 1_000 },
      { atS: 0, nodes: 4, runS: 1_000 },
    ];
    const spans = (placement: "first-fit" | "topology") => {
      const sim = new Sim({ seed: 1 });
      const model = new ClusterModel(sim, options(16, scheduler("none", { placement }), 4));
      const submitted = jobs.map((job) => model.submit(job.nodes, job.runS * S));
      sim.run(0); // the scheduling pass at time 0 places all three
      return submitted.map((job) => model.cluster.racksSpanned(job.firstNode));
    };
    expect(spans("first-fit")).toEqual([1, 1, 2]);
    expect(spans("topology")).toEqual([1, 1, 1]);
  });
});

describe("availability profile", () => {
  it("finds the earliest slot and reserves it", () => {
    const profile = new AvailabilityProfile();
    profile.reset(0, 2); // 2 free now
    profile.addRelease(100, 4); // 6 from 100
    profile.addRelease(300, 4); // 10 from 300
    expect(profile.earliestStart(2, 1_000)).toBe(0);
    expect(profile.earliestStart(5, 50)).toBe(100);
    expect(profile.earliestStart(8, 50)).toBe(300);
    expect(profile.earliestStart(11, 1)).toBe(Infinity);
    profile.reserve(100, 250, 5); // 1 free over [100, 300), 5 over [300, 350)
    expect(profile.earliestStart(2, 10)).toBe(0);
    expect(profile.earliestStart(2, 150)).toBe(300);
    expect(profile.earliestStart(6, 10)).toBe(350);
  });
});

const jobsArbitrary = fc.array(
  fc.record({
    atS: fc.integer({ min: 0, max: 2_000 }),
    nodes: fc.integer({ min: 1, max: 12 }),
    runS: fc.integer({ min: 1, max: 1_000 }),
    slackS: fc.integer({ min: 0, max: 1_000 }),
  }),
  { minLength: 1, maxLength: 40 },
);

describe("backfill properties (fast-check)", () => {
  const submissions = (jobs: { atS: number; nodes: number; runS: number; slackS: number }[]) =>
    jobs.map((job) => ({ atS: job.atS, nodes: job.nodes, runS: job.runS, requestedS: job.runS + job.slackS }));

  it.each(["easy", "conservative"] as const)(
    "%s never starts a job later than a reservation it was given (time limits honest)",
    (backfill) => {
      fc.assert(
        fc.property(jobsArbitrary, (jobs) => {
          const { model, startsS } = replay(options(12, scheduler(backfill)), submissions(jobs));
          for (const [jobId, reservationUs] of model.scheduler.reservationsUs) {
            expect(startsS.get(jobId)! * S).toBeLessThanOrEqual(reservationUs);
          }
        }),
        { numRuns: 200 },
      );
    },
  );

  it("every policy and placement: no over-allocation, every job ends exactly once", () => {
    fc.assert(
      fc.property(
        jobsArbitrary,
        fc.constantFrom<BackfillMode>("none", "easy", "conservative"),
        fc.constantFrom("first-fit" as const, "topology" as const),
        fc.boolean(),
        (jobs, backfill, placement, enforce) => {
          const modelOptions = options(12, scheduler(backfill, { placement, enforceTimeLimit: enforce }), 3);
          const { sim, result } = replay(modelOptions, submissions(jobs));
          const checked = checkRecords(sim.records, 12, modelOptions.horizonUs!);
          expect(checked.submitted).toBe(jobs.length);
          expect(checked.completed + checked.failed).toBe(jobs.length);
          expect(result.metrics.jobs_completed).toBe(checked.completed);
        },
      ),
      { numRuns: 200 },
    );
  });
});
