import { parse, parseDocument } from "yaml";
import { parseScenarioText, type ScenarioParseResult } from "../scenarios/parse.js";
import { scenarioSchema, type Scenario } from "../scenarios/schema.js";

/** One `--set path=v1,v2,…`: a field of the scenario file and the values it takes. */
export interface SweepAxis {
  /** As written, e.g. "failures.0.mtbf". */
  readonly path: string;
  readonly keys: readonly (string | number)[];
  /** As written, for labels. */
  readonly texts: readonly string[];
  /** Parsed as YAML scalars: "2" is a number, "10d" a string. */
  readonly values: readonly unknown[];
}

/** Parses `path=v1,v2,…`; throws a one-line message on a malformed one. */
export function parseSetOption(text: string): SweepAxis {
  const equals = text.indexOf("=");
  if (equals <= 0 || equals === text.length - 1) {
    throw new Error(`--set expects path=value[,value…], got "${text}"`);
  }
  const path = text.slice(0, equals);
  const keys = path.split(".").map((key) => (/^\d+$/.test(key) ? Number(key) : key));
  if (keys.some((key) => key === "")) throw new Error(`--set path "${path}" has an empty part`);
  const texts = text.slice(equals + 1).split(",");
  if (texts.some((value) => value === "")) throw new Error(`--set ${path} has an empty value`);
  return { path, keys, texts, values: texts.map((value) => parse(value) as unknown) };
}

/** Every combination of the axes' values, the last axis varying fastest. */
export function sweepGrid(axes: readonly SweepAxis[]): number[][] {
  let grid: number[][] = [[]];
  for (const axis of axes) {
    grid = grid.flatMap((point) => axis.values.map((_, index) => [...point, index]));
  }
  return grid;
}

/** A point's label for folder names and tables: "mtbf=10d,rate=2". */
export function pointLabel(axes: readonly SweepAxis[], point: readonly number[]): string {
  return axes.map((axis, i) => `${axis.keys.at(-1)}=${axis.texts[point[i]]}`).join(",");
}

/**
 * The scenario file's text with the point's values set, for the schema to check as it
 * checks any file (so a bad value is reported against its field). Paths may create keys
 * the file leaves to defaults; a path through a list needs the item to exist.
 */
export function applySweepPoint(text: string, axes: readonly SweepAxis[], point: readonly number[]): string {
  const document = parseDocument(text);
  axes.forEach((axis, i) => document.setIn(axis.keys, axis.values[point[i]]));
  return document.toString();
}

/** How a sweep was asked for: all a shard or a merge needs to rebuild the same plan. */
export interface SweepRequest {
  /** The scenario file, resolved (a bundled name becomes its path). */
  readonly scenarioFile: string;
  /** Its text when the sweep began: every shard and the merge see the same scenario. */
  readonly scenarioText: string;
  /** The `--set` options as written. */
  readonly sets: readonly string[];
  /** `--seed` and `--replications`, or null for the scenario's own. */
  readonly seed: number | null;
  readonly replications: number | null;
}

/** One grid point: a whole scenario with its values set. */
export interface SweepPoint {
  readonly folder: string;
  readonly label: string;
  /** The `--set` values as written, one per axis. */
  readonly values: readonly string[];
  readonly scenario: Scenario;
  readonly seed: number;
  readonly replications: number;
}

/**
 * One run of a sweep: a replication of a strategy at a point. Runs are the unit that
 * workers share, shards split and parts files persist.
 */
export interface SweepRun {
  readonly point: number;
  readonly strategyIndex: number;
  readonly replication: number;
}

export interface SweepPlan {
  readonly request: SweepRequest;
  readonly axes: readonly SweepAxis[];
  readonly points: readonly SweepPoint[];
  /** Point by point, each in `replicationKeys` order: the order results list them. */
  readonly runs: readonly SweepRun[];
}

/**
 * The plan of a sweep, every point checked against the schema before any runs: a bad
 * value is reported as `file [label]:line:col field: message`. No `--set` is a one-point
 * sweep of the scenario as it is. Throws a plain Error for a malformed `--set`.
 */
export function planSweep(request: SweepRequest): ScenarioParseResult<SweepPlan> {
  const axes = request.sets.map(parseSetOption);
  const grid = sweepGrid(axes);
  const points: SweepPoint[] = [];
  const problems: string[] = [];
  grid.forEach((point, index) => {
    const label = pointLabel(axes, point);
    const name = label === "" ? request.scenarioFile : `${request.scenarioFile} [${label}]`;
    const parsed = parseScenarioText(applySweepPoint(request.scenarioText, axes, point), name, scenarioSchema);
    if (!parsed.ok) {
      problems.push(...parsed.problems);
      return;
    }
    points.push({
      folder: `point-${index}`,
      label,
      values: point.map((valueIndex, axis) => axes[axis].texts[valueIndex]),
      scenario: parsed.value,
      seed: request.seed ?? parsed.value.seed,
      replications: request.replications ?? parsed.value.replications,
    });
  });
  if (problems.length > 0) return { ok: false, problems };
  const runs: SweepRun[] = [];
  points.forEach((point, index) => {
    point.scenario.strategies.forEach((_, strategyIndex) => {
      for (let replication = 0; replication < point.replications; replication++) {
        runs.push({ point: index, strategyIndex, replication });
      }
    });
  });
  return { ok: true, value: { request, axes, points, runs } };
}

/** Shard `index` of `count` (1-based, as Slurm numbers array tasks): every count-th run. */
export function shardRuns(runs: readonly SweepRun[], index: number, count: number): SweepRun[] {
  // Round robin rather than blocks: strategies and points differ in cost, and this spreads them.
  return runs.filter((_, k) => k % count === index - 1);
}

/** Parses `i/N` with 1 ≤ i ≤ N; throws a one-line message otherwise. */
export function parseShardOption(text: string): { readonly index: number; readonly count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || index < 1 || index > count) {
    throw new Error(`--shard expects i/N with 1 ≤ i ≤ N (shards are numbered from 1), got "${text}"`);
  }
  return { index, count };
}

/** A run's name in the parts folder and in messages. */
export function runName(run: SweepRun): string {
  return `p${run.point}-s${run.strategyIndex}-r${run.replication}`;
}
