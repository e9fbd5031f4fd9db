import { describe, expect, it } from "vitest";
import { ServiceModel } from "../../models/service-model.js";
import { ReplicaPool, type ReplicaPoolOptions } from "../../models/services/replica-pool.js";
import { serviceModelOptions } from "../../scenarios/model-options.js";
import { parseScenarioText } from "../../scenarios/parse.js";
import { isServiceScenario, scenarioSchema } from "../../scenarios/schema.js";
import { Sim } from "../../sim/sim.js";
import { meanWithCi95 } from "../../sim/statistics.js";
import { US_PER_S } from "../../sim/time.js";
import { erlangC, mmcWaitMean } from "./erlang.js";

/**
 * Unexpected load on a replica pool: load spikes (the Poisson rate multiplied for a
 * window) and a mix of expensive requests, each against a formula written apart from the
 * model: Erlang C at the spiked rate, Poisson counts, the mixture's moments and
 * Pollaczek–Khinchine for M/G/1.
 */

const MS = 1_000;
const S = US_PER_S;

function halfWidth(interval: { ci95: [number, number] }): number {
  return (interval.ci95[1] - interval.ci95[0]) / 2;
}

describe("load spikes", () => {
  it("during a long 4× spike the central-queue pool is M/M/c at λ·f: P(wait) and mean latency as Erlang C", () => {
    // c = 4, μ = 100/s, base λ = 80/s (ρ = 0.2); the spike makes it 320/s: a = 3.2, ρ = 0.8.
    // The model runs the spike from the scenario's options; metrics cover the spike only,
    // after a 10 s warm-up inside it. 10 replications × 400 s ≈ 1.3 M requests.
    const c = 4;
    const spikedRate = 80 * 4;
    const waits: number[] = [];
    const latencies: number[] = [];
    const delayed: number[] = [];
    for (let r = 0; r < 10; r++) {
      const sim = new Sim({ seed: 500 + r, keepRecords: false });
      const model = new ServiceModel(sim, {
        horizonUs: 500 * S,
        pool: { name: "spiky", replicas: c, serviceMeanUs: 10 * MS, queueMax: 1_000_000, ratePerS: 80 },
        leak: null,
        faults: [],
        spikes: [{ atUs: 20 * S, durationUs: 420 * S, factor: 4 }],
        sloAvailability: null,
        sampleEveryUs: 10 * S,
      });
      model.begin();
      sim.run(30 * S);
      expect(model.pool.arrivalRateFactor).toBe(4);
      model.pool.resetMetrics();
      sim.run(440 * S);
      const counts = model.pool.counts();
      waits.push(model.pool.waitMeanUs());
      latencies.push(model.pool.latenciesUs.mean());
      delayed.push(counts.delayed / counts.attempts);
      sim.run(500 * S);
      expect(model.pool.arrivalRateFactor).toBe(1);
    }
    const expectedDelayed = erlangC(c, spikedRate / 100);
    const expectedWaitUs = mmcWaitMean(c, spikedRate, 100) * S;
    const expectedLatencyUs = expectedWaitUs + 10 * MS;
    const wait = meanWithCi95(waits);
    const latency = meanWithCi95(latencies);
    const pWait = meanWithCi95(delayed);
    console.log(
      `spike M/M/4 at λ·f = 320/s: P(wait) ${pWait.mean.toFixed(4)} ±${halfWidth(pWait).toFixed(4)} (Erlang C ${expectedDelayed.toFixed(4)}); ` +
        `Wq ${(wait.mean / MS).toFixed(3)} ms ±${(halfWidth(wait) / MS).toFixed(3)} (${(expectedWaitUs / MS).toFixed(3)}); ` +
        `latency ${(latency.mean / MS).toFixed(3)} ms (${(expectedLatencyUs / MS).toFixed(3)})`,
    );
    expect(Math.abs(pWait.mean - expectedDelayed) / expectedDelayed).toBeLessThan(0.02);
    expect(Math.abs(wait.mean - expectedWaitUs) / expectedWaitUs).toBeLessThan(0.04);
    expect(Math.abs(latency.mean - expectedLatencyUs) / expectedLatencyUs).toBeLessThan(0.02);
    // At the base rate the pool would wait far less: the spike is what the figures show.
    expect(erlangC(c, 0.8)).toBeLessThan(0.2 * expectedDelayed);
  });

  it("service_spike_goodput_ratio of an overloaded pool that sheds is M/M/c/K's 1 − P(block) at λ·f", () => {
    // c = 4, μ = 100/s, base λ = 88/s; a 5× spike for 200 s offers 440/s: a = 4.4 Erlang,
    // ρ = 1.1. Shedding at a central queue of 20 (no timeouts, no retries) makes it
    // M/M/4/24: a request sent in the spike succeeds iff it is not blocked. P(n) ∝ aⁿ/n!
    // for n ≤ c and aᶜ/c!·(a/c)ⁿ⁻ᶜ above, up to K. 1 − P(K) = 0.8979, below the fluid
    // bound c/a = 0.9091: the queue sometimes empties and a server idles.
    const c = 4;
    const K = c + 20;
    const a = 4.4;
    const weights: number[] = [1];
    for (let n = 1; n <= K; n++) weights.push((weights[n - 1] * a) / Math.min(n, c));
    const blocked = weights[K] / weights.reduce((sum, w) => sum + w, 0);
    const ratios: number[] = [];
    const spikeRequests: number[] = [];
    for (let r = 0; r < 10; r++) {
      const sim = new Sim({ seed: 70 + r, keepRecords: false });
      const model = new ServiceModel(sim, {
        horizonUs: 220 * S,
        pool: { name: "shed", replicas: c, serviceMeanUs: 10 * MS, queueMax: 1_000, ratePerS: 88, shedQueueLength: 20 },
        leak: null,
        faults: [],
        spikes: [{ atUs: 10 * S, durationUs: 200 * S, factor: 5 }],
        sloAvailability: null,
        sampleEveryUs: 10 * S,
      });
      const { metrics } = model.run();
      ratios.push(metrics.service_spike_goodput_ratio!);
      spikeRequests.push(model.pool.spikeCounts().requests);
    }
    const ratio = meanWithCi95(ratios);
    const sent = meanWithCi95(spikeRequests);
    console.log(
      `M/M/4/24 at a = 4.4: spike goodput ${ratio.mean.toFixed(5)} ±${halfWidth(ratio).toFixed(5)} (1 − P(block) ${(1 - blocked).toFixed(5)}, fluid ${(c / a).toFixed(5)}); ` +
        `${sent.mean.toFixed(0)} requests sent in the spike (λ·f·d 88,000)`,
    );
    expect(Math.abs(ratio.mean - (1 - blocked))).toBeLessThan(0.004);
    expect(Math.abs(sent.mean - 88_000)).toBeLessThan(4 * Math.sqrt(88_000 / 10));
    // Without spikes the metric is not exercised.
    const calm = new ServiceModel(new Sim({ seed: 1, keepRecords: false }), {
      horizonUs: 10 * S,
      pool: { name: "calm", replicas: 1, serviceMeanUs: 10 * MS, queueMax: 10, ratePerS: 10 },
      leak: null,
      faults: [],
      sloAvailability: null,
      sampleEveryUs: 5 * S,
    }).run();
    expect(calm.metrics.service_spike_goodput_ratio).toBeNull();
  });

  it("counts arrivals in each window as Poisson with mean λ·f·duration (mean and variance), for spikes and dips", () => {
    // λ = 100/s. Windows: [0, 50) base, [50, 60) ×5, [60, 100) base, [100, 140) ×0.25,
    // [140, 141) ×40 (a short, steep one: 4,000/s for a second).
    const windows = [
      { fromS: 0, toS: 50, factor: 1 },
      { fromS: 50, toS: 60, factor: 5 },
      { fromS: 60, toS: 100, factor: 1 },
      { fromS: 100, toS: 140, factor: 0.25 },
      { fromS: 140, toS: 141, factor: 40 },
      { fromS: 141, toS: 160, factor: 1 },
    ];
    const replications = 60;
    const counts: number[][] = windows.map(() => []);
    for (let r = 0; r < replications; r++) {
      const sim = new Sim({ seed: 50 + r, keepRecords: false });
      const pool = new ReplicaPool(sim, { name: "api", replicas: 100, serviceMeanUs: 1 * MS, queueMax: 10, ratePerS: 100 });
      for (const window of windows) {
        if (window.factor !== 1) sim.scheduleAt(window.fromS * S, () => pool.startSpike(window.factor, (window.toS - window.fromS) * S));
      }
      pool.start();
      let before = 0;
      windows.forEach((window, w) => {
        sim.run(window.toS * S);
        const now = pool.counts().requests;
        counts[w].push(now - before);
        before = now;
      });
    }
    windows.forEach((window, w) => {
      const expected = 100 * window.factor * (window.toS - window.fromS);
      const values = counts[w];
      const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
      const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1);
      console.log(`window [${window.fromS}, ${window.toS}) ×${window.factor}: mean count ${mean.toFixed(1)} (λ·f·d ${expected}), variance/mean ${(variance / mean).toFixed(2)}`);
      // The mean of 60 Poisson counts lies within 4 standard errors of λ·f·d.
      expect(Math.abs(mean - expected)).toBeLessThan(4 * Math.sqrt(expected / values.length));
      // A Poisson count's variance equals its mean; with 60 samples the ratio's sd is ≈ 0.18.
      expect(variance / mean).toBeGreaterThan(0.5);
      expect(variance / mean).toBeLessThan(1.6);
    });
  });

  it("moves arrivals in time but draws the same requests: no spike changes the demand sequence", () => {
    const demands = (spike: boolean): { demandUs: number; endUs: number } => {
      const sim = new Sim({ seed: 9, keepRecords: false });
      const pool = new ReplicaPool(sim, { name: "api", replicas: 2, serviceMeanUs: 10 * MS, queueMax: 1_000_000, ratePerS: 100, arrivalsMax: 5_000 });
      if (spike) sim.scheduleAt(10 * S, () => pool.startSpike(3, 5 * S));
      pool.start();
      sim.run();
      return { demandUs: pool.counts().demandUs, endUs: sim.now };
    };
    const plain = demands(false);
    const spiked = demands(true);
    expect(spiked.demandUs).toBe(plain.demandUs);
    // The spike sent the 5,000 requests sooner: about 10 s less (5 s at 3× is 15 s of base traffic).
    expect(plain.endUs - spiked.endUs).toBeGreaterThan(8 * S);
    expect(plain.endUs - spiked.endUs).toBeLessThan(12 * S);
  });

  it("with a memory leak, the leak set is the client: its arrivals spike, and the pool marks them", () => {
    // A leak too slow to matter in 60 s; λ = 50/s, ×6 over [20, 30): 3,000 requests expected in the spike.
    const inSpike: number[] = [];
    const outside: number[] = [];
    for (let r = 0; r < 20; r++) {
      const sim = new Sim({ seed: 30 + r, keepRecords: false });
      const model = new ServiceModel(sim, {
        horizonUs: 60 * S,
        pool: { name: "leaky", replicas: 40, serviceMeanUs: 10 * MS, queueMax: 100, policy: "join-shortest-queue", ratePerS: 50 },
        leak: { baseMiB: 512, limitMiB: 2048, leakMiBPerHour: 1, swapAtFraction: 0.8, slowdownAtLimit: 10, restartUs: 10 * S, stepUs: 1 * S },
        faults: [],
        spikes: [{ atUs: 20 * S, durationUs: 10 * S, factor: 6 }],
        sloAvailability: null,
        sampleEveryUs: 10 * S,
      });
      expect(model.leaks).toBe(true);
      model.begin();
      sim.run(20 * S);
      const before = model.pool.counts().requests;
      sim.run(30 * S);
      const during = model.pool.counts().requests - before;
      sim.run(60 * S);
      inSpike.push(during);
      outside.push(model.pool.counts().requests - during);
      expect(model.pool.spikeCounts().requests).toBe(during);
      expect(model.finish().metrics.service_spike_goodput_ratio).toBeGreaterThan(0.99); // 40 replicas: no overload
    }
    const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
    console.log(`leak client: ${mean(inSpike).toFixed(1)} requests in the spike (λ·f·d 3,000), ${mean(outside).toFixed(1)} outside (2,500)`);
    expect(Math.abs(mean(inSpike) - 3_000)).toBeLessThan(4 * Math.sqrt(3_000 / 20));
    expect(Math.abs(mean(outside) - 2_500)).toBeLessThan(4 * Math.sqrt(2_500 / 20));
  });

  it("a spike started during another replaces it and ends at its own time", () => {
    const sim = new Sim({ seed: 1, keepRecords: false });
    const pool = new ReplicaPool(sim, { name: "api", replicas: 1, serviceMeanUs: 10 * MS, queueMax: 10, ratePerS: 1 });
    pool.start();
    sim.scheduleAt(1 * S, () => pool.startSpike(5, 10 * S));
    sim.scheduleAt(5 * S, () => pool.startSpike(2, 2 * S));
    const factors: number[] = [];
    for (const t of [2, 6, 8, 12]) sim.scheduleAt(t * S, () => factors.push(pool.arrivalRateFactor));
    sim.run(13 * S);
    expect(factors).toEqual([5, 2, 1, 1]);
  });
});

