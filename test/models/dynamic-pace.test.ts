import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ClusterModel } from "../../models/cluster/model.js";
import type { ClusterModelOptions } from "../../models/cluster/options.js";
import { ClockCause } from "../../models/hardware/cluster.js";
import type { Job } from "../../models/workload/job.js";
import { Sim } from "../../sim/sim.js";
import { US_PER_H, US_PER_S } from "../../sim/time.js";
import { testModelOptions } from "./options.js";

/**
 * A running job feels changes as they happen: its pace follows its slowest node's clock
 * and its share of the fabric, and its end moves. The expected ends are worked by hand.
 */

function endOf(sim: Sim, job: Job): number {
  const completed = sim.records.find((r) => r.kind === "JobCompleted" && r.job === job.id);
  if (completed === undefined) throw new Error(`job ${job.id} did not complete`);
  return completed.timeUs as number;
}

describe("a node's clock changing under a running job", () => {
  function oneJob(changes: (model: ClusterModel) => void, workUs = 2 * US_PER_H) {
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = new ClusterModel(sim, testModelOptions({ cluster: { racks: 1, nodesPerRack: 1, gpusPerNode: 8 } }));
    const job = model.submit(1, workUs);
    changes(model);
    const result = model.run();
    return { end: endOf(sim, job), result };
  }

  it("drops to 0.5 halfway: the job takes W/2 + (W/2)/0.5, and the extra hour is heat's", () => {
    const { end, result } = oneJob((model) => model.sim.scheduleAt(US_PER_H, () => model.cluster.throttle(0, 0.5, ClockCause.Thermal)));
    expect(end).toBe(US_PER_H + US_PER_H / 0.5);
    expect(result.metrics.degraded_gpu_h).toBeCloseTo(8, 9); // 1 h beyond 2 h of work, on 8 GPUs
    expect(result.metrics.slowdown_thermal_gpu_h).toBeCloseTo(8, 9);
    expect(result.metrics.slowdown_degraded_gpu_h).toBe(0);
    expect(result.metrics.slowdown_fabric_gpu_h).toBe(0);
  });

  it("restored an hour later: the piecewise sum, 1 h + 1 h at 0.5 + the last 0.5 h at full clock", () => {
    const { end, result } = oneJob((model) => {
      model.sim.scheduleAt(US_PER_H, () => model.cluster.throttle(0, 0.5, ClockCause.Degraded));
      model.sim.scheduleAt(2 * US_PER_H, () => model.cluster.restoreClock(0));
    });
    expect(end).toBe(2.5 * US_PER_H);
    expect(result.metrics.slowdown_degraded_gpu_h).toBeCloseTo(0.5 * 8, 9);
    expect(result.metrics.slowdown_thermal_gpu_h).toBe(0);
  });

  it("a straggler: one node of four throttling halfway slows the whole job from then on", () => {
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = new ClusterModel(sim, testModelOptions({ cluster: { racks: 1, nodesPerRack: 4, gpusPerNode: 8 } }));
    const job = model.submit(4, 2 * US_PER_H);
    sim.scheduleAt(US_PER_H, () => model.cluster.throttle(2, 0.8, ClockCause.Thermal));
    const result = model.run();
    expect(endOf(sim, job)).toBe(US_PER_H + US_PER_H / 0.8);
    expect(result.metrics.slowdown_thermal_gpu_h).toBeCloseTo(4 * 8 * (1 / 0.8 - 1), 9);
  });

  it("with checkpoints: each write saves the work done at the paces it ran at", () => {
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = new ClusterModel(
      sim,
      testModelOptions({
        cluster: { racks: 1, nodesPerRack: 1, gpusPerNode: 8 },
        checkpoint: { policy: "fixed", intervalUs: 40 * 60 * US_PER_S, costUs: 60 * US_PER_S, restartUs: 60 * US_PER_S, sizeBytes: 0 },
      }),
    );
    const job = model.submit(1, 2 * US_PER_H);
    sim.scheduleAt(US_PER_H, () => model.cluster.throttle(0, 0.5, ClockCause.Thermal));
    const result = model.run();
    // Minutes of wall time: compute 0–40 (40 of work), write 40–41; compute 41–81, at full
    // clock to 60 then at 0.5 (19 + 10.5 = 29.5 of work), write 81–82; compute 82–122 (20),
    // write; 123–163 (20), write; 109.5 of work saved by 164, the last 10.5 take 21 min.
    expect(endOf(sim, job)).toBe(185 * 60 * US_PER_S);
    expect(result.metrics.checkpoint_overhead_gpu_h).toBeCloseTo((4 * 60 * 8) / 3_600, 9);
    // 181 min of wall compute for 120 of work: 61 min on 8 GPUs, all heat's.
    expect(result.metrics.slowdown_thermal_gpu_h).toBeCloseTo((61 * 8) / 60, 9);
  });
});

