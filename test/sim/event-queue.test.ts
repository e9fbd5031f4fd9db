import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventQueue, SlotKind } from "../../sim/event-queue.js";
import { RngStream } from "../../sim/rng.js";

/** What one popped, live entry held. */
interface Popped {
  readonly timeUs: number;
  readonly target: unknown;
  readonly arg: unknown;
}

/**
 * Pops the earliest live entry, dropping cancelled ones on the way, as `Sim.run` does.
 * Returns null when only cancelled entries (or nothing) remain.
 */
function popLive(queue: EventQueue): Popped | null {
  while (queue.peekTime() !== Infinity) {
    const slot = queue.popSlot();
    const kind = queue.kindOf(slot);
    const popped = { timeUs: queue.timeOfPopped, target: queue.targetOf(slot), arg: queue.argOf(slot) };
    queue.release(slot);
    if (kind !== SlotKind.Cancelled) return popped;
  }
  return null;
}

/** Pops everything live and returns the targets in order. */
function drainTargets(queue: EventQueue): unknown[] {
  const targets: unknown[] = [];
  for (let popped = popLive(queue); popped !== null; popped = popLive(queue)) targets.push(popped.target);
  return targets;
}

describe("EventQueue ordering", () => {
  it("pops by time, and equal times in scheduling order", () => {
    const queue = new EventQueue();
    queue.push(5, SlotKind.Callback, "c@5", null);
    queue.push(1, SlotKind.Callback, "a@1", null);
    queue.push(5, SlotKind.Callback, "d@5", null);
    queue.push(3, SlotKind.Callback, "b@3", null);
    queue.push(5, SlotKind.Callback, "e@5", null);
    queue.push(0, SlotKind.Callback, "first@0", null);

    const log: [unknown, number][] = [];
    for (let popped = popLive(queue); popped !== null; popped = popLive(queue)) {
      log.push([popped.target, popped.timeUs]);
    }
    expect(log).toEqual([
      ["first@0", 0],
      ["a@1", 1],
      ["b@3", 3],
      ["c@5", 5],
      ["d@5", 5],
      ["e@5", 5],
    ]);
  });

  it("keeps FIFO order among 1,000 events at the same time", () => {
    const queue = new EventQueue(8);
    for (let i = 0; i < 1_000; i++) queue.push(42, SlotKind.Callback, i, null);
    expect(drainTargets(queue)).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
  });

  it("orders an event pushed after some pops behind earlier pushes at the same time", () => {
    // The sequence is global, so a later push at an equal time goes last even after the
    // heap has been reshaped by pops.
    const queue = new EventQueue();
    queue.push(10, SlotKind.Callback, "x", null);
    queue.push(10, SlotKind.Callback, "y", null);
    queue.push(2, SlotKind.Callback, "early", null);
    expect(popLive(queue)?.target).toBe("early");
    queue.push(10, SlotKind.Callback, "z", null);
    queue.push(9, SlotKind.Callback, "w", null);
    expect(drainTargets(queue)).toEqual(["w", "x", "y", "z"]);
  });

  it("hands back kind, target and argument of each slot", () => {
    const queue = new EventQueue();
    const target = { name: "process" };
    queue.push(7, SlotKind.ProcessThrow, target, "why");
    const slot = queue.popSlot();
    expect(queue.timeOfPopped).toBe(7);
    expect(queue.kindOf(slot)).toBe(SlotKind.ProcessThrow);
    expect(queue.targetOf(slot)).toBe(target);
    expect(queue.argOf(slot)).toBe("why");
    queue.release(slot);
    expect(queue.kindOf(slot)).toBe(SlotKind.Free);
    expect(queue.targetOf(slot)).toBeNull();
  });

  it("reports Infinity as the next time when empty, and counts every push", () => {
    const queue = new EventQueue();
    expect(queue.peekTime()).toBe(Infinity);
    queue.push(3, SlotKind.Callback, "a", null);
    queue.push(1, SlotKind.Callback, "b", null);
    expect(queue.peekTime()).toBe(1);
    expect(queue.scheduledCount).toBe(2);
    drainTargets(queue);
    expect(queue.peekTime()).toBe(Infinity);
    expect(queue.scheduledCount).toBe(2);
  });
});

