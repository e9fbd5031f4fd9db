import { assert } from "../../sim/assert.js";
import { SampleSet, TimeWeighted } from "../../sim/metrics.js";
import type { Sim } from "../../sim/sim.js";
import type { Flow } from "./fluid-share.js";
import { SharedBandwidth, gbpsToBytesPerUs } from "./fluid-share.js";
import type { ParallelFilesystem, Transfer } from "./parallel-fs.js";

/**
 * A burst-buffer tier (Cray DataWarp, NVMe on I/O nodes) in front of a parallel
 * filesystem, for multi-level checkpointing: a writer's checkpoint is safe as soon as it is
 * in the buffer, and the buffer drains it to the filesystem in the background.
 *
 * - Bandwidth: `bandwidthGBps` shared equally by the writes in progress (processor sharing,
 *   the same fluid model as the OSTs: fluid-share.ts).
 * - Space: a write reserves its bytes when it starts and frees them when its copy has been
 *   drained to the filesystem (or is lost, or the write is cancelled).
 * - Drain: when a buffer write completes, the buffer writes the same bytes to the parallel
 *   filesystem (a PFS write, with its metadata op and OST sharing, `drainStripeCount`
 *   stripes, no timeout: a drain stalled by a failed OST waits for it). A drain the PFS
 *   rejects or times out at the MDS is retried after `drainRetryDelayUs`.
 * - When the buffer is full: a write waits in a FIFO queue of at most `waitingWritesMax`
 *   writes (strict FIFO: a large write at the head holds back smaller ones behind it, so
 *   none starves). A write that finds that queue full, that is larger than the whole
 *   buffer, or that arrives while the buffer is failed, falls back to the parallel
 *   filesystem directly, and is safe when that write completes (`level` "parallel-fs").
 * - Levels: a copy in the buffer survives a node crash (the buffer is not on the node) but
 *   not a buffer failure; `drained` says the copy is on the filesystem too. `fail()` loses
 *   every copy not yet drained (`lost`, `onLost`), fails the writes in progress and waiting,
 *   and empties the buffer.
 *
 * Leaves out: drain reads taking buffer bandwidth, per-node (rather than shared) buffers,
 * the buffer's own metadata, stage-in, striping across buffer nodes, partial loss when
 * one buffer node of many fails, wear. Sources: Liu et al., "On the role of burst buffers
 * in leadership-class storage systems" (MSST 2012); Moody et al., "Design, modeling, and
 * evaluation of a scalable multi-level checkpointing system" (SC 2010, SCR); Cray DataWarp
 * User Guide (stage-out).
 */

/**
 * "waiting" for space, "writing" (to the buffer or, after a fallback, to the filesystem),
 * or ended: "completed" (the checkpoint is safe at `level`), "timed-out", "rejected" (the
 * filesystem refused a fallback write), "failed" (the buffer failed under it), "cancelled".
 */
export type BurstBufferWriteStatus = "waiting" | "writing" | "completed" | "timed-out" | "rejected" | "failed" | "cancelled";

/** Where the safe copy of a completed write lives. */
export type CopyLevel = "burst-buffer" | "parallel-fs";

export interface BurstBufferWriteOptions {
  /** Fails the write if it is not safe this long after the call, µs. */
  readonly timeoutUs?: number;
  /** Runs once when the write ends (safe or not); not after `cancel`, never from inside `write`. */
  readonly onDone?: (write: BurstBufferWrite) => void;
  /** Runs when the copy reaches the parallel filesystem. */
  readonly onDrained?: (write: BurstBufferWrite) => void;
  /** Runs when a buffer failure loses the copy before it was drained. */
  readonly onLost?: (write: BurstBufferWrite) => void;
}

export class BurstBufferWrite {
  readonly bytes: number;
  /** Time of the call, µs. */
  readonly submittedUs: number;
  status: BurstBufferWriteStatus = "waiting";
  /** Where the safe copy is; null until completed. */
  level: CopyLevel | null = null;
  /** Time the write became safe, µs; NaN before. */
  safeUs = NaN;
  /** The copy is on the parallel filesystem. */
  drained = false;
  /** Time the copy reached the parallel filesystem, µs; NaN before. */
  drainedUs = NaN;
  /** A buffer failure destroyed the copy before it was drained. */
  lost = false;
  /** @internal */
  readonly _options: BurstBufferWriteOptions;
  /** @internal */
  _flow: Flow<BurstBufferWrite> | null = null;
  /** @internal The fallback write or the drain in progress. */
  _transfer: Transfer | null = null;
  /** @internal */
  _timeoutHandle = -1;
  /** @internal */
  _retryHandle = -1;
  /** @internal Holds buffer space. */
  _resident = false;

  constructor(bytes: number, submittedUs: number, options: BurstBufferWriteOptions) {
    this.bytes = bytes;
    this.submittedUs = submittedUs;
    this._options = options;
  }

  get ended(): boolean {
    return this.status !== "waiting" && this.status !== "writing";
  }

  /** Call to safe, µs; NaN unless completed. */
  get durationUs(): number {
    return this.safeUs - this.submittedUs;
  }
}

