import type { DistributionSpec } from "../sim/distribution.js";
import { fiveNumberSummary } from "../sim/metrics.js";
import { Sim } from "../sim/sim.js";
import { meanWithCi95 } from "../sim/statistics.js";
import { US_PER_H, secondsToUs } from "../sim/time.js";
import { ClusterModel, type ClusterModelOptions, type SchedulerOptions, type TimedFault } from "../models/cluster-model.js";
import type { AdHocInjection } from "../models/failures/ad-hoc.js";
import type { HaStrategy } from "../models/services/control-plane.js";
import type { NodeCrashOptions } from "../models/failures/node-crash.js";
import type { RunMetrics } from "../models/metrics.js";
import { NO_CHECKPOINT, type CheckpointPlan } from "../models/strategies/checkpoint.js";
// Type-only: the record shapes are the contract between a run and its reports.
import type {
  MetricName,
  MetricSummary,
  PairedDifference,
  ResultSet,
  RunRecord,
  RunTrace,
  StrategySummary,
  Summary,
} from "../reports/records.js";
import type { PreparedScenario } from "./prepare.js";
import {
  isServiceScenario,
  placementOf,
  type ClusterScenario,
  type Scenario,
  type ServiceScenario,
  type Strategy,
} from "./schema.js";
import { ServiceModel, type ServiceModelOptions } from "../models/service-model.js";

/**
 * Runs every strategy of a scenario over its replications. Replication r of every strategy
 * uses master seed `seed + r`, and failure and arrival streams do not name the strategy,
 * so strategies are compared on common random numbers: the same jobs and the same crashes.
 */

/** Points sampled for the time series of the first replication. */
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

