import { assert } from "../../sim/assert.js";
import { SampleSet } from "../../sim/metrics.js";
import type { Sim } from "../../sim/sim.js";
import { US_PER_S } from "../../sim/time.js";
import type { RunMetrics } from "../metrics.js";
import type { Flow } from "./fluid-share.js";
import { SharedBandwidth, gbpsToBytesPerUs } from "./fluid-share.js";
import type { MetadataCallback, MetadataOutcome } from "./metadata-server.js";
import { MetadataServer } from "./metadata-server.js";

/**
 * A Lustre-like parallel filesystem: object storage targets (OSTs) that hold file data and
 * one metadata server (MDS). Checkpoint and restart times are not given; they come out of
 * how many transfers share the OSTs and the MDS at that moment.
 *
 * - A transfer (a write or a read of `bytes`) first does one metadata op (the open, with
 *   create for a write) at the MDS (see metadata-server.ts), then its data phase. So a storm
 *   of tiny files queues at the MDS and times out while the OSTs sit idle.
 * - Layout: the file is striped over `stripeCount` OSTs, `bytes / stripeCount` on each
 *   (RAID-0). Without `startOst`, OSTs are picked round-robin, skipping failed OSTs, when the
 *   metadata op completes (the MDS allocates objects at create time): the next file starts
 *   on the OST after the last one used. With fewer healthy OSTs than stripes the file gets
 *   fewer stripes; with none, it is placed round-robin anyway and stalls. `startOst` pins
 *   the layout to `startOst, startOst + 1, …` (`lfs setstripe -i`; a read of a file already
 *   laid out).
 * - Bandwidth: each OST is a processor-sharing resource (fluid-share.ts): the stripes active
 *   on it share `ostGBps` equally. Stripes of one transfer progress independently; the
 *   transfer completes when its last stripe does, so it is as slow as its busiest OST.
 *   Reads and writes cost the same.
 * - Faults: `degradeOst` scales an OST's bandwidth; `failOst` sets it to zero: stripes on it
 *   stall (no error, as a Lustre client blocks on an unreachable OST) until `restoreOst`, or
 *   until the transfer's own `timeoutUs` fails it. New files avoid failed OSTs.
 * - Timeouts: `timeoutUs` on a transfer counts from the call and covers both phases; the
 *   MDS has its own RPC timeout. Either one ends the transfer "timed-out"; the caller (a
 *   checkpoint) then fails and keeps its previous checkpoint. The metadata op of a transfer
 *   cancelled or timed out while waiting still takes its turn at the MDS (the server does
 *   not know the client gave up), unless the MDS drops it as expired.
 *
 * Leaves out: the client side (a node's NIC and the fabric are the fabric model's; client
 * page cache and write-back; RPCs in flight), so a lone transfer on idle OSTs moves at
 * stripeCount × ostGBps; the close op; OSS servers grouping OSTs; disk seek and small-I/O
 * penalties; LDLM extent-lock contention between writers of one file; OST capacity and
 * fullness; RAID rebuild after a disk failure; quality-of-service allocation when OSTs are
 * unbalanced. Sources: Lustre Operations Manual (Lustre architecture; "Managing File
 * Layout (Striping) and Free Space"); fluid processor sharing as SimGrid models storage
 * and networks (Lebre, Legrand, Suter, Veyre, "Adding storage simulation capacities to the
 * SimGrid toolkit", CCGrid 2015).
 */

export type TransferKind = "write" | "read";

/**
 * Where a transfer is: waiting for its metadata op, moving data, or ended. An ended
 * transfer says how: "completed", "timed-out" (the MDS's RPC timeout or the transfer's own
 * `timeoutUs`; `failedPhase` says which phase), "rejected" (MDS queue full or too many
 * transfers in flight), or "cancelled" by the caller.
 */
export type TransferStatus = "metadata" | "data" | "completed" | "timed-out" | "rejected" | "cancelled";

export interface TransferOptions {
  /** OSTs to stripe over; default the filesystem's `stripeCountDefault`. */
  readonly stripeCount?: number;
  /** First OST of the layout; default round-robin. */
  readonly startOst?: number;
  /** Fails the transfer this long after the call, µs. */
  readonly timeoutUs?: number;
  /** Runs once when the transfer ends (not after `cancel`), never from inside `write`/`read`. */
  readonly onDone?: (transfer: Transfer) => void;
}

