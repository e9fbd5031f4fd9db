import { assert } from "../../sim/assert.js";
import { SampleSet, TimeWeighted } from "../../sim/metrics.js";
import type { RngStream } from "../../sim/rng.js";
import type { Sim } from "../../sim/sim.js";
import { US_PER_S } from "../../sim/time.js";

/**
 * A filesystem's metadata server (Lustre's MDS): one FIFO server that handles every
 * create, open, close and stat, at `opsPerSec`. It is why a storm of tiny files can stall
 * a filesystem whose object storage sits idle.
 *
 * - Service: a fixed 1/`opsPerSec` per op (the default: queueing then follows by hand
 *   arithmetic), or exponential with that mean from the stream `storage.mds.<name>`.
 *   Service times are kept exact; events fire at the ceiling µs.
 * - Queue: at most `queueMax` ops held (waiting or in service); an op that finds it full is
 *   rejected at once (the client gets an error, as when the server's request buffers run out).
 * - Timeout: each op has a deadline, arrival + `timeoutUs` (the client's RPC timeout). An op
 *   succeeds only if its reply comes by the deadline. One still waiting at its deadline is
 *   dropped unserved (Lustre's ptlrpc server drops requests that expired while queued:
 *   "Dropping timed-out request" in `ptlrpc_server_handle_request`, ptlrpc/service.c); one
 *   already in service when its deadline passes times out at the client, but the server
 *   finishes it anyway, wasting that service (it cannot know the client gave up). Every op
 *   has the same timeout, so deadlines are in FIFO order and one timer covers the queue.
 * - Outcomes are delivered by callback, never from inside `submit`: a rejection is
 *   delivered by an event at the current time.
 *
 * Leaves out: several MDTs (DNE), per-op-type costs (a create costs more than a stat),
 * locks (LDLM) and lock contention on one directory, client metadata caching, adaptive
 * timeouts and resends. Sources: Lustre Operations Manual, "Understanding Lustre
 * Architecture" (MDS/MDT) and its sections on timeouts (`timeout`, adaptive timeouts);
 * Lustre's ptlrpc/service.c for the drop of expired requests.
 */

/**
 * Exact service times are sums of fractions (333.3 µs at 3,000 ops/s); this much rounding
 * noise, µs, is ignored when they are compared with deadlines or rounded up to whole µs.
 */
const SLACK_US = 1e-6;

export type MetadataOutcome = "completed" | "timed-out" | "rejected";

/** Called with the outcome and the `arg` given to `submit`. */
export type MetadataCallback = (outcome: MetadataOutcome, arg: any) => void;

export interface MetadataServerOptions {
  /** Names the random stream `storage.mds.<name>` and records. */
  readonly name: string;
  /** Service rate, ops per second. */
  readonly opsPerSec: number;
  /** Most ops held at once, waiting or in service. */
  readonly queueMax: number;
  /** Client RPC timeout, µs: an op not answered this long after it arrived times out. */
  readonly timeoutUs: number;
  /** "fixed" (default): every op takes 1/opsPerSec. "exponential": drawn with that mean. */
  readonly service?: "fixed" | "exponential";
}

class MetadataOp {
  readonly arrivalUs: number;
  readonly deadlineUs: number;
  readonly onDone: MetadataCallback;
  readonly arg: unknown;
  /** The client has its answer (reply, timeout or rejection). */
  answered = false;

  constructor(arrivalUs: number, deadlineUs: number, onDone: MetadataCallback, arg: unknown) {
    this.arrivalUs = arrivalUs;
    this.deadlineUs = deadlineUs;
    this.onDone = onDone;
    this.arg = arg;
  }
}

/** A FIFO metadata server with a bounded queue and client timeouts. */
export class MetadataServer {
  readonly #sim: Sim;
  readonly #options: MetadataServerOptions;
  readonly #serviceMeanUs: number;
  readonly #rng: RngStream | null;
  /** Waiting ops, FIFO: `#waiting[#head]` is the oldest. */
  #waiting: MetadataOp[] = [];
  #head = 0;
  #inService: MetadataOp | null = null;
  /** Exact time the op in service finishes, µs (may be fractional). */
  #serviceEndUs = 0;
  #expiryHandle = -1;
  readonly #onServiceEnd = (): void => this.#endService();
  readonly #onExpiry = (): void => this.#expireWaiting();
  readonly #onClientTimeout = (op: MetadataOp): void => this.#answer(op, "timed-out");
  readonly #onRejected = (op: MetadataOp): void => op.onDone("rejected", op.arg);

  /** Ops answered in time. */
  completedCount = 0;
  /** Ops whose client timed out, waiting or in service. */
  timedOutCount = 0;
  /** Ops refused because the queue was full. */
  rejectedCount = 0;
  /** Arrival to reply of completed ops, µs. */
  readonly responseTimesUs = new SampleSet();
  /** Ops held (waiting or in service) over time. */
  readonly heldCount: TimeWeighted;

