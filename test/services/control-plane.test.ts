import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ControlPlaneService,
  type ControlPlaneOptions,
  type HaStrategy,
} from "../../models/services/control-plane.js";
import { Sim, type SimRecord } from "../../sim/sim.js";
import { meanWithCi95 } from "../../sim/statistics.js";
import { US_PER_H, US_PER_MIN, US_PER_S, US_PER_YEAR } from "../../sim/time.js";

/**
 * The control plane's availability against exact steady-state formulas, then stories.
 *
 * Method: R replications (seeds 1..R, fixed, so every run passes or fails alike) of a long
 * horizon; the mean and a 95% Student-t interval across replications (`meanWithCi95`).
 * Each validation asserts that the analytic value lies inside the interval AND that the
 * interval is narrow enough that a plausible wrong model would fall outside it. For the
 * redundant designs the quantity is the unavailability U = 1 − A, judged on a relative
 * scale (half-width below a stated fraction of U), since A itself is 0.99995…
 *
 * Formulas are written here, not imported, so expected values share no code with the
 * model (Trivedi, "Probability and Statistics with Reliability…", 2nd ed., §3.5, §8.2).
 */

const SCHEDULER = "scheduler";
const MTBF_US = 1_000 * US_PER_H;
const MTTR_US = 4 * US_PER_H;
/** One unit's steady-state availability, MTBF/(MTBF + MTTR) = 1000/1004. */
const A_UNIT = 1_000 / 1_004;
const HORIZON_US = 200 * US_PER_YEAR;

function options(strategy: HaStrategy, extra: Partial<ControlPlaneOptions> = {}): ControlPlaneOptions {
  return { name: SCHEDULER, strategy, mtbfUs: MTBF_US, mttrUs: MTTR_US, ...extra };
}

/** One replication: a fresh Sim, the service started, run to the horizon. */
function simulate(serviceOptions: ControlPlaneOptions, seed: number, horizonUs: number): ControlPlaneService {
  const sim = new Sim({ seed, keepRecords: false });
  const service = new ControlPlaneService(sim, serviceOptions);
  service.start();
  sim.run(horizonUs);
  return service;
}

interface Estimate {
  readonly mean: number;
  readonly lo: number;
  readonly hi: number;
  readonly halfWidth: number;
}

/** Mean of `measure` over seeds 1..R, with its 95% interval. */
function replicate(
  serviceOptions: ControlPlaneOptions,
  replications: number,
  horizonUs: number,
  measure: (service: ControlPlaneService) => number,
): Estimate {
  const values: number[] = [];
  for (let seed = 1; seed <= replications; seed++) values.push(measure(simulate(serviceOptions, seed, horizonUs)));
  const { mean, ci95 } = meanWithCi95(values);
  return { mean, lo: ci95[0], hi: ci95[1], halfWidth: (ci95[1] - ci95[0]) / 2 };
}

function unavailability(horizonUs: number): (service: ControlPlaneService) => number {
  return (service) => 1 - service.availability(horizonUs);
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return result;
}

/** A k-of-n system of independent units, each available with probability a. */
function kOfNAvailability(k: number, n: number, a: number): number {
  let sum = 0;
  for (let up = k; up <= n; up++) sum += binomial(n, up) * a ** up * (1 - a) ** (n - up);
  return sum;
}

describe("control plane: the formulas themselves", () => {
  it("match the numbers in the issue", () => {
    expect(A_UNIT).toBeCloseTo(0.996016, 6);
    // 2-of-3: 3A² − 2A³.
    expect(kOfNAvailability(2, 3, A_UNIT)).toBeCloseTo(3 * A_UNIT ** 2 - 2 * A_UNIT ** 3, 15);
    expect(kOfNAvailability(2, 3, A_UNIT)).toBeCloseTo(0.999953, 6);
    expect(kOfNAvailability(3, 5, A_UNIT)).toBeCloseTo(0.99999937, 8);
  });
});

