import { describe, expect, it } from "vitest";
import type { ReplicaPoolOptions, RequestOutcome } from "../../models/services/replica-pool.js";
import { TwoTier } from "../../models/services/two-tier.js";
import { ServiceModel } from "../../models/service-model.js";
import { serviceModelOptions } from "../../scenarios/model-options.js";
import { parseScenarioText } from "../../scenarios/parse.js";
import { isServiceScenario, scenarioSchema } from "../../scenarios/schema.js";
import { meanWithCi95 } from "../../sim/statistics.js";
import { Sim } from "../../sim/sim.js";
import { US_PER_S } from "../../sim/time.js";
import { erlangC, mmcWaitMean } from "./erlang.js";

const MS = 1_000;
const S = US_PER_S;

function halfWidth(interval: { ci95: [number, number] }): number {
  return (interval.ci95[1] - interval.ci95[0]) / 2;
}

describe("a two-tier service with a fast back tier is a front in front of an M/M/c back tier", () => {
  it("back P(wait) and sojourn match Erlang C; front latency = front service + back sojourn", () => {
    // Front: 200 replicas, exponential 5 ms: ample (≈10 busy), so nobody waits there and its
    // departures, the back's arrivals, are Poisson at λ (M/G/∞ output). Back: c = 4,
    // exponential 8 ms (μ = 125/s), λ = 400/s: a = 3.2 Erlang, ρ = 0.8. No timeouts.
    const lambda = 400;
    const mu = 125;
    const expectedWait = erlangC(4, lambda / mu);
    const expectedBackSojournUs = (mmcWaitMean(4, lambda, mu) + 1 / mu) * S;
    const expectedFrontUs = 5 * MS + expectedBackSojournUs;
    const delayed: number[] = [];
    const backLatency: number[] = [];
    const frontLatency: number[] = [];
    const frontDelayed: number[] = [];
    const amplification: number[] = [];
    for (let r = 0; r < 10; r++) {
      const sim = new Sim({ seed: 500 + r, keepRecords: false });
      const tiers = new TwoTier(sim, {
        front: { name: "front", replicas: 200, serviceMeanUs: 5 * MS, queueMax: 1_000_000, ratePerS: lambda },
        back: { name: "back", replicas: 4, serviceMeanUs: 8 * MS, queueMax: 1_000_000 },
      });
      tiers.start();
      sim.run(20 * S);
      tiers.resetMetrics();
      sim.run(320 * S);
      const back = tiers.back.counts();
      const front = tiers.front.counts();
      delayed.push(back.delayed / back.attempts);
      backLatency.push(tiers.back.latenciesUs.mean());
      frontLatency.push(tiers.front.latenciesUs.mean());
      frontDelayed.push(front.delayed / front.attempts);
      amplification.push(tiers.retryAmplification());
    }
    const pWait = meanWithCi95(delayed);
    const back = meanWithCi95(backLatency);
    const front = meanWithCi95(frontLatency);
    console.log(
      `two tiers, back M/M/4 a=3.2: P(wait) ${pWait.mean.toFixed(4)} ±${halfWidth(pWait).toFixed(4)} (Erlang C ${expectedWait.toFixed(4)}); ` +
        `back sojourn ${(back.mean / MS).toFixed(3)} ms ±${(halfWidth(back) / MS).toFixed(3)} (${(expectedBackSojournUs / MS).toFixed(3)}); ` +
        `front latency ${(front.mean / MS).toFixed(3)} ms ±${(halfWidth(front) / MS).toFixed(3)} (5 + ${(expectedBackSojournUs / MS).toFixed(3)})`,
    );
    expect(Math.abs(pWait.mean - expectedWait) / expectedWait).toBeLessThan(0.02);
    expect(Math.abs(back.mean - expectedBackSojournUs) / expectedBackSojournUs).toBeLessThan(0.03);
    expect(Math.abs(front.mean - expectedFrontUs) / expectedFrontUs).toBeLessThan(0.03);
    // The intervals are tight enough that the checks above are not vacuous.
    expect(halfWidth(back) / expectedBackSojournUs).toBeLessThan(0.02);
    // The front never queues, and each client request calls the back exactly once.
    expect(Math.max(...frontDelayed)).toBe(0);
    for (const value of amplification) expect(Math.abs(value - 1)).toBeLessThan(1e-3);
  });
});

/**
 * The back tier's attempts fail with probability q each, independently: 10 replicas in a
 * round-robin rotation, 3 of them slowed so that every request on them outlives the front's
 * 50 ms timeout, constant demands (so a retry's fate depends on its replica only), and
 * ample slots (nothing queues). Tens of attempts pass between a call and its retry, so
 * where the rotation stands for the retry is as good as uniform.
 */