/** The model's options for one strategy of a scenario. */
export function modelOptions(
  prepared: PreparedScenario,
  strategy: Strategy,
  traceSamples: number,
  injections: readonly AdHocInjection[] = [],
): ClusterModelOptions {
  const scenario = prepared.scenario as ClusterScenario;
  const crash = scenario.failures.find((failure) => failure.kind === "node-crash");
  const nodeCrash: NodeCrashOptions | null =
    crash === undefined
      ? null
      : {
          timeToFailureS:
            crash.distribution === "exponential"
              ? { kind: "exponential", mean: crash.mtbf }
              : { kind: "weibull", shape: crash.distribution.weibull.shape, mean: crash.mtbf },
          repairS: meanAsExponential(crash.repair),
        };
  const generator = scenario.workload.generator;
  return {
    horizonUs: scenario.horizon === undefined ? null : secondsToUs(scenario.horizon),
    cluster: {
      racks: scenario.cluster.racks,
      nodesPerRack: scenario.cluster.nodesPerRack,
      gpusPerNode: scenario.cluster.node.gpus,
    },
    fabric:
      scenario.cluster.fabric === undefined
        ? null
        : {
            linkGbps: scenario.cluster.fabric.linkGbps,
            oversubscription: scenario.cluster.fabric.oversubscription,
            spineCount: scenario.cluster.fabric.spines,
            linkLatencyUs: scenario.cluster.fabric.linkLatencyUs,
            switchLatencyUs: scenario.cluster.fabric.switchLatencyUs,
          },
    pools: strategy.pools ?? scenario.cluster.pools,
    storage:
      scenario.cluster.storage === undefined
        ? null
        : {
            filesystem: {
              name: "pfs",
              ostCount: scenario.cluster.storage.osts,
              ostGBps: scenario.cluster.storage.ostGBps,
              metadataOpsPerSec: scenario.cluster.storage.metadataOpsPerSec,
              metadataQueueMax: scenario.cluster.storage.metadataQueueMax,
              metadataTimeoutUs: secondsToUs(scenario.cluster.storage.metadataTimeout),
            },
            burstBuffer:
              scenario.cluster.storage.burstBuffer === undefined
                ? null
                : {
                    name: "bb",
                    capacityBytes: scenario.cluster.storage.burstBuffer.capacityTB * 1e12,
                    bandwidthGBps: scenario.cluster.storage.burstBuffer.GBps,
                    waitingWritesMax: 10_000,
                    drainRetryDelayUs: 10 * 1e6,
                  },
            checkpointTier: strategy.checkpoint.policy === "fixed" ? strategy.checkpoint.tier : "filesystem",
            startup:
              scenario.workload.startup === undefined
                ? null
                : {
                    processesPerNode: scenario.workload.startup.processesPerNode,
                    opsPerProcess: scenario.workload.startup.metadataOpsPerProcess,
                    retryAfterUs: secondsToUs(scenario.workload.startup.retryAfter),
                  },
            checkpoints: {
              stripeCount: scenario.cluster.storage.stripeCount,
              timeoutUs:
                strategy.checkpoint.policy === "fixed" && strategy.checkpoint.timeout !== undefined
                  ? secondsToUs(strategy.checkpoint.timeout)
                  : Infinity,
            },
          },
    workload: {
      generator:
        generator === undefined
          ? null
          : {
              arrivals: {
                ratePerHour: generator.arrivalsPerHour,
                diurnalAmplitude: generator.diurnal?.amplitude ?? 0,
                peakHour: generator.diurnal?.peakHour ?? 14,
                weekendFactor: generator.weekendFactor,
                burstsPerDay: generator.bursts?.perDay ?? 0,
                ...(generator.bursts === undefined ? {} : { burstSize: generator.bursts.size }),
                burstSpreadS: generator.bursts?.spread ?? 0,
              },
              nodes: generator.nodes,
              workS: generator.runtime,
              timeLimitFactor: generator.timeLimitFactor,
              users: generator.users,
              communication:
                generator.allReduce === undefined
                  ? null
                  : { bytes: generator.allReduce.sizeMB * 1e6, iterationUs: secondsToUs(generator.allReduce.every) },
            },
      trace: prepared.traceJobs,
      maxRequeues: scenario.workload.maxRequeues,
      tasksPerJob: strategy.tasksPerJob ?? scenario.workload.tasksPerJob,
    },
    scheduler: schedulerOptions(strategy.scheduler ?? scenario.scheduler),
    nodeCrash,
    spot: spotOptions(scenario),
    driverRollout: driverRolloutOptions(scenario, strategy),
    injections,
    rackPower: rackPowerOptions(scenario),
    thermal: thermalOptions(scenario),
    degradation: degradationOptions(scenario, strategy),
    failureLog: prepared.failureLog,
    timedFaults: timedFaults(scenario),
    controlPlane: scenario.controlPlane.map((service) => ({
      role: service.role,
      service: {
        name: service.name,
        strategy: haStrategy(new Map(Object.entries(strategy.ha ?? {})).get(service.name) ?? service.ha),
        mtbfUs: secondsToUs(service.mtbf),
        mttrUs: secondsToUs(service.mttr),
        pricePerUnitHour: service.pricePerUnitHour,
      },
    })),
    checkpoint: checkpointPlan(strategy, crash?.mtbf ?? null),
    slo:
      scenario.slo === undefined
        ? null
        : {
            jobSuccessRate: scenario.slo.jobSuccessRate ?? null,
            timeToSolutionP90S: scenario.slo.timeToSolutionP90 ?? null,
          },
    traceSamples,
  };
}

function schedulerOptions(scheduler: ClusterScenario["scheduler"]): SchedulerOptions {
  const priority = scheduler.priority;
  return {
    backfill: BACKFILL_BY_POLICY[scheduler.policy],
    placement: placementOf(scheduler),
    enforceTimeLimit: scheduler.enforceTimeLimit,
    preemption:
      scheduler.preemption === undefined
        ? null
        : {
            preemptableByQos: new Map(Object.entries(scheduler.preemption.qos)),
            mode: scheduler.preemption.mode,
            graceUs: secondsToUs(scheduler.preemption.grace),
          },
    priority:
      priority === undefined
        ? null
        : {
            ageWeight: priority.weights.age,
            sizeWeight: priority.weights.size,
            fairShareWeight: priority.weights.fairShare,
            qosWeight: priority.weights.qos,
            maxAgeUs: secondsToUs(priority.maxAge),
            halfLifeUs: secondsToUs(priority.halfLife),
            recalcPeriodUs: secondsToUs(priority.recalcPeriod),
            qosPriority: new Map(Object.entries(priority.qos)),
          },
  };
}

