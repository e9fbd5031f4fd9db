import { describe, expect, it } from "vitest";
import { ClusterModel } from "../../models/cluster/model.js";
import { CorrelatedFailureInjector, type CorrelatedFailureOptions } from "../../models/failures/correlated.js";
import { NodeCrashInjector } from "../../models/failures/node-crash.js";
import { Cluster } from "../../models/hardware/cluster.js";
import { gamma, sample, weibullScale, type DistributionSpec } from "../../sim/distribution.js";
import { RngStream } from "../../sim/rng.js";
import { Sim, type SimRecord } from "../../sim/sim.js";
import { US_PER_DAY, US_PER_H, US_PER_S, US_PER_YEAR, secondsToUs } from "../../sim/time.js";
import { checkRecords } from "../models/state-checker.js";
import { testModelOptions } from "../models/options.js";

const DAY_S = 86_400;
const YEAR_S = 365 * DAY_S;

/** Rack power: MTBF 2 y per rack, repair lognormal with a 4 h median. */
const RACK_POWER: CorrelatedFailureOptions = {
  racksPerDomain: 1,
  timeToFailureS: { kind: "exponential", mean: 2 * YEAR_S },
  repairS: { kind: "lognormal", median: 4 * 3_600, sigma: 1 },
};

/** A cluster model of 2 racks × 4 nodes with no failures of its own and jobs placed by hand. */
function handModel(sim: Sim, horizonUs: number): ClusterModel {
  const options = testModelOptions({
    horizonUs,
    cluster: { racks: 2, nodesPerRack: 4, gpusPerNode: 4 },
    workload: { generator: null, trace: null, maxRequeues: 3 },
  });

  return new ClusterModel(sim, options);
}

/** [kind, hours, detail] for the records a story is told by. */
function story(records: readonly SimRecord[]): unknown[] {
  const told: unknown[] = [];
  for (const r of records) {
    const h = (r.timeUs as number) / US_PER_H;
    if (r.kind === "JobStarted") told.push([r.kind, h, r.job, [...(r.nodes as number[])].sort((a, b) => a - b)]);
    else if (r.kind === "JobKilled" || r.kind === "JobCompleted") told.push([r.kind, h, r.job]);
    else if (r.kind === "RackPowerLost" || r.kind === "RackPowerRestored") told.push([r.kind, h, r.target, r.nodes]);
    else if (r.kind === "NodeCrashed" || r.kind === "NodeRestored") told.push([r.kind, h, r.node]);
  }
  return told;
}

