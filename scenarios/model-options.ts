import { secondsToUs } from "../sim/time.js";
import type { Placement } from "../models/hardware/cluster.js";
import type { GpuPlacement } from "../models/hardware/gpu-share.js";
import { cudaNumber, nodeShapes } from "./gpu-allocation.js";
import type { ClusterModelOptions, FabricModelOptions, SchedulerOptions } from "../models/cluster/options.js";
import type { AdHocInjection } from "../models/failures/ad-hoc.js";
import type { HaStrategy } from "../models/services/control-plane.js";
import { NO_CHECKPOINT, type CheckpointPlan } from "../models/strategies/checkpoint.js";
import { backfillOf } from "../models/scheduler/policies.js";
import type { ServiceFault, ServiceModelOptions } from "../models/service-model.js";
import { failureWirings, timedFaults } from "./failures/index.js";
import type { PreparedScenario } from "./prepare.js";
import { placementOf, type ClusterScenario, type FabricSpec, type ServiceScenario, type Strategy } from "./schema.js";

/**
 * A validated scenario turned into the typed options its model takes: durations to
 * microseconds, per-strategy replacements applied, defaults of the model's own filled in.
 * Models never see YAML.
 */
/**
 * A game day's scripted incidents as injections: `run`, `regress` and sweeps play them as
 * the game day does (every strategy, every replication), so a rehearsed incident is a
 * case the gate can hold a strategy to, and a run agrees with the replay of a day.
 */
export function incidentInjections(scenario: ClusterScenario): AdHocInjection[] {
  return (scenario.gameday?.incidents ?? []).map((incident) => ({
    kind: incident.fault,
    atUs: secondsToUs(incident.at),
    target: incident.target,
    durationUs: secondsToUs(incident.duration),
  }));
}

/** The fabric a scenario (or a strategy's override) asks for, as the model's options; null: none. */
function fabricModelOptions(fabric: FabricSpec | undefined): FabricModelOptions | null {
  if (fabric === undefined) return null;
  if (fabric.topology === "fat-tree") {
    return {
      linkGbps: fabric.linkGbps,
      oversubscription: fabric.oversubscription,
      spineCount: fabric.spines,
      linkLatencyUs: fabric.linkLatencyUs,
      switchLatencyUs: fabric.switchLatencyUs,
    };
  }
  return {
    topology: "dragonfly",
    groupCount: fabric.groups,
    routersPerGroup: fabric.routersPerGroup,
    globalLinksPerGroupPair: fabric.globalLinks,
    linkGbps: fabric.linkGbps,
    localLinkGbps: fabric.localLinkGbps ?? fabric.linkGbps,
    globalLinkGbps: fabric.globalLinkGbps ?? fabric.linkGbps,
    linkLatencyUs: fabric.linkLatencyUs,
    globalLinkLatencyUs: fabric.globalLinkLatencyUs ?? fabric.linkLatencyUs,
    switchLatencyUs: fabric.switchLatencyUs,
  };
}

/** The model's options for one strategy of a scenario (hand injections, then the script's incidents). */
export function modelOptions(
  prepared: PreparedScenario,
  strategy: Strategy,
  traceSamples: number,
  injections: readonly AdHocInjection[] = [],
): ClusterModelOptions {
  const scenario = prepared.scenario as ClusterScenario;
  const crash = scenario.failures.find((failure) => failure.kind === "node-crash");
  const generator = scenario.workload.generator;
  return {
    horizonUs: scenario.horizon === undefined ? null : secondsToUs(scenario.horizon),
    cluster: {
      racks: scenario.cluster.racks,
      nodesPerRack: scenario.cluster.nodesPerRack,
      gpusPerNode: scenario.cluster.node.gpus,
    },
    fabric: fabricModelOptions(strategy.fabric ?? scenario.cluster.fabric),
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
              nodes: generator.nodes ?? { kind: "constant", value: 1 },
              workS: generator.runtime,
              timeLimitFactor: generator.timeLimitFactor,
              users: generator.users,
              bigUserShare: generator.bigUserShare ?? null,
              qos: Object.entries(generator.qos ?? {}).map(([name, share]) => ({ name, share })),
              communication:
                generator.allReduce === undefined
                  ? null
                  : {
                      bytes: generator.allReduce.sizeMB * 1e6,
                      iterationUs: secondsToUs(generator.allReduce.every),
                      algorithm: strategy.allReduceAlgorithm ?? generator.allReduce.algorithm,
                    },
              request:
                generator.gpus === undefined
                  ? null
                  : {
                      gpus: generator.gpus,
                      cpuMilli: Math.round((generator.cpus ?? 0) * 1000),
                      memoryMiB: (generator.memoryGiB ?? 0) * 1024,
                      model: generator.gpuModel ?? null,
                      cuda: cudaNumber(generator.cuda ?? scenario.cluster.node.cuda),
                    },
            },
      trace: prepared.traceJobs,
      traceFill: scenario.workload.trace?.fill ?? null,
      maxRequeues: scenario.workload.maxRequeues,
      tasksPerJob: strategy.tasksPerJob ?? scenario.workload.tasksPerJob,
    },
    scheduler: schedulerOptions(strategy.scheduler ?? scenario.scheduler),
    gpuSharing:
      scenario.cluster.allocation === "gpus"
        ? { shapes: nodeShapes(scenario, prepared.nodeList), placement: placementOf(strategy.scheduler ?? scenario.scheduler) }
        : null,
    failures: failureWirings(prepared, strategy),
    injections: [...injections, ...incidentInjections(scenario)],
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
    backfill: backfillOf(scheduler.policy),
    placement: wholeNodePlacement(placementOf(scheduler)),
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

