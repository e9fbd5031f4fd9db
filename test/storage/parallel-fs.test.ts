import { describe, expect, it } from "vitest";
import { ParallelFilesystem, type ParallelFilesystemOptions, type Transfer } from "../../models/storage/parallel-fs.js";
import { AssertionFailure } from "../../sim/assert.js";
import { Sim } from "../../sim/sim.js";

const GB = 1e9;
const MS = 1_000;
const S = 1_000_000;

/**
 * A filesystem whose MDS answers an open in 0.01 µs: up to 100 opens submitted together all
 * finish within the first µs, so every data phase starts 1 µs after its call.
 */
function fastMetadata(sim: Sim, options: Partial<ParallelFilesystemOptions> = {}): ParallelFilesystem {
  return new ParallelFilesystem(sim, {
    name: "lustre",
    ostCount: 1,
    ostGBps: 5,
    metadataOpsPerSec: 1e8,
    metadataQueueMax: 10_000,
    metadataTimeoutUs: 60 * S,
    ...options,
  });
}

/** Writes `bytes` now and keeps the transfer's end in `ended`. */
function writeAt(sim: Sim, pfs: ParallelFilesystem, timeUs: number, bytes: number, ended: Transfer[], stripeCount = 1): void {
  sim.scheduleAt(timeUs, () => pfs.write(bytes, { stripeCount, onDone: (t) => ended.push(t) }));
}

describe("parallel filesystem: bandwidth", () => {
  it("writes 10 GB to one 5 GB/s OST in 2 s of data after a 1 µs open", () => {
    const sim = new Sim({ seed: 1 });
    const pfs = fastMetadata(sim);
    const ended: Transfer[] = [];
    pfs.write(10 * GB, { onDone: (t) => ended.push(t) });
    sim.run();
    expect(ended.length).toBe(1);
    const [t] = ended;
    expect(t.status).toBe("completed");
    expect(t.osts).toEqual([0]);
    expect(t.dataStartUs).toBe(1);
    expect(t.endUs - t.dataStartUs).toBe(2 * S);
    expect(t.durationUs).toBe(2 * S + 1);
    expect(pfs.bytesMoved).toBe(10 * GB);
    expect(pfs.busyUs(sim.now)).toBe(2 * S);
    // 10 GB over 2.000001 s.
    expect(pfs.throughputGBpsMean(sim.now)).toBeCloseTo(10 / 2.000001, 12);
    expect(pfs.throughputGbpsMean(sim.now)).toBeCloseTo(80 / 2.000001, 12);
    expect(pfs.runMetrics(sim.now).storage_throughput_gbps_mean).toBeCloseTo(80 / 2.000001, 12);
  });

  it("gives two equal concurrent writers on one OST twice the time each", () => {
    const sim = new Sim({ seed: 1 });
    const pfs = fastMetadata(sim);
    const ended: Transfer[] = [];
    writeAt(sim, pfs, 0, 10 * GB, ended);
    writeAt(sim, pfs, 0, 10 * GB, ended);
    sim.run();
    expect(ended.map((t) => t.endUs - t.dataStartUs)).toEqual([4 * S, 4 * S]);
  });

  it("shares an OST by processor sharing when a writer joins halfway", () => {
    // a: data from 1 µs, alone 1 s (5 GB), then 2.5 GB/s for its last 5 GB: ends 3 s + 1 µs.
    // b: called at 1 s, data from 1 s + 1 µs; has 5 GB when a ends, 1 s alone: 4 s + 1 µs.
    const sim = new Sim({ seed: 1 });
    const pfs = fastMetadata(sim);
    const ended: Transfer[] = [];
    writeAt(sim, pfs, 0, 10 * GB, ended);
    writeAt(sim, pfs, 1 * S, 10 * GB, ended);
    sim.run();
    expect(ended.map((t) => [t.submittedUs, t.endUs])).toEqual([
      [0, 3 * S + 1],
      [1 * S, 4 * S + 1],
    ]);
  });

  it("stripes a lone writer over 4 OSTs 4× faster than over 1", () => {
    const dataUs = (stripeCount: number): number => {
      const sim = new Sim({ seed: 1 });
      const pfs = fastMetadata(sim, { ostCount: 4 });
      const ended: Transfer[] = [];
      writeAt(sim, pfs, 0, 10 * GB, ended, stripeCount);
      sim.run();
      expect(ended[0].osts.length).toBe(stripeCount);
      return ended[0].endUs - ended[0].dataStartUs;
    };
    expect(dataUs(1)).toBe(2 * S);
    expect(dataUs(4)).toBe(S / 2);
  });

  it("lays files out round-robin, and at startOst when asked", () => {
    const sim = new Sim({ seed: 1 });
    const pfs = fastMetadata(sim, { ostCount: 4 });
    const ended: Transfer[] = [];
    for (const stripeCount of [1, 2, 3]) pfs.write(GB, { stripeCount, onDone: (t) => ended.push(t) });
    pfs.read(GB, { stripeCount: 2, startOst: 3, onDone: (t) => ended.push(t) });
    pfs.write(GB, { stripeCount: 9, onDone: (t) => ended.push(t) });
    sim.run();
    expect(ended.map((t) => [t.kind, t.stripeCountWanted, t.osts])).toEqual(
      expect.arrayContaining([
        ["write", 1, [0]],
        ["write", 2, [1, 2]],
        ["write", 3, [3, 0, 1]],
        ["read", 2, [3, 0]],
        ["write", 9, [2, 3, 0, 1]], // no more stripes than OSTs
      ]),
    );
  });
});

