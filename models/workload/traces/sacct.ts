/**
 * Reads Slurm accounting exports: `sacct --parsable2` (fields separated by `|`, a header line
 * of column names first; `--parsable`, with a trailing `|`, is accepted too). Users export
 * their own, so columns may come in any order, in any letter case, and optional ones may be
 * missing; the required ones are JobID, Submit, Start, End or Elapsed (or ElapsedRaw), and
 * NNodes or NCPUS (AllocNodes and AllocCPUS are Slurm's other names for them).
 *
 * Source: the sacct(1) manual, https://slurm.schedmd.com/sacct.html (job state codes,
 * `--parsable2`, the field list), and squeue(1) for the job id forms.
 *
 * Kept: one job per allocation line: plain (`123`), array task (`123_4`), heterogeneous
 * component (`123+0`), and pending array ranges (`123_[5-7%2]`, expanded to one job per task,
 * with no run time since none started). Job steps (`123.batch`, `123.0`, `123.extern`,
 * `123_4.0`) are parts of an allocation, not jobs: they are set aside and counted in the
 * header's `StepLines`. Columns read when present: Timelimit (or TimelimitRaw, minutes),
 * State, User, Group, Partition, QOS, ReqCPUS, ReqNodes, AllocTRES, ReqTRES, ReqMem.
 * Left out: accounts, exit codes, node lists, per-step usage (MaxRSS, TotalCPU), energy.
 *
 * Times: `2024-03-01T12:00:00` is the controller's local time without a zone; we read it as
 * UTC, so submit offsets are exact except across a daylight-saving change, where they can be off
 * by the shift (an hour). `Unknown` and `None` mean the event did not happen. Submit times
 * become offsets from the earliest submit read (the header's `UnixStartTime`).
 *
 * Run time: `Elapsed` when present, else End − Start; null for a job that never started
 * (Start Unknown) or had not ended (RUNNING, PENDING, SUSPENDED, …), since elapsed-so-far is
 * only a lower bound. Durations are `[DD-]HH:MM:SS` or `MM:SS`; a Timelimit of `UNLIMITED`
 * or `Partition_Limit` is null. GPUs come from AllocTRES (ReqTRES when nothing was allocated):
 * `gres/gpu=N`, else the sum of typed `gres/gpu:<type>=N`. Memory comes from the TRES `mem=`
 * (the whole job), else ReqMem (`c` suffix per CPU, `n` per node, no suffix the whole job).
 *
 * States map to TraceJobStatus: COMPLETED → completed; FAILED, TIMEOUT, NODE_FAIL,
 * OUT_OF_MEMORY, BOOT_FAIL, DEADLINE, PREEMPTED, SPECIAL_EXIT, LAUNCH_FAILED → failed (the job
 * did not finish and the user did not stop it); CANCELLED (`CANCELLED by 123`), REVOKED →
 * cancelled; RUNNING, PENDING and the other in-flight states → unknown. The exact state is kept
 * in `rawState`. A state word outside Slurm's list is malformed.
 */
import type { TraceJob, TraceJobStatus, TraceReadResult } from "../trace-job.js";
import { daysFromCivil, daysInMonth } from "./text.js";
import { incompleteReason, LineProblems, type TraceParseOptions } from "./trace-error.js";

const FINISHED_STATES: Readonly<Record<string, TraceJobStatus>> = {
  COMPLETED: "completed",
  FAILED: "failed",
  TIMEOUT: "failed",
  NODE_FAIL: "failed",
  OUT_OF_MEMORY: "failed",
  BOOT_FAIL: "failed",
  DEADLINE: "failed",
  PREEMPTED: "failed",
  SPECIAL_EXIT: "failed",
  LAUNCH_FAILED: "failed",
  RECONFIG_FAIL: "failed",
  CANCELLED: "cancelled",
  REVOKED: "cancelled",
};

