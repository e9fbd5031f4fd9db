import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ClusterModel } from "../../models/cluster/model.js";
import { type ClusterModelOptions } from "../../models/cluster/options.js";
import { ThermalModel, type ThermalOptions } from "../../models/failures/thermal.js";
import type { Placement } from "../../models/hardware/cluster.js";
import type { SimRecord } from "../../sim/sim.js";
import { Sim } from "../../sim/sim.js";
import { US_PER_H, US_PER_S } from "../../sim/time.js";
import { testModelOptions } from "../models/options.js";

/** Hand-placed jobs only, first-fit unless told, no other failures. */
function modelOptions(overrides: Partial<ClusterModelOptions> = {}, placement: Placement = "first-fit"): ClusterModelOptions {
  return testModelOptions({
    horizonUs: 3 * US_PER_H,
    cluster: { racks: 2, nodesPerRack: 4, gpusPerNode: 8 },
    scheduler: { backfill: "none", priority: null, placement, enforceTimeLimit: false, preemption: null },
    ...overrides,
  });
}

// τ = 5 min, updated every minute. A busy node settles 50 °C above its inlet, and 30% of the
// mean heat of its rack-mates reaches its inlet: in a full rack a busy node settles at
// 30 + 50 + 0.3 × 50 = 95 °C. Throttling from 80 °C, in 4 levels of 0.1 down to 0.6 (the
// ramp reaches it at 90 °C); the full clock returns below 65 °C. The band is wide enough
// that a cooling GPU spends at least one step in it (e^(−Δ/τ) = 0.82 > (65 − 30)/(80 − 30)).
const STEP_S = 60;
const TAU_S = 300;
const THERMAL: ThermalOptions = {
  stepUs: STEP_S * US_PER_S,
  timeConstantUs: TAU_S * US_PER_S,
  ambientC: 30,
  heatPerBusyNodeC: 50,
  rackCouplingFraction: 0.3,
  throttleAtC: 80,
  maxC: 90,
  minClockFactor: 0.6,
  clockSteps: 4,
  hysteresisC: 15,
  keepSamples: true,
};

function ofKind(sim: Sim, kind: string): SimRecord[] {
  return sim.records.filter((r) => r.kind === kind);
}

function timeOf(record: SimRecord): number {
  return record.timeUs as number;
}

/**
 * When `workUs` of work started at `startUs` on `nodes` ends, by hand from the clock
 * records: the job runs at its slowest node's clock as it changes, so the work done is the
 * piecewise sum of clock × time, and what is left after the last change takes whole µs at
 * the last clock (rounded up).
 */
function endOfWorkUs(sim: Sim, nodes: readonly number[], startUs: number, workUs: number): number {
  const clocks = new Map<number, number>(nodes.map((node) => [node, 1]));
  const changes = sim.records.filter((r) => (r.kind === "GpuThrottled" || r.kind === "GpuClockRestored") && clocks.has(r.node as number));
  // The clocks as the job started.
  for (const r of changes.filter((r) => timeOf(r) <= startUs)) clocks.set(r.node as number, r.kind === "GpuThrottled" ? (r.clockFactor as number) : 1);
  let clock = Math.min(...clocks.values());
  let workDone = 0;
  let sinceUs = startUs;
  let endUs = startUs + (clock === 1 ? workUs : Math.ceil(workUs / clock));
  for (const r of changes.filter((r) => timeOf(r) > startUs)) {
    if (timeOf(r) >= endUs) break;
    clocks.set(r.node as number, r.kind === "GpuThrottled" ? (r.clockFactor as number) : 1);
    const next = Math.min(...clocks.values());
    if (next === clock) continue;
    workDone += (timeOf(r) - sinceUs) * clock;
    sinceUs = timeOf(r);
    clock = next;
    endUs = sinceUs + Math.ceil(Math.max(0, workUs - workDone) / clock);
  }
  return endUs;
}

