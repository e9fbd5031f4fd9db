import { assert } from "../sim/assert.js";
import type { Sim } from "../sim/sim.js";
import { finiteOrNull, unexercisedMetrics, type RunMetrics } from "./metrics.js";
import { LeakingReplicaSet, type MemoryLeakOptions } from "./services/memory-leak.js";
import { ReplicaPool, type ReplicaPoolOptions } from "./services/replica-pool.js";
import { TwoTier } from "./services/two-tier.js";

/**
 * A service end to end: replicas behind a load balancer, their clients (timeouts,
 * retries and whatever mitigations the strategy turns on), optionally a memory leak in
 * every replica's process, faults at set times (a replica hanging, a replica slowed) and
 * load spikes (the clients' rate multiplied for a window, `ReplicaPool.startSpike`).
 * What follows — queues, timeouts, retry storms, ejections, recoveries — comes out of the
 * replica pool's model; this only wires it and reads its figures.
 */
export type ServiceFault =
  | { readonly kind: "replica-failure"; readonly tier?: "backend"; readonly replica: number; readonly atUs: number; readonly durationUs: number }
  | {
      readonly kind: "replica-slowdown";
      /** "backend": a replica of the back tier; absent: of the front. */
      readonly tier?: "backend";
      readonly replica: number;
      readonly atUs: number;
      readonly durationUs: number;
      readonly factor: number;
    };

/** A window when the clients send `factor` × their usual rate (a load spike). */
export interface LoadSpike {
  readonly atUs: number;
  readonly durationUs: number;
  readonly factor: number;
}

export interface ServiceModelOptions {
  readonly horizonUs: number;
  /** The pool, its clients and its mitigations; `ratePerS` is the clients' arrival rate. */
  readonly pool: ReplicaPoolOptions;
  /** A leak in every replica's process (the leak set then sends the requests); null: none. */
  readonly leak: (MemoryLeakOptions & { readonly stepUs: number }) | null;
  /** A back tier every request calls (models/services/two-tier.ts), the front as its client. Default none. */
  readonly backend?: ReplicaPoolOptions;
  readonly faults: readonly ServiceFault[];
  /** Load spikes, not overlapping. Default none. */
  readonly spikes?: readonly LoadSpike[];
  /** Availability target (share of requests that succeed), for `slo_error_budget_used`. */
  readonly sloAvailability: number | null;
  /** Windows of the time series. */
  readonly sampleEveryUs: number;
}

export interface ServicePoint {
  readonly timeUs: number;
  /** Requests that succeeded over requests that arrived, in the window. */
  readonly goodputRatio: number;
  /** Requests waiting in the replicas' queues, summed, at the window's end. */
  readonly queueLength: number;
}

export interface ServiceRunResult {
  readonly metrics: RunMetrics;
  readonly series: readonly ServicePoint[];
  readonly faults: readonly { readonly timeUs: number; readonly kind: string; readonly target: string; readonly durationUs: number }[];
}

export class ServiceModel {
  /** The front tier: the clients' pool. */
  readonly pool: ReplicaPool;
  /** The back tier, or null. */
  readonly backend: ReplicaPool | null;
  readonly #sim: Sim;
  readonly #options: ServiceModelOptions;
  readonly #leaks: LeakingReplicaSet | null;
  readonly #series: ServicePoint[] = [];
  readonly #onSample = (): void => this.#sample();

  constructor(sim: Sim, options: ServiceModelOptions) {
    assert(options.horizonUs > 0);
    this.#sim = sim;
    this.#options = options;
    // With a leak, the leak set is the client (it sees each request's latency); the pool
    // then generates no arrivals of its own.
    const leak = options.leak;
    if (options.backend === undefined) {
      this.pool = new ReplicaPool(sim, leak === null ? options.pool : { ...options.pool, ratePerS: 0 });
      this.backend = null;
    } else {
      assert(leak === null, "a leaking front calling a back tier is not modelled");
      const tiers = new TwoTier(sim, { front: options.pool, back: options.backend });
      this.pool = tiers.front;
      this.backend = tiers.back;
    }
    this.#leaks =
      leak === null
        ? null
        : new LeakingReplicaSet(sim, this.pool, { ...leak, name: `${options.pool.name}-leak`, ratePerS: options.pool.ratePerS ?? 0 });
  }

  run(): ServiceRunResult {
    this.begin();
    this.#sim.run(this.#options.horizonUs);
    return this.finish();
  }

  get endUs(): number {
    return this.#options.horizonUs;
  }

  /** Whether every replica's process leaks (the leak set is then the client). */
  get leaks(): boolean {
    return this.#leaks !== null;
  }