describe("expensive requests", () => {
  /** One replication's pool figures over `measureS` after `warmUpS`. */
  function measure(options: Partial<ReplicaPoolOptions> & Pick<ReplicaPoolOptions, "replicas" | "ratePerS">, seed: number, warmUpS: number, measureS: number) {
    const sim = new Sim({ seed, keepRecords: false });
    const pool = new ReplicaPool(sim, { name: "mix", serviceMeanUs: 10 * MS, queueMax: 1_000_000, ...options });
    pool.start();
    sim.run(warmUpS * S);
    pool.resetMetrics();
    sim.run((warmUpS + measureS) * S);
    return { pool, counts: pool.counts(), metrics: pool.metrics() };
  }

  it("mean demand is E[B]·((1−s) + s·F) and utilisation λ·E[S]/c", () => {
    // s = 0.1, F = 10: E[S] = 10 ms × 1.9 = 19 ms. c = 4, λ = 150/s: ρ = 150 × 0.019 / 4 = 0.7125.
    const { pool, counts, metrics } = measure({ replicas: 4, ratePerS: 150, expensiveShare: 0.1, expensiveFactor: 10 }, 3, 20, 2_000);
    const expectedMeanUs = 10 * MS * (0.9 + 0.1 * 10);
    const measuredMeanUs = counts.demandUs / counts.requests;
    const expectedUtilisation = (150 * expectedMeanUs) / S / 4;
    console.log(
      `mix s=0.1 F=10: ${counts.requests} requests, mean demand ${(measuredMeanUs / MS).toFixed(3)} ms (${expectedMeanUs / MS}); ` +
        `utilisation ${metrics.utilization.toFixed(4)} (λE[S]/c ${expectedUtilisation.toFixed(4)})`,
    );
    expect(pool.serviceMeanUs).toBeCloseTo(expectedMeanUs, 9);
    expect(Math.abs(measuredMeanUs - expectedMeanUs) / expectedMeanUs).toBeLessThan(0.015);
    expect(Math.abs(metrics.utilization - expectedUtilisation) / expectedUtilisation).toBeLessThan(0.015);
    // Without the mix, the same pool is at ρ = 0.375.
    const plain = measure({ replicas: 4, ratePerS: 150 }, 3, 20, 200);
    expect(plain.metrics.utilization).toBeLessThan(0.4);
  });

  it("for c = 1 the mean wait is Pollaczek–Khinchine's for the H2 demand (M/G/1)", () => {
    // Exponential base B (mean m = 10 ms), s = 0.1, F = 5: E[S] = m(0.9 + 0.5) = 14 ms,
    // E[S²] = 2m²(0.9 + 0.1·25) = 680 ms². λ = 50/s: ρ = 0.7,
    // Wq = λE[S²] / (2(1 − ρ)) = 0.05/ms × 680 ms² / 0.6 = 56.67 ms — against M/M/1 at the
    // same mean, ρ/(μ − λ) = 0.7 / (71.43 − 50)/s = 32.67 ms: the variance, not the mean, adds 24 ms.
    const m = 10 * MS;
    const s = 0.1;
    const F = 5;
    const lambdaPerUs = 50 / S;
    const meanUs = m * (1 - s + s * F);
    const secondMomentUs2 = 2 * m * m * (1 - s + s * F * F);
    const rho = lambdaPerUs * meanUs;
    const expectedWaitUs = (lambdaPerUs * secondMomentUs2) / (2 * (1 - rho));
    const mm1WaitUs = (rho * meanUs) / (1 - rho);
    const waits: number[] = [];
    const pWaits: number[] = [];
    for (let r = 0; r < 20; r++) {
      const { pool, counts } = measure({ replicas: 1, ratePerS: 50, expensiveShare: s, expensiveFactor: F }, 100 + r, 50, 1_000);
      waits.push(pool.waitMeanUs());
      pWaits.push(counts.delayed / counts.attempts);
    }
    const wait = meanWithCi95(waits);
    const pWait = meanWithCi95(pWaits);
    console.log(
      `M/H2/1 s=0.1 F=5 ρ=0.7: Wq ${(wait.mean / MS).toFixed(2)} ms ±${(halfWidth(wait) / MS).toFixed(2)} (P-K ${(expectedWaitUs / MS).toFixed(2)}; ` +
        `M/M/1 same mean ${(mm1WaitUs / MS).toFixed(2)}); P(wait) ${pWait.mean.toFixed(4)} (ρ ${rho.toFixed(4)})`,
    );
    expect(Math.abs(wait.mean - expectedWaitUs) / expectedWaitUs).toBeLessThan(0.05);
    expect(halfWidth(wait) / expectedWaitUs).toBeLessThan(0.04);
    // M/G/1: an arrival waits iff the server is busy, P = ρ (PASTA).
    expect(Math.abs(pWait.mean - rho)).toBeLessThan(0.01);
    expect(wait.mean).toBeGreaterThan(1.4 * mm1WaitUs);
  });

  it("draws the mix from its own stream: the base demands and arrivals are unchanged", () => {
    const run = (share: number) => {
      const sim = new Sim({ seed: 4, keepRecords: false });
      const pool = new ReplicaPool(sim, { name: "api", replicas: 50, serviceMeanUs: 10 * MS, queueMax: 10, ratePerS: 100, expensiveShare: share, expensiveFactor: 1 });
      pool.start();
      sim.run(100 * S);
      return pool.counts();
    };
    // Factor 1 makes expensive requests cost the same: only the extra stream's draws differ.
    const plain = run(0);
    const mixed = run(0.5);
    expect(mixed.requests).toBe(plain.requests);
    expect(mixed.demandUs).toBe(plain.demandUs);
  });
});

