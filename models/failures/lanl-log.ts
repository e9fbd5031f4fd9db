import { assert } from "../../sim/assert.js";
import type { Sim } from "../../sim/sim.js";
import { secondsToUs } from "../../sim/time.js";
import type { Cluster } from "../hardware/cluster.js";
import { daysFromCivil, daysInMonth, readTraceText, splitCsvLine } from "../workload/traces/text.js";
import { LineProblems } from "../workload/traces/trace-error.js";
import type { FailureWiring } from "../cluster/part.js";

/**
 * The LANL failure log (LA-UR-05-7318, "failure data for all systems 1996–2005"): one line
 * per failure of one node, with when the problem started, how long the node was down and
 * its root cause. Read here into records, and replayed onto a cluster by `FailureLogReplay`.
 *
 * Format (scenarios/traces/README.md): CSV with a header; `System` (id 2–24), `nodenumz` (the
 * node counted from 0), `Prob Started` as `m/d/yyyy h:mm` (local time at LANL, minute
 * resolution; read as UTC, which shifts nothing but the 1-hour steps of daylight saving),
 * `Down Time` in minutes, and six root-cause columns (`Facilities`, `Hardware`, `Human
 * Error`, `Network`, `Undetermined`, `Software`) of which normally one holds the sub-cause
 * text. Kept: system, node, start, downtime, root cause and sub-cause. Left out: the machine
 * description columns, `Prob Fixed` (we take `Down Time`, which differs from fixed − started
 * in 24 rows) and `Same Event` ("No" throughout). A row with no root cause gets
 * "unrecorded"; one with two (none in the file) gets the first in column order. An empty
 * `nodenumz` is an unknown node, not an error: system 17's 126 rows leave every machine
 * column empty, so their `nodeNumber` is null.
 *
 * Malformed, reported as `file:line: …` in a TraceError (bad input, exit 2), every one at
 * once: a line whose field count differs from the header's, a quote left open, a system or
 * node that is not a whole number, a date that is not `m/d/yyyy h:mm` or not in the
 * calendar, a downtime that is not a non-negative number of minutes. A missing column is an
 * error at the header line.
 *
 * Source: Los Alamos National Laboratory, LA-UR-05-7318; B. Schroeder, G. A. Gibson, "A
 * large-scale study of failures in high-performance computing systems", DSN 2006.
 */

/** A root cause, as the column that holds it (kebab-case); "unrecorded" when none does. */
export type LanlRootCause = "facilities" | "hardware" | "human-error" | "network" | "undetermined" | "software" | "unrecorded";

/** One failure of one node, as logged. */
export interface LanlFailure {
  /** LANL's system id (2–24). */
  readonly system: number;
  /** The node within its system, from 0 (`nodenumz`); null when the log leaves it empty. */
  readonly nodeNumber: number | null;
  /** Seconds from the earliest failure read (of the system chosen, or of all); whole minutes. */
  readonly startS: number;
  /** How long the node was down, seconds (`Down Time` × 60; may be 0). */
  readonly downtimeS: number;
  readonly cause: LanlRootCause;
  /** The sub-cause text of the root-cause column ("CPU", "Other Software"); "" when unrecorded. */
  readonly detail: string;
  /** Line in the file, from 1 (the header). */
  readonly line: number;
}

/** Root-cause columns in file order, with the cause each names. */
const CAUSE_COLUMNS: readonly (readonly [string, LanlRootCause])[] = [
  ["Facilities", "facilities"],
  ["Hardware", "hardware"],
  ["Human Error", "human-error"],
  ["Network", "network"],
  ["Undetermined", "undetermined"],
  ["Software", "software"],
];

const DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2})$/;
const WHOLE = /^\d+$/;
const MINUTES = /^\d+(?:\.\d+)?$/;

/** Reads the log at `path` (gzip or plain), keeping one system's failures, or all for null. */
export function readLanlFailureLog(path: string, system: number | null = null): LanlFailure[] {
  return parseLanlFailureLog(readTraceText(path), path, system);
}

/**
 * Parses the log's text; `source` names it in messages. Every line is checked, whatever
 * system is kept. Records come sorted by start time, then by line (file order).
 */