const BACKFILL_BY_POLICY = {
  fifo: "none",
  "easy-backfill": "easy",
  "conservative-backfill": "conservative",
} as const;

/** A repair time given as a plain duration is the mean of an exponential repair. */
function meanAsExponential(spec: DistributionSpec): DistributionSpec {
  return spec.kind === "constant" ? { kind: "exponential", mean: spec.value } : spec;
}

function driverRolloutOptions(scenario: ClusterScenario, strategy: Strategy): ClusterModelOptions["driverRollout"] {
  const patch = scenario.failures.find((failure) => failure.kind === "driver-patch");
  if (patch === undefined) return null;
  const rollout = strategy.rollout ?? patch.rollout;
  return {
    startUs: secondsToUs(patch.at),
    strategy: rollout.strategy,
    canaryNodes: rollout.canaryNodes,
    waveFraction: rollout.waveFraction,
    waveIntervalUs: secondsToUs(rollout.waveInterval),
    badPatch: patch.bad,
    haltFailureRate: rollout.haltFailureRate,
    minStarts: rollout.minStarts,
    rollbackUs: secondsToUs(rollout.rollback),
  };
}

function haStrategy(ha: ClusterScenario["controlPlane"][number]["ha"]): HaStrategy {
  switch (ha.kind) {
    case "none":
      return { kind: "none" };
    case "cold-restart":
    case "fast-restart":
      return { kind: ha.kind, restartUs: secondsToUs(ha.restart), restartCoverage: ha.coverage };
    case "active-passive":
      return {
        kind: "active-passive",
        heartbeatIntervalUs: secondsToUs(ha.heartbeatInterval),
        missedBeats: ha.missedBeats,
        takeoverUs: secondsToUs(ha.takeover),
      };
    case "quorum":
      return { kind: "quorum", unitCount: ha.units, electionTimeoutUs: secondsToUs(ha.electionTimeout) };
  }
}

function timedFaults(scenario: ClusterScenario): TimedFault[] {
  const faults: TimedFault[] = [];
  for (const failure of scenario.failures) {
    switch (failure.kind) {
      case "link-down":
        faults.push({ kind: "link-down", atUs: secondsToUs(failure.at), durationUs: secondsToUs(failure.duration), leaf: failure.leaf, spine: failure.spine });
        break;
      case "metadata-storm":
        faults.push({ kind: "metadata-storm", atUs: secondsToUs(failure.at), ops: failure.ops });
        break;
      case "network-partition":
        faults.push({ kind: "network-partition", atUs: secondsToUs(failure.at), durationUs: secondsToUs(failure.duration), service: failure.service });
        break;
      case "certificate-expiry":
        faults.push({ kind: "certificate-expiry", atUs: secondsToUs(failure.at), durationUs: secondsToUs(failure.renewAfter), service: failure.service });
        break;
      default:
        break;
    }
  }
  return faults;
}

function rackPowerOptions(scenario: ClusterScenario): ClusterModelOptions["rackPower"] {
  const rack = scenario.failures.find((failure) => failure.kind === "rack-power");
  if (rack === undefined) return null;
  return {
    racksPerDomain: rack.racksPerDomain,
    timeToFailureS: { kind: "exponential", mean: rack.mtbf },
    repairS: meanAsExponential(rack.repair),
  };
}