describe("EventQueue cancellation", () => {
  it("never runs a cancelled event", () => {
    const queue = new EventQueue();
    queue.push(1, SlotKind.Callback, "a", null);
    const b = queue.push(2, SlotKind.Callback, "b", null);
    queue.push(3, SlotKind.Callback, "c", null);
    expect(queue.cancel(b)).toBe(true);
    expect(drainTargets(queue)).toEqual(["a", "c"]);
  });

  it("returns false when cancelling twice", () => {
    const queue = new EventQueue();
    const a = queue.push(1, SlotKind.Callback, "a", null);
    expect(queue.cancel(a)).toBe(true);
    expect(queue.cancel(a)).toBe(false);
    expect(queue.pendingCount).toBe(0);
  });

  it("returns false when cancelling an event that already ran", () => {
    const queue = new EventQueue();
    const a = queue.push(1, SlotKind.Callback, "a", null);
    expect(drainTargets(queue)).toEqual(["a"]);
    expect(queue.cancel(a)).toBe(false);
    expect(queue.pendingCount).toBe(0);
  });

  it("does not let a stale handle cancel the slot's next occupant", () => {
    const queue = new EventQueue();
    const old = queue.push(1, SlotKind.Callback, "old", null);
    expect(drainTargets(queue)).toEqual(["old"]);
    // The free list hands the same slot to the next push; only the generation differs.
    const fresh = queue.push(2, SlotKind.Callback, "fresh", null);
    expect(fresh % (1 << 24)).toBe(old % (1 << 24));
    expect(fresh).not.toBe(old);
    expect(queue.cancel(old)).toBe(false);
    expect(queue.pendingCount).toBe(1);
    expect(drainTargets(queue)).toEqual(["fresh"]);
  });

  it("does not let a stale handle of a cancelled event cancel the slot's next occupant", () => {
    const queue = new EventQueue();
    const old = queue.push(1, SlotKind.Callback, "old", null);
    queue.cancel(old);
    expect(drainTargets(queue)).toEqual([]);
    const fresh = queue.push(2, SlotKind.Callback, "fresh", null);
    expect(queue.cancel(old)).toBe(false);
    expect(drainTargets(queue)).toEqual(["fresh"]);
    expect(queue.cancel(fresh)).toBe(false);
  });

  it("rejects handles it never issued", () => {
    const queue = new EventQueue();
    queue.push(1, SlotKind.Callback, "a", null);
    expect(queue.cancel(-1)).toBe(false);
    expect(queue.cancel(5)).toBe(false); // slot 5 was never used
    expect(queue.pendingCount).toBe(1);
  });

  it("excludes cancelled events from pendingCount before and after they are dropped", () => {
    const queue = new EventQueue();
    const handles = [5, 1, 4, 2, 3].map((t) => queue.push(t, SlotKind.Callback, t, null));
    expect(queue.pendingCount).toBe(5);
    queue.cancel(handles[1]); // time 1, at the top of the heap
    queue.cancel(handles[4]); // time 3
    expect(queue.pendingCount).toBe(3);
    // The cancelled entry at time 1 is still in the heap until popped.
    expect(queue.peekTime()).toBe(1);
    expect(popLive(queue)?.target).toBe(2);
    expect(queue.pendingCount).toBe(2);
    expect(drainTargets(queue)).toEqual([4, 5]);
    expect(queue.pendingCount).toBe(0);
  });
});

