import { assert } from "./assert.js";

/**
 * The pending-event set: a binary min-heap ordered by (time, sequence).
 *
 * Keys live in typed arrays indexed by heap position, and each entry points at a slot
 * that holds what to run (a target and an argument). Slots are recycled through a free
 * list and the arrays grow by doubling, so a push or a pop allocates nothing once the
 * queue has reached its working size. The sequence number is a global counter, so events
 * at equal time leave in the order they were scheduled (SimPy's `(time, priority, eid)`).
 *
 * Cancellation is lazy: a cancelled slot stays in the heap with kind CANCELLED and is
 * dropped when it reaches the top. A handle carries the slot's generation, so a handle
 * to an event that already ran (and whose slot was reused) cancels nothing.
 */

/** What a slot holds; the simulator dispatches on it. */
export const enum SlotKind {
  Free = 0,
  Cancelled = 1,
  Callback = 2,
  ProcessResume = 3,
  ProcessThrow = 4,
}

/** Slots addressable by a handle; a handle is `generation * SLOT_LIMIT + slot`. */
const SLOT_LIMIT = 1 << 24;
const GENERATION_LIMIT = 1 << 28;

export class EventQueue {
  /** Heap, by position: time in µs, sequence, slot. */
  #times: Float64Array;
  #seqs: Float64Array;
  #slotsByPosition: Int32Array;
  #size = 0;
  #cancelledCount = 0;
  #nextSeq = 0;

  /** Slots, by slot id. */
  #kinds: Uint8Array;
  #generations: Uint32Array;
  #targets: unknown[];
  #args: unknown[];
  #freeSlots: Int32Array;
  #freeCount = 0;
  #slotCount = 0;

  /** Time of the entry the last `popSlot` removed. */
  timeOfPopped = 0;

  constructor(capacity = 1024) {
    assert(capacity > 0);
    this.#times = new Float64Array(capacity);
    this.#seqs = new Float64Array(capacity);
    this.#slotsByPosition = new Int32Array(capacity);
    this.#kinds = new Uint8Array(capacity);
    this.#generations = new Uint32Array(capacity);
    this.#targets = new Array<unknown>(capacity).fill(null);
    this.#args = new Array<unknown>(capacity).fill(null);
    this.#freeSlots = new Int32Array(capacity);
  }

  /** Events still to run (cancelled ones excluded). */
  get pendingCount(): number {
    return this.#size - this.#cancelledCount;
  }

  /** Sequence numbers handed out so far: a count of everything ever scheduled. */
  get scheduledCount(): number {
    return this.#nextSeq;
  }

  /** Time of the earliest entry, cancelled or not; Infinity when empty. */
  peekTime(): number {
    return this.#size > 0 ? this.#times[0] : Infinity;
  }

  /** Adds an event and returns its handle for `cancel`. */
  push(timeUs: number, kind: SlotKind, target: unknown, arg: unknown): number {
    const slot = this.#takeSlot();
    this.#kinds[slot] = kind;
    this.#targets[slot] = target;
    this.#args[slot] = arg;

    if (this.#size === this.#times.length) this.#growHeap();
    const seq = this.#nextSeq++;
    const times = this.#times;
    const seqs = this.#seqs;
    const slots = this.#slotsByPosition;
    let i = this.#size++;
    // Sift up with a hole: move parents down until the new key fits.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const parentTime = times[parent];
      if (parentTime < timeUs || (parentTime === timeUs && seqs[parent] < seq)) break;
      times[i] = parentTime;
      seqs[i] = seqs[parent];
      slots[i] = slots[parent];
      i = parent;
    }
    times[i] = timeUs;
    seqs[i] = seq;
    slots[i] = slot;
    return this.#generations[slot] * SLOT_LIMIT + slot;
  }

  /**
   * Removes the earliest entry and returns its slot. The caller reads `kindOf`, `targetOf`
   * and `argOf`, then calls `release(slot)`.
   */
  popSlot(): number {
    assert(this.#size > 0);
    const times = this.#times;
    const seqs = this.#seqs;
    const slots = this.#slotsByPosition;
    const top = slots[0];
    this.timeOfPopped = times[0];
    const size = --this.#size;
    if (size > 0) {
      const lastTime = times[size];
      const lastSeq = seqs[size];
      const lastSlot = slots[size];
      let i = 0;
      // Sift down with a hole: move the smaller child up until the last key fits.
      for (;;) {
        let child = 2 * i + 1;
        if (child >= size) break;
        let childTime = times[child];
        const right = child + 1;
        if (right < size) {
          const rightTime = times[right];
          if (rightTime < childTime || (rightTime === childTime && seqs[right] < seqs[child])) {
            child = right;
            childTime = rightTime;
          }
        }
        if (lastTime < childTime || (lastTime === childTime && lastSeq < seqs[child])) break;
        times[i] = childTime;
        seqs[i] = seqs[child];
        slots[i] = slots[child];
        i = child;
      }
      times[i] = lastTime;
      seqs[i] = lastSeq;
      slots[i] = lastSlot;
    }
    if (this.#kinds[top] === SlotKind.Cancelled) this.#cancelledCount--;
    return top;
  }

  kindOf(slot: number): SlotKind {
    return this.#kinds[slot] as SlotKind;
  }

  targetOf(slot: number): unknown {
    return this.#targets[slot];
  }

  argOf(slot: number): unknown {
    return this.#args[slot];
  }

  /** Returns a popped slot to the free list; its old handles stop matching. */
  release(slot: number): void {
    this.#kinds[slot] = SlotKind.Free;
    this.#targets[slot] = null;
    this.#args[slot] = null;
    this.#generations[slot] = (this.#generations[slot] + 1) % GENERATION_LIMIT;
    this.#freeSlots[this.#freeCount++] = slot;
  }

  /** Cancels a pending event. Returns false when it already ran or was cancelled. */
  cancel(handle: number): boolean {
    const slot = handle % SLOT_LIMIT;
    const generation = (handle - slot) / SLOT_LIMIT;
    if (slot >= this.#slotCount) return false;
    if (this.#generations[slot] !== generation) return false;
    const kind = this.#kinds[slot];
    if (kind === SlotKind.Free || kind === SlotKind.Cancelled) return false;
    this.#kinds[slot] = SlotKind.Cancelled;
    this.#targets[slot] = null;
    this.#args[slot] = null;
    this.#cancelledCount++;
    return true;
  }

  #takeSlot(): number {
    if (this.#freeCount > 0) return this.#freeSlots[--this.#freeCount];
    if (this.#slotCount === this.#kinds.length) this.#growSlots();
    assert(this.#slotCount < SLOT_LIMIT, "more than 16M pending events");
    return this.#slotCount++;
  }

  #growHeap(): void {
    const capacity = this.#times.length * 2;
    this.#times = grow(this.#times, new Float64Array(capacity));
    this.#seqs = grow(this.#seqs, new Float64Array(capacity));
    this.#slotsByPosition = grow(this.#slotsByPosition, new Int32Array(capacity));
  }

  #growSlots(): void {
    const capacity = this.#kinds.length * 2;
    this.#kinds = grow(this.#kinds, new Uint8Array(capacity));
    this.#generations = grow(this.#generations, new Uint32Array(capacity));
    this.#freeSlots = grow(this.#freeSlots, new Int32Array(capacity));
    for (let i = this.#targets.length; i < capacity; i++) {
      this.#targets.push(null);
      this.#args.push(null);
    }
  }
}

function grow<T extends Float64Array | Int32Array | Uint32Array | Uint8Array>(from: T, to: T): T {
  to.set(from as never);
  return to;
}