function thermalOptions(scenario: ClusterScenario): ClusterModelOptions["thermal"] {
  const thermal = scenario.failures.find((failure) => failure.kind === "thermal");
  if (thermal === undefined) return null;
  return {
    stepUs: secondsToUs(thermal.step),
    timeConstantUs: secondsToUs(thermal.timeConstant),
    ambientC: thermal.ambientC,
    heatPerBusyNodeC: thermal.heatPerBusyNodeC,
    rackCouplingFraction: thermal.rackCoupling,
    throttleAtC: thermal.throttleAtC,
    maxC: thermal.maxC,
    minClockFactor: thermal.minClockFactor,
    clockSteps: thermal.clockSteps,
    hysteresisC: thermal.hysteresisC,
  };
}

function degradationOptions(scenario: ClusterScenario, strategy: Strategy): ClusterModelOptions["degradation"] {
  const degradation = scenario.failures.find((failure) => failure.kind === "silent-degradation");
  if (degradation === undefined) return null;
  const policy = strategy.healthPolicy === undefined ? degradation.healthPolicy : strategy.healthPolicy;
  return {
    model: {
      eccErrorsPerH: degradation.eccErrorsPerHour,
      badNodeEccErrorsPerH: degradation.badNodeEccErrorsPerHour,
      badNodes: null,
      badNodeFraction: degradation.badNodeFraction,
      degradeAfterErrors: degradation.degradeAfterErrors,
      clockLossPerError: degradation.clockLossPerError,
      minClockFactor: degradation.minClockFactor,
      crashAfterErrors: degradation.crashAfterErrors,
      crashProbability: degradation.crashProbability,
      rebootUs: secondsToUs(degradation.reboot),
    },
    policy:
      policy === null
        ? null
        : {
            checkIntervalUs: secondsToUs(policy.checkInterval),
            windowUs: secondsToUs(policy.window),
            quarantineAfter: policy.quarantineAfter,
            repairUs: secondsToUs(policy.repair),
          },
  };
}

function spotOptions(scenario: ClusterScenario): ClusterModelOptions["spot"] {
  const spot = scenario.failures.find((failure) => failure.kind === "spot-preemption");
  if (spot === undefined) return null;
  return {
    timeToReclaimS: { kind: "exponential", mean: spot.meanTimeBetween },
    noticeUs: secondsToUs(spot.notice),
    returnAfterS: meanAsExponential(spot.returnAfter),
  };
}

function incrementalOf(checkpoint: { incremental?: { fullEvery: number; dirtyFraction: number } }) {
  return checkpoint.incremental === undefined ? {} : { incremental: checkpoint.incremental };
}