describe("rack power outage: stories", () => {
  it("takes down all 4 nodes of rack 1 at once; its job is killed once, requeued, and restarts when they return together", () => {
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = handModel(sim, 48 * US_PER_H);
    const injector = new CorrelatedFailureInjector(sim, model.cluster, RACK_POWER);
    model.submit(4, 100 * US_PER_H); // job 0: rack 0, past the horizon
    model.submit(4, 10 * US_PER_H); // job 1: rack 1, 10 h of work, no checkpoints
    sim.schedule(3 * US_PER_H, () => injector.failRack(1, 2 * US_PER_H));
    model.run();
    expect(story(sim.records)).toEqual([
      ["JobStarted", 0, 0, [0, 1, 2, 3]],
      ["JobStarted", 0, 1, [4, 5, 6, 7]],
      ["RackPowerLost", 3, "r01", [4, 5, 6, 7]],
      ["NodeCrashed", 3, 4],
      ["NodeCrashed", 3, 5],
      ["NodeCrashed", 3, 6],
      ["NodeCrashed", 3, 7],
      ["JobKilled", 3, 1],
      ["NodeRestored", 5, 4],
      ["NodeRestored", 5, 5],
      ["NodeRestored", 5, 6],
      ["NodeRestored", 5, 7],
      ["RackPowerRestored", 5, "r01", [4, 5, 6, 7]],
      ["JobStarted", 5, 1, [4, 5, 6, 7]],
      ["JobCompleted", 15, 1],
    ]);
    const killed = sim.records.filter((r) => r.kind === "JobKilled");
    expect(killed).toEqual([{ kind: "JobKilled", timeUs: 3 * US_PER_H, job: 1, cause: "rack-power", node: 4 }]);
    const lost = sim.records.find((r) => r.kind === "RackPowerLost")!;
    expect(lost).toMatchObject({ target: "r01", racks: 1, repairUs: 2 * US_PER_H, source: "ad-hoc" });
    expect(injector.outageCount).toBe(1);
    expect(injector.nodeCrashCount).toBe(4);
    // The independent checker agrees: nodes up before they crash, the job killed in the same instant.
    const checked = checkRecords(sim.records, 8, 48 * US_PER_H);
    expect(checked).toMatchObject({ submitted: 2, completed: 1, running: 1, failed: 0 });
  });

  it("a job on a dark rack is killed once and placed at once on a healthy rack, not on the rack's next node", () => {
    // Without the whole rack going in one instant, the killed job would be placed on rack
    // 0's three nodes still up plus one of rack 1, and killed again by the next crash.
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = handModel(sim, 24 * US_PER_H);
    const injector = new CorrelatedFailureInjector(sim, model.cluster, RACK_POWER);
    model.submit(4, 10 * US_PER_H); // job 0: rack 0
    sim.schedule(1 * US_PER_H, () => injector.failRack(0, 2 * US_PER_H));
    model.run();
    expect(story(sim.records).filter((row) => String((row as unknown[])[0]).startsWith("Job"))).toEqual([
      ["JobStarted", 0, 0, [0, 1, 2, 3]],
      ["JobKilled", 1, 0],
      ["JobStarted", 1, 0, [4, 5, 6, 7]],
      ["JobCompleted", 11, 0],
    ]);
    checkRecords(sim.records, 8, 24 * US_PER_H);
  });

  it("leaves a node down for another cause alone: not in the outage, not restored by its repair", () => {
    const sim = new Sim({ seed: 1, keepRecords: true });
    const cluster = new Cluster(sim, { racks: 2, nodesPerRack: 4, gpusPerNode: 1 });
    const injector = new CorrelatedFailureInjector(sim, cluster, RACK_POWER);
    const up = (): number[] => [4, 5, 6, 7].filter((node) => cluster.isUp(node));
    const seen: [number, number[]][] = [];
    const look = (): void => void seen.push([sim.now / US_PER_H, up()]);
    sim.schedule(0, () => cluster.crash(5)); // another injector's crash, repaired at 10 h
    sim.schedule(10 * US_PER_H, () => cluster.restore(5));
    sim.schedule(1 * US_PER_H, () => injector.failRack(1, 2 * US_PER_H));
    for (const h of [0.5, 1.5, 3.5, 10.5]) sim.schedule(h * US_PER_H, look);
    sim.run();
    expect(seen).toEqual([
      [0.5, [4, 6, 7]],
      [1.5, []],
      [3.5, [4, 6, 7]],
      [10.5, [4, 5, 6, 7]],
    ]);
    const rackRecords = sim.records.filter((r) => r.kind.startsWith("RackPower")).map((r) => [r.kind, r.nodes]);
    expect(rackRecords).toEqual([
      ["RackPowerLost", [4, 6, 7]],
      ["RackPowerRestored", [4, 6, 7]],
    ]);
  });

  it("skips a node another injector already brought back, and one a later outage holds", () => {
    const sim = new Sim({ seed: 1, keepRecords: true });
    const cluster = new Cluster(sim, { racks: 2, nodesPerRack: 4, gpusPerNode: 1 });
    const injector = new CorrelatedFailureInjector(sim, cluster, { ...RACK_POWER, racksPerDomain: 2 });
    sim.schedule(1 * US_PER_H, () => injector.failRack(1, 2 * US_PER_H)); // 4–7 dark until 3 h
    sim.schedule(2 * US_PER_H, () => cluster.restore(6)); // someone else brings 6 back…
    sim.schedule(2.5 * US_PER_H, () => injector.failDomain(0, 5 * US_PER_H)); // …and the domain takes 0–3 and 6 until 7.5 h
    sim.schedule(2.75 * US_PER_H, () => cluster.restore(5)); // someone else brings 5 back
    sim.run();
    const rows = sim.records
      .filter((r) => r.kind.endsWith("Lost") || r.kind.endsWith("Restored"))
      .filter((r) => r.kind !== "NodeRestored")
      .map((r) => [r.kind, (r.timeUs as number) / US_PER_H, r.target, r.nodes]);
    expect(rows).toEqual([
      ["RackPowerLost", 1, "r01", [4, 5, 6, 7]],
      ["PowerDomainLost", 2.5, "d00", [0, 1, 2, 3, 6]],
      ["RackPowerRestored", 3, "r01", [4, 7]],
      ["PowerDomainRestored", 7.5, "d00", [0, 1, 2, 3, 6]],
    ]);
    for (let node = 0; node < 8; node++) expect(cluster.isUp(node)).toBe(true);
    cluster.checkInvariants();
  });
});

