import { assert } from "../../sim/assert.js";
import type { Sim } from "../../sim/sim.js";
import type { StartupIo } from "../workload/attempt.js";
import type { Job } from "../workload/job.js";
import type { MetadataOutcome } from "./metadata-server.js";
import type { ParallelFilesystem } from "./parallel-fs.js";

export interface MetadataStartupOptions {
  /** Processes per node (MPI ranks, Python workers), each doing its own start-up. */
  readonly processesPerNode: number;
  /** Metadata ops each process does before computing: stats and opens of imports and inputs. */
  readonly opsPerProcess: number;
  /** How long a client waits after a timed-out or rejected op before sending it again, µs. */
  readonly retryAfterUs: number;
}

/** One attempt's start-up under way. */
class Startup {
  cancelled = false;
  issued = 0;
  completed = 0;
  constructor(
    readonly job: Job,
    readonly total: number,
  ) {}
}

/**
 * The start-up I/O of a job's attempt: every process on every node does `opsPerProcess`
 * metadata ops one after another (an interpreter importing its modules, a code opening
 * its inputs) at the filesystem's metadata server, so a job keeps one op per process in
 * flight until its last ones. The attempt computes once every op has completed.
 *
 * Alone on the server a job's start-up takes processes × opsPerProcess / opsPerSec: with
 * one op per process in flight the server never idles. The cost lies in many jobs starting
 * at once — a sweep of short jobs, each start-up a closed loop of its processes on one
 * FIFO server, so every start waits behind every other (the "import storm" of Python at
 * scale; Frings et al., "Massively Parallel Loading", ICS 2013).
 *
 * An op that times out or is rejected is sent again after `retryAfterUs` (the client
 * resends); it does not fail the job. Cancelling (the attempt was interrupted) drops the
 * ops still to come; those already at the server run to their end and are ignored.
 *
 * Leaves out: client-side caching (a second process on a node importing the same module
 * still asks the server), per-op costs, and any shared-library broadcast tool (Spindle).
 */
export class MetadataStartup implements StartupIo {
  readonly #sim: Sim;
  readonly #filesystem: ParallelFilesystem;
  readonly #options: MetadataStartupOptions;
  #onDone: (job: Job) => void = () => assert(false, "start-up not connected");
  readonly #onOp = (outcome: MetadataOutcome, startup: Startup): void => this.#opDone(outcome, startup);
  readonly #onRetry = (startup: Startup): void => this.#send(startup);

  constructor(sim: Sim, filesystem: ParallelFilesystem, options: MetadataStartupOptions) {
    assert(Number.isInteger(options.processesPerNode) && options.processesPerNode > 0);
    assert(Number.isInteger(options.opsPerProcess) && options.opsPerProcess > 0);
    assert(options.retryAfterUs > 0);
    this.#sim = sim;
    this.#filesystem = filesystem;
    this.#options = options;
  }

  connect(onDone: (job: Job) => void): void {
    this.#onDone = onDone;
  }

  begin(job: Job): Startup {
    const processes = job.nodeCount * this.#options.processesPerNode;
    const startup = new Startup(job, processes * this.#options.opsPerProcess);
    for (let i = 0; i < processes; i++) this.#next(startup);
    return startup;
  }

  cancel(operation: unknown): void {
    (operation as Startup).cancelled = true;
  }

  /** Every op of every process, one at a time at the server's mean service time. */
  aloneUs(job: Job): number {
    return job.nodeCount * this.#options.processesPerNode * this.#options.opsPerProcess * this.#filesystem.metadataOpUs;
  }

  /** The process whose op just ended sends its next one, if any are left to send. */
  #next(startup: Startup): void {
    if (startup.issued === startup.total) return;
    startup.issued++;
    this.#send(startup);
  }

  #send(startup: Startup): void {
    if (startup.cancelled) return;
    this.#filesystem.metadataOp(this.#onOp, startup);
  }

  #opDone(outcome: MetadataOutcome, startup: Startup): void {
    if (startup.cancelled) return;
    if (outcome !== "completed") {
      this.#sim.schedule(this.#options.retryAfterUs, this.#onRetry, startup);
      return;
    }
    startup.completed++;
    if (startup.completed === startup.total) this.#onDone(startup.job);
    else this.#next(startup);
  }
}
