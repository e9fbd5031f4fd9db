/**
 * The plain record every trace reader produces (`models/workload/traces/`), one per job of a
 * real workload log: Standard Workload Format, Slurm `sacct`, Alibaba GPU pods. It keeps what
 * the log recorded and says `null` where the log does not know, so a simulator can tell the
 * user's estimate (`requestedS`) from the run time that happened (`runS`) and compare its own
 * waits against the recorded ones (`waitS`). Nothing here is sim time: all times are seconds
 * as numbers, converted to µs by whoever builds simulated jobs.
 */

/**
 * How a job ended. `failed` covers every end the system caused or the job did not survive
 * (non-zero exit, time limit, node failure, out of memory, preemption); `cancelled` is a user's
 * or an operator's cancel; `unknown` is a job the log does not say, or one that had not ended.
 * The reader's exact word is kept in `TraceJob.rawState`.
 */
export type TraceJobStatus = "completed" | "failed" | "cancelled" | "unknown";

/** One job of a trace. Plain data: no methods, no sim time. */
export interface TraceJob {
  /**
   * A number unique within one read. SWF: the log's job number. sacct and Alibaba, whose ids
   * are not plain numbers (`123_4`, `123+0`, `openb-pod-0061`): the job's 1-based position
   * among the file's well-formed job records, in file order (the same whether or not
   * `skipIncomplete` sets some aside).
   */
  readonly id: number;
  /** The job's id exactly as the trace writes it (`"15"`, `"123_4"`, `"openb-pod-0061"`). */
  readonly sourceId: string;
  /** Submission time, s from the trace start (SWF and Alibaba as recorded; sacct from the earliest submit read). */
  readonly submitS: number;
  /** Actual run time, s (start to end); `null` when the job never started, had not ended, or the log does not say. */
  readonly runS: number | null;
  /** The user's estimate or time limit, s; `null` when unknown or unlimited. A job may run longer than this. */
  readonly requestedS: number | null;
  /** Recorded wait, s (submit to start) under the real scheduler, for comparison; `null` when unknown or never started. */
  readonly waitS: number | null;
  /**
   * Processors (CPUs) used: allocated, or requested when the log has no allocation; `null`
   * when the log knows neither. Alibaba pods give `cpu_milli / 1000`, which may be fractional.
   */
  readonly procs: number | null;
  /** Nodes allocated (requested when not allocated); `null` when the log does not say (SWF counts processors only). */
  readonly nodes: number | null;
  /** Whole GPUs held; 0 for none. A GPU-sharing pod holds 1 and states its share in `gpuMilli`. */
  readonly gpus: number;
  /** Thousandths of one GPU for a job that shares a GPU (`gpus` is 1, 0 < gpuMilli < 1000); `null` for whole GPUs or none. */
  readonly gpuMilli: number | null;
  /** Memory of the whole job, MiB (requested if known, else used); `null` when unknown. */
  readonly memoryMiB: number | null;
  /** The user, as the log names or numbers them; `""` when unknown. */
  readonly user: string;
  /** The user's group (Unix group, or SWF group number); `""` when unknown. */
  readonly group: string;
  /** The queue or partition; `""` when unknown. SWF keeps the queue number (names are in the header's `Queue` lines). */
  readonly queue: string;
  /** Quality of service class (sacct `QOS`, Alibaba `qos`); `""` when unknown. */
  readonly qos: string;
  /** How the job ended, mapped from `rawState`. */
  readonly status: TraceJobStatus;
  /** The log's own end state: SWF status code (`"1"`), Slurm state (`"CANCELLED by 123"`), pod phase (`"Running"`); `""` when absent. */
  readonly rawState: string;
}

/** A line of the trace that produced no job, with the reason. */
export interface TraceSkip {
  /** 1-based line number in the (decompressed) file. */
  readonly line: number;
  /** Why: a malformed-field message, or for an incomplete job a fixed phrase such as "no run time". */
  readonly reason: string;
}

/** Everything one read of a trace produced. */
export interface TraceReadResult {
  /** Jobs in file order (not sorted by submit time). */
  readonly jobs: TraceJob[];
  /** Lines left out, only ever because an option asked for it (`skipInvalid`, `skipIncomplete`). */
  readonly skipped: TraceSkip[];
  /**
   * Facts about the whole trace. SWF: the `; Key: value` header lines (repeated keys and
   * continuation lines joined with "\n"). sacct: `Columns`, `StepLines` (job-step lines read and
   * set aside) and `UnixStartTime` (the earliest submit, read as UTC). Alibaba: `Columns`.
   */
  readonly header: Record<string, string>;
}