export function parseLanlFailureLog(text: string, source: string, system: number | null = null): LanlFailure[] {
  const problems = new LineProblems({ source });
  const lines = text.split("\n");
  let headerIndex = 0;
  while (headerIndex < lines.length && lines[headerIndex].trim() === "") headerIndex++;
  if (headerIndex === lines.length) problems.fatal(1, "no header line: expected the LANL failure log's columns (System, …, Down Time, …)");
  const names = splitCsvLine(lines[headerIndex].replace(/\r$/, ""))?.map((name) => name.trim()) ?? [];
  const columnOf = (name: string): number => {
    const index = names.indexOf(name);
    if (index < 0) problems.fatal(headerIndex + 1, `missing column "${name}" (header has ${names.join(",")})`);
    return index;
  };
  const systemColumn = columnOf("System");
  const nodeColumn = columnOf("nodenumz");
  const startedColumn = columnOf("Prob Started");
  const downColumn = columnOf("Down Time");
  const causeColumns = CAUSE_COLUMNS.map(([name]) => columnOf(name));

  const kept: { record: Omit<LanlFailure, "startS">; startMin: number }[] = [];
  for (let index = headerIndex + 1; index < lines.length; index++) {
    const lineText = lines[index].replace(/\r$/, "");
    if (lineText.trim() === "") continue;
    const line = index + 1;
    const cells = splitCsvLine(lineText);
    if (cells === null) {
      problems.malformed(line, "unterminated quoted field");
      continue;
    }
    if (cells.length !== names.length) {
      problems.malformed(line, `expected ${names.length} comma-separated fields (as in the header), got ${cells.length}`);
      continue;
    }
    const systemText = cells[systemColumn].trim();
    const nodeText = cells[nodeColumn].trim();
    const startedText = cells[startedColumn].trim();
    const downText = cells[downColumn].trim();
    const reasons: string[] = [];
    if (!WHOLE.test(systemText)) reasons.push(`System: expected a whole number, got "${systemText}"`);
    if (nodeText !== "" && !WHOLE.test(nodeText)) reasons.push(`nodenumz: expected a whole number, got "${nodeText}"`);
    const startMin = minutesSinceEpoch(startedText);
    if (startMin === null) reasons.push(`Prob Started: expected a date m/d/yyyy h:mm, got "${startedText}"`);
    if (!MINUTES.test(downText)) reasons.push(`Down Time: expected minutes (a number ≥ 0), got "${downText}"`);
    if (reasons.length > 0) {
      problems.malformed(line, reasons.join("; "));
      continue;
    }
    const recordSystem = Number(systemText);
    if (system !== null && recordSystem !== system) continue;
    let cause: LanlRootCause = "unrecorded";
    let detail = "";
    for (let c = 0; c < causeColumns.length; c++) {
      const text = cells[causeColumns[c]].trim();
      if (text !== "") {
        cause = CAUSE_COLUMNS[c][1];
        detail = text;
        break;
      }
    }
    kept.push({
      record: { system: recordSystem, nodeNumber: nodeText === "" ? null : Number(nodeText), downtimeS: Number(downText) * 60, cause, detail, line },
      startMin: startMin!,
    });
  }
  problems.finish();

  let earliestMin = Infinity;
  for (const { startMin } of kept) if (startMin < earliestMin) earliestMin = startMin;
  const records = kept.map(({ record, startMin }) => ({ ...record, startS: (startMin - earliestMin) * 60 }));
  records.sort(byStartThenLine);
  return records;
}

function byStartThenLine(a: LanlFailure, b: LanlFailure): number {
  return a.startS - b.startS || a.line - b.line;
}

/** Minutes since 1970-01-01 00:00 UTC of `m/d/yyyy h:mm`, or null when it is not such a date. */
function minutesSinceEpoch(text: string): number | null {
  const match = DATE.exec(text);
  if (match === null) return null;
  const month = Number(match[1]);
  const day = Number(match[2]);
  const year = Number(match[3]);
  const hour = Number(match[4]);
  const minute = Number(match[5]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59) return null;
  return (daysFromCivil(year, month, day) * 24 + hour) * 60 + minute;
}




export interface FailureLogReplayOptions {
  /** Sim time at which the log's time 0 (its earliest record) falls, µs. */
  readonly startUs: number;
}

/**
 * Replays a failure log onto a cluster: each logged failure crashes its node at its start
 * time and restores it after its downtime (at least 1 µs, as a logged 0 min still took the
 * node down). Draws nothing: the same log gives the same crashes under every strategy.
 *
 * Node k of the log is cluster node k mod nodeCount. A log of a bigger system folds onto a
 * smaller cluster (several logged nodes share one cluster node, which sees their failures
 * combined); a smaller log leaves the cluster's higher nodes alone. Racks line up only as
 * far as the two number their nodes alike.
 *
 * A failure whose node is already down (for another cause, or still down from an earlier
 * logged failure that maps to it), or whose node the log leaves empty, is skipped and
 * recorded as `NodeCrashSkipped` with its reason: a down node stays down for as long as
 * whoever took it down says. A repair restores only nodes this replay took down and that
 * are still down.
 *
 * Records: `NodeCrashed` (node, target, repairUs, cause, detail, source "lanl-log", the
 * logged system, node and line), `NodeRestored`, `NodeCrashSkipped`.
 */
