/**
 * Bad trace input and the bookkeeping every reader shares: a malformed line is either an error
 * that names file, line and field, or (with `skipInvalid`) a counted skip. Never dropped
 * silently.
 */
import type { TraceJob, TraceSkip } from "../trace-job.js";

/** Problems listed in a TraceError before the rest are summed up as "… and N more". */
export const TRACE_PROBLEMS_LISTED_MAX = 20;

/**
 * An unreadable or invalid trace: bad input, so the CLI exits 2 and prints `problems`, one per
 * line, each starting with `file:line:`. Lists at most TRACE_PROBLEMS_LISTED_MAX problems, then
 * "… and N more"; `problemCount` is the full count.
 */
export class TraceError extends Error {
  override readonly name = "TraceError";
  readonly problems: readonly string[];
  readonly problemCount: number;

  constructor(problems: readonly string[], problemCount: number = problems.length) {
    const listed = problems.slice(0, TRACE_PROBLEMS_LISTED_MAX);
    if (problemCount > listed.length) listed.push(`… and ${problemCount - listed.length} more`);
    super(listed.join("\n"));
    this.problems = listed;
    this.problemCount = problemCount;
  }
}

/** What every reader accepts besides the text. */
export interface TraceParseOptions {
  /** Names the input in messages: the path as the user gave it. */
  readonly source: string;
  /** Malformed lines go to `skipped` with their reason instead of failing the read. */
  readonly skipInvalid?: boolean;
  /**
   * Jobs the simulator cannot replay as they stand (no run time: never started, not ended,
   * unknown; or neither processor nor node count) go to `skipped` with a fixed reason instead
   * of `jobs`. Off by default: such jobs are kept, with `null` in the unknown field.
   */
  readonly skipIncomplete?: boolean;
}

/** Collects malformed lines while a reader scans, then throws them all at once. */
export class LineProblems {
  readonly #options: TraceParseOptions;
  readonly #listed: string[] = [];
  #count = 0;
  readonly skipped: TraceSkip[] = [];

  constructor(options: TraceParseOptions) {
    this.#options = options;
  }

  /** Records that `line` is malformed; `reason` names the field and what was expected. */
  malformed(line: number, reason: string): void {
    if (this.#options.skipInvalid === true) {
      this.skipped.push({ line, reason });
      return;
    }
    this.#count += 1;
    if (this.#listed.length < TRACE_PROBLEMS_LISTED_MAX) this.#listed.push(`${this.#options.source}:${line}: ${reason}`);
  }

  /** A problem with the file as a whole (no header, missing column): an error even under `skipInvalid`. */
  fatal(line: number, reason: string): never {
    throw new TraceError([`${this.#options.source}:${line}: ${reason}`]);
  }

  /**
   * Keeps `job`, or under `skipIncomplete` sets it aside when `incompleteReason` is not null.
   * Returns whether the job was kept.
   */
  keep(jobs: TraceJob[], line: number, job: TraceJob, incompleteReason: string | null): boolean {
    if (incompleteReason !== null && this.#options.skipIncomplete === true) {
      this.skipped.push({ line, reason: incompleteReason });
      return false;
    }
    jobs.push(job);
    return true;
  }

  /** Throws every malformed line found, unless there were none or they were skipped. */
  finish(): void {
    if (this.#count > 0) throw new TraceError(this.#listed, this.#count);
  }
}

/** The usual reason a job is incomplete, or null when it can be replayed. */
export function incompleteReason(job: TraceJob): string | null {
  if (job.runS === null) return "no run time";
  if (job.procs === null && job.nodes === null) return "no processor count";
  return null;
}
