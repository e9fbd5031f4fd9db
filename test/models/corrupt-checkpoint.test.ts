import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ClusterModel } from "../../models/cluster/model.js";
import type { CheckpointPlan } from "../../models/strategies/checkpoint.js";
import { parseScenarioText } from "../../scenarios/parse.js";
import { scenarioSchema } from "../../scenarios/schema.js";
import { RngStream } from "../../sim/rng.js";
import { Sim } from "../../sim/sim.js";
import { US_PER_H, US_PER_MIN } from "../../sim/time.js";
import { plan, story } from "./checkpoint-story.js";
import { testModelOptions } from "./options.js";

/**
 * Silently corrupt checkpoints, found out at restart: stories on one node told by hand
 * (compute τ = 60 min, write C = 6 min, read R = 12 min, a 5 h job), then the fallback
 * rate and the work it costs against the geometric law over many crashes.
 */
/** The first draws of the corruption stream for `seed`: which checkpoints are corrupt at `p`. */
function corruptions(seed: number, p: number, count: number): boolean[] {
  const stream = new RngStream(seed, "checkpoint.corruption");
  return Array.from({ length: count }, () => stream.random() < p);
}

describe("corrupt checkpoints, by hand", () => {
  it("the seeds the stories use draw these corruptions", () => {
    // Seed 1 at p = 0.3: checkpoints 1, 3 and 4 corrupt, 2, 5 and 6 readable.
    expect(corruptions(1, 0.3, 6)).toEqual([true, false, true, true, false, false]);
    // Seed 3 at p = 0.1: only the 2nd.
    expect(corruptions(3, 0.1, 6)).toEqual([false, true, false, false, false, false]);
  });

  it("falls back past the corrupt checkpoints to the newest readable one, and loses the work between", () => {
    const corrupt = { ...plan, corruptProbability: 0.3 };
    // Attempt 1, 0–300: checkpoint k saves 60k min at 66k min; crash at 300: 36 min lost.
    // Attempt 2 from 310 reads checkpoint 4 (240 min saved) and finds it corrupt, so does
    // 3; reads 2 (120 min): 310–334, two reads; 120 min more lost. Then 180 min of work,
    // writing checkpoint 5 (readable) 394–400; crash at 420: 20 min lost.
    // Attempt 3 from 430 reads 5 (180 min, readable: no fallback) 430–442, then τ C τ: 568.
    expect(
      story(corrupt, [
        [300, 310],
        [420, 430],
      ]),
    ).toMatchObject({
      endMin: 568,
      useful: 300,
      lost: 36 + 120 + 20,
      overhead: 4 * 6 + 2 * 12 + 6 + 12 + 6,
      busy: 300 + 110 + 138,
      fallbacks: 1,
    });
  });

  it("restarts from the start when no readable checkpoint is left", () => {
    // Checkpoint 1 (60 min, 60–66) is corrupt; crash at 100: 34 lost. From 110 the read
    // (110–122) finds it corrupt: the 60 min are lost too, and 300 min of work follow with
    // four writes: 122 + 324 = 446.
    expect(story({ ...plan, corruptProbability: 0.3 }, [[100, 110]])).toMatchObject({
      endMin: 446,
      useful: 300,
      lost: 94,
      overhead: 6 + 12 + 4 * 6,
      busy: 100 + 324 + 12,
      fallbacks: 1,
    });
  });

  it("a corrupt increment breaks its chain: back to the last readable point before it", () => {
    // A full checkpoint every 3rd, increments write half (3 min). Seed 3 at p = 0.1: the
    // full checkpoint (60 min, 60–66) readable, increment 2 (120, 126–129) corrupt,
    // increment 3 (180, 189–192) readable but after a broken link. Crash at 200: 8 lost.
    // From 210: read full + 2 increments (2 × 12 = 24 min, 210–234), corrupt: back to the
    // full one (120 min lost), read it (12 min, 234–246); 240 min of work follow, the chain
    // going on from that full one: increment, increment, full: 246 + 240 + 3 + 3 + 6 = 498.
    const incremental = { ...plan, incremental: { fullEvery: 3, dirtyFraction: 0.5 }, corruptProbability: 0.1 };
    expect(story(incremental, [[200, 210]], 3)).toMatchObject({
      endMin: 498,
      useful: 300,
      lost: 8 + 120,
      overhead: 6 + 3 + 3 + 24 + 12 + 3 + 3 + 6,
      busy: 200 + 288,
      fallbacks: 1,
    });
  });

  it("changes nothing until a restart reads a checkpoint back", () => {
    // Without failures, corrupt checkpoints are never read: the same run as without them.
    const { fallbacks: withFallbacks, ...withCorruption } = story({ ...plan, corruptProbability: 0.9 }, []);
    const { fallbacks: without, ...clean } = story(plan, []);
    expect(withCorruption).toEqual(clean);
    expect(withFallbacks).toBe(0);
    expect(without).toBeNull(); // not modelled: null, not a made-up zero
  });
});

