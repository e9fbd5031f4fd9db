import { describe, expect, it } from "vitest";
import { ReplicaPool, type ReplicaPoolOptions, type ReplicaPoolSample } from "../../models/services/replica-pool.js";
import type { SimRecord } from "../../sim/sim.js";
import { Sim } from "../../sim/sim.js";
import { US_PER_S } from "../../sim/time.js";

/**
 * The canonical cascade (issue "Chaos lab", item 3), emerging from parameters alone: two
 * database replicas behind a round-robin balancer, each able to serve 100 requests/s
 * (exponential demands, mean 10 ms), offered 160/s, so each replica's capacity is just
 * above half the load (ρ = 0.8 with both up, 1.6 on one). Clients give up on an attempt
 * after 300 ms (30 mean service times; M/M/1's response-time tail e^{−(μ−λ)t} = e^{−6}
 * bounds a healthy pool's timeouts at one attempt in 400, round robin's regular arrivals
 * do better) and retry three times at once. The balancer probes every second; a probe
 * that waits more than 200 ms is bad, three bad in a row eject a replica, one good probe
 * re-admits it. (With two good probes to re-admit, the same outage usually leaves both
 * replicas ejected for good, the balancer in panic and goodput near a quarter of the
 * arrivals, in 5 of the 6 seeds tried: as stuck, but without the oscillation.)
 *
 * At 30 s replica B (1) hangs for 20 s. Nothing below scripts what follows; the test only
 * watches the pool's records and samples:
 * - B's probes time out and B is ejected; A takes double load, its queue grows past the
 *   timeout, clients time out and retry, the attempts triple the load, A's probes wait
 *   behind them and A is ejected too: panic, traffic to both, B still hung.
 * - At 50 s B is back. It drains at once and a good probe re-admits it: now it alone takes
 *   the (retry-inflated) load and is flooded; A, with no traffic, drains and is
 *   re-admitted; both share a load three times their capacity, one is ejected, the other
 *   takes everything, and so on: the replicas take turns being ejected, and goodput stays
 *   far below the arrival rate long after the trigger has gone (a metastable failure:
 *   Bronson et al., HotOS 2021).
 * - With exponential backoff and full jitter, a circuit breaker, a retry budget and a slow
 *   start, the same outage on the same arrivals settles within seconds of B's return.
 *
 * Without the outage both configurations run at ρ = 0.8 for the whole horizon without an
 * ejection: the outage is the trigger, and the retries keep the overload going.
 */

const MS = 1_000;
const S = US_PER_S;

const ARRIVALS_PER_S = 160;
const FAILED_US = 30 * S;
const RESTORED_US = 50 * S;
const HORIZON_US = 150 * S;
const WINDOW_US = 5 * S;

const DATABASE: ReplicaPoolOptions = {
  name: "db",
  replicas: 2,
  serviceMeanUs: 10 * MS,
  queueMax: 100,
  policy: "round-robin",
  ratePerS: ARRIVALS_PER_S,
  timeoutUs: 300 * MS,
  retries: 3,
  healthIntervalUs: S,
  healthTimeoutUs: 200 * MS,
  unhealthyThreshold: 3,
  healthyThreshold: 1,
};

/** Full-jitter exponential backoff alone: the retries come later, but all of them still come. */
const BACKOFF_ONLY: Partial<ReplicaPoolOptions> = { backoff: "exponential", backoffBaseUs: 100 * MS, backoffMaxUs: 2 * S };

const MITIGATED: Partial<ReplicaPoolOptions> = {
  ...BACKOFF_ONLY,
  errorRateThreshold: 0.5,
  breakerWindowUs: S,
  breakerMinRequests: 20,
  openUs: 2 * S,
  retryBudget: 0.1,
  slowStartUs: 10 * S,
};

interface CascadeRun {
  readonly pool: ReplicaPool;
  readonly records: readonly SimRecord[];
  /** One sample per 5 s window, the last ending at the horizon. */
  readonly samples: readonly ReplicaPoolSample[];
}

function runCascade(seed: number, mitigation: Partial<ReplicaPoolOptions>, outage = true): CascadeRun {
  const sim = new Sim({ seed });
  const pool = new ReplicaPool(sim, { ...DATABASE, ...mitigation });
  pool.start();
  if (outage) {
    sim.scheduleAt(FAILED_US, () => pool.failReplica(1));
    sim.scheduleAt(RESTORED_US, () => pool.restoreReplica(1));
  }
  for (let timeUs = WINDOW_US; timeUs <= HORIZON_US; timeUs += WINDOW_US) sim.scheduleAt(timeUs, () => pool.sample());
  sim.run(HORIZON_US);
  return { pool, records: sim.records, samples: pool.samples };
}