function checkpointPlan(strategy: Strategy, nodeMtbfS: number | null): CheckpointPlan {
  const checkpoint = strategy.checkpoint;
  switch (checkpoint.policy) {
    case "adaptive":
      return {
        policy: "adaptive",
        intervalUs: Infinity,
        costUs: secondsToUs(checkpoint.cost),
        restartUs: secondsToUs(checkpoint.restart ?? checkpoint.cost),
        sizeBytes: 0,
        adaptive: { formula: "daly", priorNodeMtbfUs: secondsToUs(checkpoint.prior) },
        onNotice: checkpoint.onNotice,
        ...incrementalOf(checkpoint),
      };
    case "on-notice":
      return {
        policy: "on-notice",
        intervalUs: Infinity,
        costUs: secondsToUs(checkpoint.cost),
        restartUs: secondsToUs(checkpoint.restart ?? checkpoint.cost),
        sizeBytes: 0,
        onNotice: true,
      };
    case "young":
    case "daly":
      return {
        policy: checkpoint.policy,
        intervalUs: Infinity,
        costUs: secondsToUs(checkpoint.cost),
        restartUs: secondsToUs(checkpoint.restart ?? checkpoint.cost),
        sizeBytes: 0,
        optimal: { formula: checkpoint.policy, nodeMtbfUs: secondsToUs(nodeMtbfS!) },
        onNotice: checkpoint.onNotice,
        ...incrementalOf(checkpoint),
      };
    case "none":
      return NO_CHECKPOINT;
    case "fixed":
      return {
        policy: "fixed",
        intervalUs: secondsToUs(checkpoint.interval),
        costUs: secondsToUs(checkpoint.cost ?? 0),
        restartUs: secondsToUs(checkpoint.restart ?? checkpoint.cost ?? 0),
        sizeBytes: (checkpoint.sizeGB ?? 0) * 1e9,
        onNotice: checkpoint.onNotice,
        ...incrementalOf(checkpoint),
      };
  }
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
): { metrics: RunMetrics; trace: Omit<RunTrace, "strategy" | "replication"> | null } {
  const sim = new Sim({ seed, keepRecords: withTrace });
  const model = new ClusterModel(sim, modelOptions(prepared, strategy, withTrace ? TRACE_SAMPLES : 0, injections));
  model.begin();
  // A replay without a horizon runs until its last job ends: its last submission is the nominal end.
  const lastSubmitUs = prepared.traceJobs?.at(-1)?.submitUs ?? 0;
  runInSlices(sim, model.endUs, Number.isFinite(model.endUs) ? model.endUs : lastSubmitUs, onProgress);
  const result = model.finish();
  if (!withTrace) return { metrics: result.metrics, trace: null };
  return {
    metrics: result.metrics,
    trace: {
      utilization: result.utilization.map((point) => ({ timeH: point.timeUs / US_PER_H, value: point.value })),
      queueLength: result.queueLength.map((point) => ({ timeH: point.timeUs / US_PER_H, value: point.value })),
      failures: result.failures.map((failure) => ({
        timeH: failure.timeUs / US_PER_H,
        kind: failure.kind,
        target: failure.target,
        durationH: failure.durationUs / US_PER_H,
      })),
    },
  };
}

/** One replication of one strategy of a service scenario. */
export function runServiceReplication(
  scenario: ServiceScenario,
  strategy: ServiceScenario["strategies"][number],
  seed: number,
  withTrace: boolean,
  onProgress?: ReplicationProgress,
): { metrics: RunMetrics; trace: Omit<RunTrace, "strategy" | "replication"> | null } {
  const sim = new Sim({ seed, keepRecords: withTrace });
  const model = new ServiceModel(sim, serviceModelOptions(scenario, strategy));
  model.begin();
  runInSlices(sim, model.endUs, model.endUs, onProgress);
  const result = model.finish();
  if (!withTrace) return { metrics: result.metrics, trace: null };
  return {
    metrics: result.metrics,
    trace: {
      utilization: result.series.map((point) => ({ timeH: point.timeUs / US_PER_H, value: point.goodputRatio })),
      queueLength: result.series.map((point) => ({ timeH: point.timeUs / US_PER_H, value: point.queueLength })),
      failures: result.faults.map((fault) => ({
        timeH: fault.timeUs / US_PER_H,
        kind: fault.kind,
        target: fault.target,
        durationH: fault.durationUs / US_PER_H,
      })),
    },
  };
}

