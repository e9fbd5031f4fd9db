import { describe, expect, it } from "vitest";
import { SharedBandwidth, gbpsToBytesPerUs, type Flow } from "../../models/storage/fluid-share.js";
import { AssertionFailure } from "../../sim/assert.js";
import { Sim } from "../../sim/sim.js";

const GB = 1e9;
const S = 1_000_000;

/** A resource of `GBps` and a log of (name, time done). */
function setup(GBps: number) {
  const sim = new Sim({ seed: 1 });
  const log: Array<[string, number]> = [];
  const disk = new SharedBandwidth<string>(sim, { name: "disk", capacityBytesPerUs: gbpsToBytesPerUs(GBps), flowsMax: 100 }, (flow: Flow<string>) =>
    log.push([flow.owner, sim.now]),
  );
  const at = (timeUs: number, action: () => void): void => {
    sim.scheduleAt(timeUs, action);
  };
  return { sim, disk, log, at };
}

describe("processor sharing (fluid)", () => {
  it("moves 10 GB at 5 GB/s in exactly 2 s", () => {
    const { sim, disk, log } = setup(5);
    disk.add(10 * GB, "a");
    sim.run();
    expect(log).toEqual([["a", 2 * S]]);
    expect(disk.bytesCompleted).toBe(10 * GB);
    expect(disk.busyUs(sim.now)).toBe(2 * S);
  });

  it("halves each of two equal flows' rate: both take twice as long", () => {
    const { sim, disk, log } = setup(5);
    disk.add(10 * GB, "a");
    disk.add(10 * GB, "b");
    sim.run();
    expect(log).toEqual([
      ["a", 4 * S],
      ["b", 4 * S],
    ]);
  });

  it("shares from the moment a second flow joins halfway", () => {
    // a alone for 1 s moves 5 GB; then 2.5 GB/s each: a's last 5 GB take 2 s (done at 3 s),
    // by then b has 5 GB; alone again at 5 GB/s, b's last 5 GB take 1 s (done at 4 s).
    const { sim, disk, log, at } = setup(5);
    disk.add(10 * GB, "a");
    at(1 * S, () => disk.add(10 * GB, "b"));
    sim.run();
    expect(log).toEqual([
      ["a", 3 * S],
      ["b", 4 * S],
    ]);
  });

  it("gives back what a removed flow had moved and speeds up the others", () => {
    // 1 s shared: each moved 2.5 GB. Then b alone: 7.5 GB at 5 GB/s = 1.5 s, done at 2.5 s.
    const { sim, disk, log, at } = setup(5);
    const a = disk.add(10 * GB, "a");
    disk.add(10 * GB, "b");
    let moved = NaN;
    at(1 * S, () => {
      moved = disk.remove(a);
    });
    sim.run();
    expect(moved).toBe(2.5 * GB);
    expect(log).toEqual([["b", 2.5 * S]]);
    expect(disk.bytesRemoved).toBe(2.5 * GB);
  });

  it("stalls at zero capacity and follows a degraded capacity", () => {
    // 1 s at 5 GB/s (5 GB), 2 s stalled, then 2.5 GB/s for the last 5 GB: 2 s, done at 5 s.
    const { sim, disk, log, at } = setup(5);
    disk.add(10 * GB, "a");
    at(1 * S, () => disk.setCapacity(0));
    at(3 * S, () => disk.setCapacity(gbpsToBytesPerUs(2.5)));
    sim.run();
    expect(log).toEqual([["a", 5 * S]]);
    expect(disk.busyUs(sim.now)).toBe(3 * S);
  });

  it("rounds a completion up to the next whole µs, never down", () => {
    // 10 bytes at 3 bytes/µs: 3.33 µs on paper, 4 µs in whole µs.
    const sim = new Sim({ seed: 1 });
    const times: number[] = [];
    const disk = new SharedBandwidth<null>(sim, { name: "d", capacityBytesPerUs: 3, flowsMax: 2 }, () => times.push(sim.now));
    disk.add(10, null);
    sim.run();
    expect(times).toEqual([4]);
  });

  it("refuses more than flowsMax flows", () => {
    const sim = new Sim({ seed: 1 });
    const disk = new SharedBandwidth<null>(sim, { name: "d", capacityBytesPerUs: 1, flowsMax: 1 }, () => {});
    disk.add(1, null);
    expect(() => disk.add(1, null)).toThrow(AssertionFailure);
  });

  it("stays exact over a long busy run (the virtual clock rebases)", () => {
    // 3,000 back-to-back 1 TB flows on one 1 GB/s disk: each takes 1,000 s; the virtual clock
    // passes 2^40 bytes several times.
    const sim = new Sim({ seed: 1, keepRecords: false });
    const times: number[] = [];
    let left = 3_000;
    const disk: SharedBandwidth<string> = new SharedBandwidth<string>(sim, { name: "d", capacityBytesPerUs: 1_000, flowsMax: 4 }, (flow) => {
      times.push(sim.now);
      if (flow.owner === "long" && --left > 0) disk.add(1e12, "long");
    });
    disk.add(1e12, "long");
    disk.add(0.5e12, "short"); // shares the first 1,000 s, then leaves
    sim.run();
    expect(times.length).toBe(3_001);
    expect(times[0]).toBe(1_000 * S); // the 0.5 TB flow: 2 × 0.5 TB at 0.5 GB/s each
    expect(times[times.length - 1]).toBe((3_000 * 1_000 + 500) * S);
  });
});
