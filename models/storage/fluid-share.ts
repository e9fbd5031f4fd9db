import { assert } from "../../sim/assert.js";
import type { Sim } from "../../sim/sim.js";

/**
 * One shared bandwidth resource (a disk, an OST, a burst-buffer tier) served by processor
 * sharing in the fluid model: the n flows active on it each move bytes at capacity / n,
 * continuously, and the rates change only when a flow starts, ends, is removed, or the
 * capacity changes. Both the parallel filesystem (one resource per OST) and the burst
 * buffer use it, so their checkpoint times come out of the same arithmetic.
 *
 * Mechanics: a virtual clock. Every active flow receives the same service, so instead of
 * bringing each flow's remaining bytes up to date on every change, the resource keeps one
 * number, `virtualBytes`: the bytes each active flow has received since the last rebase.
 * A flow that starts when it reads V and carries b bytes ends when it reaches V + b; flows
 * sit in a min-heap by that finishing point, so a start, an end or a removal costs
 * O(log n) and one (re)scheduled event, whatever the number of flows (the virtual-time
 * trick of fair-queueing schedulers: Demers, Keshav and Shenker, SIGCOMM 1989; Parekh and
 * Gallager's GPS). This is exactly "bring every affected flow up to date at the old rates,
 * recompute rates, reschedule the next completion", done lazily.
 *
 * Time is whole µs: a completion is scheduled at the ceiling of its exact time, so a flow
 * never finishes early and a resource never moves more than capacity × elapsed. A flow with
 * less than one byte left when an event fires counts as done (`DONE_BYTES`), so flows that
 * end together on paper are not split by rounding noise.
 *
 * Leaves out: per-flow rate caps and weights (every active flow gets an equal share), and
 * any overhead of switching between flows. Sources: Kleinrock's processor-sharing queue
 * (J. ACM 1967); the fluid sharing SimGrid uses for disks and links (Velho et al., "On the
 * validity of flow-level TCP network models for grid and cloud simulations", TOMACS 2013).
 */

/** A flow with less than this many bytes left counts as done. */
export const DONE_BYTES = 1;

/** Virtual clock value above which the clock is shifted back to zero, to keep it precise. */
const REBASE_BYTES = 2 ** 40;

/** Shaves rounding noise off a completion delay before its ceiling, µs. */
const CEIL_SLACK_US = 1e-9;

/** Bytes per µs in one GB/s (decimal gigabytes, as storage vendors quote). */
export const BYTES_PER_US_PER_GBPS = 1_000;

/** Converts GB/s (10^9 bytes/s) to bytes per µs. */
export function gbpsToBytesPerUs(GBps: number): number {
  return GBps * BYTES_PER_US_PER_GBPS;
}

/** One transfer through a shared resource. `owner` is whatever the caller hangs on it. */
export class Flow<T> {
  readonly owner: T;
  /** Bytes to move. */
  readonly bytes: number;
  /** Time the flow started, µs. */
  readonly startUs: number;
  /** @internal Virtual clock when the flow started. */
  _startV: number;
  /** @internal Virtual clock at which the flow is done. */
  _finishV: number;
  /** @internal Position in the heap, or -1 when not active. */
  _heapIndex = -1;
  /** @internal Tie-break between equal finishing points: order of `add`. */
  readonly _seq: number;

  constructor(owner: T, bytes: number, startUs: number, startV: number, seq: number) {
    this.owner = owner;
    this.bytes = bytes;
    this.startUs = startUs;
    this._startV = startV;
    this._finishV = startV + bytes;
    this._seq = seq;
  }

  /** Still moving bytes (not done, not removed). */
  get active(): boolean {
    return this._heapIndex >= 0;
  }
}

export interface SharedBandwidthOptions {
  /** For assertion messages and records. */
  readonly name: string;
  /** Bytes per µs the resource moves when healthy (1 GB/s = 1,000 bytes/µs). */
  readonly capacityBytesPerUs: number;
  /** Most flows active at once; more is a bug in the caller, which must bound its load. */
  readonly flowsMax: number;
}

