import { describe, expect, it } from "vitest";
import { MetadataServer, type MetadataOutcome } from "../../models/storage/metadata-server.js";
import { Sim } from "../../sim/sim.js";

const MS = 1_000;
const S = 1_000_000;

describe("metadata server", () => {
  it("answers 1,000 of a 5,000-op burst at 1,000 ops/s with a 1 s timeout; 4,000 time out", () => {
    // Fixed service 1 ms: op k (from 0) is answered at (k + 1) ms. It must be answered by
    // its deadline, 1 s: k + 1 ≤ 1,000, so ops 0…999 succeed and 1,000…4,999 time out at 1 s.
    const sim = new Sim({ seed: 1 });
    const mds = new MetadataServer(sim, { name: "mds", opsPerSec: 1_000, queueMax: 10_000, timeoutUs: 1 * S });
    const answers: Array<[MetadataOutcome, number]> = [];
    for (let k = 0; k < 5_000; k++) mds.submit((outcome, index: number) => (answers[index] = [outcome, sim.now]), k);
    sim.run();
    expect(mds.completedCount).toBe(1_000);
    expect(mds.timedOutCount).toBe(4_000);
    expect(mds.rejectedCount).toBe(0);
    expect(answers[0]).toEqual(["completed", 1 * MS]);
    expect(answers[999]).toEqual(["completed", 1 * S]);
    expect(answers[1_000]).toEqual(["timed-out", 1 * S]);
    expect(answers[4_999]).toEqual(["timed-out", 1 * S]);
    expect(mds.held).toBe(0);
  });

  it("rejects what does not fit in the queue, at once but not from inside submit", () => {
    // The queue holds 100 ops counting the one in service: 250 submitted, 150 rejected.
    const sim = new Sim({ seed: 1 });
    const mds = new MetadataServer(sim, { name: "mds", opsPerSec: 1_000, queueMax: 100, timeoutUs: 10 * S });
    const rejectedAtUs: number[] = [];
    let answeredInsideSubmit = 0;
    let submitting = true;
    for (let k = 0; k < 250; k++) {
      mds.submit((outcome) => {
        if (submitting) answeredInsideSubmit++;
        if (outcome === "rejected") rejectedAtUs.push(sim.now);
      });
    }
    submitting = false;
    expect(mds.rejectedCount).toBe(150);
    sim.run();
    expect(answeredInsideSubmit).toBe(0);
    expect(rejectedAtUs).toEqual(new Array(150).fill(0));
    expect(mds.completedCount).toBe(100);
    expect(sim.now).toBe(100 * MS);
  });

  it("times out an op in service at its deadline yet spends the service on it", () => {
    // 2 ops/s (500 ms each), timeout 800 ms. Story:
    //   0 ms    a, b, c arrive; a starts
    //   500 ms  a answered; b starts (would end at 1,000 ms, past its 800 ms deadline)
    //   800 ms  c (never started) and b time out
    //   900 ms  d arrives; the server is still busy with b
    //   1000 ms b's wasted service ends; d starts
    //   1500 ms d answered (deadline 1,700 ms)
    const sim = new Sim({ seed: 1 });
    const mds = new MetadataServer(sim, { name: "mds", opsPerSec: 2, queueMax: 10, timeoutUs: 800 * MS });
    const log: Array<[string, MetadataOutcome, number]> = [];
    const submit = (name: string): void => mds.submit((outcome) => log.push([name, outcome, sim.now / MS]));
    submit("a");
    submit("b");
    submit("c");
    sim.scheduleAt(900 * MS, () => submit("d"));
    sim.run();
    expect(log).toEqual([
      ["a", "completed", 500],
      ["c", "timed-out", 800], // the queue's timer was set (at 0 ms) before b's (at 500 ms)
      ["b", "timed-out", 800],
      ["d", "completed", 1_500],
    ]);
    expect(mds.responseTimesUs.sortedValues()).toEqual(new Float64Array([500 * MS, 600 * MS]));
  });

  it("keeps exact service times when they are not whole µs", () => {
    // 3,000 ops/s: 333.3 µs each. 3,000 ops end at exactly 1 s, not at 3,000 × 334 µs.
    const sim = new Sim({ seed: 1 });
    const mds = new MetadataServer(sim, { name: "mds", opsPerSec: 3_000, queueMax: 3_000, timeoutUs: 10 * S });
    let lastUs = 0;
    for (let k = 0; k < 3_000; k++) mds.submit(() => (lastUs = sim.now));
    sim.run();
    expect(lastUs).toBe(1 * S);
    expect(mds.completedCount).toBe(3_000);
  });

  it("draws exponential service from its own stream: same seed, same answers; mean near 1/rate", () => {
    const run = (seed: number): number[] => {
      const sim = new Sim({ seed });
      const mds = new MetadataServer(sim, { name: "mds0", opsPerSec: 1_000, queueMax: 20_000, timeoutUs: 100 * S, service: "exponential" });
      const times: number[] = [];
      for (let k = 0; k < 10_000; k++) mds.submit(() => times.push(sim.now));
      sim.run();
      return times;
    };
    const first = run(7);
    expect(run(7)).toEqual(first);
    expect(run(8)).not.toEqual(first);
    // 10,000 exponential services of mean 1 ms: total 10 s, standard deviation 0.1 s.
    expect(Math.abs(first[first.length - 1] - 10 * S)).toBeLessThan(0.4 * S);
  });
});
