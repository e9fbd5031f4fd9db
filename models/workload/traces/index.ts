/**
 * Trace readers: one call that reads a workload trace file (plain or gzip, told apart by
 * magic bytes) into TraceJobs. Formats: `swf` (Standard Workload Format, swf.ts), `sacct`
 * (Slurm `sacct --parsable2`, sacct.ts), `alibaba` (Alibaba GPU v2023 pod list, alibaba.ts).
 * Each reader's file says what it keeps, what it leaves out and where the format is defined.
 *
 * Bad input is a TraceError (the CLI exits 2): every malformed line as `file:line: field …`,
 * unless `skipInvalid` turns them into counted `skipped` entries. Nothing is dropped silently.
 */
import type { TraceReadResult } from "../trace-job.js";
import { parseAlibabaNodes, parseAlibabaPods, type AlibabaNode } from "./alibaba.js";
import { parseSacct } from "./sacct.js";
import { parseSwf } from "./swf.js";
import { readTraceText } from "./text.js";
import { TraceError, type TraceParseOptions } from "./trace-error.js";

export type { TraceJob, TraceJobStatus, TraceReadResult, TraceSkip } from "../trace-job.js";
export type { AlibabaNode } from "./alibaba.js";
export { parseAlibabaNodes, parseAlibabaPods } from "./alibaba.js";
export { parseSacct } from "./sacct.js";
export { parseSwf } from "./swf.js";
export { decodeTraceBytes, isGzip, readTraceText } from "./text.js";
export { TRACE_PROBLEMS_LISTED_MAX, TraceError, type TraceParseOptions } from "./trace-error.js";

/** Formats readTrace understands. */
export type TraceFormat = "swf" | "sacct" | "alibaba";

export const TRACE_FORMATS: readonly TraceFormat[] = ["swf", "sacct", "alibaba"];

/** How to read a trace file. */
export interface ReadTraceOptions {
  readonly format: TraceFormat;
  /** Malformed lines go to `skipped` with their reason instead of failing the read. */
  readonly skipInvalid?: boolean;
  /** Jobs with no run time (never started, not ended, unknown) or no processor count go to `skipped` instead of `jobs`. */
  readonly skipIncomplete?: boolean;
}

/**
 * Reads the trace at `path`. Throws TraceError for an unreadable file
 * (`path: cannot read file (ENOENT)`), a corrupt gzip, or malformed lines.
 */
export function readTrace(path: string, options: ReadTraceOptions): TraceReadResult {
  const text = readTraceText(path);
  const parseOptions: TraceParseOptions = {
    source: path,
    skipInvalid: options.skipInvalid === true,
    skipIncomplete: options.skipIncomplete === true,
  };
  switch (options.format) {
    case "swf":
      return parseSwf(text, parseOptions);
    case "sacct":
      return parseSacct(text, parseOptions);
    case "alibaba":
      return parseAlibabaPods(text, parseOptions);
    default:
      // Reachable only from unchecked input; the scenario schema names the formats.
      throw new TraceError([`${path}: unknown trace format "${String(options.format)}" (expected ${TRACE_FORMATS.join(", ")})`]);
  }
}

/** Reads an Alibaba v2023 node list (`sn,cpu_milli,memory_mib,gpu,model`); malformed lines are a TraceError. */
export function readAlibabaNodes(path: string): AlibabaNode[] {
  return parseAlibabaNodes(readTraceText(path), path);
}