/** A resource shared equally by its active flows (processor sharing, fluid model). */
export class SharedBandwidth<T> {
  readonly #sim: Sim;
  readonly #options: SharedBandwidthOptions;
  readonly #onFlowDone: (flow: Flow<T>) => void;
  readonly #onEvent = (): void => this.#complete();
  /** Active flows, a binary min-heap by (finishing point, sequence). */
  readonly #heap: Flow<T>[] = [];
  /** Flows that ended at the current event, handed to `onFlowDone` after the state settles. */
  readonly #ended: Flow<T>[] = [];
  #capacityBytesPerUs: number;
  /** Service each active flow has received since the last rebase, bytes. */
  #virtualBytes = 0;
  /** Time up to which the virtual clock is current, µs. */
  #lastUs: number;
  #eventHandle = -1;
  #eventAtUs = -1;
  #nextSeq = 0;
  #busyUs = 0;
  #bytesCompleted = 0;
  #bytesRemoved = 0;

  /** `onFlowDone` runs at the flow's completion, never from inside `add` or `remove`. */
  constructor(sim: Sim, options: SharedBandwidthOptions, onFlowDone: (flow: Flow<T>) => void) {
    assert(options.capacityBytesPerUs >= 0, "capacity must not be negative");
    assert(Number.isFinite(options.capacityBytesPerUs), "capacity must be finite");
    assert(Number.isInteger(options.flowsMax) && options.flowsMax > 0, "flowsMax must be a positive integer");
    this.#sim = sim;
    this.#options = options;
    this.#onFlowDone = onFlowDone;
    this.#capacityBytesPerUs = options.capacityBytesPerUs;
    this.#lastUs = sim.now;
  }

  get name(): string {
    return this.#options.name;
  }

  /** Flows moving bytes now. */
  get activeCount(): number {
    return this.#heap.length;
  }

  /** Current capacity, bytes per µs (0 while failed). */
  get capacityBytesPerUs(): number {
    return this.#capacityBytesPerUs;
  }

  /** Bytes of flows that completed. */
  get bytesCompleted(): number {
    return this.#bytesCompleted;
  }

  /** Bytes that removed flows had moved before they were removed. */
  get bytesRemoved(): number {
    return this.#bytesRemoved;
  }