/** States of a job that has not ended: its run time is not known yet. */
const IN_FLIGHT_STATES: ReadonlySet<string> = new Set([
  "PENDING",
  "RUNNING",
  "SUSPENDED",
  "REQUEUED",
  "REQUEUE_FED",
  "REQUEUE_HOLD",
  "RESIZING",
  "COMPLETING",
  "CONFIGURING",
  "STAGE_OUT",
  "SIGNALING",
  "STOPPED",
  "RESV_DEL_HOLD",
  "POWER_UP_NODE",
  "UPDATE_DB",
]);

/** Column roles and the names sacct may print for them (matched without regard to case). */
const COLUMN_NAMES = {
  jobId: ["JobID"],
  submit: ["Submit"],
  start: ["Start"],
  end: ["End"],
  elapsed: ["Elapsed"],
  elapsedRaw: ["ElapsedRaw"],
  cpus: ["NCPUS", "AllocCPUS"],
  nodes: ["NNodes", "AllocNodes"],
  reqCpus: ["ReqCPUS"],
  reqNodes: ["ReqNodes"],
  timelimit: ["Timelimit"],
  timelimitRaw: ["TimelimitRaw"],
  state: ["State"],
  user: ["User"],
  group: ["Group"],
  partition: ["Partition"],
  qos: ["QOS"],
  allocTres: ["AllocTRES"],
  reqTres: ["ReqTRES"],
  reqMem: ["ReqMem"],
} as const;

type Role = keyof typeof COLUMN_NAMES;
type Columns = Record<Role, number>; // -1 when absent

const JOB_ID = /^(\d+)(?:_(\d+|\[[^\]]*\]))?(?:\+(\d+))?$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;
const DURATION = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)(?:\.\d+)?$/;
const COUNT = /^\d+$/;
const NO_LIMIT = /^(UNLIMITED|Partition_Limit|INVALID)$/i;
const MEMORY = /^(\d+(?:\.\d+)?)([KMGTP]?)([cn]?)$/;

/** A malformed field; caught per line and reported with file and line. */
class FieldProblem extends Error {}

interface Row {
  readonly line: number;
  readonly sourceId: string;
  readonly submitEpochS: number;
  readonly startEpochS: number | null;
  readonly runS: number | null;
  readonly requestedS: number | null;
  readonly procs: number | null;
  readonly nodes: number | null;
  readonly gpus: number;
  readonly memoryMiB: number | null;
  readonly user: string;
  readonly group: string;
  readonly queue: string;
  readonly qos: string;
  readonly status: TraceJobStatus;
  readonly rawState: string;
  readonly inFlight: boolean;
}

/** Parses sacct text (already decompressed). Throws TraceError listing malformed lines unless `skipInvalid`. */
export function parseSacct(text: string, options: TraceParseOptions): TraceReadResult {
  const problems = new LineProblems(options);
  const lines = text.split("\n");
  let headerIndex = 0;
  while (headerIndex < lines.length && lines[headerIndex].trim() === "") headerIndex += 1;
  if (headerIndex === lines.length) problems.fatal(1, "no header line: expected sacct --parsable2 output, whose first line names the columns");

  const headerText = lines[headerIndex].replace(/\r$/, "");
  const trailingBar = headerText.endsWith("|"); // --parsable rather than --parsable2
  const names = (trailingBar ? headerText.slice(0, -1) : headerText).split("|").map((name) => name.trim());
  const columns = findColumns(names, headerIndex + 1, problems);

  const rows: Row[] = [];
  let stepLines = 0;
  for (let index = headerIndex + 1; index < lines.length; index++) {
    const line = index + 1;
    let lineText = lines[index].replace(/\r$/, "");
    if (lineText.trim() === "") continue;
    if (trailingBar && lineText.endsWith("|")) lineText = lineText.slice(0, -1);
    const cells = lineText.split("|");
    if (cells.length !== names.length) {
      problems.malformed(line, `expected ${names.length} fields separated by "|" (as in the header), got ${cells.length}`);
      continue;
    }
    const jobId = cells[columns.jobId].trim();
    if (jobId.includes(".")) {
      stepLines += 1;
      continue;
    }
    try {
      for (const row of readRow(cells, columns, names, line, jobId)) rows.push(row);
    } catch (error) {
      if (!(error instanceof FieldProblem)) throw error;
      problems.malformed(line, error.message);
    }
  }

  let firstSubmitS = Number.POSITIVE_INFINITY;
  for (const row of rows) firstSubmitS = Math.min(firstSubmitS, row.submitEpochS);
  const jobs: TraceJob[] = [];
  rows.forEach((row, index) => {
    const job: TraceJob = {
      id: index + 1,
      sourceId: row.sourceId,
      submitS: row.submitEpochS - firstSubmitS,
      runS: row.runS,
      requestedS: row.requestedS,
      waitS: row.startEpochS === null ? null : row.startEpochS - row.submitEpochS,
      procs: row.procs,
      nodes: row.nodes,
      gpus: row.gpus,
      gpuMilli: null,
      memoryMiB: row.memoryMiB,
      user: row.user,
      group: row.group,
      queue: row.queue,
      qos: row.qos,
      status: row.status,
      rawState: row.rawState,
    };
    problems.keep(jobs, row.line, job, rowIncompleteReason(row, job));
  });

  problems.finish();
  const header: Record<string, string> = {
    Columns: names.join("|"),
    StepLines: String(stepLines),
    UnixStartTime: rows.length === 0 ? "" : String(firstSubmitS),
  };
  return { jobs, skipped: problems.skipped, header };
}

