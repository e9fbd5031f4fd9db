import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BurstBuffer, type BurstBufferWrite } from "../../models/storage/burst-buffer.js";
import { ParallelFilesystem, type Transfer } from "../../models/storage/parallel-fs.js";
import { Sim } from "../../sim/sim.js";

/**
 * Properties of the storage models, judged by checkers written here, apart from the models:
 * bytes are conserved, no OST moves more than its bandwidth allows over any window, and the
 * OSTs' processor sharing agrees with a naive reference simulation (every flow's remaining
 * bytes updated at every change, in continuous time).
 */

const BYTES_PER_US_PER_GBPS = 1_000;

interface TransferSpec {
  readonly atUs: number;
  readonly bytes: number;
  readonly stripeCount: number;
  readonly startOst: number | null;
  readonly read: boolean;
  readonly timeoutUs: number | null;
}

const transferSpec = (timeouts: boolean) =>
  fc.record({
    atUs: fc.integer({ min: 0, max: 3_000_000 }),
    bytes: fc.integer({ min: 1, max: 20_000_000_000 }),
    stripeCount: fc.integer({ min: 1, max: 6 }),
    startOst: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
    read: fc.boolean(),
    timeoutUs: timeouts ? fc.option(fc.integer({ min: 1, max: 5_000_000 }), { nil: null }) : fc.constant(null),
  });

function makeFilesystem(sim: Sim, ostCount: number, ostGBps: number): ParallelFilesystem {
  // Opens take 0.01 µs: the metadata phase never holds a transfer back more than 1 µs.
  return new ParallelFilesystem(sim, { name: "pfs", ostCount, ostGBps, metadataOpsPerSec: 1e8, metadataQueueMax: 1_000, metadataTimeoutUs: 1e9 });
}

/** Submits every spec at its time; returns the transfers (in spec order) and how often each called back. */
function submitAll(sim: Sim, pfs: ParallelFilesystem, specs: readonly TransferSpec[]) {
  const transfers: Transfer[] = new Array(specs.length);
  const callbacks = new Array<number>(specs.length).fill(0);
  specs.forEach((spec, index) => {
    sim.scheduleAt(spec.atUs, () => {
      const options = {
        stripeCount: spec.stripeCount,
        startOst: spec.startOst === null ? undefined : spec.startOst % pfs.ostCount,
        timeoutUs: spec.timeoutUs ?? undefined,
        onDone: () => callbacks[index]++,
      };
      transfers[index] = spec.read ? pfs.read(spec.bytes, options) : pfs.write(spec.bytes, options);
    });
  });
  return { transfers, callbacks };
}

/** Stripes of completed transfers, by OST: [start µs, end µs, bytes]. */
function stripesByOst(transfers: readonly Transfer[], ostCount: number): Array<Array<[number, number, number]>> {
  const byOst: Array<Array<[number, number, number]>> = Array.from({ length: ostCount }, () => []);
  for (const t of transfers) {
    if (t.status !== "completed" || t.bytes === 0) continue;
    for (const ost of t.osts) byOst[ost].push([t.dataStartUs, t.endUs, t.bytes / t.osts.length]);
  }
  return byOst;
}

/**
 * Over every window [a, b] from a stripe start to a stripe end, the stripes that lie inside
 * it moved at most capacity × (b − a). (A stripe ends no later than its transfer.)
 */
function checkCapacity(byOst: Array<Array<[number, number, number]>>, capacityBytesPerUs: number): void {
  for (const stripes of byOst) {
    for (const [a] of stripes) {
      for (const [, b] of stripes) {
        if (b <= a) continue;
        let inside = 0;
        for (const [start, end, bytes] of stripes) if (start >= a && end <= b) inside += bytes;
        expect(inside).toBeLessThanOrEqual(capacityBytesPerUs * (b - a) * (1 + 1e-12) + 1e-3);
      }
    }
  }
}

