import { describe, expect, it } from "vitest";
import { ServiceModel } from "../../models/service-model.js";
import { Sim } from "../../sim/sim.js";
import { US_PER_S } from "../../sim/time.js";
import { erlangC, mmcWaitMean } from "./erlang.js";

const MS = 1_000;
const S = US_PER_S;

describe("a service scenario's metrics", () => {
  it("report P(wait) and the mean latency of an M/M/c pool as Erlang C predicts", () => {
    // c = 2 replicas, μ = 100/s (10 ms), λ = 100/s: a = 1 Erlang, ρ = 0.5, P(wait) = 1/3,
    // mean latency = Wq + 1/μ = 3.33 ms + 10 ms. One run of 2,000 s (≈ 200 k requests).
    const sim = new Sim({ seed: 7, keepRecords: false });
    const model = new ServiceModel(sim, {
      horizonUs: 2_000 * S,
      pool: { name: "mmc", replicas: 2, serviceMeanUs: 10 * MS, queueMax: 1_000_000, ratePerS: 100 },
      leak: null,
      faults: [],
      sloAvailability: null,
      sampleEveryUs: 10 * S,
    });
    const { metrics } = model.run();
    const expectedWait = erlangC(2, 1);
    const expectedLatencyMs = (mmcWaitMean(2, 100, 100) + 1 / 100) * 1_000;
    console.log(
      `M/M/2 a=1: P(wait) ${metrics.service_wait_probability?.toFixed(4)} (Erlang C ${expectedWait.toFixed(4)}); ` +
        `mean latency ${metrics.service_latency_mean_ms?.toFixed(3)} ms (${expectedLatencyMs.toFixed(3)}); p50 ${metrics.service_latency_p50_ms?.toFixed(3)} ms`,
    );
    expect(Math.abs(metrics.service_wait_probability! - expectedWait) / expectedWait).toBeLessThan(0.03);
    expect(Math.abs(metrics.service_latency_mean_ms! - expectedLatencyMs) / expectedLatencyMs).toBeLessThan(0.03);
    // Latency is skewed right: the median sits below the mean, the p99 far above.
    expect(metrics.service_latency_p50_ms!).toBeLessThan(metrics.service_latency_mean_ms!);
    expect(metrics.service_latency_p99_ms!).toBeGreaterThan(3 * metrics.service_latency_mean_ms!);
  });
});