describe("the scenario fields", () => {
  const scenario = (service: string): string => `name: s
description: d
horizon: 60s
replications: 1
service:
  replicas: 2
  serviceTime: 10ms
  arrivalsPerSecond: 100
${service}
strategies:
  - { name: a }
`;
  const problems = (service: string): string[] => {
    const parsed = parseScenarioText(scenario(service), "s.yaml", scenarioSchema);
    return parsed.ok ? [] : parsed.problems;
  };

  it("accepts spikes and a mix within bounds", () => {
    expect(problems("  spikes: [{ at: 10s, duration: 5s, factor: 5 }, { at: 15s, duration: 45s, factor: 0.5 }]\n  expensiveShare: 0.1\n  expensiveFactor: 10")).toEqual([]);
  });

  it("reach the model: spikes in µs, the mix only when some requests are expensive", () => {
    const parsed = parseScenarioText(scenario("  spikes: [{ at: 10s, duration: 500ms, factor: 5 }]\n  expensiveShare: 0.1\n  expensiveFactor: 10"), "s.yaml", scenarioSchema);
    if (!parsed.ok || !isServiceScenario(parsed.value)) throw new Error("did not parse as a service");
    const options = serviceModelOptions(parsed.value, parsed.value.strategies[0]);
    expect(options.spikes).toEqual([{ atUs: 10 * S, durationUs: 500 * MS, factor: 5 }]);
    expect(options.pool.expensiveShare).toBe(0.1);
    expect(options.pool.expensiveFactor).toBe(10);
    const plain = parseScenarioText(scenario("  expensiveFactor: 10"), "s.yaml", scenarioSchema);
    if (!plain.ok || !isServiceScenario(plain.value)) throw new Error("did not parse as a service");
    const plainOptions = serviceModelOptions(plain.value, plain.value.strategies[0]);
    expect(plainOptions.spikes).toEqual([]);
    expect("expensiveShare" in plainOptions.pool).toBe(false);
  });

  it("rejects overlapping windows, windows past the horizon and unbounded factors, naming the field", () => {
    expect(problems("  spikes: [{ at: 10s, duration: 5s, factor: 5 }, { at: 12s, duration: 5s, factor: 2 }]")).toEqual([
      expect.stringMatching(/service\.spikes\[1\]\.at: overlaps spike 0/),
    ]);
    expect(problems("  spikes: [{ at: 50s, duration: 20s, factor: 5 }]")).toEqual([expect.stringMatching(/service\.spikes\[0\]\.duration: .*after the horizon/)]);
    expect(problems("  spikes: [{ at: 5s, duration: 1s, factor: 0 }]")).toEqual([expect.stringMatching(/service\.spikes\[0\]\.factor/)]);
    expect(problems("  spikes: [{ at: 5s, duration: 1s, factor: 5000 }]")).toEqual([expect.stringMatching(/service\.spikes\[0\]\.factor: expected at most 1,000/)]);
    const many = Array.from({ length: 1_001 }, (_, i) => `{ at: ${i * 0.01}, duration: 0.005, factor: 2 }`).join(", ");
    expect(problems(`  spikes: [${many}]`)).toEqual([expect.stringMatching(/service\.spikes: expected at most 1,000 spikes, got 1001/)]);
    expect(problems("  expensiveShare: 1.5")).toEqual([expect.stringMatching(/service\.expensiveShare/)]);
    expect(problems("  expensiveFactor: 0.5")).toEqual([expect.stringMatching(/service\.expensiveFactor/)]);
  });

  it("counts a spike's extra requests against the request bound", () => {
    // 100/s × 60 s is 6,000 requests; a 1,000× spike for 50 s adds about 5 M: still within 5e7.
    expect(problems("  spikes: [{ at: 5s, duration: 50s, factor: 1000 }]")).toEqual([]);
    const heavy = scenario("  spikes: [{ at: 5s, duration: 50s, factor: 1000 }]").replace("arrivalsPerSecond: 100", "arrivalsPerSecond: 1500").replace("horizon: 60s", "horizon: 60s");
    const parsed = parseScenarioText(heavy, "s.yaml", scenarioSchema);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems).toEqual([expect.stringMatching(/service\.arrivalsPerSecond: about .* requests over the horizon/)]);
  });
});