describe("rack power outage: drawn events", () => {
  function runBare(seed: number, racks: number, horizonUs: number, options: CorrelatedFailureOptions, withNodeCrashes = false) {
    const sim = new Sim({ seed, keepRecords: true });
    const cluster = new Cluster(sim, { racks, nodesPerRack: 4, gpusPerNode: 1 });
    const injector = new CorrelatedFailureInjector(sim, cluster, options);
    injector.start();
    if (withNodeCrashes) {
      new NodeCrashInjector(sim, cluster, {
        timeToFailureS: { kind: "exponential", mean: 30 * DAY_S },
        repairS: { kind: "exponential", mean: 3 * DAY_S },
      }).start();
    }
    sim.run(horizonUs);
    cluster.checkInvariants();
    return { sim, injector };
  }

  it("draws each rack's outages from its own stream, failures.rack-power.r0k: first loss and repair as the stream says", () => {
    const seed = 11;
    const { sim } = runBare(seed, 3, 10 * US_PER_YEAR, RACK_POWER);
    for (let rack = 0; rack < 3; rack++) {
      const stream = new RngStream(seed, `failures.rack-power.r0${rack}`);
      const firstUs = secondsToUs(sample(stream, RACK_POWER.timeToFailureS));
      const repairUs = secondsToUs(sample(stream, RACK_POWER.repairS));
      const first = sim.records.find((r) => r.kind === "RackPowerLost" && r.target === `r0${rack}`);
      expect(first).toMatchObject({ timeUs: firstUs, repairUs, nodes: [0, 1, 2, 3].map((slot) => rack * 4 + slot), source: "drawn" });
    }
  });

  it("power domains: racksPerDomain racks go together, streams failures.power-domain.dNN, the last domain may be short", () => {
    const seed = 5;
    const options = { ...RACK_POWER, racksPerDomain: 2 };
    const { sim, injector } = runBare(seed, 5, 20 * US_PER_YEAR, options);
    expect(injector.domainCount).toBe(3);
    const lost = sim.records.filter((r) => r.kind === "PowerDomainLost");
    expect(lost.length).toBeGreaterThan(0);
    expect(sim.records.some((r) => r.kind === "RackPowerLost")).toBe(false);
    const nodesOf = { d00: [0, 1, 2, 3, 4, 5, 6, 7], d01: [8, 9, 10, 11, 12, 13, 14, 15], d02: [16, 17, 18, 19] };
    for (const r of lost) expect(r.nodes).toEqual(nodesOf[r.target as keyof typeof nodesOf]);
    const stream = new RngStream(seed, "failures.power-domain.d02");
    expect(lost.find((r) => r.target === "d02")!.timeUs).toBe(secondsToUs(sample(stream, options.timeToFailureS)));
  });

  it("same seed, same events; another seed, others; node crashes elsewhere shift no outage", () => {
    const horizonUs = 40 * US_PER_YEAR;
    const outages = (records: readonly SimRecord[]) =>
      records.filter((r) => r.kind === "RackPowerLost").map((r) => [r.timeUs, r.target, r.repairUs]);
    const a = runBare(3, 6, horizonUs, RACK_POWER).sim.records;
    const b = runBare(3, 6, horizonUs, RACK_POWER).sim.records;
    const c = runBare(4, 6, horizonUs, RACK_POWER).sim.records;
    const d = runBare(3, 6, horizonUs, RACK_POWER, true).sim.records;
    expect(outages(a).length).toBeGreaterThan(50);
    expect(b).toEqual(a);
    expect(outages(c)).not.toEqual(outages(a));
    // With node crashes running too, every outage comes at the same time with the same repair
    // (only which nodes were up to take down differs): strategies see the same failures.
    expect(outages(d)).toEqual(outages(a));
    expect(d.some((r) => r.kind === "RackPowerLost" && (r.nodes as number[]).length < 4)).toBe(true);
    checkRecords(d, 24, horizonUs);
  });

  it("counts per rack over 250 years stay within 4√mean of H / (MTBF + mean repair)", () => {
    // 250 years: the clock holds 2^53 µs, about 285 years.
    const racks = 40;
    const horizonUs = 250 * US_PER_YEAR;
    const { sim } = runBare(21, racks, horizonUs, RACK_POWER);
    const meanRepairS = 4 * 3_600 * Math.exp(0.5); // lognormal mean: median · e^(σ²/2)
    const expected = horizonUs / US_PER_S / (2 * YEAR_S + meanRepairS);
    const counts = new Map<string, number>();
    for (const r of sim.records) if (r.kind === "RackPowerLost") counts.set(r.target as string, (counts.get(r.target as string) ?? 0) + 1);
    expect(counts.size).toBe(racks);
    let total = 0;
    for (const count of counts.values()) {
      expect(Math.abs(count - expected)).toBeLessThan(4 * Math.sqrt(expected));
      total += count;
    }
    expect(Math.abs(total - racks * expected)).toBeLessThan(4 * Math.sqrt(racks * expected));
  });
});