function rowIncompleteReason(row: Row, job: TraceJob): string | null {
  if (row.startEpochS === null) return "never started";
  if (row.inFlight) return "not ended";
  return incompleteReason(job);
}

function findColumns(names: readonly string[], line: number, problems: LineProblems): Columns {
  const byName = new Map<string, number>();
  names.forEach((name, index) => {
    const key = name.toLowerCase();
    if (!byName.has(key)) byName.set(key, index);
  });
  const columns = {} as Columns;
  for (const role of Object.keys(COLUMN_NAMES) as Role[]) {
    columns[role] = -1;
    for (const name of COLUMN_NAMES[role]) {
      const index = byName.get(name.toLowerCase());
      if (index !== undefined) {
        columns[role] = index;
        break;
      }
    }
  }
  const missing: string[] = [];
  if (columns.jobId < 0) missing.push("JobID");
  if (columns.submit < 0) missing.push("Submit");
  if (columns.start < 0) missing.push("Start");
  if (columns.end < 0 && columns.elapsed < 0 && columns.elapsedRaw < 0) missing.push("End or Elapsed");
  if (columns.nodes < 0 && columns.cpus < 0) missing.push("NNodes or NCPUS");
  if (missing.length > 0) {
    problems.fatal(line, `missing required column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} (header has ${names.join("|")})`);
  }
  return columns;
}

