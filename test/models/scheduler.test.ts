import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ClusterModel } from "../../models/cluster/model.js";
import { type ClusterModelOptions, type SchedulerOptions } from "../../models/cluster/options.js";
import type { BackfillMode, BatchScheduler } from "../../models/scheduler/batch.js";
import type { SchedulerPolicy, SchedulingContext } from "../../models/scheduler/policy.js";
import { AvailabilityProfile } from "../../models/scheduler/profile.js";
import type { Job } from "../../models/workload/job.js";
import { NO_NODE, type Placement } from "../../models/hardware/cluster.js";
import { NO_CHECKPOINT } from "../../models/strategies/checkpoint.js";
import { Sim } from "../../sim/sim.js";
import { US_PER_S } from "../../sim/time.js";
import { checkRecords } from "./state-checker.js";

const S = US_PER_S;

function scheduler(backfill: BackfillMode, overrides: Partial<SchedulerOptions> = {}): SchedulerOptions {
  return {
    backfill,
    priority: null,
    placement: "first-fit",
    enforceTimeLimit: true,
    preemption: null,
    trackReservations: true,
    ...overrides,
  };
}

function options(nodes: number, sched: SchedulerOptions, racks = 1): ClusterModelOptions {
  return {
    horizonUs: 100_000 * S,
    cluster: { racks, nodesPerRack: nodes / racks, gpusPerNode: 1 },
    fabric: null,
    pools: [],
    storage: null,
    workload: { generator: null, trace: null, maxRequeues: 0 },
    scheduler: sched,
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
  readonly qos?: string;
}

/** Runs hand-placed jobs; returns each job's start (s) and the metrics. */
function replay(modelOptions: ClusterModelOptions, jobs: readonly Submission[]) {
  const sim = new Sim({ seed: 1, keepRecords: true });
  const model = new ClusterModel(sim, modelOptions);
  for (const job of jobs) {
    const labels = { user: "u", account: "a", qos: job.qos ?? "normal" };
    sim.scheduleAt(job.atS * S, () => model.submit(job.nodes, job.runS * S, (job.requestedS ?? job.runS) * S, labels));
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
    expect(killed?.timeUs).toBe(60 * S + 1); // once it has run longer than its limit
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
    const spans = (placement: Placement) => {
      const sim = new Sim({ seed: 1 });
      const model = new ClusterModel(sim, options(16, scheduler("none", { placement }), 4));
      const submitted = jobs.map((job) => model.submit(job.nodes, job.runS * S));
      sim.run(0); // the scheduling pass at time 0 places all three
      return submitted.map((job) => model.cluster.racksSpanned(job.firstPart));
    };
    expect(spans("first-fit")).toEqual([1, 1, 2]);
    expect(spans("topology")).toEqual([1, 1, 1]);
  });

  it("spread placement takes one node at a time from the emptiest rack", () => {
    // 4 racks × 4 nodes, emptiest rack first (lowest on ties): the 1-node job takes rack 0;
    // the 2-node job racks 1 and 2; the 4-node job rack 3, then racks 0, 1, 2 (3 free each).
    const sim = new Sim({ seed: 1 });
    const model = new ClusterModel(sim, options(16, scheduler("none", { placement: "spread" }), 4));
    const submitted = [1, 2, 4].map((nodes) => model.submit(nodes, 1_000 * S));
    sim.run(0);
    const racksOf = (job: (typeof submitted)[number]): number[] => {
      const racks: number[] = [];
      for (let node = job.firstPart; node !== NO_NODE; node = model.cluster.nextPart(node)) {
        racks.push(model.cluster.rackOf(node));
      }
      return racks.sort();
    };
    expect(submitted.map(racksOf)).toEqual([[0], [1, 2], [0, 1, 2, 3]]);
    model.cluster.checkInvariants();
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
    qos: fc.constantFrom("low", "high"),
  }),
  { minLength: 1, maxLength: 40 },
);