/** The placement of whole nodes (the schema lets GPU-only placements through with cluster.allocation: gpus only). */
function wholeNodePlacement(placement: GpuPlacement): Placement {
  return placement === "first-fit" || placement === "topology" || placement === "spread" ? placement : "first-fit";
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

function incrementalOf(checkpoint: { incremental?: { fullEvery: number; dirtyFraction: number } }) {
  return checkpoint.incremental === undefined ? {} : { incremental: checkpoint.incremental };
}

/** Only a positive probability goes into the plan: without it the plan is what it always was. */
function corruptionOf(checkpoint: { corruptProbability?: number }) {
  return (checkpoint.corruptProbability ?? 0) > 0 ? { corruptProbability: checkpoint.corruptProbability } : {};
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
        ...corruptionOf(checkpoint),
      };
    case "on-notice":
      return {
        policy: "on-notice",
        intervalUs: Infinity,
        costUs: secondsToUs(checkpoint.cost),
        restartUs: secondsToUs(checkpoint.restart ?? checkpoint.cost),
        sizeBytes: 0,
        onNotice: true,
        ...corruptionOf(checkpoint),
      };
    case "young":
    case "daly":
      return {
        policy: checkpoint.policy,
        intervalUs: Infinity,
        costUs: secondsToUs(checkpoint.cost),
        restartUs: secondsToUs(checkpoint.restart ?? checkpoint.cost),
        sizeBytes: 0,
        optimal: { formula: checkpoint.policy, nodeMtbfUs: secondsToUs(checkpoint.assumedMtbf ?? nodeMtbfS!) },
        onNotice: checkpoint.onNotice,
        ...incrementalOf(checkpoint),
        ...corruptionOf(checkpoint),
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
        ...corruptionOf(checkpoint),
      };
  }
}


/** The service model's options for one strategy: the pool, its clients, its mitigations. */
/** What a caller does about a pool that struggles (backoff, retry budget, breaker, shedding): a client's, or the front tier's towards the back. */
function callerMitigations(mitigations: ServiceScenario["strategies"][number]["mitigations"]) {
  return {
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
    ...(mitigations.shedQueueLength === undefined ? {} : { shedQueueLength: mitigations.shedQueueLength }),
  };
}

export function serviceModelOptions(scenario: ServiceScenario, strategy: ServiceScenario["strategies"][number]): ServiceModelOptions {
  const service = scenario.service;
  const mitigations = strategy.mitigations;
  const leak = service.leak;
  const backend = service.backend;
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
      ...(service.expensiveShare > 0 ? { expensiveShare: service.expensiveShare, expensiveFactor: service.expensiveFactor } : {}),
      ...(service.client === undefined ? {} : { timeoutUs: secondsToUs(service.client.timeout), retries: service.client.retries }),
      ...(service.health === undefined
        ? {}
        : {
            healthIntervalUs: secondsToUs(service.health.interval),
            healthTimeoutUs: secondsToUs(service.health.timeout),
            unhealthyThreshold: service.health.unhealthyAfter,
            healthyThreshold: service.health.healthyAfter,
          }),
      ...callerMitigations(mitigations),
      ...(mitigations.slowStart === undefined ? {} : { slowStartUs: secondsToUs(mitigations.slowStart) }),
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
    // The client's mitigations guard the front's calls to the back tier too (as a mesh
    // configures every hop alike); health checks and slow start stay the front's.
    ...(backend === undefined
      ? {}
      : {
          backend: {
            name: backend.name,
            replicas: backend.replicas,
            concurrency: backend.concurrency,
            serviceMeanUs: secondsToUs(backend.serviceTime),
            queueMax: backend.queueMax,
            policy: backend.balancer,
            ...(backend.timeout === undefined ? {} : { timeoutUs: secondsToUs(backend.timeout) }),
            retries: backend.retries,
            ...callerMitigations(mitigations),
          },
        }),
    // The game day's scripted incidents play in every run too (as a cluster's do), on the front tier.
    faults: [
      ...scenario.failures,
      ...(scenario.gameday?.incidents ?? []).flatMap((incident) =>
        incident.fault === "load-spike" ? [] : [{ ...incident, kind: incident.fault, replica: incident.replica!, tier: undefined }],
      ),
    ].map((failure): ServiceFault => {
      const tier = failure.tier === "backend" ? { tier: "backend" as const } : {};
      return failure.kind === "replica-failure"
        ? { kind: "replica-failure", ...tier, replica: failure.replica, atUs: secondsToUs(failure.at), durationUs: secondsToUs(failure.duration) }
        : {
            kind: "replica-slowdown",
            ...tier,
            replica: failure.replica,
            atUs: secondsToUs(failure.at),
            durationUs: secondsToUs(failure.duration),
            factor: failure.factor!,
          };
    }),
    // The game day's load spikes among the service's own (they do not overlap).
    spikes: [...service.spikes, ...(scenario.gameday?.incidents ?? []).filter((incident) => incident.fault === "load-spike")]
      .map((spike) => ({ atUs: secondsToUs(spike.at), durationUs: secondsToUs(spike.duration), factor: spike.factor! })),
    sloAvailability: scenario.slo?.availability ?? null,
    sampleEveryUs: secondsToUs(scenario.sampleEvery),
  };
}

