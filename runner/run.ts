import { fiveNumberSummary } from "../sim/metrics.js";
import { Sim } from "../sim/sim.js";
import { meanWithCi95 } from "../sim/statistics.js";
import { US_PER_H } from "../sim/time.js";
import { ClusterModel } from "../models/cluster/model.js";
import type { AdHocInjection } from "../models/failures/ad-hoc.js";
import type { RunMetrics } from "../models/metrics.js";
// Type-only: the record shapes are the contract between a run and its reports.
import type { SimRecord } from "../sim/sim.js";
import type {
  EventRecord,
  JobRecord,
  MetricName,
  MetricSummary,
  ObjectiveRecord,
  PairedDifference,
  ResultSet,
  RunRecord,
  RunTrace,
  StrategySummary,
  Summary,
} from "../reports/records.js";
import { modelOptions, serviceModelOptions } from "../scenarios/model-options.js";
import type { PreparedScenario } from "../scenarios/prepare.js";
import { isServiceScenario, type Scenario, type ServiceScenario, type Strategy } from "../scenarios/schema.js";
import { ServiceModel } from "../models/service-model.js";

/**
 * Runs every strategy of a scenario over its replications. Replication r of every strategy
 * uses master seed `seed + r`, and failure and arrival streams do not name the strategy,
 * so strategies are compared on common random numbers: the same jobs and the same crashes.
 */

/** Points sampled for the time series of each replication. */
const TRACE_SAMPLES = 240;

export interface RunScenarioOptions {
  readonly seed: number;
  readonly replications: number;
  readonly faultlineVersion: string;
  /** Called after each finished (strategy, replication). */
  readonly onProgress?: (done: number, total: number) => void;
  /** The command that reruns one failed replication, for the error message. */
  readonly reproduce?: (failure: ReplicationFailure) => string;
  /** Faults injected by hand into every replication of every strategy. */
  readonly injections?: readonly AdHocInjection[];
  /** Keep the first replication's event records (`run --records`). */
  readonly records?: boolean;
}

/** A replication ended in an error (an assert: a bug). Says which, and how to rerun it. */
export class ReplicationFailure extends Error {
  override readonly name = "ReplicationFailure";
  readonly strategy: string;
  readonly replication: number;
  readonly seed: number;
  reproduceCommand = "";