  constructor(sim: Sim, options: MetadataServerOptions) {
    assert(options.opsPerSec > 0, "opsPerSec must be positive");
    assert(Number.isFinite(options.opsPerSec), "opsPerSec must be finite");
    assert(Number.isInteger(options.queueMax) && options.queueMax > 0, "queueMax must be a positive integer");
    assert(Number.isSafeInteger(options.timeoutUs) && options.timeoutUs > 0, "timeoutUs must be whole positive µs");
    this.#sim = sim;
    this.#options = options;
    this.#serviceMeanUs = US_PER_S / options.opsPerSec;
    this.#rng = options.service === "exponential" ? sim.rng(`storage.mds.${options.name}`) : null;
    this.heldCount = new TimeWeighted(sim.now, 0);
  }

  /** Ops held now, waiting or in service. */
  get held(): number {
    return this.heldCount.value;
  }

  /** Submits one op now; `onDone(outcome, arg)` runs later (at the current time if rejected). */
  submit(onDone: MetadataCallback, arg?: unknown): void {
    const nowUs = this.#sim.now;
    const op = new MetadataOp(nowUs, nowUs + this.#options.timeoutUs, onDone, arg);
    if (this.held >= this.#options.queueMax) {
      this.rejectedCount++;
      op.answered = true;
      this.#sim.schedule(0, this.#onRejected, op);
      return;
    }
    this.heldCount.add(nowUs, 1);
    if (this.#inService === null) {
      this.#start(op, nowUs);
    } else {
      this.#waiting.push(op);
      if (this.#expiryHandle < 0) this.#armExpiry();
    }
  }

  /** Ops waiting, not yet in service. */
  get waitingCount(): number {
    return this.#waiting.length - this.#head;
  }

  #start(op: MetadataOp, startUs: number): void {
    this.#inService = op;
    const serviceUs = this.#rng === null ? this.#serviceMeanUs : this.#rng.exponential(this.#serviceMeanUs);
    this.#serviceEndUs = startUs + serviceUs;
    this.#sim.scheduleAt(Math.max(this.#sim.now, Math.ceil(this.#serviceEndUs - SLACK_US)), this.#onServiceEnd);
    // The reply will come too late: the client gives up at its deadline.
    if (this.#serviceEndUs - SLACK_US > op.deadlineUs) this.#sim.scheduleAt(op.deadlineUs, this.#onClientTimeout, op);
  }

  #endService(): void {
    const op = this.#inService;
    assert(op !== null, "service ended with nothing in service");
    this.#inService = null;
    const nowUs = this.#sim.now;
    this.heldCount.add(nowUs, -1);
    // Start the next op before answering, so an op submitted from a callback queues
    // behind those already waiting.
    const endUs = this.#serviceEndUs;
    let expired: MetadataOp[] | null = null;
    while (this.waitingCount > 0) {
      const next = this.#shift();
      if (endUs + SLACK_US >= next.deadlineUs) {
        // Reached the head after its deadline: dropped unserved. (The expiry timer usually
        // got there first; this catches a deadline equal to the end of service.)
        this.heldCount.add(nowUs, -1);
        (expired ??= []).push(next);
        continue;
      }
      this.#start(next, endUs);
      break;
    }
    // Nothing left to expire: a leftover timer would only keep the event queue busy.
    if (this.waitingCount === 0 && this.#expiryHandle >= 0) {
      this.#sim.cancel(this.#expiryHandle);
      this.#expiryHandle = -1;
    }
    if (!op.answered) this.#answer(op, "completed");
    if (expired !== null) for (const next of expired) this.#answer(next, "timed-out");
  }

  #armExpiry(): void {
    if (this.waitingCount === 0) return;
    this.#expiryHandle = this.#sim.scheduleAt(this.#waiting[this.#head].deadlineUs, this.#onExpiry);
  }

  /** Drops waiting ops whose deadline has come; deadlines are in FIFO order. */
  #expireWaiting(): void {
    this.#expiryHandle = -1;
    const nowUs = this.#sim.now;
    while (this.waitingCount > 0 && this.#waiting[this.#head].deadlineUs <= nowUs) {
      const op = this.#shift();
      this.heldCount.add(nowUs, -1);
      this.#answer(op, "timed-out");
    }
    // A callback above may have submitted an op and armed the timer already.
    if (this.#expiryHandle < 0) this.#armExpiry();
  }

  #shift(): MetadataOp {
    const op = this.#waiting[this.#head++];
    if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head);
      this.#head = 0;
    }
    return op;
  }

  #answer(op: MetadataOp, outcome: MetadataOutcome): void {
    if (op.answered) return;
    op.answered = true;
    if (outcome === "completed") {
      this.completedCount++;
      this.responseTimesUs.add(this.#sim.now - op.arrivalUs);
    } else {
      this.timedOutCount++;
    }
    op.onDone(outcome, op.arg);
  }
}
