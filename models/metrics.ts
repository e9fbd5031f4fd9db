/**
 * The metrics one run of a model produces, named as DESIGN.md fixes them (snake_case,
 * units last). A metric the run does not exercise is null, never a made-up zero.
 */
export interface RunMetrics {
  jobs_submitted: number | null;
  jobs_completed: number | null;
  jobs_failed: number | null;
  job_failure_rate: number | null;
  time_to_solution_p50_h: number | null;
  time_to_solution_p90_h: number | null;
  time_to_solution_p99_h: number | null;
  queue_wait_p50_h: number | null;
  queue_wait_p90_h: number | null;
  bounded_slowdown_mean: number | null;
  gpu_utilization: number | null;
  /** Node-hours held by jobs over node-hours of nodes up (CPU clusters and traces). */
  node_utilization: number | null;
  /** Node-hours idle while a waiting job would have fitted in the free nodes. */
  fragmentation_node_h: number | null;
  goodput: number | null;
  lost_work_gpu_h: number | null;
  checkpoint_overhead_gpu_h: number | null;
  /** GPU-hours jobs held beyond the work they did: slow clocks, waiting on the all-reduce. */
  degraded_gpu_h: number | null;
  /** GPU-hours attempts spent on start-up I/O at the metadata server; null without it. */
  startup_overhead_gpu_h: number | null;
  /** Node-hours the thermal model held GPU clocks below full speed; null without it. */
  throttled_node_h: number | null;
  checkpoint_success_rate: number | null;
  scheduler_success_rate: number | null;
  fabric_p99_latency_us: number | null;
  storage_throughput_gbps_mean: number | null;
  control_plane_availability: number | null;
  downtime_min: number | null;
  /** Jobs whose start a scheduler-controller outage held back (started as it returned). */
  jobs_delayed_by_outages: number | null;
  /** Service scenarios: requests that succeeded over requests sent. */
  service_goodput_ratio: number | null;
  /** Service scenarios: 99th percentile latency of requests that succeeded, ms. */
  service_latency_p99_ms: number | null;
  /** Service scenarios: requests that failed (after their retries) over requests that ended. */
  service_error_rate: number | null;
  /** Service scenarios: replicas ejected by the balancer's health checks. */
  service_ejections: number | null;
  /** Service scenarios with a memory leak: processes killed by the OOM killer. */
  service_oom_kills: number | null;
  slo_error_budget_used: number | null;
  cost_total: number | null;
  cost_per_completed_job: number | null;
  makespan_h: number | null;
}

/** NaN (an empty sample, a ratio over zero) becomes null. */
export function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