/** Gaps between successive crashes of each node, seconds: the first `perNode` of every node. */
function crashGapsS(timeToFailureS: DistributionSpec, nodes: number, perNode: number, horizonUs: number, repairS: number): Float64Array {
  const sim = new Sim({ seed: 2024, keepRecords: true });
  const cluster = new Cluster(sim, { racks: nodes / 20, nodesPerRack: 20, gpusPerNode: 1 });
  new NodeCrashInjector(sim, cluster, { timeToFailureS, repairS: { kind: "constant", value: repairS } }).start();
  sim.run(horizonUs);
  const last = new Float64Array(nodes).fill(-1);
  const taken = new Int32Array(nodes);
  const gaps = new Float64Array(nodes * perNode);
  let n = 0;
  for (const r of sim.records) {
    if (r.kind !== "NodeCrashed") continue;
    const node = r.node as number;
    const timeUs = r.timeUs as number;
    if (last[node] >= 0 && taken[node] < perNode) {
      gaps[n++] = (timeUs - last[node]) / US_PER_S;
      taken[node]++;
    }
    last[node] = timeUs;
  }
  // Taking the first perNode gaps of every node keeps them i.i.d.; gaps cut by the horizon
  // would favour short ones.
  expect(n).toBe(nodes * perNode);
  return gaps;
}

/** Raw moment E[T^r] of a Weibull of shape k and scale λ: λ^r Γ(1 + r/k). */
function weibullMoment(shape: number, scale: number, r: number): number {
  return scale ** r * gamma(1 + r / shape);
}

