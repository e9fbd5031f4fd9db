import { describe, expect, it } from "vitest";
import { ClusterModel } from "../../models/cluster/model.js";
import { type ClusterModelOptions } from "../../models/cluster/options.js";
import { ClockCause, type Placement } from "../../models/hardware/cluster.js";
import type { ParallelFilesystemOptions } from "../../models/storage/parallel-fs.js";
import { Sim } from "../../sim/sim.js";
import { US_PER_H, US_PER_S } from "../../sim/time.js";
import { testModelOptions } from "./options.js";

/** 2 racks × 2 nodes, 1 GPU each, no generated jobs: the tests place their own. */
function options(overrides: Partial<ClusterModelOptions> = {}, placement: Placement = "first-fit"): ClusterModelOptions {
  return testModelOptions({
    cluster: { racks: 2, nodesPerRack: 2, gpusPerNode: 1 },
    scheduler: { backfill: "none", priority: null, placement, enforceTimeLimit: false, preemption: null },
    ...overrides,
  });
}

/** A filesystem of one 1 GB/s OST and a fast metadata server (20 µs an op), unless told. */
function oneOst(overrides: Partial<ParallelFilesystemOptions> = {}): ParallelFilesystemOptions {
  return {
    name: "pfs",
    ostCount: 1,
    ostGBps: 1,
    metadataOpsPerSec: 50_000,
    metadataQueueMax: 100,
    metadataTimeoutUs: 60 * US_PER_S,
    ...overrides,
  };
}

function endOf(sim: Sim, jobId: number): number {
  return sim.records.find((r) => r.kind === "JobCompleted" && r.job === jobId)!.timeUs as number;
}

describe("a synchronised job on the fabric", () => {
  // Fat-tree: 100 Gbps node links, oversubscription 4 (a leaf's uplink carries
  // 2 × 100 / 4 = 50 Gbps), one spine, 1 µs per link, 0.25 µs per switch.
  // Job A: 2 nodes, 100 s of work, all-reduces 100 MB after every 1 s of compute.
  // Ring all-reduce, p = 2: T = 2(p−1)α + 2(p−1)/p · S/B = 2α + S/B.
  //  - in one rack: α = 2 links + 1 switch = 2.25 µs, B = 100 Gbps:
  //    T = 4.5 + 8e8 bit / 1e5 bit/µs = 8,004.5 µs;
  //  - across racks: α = 4 links + 3 switches = 4.75 µs, B = 50 Gbps: T = 9.5 + 16,000.
  // Its 100 s of work take 100 s × (1 s + T) / 1 s.
  const fabric = { linkGbps: 100, oversubscription: 4, spineCount: 1, linkLatencyUs: 1, switchLatencyUs: 0.25 };
  const communication = { bytes: 1e8, iterationUs: US_PER_S };
  const inRackUs = 100e6 + 100 * 8_004.5;
  const acrossRacksUs = 100e6 + 100 * 16_009.5;

  function run(placement: Placement, filler: boolean) {
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = new ClusterModel(sim, options({ fabric }, placement));
    if (filler) model.submit(1, 1_000 * US_PER_S); // takes node 0, leaving one node in rack 0
    const job = model.submit(2, 100 * US_PER_S, Infinity, undefined, communication);
    const result = model.run();
    return { durationUs: endOf(sim, job.id), result };
  }

  it("runs at the pace the alpha-beta formula gives on an uncontended rack", () => {
    const { durationUs, result } = run("first-fit", false);
    expect(Math.abs(durationUs - inRackUs)).toBeLessThanOrEqual(1);
    expect(result.metrics.fabric_p99_latency_us).toBeCloseTo(2.25, 9);
    // The extra time is booked as degraded, not as useful work.
    expect(result.nodeHours.useful).toBeCloseTo((2 * 100) / 3_600, 9);
    expect(result.nodeHours.degraded).toBeCloseTo((2 * (inRackUs - 100e6)) / 1e6 / 3_600, 6);
  });

  it("slows down when first-fit spreads it over two racks' oversubscribed uplinks", () => {
    const { durationUs } = run("first-fit", true);
    expect(Math.abs(durationUs - acrossRacksUs)).toBeLessThanOrEqual(1);
  });

  it("keeps its pace when topology-aware placement puts it in one rack", () => {
    const { durationUs } = run("topology", true);
    expect(Math.abs(durationUs - inRackUs)).toBeLessThanOrEqual(1);
  });

  it("leaves the fabric out when no fabric is modelled", () => {
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = new ClusterModel(sim, options());
    const job = model.submit(2, 100 * US_PER_S, Infinity, undefined, communication);
    const result = model.run();
    expect(endOf(sim, job.id)).toBe(100e6);
    expect(result.metrics.fabric_p99_latency_us).toBeNull();
  });
});