/** One write or read. Returned by `write`/`read` and handed to `onDone`. */
export class Transfer {
  readonly kind: TransferKind;
  readonly bytes: number;
  /** Time of the call, µs. */
  readonly submittedUs: number;
  /** Stripes asked for. */
  readonly stripeCountWanted: number;
  status: TransferStatus = "metadata";
  /** The phase a "timed-out" or "rejected" transfer ended in. */
  failedPhase: "metadata" | "data" | null = null;
  /** OST indices the file is striped over (empty until the metadata op completes). */
  osts: readonly number[] = [];
  /** Time the data phase started, µs; NaN before. */
  dataStartUs = NaN;
  /** Time the transfer ended, µs; NaN before. */
  endUs = NaN;
  /** Bytes moved to or from OSTs (all of `bytes` when completed). */
  movedBytes = 0;
  /** @internal */
  readonly _startOst: number;
  /** @internal */
  readonly _onDone: ((transfer: Transfer) => void) | null;
  /** @internal */
  _stripes: Flow<Transfer>[] = [];
  /** @internal */
  _stripesLeft = 0;
  /** @internal */
  _timeoutHandle = -1;

  constructor(kind: TransferKind, bytes: number, submittedUs: number, stripeCountWanted: number, startOst: number, onDone: ((transfer: Transfer) => void) | null) {
    this.kind = kind;
    this.bytes = bytes;
    this.submittedUs = submittedUs;
    this.stripeCountWanted = stripeCountWanted;
    this._startOst = startOst;
    this._onDone = onDone;
  }

  get ended(): boolean {
    return this.status !== "metadata" && this.status !== "data";
  }

  /** Call to end, µs; NaN while running. */
  get durationUs(): number {
    return this.endUs - this.submittedUs;
  }
}

export interface ParallelFilesystemOptions {
  /** Names records and the MDS stream `storage.mds.<name>`. */
  readonly name: string;
  readonly ostCount: number;
  /** Bandwidth of one healthy OST, GB/s (10^9 bytes/s). */
  readonly ostGBps: number;
  /** Stripes per file when a transfer does not say; Lustre's default is 1. */
  readonly stripeCountDefault?: number;
  /** MDS service rate, ops per second. */
  readonly metadataOpsPerSec: number;
  /** Most metadata ops held by the MDS, waiting or in service. */
  readonly metadataQueueMax: number;
  /** Client RPC timeout for a metadata op, µs. */
  readonly metadataTimeoutUs: number;
  /** MDS service times: "fixed" (default) or "exponential" (stream `storage.mds.<name>`). */
  readonly metadataService?: "fixed" | "exponential";
  /** Most transfers in flight (metadata or data phase); more are rejected. Default 10^6. */
  readonly transfersMax?: number;
}

/** OSTs with processor-sharing bandwidth plus one FIFO metadata server. */
export class ParallelFilesystem {
  readonly #sim: Sim;
  readonly #options: ParallelFilesystemOptions;
  readonly #osts: SharedBandwidth<Transfer>[] = [];
  readonly #ostFactors: number[] = [];
  readonly #ostFailed: boolean[] = [];
  readonly #mds: MetadataServer;
  readonly #stripeCountDefault: number;
  readonly #transfersMax: number;
  readonly #startUs: number;
  #nextOst = 0;
  #failedOstCount = 0;
  #inFlightCount = 0;
  /** Transfers in their data phase, and the time accounting of "at least one". */
  #dataActiveCount = 0;
  #busySinceUs = 0;
  #busyUs = 0;
  #bytesMoved = 0;
  readonly #onMetadataDone = (outcome: MetadataOutcome, transfer: Transfer): void => this.#metadataDone(outcome, transfer);
  readonly #onStripeDone = (flow: Flow<Transfer>): void => this.#stripeDone(flow);
  readonly #onTimeout = (transfer: Transfer): void => this.#timeOut(transfer);
  readonly #onRejected = (transfer: Transfer): void => this.#end(transfer, "rejected", "metadata");
  readonly #ignoreMetadata = (): void => {};

  transfersCompleted = 0;
  transfersTimedOut = 0;
  transfersRejected = 0;
  transfersCancelled = 0;
  /** Call to completion of completed transfers, µs. */
  readonly transferTimesUs = new SampleSet();