export class FailureLogReplay {
  readonly #sim: Sim;
  readonly #cluster: Cluster;
  readonly #records: readonly LanlFailure[];
  readonly #options: FailureLogReplayOptions;
  /** Index + 1 of the record holding each node down; 0 for none. */
  readonly #holderOfNode: Int32Array;
  readonly #onDue = (): void => this.#crashDue();
  readonly #onRepaired = (index: number): void => this.#restore(index);
  #next = 0;
  #started = false;
  /** Logged failures that crashed a node. */
  crashCount = 0;
  /** Logged failures that found their node already down. */
  skippedCount = 0;

  constructor(sim: Sim, cluster: Cluster, records: readonly LanlFailure[], options: FailureLogReplayOptions) {
    assert(Number.isInteger(options.startUs));
    assert(options.startUs >= sim.now, "a replay starts now or later");
    for (let i = 1; i < records.length; i++) assert(records[i - 1].startS <= records[i].startS, "log records sorted by start");
    this.#sim = sim;
    this.#cluster = cluster;
    this.#records = records;
    this.#options = options;
    this.#holderOfNode = new Int32Array(cluster.nodeCount);
  }

  /** Cluster node a logged node lands on; -1 when the log does not say which node failed. */
  nodeOf(record: LanlFailure): number {
    return record.nodeNumber === null ? -1 : record.nodeNumber % this.#cluster.nodeCount;
  }

  /** Schedules the first logged failure; each schedules the next, so the queue holds one. */
  start(): void {
    assert(!this.#started, "a replay starts once");
    this.#started = true;
    this.#scheduleNext();
  }

  #dueUs(index: number): number {
    return this.#options.startUs + secondsToUs(this.#records[index].startS);
  }

  #scheduleNext(): void {
    if (this.#next < this.#records.length) this.#sim.scheduleAt(this.#dueUs(this.#next), this.#onDue);
  }

  #crashDue(): void {
    const now = this.#sim.now;
    // As in the rack injector: a no-op due now keeps the model's scheduling pass until
    // every failure of this instant has landed, so a job is not placed on a node about to go.
    this.#sim.schedule(0, NOTHING);
    while (this.#next < this.#records.length && this.#dueUs(this.#next) === now) {
      this.#crash(this.#next);
      this.#next++;
    }
    this.#scheduleNext();
  }

  #crash(index: number): void {
    const record = this.#records[index];
    const node = this.nodeOf(record);
    if (node < 0) {
      this.skippedCount++;
      this.#sim.record({ kind: "NodeCrashSkipped", node, source: "lanl-log", reason: "node not logged", line: record.line });
      return;
    }
    if (!this.#cluster.isUp(node)) {
      this.skippedCount++;
      this.#sim.record({ kind: "NodeCrashSkipped", node, source: "lanl-log", reason: "node down", line: record.line });
      return;
    }
    this.crashCount++;
    const repairUs = Math.max(1, secondsToUs(record.downtimeS));
    this.#holderOfNode[node] = index + 1;
    this.#sim.record({
      kind: "NodeCrashed",
      node,
      target: this.#cluster.nodeName(node),
      repairUs,
      cause: record.cause,
      detail: record.detail,
      source: "lanl-log",
      system: record.system,
      logNode: record.nodeNumber,
      line: record.line,
    });
    this.#cluster.crash(node);
    this.#sim.schedule(repairUs, this.#onRepaired, index);
  }

  #restore(index: number): void {
    const node = this.nodeOf(this.#records[index]);
    if (this.#holderOfNode[node] !== index + 1) return;
    this.#holderOfNode[node] = 0;
    if (this.#cluster.isUp(node)) return;
    this.#sim.record({ kind: "NodeRestored", node });
    this.#cluster.restore(node);
  }
}

const NOTHING = (): void => {};

/** A failure log replayed onto a cluster run. */
export function failureLogReplay(records: readonly LanlFailure[], options: FailureLogReplayOptions): FailureWiring {
  return ({ sim, cluster }) => new FailureLogReplay(sim, cluster, records, options);
}