describe("Weibull shape < 1 produces clustered failures (NodeCrashInjector)", () => {
  // 500 nodes, MTBF 30 d, 20 years: about 243 crashes a node (sd ≈ 27 at shape 0.6), of
  // which the first 100 gaps are used. Repair is a constant 1 s, so a gap is 1 s + T.
  const nodes = 500;
  const perNode = 100;
  const meanS = 30 * DAY_S;
  const repairS = 1;
  const horizonUs = 20 * US_PER_YEAR;
  const dayS = US_PER_DAY / US_PER_S;

  for (const shape of [0.6, 1]) {
    const spec: DistributionSpec = shape === 1 ? { kind: "exponential", mean: meanS } : { kind: "weibull", shape, mean: meanS };
    it(`shape ${shape}: CV² of the gaps = Γ(1+2/k)/Γ(1+1/k)² − 1 and P(gap ≤ 1 d) = F(1 d) within 4 standard errors`, () => {
      const gaps = crashGapsS(spec, nodes, perNode, horizonUs, repairS);
      const n = gaps.length;
      let sum = 0;
      for (const g of gaps) sum += g;
      const mean = sum / n;
      let squares = 0;
      let withinDay = 0;
      for (const g of gaps) {
        squares += (g - mean) ** 2;
        if (g <= dayS) withinDay++;
      }
      const cv2 = squares / (n - 1) / mean ** 2;

      // Expected values from the Weibull's moments (shape 1 is the exponential).
      const scale = weibullScale(shape, meanS);
      const [m1, m2, m3, m4] = [1, 2, 3, 4].map((r) => weibullMoment(shape, scale, r));
      const mu2 = m2 - m1 ** 2;
      const mu3 = m3 - 3 * m1 * m2 + 2 * m1 ** 3;
      const mu4 = m4 - 4 * m1 * m3 + 6 * m1 ** 2 * m2 - 3 * m1 ** 4;
      const gapMean = m1 + repairS; // a shift moves the mean, not the central moments
      const cv2Expected = mu2 / gapMean ** 2;
      expect(cv2Expected).toBeCloseTo(shape === 1 ? 1 : gamma(1 + 2 / shape) / gamma(1 + 1 / shape) ** 2 - 1, 3);
      // Delta method for v / m²: Var(m̄) = μ2/n, Var(s²) ≈ (μ4 − μ2²)/n, Cov(m̄, s²) ≈ μ3/n.
      const dv = 1 / gapMean ** 2;
      const dm = (-2 * mu2) / gapMean ** 3;
      const cv2Se = Math.sqrt((dv ** 2 * (mu4 - mu2 ** 2) + dm ** 2 * mu2 + 2 * dv * dm * mu3) / n);
      expect(Math.abs(cv2 - cv2Expected)).toBeLessThan(4 * cv2Se);

      const p = 1 - Math.exp(-(((dayS - repairS) / scale) ** shape));
      const pSe = Math.sqrt((p * (1 - p)) / n);
      expect(Math.abs(withinDay / n - p)).toBeLessThan(4 * pSe);

      if (shape === 1) {
        expect(Math.sqrt(cv2)).toBeCloseTo(1, 1);
      } else {
        expect(Math.sqrt(cv2)).toBeGreaterThan(1.5); // ≈ 1.76 at shape 0.6
        // Clustered: a node that just failed fails again within a day about 4.6× as often
        // as under the exponential with the same mean (F(1 d) ≈ 0.153 vs 0.033).
        const pExponential = 1 - Math.exp(-(dayS - repairS) / meanS);
        expect(withinDay / n).toBeGreaterThan(3 * pExponential);
        expect(withinDay / n - pExponential).toBeGreaterThan(4 * (pSe + Math.sqrt((pExponential * (1 - pExponential)) / n)));
      }
    });
  }
});