describe("GPU health", () => {
  it("a job runs at the pace of its slowest node", () => {
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = new ClusterModel(sim, options());
    model.cluster.throttle(1, 0.5, ClockCause.Thermal, 90);
    const job = model.submit(2, 100 * US_PER_S); // nodes 0 and 1: node 1 runs at half clock
    const result = model.run();
    expect(endOf(sim, job.id)).toBe(200e6);
    expect(result.nodeHours.degraded).toBeCloseTo((2 * 100) / 3_600, 9);
    expect(model.cluster.health(1)).toEqual({ clockFactor: 0.5, temperatureC: 90, eccErrors: 0 });
  });
});

describe("pools and cost", () => {
  it("charges every pool's GPUs at its price for the whole run", () => {
    // Pool a: rack 0 at $2/GPU-h; pool b: rack 1 at $1. Each rack: 2 nodes × 1 GPU.
    // Over 10 h: 2 × 2 × 10 + 2 × 1 × 10 = $60, whatever runs.
    const pools = [
      { name: "a", racks: 1, pricePerGpuHour: 2, spot: false },
      { name: "b", racks: 1, pricePerGpuHour: 1, spot: true },
    ];
    const sim = new Sim({ seed: 1 });
    const model = new ClusterModel(sim, options({ pools, horizonUs: 10 * US_PER_H }));
    for (let i = 0; i < 4; i++) model.submit(1, US_PER_H);
    const { metrics } = model.run();
    expect(metrics.cost_total).toBeCloseTo(60, 9);
    expect(metrics.cost_per_completed_job).toBeCloseTo(15, 9);
  });

  it("reports no cost without prices", () => {
    const { metrics } = new ClusterModel(new Sim({ seed: 1 }), options()).run();
    expect(metrics.cost_total).toBeNull();
    expect(metrics.cost_per_completed_job).toBeNull();
  });
});

describe("checkpoints through the parallel filesystem", () => {
  // One OST at 1 GB/s, files on one stripe; a fast metadata server (20 µs an op).
  // Jobs of one node compute 2 h and checkpoint 3.6 GB after the first hour.
  // Alone, a write takes 3.6 s; four at once share the OST and take 14.4 s each.
  function run(jobs: number, timeoutUs = Infinity) {
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = new ClusterModel(
      sim,
      options({
        cluster: { racks: 1, nodesPerRack: 4, gpusPerNode: 1 },
        storage: {
          filesystem: oneOst(),
          checkpoints: { stripeCount: 1, timeoutUs },
        },
        checkpoint: { policy: "fixed", intervalUs: US_PER_H, costUs: 0, restartUs: 0, sizeBytes: 3.6e9 },
      }),
    );
    for (let i = 0; i < jobs; i++) model.submit(1, 2 * US_PER_H);
    const result = model.run();
    const endsS = sim.records.filter((r) => r.kind === "JobCompleted").map((r) => (r.timeUs as number) / US_PER_S);
    return { endsS, result };
  }

  it("takes longer when more jobs write at once: the duration emerges from sharing", () => {
    const alone = run(1);
    expect(alone.endsS[0]).toBeCloseTo(7_200 + 3.6, 3);
    const four = run(4);
    expect(four.endsS).toHaveLength(4);
    for (const end of four.endsS) expect(end).toBeCloseTo(7_200 + 14.4, 3);
    expect(four.result.metrics.storage_throughput_gbps_mean).toBeGreaterThan(0);
    // Beyond the 3.6 s (and 20 µs open) a write takes alone: contention, 10.8 s a job.
    expect(alone.result.metrics.slowdown_storage_gpu_h).toBeCloseTo(0, 6);
    expect(four.result.metrics.slowdown_storage_gpu_h).toBeCloseTo((4 * 10.8) / 3_600, 6);
    expect(four.result.metrics.checkpoint_success_rate).toBe(1);
  });

  it("fails a write that outlasts its timeout; the job keeps computing", () => {
    const { endsS, result } = run(4, 10 * US_PER_S);
    // Each write is cut at 10 s; the jobs then compute their second hour.
    expect(endsS).toHaveLength(4);
    for (const end of endsS) expect(end).toBeCloseTo(7_200 + 10, 3);
    expect(result.metrics.checkpoint_success_rate).toBe(0);
    expect(result.metrics.jobs_completed).toBe(4);
  });
});