describe("parallel filesystem: checkpoint time emerges from contention", () => {
  /** Call-to-end times of N jobs writing `bytes` each at once. */
  function checkpointAll(jobs: number, bytes: number, stripeCount: number): number[] {
    const sim = new Sim({ seed: 1 });
    const pfs = fastMetadata(sim, { ostCount: 8 });
    const ended: Transfer[] = [];
    for (let job = 0; job < jobs; job++) writeAt(sim, pfs, 0, bytes, ended, stripeCount);
    sim.run();
    expect(ended.length).toBe(jobs);
    return ended.map((t) => t.durationUs);
  }

  it("stays flat while jobs have OSTs to themselves, then grows linearly with the job count", () => {
    // 8 OSTs × 5 GB/s, one stripe each, 10 GB per job: 2 s per job on its own OST; with N
    // jobs round-robin, ⌈N / 8⌉ jobs share the busiest OST, which sets the slowest checkpoint.
    for (const jobs of [1, 4, 8, 9, 16, 24, 40, 64]) {
      const times = checkpointAll(jobs, 10 * GB, 1);
      expect(Math.max(...times)).toBe(1 + 2 * S * Math.ceil(jobs / 8));
      if (jobs % 8 === 0) expect(new Set(times).size).toBe(1); // every job alike
    }
  });

  it("divides the aggregate bandwidth among jobs striped over every OST", () => {
    // 40 GB/s in all; N jobs of 40 GB each take N s.
    for (const jobs of [1, 2, 5, 10, 20]) {
      expect(checkpointAll(jobs, 40 * GB, 8)).toEqual(new Array(jobs).fill(1 + jobs * S));
    }
  });
});

describe("parallel filesystem: metadata", () => {
  it("lets a small-file storm time out at the MDS while the OSTs sit idle", () => {
    // 5,000 writes of 4 KiB at once; MDS 1,000 ops/s, 1 s timeout. Open k (from 0) ends at
    // (k + 1) ms, so 1,000 writes get through and 4,000 time out in their metadata phase.
    // Each 4 KiB write then takes 1 µs on the OST (0.8 µs rounded up).
    const sim = new Sim({ seed: 1 });
    const pfs = fastMetadata(sim, { ostCount: 4, metadataOpsPerSec: 1_000, metadataTimeoutUs: 1 * S });
    const ended: Transfer[] = [];
    for (let k = 0; k < 5_000; k++) pfs.write(4_096, { onDone: (t) => ended.push(t) });
    sim.run();
    expect(pfs.transfersCompleted).toBe(1_000);
    expect(pfs.transfersTimedOut).toBe(4_000);
    expect(ended.filter((t) => t.status === "timed-out").every((t) => t.failedPhase === "metadata")).toBe(true);
    expect(pfs.metadata.timedOutCount).toBe(4_000);
    expect(pfs.bytesMoved).toBe(1_000 * 4_096);
    expect(pfs.busyUs(sim.now)).toBe(1_000); // 1 µs per write; the OSTs idle 99.9% of the second
    // Durations 1,001, 2,001, …, 1,000,001 µs; type-7 p99 sits at position 0.99 × 999 = 989.01.
    expect(pfs.transferTimeP99Us()).toBeCloseTo(990_001 + 0.01 * 1_000, 6);
  });

  it("rejects transfers whose open finds the MDS queue full", () => {
    const sim = new Sim({ seed: 1 });
    const pfs = fastMetadata(sim, { metadataOpsPerSec: 1_000, metadataQueueMax: 10 });
    const ended: Transfer[] = [];
    for (let k = 0; k < 25; k++) pfs.write(1_000, { onDone: (t) => ended.push(t) });
    sim.run();
    expect(pfs.transfersRejected).toBe(15);
    expect(pfs.transfersCompleted).toBe(10);
    expect(ended.filter((t) => t.status === "rejected").map((t) => t.endUs)).toEqual(new Array(15).fill(0));
  });

  it("counts metadata ops of a storm against the same queue as transfers", () => {
    const sim = new Sim({ seed: 1 });
    const pfs = fastMetadata(sim, { metadataOpsPerSec: 1_000, metadataTimeoutUs: 100 * MS });
    pfs.metadataStorm(1_000);
    const ended: Transfer[] = [];
    pfs.write(1_000, { onDone: (t) => ended.push(t) });
    let statOutcome = "";
    pfs.metadataOp((outcome) => (statOutcome = outcome));
    sim.run();
    expect(pfs.metadata.completedCount).toBe(100); // ops answered by 100 ms
    expect(ended[0].status).toBe("timed-out");
    expect(ended[0].failedPhase).toBe("metadata");
    expect(statOutcome).toBe("timed-out");
  });
});