  constructor(strategy: string, replication: number, seed: number, cause: unknown) {
    super(`${strategy}, replication ${replication} (seed ${seed}): ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
    });
    this.strategy = strategy;
    this.replication = replication;
    this.seed = seed;
  }
}

/** The seed of replication `replication`: shared by all strategies. */
export function replicationSeed(seed: number, replication: number): number {
  return seed + replication;
}

/** Told the share of a replication done (0–1) as it runs. */
export type ReplicationProgress = (fraction: number) => void;

/** Slices a long replication is run in, so a caller can show its progress. */
const PROGRESS_SLICES = 200;

/**
 * Runs a begun model's Sim to `endUs` (Infinity: until the model stops it) in slices,
 * telling `onProgress` the share of `nominalEndUs` reached after each. Events run in the
 * same order as in one call, so the results are the same bytes.
 */
function runInSlices(sim: Sim, endUs: number, nominalEndUs: number, onProgress: ReplicationProgress | undefined): void {
  if (onProgress === undefined || !(nominalEndUs > 0) || !Number.isFinite(nominalEndUs)) {
    sim.run(endUs);
    return;
  }
  const sliceUs = Math.max(1, Math.ceil(nominalEndUs / PROGRESS_SLICES));
  while (sim.now < nominalEndUs) {
    sim.run(Math.min(endUs, nominalEndUs, sim.now + sliceUs));
    if (sim.stopped) return;
    onProgress(Math.min(1, sim.now / nominalEndUs));
  }
  if (endUs > sim.now) sim.run(endUs);
}

/** One replication of one strategy. */
export function runReplication(
  prepared: PreparedScenario,
  strategy: Strategy,
  seed: number,
  withTrace: boolean,
  injections: readonly AdHocInjection[] = [],
  onProgress?: ReplicationProgress,
): ReplicationResult {
  const sim = new Sim({ seed, keepRecords: withTrace });
  const model = new ClusterModel(sim, modelOptions(prepared, strategy, withTrace ? TRACE_SAMPLES : 0, injections));
  model.begin();
  // A replay without a horizon runs until its last job ends: its last submission is the nominal end.
  const lastSubmitUs = prepared.traceJobs?.at(-1)?.submitUs ?? 0;
  runInSlices(sim, model.endUs, Number.isFinite(model.endUs) ? model.endUs : lastSubmitUs, onProgress);
  const result = model.finish();
  if (!withTrace) return { metrics: result.metrics, trace: null, jobs: [], records: [] };
  const trace = traceInHours(result.utilization, result.queueLength, result.failures);
  return { metrics: result.metrics, trace: result.pools.length === 0 ? trace : { ...trace, pools: result.pools }, jobs: result.jobs, records: sim.records };
}

/** What one replication leaves: its metrics and, when traced, its series, its jobs (clusters) and its records. */
export interface ReplicationResult {
  readonly metrics: RunMetrics;
  readonly trace: Omit<RunTrace, "strategy" | "replication"> | null;
  readonly jobs: readonly Omit<JobRecord, "strategy">[];
  readonly records: readonly SimRecord[];
}

/** One replication of one strategy of a service scenario. */
export function runServiceReplication(
  scenario: ServiceScenario,
  strategy: ServiceScenario["strategies"][number],
  seed: number,
  withTrace: boolean,
  onProgress?: ReplicationProgress,
): ReplicationResult {
  const sim = new Sim({ seed, keepRecords: withTrace });
  const model = new ServiceModel(sim, serviceModelOptions(scenario, strategy));
  model.begin();
  runInSlices(sim, model.endUs, model.endUs, onProgress);
  const result = model.finish();
  if (!withTrace) return { metrics: result.metrics, trace: null, jobs: [], records: [] };
  const utilization = result.series.map((point) => ({ timeUs: point.timeUs, value: point.goodputRatio }));
  const queueLength = result.series.map((point) => ({ timeUs: point.timeUs, value: point.queueLength }));
  return { metrics: result.metrics, trace: traceInHours(utilization, queueLength, result.faults), jobs: [], records: sim.records };
}

interface TimedValue {
  readonly timeUs: number;
  readonly value: number;
}

/** A model's series and failures, in µs, as a run's trace, in hours. */
function traceInHours(
  utilization: readonly TimedValue[],
  queueLength: readonly TimedValue[],
  failures: readonly { readonly timeUs: number; readonly kind: string; readonly target: string; readonly durationUs: number }[],
): Omit<RunTrace, "strategy" | "replication"> {
  const inHours = (point: TimedValue) => ({ timeH: point.timeUs / US_PER_H, value: point.value });
  return {
    utilization: utilization.map(inHours),
    queueLength: queueLength.map(inHours),
    failures: failures.map((failure) => ({
      timeH: failure.timeUs / US_PER_H,
      kind: failure.kind,
      target: failure.target,
      durationH: failure.durationUs / US_PER_H,
    })),
  };
}

/** Runs the whole scenario: every strategy × replication, results ordered by both. */
export function runScenario(prepared: PreparedScenario, options: RunScenarioOptions): ResultSet {
  const keys = replicationKeys(prepared.scenario, options.replications);
  const outcomes = keys.map((key, done) => {
    const outcome = runKey(prepared, key, { seed: options.seed, injections: options.injections, reproduce: options.reproduce, records: options.records });
    options.onProgress?.(done + 1, keys.length);
    return outcome;
  });
  return assembleResults(prepared.scenario, options, outcomes);
}

/** One replication of one strategy: the unit runs are made of and spread over. */
export interface ReplicationKey {
  readonly strategyIndex: number;
  readonly replication: number;
}

/** What one replication of a strategy leaves behind. */
export interface RunOutcome {
  readonly run: RunRecord;
  readonly trace: RunTrace | null;
  /** The job log, of a cluster's first replication only (null for the others, for services, and as sweeps save runs). */
  readonly jobs: readonly JobRecord[] | null;
  /** The event records, of the first replication and only when asked for (`records`). */
  readonly events: readonly EventRecord[];
}

/** Every replication of every strategy, strategy by strategy: the order results list them. */
export function replicationKeys(scenario: Scenario, replications: number): ReplicationKey[] {
  const keys: ReplicationKey[] = [];
  scenario.strategies.forEach((_, strategyIndex) => {
    for (let replication = 0; replication < replications; replication++) keys.push({ strategyIndex, replication });
  });
  return keys;
}

/** Runs one replication of a strategy; one that throws becomes a ReplicationFailure naming it. */
export function runKey(
  prepared: PreparedScenario,
  key: ReplicationKey,
  options: Pick<RunScenarioOptions, "seed" | "injections" | "reproduce" | "records"> & { readonly onProgress?: ReplicationProgress },
): RunOutcome {
  const scenario = prepared.scenario;
  const name = scenario.strategies[key.strategyIndex].name;
  const seed = replicationSeed(options.seed, key.replication);
  // Every replication keeps its trace (series and failures); the job log and the records
  // are the first replication's only.
  const withTrace = true;
  const first = key.replication === 0;
  let outcome: ReplicationResult;
  try {
    outcome = isServiceScenario(scenario)
      ? runServiceReplication(scenario, scenario.strategies[key.strategyIndex], seed, withTrace, options.onProgress)
      : runReplication(prepared, scenario.strategies[key.strategyIndex], seed, withTrace, options.injections, options.onProgress);
  } catch (error) {
    throw replicationFailure(scenario, key, options, error);
  }
  const { metrics, trace } = outcome;
  return {
    run: { strategy: name, replication: key.replication, seed, metrics },
    trace: trace === null ? null : { strategy: name, replication: key.replication, ...trace },
    jobs: first && !isServiceScenario(scenario) ? outcome.jobs.map((job) => ({ strategy: name, ...job })) : null,
    events: first && options.records === true ? outcome.records.map((record) => ({ strategy: name, ...record })) : [],
  };
}

/** The error of a replication that threw `cause`, naming it and how to rerun it. */
export function replicationFailure(
  scenario: Scenario,
  key: ReplicationKey,
  options: Pick<RunScenarioOptions, "seed" | "reproduce">,
  cause: unknown,
): ReplicationFailure {
  const name = scenario.strategies[key.strategyIndex].name;
  const failure = new ReplicationFailure(name, key.replication, replicationSeed(options.seed, key.replication), cause);
  failure.reproduceCommand = options.reproduce?.(failure) ?? "";
  return failure;
}

/** The result set of a scenario's replications, given in `replicationKeys` order. */
export function assembleResults(
  scenario: Scenario,
  options: Pick<RunScenarioOptions, "seed" | "replications" | "faultlineVersion" | "records">,
  outcomes: readonly RunOutcome[],
): ResultSet {
  const names = scenario.strategies.map((strategy) => strategy.name);
  const runs = outcomes.map((outcome) => outcome.run);
  const traces = outcomes.flatMap((outcome) => (outcome.trace === null ? [] : [outcome.trace]));
  const logged = outcomes.some((outcome) => outcome.jobs !== null);
  const jobs = outcomes.flatMap((outcome) => outcome.jobs ?? []);
  const events = outcomes.flatMap((outcome) => outcome.events);
  const summary = summarize(scenario.name, options, names, runs);
  return {
    // Costs carry the cluster's currency; a service scenario has no costs.
    summary: isServiceScenario(scenario) ? summary : { ...summary, currency: scenario.cluster.currency },
    description: scenario.description,
    horizonH:
      scenario.horizon !== undefined
        ? scenario.horizon / 3_600
        : Math.max(0, ...runs.map((run) => run.metrics.makespan_h ?? 0)),
    runs,
    traces,
    // A cluster run has a job log (a service has no jobs, a sweep does not keep them); records only when asked for.
    ...(logged ? { jobs } : {}),
    ...(options.records === true ? { events } : {}),
    ...objectiveRecord(scenario),
  };
}

/** The scenario's objective as results carry it: a direction and the metrics summed. */
function objectiveRecord(scenario: Scenario): { objective?: ObjectiveRecord } {
  const objective = scenario.objective;
  if (objective === undefined) return {};
  const [direction, metrics] = "minimize" in objective ? (["minimize", objective.minimize] as const) : (["maximize", objective.maximize] as const);
  return { objective: { direction, metrics: typeof metrics === "string" ? [metrics] : [...metrics] } };
}

/** Per strategy and metric: mean with 95% CI and the five-number summary across replications. */
export function summarize(
  scenarioName: string,
  options: Pick<RunScenarioOptions, "seed" | "replications" | "faultlineVersion">,
  strategyNames: readonly string[],
  runs: readonly RunRecord[],
): Summary {
  const first = runs.filter((run) => run.strategy === strategyNames[0]);
  const strategies: StrategySummary[] = strategyNames.map((name, index) => {
    const mine = runs.filter((run) => run.strategy === name);
    const metrics = {} as Record<MetricName, MetricSummary | null>;
    const versusFirst = {} as Record<MetricName, PairedDifference | null>;
    const names = Object.keys(mine[0]?.metrics ?? {}) as MetricName[];
    for (const metric of names) {
      const values = mine.map((run) => run.metrics[metric]).filter((value): value is number => value !== null);
      metrics[metric] = values.length === 0 ? null : summarizeValues(values);
      versusFirst[metric] = index === 0 ? null : pairedDifference(first, mine, metric);
    }
    return index === 0 ? { name, metrics } : { name, metrics, versusFirst };
  });
  return {
    scenario: scenarioName,
    seed: options.seed,
    replications: options.replications,
    faultlineVersion: options.faultlineVersion,
    strategies,
  };
}

/** This strategy's metric minus the first's, paired by replication (same seeds). */
function pairedDifference(first: readonly RunRecord[], mine: readonly RunRecord[], metric: MetricName): PairedDifference | null {
  const differences: number[] = [];
  for (const run of mine) {
    const base = first.find((candidate) => candidate.replication === run.replication)?.metrics[metric];
    const value = run.metrics[metric];
    if (base === null || base === undefined || value === null) continue;
    differences.push(value - base);
  }
  if (differences.length === 0) return null;
  const { mean, ci95 } = meanWithCi95(differences);
  return { mean, ci95, pairs: differences.length };
}

function summarizeValues(values: readonly number[]): MetricSummary {
  const { mean, ci95 } = meanWithCi95(values);
  const five = fiveNumberSummary(values);
  return { mean, ci95, min: five.min, q1: five.q1, median: five.median, q3: five.q3, max: five.max };
}
