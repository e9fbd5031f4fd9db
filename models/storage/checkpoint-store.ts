import type { CheckpointStore, StoreDone } from "../workload/attempt.js";
import type { Job } from "../workload/job.js";
import type { ParallelFilesystem, Transfer } from "./parallel-fs.js";

/**
 * Checkpoints written to and read from the parallel filesystem: a write's duration is its
 * share of the OSTs' bandwidth while it lasts, so it grows with the number of jobs writing
 * at once, and a write that outlasts `timeoutUs` fails (the job keeps its previous
 * checkpoint). Each write opens a file, so a metadata storm delays checkpoints too.
 */
export interface FilesystemCheckpointOptions {
  /** OSTs each checkpoint file is striped over. */
  readonly stripeCount: number;
  /** A write or read that takes longer fails; Infinity: never. */
  readonly timeoutUs: number;
}

export class FilesystemCheckpointStore implements CheckpointStore {
  readonly #pfs: ParallelFilesystem;
  readonly #options: FilesystemCheckpointOptions;
  #onWritten: StoreDone | null = null;
  #onRead: StoreDone | null = null;

  constructor(pfs: ParallelFilesystem, options: FilesystemCheckpointOptions) {
    this.#pfs = pfs;
    this.#options = options;
  }

  connect(onWritten: StoreDone, onRead: StoreDone): void {
    this.#onWritten = onWritten;
    this.#onRead = onRead;
  }

  write(job: Job, bytes: number, _fraction: number): Transfer {
    const onWritten = this.#onWritten!;
    return this.#pfs.write(bytes, {
      stripeCount: this.#options.stripeCount,
      ...(this.#options.timeoutUs === Infinity ? {} : { timeoutUs: this.#options.timeoutUs }),
      onDone: (transfer) => onWritten(job, transfer.status === "completed"),
    });
  }

  read(job: Job, bytes: number, _fraction: number): Transfer {
    const onRead = this.#onRead!;
    return this.#pfs.read(bytes, {
      stripeCount: this.#options.stripeCount,
      ...(this.#options.timeoutUs === Infinity ? {} : { timeoutUs: this.#options.timeoutUs }),
      onDone: (transfer) => onRead(job, transfer.status === "completed"),
    });
  }

  cancel(operation: unknown): void {
    this.#pfs.cancel(operation as Transfer);
  }

  aloneUs(_kind: "write" | "read", _job: Job, bytes: number): number {
    return this.#pfs.aloneUs(bytes, this.#options.stripeCount);
  }
}