describe("control plane: steady-state availability", () => {
  it("a single unit with manual repair: A = MTBF/(MTBF + MTTR) = 0.996016", () => {
    // About 1 750 failures per 200-year replication.
    const estimate = replicate(options({ kind: "none" }), 10, HORIZON_US, (s) => s.availability(HORIZON_US));
    expect(estimate.lo).toBeLessThanOrEqual(A_UNIT);
    expect(estimate.hi).toBeGreaterThanOrEqual(A_UNIT);
    // Discriminates: MTTR 5 h (A = 0.995025) or 3 h (0.997009) would be outside.
    expect(estimate.lo).toBeGreaterThan(0.995);
    expect(estimate.hi).toBeLessThan(0.997);
  });

  it("does not depend on the shape of the time to failure (alternating renewal)", () => {
    // Weibull shape 0.7 (infant mortality, coefficient of variation 1.5) with the same
    // mean: A = E[up]/(E[up] + E[down]) still holds exactly (renewal-reward theorem).
    const weibull = options(
      { kind: "none" },
      { timeToFailureUs: { kind: "weibull", shape: 0.7, mean: MTBF_US } },
    );
    const estimate = replicate(weibull, 10, HORIZON_US, (s) => s.availability(HORIZON_US));
    expect(estimate.lo).toBeLessThanOrEqual(A_UNIT);
    expect(estimate.hi).toBeGreaterThanOrEqual(A_UNIT);
    expect(estimate.lo).toBeGreaterThan(0.995);
    expect(estimate.hi).toBeLessThan(0.997);
  });

  it("a fast restart: U = restart/(MTBF + restart), 15 s after each failure", () => {
    const restartUs = 15 * US_PER_S;
    const expected = restartUs / (MTBF_US + restartUs); // 4.17e-6
    const fastRestart = options({ kind: "fast-restart", restartUs });
    const estimate = replicate(fastRestart, 10, HORIZON_US, unavailability(HORIZON_US));
    expect(estimate.lo).toBeLessThanOrEqual(expected);
    expect(estimate.hi).toBeGreaterThanOrEqual(expected);
    // Downtime per failure is fixed, so only the failure count varies: a 20 s restart
    // (+33%) would be far outside.
    expect(estimate.halfWidth).toBeLessThan(0.05 * expected);
  });

  it("2-of-3 quorum: A = 3A² − 2A³ = 0.999953, plus elections", () => {
    // Units are independent (each its own repair), so the majority is up with probability
    // 3A² − 2A³. Electing a leader takes E = 150 ms after each leader failure while the
    // service is up: first order, U = 1 − (3A² − 2A³) + λ·E with λ = 1/MTBF. λE = 4.2e-8,
    // under 0.1% of U = 4.75e-5; elections after a lost majority comes back add < 1e-11.
    const electionUs = 150_000;
    const expected = 1 - kOfNAvailability(2, 3, A_UNIT) + electionUs / MTBF_US;
    const estimate = replicate(
      options({ kind: "quorum", unitCount: 3, electionTimeoutUs: electionUs }),
      20,
      HORIZON_US,
      unavailability(HORIZON_US),
    );
    expect(estimate.lo).toBeLessThanOrEqual(expected);
    expect(estimate.hi).toBeGreaterThanOrEqual(expected);
    // About 40 two-down episodes per replication; a model that let one failure take the
    // service down (U ≈ 3(1 − A) = 1.2e-2) or needed all three (U ≈ (1 − A)³) is far off.
    expect(estimate.halfWidth).toBeLessThan(0.3 * expected);
  });

  it("3-of-5 quorum: A = Σ_{k≥3} C(5,k)A^k(1−A)^(5−k), at MTBF 10 h, MTTR 1 h", () => {
    // At MTBF 1000 h the 3-of-5 unavailability is 6.3e-7: one majority loss per 240 years,
    // too rare to resolve within the time budget. The formula is exact for any unit
    // availability, so this runs the same structure with units failing 100× as often
    // (A = 10/11): U = 6.53e-3, about 400 majority losses per 2-year replication.
    // Election term as above: λE = 0.1/h × 150 ms = 4.2e-6, 0.06% of U.
    const mtbfUs = 10 * US_PER_H;
    const mttrUs = 1 * US_PER_H;
    const electionUs = 150_000;
    const a = mtbfUs / (mtbfUs + mttrUs);
    const expected = 1 - kOfNAvailability(3, 5, a) + electionUs / mtbfUs;
    const horizonUs = 2 * US_PER_YEAR;
    const estimate = replicate(
      { name: SCHEDULER, strategy: { kind: "quorum", unitCount: 5, electionTimeoutUs: electionUs }, mtbfUs, mttrUs },
      20,
      horizonUs,
      unavailability(horizonUs),
    );
    expect(estimate.lo).toBeLessThanOrEqual(expected);
    expect(estimate.hi).toBeGreaterThanOrEqual(expected);
    // Counting 2-of-5 as enough (U = 4.3e-4) or 4-of-5 needed (U = 8.3e-2) is far off.
    expect(estimate.halfWidth).toBeLessThan(0.1 * expected);
  });

  it("3-of-5 quorum at MTBF 1000 h, MTTR 4 h, directly: U = 6.29e-7 + λE = 6.70e-7", () => {
    // The same formula at the parameters. A majority is lost once per ~240 years,
    // so it takes 200 replications of 200 years (3.8 M events, under a second). Here the
    // 150 ms elections are 6% of the unavailability: λE = 4.2e-8 against 6.29e-7.
    const electionUs = 150_000;
    const expected = 1 - kOfNAvailability(3, 5, A_UNIT) + electionUs / MTBF_US;
    const estimate = replicate(
      options({ kind: "quorum", unitCount: 5, electionTimeoutUs: electionUs }),
      200,
      HORIZON_US,
      unavailability(HORIZON_US),
    );
    expect(estimate.lo).toBeLessThanOrEqual(expected);
    expect(estimate.hi).toBeGreaterThanOrEqual(expected);
    // 2-of-3's 4.75e-5 or the elections alone (4.2e-8) are far outside.
    expect(estimate.halfWidth).toBeLessThan(0.3 * expected);
  });

  it("active-passive with a 30 s failover: U = (1−A)² + A²(1 − e^(−λD)) ≈ 2.41e-5", () => {
    // Units fail and are repaired independently of their roles, so both are down a
    // fraction (1−A)² of the time exactly. Besides, the service is down during each
    // failover: the active fails while the passive is up (rate λA², λ = 1/MTBF) and the
    // passive serves D = missedBeats × interval + takeover = 3 × 5 s + 15 s = 30 s later,
    // unless it fails first (then both are down, already counted): E[min(D, Exp(λ))] =
    // (1 − e^(−λD))/λ. Hence U = (1−A)² + A²(1 − e^(−λD)) = 1.587e-5 + 0.827e-5.
    // Neglected: the old active repaired within D (probability D/MTTR = 2e-3) and then the
    // passive failing within D: relative order 1e-8.
    const failoverUs = 3 * 5 * US_PER_S + 15 * US_PER_S;
    const lambdaD = failoverUs / MTBF_US;
    const expected = (1 - A_UNIT) ** 2 + A_UNIT ** 2 * -Math.expm1(-lambdaD);
    expect(1 - expected).toBeCloseTo(0.999976, 6);
    const estimate = replicate(
      options({ kind: "active-passive", heartbeatIntervalUs: 5 * US_PER_S, missedBeats: 3, takeoverUs: 15 * US_PER_S }),
      40,
      HORIZON_US,
      unavailability(HORIZON_US),
    );
    expect(estimate.lo).toBeLessThanOrEqual(expected);
    expect(estimate.hi).toBeGreaterThanOrEqual(expected);
    // Leaving out the failover time (U = 1.59e-5, −34%) or charging it for the passive's
    // failures too (U = 3.24e-5, +34%) falls outside.
    expect(estimate.halfWidth).toBeLessThan(0.2 * expected);
  });
});

