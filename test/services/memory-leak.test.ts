import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  LeakingProcess,
  LeakingReplicaSet,
  slowdownAt,
  timeToOomUs,
  type LeakingReplicaSetOptions,
  type MemoryLeakOptions,
} from "../../models/services/memory-leak.js";
import { ReplicaPool } from "../../models/services/replica-pool.js";
import { AssertionFailure } from "../../sim/assert.js";
import { Sim, type SimRecord } from "../../sim/sim.js";
import { US_PER_H, US_PER_S } from "../../sim/time.js";

const MS = 1_000;
const S = US_PER_S;

/**
 * 512 MiB at start, 2 GiB limit, 36,864 MiB/h = 10.24 MiB/s: swapping from 1,536 MiB
 * (75%) after 100 s, the OOM killer at 2,048 MiB after (2048 − 512)/10.24 = 150 s. A leak
 * this fast keeps the runs short; only the ratios matter to the pool.
 */
const LEAK: MemoryLeakOptions = {
  baseMiB: 512,
  limitMiB: 2_048,
  leakMiBPerHour: 36_864,
  swapAtFraction: 0.75,
  slowdownAtLimit: 10,
  restartUs: 10 * S,
};
const LEAK_MIB_PER_S = LEAK.leakMiBPerHour / 3_600;

/** The memory check of the early configuration: at 70% of the limit, every second. */
const EARLY_CHECK = { restartAtFraction: 0.7, checkIntervalUs: S } as const;

function kindsAndTimes(records: readonly SimRecord[]): [string, number][] {
  return records.map((record) => [record.kind, (record.timeUs as number) / S]);
}

describe("the swap penalty", () => {
  it("is 1 up to the swap threshold, grows with the square of the excess, and reaches slowdownAtLimit at the limit", () => {
    // Swap band: 1,536 to 2,048 MiB.
    expect(slowdownAt(LEAK, 512)).toBe(1);
    expect(slowdownAt(LEAK, 1_536)).toBe(1);
    expect(slowdownAt(LEAK, 1_536 + 128)).toBeCloseTo(1 + 9 / 16, 12);
    expect(slowdownAt(LEAK, 1_536 + 256)).toBeCloseTo(1 + 9 / 4, 12);
    expect(slowdownAt(LEAK, 2_048)).toBe(10);
  });
});