/** The allocation line's job, or one job per task for a pending array range. */
function readRow(cells: readonly string[], columns: Columns, names: readonly string[], line: number, jobId: string): Row[] {
  function cell(role: Role): string {
    return columns[role] < 0 ? "" : cells[columns[role]].trim();
  }
  function fail(role: Role, expected: string): never {
    throw new FieldProblem(`field ${names[columns[role]]}: expected ${expected}, got "${cell(role)}"`);
  }
  function countCell(role: Role): number | null {
    const value = cell(role);
    if (value === "") return null;
    const count = parseCount(value);
    if (count === null) fail(role, "a whole number ≥ 0");
    return count;
  }
  function tresCell(role: Role): Map<string, number> {
    const tres = parseTres(cell(role));
    if (tres === null) fail(role, "TRES such as cpu=8,mem=64G,node=1,gres/gpu=4");
    return tres;
  }
  const TIME = "a time such as 2024-03-01T12:00:00";
  const TIME_OR_UNKNOWN = `${TIME}, "Unknown" or "None"`;

  const idMatch = JOB_ID.exec(jobId);
  if (idMatch === null) fail("jobId", "a job id such as 123, 123_4, 123_[1-5] or 123+0");
  const arrayPart = idMatch[2];

  const submitEpochS = parseTime(cell("submit"));
  if (submitEpochS === null || submitEpochS === undefined) fail("submit", TIME);
  const startEpochS = parseTime(cell("start"));
  if (startEpochS === undefined) fail("start", TIME_OR_UNKNOWN);
  const endEpochS = columns.end < 0 ? null : parseTime(cell("end"));
  if (endEpochS === undefined) fail("end", TIME_OR_UNKNOWN);

  let elapsedS: number | null = null;
  if (columns.elapsed >= 0 && cell("elapsed") !== "") {
    elapsedS = parseDuration(cell("elapsed"));
    if (elapsedS === null) fail("elapsed", "a duration such as 1-02:03:04, 02:03:04 or 03:04");
  } else if (columns.elapsedRaw >= 0 && cell("elapsedRaw") !== "") {
    elapsedS = parseCount(cell("elapsedRaw"));
    if (elapsedS === null) fail("elapsedRaw", "a whole number of seconds");
  }

  let requestedS: number | null = null;
  if (columns.timelimit >= 0) {
    const limit = cell("timelimit");
    if (limit !== "" && !NO_LIMIT.test(limit)) {
      requestedS = parseDuration(limit);
      if (requestedS === null) fail("timelimit", 'a duration such as 1-00:00:00, 04:00:00 or 30:00, "UNLIMITED" or "Partition_Limit"');
    }
  } else if (columns.timelimitRaw >= 0) {
    const limit = cell("timelimitRaw");
    if (limit !== "" && !NO_LIMIT.test(limit)) {
      const minutes = parseCount(limit);
      if (minutes === null) fail("timelimitRaw", 'a whole number of minutes, "UNLIMITED" or "Partition_Limit"');
      requestedS = minutes * 60;
    }
  }

  const rawState = cell("state");
  const stateWord = rawState.split(/\s/)[0].replace(/\+$/, "").toUpperCase();
  let status: TraceJobStatus = "unknown";
  let inFlight = false;
  if (stateWord !== "") {
    const finished = FINISHED_STATES[stateWord];
    if (finished !== undefined) status = finished;
    else if (IN_FLIGHT_STATES.has(stateWord)) inFlight = true;
    else fail("state", "a Slurm job state such as COMPLETED, FAILED, CANCELLED, TIMEOUT or RUNNING");
  }

  if (startEpochS !== null && endEpochS !== null && endEpochS < startEpochS) {
    throw new FieldProblem(`field ${names[columns.end]}: "${cell("end")}" is before Start "${cell("start")}"`);
  }
  if (startEpochS !== null && startEpochS < submitEpochS) {
    throw new FieldProblem(`field ${names[columns.start]}: "${cell("start")}" is before Submit "${cell("submit")}"`);
  }
  let runS: number | null = null;
  if (startEpochS !== null && !inFlight) {
    if (elapsedS !== null) runS = elapsedS;
    else if (endEpochS !== null) runS = endEpochS - startEpochS;
  }

  const allocTres = tresCell("allocTres");
  const reqTres = tresCell("reqTres");
  const tres = allocTres.size > 0 ? allocTres : reqTres;
  // Pending and cancelled-before-start jobs show 0 allocated; fall back to the request.
  const procs = positive(countCell("cpus")) ?? positive(countCell("reqCpus")) ?? positive(tres.get("cpu") ?? null);
  const nodes = positive(countCell("nodes")) ?? positive(countCell("reqNodes")) ?? positive(tres.get("node") ?? null);
  const gpus = gpuCount(tres);
  let memoryMiB = tres.get("mem") ?? null;
  if (memoryMiB === null && cell("reqMem") !== "") {
    const match = MEMORY.exec(cell("reqMem"));
    if (match === null) fail("reqMem", "memory such as 4000M, 64G, 4000Mc or 64Gn");
    const amountMiB = memoryToMiB(match[1], match[2]);
    const per = match[3];
    if (per === "c") memoryMiB = procs === null ? null : amountMiB * procs;
    else if (per === "n") memoryMiB = nodes === null ? null : amountMiB * nodes;
    else memoryMiB = amountMiB;
  }

  const row: Row = {
    line,
    sourceId: jobId,
    submitEpochS,
    startEpochS,
    runS,
    requestedS,
    procs,
    nodes,
    gpus,
    memoryMiB,
    user: cell("user"),
    group: cell("group"),
    queue: cell("partition"),
    qos: cell("qos"),
    status,
    rawState,
    inFlight,
  };
  if (arrayPart === undefined || !arrayPart.startsWith("[")) return [row];
  const tasks = expandArrayRange(arrayPart);
  if (tasks === null) fail("jobId", "an array range such as 123_[1-5,7] or 123_[0-99%4]");
  return tasks.map((task) => ({ ...row, sourceId: `${idMatch[1]}_${task}` }));
}