function timeOf(record: SimRecord): number {
  return record.timeUs as number;
}

/** Health-check records (ejections, re-admissions) after `fromUs`, optionally for one replica. */
function healthRecords(run: CascadeRun, kind: "ReplicaEjected" | "ReplicaAdmitted", fromUs: number, replica?: number): SimRecord[] {
  return run.records.filter((record) => record.kind === kind && timeOf(record) > fromUs && (replica === undefined || record.replica === replica));
}

/** Windows ending in (fromUs, toUs]. */
function windows(run: CascadeRun, fromUs: number, toUs: number): ReplicaPoolSample[] {
  return run.samples.filter((sample) => sample.timeUs > fromUs && sample.timeUs <= toUs);
}

/** Requests succeeded / requests arrived over windows ending in (fromUs, toUs]. */
function goodputRatio(run: CascadeRun, fromUs: number, toUs: number): number {
  const span = windows(run, fromUs, toUs);
  const goodput = span.reduce((sum, sample) => sum + sample.goodputPerS, 0);
  const arrivals = span.reduce((sum, sample) => sum + sample.arrivalsPerS, 0);
  return goodput / arrivals;
}

function attemptsRatio(run: CascadeRun, fromUs: number, toUs: number): number {
  const span = windows(run, fromUs, toUs);
  return span.reduce((sum, sample) => sum + sample.attemptsPerS, 0) / span.reduce((sum, sample) => sum + sample.arrivalsPerS, 0);
}

/** The end of the last window whose goodput fell below 95% of its arrivals; 0 if none. */
function settledAtUs(run: CascadeRun): number {
  const bad = run.samples.filter((sample) => sample.goodputPerS < 0.95 * sample.arrivalsPerS);
  return bad.length === 0 ? 0 : bad[bad.length - 1].timeUs;
}

function describeRun(label: string, run: CascadeRun): string {
  const goodput = run.samples.map((sample) => `${sample.timeUs / S}s:${Math.round(sample.goodputPerS)}`).join(" ");
  return (
    `${label}: ejections ${run.pool.ejectedCount} (after B's return ${healthRecords(run, "ReplicaEjected", RESTORED_US).length}), ` +
    `re-admissions ${run.pool.readmittedCount}, breaker opened ${run.pool.breakerOpenedCount}, goodput/arrivals after B's return ` +
    `${goodputRatio(run, RESTORED_US, HORIZON_US).toFixed(3)}, settled at ${settledAtUs(run) / S} s\n  goodput/s by window: ${goodput}`
  );
}

const SEED = 1;

