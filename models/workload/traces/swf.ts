/**
 * Reads the Standard Workload Format (SWF) of the Parallel Workloads Archive: one job per line,
 * 18 whitespace-separated numeric fields, `-1` for unknown, header lines starting with `;`
 * (`; MaxProcs: 100`), which land in `header`.
 *
 * Source: D. G. Feitelson, "The Standard Workload Format",
 * https://www.cs.huji.ac.il/labs/parallel/workload/swf.html (version 2.2), and Chapin et al.,
 * "Benchmarks and standards for the evaluation of parallel job schedulers", JSSPP 1999.
 *
 * Kept: job number, submit, wait, run time, processors (allocated, else requested), requested
 * time, memory (requested, else used; the format gives KB per processor, we give MiB per job),
 * status, user, group, queue. Left out: average CPU time, executable, partition, preceding job
 * and think time (validated, not returned). Numbers may carry a fraction (LANL-CM5 writes CPU
 * time as `489.00`).
 *
 * Unknown values are not malformed: a job with run time `-1` or no processor count is kept with
 * `null` there (`skipIncomplete` sets it aside in `skipped` instead). Malformed, reported with
 * file, line and field: a line without exactly 18 fields, a field that is not a number, a
 * negative other than -1, a submit time of -1 (a job must be placed in time), a status outside
 * -1..5, a fractional or repeated job number.
 */
import type { TraceJob, TraceJobStatus, TraceReadResult } from "../trace-job.js";
import { incompleteReason, LineProblems, type TraceParseOptions } from "./trace-error.js";

const FIELD_COUNT = 18;

/** Field names as the SWF definition gives them, for messages (index = field number − 1). */
const FIELD_NAMES = [
  "job number",
  "submit time",
  "wait time",
  "run time",
  "allocated processors",
  "average CPU time",
  "used memory",
  "requested processors",
  "requested time",
  "requested memory",
  "status",
  "user id",
  "group id",
  "executable id",
  "queue id",
  "partition id",
  "preceding job",
  "think time",
] as const;

const CHAR_TAB = 9;
const CHAR_LF = 10;
const CHAR_CR = 13;
const CHAR_SPACE = 32;
const CHAR_MINUS = 45;
const CHAR_DOT = 46;
const CHAR_0 = 48;
const CHAR_9 = 57;
const CHAR_SEMICOLON = 59;

const HEADER_LINE = /^;\s*([A-Za-z][A-Za-z0-9_]*):(?:\s+(.*))?$/;

/** One job line's fields: values, where each token starts and ends (for messages), count, first non-number. */
interface LineFields {
  readonly values: Float64Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  count: number;
  badField: number;
}

/** Parses SWF text (already decompressed). Throws TraceError listing malformed lines unless `skipInvalid`. */
export function parseSwf(text: string, options: TraceParseOptions): TraceReadResult {
  const problems = new LineProblems(options);
  const jobs: TraceJob[] = [];
  const header: Record<string, string> = {};
  const jobNumbers = new JobNumbers();
  let lastHeaderKey: string | null = null;
  const fields: LineFields = {
    values: new Float64Array(FIELD_COUNT),
    starts: new Int32Array(FIELD_COUNT),
    ends: new Int32Array(FIELD_COUNT),
    count: 0,
    badField: -1,
  };

  const length = text.length;
  let line = 0;
  let i = 0;
  while (i < length) {
    line += 1;
    const first = skipBlanks(text, i);
    const c = first < length ? text.charCodeAt(first) : CHAR_LF;
    if (c === CHAR_LF) {
      i = first + 1;
      continue;
    }
    if (c === CHAR_SEMICOLON) {
      let end = text.indexOf("\n", first);
      if (end < 0) end = length;
      lastHeaderKey = readHeaderLine(text.slice(first, end).trimEnd(), header, lastHeaderKey);
      i = end + 1;
      continue;
    }

    i = scanJobLine(text, first, fields);
    if (fields.count !== FIELD_COUNT) {
      problems.malformed(line, `expected ${FIELD_COUNT} whitespace-separated fields, got ${fields.count}`);
      continue;
    }
    const reason = fields.badField >= 0 ? fieldProblem(text, fields, fields.badField) : checkFields(text, fields);
    if (reason !== null) {
      problems.malformed(line, reason);
      continue;
    }
    const jobNumber = fields.values[0];
    const firstLine = jobNumbers.claim(jobNumber, line);
    if (firstLine !== line) {
      problems.malformed(line, `field 1 (job number): ${jobNumber} is already used on line ${firstLine}`);
      continue;
    }
    const job = swfJob(fields.values);
    problems.keep(jobs, line, job, incompleteReason(job));
  }

  problems.finish();
  return { jobs, skipped: problems.skipped, header };
}