describe("two jobs sharing a bottleneck link", () => {
  // Two racks of two nodes, one spine, 100 Gb/s links and oversubscription 2: a leaf's one
  // uplink carries 2 × 100 / 2 = 100 Gb/s. Spread placement puts each 2-node job across
  // both racks, so both rings cross both leaves' uplinks: together each ring flow gets
  // 50 Gb/s, alone 100. With no latency, a 2-rank ring all-reduce of S bytes takes S·8/B:
  // 1 GB every 1 s of compute costs 0.16 s shared, 0.08 s alone.
  const ITERATION_US = 1e6;
  const SHARED = ITERATION_US / (ITERATION_US + 160_000);
  const ALONE = ITERATION_US / (ITERATION_US + 80_000);

  function run(workA: number, workB: number) {
    const options: ClusterModelOptions = testModelOptions({
      cluster: { racks: 2, nodesPerRack: 2, gpusPerNode: 8 },
      fabric: { linkGbps: 100, oversubscription: 2, spineCount: 1, linkLatencyUs: 0, switchLatencyUs: 0 },
      scheduler: { backfill: "none", priority: null, placement: "spread", enforceTimeLimit: false, preemption: null },
    });
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = new ClusterModel(sim, options);
    const communication = { bytes: 1e9, iterationUs: ITERATION_US };
    const a = model.submit(2, workA, undefined, undefined, communication);
    const b = model.submit(2, workB, undefined, undefined, communication);
    const result = model.run();
    return { a: endOf(sim, a), b: endOf(sim, b), result };
  }

  it("share it while both run; when one ends, the other speeds up and ends earlier by the worked amount", () => {
    const { a, b, result } = run(2 * US_PER_H, US_PER_H);
    expect(b).toBe(Math.ceil(US_PER_H / SHARED));
    // A did b·SHARED of its work by then; the rest goes at the pace of a ring alone.
    expect(a).toBe(b + Math.ceil((2 * US_PER_H - b * SHARED) / ALONE));
    // Had the pace stayed fixed at the start, A would have ended at 2 h / SHARED: later.
    expect(a).toBeLessThan(Math.ceil((2 * US_PER_H) / SHARED));
    // All slowness is the fabric's, and it adds up to the degraded time.
    expect(result.metrics.slowdown_fabric_gpu_h).toBeCloseTo(result.metrics.degraded_gpu_h!, 9);
    expect(result.metrics.slowdown_thermal_gpu_h).toBe(0);
  });

  it("a link cut under a running job: rerouted over another spine it slows; with no other path it fails then", () => {
    const withLinkDown = (spineCount: number, linkDown: boolean) => {
      const options: ClusterModelOptions = testModelOptions({
        cluster: { racks: 2, nodesPerRack: 2, gpusPerNode: 8 },
        fabric: { linkGbps: 100, oversubscription: 1, spineCount, linkLatencyUs: 0, switchLatencyUs: 0 },
        scheduler: { backfill: "none", priority: null, placement: "spread", enforceTimeLimit: false, preemption: null },
        timedFaults: linkDown ? [{ kind: "link-down", atUs: US_PER_H, durationUs: 10 * US_PER_H, leaf: 0, spine: 0 }] : [],
      });
      const sim = new Sim({ seed: 1, keepRecords: true });
      const model = new ClusterModel(sim, options);
      const job = model.submit(2, 2 * US_PER_H, undefined, undefined, { bytes: 1e9, iterationUs: ITERATION_US });
      // A second ring whose flows take the other spine until the cut puts both on one uplink.
      model.submit(2, 2 * US_PER_H, undefined, undefined, { bytes: 1e9, iterationUs: ITERATION_US });
      const result = model.run();
      const killed = sim.records.find((r) => r.kind === "JobKilled" && r.job === job.id);
      const completed = sim.records.find((r) => r.kind === "JobCompleted" && r.job === job.id);
      return { killed, completedUs: completed?.timeUs as number | undefined, result };
    };
    // Two spines: the cut leaf's flows move to the other spine's uplink; the job ends later.
    const rerouted = withLinkDown(2, true);
    expect(rerouted.killed).toBeUndefined();
    expect(rerouted.completedUs!).toBeGreaterThan(withLinkDown(2, false).completedUs!);
    // One spine: no path round the cut; the job fails as the link goes, not at a later start.
    const cut = withLinkDown(1, true);
    expect(cut.killed?.timeUs).toBe(US_PER_H);
    expect(cut.killed?.cause).toBe("network-partition");
    expect(cut.result.metrics.jobs_failed).toBe(2);
  });

  it("the ledger adds up under random clock changes on jobs sharing the fabric", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ atS: fc.integer({ min: 1, max: 20_000 }), node: fc.integer({ min: 0, max: 3 }), clock: fc.constantFrom(0.5, 0.7, 0.9, 1) }), { maxLength: 12 }),
        fc.integer({ min: 600, max: 7_200 }),
        (changes, workS) => {
          const options = testModelOptions({
            cluster: { racks: 2, nodesPerRack: 2, gpusPerNode: 8 },
            fabric: { linkGbps: 100, oversubscription: 2, spineCount: 1, linkLatencyUs: 0, switchLatencyUs: 0 },
            scheduler: { backfill: "none", priority: null, placement: "spread", enforceTimeLimit: false, preemption: null },
          });
          const sim = new Sim({ seed: 1 });
          const model = new ClusterModel(sim, options);
          for (let i = 0; i < 4; i++) model.submit(i % 2 === 0 ? 2 : 1, (workS + i * 500) * US_PER_S, undefined, undefined, { bytes: 1e9, iterationUs: ITERATION_US });
          for (const change of changes) {
            sim.scheduleAt(change.atS * US_PER_S, () =>
              change.clock === 1 ? model.cluster.restoreClock(change.node) : model.cluster.throttle(change.node, change.clock, change.node % 2 === 0 ? ClockCause.Thermal : ClockCause.Degraded),
            );
          }
          // finish() checks that node-hours add up and that the slowdowns add up to degraded time.
          const { metrics } = model.run();
          expect(metrics.jobs_completed).toBe(4);
          const slowdowns = metrics.slowdown_fabric_gpu_h! + metrics.slowdown_thermal_gpu_h! + metrics.slowdown_degraded_gpu_h!;
          expect(slowdowns).toBeCloseTo(metrics.degraded_gpu_h!, 6);
        },
      ),
      { numRuns: 40 },
    );
  });
});
