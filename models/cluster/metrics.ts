import { assert } from "../../sim/assert.js";
import type { SampleSet } from "../../sim/metrics.js";
import type { SimRecord } from "../../sim/sim.js";
import { US_PER_H } from "../../sim/time.js";
import type { Cluster } from "../hardware/cluster.js";
import { finiteOrNull, unexercisedMetrics, type RunMetrics } from "../metrics.js";
import type { AttemptCounters, Ledger } from "../workload/attempt.js";
import type { JobLifecycle } from "./lifecycle.js";
import type { FailureOccurred, PoolOptions, SloOptions } from "./options.js";
import type { ClusterPart, RunMetricsDraft } from "./part.js";

/**
 * A cluster run's metrics, from the job lifecycle's counts and samples, the ledger of
 * node·µs, the cluster's own measures and what each part adds. Before it computes, it
 * checks the run's invariants with two witnesses each: the ledger against the busy
 * node·µs the cluster measured, and jobs conserved (submitted = completed + failed +
 * running + queued).
 */
export interface MetricsInputs {
  readonly cluster: Cluster;
  readonly lifecycle: JobLifecycle;
  readonly ledger: Ledger;
  readonly counters: AttemptCounters;
  readonly parts: readonly ClusterPart[];
  readonly pools: readonly PoolOptions[];
  readonly slo: SloOptions | null;
  /** Whether any failure is modelled (else lost work is null, not a made-up zero). */
  readonly failuresModelled: boolean;
  /** Whether attempts do start-up I/O. */
  readonly startupModelled: boolean;
  /** Whether checkpoints and start-ups go to a storage model (else their times are fixed). */
  readonly storageModelled: boolean;
  /** Whether checkpoints may be corrupt (else there are no fallbacks to count). */
  readonly corruptionModelled: boolean;
  /** What the control plane's redundant units cost. */
  readonly servicesCost: number;
}

