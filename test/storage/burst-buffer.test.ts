import { describe, expect, it } from "vitest";
import { BurstBuffer, type BurstBufferOptions, type BurstBufferWrite } from "../../models/storage/burst-buffer.js";
import { ParallelFilesystem } from "../../models/storage/parallel-fs.js";
import { AssertionFailure } from "../../sim/assert.js";
import { Sim } from "../../sim/sim.js";

const GB = 1e9;
const S = 1_000_000;

/**
 * A 10 GB/s buffer of 100 GB in front of a filesystem of two 1 GB/s OSTs whose MDS answers
 * an open within the first µs: a drain's data phase starts 1 µs after the drain begins.
 */
function setup(options: Partial<BurstBufferOptions> = {}) {
  const sim = new Sim({ seed: 1 });
  const pfs = new ParallelFilesystem(sim, {
    name: "lustre",
    ostCount: 2,
    ostGBps: 1,
    metadataOpsPerSec: 1e8,
    metadataQueueMax: 1_000,
    metadataTimeoutUs: 60 * S,
  });
  const buffer = new BurstBuffer(sim, pfs, {
    name: "bb",
    capacityBytes: 100 * GB,
    bandwidthGBps: 10,
    waitingWritesMax: 8,
    drainRetryDelayUs: 1 * S,
    ...options,
  });
  const log: string[] = [];
  const track = (name: string) => ({
    onDone: (w: BurstBufferWrite) => log.push(`${w.safeUs || sim.now} ${name} ${w.status}${w.level === null ? "" : ` in ${w.level}`}`),
    onDrained: (w: BurstBufferWrite) => log.push(`${w.drainedUs} ${name} drained`),
    onLost: () => log.push(`${sim.now} ${name} lost`),
  });
  return { sim, pfs, buffer, log, track };
}