/** Naive processor sharing in continuous time: finishing time of each arrival. */
function referenceFinishUs(arrivals: ReadonlyArray<readonly [number, number]>, capacityBytesPerUs: number): number[] {
  const order = arrivals.map((_, index) => index).sort((x, y) => arrivals[x][0] - arrivals[y][0] || x - y);
  const finish = new Array<number>(arrivals.length).fill(NaN);
  const active: Array<{ index: number; left: number }> = [];
  let next = 0;
  let nowUs = 0;
  while (next < order.length || active.length > 0) {
    if (active.length === 0) nowUs = arrivals[order[next]][0];
    while (next < order.length && arrivals[order[next]][0] <= nowUs) {
      active.push({ index: order[next], left: arrivals[order[next]][1] });
      next++;
    }
    const share = capacityBytesPerUs / active.length;
    let soonest = active[0];
    for (const flow of active) if (flow.left < soonest.left) soonest = flow;
    const soonestUs = nowUs + soonest.left / share;
    const arrivalUs = next < order.length ? arrivals[order[next]][0] : Infinity;
    const untilUs = Math.min(soonestUs, arrivalUs);
    for (const flow of active) flow.left -= (untilUs - nowUs) * share;
    // The soonest flow is done by construction, whatever the rounding says.
    if (soonestUs <= arrivalUs) soonest.left = 0;
    nowUs = untilUs;
    for (let i = active.length - 1; i >= 0; i--) {
      if (active[i].left <= 1e-3) {
        finish[active[i].index] = nowUs;
        active.splice(i, 1);
      }
    }
  }
  return finish;
}