describe("thermal throttling on one rack: a story", () => {
  // Rack 0 (nodes 0–3) runs four 1-node jobs of 1 h of work from t = 0; rack 1 (nodes 4–7)
  // is drained and stays idle. The jobs slow as rack 0 heats and throttles; four probes of
  // 10 min, submitted at 1 h, wait for them and start on the still-hot rack 0.
  const PROBE_WORK_US = 600 * US_PER_S;
  const HOT_C = 30 + 50 + 0.3 * 50; // T∞ of a busy node in a full rack: 95 °C

  function story() {
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = new ClusterModel(sim, modelOptions());
    const thermal = new ThermalModel(sim, model.cluster, THERMAL);
    for (let node = 4; node < 8; node++) model.cluster.drain(node);
    const jobs = Array.from({ length: 4 }, () => model.submit(1, US_PER_H).id);
    const probes: number[] = [];
    sim.schedule(US_PER_H, () => {
      for (let i = 0; i < 4; i++) probes.push(model.submit(1, PROBE_WORK_US).id);
    });
    // Read temperatures 1 µs after each of the first 20 steps (they hold between steps).
    const readings: Array<{ k: number; busyC: number; idleC: number }> = [];
    for (let k = 1; k <= 20; k++) {
      sim.schedule(k * STEP_S * US_PER_S + 1, () => readings.push({ k, busyC: thermal.temperatureC(0), idleC: thermal.temperatureC(4) }));
    }
    thermal.start();
    const result = model.run();
    return { sim, model, thermal, result, jobs, probes, readings };
  }

  /** The same probe on a cool cluster. */
  function coolProbeUs(): number {
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = new ClusterModel(sim, modelOptions());
    const thermal = new ThermalModel(sim, model.cluster, THERMAL);
    const probe = model.submit(1, PROBE_WORK_US);
    thermal.start();
    model.run();
    const started = ofKind(sim, "JobStarted").find((r) => r.job === probe.id)!;
    const completed = ofKind(sim, "JobCompleted").find((r) => r.job === probe.id)!;
    return timeOf(completed) - timeOf(started);
  }

  it("heats busy nodes along the analytic first-order step response; idle nodes stay at ambient", () => {
    const { sim, readings } = story();
    expect(ofKind(sim, "JobStarted").slice(0, 4).map((r) => r.nodes)).toEqual([[0], [1], [2], [3]]);
    // Exact update per step: T(kΔ) = T∞ + (T0 − T∞)e^(−kΔ/τ), to rounding.
    expect(readings).toHaveLength(20);
    for (const { k, busyC, idleC } of readings) {
      expect(busyC).toBeCloseTo(HOT_C + (30 - HOT_C) * Math.exp((-k * STEP_S) / TAU_S), 9);
      expect(idleC).toBe(30);
    }
  });

  it("throttles at the first step past throttleAtC, within a few τ, and steps down to the minimum clock", () => {
    const { sim } = story();
    const throttled = ofKind(sim, "GpuThrottled").filter((r) => r.node === 0);
    // T crosses 80 °C at τ·ln((95 − 30)/(95 − 80)) = 440 s: the step at 480 s (1.6 τ) sees it.
    const crossingS = TAU_S * Math.log((HOT_C - 30) / (HOT_C - 80));
    expect(timeOf(throttled[0])).toBe(Math.ceil(crossingS / STEP_S) * STEP_S * US_PER_S);
    expect(throttled[0].temperatureC as number).toBeGreaterThan(80);
    expect(throttled[0].clockFactor).toBeCloseTo(0.9, 12);
    // The ramp 1 − 0.4·(T − 80)/10 is within one level (0.1) of the floor past 87.5 °C:
    // τ·ln(65/7.5) = 648 s, so the step at 660 s sets the clock to 0.6.
    const floor = throttled.find((r) => r.clockFactor === 0.6)!;
    expect(timeOf(floor)).toBe(Math.ceil((TAU_S * Math.log((HOT_C - 30) / (HOT_C - 87.5))) / STEP_S) * STEP_S * US_PER_S);
    expect(throttled.map((r) => r.clockFactor).slice(0, 4)).toEqual([0.9, 0.8, 0.7, 0.6].map((f) => expect.closeTo(f, 12)));
    // Rack 1 never warmed: no record names its nodes.
    expect(ofKind(sim, "GpuThrottled").every((r) => (r.node as number) < 4)).toBe(true);
  });

  it("slows a running job as its node throttles: its end is the piecewise sum of its clock over time", () => {
    const { sim, jobs } = story();
    for (const job of jobs) {
      const started = ofKind(sim, "JobStarted").find((r) => r.job === job)!;
      const completed = ofKind(sim, "JobCompleted").find((r) => r.job === job)!;
      expect(timeOf(started)).toBe(0);
      // Four clock steps (0.9 … 0.6) during its run, each moving its end later.
      const steps = ofKind(sim, "GpuThrottled").filter((r) => r.node === (started.nodes as number[])[0] && timeOf(r) < timeOf(completed));
      expect(steps.length).toBeGreaterThanOrEqual(4);
      expect(timeOf(completed)).toBe(endOfWorkUs(sim, started.nodes as number[], 0, US_PER_H));
      expect(timeOf(completed)).toBeGreaterThan(US_PER_H);
    }
  });

  it("runs a job that starts on throttled nodes slower by 1 / (its slowest node's clock)", () => {
    const { sim, probes } = story();
    const coolUs = coolProbeUs();
    expect(coolUs).toBe(PROBE_WORK_US);
    expect(probes).toHaveLength(4);
    for (const probe of probes) {
      const started = ofKind(sim, "JobStarted").find((r) => r.job === probe)!;
      const node = (started.nodes as number[])[0];
      expect(node).toBeLessThan(4); // first-fit put it on the hot rack
      // The clock its node had when it started: the last throttle before then.
      const clock = ofKind(sim, "GpuThrottled")
        .filter((r) => r.node === node && timeOf(r) <= timeOf(started))
        .at(-1)!.clockFactor as number;
      expect(clock).toBe(0.6);
      const hotUs = timeOf(ofKind(sim, "JobCompleted").find((r) => r.job === probe)!) - timeOf(started);
      expect(hotUs / coolUs).toBeCloseTo(1 / clock, 6);
    }
  });

  it("restores the clock only once the node has cooled past the hysteresis band", () => {
    const { sim, model, thermal } = story();
    const restored = ofKind(sim, "GpuClockRestored");
    expect(restored.map((r) => r.node).sort()).toEqual([0, 1, 2, 3]);
    const restoreUs = timeOf(restored[0]);
    for (const r of restored) {
      expect(timeOf(r)).toBe(restoreUs); // rack 0's nodes share one history
      expect(r.temperatureC as number).toBeLessThan(65);
    }
    // Rack 0 is the hottest: its steps from the probes' end to the restore are in `samples`.
    const cooling = thermal.samples.filter((s) => s.timeUs > 4_000 * US_PER_S && s.timeUs <= restoreUs);
    const inBand = cooling.filter((s) => s.maxC >= 65 && s.maxC <= 80);
    expect(inBand.length).toBeGreaterThan(0);
    // Below 80 °C but not yet below 65 °C: still throttled (the clock holds).
    for (const s of inBand) expect(s.throttledNodes).toBe(4);
    // Restored at the first step below 65 °C.
    expect(cooling.at(-1)!.maxC).toBeLessThan(65);
    expect(cooling.at(-2)!.maxC).toBeGreaterThanOrEqual(65);
    expect(cooling.at(-1)!.throttledNodes).toBe(0);
    expect(thermal.throttledNodeCount).toBe(0);
    for (let node = 0; node < 8; node++) expect(model.cluster.health(node).clockFactor).toBe(1);
  });
});