function amplificationRun(backRetries: number, clientRetries: number, seed: number) {
  const sim = new Sim({ seed, keepRecords: false });
  const back: ReplicaPoolOptions = {
    name: "back",
    replicas: 10,
    concurrency: 1_000,
    serviceMeanUs: 10 * MS,
    service: { kind: "constant", value: 10 * MS },
    queueMax: 0,
    policy: "round-robin",
    timeoutUs: 50 * MS,
    retries: backRetries,
  };
  const tiers = new TwoTier(sim, {
    front: { name: "front", replicas: 1_000, serviceMeanUs: 1 * MS, queueMax: 1_000, ratePerS: 1_000, retries: clientRetries },
    back,
  });
  for (const k of [1, 4, 7]) tiers.back.setServiceSlowdown(k, 10);
  tiers.start();
  sim.run(100 * S);
  return { amplification: tiers.retryAmplification(), front: tiers.front.counts(), back: tiers.back.counts() };
}

describe("retry amplification", () => {
  const q = 0.3;
  for (const r of [0, 2, 4]) {
    it(`a back call with ${r} retries, each attempt timing out with q = 0.3, makes (1 − q^(r+1))/(1 − q) attempts`, () => {
      const expected = (1 - q ** (r + 1)) / (1 - q);
      const { amplification, front, back } = amplificationRun(r, 0, 40 + r);
      const callsFailed = back.requestsFailed / back.requests;
      console.log(
        `r=${r}: ${amplification.toFixed(4)} back attempts per client request (${expected.toFixed(4)}); ` +
          `calls failed ${callsFailed.toFixed(4)} (q^(r+1) ${(q ** (r + 1)).toFixed(4)}); ${front.requests} requests`,
      );
      expect(Math.abs(amplification - expected) / expected).toBeLessThan(0.01);
      expect(Math.abs(callsFailed - q ** (r + 1))).toBeLessThan(0.01);
      // The front answers an error for each failed call, and has no retries of its own.
      expect(front.backendFailed).toBe(back.requestsFailed);
    });
  }

  it("multiplies across the hops: a client retry of a failed call calls the back again", () => {
    // r = 1 at the back: a call fails with q² = 0.09 and costs 1 + q attempts; one client
    // retry per failed request: 1 + q² calls per request.
    const expected = (1 + q) * (1 + q ** 2);
    const { amplification, front } = amplificationRun(1, 1, 77);
    console.log(`client 1 retry × back 1 retry: ${amplification.toFixed(4)} (${expected.toFixed(4)})`);
    expect(Math.abs(amplification - expected) / expected).toBeLessThan(0.01);
    expect(front.retries).toBe(front.backendFailed - front.requestsFailed);
  });
});

