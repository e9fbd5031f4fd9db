/**
 * The plain records a run leaves behind. Reports are built from these alone, so a report
 * can be rebuilt from saved results (`faultline report <dir>`).
 */

/** DESIGN.md's metric names, in the order columns and tables show them. */
export const METRIC_NAMES = [
  "jobs_submitted",
  "jobs_completed",
  "jobs_failed",
  "job_failure_rate",
  "time_to_solution_p50_h",
  "time_to_solution_p90_h",
  "time_to_solution_p99_h",
  "queue_wait_p50_h",
  "queue_wait_p90_h",
  "bounded_slowdown_mean",
  "gpu_utilization",
  "node_utilization",
  "fragmentation_node_h",
  "goodput",
  "lost_work_gpu_h",
  "checkpoint_overhead_gpu_h",
  "degraded_gpu_h",
  "startup_overhead_gpu_h",
  "throttled_node_h",
  "checkpoint_success_rate",
  "scheduler_success_rate",
  "fabric_p99_latency_us",
  "storage_throughput_gbps_mean",
  "control_plane_availability",
  "downtime_min",
  "jobs_delayed_by_outages",
  "service_goodput_ratio",
  "service_latency_p99_ms",
  "service_error_rate",
  "service_ejections",
  "service_oom_kills",
  "slo_error_budget_used",
  "cost_total",
  "cost_per_completed_job",
  "makespan_h",
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];

/** A metric's value in one run; null when the scenario does not exercise it. */
export type MetricValues = Readonly<Record<MetricName, number | null>>;

/** Which way is better for a metric, for verdicts and colouring. */
export const METRIC_BETTER: Readonly<Record<MetricName, "higher" | "lower" | "neither">> = {
  jobs_submitted: "neither",
  jobs_completed: "higher",
  jobs_failed: "lower",
  job_failure_rate: "lower",
  time_to_solution_p50_h: "lower",
  time_to_solution_p90_h: "lower",
  time_to_solution_p99_h: "lower",
  queue_wait_p50_h: "lower",
  queue_wait_p90_h: "lower",
  bounded_slowdown_mean: "lower",
  gpu_utilization: "neither",
  node_utilization: "neither",
  fragmentation_node_h: "lower",
  goodput: "higher",
  lost_work_gpu_h: "lower",
  checkpoint_overhead_gpu_h: "lower",
  degraded_gpu_h: "lower",
  startup_overhead_gpu_h: "lower",
  throttled_node_h: "lower",
  checkpoint_success_rate: "higher",
  scheduler_success_rate: "higher",
  fabric_p99_latency_us: "lower",
  storage_throughput_gbps_mean: "higher",
  control_plane_availability: "higher",
  downtime_min: "lower",
  jobs_delayed_by_outages: "lower",
  service_goodput_ratio: "higher",
  service_latency_p99_ms: "lower",
  service_error_rate: "lower",
  service_ejections: "lower",
  service_oom_kills: "lower",
  slo_error_budget_used: "lower",
  cost_total: "lower",
  cost_per_completed_job: "lower",
  makespan_h: "lower",
};

/** A value of a piecewise-constant quantity sampled at a time. */
export interface SeriesPoint {
  readonly timeH: number;
  readonly value: number;
}

/** A failure injected during a run, for the failure timeline. */
export interface FailureEvent {
  readonly timeH: number;
  /** What failed, e.g. "node-crash". */
  readonly kind: string;
  /** Which component, e.g. "r03n17". */
  readonly target: string;
  /** How long the outage lasted, when it ended within the horizon. */
  readonly durationH: number | null;
}

/** One replication of one strategy. */
export interface RunRecord {
  readonly strategy: string;
  readonly replication: number;
  /** The seed this replication's streams derive from (shared by all strategies). */
  readonly seed: number;
  readonly metrics: MetricValues;
}

/** Time series and failures of one replication, kept for the first replication only. */
export interface RunTrace {
  readonly strategy: string;
  readonly replication: number;
  /** Fraction of GPUs (without GPUs, nodes) busy; a service scenario's goodput ratio (see `seriesLabels`). */
  readonly utilization: readonly SeriesPoint[];
  /** Jobs waiting; a service scenario's requests waiting at its replicas. */
  readonly queueLength: readonly SeriesPoint[];
  readonly failures: readonly FailureEvent[];
}

/** Statistics of one metric across the replications of one strategy. */
export interface MetricSummary {
  readonly mean: number;
  /** 95% confidence interval of the mean (Student t); equal to the mean with one run. */
  readonly ci95: readonly [number, number];
  readonly min: number;
  readonly q1: number;
  readonly median: number;
  readonly q3: number;
  readonly max: number;
}

/**
 * A strategy's metric minus the first strategy's, replication by replication: common random
 * numbers make each replication a pair, so the difference's CI is far tighter than the
 * two means' CIs side by side.
 */
export interface PairedDifference {
  /** Mean of (this − first) over the pairs. */
  readonly mean: number;
  /** 95% CI of that mean (Student t); significant when it excludes 0. */
  readonly ci95: readonly [number, number];
  /** Pairs where both strategies exercised the metric. */
  readonly pairs: number;
}

export interface StrategySummary {
  readonly name: string;
  /** Null for a metric the scenario does not exercise. */
  readonly metrics: Readonly<Record<MetricName, MetricSummary | null>>;
  /** Against the first strategy (absent for the first itself); null where a metric has no pairs. */
  readonly versusFirst?: Readonly<Record<MetricName, PairedDifference | null>>;
}

/** summary.json, as DESIGN.md fixes it. */
export interface Summary {
  readonly scenario: string;
  readonly seed: number;
  readonly replications: number;
  readonly faultlineVersion: string;
  readonly strategies: readonly StrategySummary[];
}

/** Everything a report is built from. */
export interface ResultSet {
  readonly summary: Summary;
  /** The question the scenario asks (its description). */
  readonly description: string;
  readonly horizonH: number;
  readonly runs: readonly RunRecord[];
  readonly traces: readonly RunTrace[];
}