describe("a leaking process under its supervisor (stories)", () => {
  it("liveness only: it swaps after 100 s, is OOM-killed at 150 s, restarts 10 s later with base memory, and again", () => {
    const sim = new Sim({ seed: 1 });
    const process = new LeakingProcess(sim, "api.replica0", LEAK);
    const memoryMiB: [number, number][] = [];
    for (const timeS of [0, 50, 100, 149, 155, 161, 235]) sim.scheduleAt(timeS * S, () => memoryMiB.push([timeS, process.memoryMiB()]));
    process.start();
    sim.run(319 * S);
    expect(kindsAndTimes(sim.records)).toEqual([
      ["MemoryLeakStarted", 0],
      ["ProcessStarted", 0],
      ["ProcessSwapStarted", 100],
      ["ProcessOomKilled", 150],
      ["ProcessStarted", 160],
      ["ProcessSwapStarted", 260],
      ["ProcessOomKilled", 310],
    ]);
    // Linear between restarts, nothing while down.
    const expected: [number, number][] = [
      [0, 512],
      [50, 512 + 50 * LEAK_MIB_PER_S],
      [100, 1_536],
      [149, 512 + 149 * LEAK_MIB_PER_S],
      [155, 0],
      [161, 512 + LEAK_MIB_PER_S],
      [235, 512 + 75 * LEAK_MIB_PER_S],
    ];
    expect(memoryMiB.map(([timeS]) => timeS)).toEqual(expected.map(([timeS]) => timeS));
    memoryMiB.forEach(([, value], i) => expect(value).toBeCloseTo(expected[i][1], 9));
    expect(process.oomKilledCount).toBe(2);
    expect(process.restartedByHealthCheckCount).toBe(0);
  });

  it("a memory check restarts it before the swapping starts, within one check of crossing the threshold", () => {
    const sim = new Sim({ seed: 1 });
    // 70% of 2,048 MiB = 1,433.6 MiB, reached 90 s after each start.
    const process = new LeakingProcess(sim, "api.replica0", { ...LEAK, restartAtFraction: 0.7, checkIntervalUs: 7 * S });
    process.start();
    sim.run(400 * S);
    const restarts = sim.records.filter((record) => record.kind === "ProcessRestartedByHealthCheck");
    expect(sim.records.filter((record) => record.kind === "ProcessOomKilled" || record.kind === "ProcessSwapStarted")).toEqual([]);
    // Checks at 7, 14, …: the first at or after 90 s is 91 s; the process is back at 101 s,
    // crosses at 191 s, is seen at 196 s; back at 206 s, crosses at 296 s, seen at 301 s.
    expect(restarts.map((record) => (record.timeUs as number) / S)).toEqual([91, 196, 301]);
    for (const record of restarts) {
      expect(record.memoryMiB as number).toBeGreaterThanOrEqual(0.7 * 2_048);
      expect(record.memoryMiB as number).toBeLessThan(0.7 * 2_048 + 7 * LEAK_MIB_PER_S);
    }
  });

  it("the OOM killer acts at the first whole µs at which memory reaches the limit: (limit − start)/rate", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4_096 }),
        fc.double({ min: 1.1, max: 8, noNaN: true }),
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        fc.double({ min: 1, max: 1e5, noNaN: true }),
        (baseMiB, limitRatio, initialShare, leakMiBPerHour) => {
          const options: MemoryLeakOptions = { ...LEAK, baseMiB, limitMiB: baseMiB * limitRatio, leakMiBPerHour, swapAtFraction: 1 };
          const initialMiB = baseMiB + initialShare * (options.limitMiB - baseMiB);
          const sim = new Sim({ seed: 1 });
          const process = new LeakingProcess(sim, "p", options);
          sim.scheduleAt(1_000, () => process.start(initialMiB));
          sim.run(1_000 + timeToOomUs(options, initialMiB) + 1);
          const oom = sim.records.find((record) => record.kind === "ProcessOomKilled") as SimRecord;
          const elapsedUs = (oom.timeUs as number) - 1_000;
          // Memory reaches the limit (limit − start)/rate after the start; the kill is the
          // first whole µs at or after that (up to rounding in the last bits).
          const exactUs = ((options.limitMiB - initialMiB) / leakMiBPerHour) * US_PER_H;
          expect(Number.isInteger(elapsedUs)).toBe(true);
          expect(elapsedUs).toBeGreaterThanOrEqual(exactUs * (1 - 1e-12));
          expect(elapsedUs).toBeLessThan(exactUs * (1 + 1e-12) + 1);
          expect(oom.memoryMiB).toBe(options.limitMiB);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses configurations it cannot honour", () => {
    const sim = new Sim({ seed: 1 });
    expect(() => new LeakingProcess(sim, "p", { ...LEAK, restartAtFraction: 1, checkIntervalUs: S })).toThrow(AssertionFailure);
    expect(() => new LeakingProcess(sim, "p", { ...LEAK, restartAtFraction: 0.7 })).toThrow(AssertionFailure);
    expect(() => new LeakingProcess(sim, "p", { ...LEAK, baseMiB: 1_600 })).toThrow(AssertionFailure);
    expect(() => new LeakingProcess(sim, "p", { ...LEAK, slowdownAtLimit: 0.5 })).toThrow(AssertionFailure);
  });
});

/** Every `periodUs` from `firstUs` to `lastUs`. */
function everyUs(periodUs: number, firstUs: number, lastUs: number): number[] {
  const timesUs: number[] = [];
  for (let timeUs = firstUs; timeUs <= lastUs; timeUs += periodUs) timesUs.push(timeUs);
  return timesUs;
}

/**
 * Two replicas behind a join-shortest-queue balancer, each 100 requests/s (10 ms mean),
 * offered 80/s by the set's client: 40% load with both up, 80% on one, so a restart costs
 * the requests caught on the dead replica but does not overload the survivor. Clients time
 * out after 300 ms and retry once; probes every second, 100 ms timeout, two bad eject.
 */
function leakingPool(seed: number, options: Partial<LeakingReplicaSetOptions>, horizonUs: number, sampleTimesUs: readonly number[]) {
  const sim = new Sim({ seed });
  const pool = new ReplicaPool(sim, {
    name: "api",
    replicas: 2,
    serviceMeanUs: 10 * MS,
    queueMax: 200,
    policy: "join-shortest-queue",
    timeoutUs: 300 * MS,
    retries: 1,
    healthIntervalUs: S,
    healthTimeoutUs: 100 * MS,
    unhealthyThreshold: 2,
    healthyThreshold: 2,
  });
  const set = new LeakingReplicaSet(sim, pool, { name: "api", stepUs: 100 * MS, ratePerS: 80, ...LEAK, ...options });
  pool.start();
  set.start();
  for (const timeUs of sampleTimesUs) sim.scheduleAt(timeUs, () => set.sample());
  sim.run(horizonUs);
  return { sim, pool, set };
}