describe("placement and heat: first-fit against topology-aware on a rack-coupled cluster", () => {
  // 4 racks × 4 nodes; two waves of four 3-node jobs of 1 h (the second submitted as the
  // first ends). First-fit fills racks in order: racks 0–2 full, rack 3 empty, so every busy
  // node has 3 busy rack-mates. Topology-aware keeps each job in one rack, best fit: one job
  // per rack, so every busy node has 2 busy rack-mates of 3 and an idle one.
  // T∞ of a busy node = 30 + 45 + 0.3·45·(busy mates / 3):
  //   first-fit 88.5 °C, above the 85 °C threshold; topology 84 °C, below it.
  // So first-fit runs hotter and throttles: at 88.5 °C the clock is ceil(4 · 3.5/5) = 3
  // steps down, 0.7; jobs slow as the clock steps down, and the second wave waits longer.
  const options: ThermalOptions = {
    ...THERMAL,
    heatPerBusyNodeC: 45,
    throttleAtC: 85,
  };

  function run(placement: Placement) {
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = new ClusterModel(
      sim,
      modelOptions({ cluster: { racks: 4, nodesPerRack: 4, gpusPerNode: 8 }, horizonUs: 4 * US_PER_H }, placement),
    );
    const thermal = new ThermalModel(sim, model.cluster, options);
    for (let i = 0; i < 4; i++) model.submit(3, US_PER_H);
    sim.schedule(US_PER_H, () => {
      for (let i = 0; i < 4; i++) model.submit(3, US_PER_H);
    });
    thermal.start();
    const result = model.run();
    const busyByRack = [0, 0, 0, 0];
    for (const started of ofKind(sim, "JobStarted").slice(0, 4)) {
      for (const node of started.nodes as number[]) busyByRack[model.cluster.rackOf(node)]++;
    }
    return {
      sim,
      result,
      busyByRack,
      peakC: Math.max(...thermal.samples.map((s) => s.maxC)),
      throttledNodeH: thermal.throttledNodes.areaUs(4 * US_PER_H) / US_PER_H,
      lastEndUs: Math.max(...ofKind(sim, "JobCompleted").map(timeOf)),
    };
  }

  it("first-fit concentrates heat in full racks and throttles; topology-aware spreads it and does not", () => {
    const firstFit = run("first-fit");
    const topology = run("topology");
    // The mechanism: where the busy nodes are.
    expect(firstFit.busyByRack).toEqual([4, 4, 4, 0]);
    expect(topology.busyByRack).toEqual([3, 3, 3, 3]);
    // Same load, different heat.
    expect(firstFit.peakC).toBeCloseTo(88.5, 3);
    expect(topology.peakC).toBeCloseTo(84, 3);
    expect(firstFit.throttledNodeH).toBeGreaterThan(0);
    expect(topology.throttledNodeH).toBe(0);
    expect(ofKind(topology.sim, "GpuThrottled")).toHaveLength(0);
    // Under first-fit the clock steps down to 0.7 (3 steps) while the first wave runs.
    expect(Math.min(...ofKind(firstFit.sim, "GpuThrottled").map((r) => r.clockFactor as number))).toBeCloseTo(0.7, 12);
    // Every job ends when its work is done at its slowest node's clock, as that changed.
    for (const started of ofKind(firstFit.sim, "JobStarted")) {
      const completed = ofKind(firstFit.sim, "JobCompleted").find((r) => r.job === started.job)!;
      expect(timeOf(completed)).toBe(endOfWorkUs(firstFit.sim, started.nodes as number[], timeOf(started), US_PER_H));
    }
    expect(firstFit.lastEndUs).toBeGreaterThan(2 * US_PER_H);
    expect(topology.lastEndUs).toBe(2 * US_PER_H);
    // The time beyond the work is all heat's: degraded node-hours are thermal slowdown.
    expect(firstFit.result.nodeHours.degraded).toBeGreaterThan(0);
    expect(firstFit.result.metrics.slowdown_thermal_gpu_h).toBeCloseTo(firstFit.result.nodeHours.degraded * 8, 6);
    expect(firstFit.result.metrics.slowdown_fabric_gpu_h).toBe(0);
    expect(firstFit.result.metrics.slowdown_degraded_gpu_h).toBe(0);
    expect(topology.result.nodeHours.degraded).toBe(0);
  });
});