describe("parallel filesystem: faults and timeouts", () => {
  it("stalls stripes on a failed OST until it is restored", () => {
    // 10 GB on OST 0: 1 s of data (5 GB), 2 s stalled, 1 s more: ends at 4 s + 1 µs.
    const sim = new Sim({ seed: 1 });
    const pfs = fastMetadata(sim, { ostCount: 2 });
    const ended: Transfer[] = [];
    writeAt(sim, pfs, 0, 10 * GB, ended);
    sim.scheduleAt(1 * S + 1, () => pfs.failOst(0));
    sim.scheduleAt(3 * S + 1, () => pfs.restoreOst(0));
    sim.run();
    expect(ended[0].endUs).toBe(4 * S + 1);
    expect(pfs.ostBusyUs(0, sim.now)).toBe(2 * S);
    expect(sim.records.map((r) => r.kind)).toEqual(["OstFailed", "OstRestored"]);
  });

  it("places new files away from failed OSTs", () => {
    const sim = new Sim({ seed: 1 });
    const pfs = fastMetadata(sim, { ostCount: 4 });
    pfs.failOst(1);
    pfs.failOst(2);
    const ended: Transfer[] = [];
    pfs.write(GB, { stripeCount: 4, onDone: (t) => ended.push(t) });
    pfs.write(GB, { stripeCount: 1, onDone: (t) => ended.push(t) });
    sim.run();
    expect(ended.map((t) => t.osts)).toEqual([[0, 3], [0]]);
    expect(() => pfs.failOst(1)).toThrow(AssertionFailure);
  });

  it("times out a transfer stalled on a failed OST and keeps what it had moved", () => {
    // Striped over OSTs 0 and 1, 5 GB each; OST 1 fails at 0.5 s + 1 µs. OST 0's stripe ends
    // at 1 s + 1 µs; OST 1's has 2.5 GB when the 3 s timeout fires.
    const sim = new Sim({ seed: 1 });
    const pfs = fastMetadata(sim, { ostCount: 2 });
    const ended: Transfer[] = [];
    pfs.write(10 * GB, { stripeCount: 2, timeoutUs: 3 * S, onDone: (t) => ended.push(t) });
    sim.scheduleAt(S / 2 + 1, () => pfs.failOst(1));
    sim.run();
    const [t] = ended;
    expect(t.status).toBe("timed-out");
    expect(t.failedPhase).toBe("data");
    expect(t.endUs).toBe(3 * S);
    expect(t.movedBytes).toBe(7.5 * GB);
    expect(pfs.bytesMoved).toBe(7.5 * GB);
    expect(pfs.ostActiveCount(1)).toBe(0);
    expect(pfs.transfersTimedOut).toBe(1);
  });

  it("follows a degraded OST", () => {
    // 10 GB: 1 s at 5 GB/s, then 5 GB at 1 GB/s (factor 0.2): 5 s. Ends at 6 s + 1 µs.
    const sim = new Sim({ seed: 1 });
    const pfs = fastMetadata(sim);
    const ended: Transfer[] = [];
    writeAt(sim, pfs, 0, 10 * GB, ended);
    sim.scheduleAt(1 * S + 1, () => pfs.degradeOst(0, 0.2));
    sim.run();
    expect(ended[0].endUs).toBe(6 * S + 1);
  });

  it("cancels without calling back, and frees the OST for the others", () => {
    // Two 10 GB writers share OST 0; one is cancelled at 1 s + 1 µs (each had 2.5 GB). The
    // other's 7.5 GB then take 1.5 s alone: ends at 2.5 s + 1 µs.
    const sim = new Sim({ seed: 1 });
    const pfs = fastMetadata(sim);
    const ended: Transfer[] = [];
    const victim = pfs.write(10 * GB, { onDone: (t) => ended.push(t) });
    pfs.write(10 * GB, { onDone: (t) => ended.push(t) });
    sim.scheduleAt(1 * S + 1, () => expect(pfs.cancel(victim)).toBe(true));
    sim.run();
    expect(ended.length).toBe(1);
    expect(ended[0].endUs).toBe(2.5 * S + 1);
    expect(victim.status).toBe("cancelled");
    expect(victim.movedBytes).toBe(2.5 * GB);
    expect(pfs.cancel(victim)).toBe(false);
    expect(pfs.bytesMoved).toBe(12.5 * GB);
  });

  it("runs the same way twice", () => {
    const run = (): string => {
      const sim = new Sim({ seed: 3 });
      const pfs = fastMetadata(sim, { ostCount: 3, metadataService: "exponential", metadataOpsPerSec: 10_000 });
      const ends: number[] = [];
      for (let k = 0; k < 200; k++) writeAt(sim, pfs, k * 997, (k % 7) * GB + 1, [] as Transfer[], 1 + (k % 3));
      sim.scheduleAt(5 * S, () => pfs.metadataStorm(10));
      sim.run();
      ends.push(pfs.bytesMoved, pfs.transferTimeP99Us(), sim.now);
      return JSON.stringify(ends);
    };
    expect(run()).toBe(run());
  });
});