describe("burst buffer", () => {
  it("makes a checkpoint safe at buffer speed and drains it later at filesystem speed", () => {
    // 20 GB at 10 GB/s: safe at 2 s. Drain: open 1 µs, 20 GB on one 1 GB/s OST: 20 s.
    const { sim, buffer, log, track } = setup();
    const write = buffer.write(20 * GB, track("ckpt"));
    sim.scheduleAt(3 * S, () => expect(buffer.freeBytes).toBe(80 * GB));
    sim.run();
    expect(log).toEqual(["2000000 ckpt completed in burst-buffer", "22000001 ckpt drained"]);
    expect(write.durationUs).toBe(2 * S);
    expect(buffer.freeBytes).toBe(100 * GB);
    expect(buffer.drainsCompleted).toBe(1);
  });

  it("shares its bandwidth between concurrent writers, and drains them to different OSTs", () => {
    const { sim, buffer, log, track } = setup();
    buffer.write(10 * GB, track("a"));
    buffer.write(10 * GB, track("b"));
    sim.run();
    expect(log).toEqual([
      "2000000 a completed in burst-buffer",
      "2000000 b completed in burst-buffer",
      "12000001 a drained",
      "12000001 b drained",
    ]);
  });

  it("holds a write back until a drain frees space, and sends the overflow straight to the filesystem", () => {
    // 30 GB buffer, room for one waiting write. a (20 GB) fits; b (20 GB) waits; c falls back.
    //   c: open, then 20 GB alone on OST 0: safe (and on the filesystem) at 20 s + 1 µs
    //   a: safe at 2 s; drained via OST 1 at 2 s + 1 µs + 20 s = 22 s + 1 µs, freeing 20 GB
    //   b: starts at 22 s + 1 µs, safe 2 s later; drained via OST 0 at 44 s + 2 µs
    const { sim, buffer, log, track } = setup({ capacityBytes: 30 * GB, waitingWritesMax: 1 });
    buffer.write(20 * GB, track("a"));
    const b = buffer.write(20 * GB, track("b"));
    const c = buffer.write(20 * GB, track("c"));
    expect([b.status, c.status, buffer.waitingCount]).toEqual(["waiting", "writing", 1]);
    sim.run();
    expect(log).toEqual([
      "2000000 a completed in burst-buffer",
      "20000001 c completed in parallel-fs",
      "20000001 c drained",
      "22000001 a drained",
      "24000001 b completed in burst-buffer",
      "44000002 b drained",
    ]);
    expect(b.durationUs).toBe(24 * S + 1);
    expect(buffer.writesFellBack).toBe(1);
    expect(buffer.usedBytes.max).toBe(20 * GB);
  });

  it("sends a write larger than the whole buffer to the filesystem", () => {
    const { sim, buffer, log, track } = setup({ capacityBytes: 10 * GB });
    buffer.write(11 * GB, track("big"));
    sim.run();
    expect(log).toEqual(["11000001 big completed in parallel-fs", "11000001 big drained"]);
  });

  it("times out a write still waiting for space", () => {
    const { sim, buffer, log, track } = setup({ capacityBytes: 30 * GB });
    buffer.write(20 * GB, track("a"));
    const b = buffer.write(20 * GB, { ...track("b"), timeoutUs: 5 * S });
    sim.run();
    expect(log).toEqual(["2000000 a completed in burst-buffer", "5000000 b timed-out", "22000001 a drained"]);
    expect(b.status).toBe("timed-out");
    expect(buffer.waitingCount).toBe(0);
    expect(buffer.writesTimedOut).toBe(1);
  });

  it("loses undrained copies when it fails, keeps drained ones, and fails writes in flight", () => {
    //   0 s          early (1 GB): safe at 0.1 s, drained via OST 0 at 1.1 s + 1 µs
    //   2 s          ckpt (20 GB): safe at 4 s, draining via OST 1 (20 s)
    //   5 s          late (20 GB) starts writing: would be safe at 7 s
    //   6 s          the buffer fails: ckpt is lost, late fails
    //   after        a write while failed goes to the filesystem; after restore, to the buffer
    const { sim, pfs, buffer, log, track } = setup();
    const early = buffer.write(1 * GB, track("early"));
    let ckpt: BurstBufferWrite | null = null;
    sim.scheduleAt(2 * S, () => (ckpt = buffer.write(20 * GB, track("ckpt"))));
    sim.scheduleAt(5 * S, () => buffer.write(20 * GB, track("late")));
    sim.scheduleAt(6 * S, () => {
      buffer.fail();
      buffer.write(1 * GB, track("during"));
    });
    sim.scheduleAt(30 * S, () => {
      buffer.restore();
      buffer.write(1 * GB, track("after"));
    });
    sim.run();
    expect(log).toEqual([
      "100000 early completed in burst-buffer",
      "1100001 early drained",
      "4000000 ckpt completed in burst-buffer",
      "6000000 ckpt lost",
      "6000000 late failed",
      "7000001 during completed in parallel-fs",
      "7000001 during drained",
      "30100000 after completed in burst-buffer",
      "31100001 after drained",
    ]);
    expect(early.lost).toBe(false);
    expect(ckpt!.lost).toBe(true);
    expect(ckpt!.drained).toBe(false);
    expect(buffer.copiesLost).toBe(1);
    // The lost copy's drain was cancelled after 2 s − 1 µs at 1 GB/s.
    expect(pfs.transfersCancelled).toBe(1);
    expect(pfs.bytesMoved).toBe((1 + 1 + 1) * GB + (2 * S - 1) * 1_000);
    expect(buffer.freeBytes).toBe(100 * GB);
    expect(() => buffer.restore()).toThrow(AssertionFailure);
  });

  it("retries a drain the filesystem rejected", () => {
    // An MDS of 1 op/s holding one op is busy with a storm op until 1 s: the drain's open at
    // 0.1 s is rejected. The retry at 1.1 s finds it free: the open takes 1 s, then 1 GB at
    // 1 GB/s takes 1 s more.
    const sim = new Sim({ seed: 1 });
    const pfs = new ParallelFilesystem(sim, { name: "lustre", ostCount: 1, ostGBps: 1, metadataOpsPerSec: 1, metadataQueueMax: 1, metadataTimeoutUs: 10 * S });
    const buffer = new BurstBuffer(sim, pfs, { name: "bb", capacityBytes: 10 * GB, bandwidthGBps: 10, waitingWritesMax: 0, drainRetryDelayUs: 1 * S });
    pfs.metadataStorm(1);
    const write = buffer.write(1 * GB);
    sim.run();
    expect(pfs.transfersRejected).toBe(1);
    expect(write.drainedUs).toBe(S / 10 + 1 * S + 1 * S + 1 * S);
  });
});