describe("thermal model under a generated workload", () => {
  const generated: ClusterModelOptions["workload"] = {
    generator: {
      arrivals: { ratePerHour: 3 },
      nodes: { kind: "logUniform", low: 1, high: 4 },
      workS: { kind: "lognormal", median: 2 * 3_600, sigma: 1 },
      timeLimitFactor: null,
      users: 2,
      communication: null,
    },
    trace: null,
    maxRequeues: 0,
  };

  function run(seed: number) {
    const sim = new Sim({ seed, keepRecords: true });
    const model = new ClusterModel(sim, modelOptions({ workload: generated, horizonUs: 48 * US_PER_H }));
    const thermal = new ThermalModel(sim, model.cluster, THERMAL);
    thermal.start();
    const result = model.run();
    return { sim, result, thermal };
  }

  it("is deterministic: same seed, same records", () => {
    const a = run(7);
    const b = run(7);
    expect(ofKind(a.sim, "GpuThrottled").length).toBeGreaterThan(0);
    expect(b.sim.records).toEqual(a.sim.records);
    expect(b.thermal.samples).toEqual(a.thermal.samples);
    expect(run(8).sim.records).not.toEqual(a.sim.records);
  });

  it("throttles only above throttleAtC, restores only below the band, at the clock levels", () => {
    const levels = [0.9, 0.8, 0.7, 0.6];
    let throttles = 0;
    let restores = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (seed) => {
        const { sim } = run(seed);
        const throttledNow = new Set<number>();
        for (const r of sim.records) {
          if (r.kind === "GpuThrottled") {
            expect(r.temperatureC as number).toBeGreaterThan(THERMAL.throttleAtC);
            expect(levels.some((level) => Math.abs(level - (r.clockFactor as number)) < 1e-12)).toBe(true);
            throttledNow.add(r.node as number);
            throttles++;
          } else if (r.kind === "GpuClockRestored") {
            restores++;
            expect(r.temperatureC as number).toBeLessThan(THERMAL.throttleAtC - THERMAL.hysteresisC);
            expect(throttledNow.delete(r.node as number)).toBe(true); // restores follow throttles
          }
        }
      }),
      { numRuns: 8 },
    );
    // The checks ran on records that were made, not on none.
    expect(throttles).toBeGreaterThan(0);
    expect(restores).toBeGreaterThan(0);
  });
});