function positive(value: number | null): number | null {
  return value !== null && value > 0 ? value : null;
}

function parseCount(text: string): number | null {
  return COUNT.test(text) ? Number(text) : null;
}

/**
 * Seconds since 1970 of a zone-less sacct time read as UTC; null for "Unknown"/"None"/empty;
 * undefined when malformed.
 */
export function parseTime(text: string): number | null | undefined {
  if (text === "" || text === "Unknown" || text === "None") return null;
  const match = TIMESTAMP.exec(text);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  return daysFromCivil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second;
}

/** Seconds of `[DD-]HH:MM:SS`, `MM:SS` (fractions of a second dropped), or null. */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text);
  if (match === null) return null;
  const days = match[1] === undefined ? 0 : Number(match[1]);
  const hours = match[2] === undefined ? 0 : Number(match[2]);
  if (match[1] !== undefined && match[2] === undefined) return null; // "1-02:03" is ambiguous
  const minutes = Number(match[3]);
  const seconds = Number(match[4]);
  if (seconds > 59 || (match[2] !== undefined && minutes > 59)) return null;
  return ((days * 24 + hours) * 60 + minutes) * 60 + seconds;
}

/** TRES `key=value` pairs: counts as numbers, `mem` in MiB; null when a pair is malformed. */
function parseTres(text: string): Map<string, number> | null {
  const tres = new Map<string, number>();
  if (text === "") return tres;
  for (const pair of text.split(",")) {
    const equals = pair.indexOf("=");
    if (equals <= 0) return null;
    const key = pair.slice(0, equals).trim();
    const value = pair.slice(equals + 1).trim();
    if (key === "mem") {
      const match = MEMORY.exec(value);
      if (match === null || match[3] !== "") return null;
      tres.set(key, memoryToMiB(match[1], match[2]));
    } else if (key === "cpu" || key === "node" || key.startsWith("gres/gpu")) {
      const count = parseCount(value);
      if (count === null) return null;
      tres.set(key, count);
    }
    // Other TRES (billing, energy, licences, fs/disk) carry nothing we keep.
  }
  return tres;
}

/** `gres/gpu=N` when present (Slurm's total), else the sum of typed `gres/gpu:<type>=N`. */
function gpuCount(tres: ReadonlyMap<string, number>): number {
  const total = tres.get("gres/gpu");
  if (total !== undefined) return total;
  let sum = 0;
  for (const [key, count] of tres) if (key.startsWith("gres/gpu:")) sum += count;
  return sum;
}

const MIB_PER_UNIT: Readonly<Record<string, number>> = { "": 1, K: 1 / 1024, M: 1, G: 1024, T: 1024 * 1024, P: 1024 * 1024 * 1024 };

function memoryToMiB(amount: string, unit: string): number {
  return Number(amount) * MIB_PER_UNIT[unit];
}

/** Task ids of an array range such as `[1-5,7,10-20%4]` (the `%` throttle is dropped), or null. */
function expandArrayRange(range: string): number[] | null {
  const inner = range.slice(1, -1).replace(/%\d+$/, "");
  const tasks: number[] = [];
  for (const item of inner.split(",")) {
    const match = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(item);
    if (match === null) return null;
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    const step = match[3] === undefined ? 1 : Number(match[3]);
    if (last < first || step < 1) return null;
    for (let task = first; task <= last; task += step) tasks.push(task);
  }
  return tasks;
}



