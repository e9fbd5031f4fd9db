/**
 * runs.csv: one row per (strategy, replication), every metric a column, and its reader for
 * rebuilding reports from saved results. Written with csv-stringify (RFC 4180 quoting);
 * read with a small RFC 4180 reader below, since the project has no csv-parse dependency
 * and the format it must read is only the one written here.
 */

import { stringify } from "csv-stringify/sync";

import { roundForOutput } from "./format.js";
import type { JobRecord, MetricName, MetricValues, RunRecord, Summary } from "./records.js";
import { METRIC_NAMES } from "./records.js";

/** runs.csv's columns, in order. */
export const RUNS_CSV_COLUMNS: readonly string[] = ["strategy", "replication", "seed", ...METRIC_NAMES];

/**
 * runs.csv's text: the header `strategy,replication,seed,<METRIC_NAMES…>` and one row per
 * run in the order given; null metrics are empty cells, other metrics go through
 * `roundForOutput`; replication and seed are written exactly. Rows end in `\n`.
 */
export function runsCsv(runs: readonly RunRecord[]): string {
  const rows: string[][] = [[...RUNS_CSV_COLUMNS]];
  for (const run of runs) {
    assertSafeInteger(run.replication, "replication", run);
    assertSafeInteger(run.seed, "seed", run);
    const row = [run.strategy, String(run.replication), String(run.seed)];
    for (const metric of METRIC_NAMES) {
      const value = run.metrics[metric];
      if (value === undefined) {
        throw new Error(`run ${describeRun(run)} has no entry for metric ${metric}`);
      }
      row.push(value === null ? "" : String(roundForOutput(value)));
    }
    rows.push(row);
  }
  // Cells are all strings already, so csv-stringify's own number casting never runs.
  return stringify(rows, { record_delimiter: "unix" });
}

/** jobs.csv's columns, in order. */
export const JOBS_CSV_COLUMNS: readonly string[] = [
  "strategy",
  "job",
  "user",
  "nodes",
  "gpus",
  "submit_h",
  "start_h",
  "end_h",
  "attempts",
  "outcome",
  "lost_work_node_h",
  "lost_work_gpu_h",
  "checkpoint_overhead_node_h",
  "checkpoint_overhead_gpu_h",
];

/**
 * jobs.csv's text: one row per job of each strategy's first replication, in strategy then
 * submission order; what does not apply (no start, no end, no GPUs) is an empty cell, and
 * numbers go through `roundForOutput`. Rows end in `\n`. Built line by line rather than
 * through csv-stringify: a trace replay logs tens of thousands of jobs a strategy, and
 * only the strategy and user names can need quoting (RFC 4180, as csv-stringify quotes).
 */
export function jobsCsv(jobs: readonly JobRecord[]): string {
  const cell = (value: number | null): string => (value === null ? "" : String(roundForOutput(value)));
  const lines: string[] = [JOBS_CSV_COLUMNS.join(",")];
  for (const job of jobs) {
    lines.push(
      [
        quoted(job.strategy),
        String(job.job),
        quoted(job.user),
        String(job.nodes),
        cell(job.gpus),
        cell(job.submitH),
        cell(job.startH),
        cell(job.endH),
        String(job.attempts),
        job.outcome,
        cell(job.lostWorkNodeH),
        cell(job.lostWorkGpuH),
        cell(job.checkpointOverheadNodeH),
        cell(job.checkpointOverheadGpuH),
      ].join(","),
    );
  }
  return `${lines.join("\n")}\n`;
}