describe("conservation across the tiers", () => {
  it("every client request ends once, and back attempts add up to the front's calls and their retries", () => {
    for (const seed of [1, 2, 3]) {
      const sim = new Sim({ seed, keepRecords: false });
      const tiers = new TwoTier(sim, {
        front: {
          name: "front",
          replicas: 4,
          concurrency: 4,
          serviceMeanUs: 2 * MS,
          queueMax: 20,
          policy: "join-shortest-queue",
          timeoutUs: 150 * MS,
          retries: 2,
          backoff: "exponential",
          backoffBaseUs: 20 * MS,
          errorRateThreshold: 0.5,
          breakerWindowUs: 1 * S,
          openUs: 500 * MS,
          healthIntervalUs: 1 * S,
          healthTimeoutUs: 200 * MS,
        },
        back: {
          name: "back",
          replicas: 3,
          serviceMeanUs: 5 * MS,
          queueMax: 30,
          policy: "round-robin",
          timeoutUs: 60 * MS,
          retries: 3,
          retryBudget: 0.2,
          shedQueueLength: 20,
        },
      });
      const ends = new Map<number, number>();
      const outcomes = new Map<RequestOutcome, number>();
      const onDone = (outcome: RequestOutcome, id: number): void => {
        ends.set(id, (ends.get(id) ?? 0) + 1);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      };
      const rng = sim.rng("test.client");
      const count = 30_000;
      let atUs = 0;
      for (let id = 0; id < count; id++) {
        atUs += Math.round(rng.exponential(S / 500));
        sim.scheduleAt(atUs, () => tiers.front.offer({ onDone, arg: id }));
      }
      tiers.start();
      // Slow the back 5× from 10 s to 30 s; hang one back replica and one front replica.
      sim.scheduleAt(10 * S, () => [0, 1, 2].forEach((k) => tiers.back.setServiceSlowdown(k, 5)));
      sim.scheduleAt(30 * S, () => [0, 1, 2].forEach((k) => tiers.back.setServiceSlowdown(k, 1)));
      sim.scheduleAt(15 * S, () => tiers.back.failReplica(2));
      sim.scheduleAt(25 * S, () => tiers.back.restoreReplica(2));
      sim.scheduleAt(18 * S, () => tiers.front.failReplica(0));
      sim.scheduleAt(20 * S, () => tiers.front.restoreReplica(0));
      sim.run(atUs + 30 * S);
      tiers.front.stop();
      const front = tiers.front.counts();
      const back = tiers.back.counts();
      expect(ends.size).toBe(count);
      expect([...ends.values()].every((n) => n === 1)).toBe(true);
      expect(front.requests).toBe(count);
      expect(front.requestsSucceeded + front.requestsFailed).toBe(count);
      expect(front.requestsSucceeded).toBe(outcomes.get("succeeded"));
      // Every front attempt ended once: answered in time, or failed in one of the ways.
      expect(front.attempts).toBe(front.requests + front.retries);
      expect(front.attempts).toBe(front.requestsSucceeded + front.timedOut + front.rejected + front.shed + front.shortCircuited + front.backendFailed);
      // The back's requests are the front's calls; its attempts, those and their retries.
      expect(back.requests).toBe(front.downstreamCalls);
      expect(back.attempts).toBe(back.requests + back.retries);
      expect(back.requestsSucceeded + back.requestsFailed).toBe(back.requests);
      expect(tiers.retryAmplification()).toBeCloseTo(back.attempts / count, 12);
      // The slowdown did cascade: the front saw timeouts and back failures, and retried.
      expect(front.timedOut).toBeGreaterThan(0);
      expect(front.backendFailed).toBeGreaterThan(0);
      expect(back.retries).toBeGreaterThan(0);
      expect(tiers.front.breakerOpenedCount).toBeGreaterThan(0);
    }
  });

  it("a front replica that hangs while its request waits on the back loses it; the late answer changes nothing", () => {
    const sim = new Sim({ seed: 1, keepRecords: false });
    const tiers = new TwoTier(sim, {
      front: { name: "front", replicas: 1, serviceMeanUs: 1 * MS, service: { kind: "constant", value: 1 * MS }, queueMax: 10, timeoutUs: 100 * MS },
      back: { name: "back", replicas: 1, serviceMeanUs: 10 * MS, service: { kind: "constant", value: 10 * MS }, queueMax: 10 },
    });
    const log: [number, RequestOutcome, number][] = [];
    const onDone = (outcome: RequestOutcome, id: number): void => void log.push([id, outcome, sim.now]);
    tiers.start();
    sim.scheduleAt(0, () => tiers.front.offer({ onDone, arg: 1 }));
    // 1 ms at the front, then the back call until 11 ms: the front hangs at 5 ms.
    sim.scheduleAt(5 * MS, () => tiers.front.failReplica(0));
    sim.scheduleAt(200 * MS, () => tiers.front.restoreReplica(0));
    sim.scheduleAt(300 * MS, () => tiers.front.offer({ onDone, arg: 2 }));
    sim.run(1 * S);
    expect(log).toEqual([
      [1, "timed-out", 100 * MS],
      [2, "succeeded", 311 * MS],
    ]);
    expect(tiers.front.counts()).toMatchObject({ lost: 1, wasted: 0, downstreamCalls: 2, requestsSucceeded: 1, timedOut: 1 });
    expect(tiers.back.counts()).toMatchObject({ requests: 2, requestsSucceeded: 2 });
    expect(tiers.front.heldCount).toBe(0);
  });

  it("runs the same on the same seed", () => {
    const run = () => amplificationRun(2, 1, 9);
    expect(run()).toEqual(run());
  });
});

const SCENARIO = `name: t
description: q
horizon: 60s
replications: 1
service:
  name: api
  replicas: 16
  serviceTime: 5ms
  arrivalsPerSecond: 100
  client: { timeout: 300ms, retries: 1 }
  backend: { name: db, replicas: 2, serviceTime: 2ms, timeout: 50ms, retries: 2 }
failures:
  - { kind: replica-slowdown, tier: backend, replica: 1, at: 10s, duration: 20s, factor: 20 }
strategies:
  - { name: a, mitigations: { breaker: { errorRate: 0.5, window: 1s, open: 1s } } }
  - { name: b, mitigations: { retryBudget: 0.5 } }
`;