describe("the canonical cascade: one replica of two fails, retries and health checks do the rest", () => {
  const unmitigated = runCascade(SEED, {});
  const mitigated = runCascade(SEED, MITIGATED);
  console.log(describeRun("unmitigated", unmitigated));
  console.log(describeRun("mitigated", mitigated));

  it("before the outage both configurations serve the arrivals with nothing ejected", () => {
    for (const run of [unmitigated, mitigated]) {
      expect(goodputRatio(run, 0, FAILED_US)).toBeGreaterThan(0.98);
      expect(attemptsRatio(run, 0, FAILED_US)).toBeLessThan(1.01);
      expect(run.records.filter((record) => timeOf(record) < FAILED_US)).toEqual([]);
    }
  });

  it("unmitigated: B is ejected, A is flooded by retries and ejected too (panic) while B hangs", () => {
    const ejections = healthRecords(unmitigated, "ReplicaEjected", FAILED_US).filter((record) => timeOf(record) < RESTORED_US);
    expect(ejections.map((record) => record.replica)).toEqual([1, 0]);
    // B's three probes time out within about three probe intervals.
    expect(timeOf(ejections[0])).toBeLessThan(FAILED_US + 3.5 * S);
    const [before] = windows(unmitigated, FAILED_US - WINDOW_US, FAILED_US);
    const [first] = windows(unmitigated, FAILED_US, FAILED_US + WINDOW_US);
    // A's queue: from well under one request to dozens.
    expect(first.queueLengthMeans[0]).toBeGreaterThan(30 * Math.max(before.queueLengthMeans[0], 1));
    // Timeouts and immediate retries multiply the offered load.
    expect(attemptsRatio(unmitigated, FAILED_US, RESTORED_US)).toBeGreaterThan(2.5);
    // Both ejected: the balancer panics and sends traffic to both, hung B included.
    for (const sample of windows(unmitigated, FAILED_US + WINDOW_US, RESTORED_US)) expect(sample.admitted).toEqual([false, false]);
  });

  it("unmitigated: after B returns the replicas take turns being flooded and ejected, and goodput stays low", () => {
    // Each replica is re-admitted and ejected again many times: an oscillation, not a recovery.
    for (const replica of [0, 1]) {
      expect(healthRecords(unmitigated, "ReplicaEjected", RESTORED_US, replica).length).toBeGreaterThan(10);
      expect(healthRecords(unmitigated, "ReplicaAdmitted", RESTORED_US, replica).length).toBeGreaterThan(10);
    }
    // 90 s after B's return the pool still serves well under half the arrivals, and the
    // offered load is still about three times the arrival rate.
    expect(goodputRatio(unmitigated, RESTORED_US, RESTORED_US + 90 * S)).toBeLessThan(0.5);
    expect(attemptsRatio(unmitigated, RESTORED_US, RESTORED_US + 90 * S)).toBeGreaterThan(2.5);
    for (const sample of windows(unmitigated, RESTORED_US, RESTORED_US + 90 * S)) {
      expect(sample.goodputPerS).toBeLessThan(0.75 * sample.arrivalsPerS);
    }
  });

  it("mitigated: after B returns goodput is back at the arrival rate within 15 s, with no more ejections", () => {
    expect(settledAtUs(mitigated)).toBeLessThanOrEqual(RESTORED_US + 15 * S);
    for (const sample of windows(mitigated, RESTORED_US + 15 * S, HORIZON_US)) {
      expect(sample.goodputPerS).toBeGreaterThan(0.95 * sample.arrivalsPerS);
    }
    expect(goodputRatio(mitigated, RESTORED_US + 15 * S, HORIZON_US)).toBeGreaterThan(0.99);
    expect(attemptsRatio(mitigated, RESTORED_US + 15 * S, HORIZON_US)).toBeLessThan(1.02);
    expect(healthRecords(mitigated, "ReplicaEjected", RESTORED_US).length).toBeLessThanOrEqual(1);
    // The breaker is what held the load down during the outage.
    expect(mitigated.pool.breakerOpenedCount).toBeGreaterThan(0);
  });

  it("the pool's counters agree with its records", () => {
    for (const run of [unmitigated, mitigated]) {
      expect(run.pool.ejectedCount).toBe(run.records.filter((record) => record.kind === "ReplicaEjected").length);
      expect(run.pool.readmittedCount).toBe(run.records.filter((record) => record.kind === "ReplicaAdmitted").length);
    }
  });

  it("both configurations see the same arrivals (common random numbers)", () => {
    expect(mitigated.samples.map((sample) => sample.arrivalsPerS)).toEqual(unmitigated.samples.map((sample) => sample.arrivalsPerS));
    expect(mitigated.pool.metrics().requests).toBe(unmitigated.pool.metrics().requests);
    expect(mitigated.pool.metrics().demandUs).toBe(unmitigated.pool.metrics().demandUs);
  });

  it("is deterministic: the same seed gives the same records and samples", () => {
    const again = runCascade(SEED, {});
    expect(JSON.stringify(again.records)).toBe(JSON.stringify(unmitigated.records));
    expect(JSON.stringify(again.samples)).toBe(JSON.stringify(unmitigated.samples));
  });
});

describe("the cascade's outcome does not hang on one seed", () => {
  it("over seeds 2 to 4: unmitigated oscillates, backoff alone still oscillates, all mitigations settle; no outage, no cascade", () => {
    for (const seed of [2, 3, 4]) {
      const unmitigated = runCascade(seed, {});
      const backoffOnly = runCascade(seed, BACKOFF_ONLY);
      const mitigated = runCascade(seed, MITIGATED);
      console.log(`seed ${seed}\n${describeRun("unmitigated", unmitigated)}\n${describeRun("backoff only", backoffOnly)}\n${describeRun("mitigated", mitigated)}`);
      for (const run of [unmitigated, backoffOnly]) {
        expect(healthRecords(run, "ReplicaEjected", RESTORED_US).length).toBeGreaterThan(20);
        expect(goodputRatio(run, RESTORED_US, RESTORED_US + 60 * S)).toBeLessThan(0.5);
      }
      expect(settledAtUs(mitigated)).toBeLessThanOrEqual(RESTORED_US + 15 * S);
      expect(healthRecords(mitigated, "ReplicaEjected", RESTORED_US).length).toBeLessThanOrEqual(2);
      // Without the outage, ρ = 0.8 is comfortable for both configurations.
      for (const mitigation of [{}, MITIGATED]) {
        const calm = runCascade(seed, mitigation, false);
        expect(calm.pool.ejectedCount).toBe(0);
        expect(goodputRatio(calm, 0, HORIZON_US)).toBeGreaterThan(0.99);
      }
    }
  });
});