describe("corrupt checkpoints, any outages (fast-check)", () => {
  it("book every node-minute once; fallbacks lose whole intervals, one fallback per restart at most", () => {
    const outages = fc
      .array(fc.tuple(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 60 })), { minLength: 1, maxLength: 6 })
      .map((gaps) => {
        // Crash after `up` minutes up, repaired `down` minutes later: disjoint outages in order.
        let at = 0;
        return gaps.map(([up, down]) => {
          const crash = at + up;
          at = crash + down;
          return [crash, at] as const;
        });
      });
    fc.assert(
      fc.property(outages, fc.double({ min: 0.05, max: 0.9, noNaN: true }), fc.boolean(), (outageList, p, incremental) => {
        const checkpoint: CheckpointPlan = {
          ...plan,
          corruptProbability: p,
          ...(incremental ? { incremental: { fullEvery: 3, dirtyFraction: 0.5 } } : {}),
        };
        const sim = new Sim({ seed: 5, keepRecords: true });
        const model = new ClusterModel(
          sim,
          testModelOptions({
            horizonUs: 48 * US_PER_H,
            cluster: { racks: 1, nodesPerRack: 1, gpusPerNode: 1 },
            workload: { generator: null, trace: null, maxRequeues: 10 },
            checkpoint,
          }),
        );
        model.submit(1, 5 * US_PER_H);
        for (const [crashMin, repairMin] of outageList) {
          sim.scheduleAt(crashMin * US_PER_MIN, () => model.cluster.crash(0));
          sim.scheduleAt(repairMin * US_PER_MIN, () => model.cluster.restore(0));
        }
        const result = model.run();
        const { useful, lost, overhead, busy } = result.nodeHours;
        expect(Math.abs(useful + lost + overhead - busy)).toBeLessThan(1e-9 * busy);
        // The job ends done within two days: all its work useful, none left over in flight.
        expect(sim.records.some((r) => r.kind === "JobCompleted")).toBe(true);
        expect(useful * US_PER_H).toBeCloseTo(5 * US_PER_H, 3);
        const fallbacks = sim.records.filter((r) => r.kind === "CheckpointCorrupt");
        const restarts = sim.records.filter((r) => r.kind === "JobStarted").length - 1;
        expect(result.metrics.checkpoint_fallbacks).toBe(fallbacks.length);
        expect(fallbacks.length).toBeLessThanOrEqual(Math.max(0, restarts));
        // Each checkpoint saves one interval at full pace: a fallback steps back whole ones.
        for (const fallback of fallbacks) expect((fallback.lostUs as number) % plan.intervalUs).toBe(0);
        const steppedBackUs = fallbacks.reduce((sum, r) => sum + (r.lostUs as number), 0);
        expect(lost * US_PER_H).toBeGreaterThanOrEqual(steppedBackUs - 1e-3);
      }),
      { numRuns: 150, seed: 20261206 },
    );
  });
});