describe("multi-level checkpoints through a burst buffer", () => {
  // The filesystem case above, with a 10 GB/s burst buffer in front: four 3.6 GB writes
  // at once share it and are safe after 1.44 s (against 14.4 s on the one OST), then drain.
  it("makes a checkpoint safe at burst-buffer speed", () => {
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = new ClusterModel(
      sim,
      options({
        cluster: { racks: 1, nodesPerRack: 4, gpusPerNode: 1 },
        storage: {
          filesystem: oneOst(),
          checkpoints: { stripeCount: 1, timeoutUs: Infinity },
          burstBuffer: { name: "bb", capacityBytes: 1e12, bandwidthGBps: 10, waitingWritesMax: 100, drainRetryDelayUs: US_PER_S },
          checkpointTier: "burst-buffer",
        },
        checkpoint: { policy: "fixed", intervalUs: US_PER_H, costUs: 0, restartUs: 0, sizeBytes: 3.6e9 },
      }),
    );
    for (let i = 0; i < 4; i++) model.submit(1, 2 * US_PER_H);
    const result = model.run();
    const ends = sim.records.filter((r) => r.kind === "JobCompleted").map((r) => (r.timeUs as number) / US_PER_S);
    expect(ends).toHaveLength(4);
    for (const end of ends) expect(end).toBeCloseTo(7_200 + 1.44, 3);
    // The drain still moves every byte to the filesystem in the background.
    expect(result.metrics.storage_throughput_gbps_mean).toBeGreaterThan(0);
  });
});

describe("start-up I/O at the metadata server", () => {
  // A metadata server at 1,000 ops/s (1 ms an op, fixed). Jobs of one node run 2 processes
  // of 50 ops each before computing 1 h: 100 ops, so alone a start-up takes 100 ms (the
  // server never idles: one op per process in flight). Four jobs starting together share
  // the server: 400 ops, all done by 400 ms, and none before the 394th ms, since FIFO
  // interleaves the jobs' ops.
  function run(jobs: number, options_: { queueMax?: number; crashAtMs?: number } = {}) {
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = new ClusterModel(
      sim,
      options({
        cluster: { racks: 1, nodesPerRack: 4, gpusPerNode: 1 },
        storage: {
          filesystem: oneOst({ metadataOpsPerSec: 1_000, metadataQueueMax: options_.queueMax ?? 1_000 }),
          checkpoints: { stripeCount: 1, timeoutUs: Infinity },
          startup: { processesPerNode: 2, opsPerProcess: 50, retryAfterUs: US_PER_S },
        },
        workload: { generator: null, trace: null, maxRequeues: 1 },
        injections:
          options_.crashAtMs === undefined
            ? []
            : [{ kind: "node-crash", atUs: options_.crashAtMs * 1_000, target: "r00n00", durationUs: US_PER_S }],
      }),
    );
    for (let i = 0; i < jobs; i++) model.submit(1, US_PER_H);
    const result = model.run();
    const endsMs = sim.records
      .filter((r) => r.kind === "JobCompleted")
      .map((r) => ((r.timeUs as number) - US_PER_H) / 1_000);
    return { endsMs, result };
  }

  it("takes processes × ops / rate alone, and queues behind other jobs starting at once", () => {
    const alone = run(1);
    expect(alone.endsMs).toEqual([100]);
    expect(alone.result.metrics.startup_overhead_gpu_h).toBeCloseTo(0.1 / 3_600, 12);
    const four = run(4);
    expect(four.endsMs).toHaveLength(4);
    for (const end of four.endsMs) {
      expect(end).toBeGreaterThanOrEqual(394);
      expect(end).toBeLessThanOrEqual(400);
    }
    // Node-hours add up with start-up booked (the model asserts it); here, its size.
    const sumMs = four.endsMs.reduce((a, b) => a + b, 0);
    expect(four.result.metrics.startup_overhead_gpu_h).toBeCloseTo(sumMs / 1_000 / 3_600, 9);
    // What each start-up took beyond its 100 ms alone is contention at the server.
    expect(alone.result.metrics.slowdown_storage_gpu_h).toBe(0);
    expect(four.result.metrics.slowdown_storage_gpu_h).toBeCloseTo((sumMs - 4 * 100) / 1_000 / 3_600, 9);
  });

  it("books a start-up cut short by a crash as start-up, and starts again from scratch", () => {
    // The job on node 0 (first-fit hands out the lowest free node) loses it 50 ms
    // into its start-up; requeued, it starts over on a free node and pays the whole 100 ms
    // again, plus 1 ms for the old start-up's op still queued at the server (served anyway).
    // Its first 50 ms are start-up, not lost work: nothing had been computed.
    const crashed = run(1, { crashAtMs: 50 });
    expect(crashed.endsMs).toEqual([50 + 1 + 100]);
    expect(crashed.result.metrics.startup_overhead_gpu_h).toBeCloseTo(0.151 / 3_600, 12);
    expect(crashed.result.metrics.lost_work_gpu_h).toBe(0);
  });

  it("resends ops the server rejected, after the retry wait, and still starts every job", () => {
    // A queue of 4 ops: of the 8 processes' first ops, 4 are rejected and resent 1 s later.
    const crowded = run(4, { queueMax: 4 });
    expect(crowded.endsMs).toHaveLength(4);
    expect(Math.max(...crowded.endsMs)).toBeGreaterThan(1_000);
  });
});