  constructor(sim: Sim, options: ParallelFilesystemOptions) {
    assert(Number.isInteger(options.ostCount) && options.ostCount > 0, "ostCount must be a positive integer");
    assert(options.ostGBps > 0, "ostGBps must be positive");
    this.#sim = sim;
    this.#options = options;
    this.#stripeCountDefault = options.stripeCountDefault ?? 1;
    assert(Number.isInteger(this.#stripeCountDefault) && this.#stripeCountDefault > 0, "stripeCountDefault must be a positive integer");
    this.#transfersMax = options.transfersMax ?? 1_000_000;
    assert(Number.isInteger(this.#transfersMax) && this.#transfersMax > 0, "transfersMax must be a positive integer");
    this.#startUs = sim.now;
    const capacityBytesPerUs = gbpsToBytesPerUs(options.ostGBps);
    for (let index = 0; index < options.ostCount; index++) {
      const flowsMax = this.#transfersMax;
      this.#osts.push(new SharedBandwidth(sim, { name: `${options.name}.ost${index}`, capacityBytesPerUs, flowsMax }, this.#onStripeDone));
      this.#ostFactors.push(1);
      this.#ostFailed.push(false);
    }
    this.#mds = new MetadataServer(sim, {
      name: options.name,
      opsPerSec: options.metadataOpsPerSec,
      queueMax: options.metadataQueueMax,
      timeoutUs: options.metadataTimeoutUs,
      service: options.metadataService ?? "fixed",
    });
  }

  get name(): string {
    return this.#options.name;
  }

  get ostCount(): number {
    return this.#options.ostCount;
  }

  /** The metadata server, for its counters and queue length. */
  get metadata(): MetadataServer {
    return this.#mds;
  }

  /** Transfers not yet ended. */
  get inFlightCount(): number {
    return this.#inFlightCount;
  }

  /** Writes `bytes` to a new file: one metadata op (create), then the data. */
  write(bytes: number, options: TransferOptions = {}): Transfer {
    return this.#submit("write", bytes, options);
  }

  /** Reads `bytes`: one metadata op (open), then the data. */
  read(bytes: number, options: TransferOptions = {}): Transfer {
    return this.#submit("read", bytes, options);
  }

  /** Stops a transfer that has not ended; `onDone` is not called. Returns false if it had ended. */
  cancel(transfer: Transfer): boolean {
    if (transfer.ended) return false;
    this.#abortStripes(transfer);
    this.#end(transfer, "cancelled", null);
    return true;
  }

  /**
   * How long a transfer of `bytes` over `stripeCount` stripes takes on an idle, healthy
   * filesystem, µs: one metadata op at its mean service time, then each stripe at one
   * OST's full bandwidth. What a transfer takes beyond this is contention.
   */
  aloneUs(bytes: number, stripeCount = this.#stripeCountDefault): number {
    const stripes = Math.min(stripeCount, this.#options.ostCount);
    // Each phase ends on a whole µs.
    return Math.ceil(this.metadataOpUs) + Math.ceil(bytes / stripes / gbpsToBytesPerUs(this.#options.ostGBps));
  }

  /** The mean service time of one metadata op alone, µs. */
  get metadataOpUs(): number {
    return US_PER_S / this.#options.metadataOpsPerSec;
  }

  /** One metadata op (stat, open, close) outside any transfer. */
  metadataOp(onDone: MetadataCallback, arg?: unknown): void {
    this.#mds.submit(onDone, arg);
  }

  /** Submits `opsCount` metadata ops now with nobody waiting on them (a small-file storm). */
  metadataStorm(opsCount: number): void {
    assert(Number.isInteger(opsCount) && opsCount >= 0);
    for (let i = 0; i < opsCount; i++) this.#mds.submit(this.#ignoreMetadata);
  }

  /** Scales OST `index`'s bandwidth to `factor` × ostGBps (0 < factor ≤ 1). */
  degradeOst(index: number, factor: number): void {
    this.#checkOst(index);
    assert(factor > 0 && factor <= 1, "a degraded OST keeps a factor in (0, 1]");
    this.#ostFactors[index] = factor;
    this.#sim.record({ kind: "OstDegraded", source: this.#options.name, ost: index, factor });
    this.#applyCapacity(index);
  }

  /** Takes OST `index` down: its stripes stall, new files avoid it. */
  failOst(index: number): void {
    this.#checkOst(index);
    assert(!this.#ostFailed[index], "OST already failed");
    this.#ostFailed[index] = true;
    this.#failedOstCount++;
    this.#sim.record({ kind: "OstFailed", source: this.#options.name, ost: index });
    this.#applyCapacity(index);
  }

  /** Brings OST `index` back to full health (clears both failure and degradation). */
  restoreOst(index: number): void {
    this.#checkOst(index);
    if (this.#ostFailed[index]) this.#failedOstCount--;
    this.#ostFailed[index] = false;
    this.#ostFactors[index] = 1;
    this.#sim.record({ kind: "OstRestored", source: this.#options.name, ost: index });
    this.#applyCapacity(index);
  }

  ostFailed(index: number): boolean {
    this.#checkOst(index);
    return this.#ostFailed[index];
  }

  /** Stripes active on OST `index`. */
  ostActiveCount(index: number): number {
    this.#checkOst(index);
    return this.#osts[index].activeCount;
  }

  /** Bytes OST `index` has moved: completed stripes plus progress of aborted ones. */
  ostBytesMoved(index: number): number {
    this.#checkOst(index);
    return this.#osts[index].bytesCompleted + this.#osts[index].bytesRemoved;
  }

  /** Time OST `index` had active stripes and bandwidth, µs. */
  ostBusyUs(index: number, nowUs: number): number {
    this.#checkOst(index);
    return this.#osts[index].busyUs(nowUs);
  }

  /** Bytes moved by completed transfers plus what aborted ones had moved. */
  get bytesMoved(): number {
    return this.#bytesMoved;
  }

  /** Time with at least one transfer in its data phase, µs. */
  busyUs(nowUs: number): number {
    assert(nowUs >= this.#busySinceUs, "time went backwards");
    return this.#busyUs + (this.#dataActiveCount > 0 ? nowUs - this.#busySinceUs : 0);
  }

  /** Bytes moved over time since construction, GB/s (10^9 bytes/s); NaN at time zero. */
  throughputGBpsMean(nowUs: number): number {
    const elapsedUs = nowUs - this.#startUs;
    return elapsedUs > 0 ? this.#bytesMoved / 1e9 / (elapsedUs / US_PER_S) : NaN;
  }

  /** The same in gigabits per second (DESIGN.md's `storage_throughput_gbps_mean`): 8 × GB/s. */
  throughputGbpsMean(nowUs: number): number {
    return 8 * this.throughputGBpsMean(nowUs);
  }

  /** 99th percentile of completed transfers' call-to-end time, µs; NaN when none completed. */
  transferTimeP99Us(): number {
    return this.transferTimesUs.percentile(0.99);
  }

  /** DESIGN.md's storage metric; null when nothing was moved (not exercised). */
  runMetrics(nowUs: number): Pick<RunMetrics, "storage_throughput_gbps_mean"> {
    const gbps = this.throughputGbpsMean(nowUs);
    return { storage_throughput_gbps_mean: this.#bytesMoved > 0 && Number.isFinite(gbps) ? gbps : null };
  }

  #submit(kind: TransferKind, bytes: number, options: TransferOptions): Transfer {
    assert(bytes >= 0, "bytes must not be negative");
    assert(Number.isFinite(bytes), "bytes must be finite");
    const stripeCount = options.stripeCount ?? this.#stripeCountDefault;
    assert(Number.isInteger(stripeCount) && stripeCount > 0, "stripeCount must be a positive integer");
    const startOst = options.startOst ?? -1;
    if (startOst >= 0) this.#checkOst(startOst);
    const transfer = new Transfer(kind, bytes, this.#sim.now, stripeCount, startOst, options.onDone ?? null);
    this.#inFlightCount++;
    if (this.#inFlightCount > this.#transfersMax) {
      this.#sim.schedule(0, this.#onRejected, transfer);
      return transfer;
    }
    if (options.timeoutUs !== undefined) {
      transfer._timeoutHandle = this.#sim.schedule(options.timeoutUs, this.#onTimeout, transfer);
    }
    this.#mds.submit(this.#onMetadataDone, transfer);
    return transfer;
  }

  #metadataDone(outcome: MetadataOutcome, transfer: Transfer): void {
    if (transfer.status !== "metadata") return; // Cancelled or timed out meanwhile.
    if (outcome !== "completed") {
      this.#end(transfer, outcome, "metadata");
      return;
    }
    const nowUs = this.#sim.now;
    transfer.osts = this.#layout(transfer);
    transfer.status = "data";
    transfer.dataStartUs = nowUs;
    if (transfer.bytes === 0) {
      this.#end(transfer, "completed", null);
      return;
    }
    if (this.#dataActiveCount++ === 0) this.#busySinceUs = nowUs;
    const stripeBytes = transfer.bytes / transfer.osts.length;
    transfer._stripesLeft = transfer.osts.length;
    for (const ost of transfer.osts) transfer._stripes.push(this.#osts[ost].add(stripeBytes, transfer));
  }

  #layout(transfer: Transfer): number[] {
    const ostCount = this.#options.ostCount;
    const osts: number[] = [];
    if (transfer._startOst >= 0) {
      const stripeCount = Math.min(transfer.stripeCountWanted, ostCount);
      for (let i = 0; i < stripeCount; i++) osts.push((transfer._startOst + i) % ostCount);
      return osts;
    }
    const healthyCount = ostCount - this.#failedOstCount;
    const skipFailed = healthyCount > 0;
    const stripeCount = Math.min(transfer.stripeCountWanted, skipFailed ? healthyCount : ostCount);
    let index = this.#nextOst;
    while (osts.length < stripeCount) {
      if (!skipFailed || !this.#ostFailed[index]) osts.push(index);
      index = (index + 1) % ostCount;
    }
    this.#nextOst = index;
    return osts;
  }

  #stripeDone(flow: Flow<Transfer>): void {
    const transfer = flow.owner;
    assert(transfer.status === "data", "a stripe finished for a transfer not in its data phase");
    if (--transfer._stripesLeft === 0) this.#end(transfer, "completed", null);
  }

  #timeOut(transfer: Transfer): void {
    transfer._timeoutHandle = -1;
    assert(!transfer.ended, "timeout of an ended transfer");
    const phase = transfer.status === "data" ? "data" : "metadata";
    this.#abortStripes(transfer);
    this.#end(transfer, "timed-out", phase);
  }

  /** Removes the stripes still moving and counts what they had moved. */
  #abortStripes(transfer: Transfer): void {
    if (transfer.status !== "data") return;
    let movedBytes = 0;
    for (let i = 0; i < transfer._stripes.length; i++) {
      const flow = transfer._stripes[i];
      movedBytes += flow.active ? this.#osts[transfer.osts[i]].remove(flow) : flow.bytes;
    }
    transfer.movedBytes = movedBytes;
  }

  #end(transfer: Transfer, status: TransferStatus, failedPhase: "metadata" | "data" | null): void {
    const nowUs = this.#sim.now;
    const wasMoving = transfer.status === "data";
    if (transfer._timeoutHandle >= 0) this.#sim.cancel(transfer._timeoutHandle);
    transfer._timeoutHandle = -1;
    transfer.status = status;
    transfer.failedPhase = failedPhase;
    transfer.endUs = nowUs;
    transfer._stripes = [];
    this.#inFlightCount--;
    if (wasMoving && --this.#dataActiveCount === 0) this.#busyUs += nowUs - this.#busySinceUs;
    switch (status) {
      case "completed":
        transfer.movedBytes = transfer.bytes;
        this.transfersCompleted++;
        this.transferTimesUs.add(transfer.durationUs);
        break;
      case "timed-out":
        this.transfersTimedOut++;
        if (this.#sim.recording) {
          this.#sim.record({ kind: "StorageTransferTimedOut", source: this.#options.name, phase: failedPhase, bytes: transfer.bytes });
        }
        break;
      case "rejected":
        this.transfersRejected++;
        break;
      case "cancelled":
        this.transfersCancelled++;
        break;
      default:
        assert(false, `a transfer cannot end as ${status}`);
    }
    this.#bytesMoved += transfer.movedBytes;
    if (status !== "cancelled" && transfer._onDone !== null) transfer._onDone(transfer);
  }

  #applyCapacity(index: number): void {
    const factor = this.#ostFailed[index] ? 0 : this.#ostFactors[index];
    this.#osts[index].setCapacity(gbpsToBytesPerUs(this.#options.ostGBps) * factor);
  }

  #checkOst(index: number): void {
    assert(Number.isInteger(index) && index >= 0 && index < this.#options.ostCount, "no such OST");
  }
}