export function clusterMetrics(inputs: MetricsInputs, endUs: number): RunMetrics {
  const { cluster, lifecycle, ledger } = inputs;
  // Units are nodes, or thousandths of a GPU on a GPU-granular cluster.
  const unitGpus = cluster.unitGpus;
  const shares = cluster.shares;

  const busyNodeUs = cluster.busyUnits.areaUs(endUs);
  const bookedNodeUs = ledger.usefulUs + ledger.overheadUs + ledger.lostUs + ledger.inFlightUs + ledger.degradedUs + ledger.startupUs;
  assert(Math.abs(busyNodeUs - bookedNodeUs) <= 1e-9 * Math.max(1, busyNodeUs), "node-hours do not add up");
  const slowdownNodeUs = ledger.slowdownFabricUs + ledger.slowdownThermalUs + ledger.slowdownDegradedUs + ledger.slowdownModelUs;
  assert(Math.abs(slowdownNodeUs - ledger.degradedUs) <= 1e-9 * Math.max(1, ledger.degradedUs), "slowdowns by cause do not add up to degraded time");
  assert(ledger.slowdownStorageUs <= (ledger.overheadUs + ledger.startupUs) * (1 + 1e-9), "storage slowdown exceeds the I/O time it is part of");

  const submitted = lifecycle.submitted;
  const running = lifecycle.running.length;
  assert(submitted === lifecycle.completed + lifecycle.failed + running + lifecycle.queuedCount, "jobs are not conserved");
  cluster.checkInvariants();

  const upNodeUs = cluster.upUnits.areaUs(endUs);
  const upGpuH = (upNodeUs * unitGpus) / US_PER_H;
  const toGpuH = (nodeUs: number): number | null => (unitGpus > 0 ? (nodeUs * unitGpus) / US_PER_H : null);
  const allGpuUs = cluster.gpuCount * endUs;
  const ended = lifecycle.completed + lifecycle.failed;
  const cost = costTotal(inputs, endUs);
  const { checkpointsCompleted, checkpointsFailed, intervalsChosen, intervalSumUs, intervalMinUs, intervalMaxUs } = inputs.counters;
  const checkpointsTried = checkpointsCompleted + checkpointsFailed;
  const metrics: RunMetricsDraft = {
    ...unexercisedMetrics(),
    jobs_submitted: submitted,
    jobs_completed: lifecycle.completed,
    jobs_failed: lifecycle.failed,
    job_failure_rate: ended > 0 ? lifecycle.failed / ended : null,
    time_to_solution_p50_h: finiteOrNull(lifecycle.timesToSolutionH.percentile(0.5)),
    time_to_solution_p90_h: finiteOrNull(lifecycle.timesToSolutionH.percentile(0.9)),
    time_to_solution_p99_h: finiteOrNull(lifecycle.timesToSolutionH.percentile(0.99)),
    queue_wait_p50_h: finiteOrNull(lifecycle.waitsH.percentile(0.5)),
    queue_wait_p90_h: finiteOrNull(lifecycle.waitsH.percentile(0.9)),
    queue_wait_p90_priority_h: finiteOrNull(lifecycle.priorityWaitsH.percentile(0.9)),
    queue_wait_mean_h: finiteOrNull(lifecycle.waitsH.mean()),
    queue_wait_mean_big_user_h: finiteOrNull(lifecycle.bigUserWaitsH.mean()),
    queue_wait_p90_big_user_h: finiteOrNull(lifecycle.bigUserWaitsH.percentile(0.9)),
    queue_wait_mean_other_users_h: finiteOrNull(lifecycle.otherUsersWaitsH.mean()),
    queue_wait_p90_other_users_h: finiteOrNull(lifecycle.otherUsersWaitsH.percentile(0.9)),
    bounded_slowdown_mean: finiteOrNull(lifecycle.boundedSlowdowns.mean()),
    gpu_utilization: upGpuH > 0 ? toGpuH(busyNodeUs)! / upGpuH : null,
    node_utilization: shares === null && upNodeUs > 0 ? busyNodeUs / upNodeUs : null,
    gpu_allocation_rate: shares !== null && allGpuUs > 0 ? shares.allocatedGpus.areaUs(endUs) / allGpuUs : null,
    gpu_allocation_end: shares !== null && shares.gpuCount > 0 ? shares.allocatedGpus.value / shares.gpuCount : null,
    gpu_fragmentation: shares !== null && allGpuUs > 0 ? shares.fragmentedGpus.areaUs(endUs) / allGpuUs : null,
    jobs_unschedulable: shares !== null ? lifecycle.unschedulable : null,
    fragmentation_node_h: shares === null ? lifecycle.fragmentedNodes.areaUs(endUs) / US_PER_H : null,
    // A cluster without GPUs measures goodput in node-hours (on one with GPUs the two ratios are the same).
    goodput: upGpuH > 0 ? toGpuH(ledger.usefulUs)! / upGpuH : unitGpus === 0 && upNodeUs > 0 ? ledger.usefulUs / upNodeUs : null,
    lost_work_gpu_h: inputs.failuresModelled ? toGpuH(ledger.lostUs) : null,
    lost_work_node_h: inputs.failuresModelled && shares === null ? ledger.lostUs / US_PER_H : null,
    checkpoint_overhead_gpu_h: toGpuH(ledger.overheadUs),
    degraded_gpu_h: toGpuH(ledger.degradedUs),
    busy_gpu_h: toGpuH(busyNodeUs),
    slowdown_fabric_gpu_h: toGpuH(ledger.slowdownFabricUs),
    slowdown_thermal_gpu_h: toGpuH(ledger.slowdownThermalUs),
    slowdown_degraded_gpu_h: toGpuH(ledger.slowdownDegradedUs),
    slowdown_gpu_model_gpu_h: shares !== null ? toGpuH(ledger.slowdownModelUs) : null,
    slowdown_storage_gpu_h: inputs.storageModelled ? toGpuH(ledger.slowdownStorageUs) : null,
    startup_overhead_gpu_h: inputs.startupModelled ? toGpuH(ledger.startupUs) : null,
    checkpoint_success_rate: checkpointsTried > 0 ? checkpointsCompleted / checkpointsTried : null,
    checkpoint_interval_mean_h: intervalsChosen > 0 ? intervalSumUs / intervalsChosen / US_PER_H : null,
    checkpoint_interval_min_h: intervalsChosen > 0 ? intervalMinUs / US_PER_H : null,
    checkpoint_interval_max_h: intervalsChosen > 0 ? intervalMaxUs / US_PER_H : null,
    checkpoint_fallbacks: inputs.corruptionModelled ? inputs.counters.checkpointFallbacks : null,
    scheduler_success_rate: submitted > 0 ? lifecycle.started / submitted : null,
    slo_error_budget_used: errorBudgetUsed(inputs.slo, lifecycle.failed, ended, lifecycle.timesToSolutionH),
    cost_total: cost,
    cost_per_completed_job: cost !== null && lifecycle.completed > 0 ? cost / lifecycle.completed : null,
    makespan_h: submitted > 0 && ended === submitted ? lifecycle.lastEndUs / US_PER_H : null,
  };
  for (const part of inputs.parts) part.addMetrics?.(metrics, endUs);
  return metrics;
}

