import { assert } from "./assert.js";
import { EventQueue, SlotKind } from "./event-queue.js";
import { RngStream } from "./rng.js";
import { TIME_MAX_US } from "./time.js";

/** The handle of an event due past the end of time (TIME_MAX_US): it never runs, and cancelling it does nothing. */
export const NEVER = -1;

/**
 * The simulation kernel: a clock, the event queue, processes, signals and named random
 * streams. It knows nothing of clusters.
 *
 * Two ways to react to time:
 * - callbacks: `schedule(delayUs, callback, arg)`. Components bind their callbacks once
 *   (`this.#onJobEnded = (job) => …`) so scheduling allocates nothing;
 * - processes: generators that `yield` a delay in µs (`yield sim.timeout(5 * US_PER_S)`)
 *   or a `Signal`. A process is resumed straight from its queue slot: a wait allocates no
 *   event object.
 */

/** A callback run at its event's time with the argument it was scheduled with. */
export type EventCallback = (arg: any) => void;

/** What a process may yield: a delay in whole µs, or a signal to wait for. */
export type Yieldable = number | Signal;

/** A process body. The value sent back in is the signal's value (or undefined). */
export type ProcessBody = Generator<Yieldable, void, unknown>;

/** Thrown into a process by `Process.interrupt`. `cause` says what happened. */
export class Interrupt extends Error {
  override readonly name = "Interrupt";
  override readonly cause: unknown;

  constructor(cause: unknown) {
    super(`interrupted: ${String(cause)}`);
    this.cause = cause;
  }
}

/** A one-shot event that processes can wait for (SimPy's `Event`). */
export class Signal {
  #waiters: Process[] = [];
  #triggered = false;
  #value: unknown = undefined;

  get triggered(): boolean {
    return this.#triggered;
  }

  get value(): unknown {
    return this.#value;
  }