/** The service model's options for one strategy: the pool, its clients, its mitigations. */
export function serviceModelOptions(scenario: ServiceScenario, strategy: ServiceScenario["strategies"][number]): ServiceModelOptions {
  const service = scenario.service;
  const mitigations = strategy.mitigations;
  const leak = service.leak;
  return {
    horizonUs: secondsToUs(scenario.horizon),
    pool: {
      name: service.name,
      replicas: service.replicas,
      concurrency: service.concurrency,
      serviceMeanUs: secondsToUs(service.serviceTime),
      queueMax: service.queueMax,
      policy: service.balancer,
      ratePerS: service.arrivalsPerSecond,
      ...(service.client === undefined ? {} : { timeoutUs: secondsToUs(service.client.timeout), retries: service.client.retries }),
      ...(service.health === undefined
        ? {}
        : {
            healthIntervalUs: secondsToUs(service.health.interval),
            healthTimeoutUs: secondsToUs(service.health.timeout),
            unhealthyThreshold: service.health.unhealthyAfter,
            healthyThreshold: service.health.healthyAfter,
          }),
      ...(mitigations.backoff === undefined
        ? {}
        : { backoff: "exponential" as const, backoffBaseUs: secondsToUs(mitigations.backoff.base), backoffMaxUs: secondsToUs(mitigations.backoff.max) }),
      ...(mitigations.retryBudget === undefined ? {} : { retryBudget: mitigations.retryBudget }),
      ...(mitigations.breaker === undefined
        ? {}
        : {
            errorRateThreshold: mitigations.breaker.errorRate,
            breakerWindowUs: secondsToUs(mitigations.breaker.window),
            breakerMinRequests: mitigations.breaker.minRequests,
            openUs: secondsToUs(mitigations.breaker.open),
          }),
      ...(mitigations.slowStart === undefined ? {} : { slowStartUs: secondsToUs(mitigations.slowStart) }),
      ...(mitigations.shedQueueLength === undefined ? {} : { shedQueueLength: mitigations.shedQueueLength }),
    },
    leak:
      leak === undefined
        ? null
        : {
            baseMiB: leak.baseMiB,
            limitMiB: leak.limitMiB,
            leakMiBPerHour: leak.leakMiBPerHour,
            swapAtFraction: leak.swapAtFraction,
            slowdownAtLimit: leak.slowdownAtLimit,
            restartUs: secondsToUs(leak.restart),
            stepUs: secondsToUs(leak.step),
            ...(mitigations.memoryCheck === undefined
              ? {}
              : {
                  restartAtFraction: mitigations.memoryCheck.restartAtFraction,
                  checkIntervalUs: secondsToUs(mitigations.memoryCheck.interval),
                }),
          },
    faults: scenario.failures.map((failure) =>
      failure.kind === "replica-failure"
        ? { kind: "replica-failure" as const, replica: failure.replica, atUs: secondsToUs(failure.at), durationUs: secondsToUs(failure.duration) }
        : {
            kind: "replica-slowdown" as const,
            replica: failure.replica,
            atUs: secondsToUs(failure.at),
            durationUs: secondsToUs(failure.duration),
            factor: failure.factor,
          },
    ),
    sloAvailability: scenario.slo?.availability ?? null,
    sampleEveryUs: secondsToUs(scenario.sampleEvery),
  };
}

/** Runs the whole scenario: every strategy × replication, results ordered by both. */
export function runScenario(prepared: PreparedScenario, options: RunScenarioOptions): ResultSet {
  const keys = replicationKeys(prepared.scenario, options.replications);
  const outcomes = keys.map((key, done) => {
    const outcome = runKey(prepared, key, { seed: options.seed, injections: options.injections, reproduce: options.reproduce });
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
  options: Pick<RunScenarioOptions, "seed" | "injections" | "reproduce"> & { readonly onProgress?: ReplicationProgress },
): RunOutcome {
  const scenario = prepared.scenario;
  const name = scenario.strategies[key.strategyIndex].name;
  const seed = replicationSeed(options.seed, key.replication);
  // Traces are kept from the first replication only: they are for the plots.
  const withTrace = key.replication === 0;
  let outcome: ReturnType<typeof runReplication>;
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
  options: Pick<RunScenarioOptions, "seed" | "replications" | "faultlineVersion">,
  outcomes: readonly RunOutcome[],
): ResultSet {
  const names = scenario.strategies.map((strategy) => strategy.name);
  const runs = outcomes.map((outcome) => outcome.run);
  const traces = outcomes.flatMap((outcome) => (outcome.trace === null ? [] : [outcome.trace]));
  return {
    summary: summarize(scenario.name, options, names, runs),
    description: scenario.description,
    horizonH:
      scenario.horizon !== undefined
        ? scenario.horizon / 3_600
        : Math.max(0, ...runs.map((run) => run.metrics.makespan_h ?? 0)),
    runs,
    traces,
  };
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