/** A service that only fails when told to: game-day stories. */
function quietService(strategy: HaStrategy, seed = 7): { sim: Sim; service: ControlPlaneService; changes: string[] } {
  const sim = new Sim({ seed });
  const service = new ControlPlaneService(sim, options(strategy, { mtbfUs: Infinity, mttrUs: 10_000 * US_PER_H }));
  service.start();
  const changes: string[] = [];
  service.onChange((isUp) => changes.push(`${isUp ? "up" : "down"}@${sim.now / US_PER_S}s`));
  return { sim, service, changes };
}

function at(sim: Sim, timeUs: number, action: () => void): void {
  sim.scheduleAt(timeUs, action);
}

function kinds(records: readonly SimRecord[], ...wanted: string[]): string[] {
  return records.filter((r) => wanted.includes(r.kind)).map((r) => `${r.kind}@${(r.timeUs as number) / US_PER_S}s`);
}

const ACTIVE_PASSIVE: HaStrategy = {
  kind: "active-passive",
  heartbeatIntervalUs: 5 * US_PER_S,
  missedBeats: 3,
  takeoverUs: 15 * US_PER_S,
};

describe("control plane: stories", () => {
  it("the passive takes over missedBeats × interval + takeover after the active fails", () => {
    const { sim, service, changes } = quietService(ACTIVE_PASSIVE);
    expect(service.activeUnits()).toEqual([0]);
    at(sim, 3_600 * US_PER_S, () => service.crashUnit(0));
    sim.run(3_600 * US_PER_S + 29 * US_PER_S);
    expect(service.isUp).toBe(false);
    sim.run(3_600 * US_PER_S + 30 * US_PER_S);
    expect(service.isUp).toBe(true);
    expect(service.activeUnits()).toEqual([1]);
    expect(changes).toEqual(["down@3600s", "up@3630s"]);
    // The failed unit comes back as the passive; when the new active fails, it takes over.
    at(sim, 7_200 * US_PER_S, () => service.repairUnit(0));
    at(sim, 10_800 * US_PER_S, () => service.crashUnit(1));
    sim.run(11_000 * US_PER_S);
    expect(service.activeUnits()).toEqual([0]);
    expect(changes).toEqual(["down@3600s", "up@3630s", "down@10800s", "up@10830s"]);
    expect(service.outageCount).toBe(2);
    expect(service.failoverCount).toBe(2);
    expect(service.downtimeMin(sim.now)).toBeCloseTo(1, 12);
    expect(kinds(sim.records, "ServiceFailedOver")).toEqual(["ServiceFailedOver@3630s", "ServiceFailedOver@10830s"]);
  });

  it("a lone survivor serves at once when its partner is already down", () => {
    const { sim, service, changes } = quietService(ACTIVE_PASSIVE);
    at(sim, 100 * US_PER_S, () => service.crashUnit(1)); // The passive: no outage.
    at(sim, 200 * US_PER_S, () => service.crashUnit(0)); // Both down.
    at(sim, 300 * US_PER_S, () => service.repairUnit(1)); // Alone: serves at once.
    sim.run(400 * US_PER_S);
    expect(changes).toEqual(["down@200s", "up@300s"]);
    expect(service.activeUnits()).toEqual([1]);
  });

  it("a partition of the heartbeat link makes a split brain: up, but flagged and timed", () => {
    const { sim, service, changes } = quietService(ACTIVE_PASSIVE);
    at(sim, 3_600 * US_PER_S, () => service.partition());
    sim.run(3_630 * US_PER_S);
    expect(service.isSplitBrain).toBe(true);
    expect(service.activeUnits()).toEqual([0, 1]);
    at(sim, 7_200 * US_PER_S, () => service.heal());
    sim.run(8_000 * US_PER_S);
    expect(service.isSplitBrain).toBe(false);
    // The later takeover holds the higher epoch and keeps the role.
    expect(service.activeUnits()).toEqual([1]);
    expect(changes).toEqual([]); // Never down.
    expect(service.availability(sim.now)).toBe(1);
    expect(service.splitBrainCount).toBe(1);
    expect(service.splitBrainS(sim.now)).toBeCloseTo(7_200 - 3_630, 9);
    expect(kinds(sim.records, "ServicePartitioned", "SplitBrainStarted", "SplitBrainEnded")).toEqual([
      "ServicePartitioned@3600s",
      "SplitBrainStarted@3630s",
      "SplitBrainEnded@7200s",
    ]);
  });

  it("a partition healed before the takeover leaves no split brain", () => {
    const { sim, service } = quietService(ACTIVE_PASSIVE);
    at(sim, 100 * US_PER_S, () => service.partition());
    at(sim, 120 * US_PER_S, () => service.heal());
    sim.run(1_000 * US_PER_S);
    expect(service.splitBrainCount).toBe(0);
    expect(service.activeUnits()).toEqual([0]);
  });

  it("a quorum of 3 survives one unit down and goes down with two", () => {
    const quorum: HaStrategy = { kind: "quorum", unitCount: 3, electionTimeoutUs: 300_000 };
    const { sim, service, changes } = quietService(quorum);
    at(sim, 100 * US_PER_S, () => service.crashUnit(2)); // A follower: 2 of 3 left.
    at(sim, 200 * US_PER_S, () => service.crashUnit(1)); // 1 of 3: no majority.
    at(sim, 300 * US_PER_S, () => service.repairUnit(2)); // Majority back; leader 0 never left.
    at(sim, 350 * US_PER_S, () => service.repairUnit(1));
    at(sim, 400 * US_PER_S, () => service.crashUnit(0)); // The leader: an election among 1 and 2.
    sim.run(500 * US_PER_S);
    expect(changes).toEqual(["down@200s", "up@300s", "down@400s", "up@400.3s"]);
    expect(service.activeUnits()).toEqual([1]);
    expect(kinds(sim.records, "ServiceLeaderElected")).toEqual(["ServiceLeaderElected@400.3s"]);
  });

  it("a partition isolating a quorum's leader costs one election, never a split brain", () => {
    const quorum: HaStrategy = { kind: "quorum", unitCount: 3, electionTimeoutUs: 300_000 };
    const { sim, service, changes } = quietService(quorum);
    at(sim, 100 * US_PER_S, () => service.partition());
    at(sim, 200 * US_PER_S, () => service.heal());
    sim.run(300 * US_PER_S);
    expect(changes).toEqual(["down@100s", "up@100.3s"]);
    expect(service.activeUnits()).toEqual([1]);
    expect(service.splitBrainCount).toBe(0);
  });

  it("fast restart beats cold restart on the same failures (common random numbers)", () => {
    const coldUs = 10 * US_PER_MIN;
    const fastUs = 15 * US_PER_S;
    const horizonUs = 20 * US_PER_YEAR;
    const failureTimes = (restartUs: number, kind: "cold-restart" | "fast-restart") => {
      const sim = new Sim({ seed: 42 });
      const service = new ControlPlaneService(sim, options({ kind, restartUs }));
      service.start();
      sim.run(horizonUs);
      const times = sim.records.filter((r) => r.kind === "ServiceUnitFailed").map((r) => r.timeUs as number);
      return { times, availability: service.availability(horizonUs) };
    };
    const cold = failureTimes(coldUs, "cold-restart");
    const fast = failureTimes(fastUs, "fast-restart");
    expect(fast.availability).toBeGreaterThan(cold.availability);
    // The i-th time to failure is the same draw; failures shift only by the restarts
    // before them, exactly (integer µs).
    expect(fast.times.length).toBeGreaterThan(100);
    const shared = Math.min(cold.times.length, fast.times.length);
    for (let i = 0; i < shared; i++) expect(cold.times[i] - fast.times[i]).toBe(i * (coldUs - fastUs));
  });

  it("draws unit k's failures from services.<name>.unit<k>.failure, whatever the strategy", () => {
    const sim = new Sim({ seed: 5 });
    const service = new ControlPlaneService(sim, options({ kind: "quorum", unitCount: 3, electionTimeoutUs: 0 }));
    service.start();
    sim.run(100 * US_PER_YEAR);
    const first = (unit: number) =>
      sim.records.find((r) => r.kind === "ServiceUnitFailed" && r.unit === unit)?.timeUs as number;
    for (let unit = 0; unit < 3; unit++) {
      const stream = new Sim({ seed: 5 }).rng(`services.scheduler.unit${unit}.failure`);
      expect(first(unit)).toBe(Math.round(stream.exponential(MTBF_US)));
    }
    // Same master seed, another strategy: the same first failure of unit 0.
    const single = new Sim({ seed: 5 });
    new ControlPlaneService(single, options({ kind: "none" })).start();
    single.run(100 * US_PER_YEAR);
    expect(single.records.find((r) => r.kind === "ServiceUnitFailed")?.timeUs).toBe(first(0));
  });

  it("prices the redundancy per unit-hour", () => {
    const sim = new Sim({ seed: 1 });
    const price = { pricePerUnitHour: 0.5 };
    expect(new ControlPlaneService(sim, options({ kind: "none" }, price)).costPerHour).toBe(0.5);
    expect(new ControlPlaneService(sim, options(ACTIVE_PASSIVE, price)).costPerHour).toBe(1);
    const five = new ControlPlaneService(sim, options({ kind: "quorum", unitCount: 5, electionTimeoutUs: 0 }, price));
    expect(five.costPerHour).toBe(2.5);
    expect(five.cost(10 * US_PER_H)).toBe(25);
  });

  // Speed is measured in `npm run bench`, never asserted here.
  it("simulates 200 years of a 5-unit quorum", () => {
    const service = simulate(options({ kind: "quorum", unitCount: 5, electionTimeoutUs: 150_000 }), 1, HORIZON_US);
    expect(service.failureCount).toBeGreaterThan(8_000); // ≈ 5 × 1 745
    expect(service.availability(HORIZON_US)).toBeGreaterThan(0.9999);
  });
});

