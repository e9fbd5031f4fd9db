import { US_PER_YEAR } from "../sim/time.js";

/**
 * What one scenario may ask of a run, and why. A scenario past a bound is bad input (exit 2)
 * whose message names the bound and its reason, never a run that crashes, exhausts memory
 * or never ends. Figures measured on faultline's own models (README, "Limits").
 */

/** Durations are at most this: the simulated clock holds 2^53 µs (about 285 years), a horizon and a delay after it. */
export const DURATION_MAX_S = 100 * (US_PER_YEAR / 1e6);
/** The clock's resolution: a non-zero duration shorter than a microsecond would round to nothing. */
export const DURATION_MIN_S = 1e-6;

/** Plain numbers are at most this in magnitude: past it, the models' sums and products lose their meaning. */
export const NUMBER_MAX = 1e9;

/** Counts (replicas, steps, operations) are at most this unless a field says otherwise. */
export const COUNT_MAX = 1_000_000;

/** Nodes in a cluster: each costs up to about 2 KiB with the fabric, thermal and degradation models on (400 MiB at the bound). */
export const NODES_MAX = 200_000;

/** GPUs in one node. */
export const GPUS_PER_NODE_MAX = 64;

/**
 * Jobs one replication may submit (expected, from the arrival rate and the horizon, or a
 * trace's count): a waiting job holds about 500 bytes, so a run that queues them all stays
 * near 500 MiB.
 */
export const JOBS_MAX = 1_000_000;

/** Failures one replication may inject (expected): each is several events and a record for the failure timeline. */
export const FAILURES_MAX = 1_000_000;

/** Requests one replication of a service scenario may send (expected): each is a handful of events. */
export const REQUESTS_MAX = 50_000_000;

/** Times a periodic step (thermal step, health check, sample, priority update) may fire in one run. */
export const STEPS_MAX = 10_000_000;

/** Node visits by periodic steps that visit every node (thermal steps, health checks) in one run. */
export const NODE_STEPS_MAX = 2_000_000_000;

/** Windows of a service scenario's time series: kept whole, for the report. */
export const SAMPLES_MAX = 100_000;

/** Replications of one strategy. */
export const REPLICATIONS_MAX = 10_000;

/** Users (fair-share accounts) of a generated workload. */
export const USERS_MAX = 100_000;

/** Seeds: replication r uses seed + r, which must stay a safe integer. */
export const SEED_MAX = 1e15;

/** `1e9` for messages. */
export function formatBound(value: number): string {
  return value >= 1e6 && Number.isInteger(Math.log10(value)) ? `1e${Math.log10(value)}` : value.toLocaleString("en-US");
}