  /** Wakes every waiter at the current time, in the order they started waiting. */
  trigger(value?: unknown): void {
    assert(!this.#triggered, "a signal triggers once");
    this.#triggered = true;
    this.#value = value;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const process of waiters) process._resumeLater(0, value);
  }

  /** @internal */
  _addWaiter(process: Process): void {
    if (this.#triggered) process._resumeLater(0, this.#value);
    else this.#waiters.push(process);
  }

  /** @internal */
  _removeWaiter(process: Process): void {
    const index = this.#waiters.indexOf(process);
    if (index >= 0) this.#waiters.splice(index, 1);
  }
}

/** A running generator. */
export class Process {
  readonly #sim: Sim;
  readonly #body: ProcessBody;
  /** Handle of the pending resume, or -1. */
  #pendingHandle = -1;
  #waitingOn: Signal | null = null;
  #done: Signal | null = null;
  #finished = false;
  /** True while the body runs; see `interrupt`. */
  #stepping = false;

  constructor(sim: Sim, body: ProcessBody) {
    this.#sim = sim;
    this.#body = body;
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** A signal triggered when the process returns; yield it to join. */
  get done(): Signal {
    if (this.#done === null) {
      this.#done = new Signal();
      if (this.#finished) this.#done.trigger();
    }
    return this.#done;
  }

  /** Throws an `Interrupt` into the process at the current time, ending its current wait. */
  interrupt(cause: unknown): void {
    assert(!this.#finished, "cannot interrupt a finished process");
    // The pending-resume handle is only set after the body yields, so an interrupt from
    // inside the body would leave its next wait live and resume it later by mistake.
    // SimPy forbids this too.
    assert(!this.#stepping, "a process cannot interrupt itself");
    if (this.#pendingHandle >= 0) this.#sim._cancel(this.#pendingHandle);
    if (this.#waitingOn !== null) this.#waitingOn._removeWaiter(this);
    this.#waitingOn = null;
    this.#pendingHandle = this.#sim._scheduleProcess(0, SlotKind.ProcessThrow, this, new Interrupt(cause));
  }

  /** @internal */
  _resumeLater(delayUs: number, value: unknown): void {
    this.#waitingOn = null;
    this.#pendingHandle = this.#sim._scheduleProcess(delayUs, SlotKind.ProcessResume, this, value);
  }

  /** @internal Runs the body up to its next yield. */
  _step(value: unknown, isThrow: boolean): void {
    this.#pendingHandle = -1;
    this.#stepping = true;
    let result: IteratorResult<Yieldable, void>;
    try {
      result = isThrow ? this.#body.throw(value) : this.#body.next(value);
    } finally {
      this.#stepping = false;
    }
    if (result.done === true) {
      this.#finished = true;
      if (this.#done !== null) this.#done.trigger();
      return;
    }
    const yielded = result.value;
    if (typeof yielded === "number") {
      this.#pendingHandle = this.#sim._scheduleProcess(yielded, SlotKind.ProcessResume, this, undefined);
    } else {
      this.#waitingOn = yielded;
      yielded._addWaiter(this);
    }
  }
}

/** A fact the simulation logged, such as a node crash. `kind` is past tense. */
export interface SimRecord {
  readonly kind: string;
  readonly [field: string]: unknown;
}

export interface SimOptions {
  /** Master seed; every stream's seed derives from it and the stream's name. */
  readonly seed: number;
  /** Keep `record()` calls in `records` (off in benchmarks). */
  readonly keepRecords?: boolean;
  /** Most records kept; later ones are counted in `recordsDropped`. Default 1,000,000 (about 150 MB). */
  readonly recordsMax?: number;
}

export class Sim {
  /** Current time in µs. */
  now = 0;
  readonly seed: number;
  readonly records: SimRecord[] = [];
  readonly #keepRecords: boolean;
  readonly #recordsMax: number;
  /** Records not kept because `records` was full. */
  recordsDropped = 0;
  readonly #queue = new EventQueue();
  readonly #streams = new Map<string, RngStream>();
  #stopped = false;
  #eventsRun = 0;

  constructor(options: SimOptions) {
    assert(Number.isInteger(options.seed), "seed must be an integer");
    this.seed = options.seed;
    this.#keepRecords = options.keepRecords ?? true;
    this.#recordsMax = options.recordsMax ?? 1_000_000;
  }

  /** Events run so far. */
  get eventsRun(): number {
    return this.#eventsRun;
  }

  /**
   * Whether an event (possibly a cancelled one) is due at the current time: work deferred
   * "to the end of this instant" may run at once when none is.
   */
  get moreDueNow(): boolean {
    return this.#queue.peekTime() <= this.now;
  }

  /** When the next event is due (Infinity when none is); it may be a cancelled one. */
  get nextEventUs(): number {
    return this.#queue.pendingCount > 0 ? this.#queue.peekTime() : Infinity;
  }

  /** Events waiting to run. */
  get pendingCount(): number {
    return this.#queue.pendingCount;
  }

  /** Runs `callback(arg)` after `delayUs`. Returns a handle for `cancel` (NEVER past the end of time). */
  schedule(delayUs: number, callback: EventCallback, arg?: unknown): number {
    checkDelay(delayUs);
    const timeUs = this.now + delayUs;
    if (timeUs > TIME_MAX_US) return NEVER;
    return this.#queue.push(timeUs, SlotKind.Callback, callback, arg);
  }

  /** Runs `callback(arg)` at absolute time `timeUs` (not in the past). */
  scheduleAt(timeUs: number, callback: EventCallback, arg?: unknown): number {
    checkDelay(timeUs - this.now);
    if (timeUs > TIME_MAX_US) return NEVER;
    return this.#queue.push(timeUs, SlotKind.Callback, callback, arg);
  }

  /** Cancels a scheduled callback. Returns false when it already ran, was cancelled or never runs. */
  cancel(handle: number): boolean {
    return handle !== NEVER && this.#queue.cancel(handle);
  }

  /** Starts a process now (its body first runs at the current time, after events already due). */
  process(body: ProcessBody): Process {
    const process = new Process(this, body);
    process._resumeLater(0, undefined);
    return process;
  }

  /** A delay for a process to yield. Returns its argument: a wait allocates nothing. */
  timeout(delayUs: number): number {
    checkDelay(delayUs);
    return delayUs;
  }

  signal(): Signal {
    return new Signal();
  }

  /** The stream named `name`, created on first use from (seed, name). */
  rng(name: string): RngStream {
    let stream = this.#streams.get(name);
    if (stream === undefined) {
      stream = new RngStream(this.seed, name);
      this.#streams.set(name, stream);
    }
    return stream;
  }

  /** Whether `record` keeps what it is given; callers skip building costly records when not. */
  get recording(): boolean {
    return this.#keepRecords;
  }

  /** Logs a fact at the current time; past `recordsMax`, only counts it. */
  record(record: SimRecord): void {
    if (!this.#keepRecords) return;
    if (this.records.length < this.#recordsMax) this.records.push({ timeUs: this.now, ...record });
    else this.recordsDropped++;
  }

  /** Ends `run` after the current event. */
  stop(): void {
    this.#stopped = true;
  }

  /** Whether the last `run` ended because `stop()` was called. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Runs events in (time, sequence) order until none are left, `stop()` is called, or the
   * next event is later than `untilUs`; then the clock reads `untilUs` (if finite).
   * With `maxEvents`, returns after running that many, the clock at the last one's time
   * (a live view's slice of work; events of that instant may still be due).
   */
  run(untilUs = Infinity, maxEvents = Infinity): void {
    const queue = this.#queue;
    const lastEvent = this.#eventsRun + maxEvents;
    this.#stopped = false;
    // pendingCount first: peekTime() is Infinity when the queue is empty, and that is
    // <= the default untilUs, so without it run() would pop from an empty queue.
    while (!this.#stopped && queue.pendingCount > 0 && queue.peekTime() <= untilUs) {
      if (this.#eventsRun >= lastEvent) return;
      const slot = queue.popSlot();
      const kind = queue.kindOf(slot);
      if (kind === SlotKind.Cancelled) {
        queue.release(slot);
        continue;
      }
      const target = queue.targetOf(slot);
      const arg = queue.argOf(slot);
      const time = queue.timeOfPopped;
      assert(time >= this.now, "time went backwards");
      this.now = time;
      queue.release(slot);
      this.#eventsRun++;
      if (kind === SlotKind.Callback) {
        (target as EventCallback)(arg);
      } else {
        (target as Process)._step(arg, kind === SlotKind.ProcessThrow);
      }
    }
    if (!this.#stopped && untilUs !== Infinity && untilUs > this.now) this.now = untilUs;
  }

  /** @internal */
  _scheduleProcess(delayUs: number, kind: SlotKind, process: Process, value: unknown): number {
    checkDelay(delayUs);
    const timeUs = this.now + delayUs;
    // A process waiting past the end of time is never resumed: it waits forever.
    if (timeUs > TIME_MAX_US) return NEVER;
    return this.#queue.push(timeUs, kind, process, value);
  }

  /** @internal */
  _cancel(handle: number): void {
    this.#queue.cancel(handle);
  }
}

/** A delay is a whole number of µs, or so large (Infinity included) that its event never runs. */
function checkDelay(delayUs: number): void {
  assert(delayUs >= 0, "delay must not be negative");
  assert(delayUs === Math.floor(delayUs), "delay must be a whole number of microseconds");
}