function skipBlanks(text: string, i: number): number {
  const length = text.length;
  while (i < length) {
    const c = text.charCodeAt(i);
    if (c !== CHAR_SPACE && c !== CHAR_TAB && c !== CHAR_CR) break;
    i += 1;
  }
  return i;
}

/**
 * Scans the job line starting at `i` into `fields` and returns the index just past its
 * newline. A hand-written scanner, not split and Number(): it reads LANL-CM5's 11 MB several
 * times faster. Reading past the end yields a newline, so every loop stops at the end of the text.
 */
function scanJobLine(text: string, i: number, fields: LineFields): number {
  const { values, starts, ends } = fields;
  const length = text.length;
  let count = 0;
  let badField = -1;
  while (i < length) {
    let c = text.charCodeAt(i);
    if (c === CHAR_SPACE || c === CHAR_TAB || c === CHAR_CR) {
      i += 1;
      continue;
    }
    if (c === CHAR_LF) break;
    const start = i;
    let negative = false;
    let whole = 0;
    let fraction = 0;
    let scale = 1;
    let digits = 0;
    let valid = true;
    if (c === CHAR_MINUS) {
      negative = true;
      c = ++i < length ? text.charCodeAt(i) : CHAR_LF;
    }
    while (c >= CHAR_0 && c <= CHAR_9) {
      whole = whole * 10 + (c - CHAR_0);
      digits += 1;
      c = ++i < length ? text.charCodeAt(i) : CHAR_LF;
    }
    if (c === CHAR_DOT) {
      c = ++i < length ? text.charCodeAt(i) : CHAR_LF;
      while (c >= CHAR_0 && c <= CHAR_9) {
        fraction = fraction * 10 + (c - CHAR_0);
        scale *= 10;
        digits += 1;
        c = ++i < length ? text.charCodeAt(i) : CHAR_LF;
      }
    }
    // Anything else before the next blank makes the token not a number.
    while (c !== CHAR_SPACE && c !== CHAR_TAB && c !== CHAR_CR && c !== CHAR_LF) {
      valid = false;
      c = ++i < length ? text.charCodeAt(i) : CHAR_LF;
    }
    if (digits === 0) valid = false;
    if (count < FIELD_COUNT) {
      const magnitude = scale === 1 ? whole : whole + fraction / scale;
      values[count] = negative ? -magnitude : magnitude;
      starts[count] = start;
      ends[count] = i;
      if (!valid && badField < 0) badField = count;
    }
    count += 1;
  }
  fields.count = count;
  fields.badField = badField;
  return i + 1;
}

/**
 * The job numbers seen so far and their lines. Logs number jobs in increasing order, so a
 * number above every earlier one is new without a lookup; the map is built only if the order breaks.
 */
class JobNumbers {
  #highest = Number.NEGATIVE_INFINITY;
  readonly #numbers: number[] = [];
  readonly #lines: number[] = [];
  #lineByNumber: Map<number, number> | null = null;