describe("corrupt checkpoints, many crashes", () => {
  /**
   * One long job on one node, τ = 60 min, C = R = 1 min, a crash every 12 h (repaired in
   * 1 min): each attempt writes about 11 checkpoints, so a restart's latest is a fresh one,
   * corrupt with probability p, and the number of checkpoints it steps back over is
   * geometric: P(≥ k) = p^k, mean p / (1 − p) (cut off at 11, which changes it by < p^11).
   */
  function manyCrashes(p: number, crashes: number) {
    const tauUs = 60 * US_PER_MIN;
    const sim = new Sim({ seed: 7, keepRecords: true });
    const horizonUs = (crashes + 1) * 12 * US_PER_H;
    const model = new ClusterModel(
      sim,
      testModelOptions({
        horizonUs,
        cluster: { racks: 1, nodesPerRack: 1, gpusPerNode: 1 },
        workload: { generator: null, trace: null, maxRequeues: crashes + 1 },
        checkpoint: { policy: "fixed", intervalUs: tauUs, costUs: US_PER_MIN, restartUs: US_PER_MIN, sizeBytes: 0, corruptProbability: p },
      }),
    );
    model.submit(1, horizonUs * 2);
    for (let i = 1; i <= crashes; i++) {
      sim.scheduleAt(i * 12 * US_PER_H, () => model.cluster.crash(0));
      sim.scheduleAt(i * 12 * US_PER_H + US_PER_MIN, () => model.cluster.restore(0));
    }
    const result = model.run();
    const steppedBackUs = sim.records.filter((r) => r.kind === "CheckpointCorrupt").reduce((sum, r) => sum + (r.lostUs as number), 0);
    return { result, tauUs, steppedBackUs };
  }

  it("the fallback fraction is p, and a failure costs τ·p/(1 − p) more work on average", () => {
    const p = 0.2;
    const crashes = 2_000;
    const { result, tauUs, steppedBackUs } = manyCrashes(p, crashes);
    const fallbacks = result.metrics.checkpoint_fallbacks!;
    // Binomial: sd √(p(1 − p)/n) ≈ 0.009; 4 sd.
    expect(Math.abs(fallbacks / crashes - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / crashes));
    // Steps back: mean p/(1 − p) = 0.25, variance p/(1 − p)² = 0.3125; 4 sd of the mean.
    const meanSteps = steppedBackUs / tauUs / crashes;
    expect(Math.abs(meanSteps - p / (1 - p))).toBeLessThan(4 * Math.sqrt(p / (1 - p) ** 2 / crashes));
    // Every step back is a whole interval of work.
    expect(steppedBackUs % tauUs).toBe(0);
    // It is booked as lost work: the compute cut short by each crash (≤ τ + C each) plus the fallbacks.
    const lostUs = result.nodeHours.lost * US_PER_H;
    expect(lostUs).toBeGreaterThan(steppedBackUs);
    expect(lostUs - steppedBackUs).toBeLessThan(crashes * (tauUs + US_PER_MIN));
  });

  it("more corruption, more fallbacks and more lost work, on the same crashes", () => {
    const low = manyCrashes(0.05, 300);
    const high = manyCrashes(0.4, 300);
    expect(high.result.metrics.checkpoint_fallbacks!).toBeGreaterThan(low.result.metrics.checkpoint_fallbacks!);
    expect(high.result.nodeHours.lost).toBeGreaterThan(low.result.nodeHours.lost);
  });
});

describe("corruptProbability in a scenario", () => {
  const scenario = (checkpoint: string) => `
name: s
description: d
horizon: 10d
cluster:
  racks: 1
  nodesPerRack: 4
  node: { gpus: 8 }
  storage: { osts: 4, ostGBps: 5, burstBuffer: { capacityTB: 50, GBps: 400 } }
workload:
  generator: { arrivalsPerHour: 1, nodes: { empirical: [1] }, runtime: { lognormal: { median: 3h, sigma: 0.5 } } }
failures:
  - { kind: node-crash, mtbf: 30d, repair: 4h }
strategies:
  - { name: a, checkpoint: ${checkpoint} }
`;
  const problems = (checkpoint: string) => {
    const parsed = parseScenarioText(scenario(checkpoint), "s.yaml", scenarioSchema);
    return parsed.ok ? [] : parsed.problems;
  };

  it("is a probability below 1, on every policy that writes checkpoints", () => {
    expect(problems("{ policy: daly, cost: 5m, corruptProbability: 0.1 }")).toEqual([]);
    expect(problems("{ policy: fixed, interval: 1h, cost: 5m, corruptProbability: 0 }")).toEqual([]);
    expect(problems("{ policy: on-notice, cost: 5m, corruptProbability: 0.5 }")).toEqual([]);
    expect(problems("{ policy: daly, cost: 5m, corruptProbability: 1 }")).toEqual([expect.stringMatching(/strategies\[0\]\.checkpoint\.corruptProbability/)]);
    expect(problems("{ policy: adaptive, cost: 5m, corruptProbability: -0.1 }")).toEqual([expect.stringMatching(/strategies\[0\]\.checkpoint\.corruptProbability/)]);
    expect(problems("{ policy: none, corruptProbability: 0.1 }")).not.toEqual([]);
  });

  it("is refused with the burst-buffer tier, naming the field", () => {
    const found = problems("{ policy: fixed, interval: 1h, sizeGB: 100, tier: burst-buffer, corruptProbability: 0.1 }");
    expect(found).toEqual([expect.stringMatching(/strategies\[0\]\.checkpoint\.corruptProbability: corrupt checkpoints are not modelled with the burst-buffer tier/)]);
  });
});