  /** Time with at least one flow active and capacity above zero, up to `nowUs`. */
  busyUs(nowUs: number): number {
    assert(nowUs >= this.#lastUs, "time went backwards");
    const moving = this.#heap.length > 0 && this.#capacityBytesPerUs > 0;
    return this.#busyUs + (moving ? nowUs - this.#lastUs : 0);
  }

  /** Starts a flow of `bytes` now. */
  add(bytes: number, owner: T): Flow<T> {
    assert(bytes > 0, "a flow carries bytes");
    assert(Number.isFinite(bytes), "a flow's bytes must be finite");
    assert(this.#heap.length < this.#options.flowsMax, `${this.#options.name}: more than flowsMax flows`);
    this.#advance();
    const flow = new Flow(owner, bytes, this.#sim.now, this.#virtualBytes, this.#nextSeq++);
    this.#push(flow);
    this.#reschedule();
    return flow;
  }

  /** Stops an active flow now; returns the bytes it had moved. `onFlowDone` is not called. */
  remove(flow: Flow<T>): number {
    assert(flow.active, "only an active flow can be removed");
    assert(this.#heap[flow._heapIndex] === flow, "flow belongs to another resource");
    this.#advance();
    const movedBytes = Math.min(flow.bytes, Math.max(0, this.#virtualBytes - flow._startV));
    this.#removeAt(flow._heapIndex);
    this.#bytesRemoved += movedBytes;
    this.#reschedule();
    return movedBytes;
  }

  /** Changes the capacity from now on (0 stalls every flow until it rises again). */
  setCapacity(capacityBytesPerUs: number): void {
    assert(capacityBytesPerUs >= 0, "capacity must not be negative");
    assert(Number.isFinite(capacityBytesPerUs), "capacity must be finite");
    this.#advance();
    this.#capacityBytesPerUs = capacityBytesPerUs;
    this.#reschedule();
  }

  /** Brings the virtual clock up to now at the rates that held since the last change. */
  #advance(): void {
    const nowUs = this.#sim.now;
    const elapsedUs = nowUs - this.#lastUs;
    assert(elapsedUs >= 0, "time went backwards");
    const count = this.#heap.length;
    if (elapsedUs > 0 && count > 0 && this.#capacityBytesPerUs > 0) {
      this.#virtualBytes += (elapsedUs * this.#capacityBytesPerUs) / count;
      this.#busyUs += elapsedUs;
    }
    this.#lastUs = nowUs;
    if (this.#virtualBytes > REBASE_BYTES) this.#rebase();
  }

  /** Shifts every finishing point by the same amount: the heap order is unchanged. */
  #rebase(): void {
    const shift = this.#virtualBytes;
    for (const flow of this.#heap) {
      flow._startV -= shift;
      flow._finishV -= shift;
    }
    this.#virtualBytes = 0;
  }

  #reschedule(): void {
    const count = this.#heap.length;
    if (count === 0) this.#virtualBytes = 0; // Idle: restart the clock where it is most precise.
    if (count === 0 || this.#capacityBytesPerUs === 0) {
      this.#cancelEvent();
      return;
    }
    const leftBytes = this.#heap[0]._finishV - this.#virtualBytes;
    const exactUs = (leftBytes * count) / this.#capacityBytesPerUs;
    const atUs = this.#sim.now + Math.max(0, Math.ceil(exactUs - CEIL_SLACK_US));
    if (this.#eventHandle >= 0 && this.#eventAtUs === atUs) return;
    this.#cancelEvent();
    this.#eventHandle = this.#sim.scheduleAt(atUs, this.#onEvent);
    this.#eventAtUs = atUs;
  }

  #cancelEvent(): void {
    if (this.#eventHandle >= 0) this.#sim.cancel(this.#eventHandle);
    this.#eventHandle = -1;
    this.#eventAtUs = -1;
  }

  #complete(): void {
    this.#eventHandle = -1;
    this.#eventAtUs = -1;
    this.#advance();
    const heap = this.#heap;
    const ended = this.#ended;
    while (heap.length > 0 && heap[0]._finishV - this.#virtualBytes <= DONE_BYTES) {
      const flow = heap[0];
      this.#removeAt(0);
      this.#bytesCompleted += flow.bytes;
      ended.push(flow);
    }
    // The event was set for the earliest finishing point; it must have been reached.
    assert(ended.length > 0, `${this.#options.name}: completion event found no finished flow`);
    this.#reschedule();
    // Callbacks may add or remove flows here; only this event handler uses `ended`.
    for (let i = 0; i < ended.length; i++) this.#onFlowDone(ended[i]);
    ended.length = 0;
  }

  // Binary heap by (finishing point, sequence).

  #less(a: Flow<T>, b: Flow<T>): boolean {
    return a._finishV < b._finishV || (a._finishV === b._finishV && a._seq < b._seq);
  }

  #push(flow: Flow<T>): void {
    this.#heap.push(flow);
    flow._heapIndex = this.#heap.length - 1;
    this.#siftUp(flow._heapIndex);
  }

  #removeAt(index: number): void {
    const heap = this.#heap;
    const removed = heap[index];
    const last = heap.pop() as Flow<T>;
    removed._heapIndex = -1;
    if (index === heap.length) return;
    heap[index] = last;
    last._heapIndex = index;
    this.#siftUp(index);
    this.#siftDown(last._heapIndex);
  }

  #siftUp(index: number): void {
    const heap = this.#heap;
    const flow = heap[index];
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex];
      if (!this.#less(flow, parent)) break;
      heap[index] = parent;
      parent._heapIndex = index;
      index = parentIndex;
    }
    heap[index] = flow;
    flow._heapIndex = index;
  }

  #siftDown(index: number): void {
    const heap = this.#heap;
    const count = heap.length;
    const flow = heap[index];
    for (;;) {
      const left = 2 * index + 1;
      if (left >= count) break;
      const right = left + 1;
      const child = right < count && this.#less(heap[right], heap[left]) ? right : left;
      if (!this.#less(heap[child], flow)) break;
      heap[index] = heap[child];
      heap[index]._heapIndex = index;
      index = child;
    }
    heap[index] = flow;
    flow._heapIndex = index;
  }
}