describe("storage properties", () => {
  it("conserves bytes, respects OST bandwidth, and matches reference processor sharing", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(transferSpec(false), { minLength: 1, maxLength: 30 }),
        (ostCount, ostGBps, specs) => {
          const sim = new Sim({ seed: 1, keepRecords: false });
          const pfs = makeFilesystem(sim, ostCount, ostGBps);
          const { transfers, callbacks } = submitAll(sim, pfs, specs);
          sim.run();
          const capacity = ostGBps * BYTES_PER_US_PER_GBPS;

          // Every transfer ended once, completed, and the bytes add up.
          expect(callbacks.every((count) => count === 1)).toBe(true);
          expect(transfers.every((t) => t.status === "completed")).toBe(true);
          const submitted = specs.reduce((sum, spec) => sum + spec.bytes, 0);
          expect(pfs.bytesMoved).toBe(submitted);
          let byOsts = 0;
          for (let ost = 0; ost < ostCount; ost++) byOsts += pfs.ostBytesMoved(ost);
          expect(Math.abs(byOsts - submitted)).toBeLessThanOrEqual(submitted * 1e-12 + 1);
          expect(pfs.inFlightCount).toBe(0);

          // No OST beyond its bandwidth, over any window.
          const byOst = stripesByOst(transfers, ostCount);
          checkCapacity(byOst, capacity);

          // Against the reference: each stripe of b bytes on an OST is a flow arriving at the
          // transfer's data start; a transfer ends when its last stripe does. The model rounds
          // each completion up to a whole µs, which can delay later ones by up to 1 µs per
          // completion on the same OSTs.
          const finishes = new Map<Transfer, number>();
          for (let ost = 0; ost < ostCount; ost++) {
            const onOst = transfers.filter((t) => t.osts.includes(ost));
            const reference = referenceFinishUs(
              onOst.map((t) => [t.dataStartUs, t.bytes / t.osts.length] as const),
              capacity,
            );
            onOst.forEach((t, i) => finishes.set(t, Math.max(finishes.get(t) ?? 0, reference[i])));
          }
          const slackUs = transfers.length + 1;
          for (const t of transfers) {
            const referenceUs = finishes.get(t) as number;
            expect(t.endUs).toBeGreaterThanOrEqual(Math.ceil(referenceUs - 1e-3));
            expect(t.endUs).toBeLessThanOrEqual(referenceUs + slackUs);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("conserves bytes through OST failures, degradations, cancellations and timeouts", () => {
    const action = fc.record({
      atUs: fc.integer({ min: 0, max: 8_000_000 }),
      verb: fc.constantFrom("fail", "restore", "degrade", "cancel"),
      target: fc.nat(),
      factor: fc.double({ min: 0.05, max: 1, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(transferSpec(true), { minLength: 1, maxLength: 25 }),
        fc.array(action, { maxLength: 15 }),
        (ostCount, specs, actions) => {
          const sim = new Sim({ seed: 1, keepRecords: false });
          const pfs = makeFilesystem(sim, ostCount, 5);
          const { transfers, callbacks } = submitAll(sim, pfs, specs);
          for (const { atUs, verb, target, factor } of actions) {
            sim.scheduleAt(atUs, () => {
              const ost = target % ostCount;
              if (verb === "fail" && !pfs.ostFailed(ost)) pfs.failOst(ost);
              if (verb === "restore") pfs.restoreOst(ost);
              if (verb === "degrade") pfs.degradeOst(ost, factor);
              if (verb === "cancel") {
                const victim = transfers[target % transfers.length];
                if (victim !== undefined) pfs.cancel(victim);
              }
            });
          }
          // Bring every OST back so every transfer ends.
          sim.scheduleAt(9_000_000, () => {
            for (let ost = 0; ost < ostCount; ost++) pfs.restoreOst(ost);
          });
          sim.run();

          expect(transfers.every((t) => t.ended)).toBe(true);
          transfers.forEach((t, i) => expect(callbacks[i]).toBe(t.status === "cancelled" ? 0 : 1));
          expect(pfs.transfersCompleted + pfs.transfersTimedOut + pfs.transfersCancelled + pfs.transfersRejected).toBe(specs.length);
          let moved = 0;
          for (const t of transfers) {
            if (t.status === "completed") expect(t.movedBytes).toBe(t.bytes);
            expect(t.movedBytes).toBeLessThanOrEqual(t.bytes * (1 + 1e-12));
            moved += t.movedBytes;
          }
          expect(Math.abs(pfs.bytesMoved - moved)).toBeLessThanOrEqual(moved * 1e-12 + 1);
          let byOsts = 0;
          for (let ost = 0; ost < ostCount; ost++) {
            byOsts += pfs.ostBytesMoved(ost);
            expect(pfs.ostActiveCount(ost)).toBe(0);
          }
          expect(Math.abs(byOsts - moved)).toBeLessThanOrEqual(moved * 1e-9 + 1);
          // Degradation only lowers bandwidth: completed stripes still fit under the full rate.
          checkCapacity(stripesByOst(transfers, ostCount), 5 * BYTES_PER_US_PER_GBPS);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("writes every checkpoint byte to the filesystem exactly once, through the buffer or around it", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.record({ atUs: fc.integer({ min: 0, max: 5_000_000 }), bytes: fc.integer({ min: 1, max: 30_000_000_000 }) }), {
          minLength: 1,
          maxLength: 30,
        }),
        (waitingWritesMax, specs) => {
          const sim = new Sim({ seed: 1, keepRecords: false });
          const pfs = makeFilesystem(sim, 3, 2);
          const capacityBytes = 50_000_000_000;
          const buffer = new BurstBuffer(sim, pfs, { name: "bb", capacityBytes, bandwidthGBps: 20, waitingWritesMax, drainRetryDelayUs: 1_000_000 });
          const writes: BurstBufferWrite[] = [];
          const done = new Array<number>(specs.length).fill(0);
          const drained = new Array<number>(specs.length).fill(0);
          specs.forEach((spec, index) =>
            sim.scheduleAt(spec.atUs, () =>
              writes.push(buffer.write(spec.bytes, { onDone: () => done[index]++, onDrained: () => drained[index]++ })),
            ),
          );
          sim.run();

          const submitted = specs.reduce((sum, spec) => sum + spec.bytes, 0);
          expect(done.every((count) => count === 1)).toBe(true);
          expect(drained.every((count) => count === 1)).toBe(true);
          expect(writes.every((w) => w.status === "completed" && w.drained && !w.lost)).toBe(true);
          expect(writes.every((w) => w.drainedUs >= w.safeUs && w.safeUs >= w.submittedUs)).toBe(true);
          const viaBuffer = writes.filter((w) => w.level === "burst-buffer").reduce((sum, w) => sum + w.bytes, 0);
          const around = writes.filter((w) => w.level === "parallel-fs").reduce((sum, w) => sum + w.bytes, 0);
          expect(viaBuffer + around).toBe(submitted);
          expect(buffer.bytesBuffered).toBe(viaBuffer);
          expect(buffer.bytesDrained).toBe(viaBuffer);
          expect(pfs.bytesMoved).toBe(submitted);
          expect(buffer.usedBytes.max).toBeLessThanOrEqual(capacityBytes);
          expect(buffer.usedBytes.value).toBe(0);
          expect(buffer.writesFellBack).toBe(writes.filter((w) => w.level === "parallel-fs").length);
        },
      ),
      { numRuns: 200 },
    );
  });
});