function problemsOf(text: string): string[] {
  const result = parseScenarioText(text, "t.yaml", scenarioSchema);
  return result.ok ? [] : [...result.problems];
}

describe("service.backend in a scenario", () => {
  it("a back tier's bad fields are bad input with their paths", () => {
    expect(problemsOf(SCENARIO)).toEqual([]);
    expect(problemsOf(SCENARIO.replace("retries: 2 }", "retries: 2, colour: 1 }"))).toEqual(["t.yaml:11:82 service.backend.colour: unknown key"]);
    expect(problemsOf(SCENARIO.replace("retries: 2 }", "retries: 101 }"))).toEqual([expect.stringMatching(/^t\.yaml:11:\d+ service\.backend\.retries: /)]);
    expect(problemsOf(SCENARIO.replace("name: db", "name: api"))).toEqual(['t.yaml:11:20 service.backend.name: the backend needs a name other than the service\'s ("api")']);
    expect(problemsOf(SCENARIO.replace("tier: backend, replica: 1", "tier: backend, replica: 2"))).toEqual([
      "t.yaml:13:55 failures[0].replica: there are 2 backend replicas, numbered from 0",
    ]);
    expect(problemsOf(SCENARIO.replace("tier: backend", "tier: middle"))).toEqual([expect.stringMatching(/failures\[0\]\.tier: expected one of "front", "backend"/)]);
    expect(problemsOf(SCENARIO.replace(" timeout: 50ms,", ""))).toEqual([
      "t.yaml:15:40 strategies[0].mitigations.breaker: a circuit breaker needs service.backend.timeout too (it guards both hops)",
    ]);
    const withoutBackend = SCENARIO.replace(/ {2}backend: .*\n/, "");
    expect(problemsOf(withoutBackend)).toEqual(["t.yaml:12:37 failures[0].tier: a backend fault needs service.backend"]);
    // Two tiers serve every request twice: the bound on requests counts both.
    expect(problemsOf(SCENARIO.replace("horizon: 60s", "horizon: 200000s").replace("arrivalsPerSecond: 100", "arrivalsPerSecond: 150"))).toEqual([
      expect.stringMatching(/service\.arrivalsPerSecond: about 60,000,000 requests at the two tiers over the horizon; at most 50,000,000/),
    ]);
    expect(problemsOf(withoutBackend.replace("horizon: 60s", "horizon: 200000s").replace("arrivalsPerSecond: 100", "arrivalsPerSecond: 150").replace(/failures:\n.*\n/, ""))).toEqual([]);
  });

  it("runs: a slowed back replica shows in the back tier's metrics, and a pool alone has none", () => {
    const parsed = parseScenarioText(SCENARIO, "t.yaml", scenarioSchema);
    if (!parsed.ok || !isServiceScenario(parsed.value)) throw new Error("expected a service scenario");
    const scenario = parsed.value;
    expect(serviceModelOptions(scenario, scenario.strategies[0]).backend).toMatchObject({ errorRateThreshold: 0.5, breakerWindowUs: 1 * S, openUs: 1 * S });
    const options = serviceModelOptions(scenario, scenario.strategies[1]);
    expect(options.backend).toMatchObject({ name: "db", replicas: 2, serviceMeanUs: 2 * MS, timeoutUs: 50 * MS, retries: 2, retryBudget: 0.5 });
    const { metrics, faults } = new ServiceModel(new Sim({ seed: 3, keepRecords: false }), options).run();
    expect(faults).toEqual([{ timeUs: 10 * S, kind: "replica-slowdown", target: "db/replica1", durationUs: 20 * S }]);
    // 20× on one of two back replicas: 40 ms a request at 50 a second, an overload whose
    // queue outlives the 50 ms timeout, so attempts time out and the front retries them.
    expect(metrics.retry_amplification!).toBeGreaterThan(1);
    expect(metrics.backend_utilization!).toBeGreaterThan(0.1);
    expect(metrics.backend_latency_mean_ms!).toBeGreaterThan(2);
    expect(metrics.backend_error_rate).not.toBeNull();
    const alone = new ServiceModel(new Sim({ seed: 3, keepRecords: false }), { ...options, backend: undefined, faults: [] }).run().metrics;
    expect([alone.backend_utilization, alone.backend_latency_mean_ms, alone.backend_error_rate, alone.retry_amplification]).toEqual([null, null, null, null]);
    // Without the back tier the front's slots are held for its own work only: 100/s × 5 ms over 16 slots.
    expect(alone.service_utilization!).toBeCloseTo(0.5 / 16, 2);
    expect(metrics.service_utilization!).toBeGreaterThan(alone.service_utilization! + 0.05);
  });
});