describe("leaking replicas behind a balancer", () => {
  it("memory follows the linear leak exactly between restarts, and the slowdown follows memory", () => {
    // Samples at half seconds, clear of the restarts on whole seconds.
    const { sim, set } = leakingPool(1, { initialMiB: [512, 1_280] }, 400 * S, everyUs(S, S / 2, 400 * S));
    let checked = 0;
    for (const replica of [0, 1]) {
      const name = `api.replica${replica}`;
      const starts = sim.records.filter((record) => record.source === name && record.kind === "ProcessStarted");
      const exits = sim.records.filter((record) => record.source === name && record.kind === "ProcessOomKilled");
      // Replica 1 starts 768 MiB in (75 s of leak): OOM at 75 s, then every 160 s.
      expect(exits.map((record) => (record.timeUs as number) / S)).toEqual(replica === 0 ? [150, 310] : [75, 235, 395]);
      for (const sample of set.samples) {
        const start = starts.filter((record) => (record.timeUs as number) <= sample.timeUs).pop() as SimRecord;
        const down = exits.some((record) => (record.timeUs as number) > (start.timeUs as number) && (record.timeUs as number) <= sample.timeUs);
        const expectedMiB = down ? 0 : (start.memoryMiB as number) + ((sample.timeUs - (start.timeUs as number)) / S) * LEAK_MIB_PER_S;
        expect(sample.memoryMiB[replica]).toBeCloseTo(expectedMiB, 9);
        expect(sample.slowdown[replica]).toBe(down ? 1 : slowdownAt(LEAK, sample.memoryMiB[replica]));
        checked++;
      }
    }
    expect(checked).toBe(800);
  });

  it("latency rises as memory approaches the limit: p99 in the 10 s before the OOM kill far above an early window", () => {
    // Both replicas leak in step (same start), so the whole pool swaps at once.
    const { set } = leakingPool(1, {}, 149 * S, [10 * S, 60 * S, 139 * S, 149 * S]);
    // Windows [10 s, 60 s) (up to 1,126 MiB, no swapping) and [139 s, 149 s) (1,935 to 2,038 MiB).
    const [, early, , beforeOom] = set.samples;
    console.log(`p99 early ${early.p99LatencyUs / MS} ms at ${early.memoryMiB[0].toFixed(0)} MiB; before OOM ${beforeOom.p99LatencyUs / MS} ms at ${beforeOom.memoryMiB[0].toFixed(0)} MiB, slowdown ${beforeOom.slowdown[0].toFixed(2)}`);
    expect(early.p99LatencyUs).toBeLessThan(100 * MS);
    expect(beforeOom.p99LatencyUs).toBeGreaterThan(4 * early.p99LatencyUs);
    expect(beforeOom.slowdown[0]).toBeGreaterThan(8);
  });

  it("an early memory check restarts before OOM, and keeps p99 lower and errors fewer than liveness only (same seeds)", () => {
    // Staggered: replica 1 starts as if it had run 75 s, so the two never restart together.
    const initialMiB = [512, 1_280];
    for (const seed of [1, 2, 3]) {
      const late = leakingPool(seed, { initialMiB }, 400 * S, []);
      const early = leakingPool(seed, { initialMiB, ...EARLY_CHECK }, 400 * S, []);
      const lateMetrics = late.set.metrics();
      const earlyMetrics = early.set.metrics();
      console.log(
        `seed ${seed}: liveness only: ${lateMetrics.oomKilled} OOM kills, ${lateMetrics.requestsFailed} of ${lateMetrics.requests} requests failed, ` +
          `p99 ${(lateMetrics.latencyP99Us / MS).toFixed(1)} ms; memory check: ${earlyMetrics.restartedByHealthCheck} restarts, ` +
          `${earlyMetrics.requestsFailed} failed, p99 ${(earlyMetrics.latencyP99Us / MS).toFixed(1)} ms`,
      );
      // Both see the same requests.
      expect(earlyMetrics.requests).toBe(lateMetrics.requests);
      expect(lateMetrics.oomKilled).toBe(5);
      expect(lateMetrics.restartedByHealthCheck).toBe(0);
      // The check restarts each process every 100 s (90 s up, 10 s down): 8 restarts, no OOM, no swapping.
      expect(earlyMetrics.oomKilled).toBe(0);
      expect(earlyMetrics.restartedByHealthCheck).toBe(8);
      expect(early.sim.records.filter((record) => record.kind === "ProcessSwapStarted")).toEqual([]);
      expect(earlyMetrics.latencyP99Us).toBeLessThan(lateMetrics.latencyP99Us);
      expect(earlyMetrics.requestsFailed).toBeLessThan(lateMetrics.requestsFailed);
    }
  });

  it("is deterministic: same seed, same records and samples; another seed, other samples", () => {
    const run = (seed: number): string => {
      const { sim, pool, set } = leakingPool(seed, { initialMiB: [512, 1_280], ...EARLY_CHECK }, 200 * S, everyUs(10 * S, 10 * S, 200 * S));
      return JSON.stringify({ records: sim.records, samples: set.samples, metrics: set.metrics(), pool: pool.counts() });
    };
    expect(run(7)).toBe(run(7));
    expect(run(7)).not.toBe(run(8));
  });
});