export interface BurstBufferOptions {
  /** Names records and flows. */
  readonly name: string;
  /** Space, bytes. */
  readonly capacityBytes: number;
  /** Write bandwidth of the whole tier, GB/s (10^9 bytes/s), shared by concurrent writes. */
  readonly bandwidthGBps: number;
  /** Most writes waiting for space; one more falls back to the parallel filesystem. */
  readonly waitingWritesMax: number;
  /** Stripes of each drain on the parallel filesystem; default the filesystem's default. */
  readonly drainStripeCount?: number;
  /** Wait before retrying a drain the filesystem rejected or timed out, µs. */
  readonly drainRetryDelayUs: number;
  /** Most writes into the buffer at once (a bound on the caller). Default 10^6. */
  readonly writesMax?: number;
}

/** Fast shared tier with asynchronous drain to a parallel filesystem. */
export class BurstBuffer {
  readonly #sim: Sim;
  readonly #pfs: ParallelFilesystem;
  readonly #options: BurstBufferOptions;
  readonly #bandwidth: SharedBandwidth<BurstBufferWrite>;
  /** Writes waiting for space, FIFO. At most `waitingWritesMax`, so removal by splice is cheap. */
  readonly #waiting: BurstBufferWrite[] = [];
  /** Writes holding space (writing or not yet drained), in the order they got it. */
  readonly #resident = new Set<BurstBufferWrite>();
  #failed = false;
  readonly #onWritten = (flow: Flow<BurstBufferWrite>): void => this.#written(flow.owner);
  readonly #onTimeout = (write: BurstBufferWrite): void => this.#timeOut(write);
  readonly #onDrainRetry = (write: BurstBufferWrite): void => {
    write._retryHandle = -1;
    this.#startDrain(write);
  };

  /** Bytes reserved in the buffer over time. */
  readonly usedBytes: TimeWeighted;
  writesCompleted = 0;
  writesFellBack = 0;
  writesTimedOut = 0;
  writesFailed = 0;
  drainsCompleted = 0;
  copiesLost = 0;
  bytesBuffered = 0;
  bytesDrained = 0;
  /** Call to safe of completed writes, µs (buffer and fallback alike). */
  readonly writeTimesUs = new SampleSet();

  constructor(sim: Sim, pfs: ParallelFilesystem, options: BurstBufferOptions) {
    assert(options.capacityBytes > 0, "capacityBytes must be positive");
    assert(options.bandwidthGBps > 0, "bandwidthGBps must be positive");
    assert(Number.isInteger(options.waitingWritesMax) && options.waitingWritesMax >= 0, "waitingWritesMax must be a whole number");
    assert(Number.isSafeInteger(options.drainRetryDelayUs) && options.drainRetryDelayUs > 0, "drainRetryDelayUs must be whole positive µs");
    this.#sim = sim;
    this.#pfs = pfs;
    this.#options = options;
    this.#bandwidth = new SharedBandwidth(
      sim,
      { name: options.name, capacityBytesPerUs: gbpsToBytesPerUs(options.bandwidthGBps), flowsMax: options.writesMax ?? 1_000_000 },
      this.#onWritten,
    );
    this.usedBytes = new TimeWeighted(sim.now, 0);
  }

  get failed(): boolean {
    return this.#failed;
  }

  get freeBytes(): number {
    return this.#options.capacityBytes - this.usedBytes.value;
  }

  get waitingCount(): number {
    return this.#waiting.length;
  }

  /** Writes `bytes` (a checkpoint); see the file comment for where they go. */
  write(bytes: number, options: BurstBufferWriteOptions = {}): BurstBufferWrite {
    assert(bytes > 0, "a write carries bytes");
    // Whole bytes keep the space accounting exact: what is reserved is freed to the byte.
    assert(Number.isSafeInteger(bytes), "bytes must be a whole number");
    const write = new BurstBufferWrite(bytes, this.#sim.now, options);
    if (options.timeoutUs !== undefined) write._timeoutHandle = this.#sim.schedule(options.timeoutUs, this.#onTimeout, write);
    if (this.#failed || bytes > this.#options.capacityBytes) {
      this.#fallBack(write);
    } else if (this.#waiting.length === 0 && bytes <= this.freeBytes) {
      this.#start(write);
    } else if (this.#waiting.length < this.#options.waitingWritesMax) {
      this.#waiting.push(write);
    } else {
      this.#fallBack(write);
    }
    return write;
  }

  /** Stops a write that is not yet safe; `onDone` is not called. False if it had ended. */
  cancel(write: BurstBufferWrite): boolean {
    if (write.ended) return false;
    this.#abort(write);
    this.#end(write, "cancelled");
    this.#admitWaiting();
    return true;
  }

  /** The buffer fails: copies not drained are lost, writes in progress or waiting fail. */
  fail(): void {
    assert(!this.#failed, "burst buffer already failed");
    this.#failed = true;
    this.#sim.record({ kind: "BurstBufferFailed", source: this.#options.name });
    const waiting = this.#waiting.splice(0);
    const resident = [...this.#resident];
    for (const write of resident) {
      if (write.status === "writing") {
        this.#abort(write);
      } else {
        this.#stopDrain(write);
        write.lost = true;
        this.copiesLost++;
        this.#release(write);
      }
    }
    assert(this.usedBytes.value === 0, "a failed buffer holds nothing");
    for (const write of waiting) this.#end(write, "failed");
    for (const write of resident) {
      if (write.lost) write._options.onLost?.(write);
      else this.#end(write, "failed");
    }
  }

  /** The buffer is back, empty. */
  restore(): void {
    assert(this.#failed, "burst buffer is not failed");
    this.#failed = false;
    this.#sim.record({ kind: "BurstBufferRestored", source: this.#options.name });
  }

  #start(write: BurstBufferWrite): void {
    write.status = "writing";
    write._resident = true;
    this.#resident.add(write);
    this.usedBytes.add(this.#sim.now, write.bytes);
    write._flow = this.#bandwidth.add(write.bytes, write);
  }

  #written(write: BurstBufferWrite): void {
    assert(write.status === "writing", "a buffer write finished that was not writing");
    write._flow = null;
    write.level = "burst-buffer";
    this.bytesBuffered += write.bytes;
    this.#startDrain(write);
    this.#end(write, "completed");
  }

  #fallBack(write: BurstBufferWrite): void {
    this.writesFellBack++;
    write.status = "writing";
    // No timeout on the filesystem write: the write's own timer, if any, cancels it.
    write._transfer = this.#pfs.write(write.bytes, {
      stripeCount: this.#options.drainStripeCount,
      onDone: (transfer) => this.#fellBack(write, transfer),
    });
  }

  #fellBack(write: BurstBufferWrite, transfer: Transfer): void {
    write._transfer = null;
    if (transfer.status === "completed") {
      write.level = "parallel-fs";
      write.drained = true;
      write.drainedUs = this.#sim.now;
      this.#end(write, "completed");
      write._options.onDrained?.(write);
    } else {
      this.#end(write, transfer.status === "timed-out" ? "timed-out" : "rejected");
    }
  }

  #startDrain(write: BurstBufferWrite): void {
    write._transfer = this.#pfs.write(write.bytes, {
      stripeCount: this.#options.drainStripeCount,
      onDone: (transfer) => this.#drainEnded(write, transfer),
    });
  }

  #drainEnded(write: BurstBufferWrite, transfer: Transfer): void {
    write._transfer = null;
    if (transfer.status !== "completed") {
      write._retryHandle = this.#sim.schedule(this.#options.drainRetryDelayUs, this.#onDrainRetry, write);
      return;
    }
    write.drained = true;
    write.drainedUs = this.#sim.now;
    this.drainsCompleted++;
    this.bytesDrained += write.bytes;
    this.#release(write);
    write._options.onDrained?.(write);
    this.#admitWaiting();
  }

  #stopDrain(write: BurstBufferWrite): void {
    if (write._transfer !== null) this.#pfs.cancel(write._transfer);
    write._transfer = null;
    if (write._retryHandle >= 0) this.#sim.cancel(write._retryHandle);
    write._retryHandle = -1;
  }

  #timeOut(write: BurstBufferWrite): void {
    write._timeoutHandle = -1;
    assert(!write.ended, "timeout of an ended write");
    this.#abort(write);
    this.#end(write, "timed-out");
    this.#admitWaiting();
  }

  /** Undoes whatever a write not yet safe holds: its queue place, its flow and space, or its fallback. */
  #abort(write: BurstBufferWrite): void {
    if (write.status === "waiting") {
      const index = this.#waiting.indexOf(write);
      assert(index >= 0, "a waiting write is in the queue");
      this.#waiting.splice(index, 1);
      return;
    }
    if (write._flow !== null) {
      this.#bandwidth.remove(write._flow);
      write._flow = null;
      this.#release(write);
      return;
    }
    if (write._transfer !== null) this.#pfs.cancel(write._transfer);
    write._transfer = null;
  }

  #release(write: BurstBufferWrite): void {
    if (!write._resident) return;
    write._resident = false;
    this.#resident.delete(write);
    this.usedBytes.add(this.#sim.now, -write.bytes);
  }

  #admitWaiting(): void {
    while (!this.#failed && this.#waiting.length > 0 && this.#waiting[0].bytes <= this.freeBytes) {
      this.#start(this.#waiting.shift() as BurstBufferWrite);
    }
  }

  #end(write: BurstBufferWrite, status: BurstBufferWriteStatus): void {
    if (write._timeoutHandle >= 0) this.#sim.cancel(write._timeoutHandle);
    write._timeoutHandle = -1;
    write.status = status;
    switch (status) {
      case "completed":
        write.safeUs = this.#sim.now;
        this.writesCompleted++;
        this.writeTimesUs.add(write.durationUs);
        break;
      case "timed-out":
        this.writesTimedOut++;
        break;
      case "failed":
        this.writesFailed++;
        break;
      default:
        break;
    }
    if (status !== "cancelled") write._options.onDone?.(write);
  }
}