/**
 * What the pools' capacity cost over the run: every node's GPUs at its pool's price for
 * the whole time, up or down (capacity is paid for while held), less what the provider
 * took back (spot reclaims), plus the control plane's redundant units. Null without prices.
 */
function costTotal(inputs: MetricsInputs, endUs: number): number | null {
  const { pools, cluster } = inputs;
  const services = inputs.servicesCost;
  if (pools.length === 0) return services > 0 ? services : null;
  const hours = endUs / US_PER_H;
  const perRack = cluster.options.nodesPerRack;
  let cost = 0;
  let unpaidNodeUs = 0;
  for (const part of inputs.parts) unpaidNodeUs += part.unpaidNodeUs?.(endUs) ?? 0;
  let firstRack = 0;
  for (const pool of pools) {
    // GPUs of the pool's racks: every node alike, or each node's own shape when GPU-granular.
    let gpus = pool.racks * perRack * cluster.gpusPerNode;
    if (cluster.shares !== null) {
      gpus = 0;
      for (let node = firstRack * perRack; node < (firstRack + pool.racks) * perRack; node++) gpus += cluster.shares.gpusOf(node);
    }
    let paidGpuH = gpus * hours;
    // Spot capacity the provider has taken back is not paid for.
    if (pool.spot) paidGpuH -= (unpaidNodeUs * (gpus / (pool.racks * perRack))) / US_PER_H;
    cost += pool.pricePerGpuHour * paidGpuH;
    firstRack += pool.racks;
  }
  return cost + services;
}

/**
 * The larger of the two budgets' use: failed jobs against the (1 − success target)
 * allowance, and completed jobs slower than the p90 target against the 10% allowance.
 */
export function errorBudgetUsed(slo: SloOptions | null, failed: number, ended: number, timesToSolutionH: SampleSet): number | null {
  if (slo === null) return null;
  let used: number | null = null;
  if (slo.jobSuccessRate !== null && ended > 0) {
    const allowed = (1 - slo.jobSuccessRate) * ended;
    used = allowed > 0 ? failed / allowed : failed > 0 ? Infinity : 0;
  }
  if (slo.timeToSolutionP90S !== null && timesToSolutionH.count > 0) {
    const limitH = slo.timeToSolutionP90S / 3_600;
    const values = timesToSolutionH.sortedValues();
    let slow = 0;
    for (let i = values.length - 1; i >= 0 && values[i] > limitH; i--) slow++;
    const slowUsed = slow / (0.1 * values.length);
    used = used === null ? slowUsed : Math.max(used, slowUsed);
  }
  return used === null ? null : finiteOrNull(used);
}

/** Records that are injected faults: the failure they name and the field holding the outage. */
const FAILURE_RECORDS: Readonly<Record<string, { kind: string; durationField: string | null }>> = {
  NodeCrashed: { kind: "node-crash", durationField: "repairUs" },
  SpotReclaimed: { kind: "spot-preemption", durationField: "returnUs" },
  RackPowerLost: { kind: "rack-power", durationField: "repairUs" },
  PowerDomainLost: { kind: "power-domain", durationField: "repairUs" },
  GpuThrottled: { kind: "thermal-throttle", durationField: null },
  NodeQuarantined: { kind: "silent-degradation", durationField: null },
  FaultInjected: { kind: "ad-hoc", durationField: "repairUs" },
  DriverRolledOut: { kind: "driver-mismatch", durationField: null },
};

/** Injected faults from the record log, for the failure timeline. */
export function failureTimeline(records: readonly SimRecord[]): FailureOccurred[] {
  const failures: FailureOccurred[] = [];
  for (const record of records) {
    const failure = Object.hasOwn(FAILURE_RECORDS, record.kind) ? FAILURE_RECORDS[record.kind] : undefined;
    if (failure === undefined) continue;
    // A rack outage records its nodes' crashes too; the timeline shows the outage once.
    if (record.kind === "NodeCrashed" && record.domain !== undefined) continue;
    failures.push({
      timeUs: record.timeUs as number,
      kind: typeof record.fault === "string" ? record.fault : failure.kind,
      target: String(record.target ?? record.node ?? ""),
      durationUs: failure.durationField === null ? 0 : ((record[failure.durationField] as number | undefined) ?? 0),
    });
  }
  return failures;
}