/**
 * A checker kept apart from the model: it rebuilds the outage timeline from what the
 * listener heard and checks the model's own accounting against it.
 */
describe("control plane: properties", () => {
  const strategies: HaStrategy[] = [
    { kind: "none" },
    { kind: "cold-restart", restartUs: 5 * US_PER_MIN, restartCoverage: 0.8 },
    { kind: "fast-restart", restartUs: 15 * US_PER_S },
    ACTIVE_PASSIVE,
    { kind: "quorum", unitCount: 3, electionTimeoutUs: 300_000 },
    { kind: "quorum", unitCount: 5, electionTimeoutUs: 300_000 },
  ];
  const command = fc.record({
    atH: fc.integer({ min: 0, max: 2_000 }),
    verb: fc.constantFrom("crash", "repair", "partition", "heal"),
    unit: fc.nat({ max: 4 }),
  });

  it("the listener's timeline, downtime, outage count and split brains agree", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.constantFrom(...strategies),
        fc.array(command, { maxLength: 30 }),
        (seed, strategy, commands) => {
          const sim = new Sim({ seed });
          const service = new ControlPlaneService(sim, {
            name: "boot",
            strategy,
            mtbfUs: 50 * US_PER_H,
            mttrUs: 5 * US_PER_H,
          });
          service.start();
          const timeline: Array<{ timeUs: number; isUp: boolean }> = [];
          // Checked at every change, not only at the end: up needs a unit up (a majority
          // for a quorum), and every unit holding a role is up.
          const checkUnits = (): void => {
            let unitsUp = 0;
            for (let unit = 0; unit < service.unitCount; unit++) if (service.isUnitUp(unit)) unitsUp++;
            const unitsUpMin = strategy.kind === "quorum" ? Math.ceil(service.unitCount / 2) : 1;
            if (service.isUp) expect(unitsUp).toBeGreaterThanOrEqual(unitsUpMin);
            for (const unit of service.activeUnits()) expect(service.isUnitUp(unit)).toBe(true);
            if (service.isSplitBrain) expect(service.isPartitioned).toBe(true);
          };
          service.onChange((isUp) => {
            timeline.push({ timeUs: sim.now, isUp });
            checkUnits();
          });
          for (const { atH, verb, unit } of commands) {
            at(sim, atH * US_PER_H, () => {
              const target = unit % service.unitCount;
              if (verb === "crash") service.crashUnit(target);
              else if (verb === "repair") service.repairUnit(target);
              else if (verb === "partition") service.partition();
              else service.heal();
            });
          }
          const horizonUs = 2_000 * US_PER_H;
          sim.run(horizonUs);

          let downUs = 0;
          let isUp = true;
          let sinceUs = 0;
          let outages = 0;
          for (const change of timeline) {
            expect(change.isUp).toBe(!isUp); // Changes alternate.
            expect(change.timeUs).toBeGreaterThanOrEqual(sinceUs);
            if (!change.isUp) outages++;
            else downUs += change.timeUs - sinceUs;
            isUp = change.isUp;
            sinceUs = change.timeUs;
          }
          if (!isUp) downUs += horizonUs - sinceUs;
          expect(service.isUp).toBe(isUp);
          expect(service.outageCount).toBe(outages);
          expect(service.downtimeMin(horizonUs)).toBeCloseTo(downUs / US_PER_MIN, 6);
          expect(service.availability(horizonUs)).toBeCloseTo(1 - downUs / horizonUs, 12);
          if (strategy.kind !== "active-passive") expect(service.splitBrainCount).toBe(0);
          checkUnits();
        },
      ),
      { numRuns: 200 },
    );
  });
});