describe("EventQueue growth", () => {
  it("grows from capacity 4 to 10,000 events and still pops in (time, sequence) order", () => {
    const queue = new EventQueue(4);
    const rng = new RngStream(7, "test.event-queue.growth");
    const count = 10_000;
    const times: number[] = [];
    const handles: number[] = [];
    for (let i = 0; i < count; i++) {
      // Few distinct times, so most keys tie and the sequence decides.
      const time = rng.integer(0, 500);
      times.push(time);
      handles.push(queue.push(time, SlotKind.Callback, i, null));
    }
    const cancelled = new Set<number>();
    for (let i = 0; i < count; i += 7) {
      expect(queue.cancel(handles[i])).toBe(true);
      cancelled.add(i);
    }
    expect(queue.pendingCount).toBe(count - cancelled.size);

    const expected = Array.from({ length: count }, (_, i) => i)
      .filter((i) => !cancelled.has(i))
      .sort((a, b) => times[a] - times[b] || a - b); // byTimeThenSequence
    expect(drainTargets(queue)).toEqual(expected);
    expect(queue.pendingCount).toBe(0);
  });

  it("reuses slots: a steady state of push/pop does not change behaviour", () => {
    const queue = new EventQueue(2);
    let now = 0;
    const seen: number[] = [];
    queue.push(0, SlotKind.Callback, 0, null);
    for (let i = 1; i <= 5_000; i++) {
      const popped = popLive(queue);
      expect(popped).not.toBeNull();
      now = popped!.timeUs;
      seen.push(popped!.target as number);
      queue.push(now + (i % 3), SlotKind.Callback, i, null);
    }
    expect(seen).toEqual(Array.from({ length: 5_000 }, (_, i) => i));
  });
});

/** One step of the random workload the property test drives. */
type Op =
  | { readonly kind: "push"; readonly timeUs: number }
  | { readonly kind: "cancel"; readonly pick: number }
  | { readonly kind: "pop" };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("push" as const), timeUs: fc.integer({ min: 0, max: 20 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("pop" as const) }) },
);

describe("EventQueue against a reference", () => {
  it("pops what a sorted list of (time, sequence) minus cancellations would", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(opArbitrary, { maxLength: 300 }), (capacity, ops) => {
        const queue = new EventQueue(capacity);
        // The reference: every event ever pushed, with its state; a pop takes the live
        // event with the smallest (time, sequence).
        interface Entry {
          readonly id: number;
          readonly timeUs: number;
          readonly handle: number;
          state: "pending" | "cancelled" | "popped";
        }
        const entries: Entry[] = [];

        const referencePop = (): Entry | null => {
          let best: Entry | null = null;
          for (const entry of entries) {
            if (entry.state !== "pending") continue;
            if (best === null || entry.timeUs < best.timeUs) best = entry; // ids rise with sequence
          }
          if (best !== null) best.state = "popped";
          return best;
        };

        for (const op of ops) {
          if (op.kind === "push") {
            const id = entries.length;
            const handle = queue.push(op.timeUs, SlotKind.Callback, id, null);
            entries.push({ id, timeUs: op.timeUs, handle, state: "pending" });
          } else if (op.kind === "cancel") {
            if (entries.length === 0) continue;
            // Any handle ever issued, including ones that ran or whose slot was reused.
            const entry = entries[op.pick % entries.length];
            const expected = entry.state === "pending";
            expect(queue.cancel(entry.handle)).toBe(expected);
            if (expected) entry.state = "cancelled";
          } else {
            const expected = referencePop();
            const actual = popLive(queue);
            expect(actual?.target ?? null).toBe(expected?.id ?? null);
            if (expected !== null) expect(actual?.timeUs).toBe(expected.timeUs);
          }
          expect(queue.pendingCount).toBe(entries.filter((e) => e.state === "pending").length);
        }

        const rest: number[] = [];
        for (let entry = referencePop(); entry !== null; entry = referencePop()) rest.push(entry.id);
        expect(drainTargets(queue)).toEqual(rest);
        expect(queue.scheduledCount).toBe(entries.length);
      }),
      { seed: 20240601, numRuns: 300 },
    );
  });
});