  /** Starts the clients, the leak and the faults, for a caller that drives the Sim (a game day). */
  begin(): void {
    const sim = this.#sim;
    this.pool.start();
    this.backend?.start();
    this.#leaks?.start();
    for (const fault of this.#options.faults) {
      sim.scheduleAt(fault.atUs, () => this.#begin(fault));
      sim.scheduleAt(fault.atUs + fault.durationUs, () => this.#end(fault));
    }
    for (const spike of this.#options.spikes ?? []) {
      // The pool marks the requests sent in the spike; with a leak, the leak set is the client that sends them.
      sim.scheduleAt(spike.atUs, () => {
        this.pool.startSpike(spike.factor, spike.durationUs);
        this.#leaks?.setArrivalRateFactor(spike.factor);
      });
      if (this.#leaks !== null) sim.scheduleAt(spike.atUs + spike.durationUs, () => this.#leaks?.setArrivalRateFactor(1));
    }
    sim.schedule(this.#options.sampleEveryUs, this.#onSample);
  }

  /** The run's figures where the clock stands (the horizon, after `run`). */
  finish(): ServiceRunResult {
    return { metrics: this.#metrics(), series: this.#series, faults: this.#faults() };
  }

  #begin(fault: ServiceFault): void {
    const pool = this.#tier(fault);
    if (fault.kind === "replica-failure") pool.failReplica(fault.replica);
    else pool.setServiceSlowdown(fault.replica, fault.factor);
  }

  #end(fault: ServiceFault): void {
    const pool = this.#tier(fault);
    if (fault.kind === "replica-failure") pool.restoreReplica(fault.replica);
    else pool.setServiceSlowdown(fault.replica, 1);
  }

  #tier(fault: ServiceFault): ReplicaPool {
    if (fault.tier !== "backend") return this.pool;
    assert(this.backend !== null, "a backend fault needs a backend");
    return this.backend;
  }

  #sample(): void {
    const sample = this.pool.sample();
    const arrivals = sample.arrivalsPerS;
    this.#series.push({
      timeUs: this.#sim.now,
      goodputRatio: arrivals > 0 ? sample.goodputPerS / arrivals : 1,
      queueLength: sample.queueLengths.reduce((sum, length) => sum + length, 0),
    });
    if (this.#sim.now + this.#options.sampleEveryUs <= this.#options.horizonUs) {
      this.#sim.schedule(this.#options.sampleEveryUs, this.#onSample);
    }
  }

  #faults(): ServiceRunResult["faults"] {
    const faults = this.#options.faults.map((fault) => ({
      timeUs: fault.atUs,
      kind: fault.kind,
      target: fault.tier === "backend" ? `${this.#options.backend?.name ?? "backend"}/replica${fault.replica}` : `replica${fault.replica}`,
      durationUs: fault.durationUs,
    }));
    const spikes = (this.#options.spikes ?? []).map((spike) => ({
      timeUs: spike.atUs,
      kind: "load-spike",
      target: this.#options.pool.name,
      durationUs: spike.durationUs,
    }));
    return spikes.length === 0 ? faults : [...faults, ...spikes].sort((a, b) => a.timeUs - b.timeUs);
  }

  #metrics(): RunMetrics {
    const leaks = this.#leaks?.metrics() ?? null;
    const counts = this.pool.counts();
    const requests = leaks?.requests ?? counts.requests;
    const succeeded = leaks?.requestsSucceeded ?? counts.requestsSucceeded;
    const failed = leaks?.requestsFailed ?? counts.requestsFailed;
    const ended = succeeded + failed;
    const errorRate = ended > 0 ? failed / ended : null;
    // With a leak, the leak set is the client and sees the latencies; otherwise the pool does.
    const latencies = this.pool.latenciesUs;
    const meanUs = leaks?.latencyMeanUs ?? latencies.mean();
    const p50Us = leaks?.latencyP50Us ?? latencies.percentile(0.5);
    const p99Us = leaks?.latencyP99Us ?? latencies.percentile(0.99);
    const slo = this.#options.sloAvailability;
    const backend = this.#backendMetrics(requests);
    const spike = this.pool.spikeCounts();
    return {
      ...unexercisedMetrics(),
      service_goodput_ratio: requests > 0 ? succeeded / requests : null,
      service_latency_mean_ms: finiteOrNull(meanUs / 1_000),
      service_latency_p50_ms: finiteOrNull(p50Us / 1_000),
      service_latency_p99_ms: finiteOrNull(p99Us / 1_000),
      service_wait_probability: counts.attempts > 0 ? counts.delayed / counts.attempts : null,
      service_error_rate: errorRate,
      service_ejections: this.pool.ejectedCount,
      service_oom_kills: leaks?.oomKilled ?? null,
      service_utilization: finiteOrNull(this.pool.metrics().utilization),
      ...backend,
      service_spike_goodput_ratio: spike.requests > 0 ? spike.succeeded / spike.requests : null,
      slo_error_budget_used: slo === null || errorRate === null ? null : errorRate / (1 - slo),
    };
  }

  /** The back tier's figures (null without one); `requests` are the clients'. */
  #backendMetrics(requests: number): Pick<RunMetrics, "backend_utilization" | "backend_latency_mean_ms" | "backend_error_rate" | "retry_amplification"> {
    const backend = this.backend;
    if (backend === null) return { backend_utilization: null, backend_latency_mean_ms: null, backend_error_rate: null, retry_amplification: null };
    const counts = backend.counts();
    const ended = counts.requestsSucceeded + counts.requestsFailed;
    return {
      backend_utilization: finiteOrNull(backend.metrics().utilization),
      backend_latency_mean_ms: finiteOrNull(backend.latenciesUs.mean() / 1_000),
      backend_error_rate: ended > 0 ? counts.requestsFailed / ended : null,
      retry_amplification: requests > 0 ? counts.attempts / requests : null,
    };
  }
}