  /** Records `jobNumber` at `line` and returns `line`, or the line that already holds the number. */
  claim(jobNumber: number, line: number): number {
    if (this.#lineByNumber === null && jobNumber > this.#highest) {
      this.#highest = jobNumber;
      this.#numbers.push(jobNumber);
      this.#lines.push(line);
      return line;
    }
    if (this.#lineByNumber === null) {
      this.#lineByNumber = new Map();
      for (let k = 0; k < this.#numbers.length; k++) this.#lineByNumber.set(this.#numbers[k], this.#lines[k]);
    }
    const firstLine = this.#lineByNumber.get(jobNumber);
    if (firstLine !== undefined) return firstLine;
    this.#lineByNumber.set(jobNumber, line);
    return line;
  }
}

/** Stores one `;` line in `header`; returns the key a following continuation line belongs to. */
function readHeaderLine(lineText: string, header: Record<string, string>, lastKey: string | null): string | null {
  const match = HEADER_LINE.exec(lineText);
  if (match !== null) {
    const key = match[1];
    const value = (match[2] ?? "").trim();
    header[key] = key in header ? `${header[key]}\n${value}` : value;
    return key;
  }
  const continuation = lineText.slice(1).trim();
  if (continuation === "") return null;
  if (lastKey !== null) header[lastKey] = `${header[lastKey]}\n${continuation}`;
  return lastKey;
}

/** What a field must hold, for messages. */
function expectation(index: number): string {
  if (index === 0) return "a whole number ≥ 0";
  if (index === 1) return "a number ≥ 0 (a job needs a submit time)";
  if (index === 10) return "one of -1, 0, 1, 2, 3, 4, 5";
  return "a number ≥ 0 or -1";
}

function fieldProblem(text: string, fields: LineFields, index: number): string {
  const got = text.slice(fields.starts[index], fields.ends[index]);
  return `field ${index + 1} (${FIELD_NAMES[index]}): expected ${expectation(index)}, got "${got}"`;
}

/** The first field that breaks a rule, as a message, or null when the line is a valid job. */
function checkFields(text: string, fields: LineFields): string | null {
  const values = fields.values;
  const jobNumber = values[0];
  if (jobNumber < 0 || !Number.isInteger(jobNumber)) return fieldProblem(text, fields, 0);
  if (values[1] < 0) return fieldProblem(text, fields, 1);
  for (let field = 2; field < FIELD_COUNT; field++) {
    const value = values[field];
    if (value < 0 && value !== -1) return fieldProblem(text, fields, field);
  }
  const status = values[10];
  if (!Number.isInteger(status) || status > 5) return fieldProblem(text, fields, 10);
  return null;
}

/**
 * SWF status codes: 1 completed, 0 failed, 5 cancelled; for checkpointed jobs split into
 * parts, 2 is a part to be continued, 3 the last part of a completed job, 4 of a failed one.
 */
function swfStatus(code: number): TraceJobStatus {
  switch (code) {
    case 1:
    case 3:
      return "completed";
    case 0:
    case 4:
      return "failed";
    case 5:
      return "cancelled";
    default:
      return "unknown";
  }
}

function known(value: number): number | null {
  return value === -1 ? null : value;
}

function idText(value: number): string {
  return value === -1 ? "" : String(value);
}

function swfJob(values: Float64Array): TraceJob {
  const allocated = values[4];
  const requested = values[7];
  // Allocation 0 means none was made (a job cancelled before it started), so it falls back too.
  const procs = allocated > 0 ? allocated : requested > 0 ? requested : null;
  // Memory fields are KB per processor.
  const memoryKiBPerProc = values[9] >= 0 ? values[9] : values[6] >= 0 ? values[6] : null;
  const memoryMiB = memoryKiBPerProc === null || procs === null ? null : (memoryKiBPerProc * procs) / 1024;
  return {
    id: values[0],
    sourceId: String(values[0]),
    submitS: values[1],
    runS: known(values[3]),
    requestedS: known(values[8]),
    waitS: known(values[2]),
    procs,
    nodes: null,
    gpus: 0,
    gpuMilli: null,
    memoryMiB,
    user: idText(values[11]),
    group: idText(values[12]),
    queue: idText(values[14]),
    qos: "",
    status: swfStatus(values[10]),
    rawState: String(values[10]),
  };
}
