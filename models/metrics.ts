/**
 * Every metric a run can produce, declared once: its name (snake_case, unit last, as
 * DESIGN.md fixes them), its unit, which way is better, how its numbers are read and what
 * it means. The result files' columns, the reports, the gate, the schema's list of gated
 * metrics and docs/metrics.md all derive from this table, in this order.
 *
 * To add a metric: add a row here, then compute it where the run knows it (a cluster part's
 * `addMetrics`, models/cluster/metrics.ts or models/service-model.ts). A metric a run does
 * not exercise stays null, never a made-up zero.
 */

/** Which way is better, for verdicts, colouring and the gate's default direction. */
export type MetricDirection = "higher" | "lower" | "neither";

/** How a metric's numbers are read: counts of things, fractions (rates), or quantities with a unit. */
export type MetricKind = "count" | "fraction" | "quantity";

export interface MetricDeclaration {
  readonly name: string;
  readonly unit: string;
  readonly better: MetricDirection;
  readonly kind: MetricKind;
  /** One or two sentences, for docs/metrics.md and `--help`. */
  readonly description: string;
  /** Beyond DESIGN.md's list. */
  readonly extension?: true;
}

export const METRICS = [
  { name: "jobs_submitted", unit: "jobs", better: "neither", kind: "count", description: "Jobs that arrived within the horizon." },
  { name: "jobs_completed", unit: "jobs", better: "higher", kind: "count", description: "Jobs that finished their work." },
  { name: "jobs_failed", unit: "jobs", better: "lower", kind: "count", description: "Jobs that ended without finishing: out of retries, or killed at their time limit." },
  { name: "job_failure_rate", unit: "fraction", better: "lower", kind: "fraction", description: "Failed jobs over jobs that ended." },
  { name: "time_to_solution_p50_h", unit: "h", better: "lower", kind: "quantity", description: "Median of completion minus submission, over completed jobs." },
  { name: "time_to_solution_p90_h", unit: "h", better: "lower", kind: "quantity", description: "90th percentile of completion minus submission." },
  { name: "time_to_solution_p99_h", unit: "h", better: "lower", kind: "quantity", description: "99th percentile of completion minus submission." },
  { name: "queue_wait_p50_h", unit: "h", better: "lower", kind: "quantity", description: "Median of first start minus submission." },
  { name: "queue_wait_p90_h", unit: "h", better: "lower", kind: "quantity", description: "90th percentile of first start minus submission." },
  { name: "queue_wait_p90_priority_h", unit: "h", better: "lower", kind: "quantity", extension: true, description: "90th percentile of first start minus submission over jobs in a QOS other than normal; null when there are none." },
  { name: "queue_wait_mean_h", unit: "h", better: "lower", kind: "quantity", extension: true, description: "Mean of first start minus submission, over jobs that started: the figure Little's law and capacity planning reason with." },
  { name: "queue_wait_mean_big_user_h", unit: "h", better: "lower", kind: "quantity", extension: true, description: "Mean of first start minus submission over the big user's jobs (`workload.generator.bigUserShare`): what fair share costs the user who submits most; null without a big user." },
  { name: "queue_wait_p90_big_user_h", unit: "h", better: "lower", kind: "quantity", extension: true, description: "90th percentile of first start minus submission over the big user's jobs; null without a big user." },
  { name: "queue_wait_mean_other_users_h", unit: "h", better: "lower", kind: "quantity", extension: true, description: "Mean of first start minus submission over the jobs of every user but the big one; null without a big user." },
  { name: "queue_wait_p90_other_users_h", unit: "h", better: "lower", kind: "quantity", extension: true, description: "90th percentile of first start minus submission over the jobs of every user but the big one; null without a big user." },
  { name: "bounded_slowdown_mean", unit: "ratio", better: "lower", kind: "quantity", description: "Mean of (wait + run) / max(run, 10 s) over completed jobs." },
  { name: "gpu_utilization", unit: "fraction", better: "neither", kind: "fraction", description: "GPU-hours held by jobs over GPU-hours of nodes that were up; null without GPUs." },
  { name: "node_utilization", unit: "fraction", better: "neither", kind: "fraction", extension: true, description: "Node-hours held by jobs over node-hours of nodes up: the utilisation of CPU clusters and traces." },
  { name: "gpu_allocation_rate", unit: "fraction", better: "higher", kind: "fraction", extension: true, description: "GPUs allocated to jobs (shares counted as fractions) over all GPUs, time-weighted; null unless GPUs are allocated per GPU." },
  { name: "gpu_allocation_end", unit: "fraction", better: "higher", kind: "fraction", extension: true, description: "GPUs allocated over all GPUs at the end of the run: where a cluster filled up to (the FGD paper's allocation rate); null unless GPUs are allocated per GPU." },
  { name: "gpu_fragmentation", unit: "fraction", better: "lower", kind: "fraction", extension: true, description: "GPU capacity free but unusable by the workload's typical mix of requests (Weng et al., ATC '23: a request class that cannot run on a node leaves all its free GPUs unusable, one that can leaves those too small for it), over all GPUs, time-weighted; null unless GPUs are allocated per GPU." },
  { name: "jobs_unschedulable", unit: "jobs", better: "lower", kind: "count", extension: true, description: "Replayed jobs asking for more than any node of the cluster holds (GPUs, CPUs, memory or a GPU model it lacks), left out of the run; null unless GPUs are allocated per GPU." },
  { name: "fragmentation_node_h", unit: "node-h", better: "lower", kind: "quantity", extension: true, description: "Node-hours idle while a waiting job would have fitted in the free nodes: what strict ordering and placement cost." },
  { name: "goodput", unit: "fraction", better: "higher", kind: "fraction", description: "Useful GPU-hours (finished, or saved by a checkpoint) over GPU-hours of nodes up; on a cluster without GPUs, node-hours over node-hours (the same ratio where every node has GPUs)." },
  { name: "lost_work_gpu_h", unit: "GPU-h", better: "lower", kind: "quantity", description: "Compute since the last checkpoint of attempts cut short by a failure; null when no failure is modelled. Compute not yet checkpointed by jobs still running at the horizon counts here and in `checkpoint_overhead_gpu_h` neither." },
  { name: "lost_work_node_h", unit: "node-h", better: "lower", kind: "quantity", extension: true, description: "`lost_work_gpu_h` in node-hours, so CPU-only clusters and traces have it too; null when no failure is modelled, and on GPU-granular clusters (whose jobs hold GPUs, not nodes)." },
  { name: "checkpoint_overhead_gpu_h", unit: "GPU-h", better: "lower", kind: "quantity", description: "Checkpoint writing (a write cut short included) plus reading checkpoints back on restart." },
  { name: "degraded_gpu_h", unit: "GPU-h", better: "lower", kind: "quantity", extension: true, description: "GPU-hours jobs held beyond the work they did: slow clocks, waiting on the all-reduce." },
  { name: "busy_gpu_h", unit: "GPU-h", better: "neither", kind: "quantity", extension: true, description: "GPU-hours held by jobs: useful work, overheads, lost and in-flight work and slowdowns together." },
  { name: "slowdown_fabric_gpu_h", unit: "GPU-h", better: "lower", kind: "quantity", extension: true, description: "The part of `degraded_gpu_h` spent waiting on the all-reduce: traffic on shared links, as it changed while jobs ran." },
  { name: "slowdown_thermal_gpu_h", unit: "GPU-h", better: "lower", kind: "quantity", extension: true, description: "The part of `degraded_gpu_h` due to heat-throttled clocks (a job runs at its slowest node's clock, as it changes)." },
  { name: "slowdown_degraded_gpu_h", unit: "GPU-h", better: "lower", kind: "quantity", extension: true, description: "The part of `degraded_gpu_h` due to degrading nodes' clocks (ECC errors)." },
  { name: "slowdown_gpu_model_gpu_h", unit: "GPU-h", better: "lower", kind: "quantity", extension: true, description: "The part of `degraded_gpu_h` spent on GPU models slower than the cluster's fastest (work is measured on the fastest); null unless GPUs are allocated per GPU. The slowdowns by cause add up to `degraded_gpu_h`." },
  { name: "slowdown_storage_gpu_h", unit: "GPU-h", better: "lower", kind: "quantity", extension: true, description: "The part of `checkpoint_overhead_gpu_h` and `startup_overhead_gpu_h` spent on contention: checkpoint writes, restarts and start-up I/O beyond what they take with the filesystem (or burst buffer) to themselves; null without a storage model." },
  { name: "startup_overhead_gpu_h", unit: "GPU-h", better: "lower", kind: "quantity", extension: true, description: "GPU-hours attempts spent on start-up I/O at the metadata server; null without `workload.startup`." },
  { name: "throttled_node_h", unit: "node-h", better: "lower", kind: "quantity", extension: true, description: "Node-hours the thermal model held GPU clocks below full speed; null without it." },
  { name: "checkpoint_success_rate", unit: "fraction", better: "higher", kind: "fraction", description: "Checkpoints written over checkpoints begun; one cut short by a failure counts as failed." },
  { name: "checkpoint_interval_mean_h", unit: "h", better: "neither", kind: "quantity", extension: true, description: "Mean of the checkpoint intervals the policy chose, one per compute segment: fixed, Young's or Daly's for the job's size, or the adaptive estimate of the moment; null without periodic checkpoints." },
  { name: "checkpoint_interval_min_h", unit: "h", better: "neither", kind: "quantity", extension: true, description: "Shortest checkpoint interval the policy chose; with `checkpoint_interval_max_h`, the range it chose in (wide for adaptive estimates and mixed job sizes)." },
  { name: "checkpoint_interval_max_h", unit: "h", better: "neither", kind: "quantity", extension: true, description: "Longest checkpoint interval the policy chose." },
  { name: "checkpoint_fallbacks", unit: "restarts", better: "lower", kind: "count", extension: true, description: "Restarts that found the latest checkpoint silently corrupt and fell back to an older readable one, or to the start; the work between them counts in `lost_work_gpu_h`. Null unless checkpoints may be corrupt (`corruptProbability`)." },
  { name: "preemptions", unit: "attempts", better: "lower", kind: "count", extension: true, description: "Running attempts QOS preemption took the nodes of (killed or requeued at the end of their grace time); null without preemption." },
  { name: "preemption_rate", unit: "1/job", better: "lower", kind: "quantity", extension: true, description: "`preemptions` per job started (a job preempted twice counts twice, so it may exceed 1); null without preemption." },
  { name: "scheduler_success_rate", unit: "fraction", better: "higher", kind: "fraction", description: "Submitted jobs that started at least once." },
  { name: "fabric_p99_latency_us", unit: "µs", better: "lower", kind: "quantity", description: "99th percentile of all-reduce message latency: the slowest ring hop's path latency inflated by 1/(1 − ρ) for the other traffic on its busiest link." },
  { name: "storage_throughput_gbps_mean", unit: "Gb/s", better: "higher", kind: "quantity", description: "Bytes the parallel filesystem moved over the run, in Gb/s." },
  { name: "control_plane_availability", unit: "fraction", better: "higher", kind: "fraction", description: "Fraction of time every control-plane service was up." },
  { name: "downtime_min", unit: "min", better: "lower", kind: "quantity", description: "Minutes any control-plane service was down." },
  { name: "failovers", unit: "takeovers", better: "lower", kind: "count", extension: true, description: "Control-plane takeovers by a passive unit (active-passive, an operator's included) and elections won (quorum), over every service; null unless some service has a standby." },
  { name: "split_brain_s", unit: "s", better: "lower", kind: "quantity", extension: true, description: "Seconds two units of an active-passive service were both active (a partition of their heartbeat link), summed over services; null unless some service is active-passive." },
  { name: "jobs_delayed_by_outages", unit: "jobs", better: "lower", kind: "count", extension: true, description: "Jobs that start as the scheduler controller returns: the ones its outage held back." },
  { name: "service_goodput_ratio", unit: "fraction", better: "higher", kind: "fraction", extension: true, description: "Service scenarios: requests that succeeded over requests sent." },
  { name: "service_latency_mean_ms", unit: "ms", better: "lower", kind: "quantity", extension: true, description: "Service scenarios: mean latency of requests that succeeded (first send to reply, retries included)." },
  { name: "service_latency_p50_ms", unit: "ms", better: "lower", kind: "quantity", extension: true, description: "Service scenarios: median latency of requests that succeeded." },
  { name: "service_latency_p99_ms", unit: "ms", better: "lower", kind: "quantity", extension: true, description: "Service scenarios: 99th percentile latency of requests that succeeded." },
  { name: "service_wait_probability", unit: "fraction", better: "lower", kind: "fraction", extension: true, description: "Service scenarios: attempts that waited in a queue over attempts sent to the replicas (Erlang C's P(wait) for an M/M/c pool)." },
  { name: "service_error_rate", unit: "fraction", better: "lower", kind: "fraction", extension: true, description: "Service scenarios: requests that failed (after their retries) over requests that ended." },
  { name: "service_ejections", unit: "replicas", better: "lower", kind: "count", extension: true, description: "Service scenarios: replicas ejected by the balancer's health checks." },
  { name: "service_spike_goodput_ratio", unit: "fraction", better: "higher", kind: "fraction", extension: true, description: "Service scenarios with `service.spikes`: requests first sent during a spike that succeeded, over those sent; null without spikes." },
  { name: "service_oom_kills", unit: "processes", better: "lower", kind: "count", extension: true, description: "Service scenarios with a memory leak: processes killed by the OOM killer." },
  { name: "service_utilization", unit: "fraction", better: "neither", kind: "fraction", extension: true, description: "Service scenarios: slot time the (front) replicas held requests in service over their slots; with a back tier, a slot waiting on the back counts as held (its thread is blocked)." },
  { name: "backend_utilization", unit: "fraction", better: "neither", kind: "fraction", extension: true, description: "Service scenarios with `service.backend`: slot time the back replicas held requests in service over their slots; null without a back tier." },
  { name: "backend_latency_mean_ms", unit: "ms", better: "lower", kind: "quantity", extension: true, description: "Service scenarios with `service.backend`: mean latency of the front's back-tier calls that succeeded (first send to reply, the front's retries included); null without a back tier." },
  { name: "backend_error_rate", unit: "fraction", better: "lower", kind: "fraction", extension: true, description: "Service scenarios with `service.backend`: back-tier calls that failed (after the front's retries) over calls that ended; null without a back tier." },
  { name: "retry_amplification", unit: "ratio", better: "lower", kind: "quantity", extension: true, description: "Service scenarios with `service.backend`: back-tier attempts (the front's calls and their retries) per client request; 1 when nothing fails, up to (1 + client retries) × (1 + backend retries) in a retry storm; null without a back tier." },
  { name: "slo_error_budget_used", unit: "fraction", better: "lower", kind: "fraction", description: "The larger of failed jobs over the (1 − `jobSuccessRate`) allowance and jobs slower than `timeToSolutionP90` over the 10% allowance; for services, errors over (1 − availability)." },
  { name: "cost_total", unit: "currency", better: "lower", kind: "quantity", description: "Every pool's GPUs at its price for the whole run, up or down, plus redundant control-plane units; null without prices." },
  { name: "cost_per_completed_job", unit: "currency/job", better: "lower", kind: "quantity", description: "`cost_total` over completed jobs." },
  { name: "makespan_h", unit: "h", better: "lower", kind: "quantity", description: "Time of the last job end when every submitted job ended within the horizon; otherwise null." },
] as const satisfies readonly MetricDeclaration[];

export type MetricName = (typeof METRICS)[number]["name"];

/** Metric names in the order columns and tables show them. */
export const METRIC_NAMES: readonly MetricName[] = METRICS.map((metric) => metric.name);

/** Which way is better for each metric. */
export const METRIC_BETTER: Readonly<Record<MetricName, MetricDirection>> = Object.fromEntries(
  METRICS.map((metric) => [metric.name, metric.better]),
) as Record<MetricName, MetricDirection>;

const KIND_BY_NAME = Object.fromEntries(METRICS.map((metric) => [metric.name, metric.kind])) as Record<MetricName, MetricKind>;

export function metricKind(metric: MetricName): MetricKind {
  return KIND_BY_NAME[metric];
}

/**
 * The metrics one run of a model produces. A metric the run does not exercise is null,
 * never a made-up zero.
 */
export type RunMetrics = Record<MetricName, number | null>;

/** Every metric null, in table order: what a model starts from before it fills in its own. */
export function unexercisedMetrics(): RunMetrics {
  return Object.fromEntries(METRIC_NAMES.map((name) => [name, null])) as RunMetrics;
}

/** NaN (an empty sample, a ratio over zero) becomes null. */
export function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