/** A CSV field, quoted (quotes doubled) when it holds a comma, a quote or a line break. */
function quoted(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Reads runs.csv back. Columns may come in any order but must be exactly runs.csv's:
 * an unknown, duplicated or missing column throws an Error naming it, as does a cell that
 * is not a number (empty metric cells read as null; replication and seed must be integers).
 */
export function parseRunsCsv(text: string): RunRecord[] {
  const records = readCsv(text);
  if (records.length === 0) throw new Error("runs CSV is empty: missing column \"strategy\"");
  const header = records[0];
  const columnIndex = new Map<string, number>();
  header.forEach((column, index) => {
    if (!RUNS_CSV_COLUMNS.includes(column)) {
      throw new Error(`runs CSV: unknown column "${column}"`);
    }
    if (columnIndex.has(column)) throw new Error(`runs CSV: duplicate column "${column}"`);
    columnIndex.set(column, index);
  });
  for (const column of RUNS_CSV_COLUMNS) {
    if (!columnIndex.has(column)) throw new Error(`runs CSV: missing column "${column}"`);
  }
  const at = (column: string): number => columnIndex.get(column) as number;

  const runs: RunRecord[] = [];
  for (let r = 1; r < records.length; r++) {
    const cells = records[r];
    const rowNumber = r + 1; // The header is row 1.
    if (cells.length !== header.length) {
      throw new Error(
        `runs CSV row ${rowNumber}: expected ${header.length} cells, got ${cells.length}`,
      );
    }
    const metrics = {} as Record<MetricName, number | null>;
    for (const metric of METRIC_NAMES) {
      const cell = cells[at(metric)];
      metrics[metric] = cell === "" ? null : parseNumber(cell, metric, rowNumber);
    }
    runs.push({
      strategy: cells[at("strategy")],
      replication: parseInteger(cells[at("replication")], "replication", rowNumber),
      seed: parseInteger(cells[at("seed")], "seed", rowNumber),
      metrics: metrics as MetricValues,
    });
  }
  return runs;
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function parseNumber(cell: string, column: string, rowNumber: number): number {
  const value = NUMBER.test(cell) ? Number(cell) : Number.NaN;
  if (!Number.isFinite(value)) {
    throw new Error(
      `runs CSV row ${rowNumber}, column "${column}": expected a number, got ${JSON.stringify(cell)}`,
    );
  }
  return value;
}

function parseInteger(cell: string, column: string, rowNumber: number): number {
  const value = parseNumber(cell, column, rowNumber);
  if (!Number.isSafeInteger(value)) {
    throw new Error(
      `runs CSV row ${rowNumber}, column "${column}": expected an integer, got ${JSON.stringify(cell)}`,
    );
  }
  return value;
}

/**
 * RFC 4180 records: fields separated by commas, records by LF or CRLF, fields optionally
 * quoted with `"` and `""` inside quotes for a quote. A trailing line break (or none) ends
 * the last record; a leading byte-order mark is ignored; blank lines are skipped.
 */
function readCsv(text: string): string[][] {
  const input = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false; // The current field began with a quote and it has not closed yet.
  let fieldWasQuoted = false;
  let i = 0;

  const endField = (): void => {
    record.push(field);
    field = "";
    fieldWasQuoted = false;
  };
  const endRecord = (): void => {
    // A blank line reads as one empty unquoted field; it is not a record.
    const blank = record.length === 0 && field === "" && !fieldWasQuoted;
    endField();
    if (!blank) records.push(record);
    record = [];
  };

  while (i < input.length) {
    const ch = input[i];
    if (quoted) {
      if (ch === '"') {
        if (input[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i += 1;
        continue;
      }
      field += ch;
      i += 1;
      continue;
    }
    if (ch === '"' && field === "" && !fieldWasQuoted) {
      quoted = true;
      fieldWasQuoted = true;
      i += 1;
      continue;
    }
    if (ch === ",") {
      endField();
      i += 1;
      continue;
    }
    if (ch === "\n" || ch === "\r") {
      endRecord();
      i += ch === "\r" && input[i + 1] === "\n" ? 2 : 1;
      continue;
    }
    if (fieldWasQuoted) {
      throw new Error(`runs CSV: unexpected ${JSON.stringify(ch)} after a closing quote`);
    }
    field += ch;
    i += 1;
  }
  if (quoted) throw new Error("runs CSV: a quoted field is not closed");
  if (field !== "" || fieldWasQuoted || record.length > 0) endRecord();
  return records;
}

function assertSafeInteger(value: number, field: string, run: RunRecord): void {
  if (!Number.isSafeInteger(value)) {
    throw new Error(`run ${describeRun(run)}: ${field} must be a safe integer, got ${value}`);
  }
}

function describeRun(run: RunRecord): string {
  return `${JSON.stringify(run.strategy)} replication ${run.replication}`;
}

/** One grid point of a sweep: its folder, the values set, its summary and its runs. */
export interface SweepPointSummary {
  readonly folder: string;
  readonly values: readonly string[];
  readonly summary: Summary;
  /** For each metric's n: replications that exercised it. */
  readonly runs: readonly RunRecord[];
}

/** The metrics some point and strategy of the sweep exercises, in METRIC_NAMES order. */
export function sweepMetrics(points: readonly SweepPointSummary[]): MetricName[] {
  return METRIC_NAMES.filter((metric) =>
    points.some((point) => point.summary.strategies.some((strategy) => strategy.metrics[metric] != null)),
  );
}

/**
 * sweep.csv: one row per (grid point, strategy): the point's folder, each `--set` value,
 * the strategy, then for each metric some point exercises its mean across replications,
 * the 95% CI of that mean (`<metric>_ci_low`, `<metric>_ci_high`) and `<metric>_n`, the
 * replications that exercised it (mean and CI empty when none did). A metric no point
 * exercises has no columns: they would be empty in every row.
 */
export function sweepCsv(axisPaths: readonly string[], points: readonly SweepPointSummary[]): string {
  const metrics = sweepMetrics(points);
  const header = metrics.flatMap((metric) => [metric, `${metric}_ci_low`, `${metric}_ci_high`, `${metric}_n`]);
  const rows: string[][] = [["point", ...axisPaths, "strategy", ...header]];
  for (const point of points) {
    for (const strategy of point.summary.strategies) {
      const runs = point.runs.filter((run) => run.strategy === strategy.name);
      const cells = metrics.flatMap((metric) => {
        const summary = strategy.metrics[metric];
        const n = String(runs.filter((run) => run.metrics[metric] !== null).length);
        if (summary === null || summary === undefined) return ["", "", "", n];
        return [summary.mean, summary.ci95[0], summary.ci95[1]].map((value) => String(roundForOutput(value))).concat(n);
      });
      rows.push([point.folder, ...point.values, strategy.name, ...cells]);
    }
  }
  return stringify(rows, { record_delimiter: "unix" });
}
