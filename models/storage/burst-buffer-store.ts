import type { Sim } from "../../sim/sim.js";
import type { CheckpointStore, StoreDone } from "../workload/attempt.js";
import type { Job } from "../workload/job.js";
import type { BurstBuffer, BurstBufferWrite } from "./burst-buffer.js";
import type { ParallelFilesystem, Transfer } from "./parallel-fs.js";

/**
 * Multi-level checkpoints (as SCR does): a checkpoint is safe as soon as it is in the
 * burst buffer, written at the buffer's bandwidth shared by everyone writing; the buffer
 * then drains it to the parallel filesystem in the background (the second level). A
 * restart reads the job's last checkpoint from the buffer while it is still there (at the
 * buffer's bandwidth), from the filesystem once drained. A full buffer sends writes
 * straight to the filesystem (the buffer model's rule).
 *
 * Leaves out: reads sharing the buffer's bandwidth with writes (a read from the buffer is
 * timed alone), node-local levels, and erasure-coded partner copies.
 */
export interface BurstBufferCheckpointOptions {
  /** A write or read that takes longer fails; Infinity: never. */
  readonly timeoutUs: number;
  /** Stripes of a read from the filesystem. */
  readonly stripeCount: number;
}

export class BurstBufferCheckpointStore implements CheckpointStore {
  readonly #sim: Sim;
  readonly #buffer: BurstBuffer;
  readonly #filesystem: ParallelFilesystem;
  readonly #bufferGBps: number;
  readonly #options: BurstBufferCheckpointOptions;
  /** Each job's last completed checkpoint, to know where a restart reads it from. */
  readonly #lastCopy = new WeakMap<Job, BurstBufferWrite>();
  readonly #onReadFromBuffer = (job: Job): void => this.#onRead!(job, true);
  #onWritten: StoreDone | null = null;
  #onRead: StoreDone | null = null;

  constructor(sim: Sim, buffer: BurstBuffer, filesystem: ParallelFilesystem, bufferGBps: number, options: BurstBufferCheckpointOptions) {
    this.#sim = sim;
    this.#buffer = buffer;
    this.#filesystem = filesystem;
    this.#bufferGBps = bufferGBps;
    this.#options = options;
  }

  connect(onWritten: StoreDone, onRead: StoreDone): void {
    this.#onWritten = onWritten;
    this.#onRead = onRead;
  }

  write(job: Job, bytes: number): BurstBufferWrite {
    const onWritten = this.#onWritten!;
    const write = this.#buffer.write(Math.max(1, Math.round(bytes)), {
      ...(this.#options.timeoutUs === Infinity ? {} : { timeoutUs: this.#options.timeoutUs }),
      onDone: (done) => {
        const ok = done.status === "completed";
        if (ok) this.#lastCopy.set(job, done);
        onWritten(job, ok);
      },
    });
    return write;
  }

  aloneUs(kind: "write" | "read", job: Job, bytes: number): number {
    if (kind === "write" || this.#inBuffer(job)) return this.#bufferUs(bytes);
    return this.#filesystem.aloneUs(bytes, this.#options.stripeCount);
  }

  /** Whether the job's last checkpoint is still in the buffer, to read back from there. */
  #inBuffer(job: Job): boolean {
    const copy = this.#lastCopy.get(job);
    return copy !== undefined && copy.level === "burst-buffer" && !copy.drained && !copy.lost;
  }

  /** µs `bytes` take at the buffer's bandwidth (1 GB/s = 1,000 bytes/µs). */
  #bufferUs(bytes: number): number {
    return Math.max(1, Math.ceil(bytes / (this.#bufferGBps * 1_000)));
  }

  read(job: Job, bytes: number): { buffer: number } | { filesystem: Transfer } {
    if (this.#inBuffer(job)) {
      // Still in the buffer: read back at its bandwidth.
      const delayUs = this.#bufferUs(bytes);
      return { buffer: this.#sim.schedule(delayUs, this.#onReadFromBuffer, job) };
    }
    const onRead = this.#onRead!;
    return {
      filesystem: this.#filesystem.read(Math.max(1, Math.round(bytes)), {
        stripeCount: this.#options.stripeCount,
        ...(this.#options.timeoutUs === Infinity ? {} : { timeoutUs: this.#options.timeoutUs }),
        onDone: (transfer) => onRead(job, transfer.status === "completed"),
      }),
    };
  }

  cancel(operation: unknown): void {
    if (typeof operation === "object" && operation !== null && "buffer" in operation) {
      this.#sim.cancel((operation as { buffer: number }).buffer);
    } else if (typeof operation === "object" && operation !== null && "filesystem" in operation) {
      this.#filesystem.cancel((operation as { filesystem: Transfer }).filesystem);
    } else {
      this.#buffer.cancel(operation as BurstBufferWrite);
    }
  }
}