describe("backfill properties (fast-check)", () => {
  const submissions = (jobs: { atS: number; nodes: number; runS: number; slackS: number; qos: string }[]) =>
    jobs.map((job) => ({ ...job, requestedS: job.runS + job.slackS }));

  it.each(["easy", "conservative"] as const)(
    "%s never starts a job later than a reservation it was given (time limits honest)",
    (backfill) => {
      let reservationsChecked = 0;
      fc.assert(
        fc.property(jobsArbitrary, (jobs) => {
          const { model, startsS } = replay(options(12, scheduler(backfill)), submissions(jobs));
          for (const [jobId, reservationUs] of (model.scheduler as BatchScheduler).reservationsUs) {
            expect(startsS.get(jobId)! * S).toBeLessThanOrEqual(reservationUs);
            reservationsChecked++;
          }
        }),
        { numRuns: 200 },
      );
      // The property held over reservations that were actually made, not over none.
      expect(reservationsChecked).toBeGreaterThan(100);
    },
  );

  it("every policy, placement and preemption: no over-allocation, every job ends exactly once", () => {
    fc.assert(
      fc.property(
        jobsArbitrary,
        fc.constantFrom<BackfillMode>("none", "easy", "conservative"),
        fc.constantFrom<Placement>("first-fit", "topology", "spread"),
        fc.boolean(),
        fc.constantFrom(null, "requeue" as const, "kill" as const),
        (jobs, backfill, placement, enforce, preemptionMode) => {
          const preemption =
            preemptionMode === null ? null : { preemptableByQos: new Map([["high", ["low"]]]), mode: preemptionMode, graceUs: 30 * S };
          const modelOptions = options(12, scheduler(backfill, { placement, enforceTimeLimit: enforce, preemption }), 3);
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

describe("priority and preemption", () => {
  const hour = 3_600 * S;
  const labels = (account: string, qos = "normal") => ({ user: account, account, qos });
  /** Priority by fair share alone, usage decaying with `halfLifeUs`, recomputed at every pass. */
  const fairShareOnly = (halfLifeUs: number) => ({
    ageWeight: 0,
    sizeWeight: 0,
    fairShareWeight: 1,
    qosWeight: 0,
    maxAgeUs: 24 * hour,
    halfLifeUs,
    recalcPeriodUs: 0,
    qosPriority: new Map(),
  });

  it("fair share runs the account that has used less first", () => {
    // One node. Account a submits three 1 h jobs at 0, account b one at 1 s. FCFS would
    // run a, a, a, b; with fair share, once a's first job has run, b's job outranks a's.
    const priority = fairShareOnly(24 * hour);
    for (const [withFairShare, order] of [
      [false, ["a", "a", "a", "b"]],
      [true, ["a", "b", "a", "a"]],
    ] as const) {
      const sim = new Sim({ seed: 1, keepRecords: true });
      const model = new ClusterModel(sim, options(1, scheduler("none", { priority: withFairShare ? priority : null })));
      const accountOf = new Map<number, string>();
      for (let i = 0; i < 3; i++) accountOf.set(model.submit(1, hour, hour, labels("a")).id, "a");
      sim.scheduleAt(S, () => accountOf.set(model.submit(1, hour, hour, labels("b")).id, "b"));
      model.run();
      const started = sim.records.filter((r) => r.kind === "JobStarted").map((r) => accountOf.get(r.job as number));
      expect(started).toEqual(order);
    }
  });

  it("fair share by hand: Slurm's 2^(−U/S) with decayed usage, and a shorter half-life forgives old usage", () => {
    // One node. a runs 2 h from 0 (2 node-h charged at 2 h); b runs 1 h from 2 h (1 node-h
    // charged at 3 h). At 2.5 h b submits B2, then a submits A2, 1 h each; at 3 h the node
    // frees and priorities are computed. With half-life H, a's usage at 3 h is 2·2^(−1/H),
    // b's is 1; two accounts, so S = 1/2 and each factor is 2^(−2U).
    //   H = 0.5 h: a 2·¼ = 0.5, b 1: U_a = 1/3, factor 2^(−2/3) = 0.630; b 2^(−4/3) = 0.397: A2 first.
    //   H = 24 h: a 2·2^(−1/24) = 1.943: U_a = 0.660, factor 0.401; b 0.624: B2 first.
    for (const [halfLifeH, order, factors] of [
      [0.5, ["a", "b", "a", "b"], { a: Math.pow(2, -2 / 3), b: Math.pow(2, -4 / 3) }],
      [24, ["a", "b", "b", "a"], { a: Math.pow(2, (-2 * (2 * Math.pow(2, -1 / 24))) / (1 + 2 * Math.pow(2, -1 / 24))), b: Math.pow(2, -2 / (1 + 2 * Math.pow(2, -1 / 24))) }],
    ] as const) {
      const priority = fairShareOnly(halfLifeH * hour);
      const sim = new Sim({ seed: 1, keepRecords: true });
      const model = new ClusterModel(sim, options(1, scheduler("none", { priority })));
      const accountOf = new Map<number, string>();
      const jobs = new Map<string, Job>();
      const submit = (name: string, runH: number) => {
        const job = model.submit(1, runH * hour, runH * hour, labels(name[0].toLowerCase()));
        accountOf.set(job.id, name[0].toLowerCase());
        jobs.set(name, job);
      };
      submit("A1", 2);
      sim.scheduleAt(2 * hour, () => submit("B1", 1));
      sim.scheduleAt(2.5 * hour, () => submit("B2", 1));
      sim.scheduleAt(2.5 * hour + S, () => submit("A2", 1));
      // Just after the 3 h pass: the priorities it sorted by.
      let seen: { a: number; b: number } | null = null;
      sim.scheduleAt(3 * hour + S, () => (seen = { a: jobs.get("A2")!.priority, b: jobs.get("B2")!.priority }));
      model.run();
      const started = sim.records.filter((r) => r.kind === "JobStarted").map((r) => accountOf.get(r.job as number));
      expect(started).toEqual(order);
      // Both were last ranked at the 3 h pass (the next one comes at 4 h).
      expect(seen!.a).toBeCloseTo(factors.a, 12);
      expect(seen!.b).toBeCloseTo(factors.b, 12);
    }
  });

  it("a high-QOS job preempts a low-QOS one after the grace time; the victim is requeued", () => {
    // 4 nodes. A low-QOS job takes all 4 at 0 for 10 h. A high-QOS job of 2 nodes arrives
    // at 1 h: the low job is signalled, killed at 1 h + 60 s, and requeued; the high job
    // starts then, ends 2 h later, and the low job starts again from scratch.
    const preemption = { preemptableByQos: new Map([["high", ["low"]]]), mode: "requeue" as const, graceUs: 60 * S };
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = new ClusterModel(sim, options(4, scheduler("easy", { preemption })));
    model.submit(4, 10 * hour, 10 * hour, labels("x", "low"));
    sim.scheduleAt(hour, () => model.submit(2, 2 * hour, 2 * hour, labels("y", "high")));
    const result = model.run();
    const story = sim.records
      .filter((r) => r.kind.startsWith("Job") && r.kind !== "JobSubmitted")
      .map((r) => [r.kind, r.job, (r.timeUs as number) / S]);
    expect(story).toEqual([
      ["JobStarted", 0, 0],
      ["JobPreemptionSignalled", 0, 3_600],
      ["JobKilled", 0, 3_660],
      ["JobStarted", 1, 3_660],
      ["JobCompleted", 1, 3_660 + 7_200],
      ["JobStarted", 0, 3_660 + 7_200],
      ["JobCompleted", 0, 3_660 + 7_200 + 36_000],
    ]);
    expect(result.metrics.jobs_failed).toBe(0);
    expect(result.nodeHours.lost).toBeCloseTo((4 * 3_660) / 3_600, 9);
  });

  it("a policy of the user's own plugs in: smallest job first", () => {
    // The README's example policy, written against the SchedulerPolicy interface.
    class SmallestFirst implements SchedulerPolicy {
      readonly name = "smallest-first";
      #queue: Job[] = [];
      get queuedCount() {
        return this.#queue.length;
      }
      submit(job: Job) {
        this.#queue.push(job);
      }
      requeue(job: Job) {
        this.#queue.push(job);
      }
      jobStarted() {}
      jobEnded() {}
      waitingJobs() {
        return this.#queue;
      }
      smallestQueuedNodeCount() {
        return Math.min(Infinity, ...this.#queue.map((job) => job.nodeCount));
      }
      schedule(context: SchedulingContext) {
        this.#queue.sort((a, b) => a.nodeCount - b.nodeCount || a.id - b.id);
        while (this.#queue.length > 0 && this.#queue[0].nodeCount <= context.freeNodes) {
          context.start(this.#queue.shift()!);
        }
      }
    }
    const { startsS } = replay(options(4, scheduler("none", { custom: () => new SmallestFirst() })), [
      { atS: 0, nodes: 4, runS: 100 },
      { atS: 1, nodes: 3, runS: 100 },
      { atS: 2, nodes: 1, runS: 100 },
    ]);
    // After the first job, the 1-node job goes before the 3-node one, and both fit.
    expect([0, 1, 2].map((id) => startsS.get(id))).toEqual([0, 100, 100]);
  });
});
