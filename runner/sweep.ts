import { parse, parseDocument } from "yaml";
import { dalyIntervalS, youngIntervalS } from "../models/strategies/optimal-interval.js";
import { meanOf } from "../sim/distribution.js";
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

/** Longest folder name a label makes; past it the folder is `point-<index>` alone. */
const FOLDER_NAME_MAX = 64;

/**
 * A point's folder: `point-<index>-<key=value>_…` (e.g. `point-0-mtbf=10d_arrivalsPerHour=0.8`),
 * so a listing says what each holds. The index keeps names unique and in grid order; `_`
 * rather than `,` joins the values so sweep.csv's point cells need no quoting. The values
 * are left off when one has a character outside [A-Za-z0-9.+-], the name would pass 64
 * characters, or two axes end in the same key (ambiguous): point.json says the values in
 * every case.
 */
export function pointFolder(axes: readonly SweepAxis[], point: readonly number[], index: number): string {
  const lastKeys = axes.map((axis) => String(axis.keys.at(-1)));
  const pieces = axes.map((axis, i) => `${lastKeys[i]}=${axis.texts[point[i]]}`);
  const named = `point-${index}-${pieces.join("_")}`;
  const readable =
    axes.length > 0 &&
    axes.every((axis, i) => /^[A-Za-z0-9]+$/.test(lastKeys[i]) && /^[A-Za-z0-9.+-]+$/.test(axis.texts[point[i]])) &&
    new Set(lastKeys).size === lastKeys.length &&
    named.length <= FOLDER_NAME_MAX;
  return readable ? named : `point-${index}`;
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
  /** Its place in the grid, the last axis varying fastest. */
  readonly index: number;
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
      index,
      folder: pointFolder(axes, point, index),
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

/** The value at `keys` in a parsed scenario, or undefined. */
function valueAt(root: unknown, keys: readonly (string | number)[]): unknown {
  let value = root;
  for (const key of keys) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

/** For each value of an axis, the first point of the grid that has it. */
function pointsOfAxis(plan: SweepPlan, axis: number): SweepPoint[] {
  const grid = sweepGrid(plan.axes);
  return plan.axes[axis].texts.map((_, v) => plan.points.find((point) => grid[point.index][axis] === v) as SweepPoint);
}

/**
 * An axis's values as the schema read them (durations in seconds), so a plot can space
 * them truly; null when any is not a number (a policy name, a flag).
 */
export function axisNumbers(plan: SweepPlan, axis: number): number[] | null {
  const values = pointsOfAxis(plan, axis).map((point) => valueAt(point.scenario, plan.axes[axis].keys));
  return values.every((value) => typeof value === "number" && Number.isFinite(value)) ? (values as number[]) : null;
}

/** Young's and Daly's optimum for a swept checkpoint interval, at one point's MTBF and cost. */
export interface IntervalOptimum {
  readonly strategy: string;
  readonly dalyS: number;
  readonly youngS: number;
  /** The job size the MTBF is divided by: the workload's mean nodes per job. */
  readonly jobNodes: number;
  readonly nodeMtbfS: number;
}

/**
 * When the axis is a fixed checkpoint interval (`strategies.<i>.checkpoint.interval` of a
 * strategy with a fixed cost) and the scenario has a node-crash MTBF and generated jobs,
 * the optimum intervals of Young and Daly for a job of the mean size (job MTBF = node
 * MTBF / nodes, as the daly policy computes it): one per distinct MTBF and cost across the
 * grid, since other axes may vary them. Empty otherwise.
 */
export function intervalOptima(plan: SweepPlan, axis: number): IntervalOptimum[] {
  const keys = plan.axes[axis].keys;
  if (keys.length !== 4 || keys[0] !== "strategies" || typeof keys[1] !== "number" || keys[2] !== "checkpoint" || keys[3] !== "interval") return [];
  const optima = new Map<string, IntervalOptimum>();
  for (const point of plan.points) {
    const scenario = point.scenario as unknown as {
      failures?: readonly { kind: string; mtbf?: number }[];
      workload?: { generator?: { nodes?: Parameters<typeof meanOf>[0] } };
      strategies: readonly { name: string; checkpoint?: { policy: string; cost?: number } }[];
    };
    const strategy = scenario.strategies[keys[1]];
    const crash = scenario.failures?.find((failure) => failure.kind === "node-crash");
    const generator = scenario.workload?.generator;
    const costS = strategy?.checkpoint?.policy === "fixed" ? strategy.checkpoint.cost : undefined;
    if (costS === undefined || crash?.mtbf === undefined || generator === undefined) return [];
    const jobNodes = generator.nodes === undefined ? 1 : Math.max(1, meanOf(generator.nodes));
    const jobMtbfS = crash.mtbf / jobNodes;
    const optimum = { strategy: strategy.name, dalyS: dalyIntervalS(costS, jobMtbfS), youngS: youngIntervalS(costS, jobMtbfS), jobNodes, nodeMtbfS: crash.mtbf };
    optima.set(`${costS}/${crash.mtbf}`, optimum);
  }
  return [...optima.values()];
}
