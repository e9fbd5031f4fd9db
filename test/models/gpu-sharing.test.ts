import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ClusterModel } from "../../models/cluster/model.js";
import type { ClusterModelOptions } from "../../models/cluster/options.js";
import { nodeCrashes } from "../../models/failures/node-crash.js";
import { GPU_PLACEMENTS, GpuShares, gpuRequest, type GpuPlacement, type GpuRequest, type NodeShape, type RequestClass } from "../../models/hardware/gpu-share.js";
import { Sim } from "../../sim/sim.js";
import { US_PER_H } from "../../sim/time.js";
import { checkGpuRecords } from "./gpu-state-checker.js";
import { testModelOptions } from "./options.js";

/**
 * GPU-granular allocation: requests for GPUs (or shares of one), CPUs and memory on nodes
 * that run several jobs; placements worked by hand; gangs; GPU model speed and driver
 * CUDA versions; and properties judged by an independent checker of the record log.
 */

const H100: NodeShape = { gpus: 8, cpuMilli: 128_000, memoryMiB: 1_048_576, model: "H100", speed: 1, cudaMax: 0 };

function request(gpus: number, fields: Partial<Omit<GpuRequest, "key">> = {}): GpuRequest {
  return gpuRequest({ parts: 1, gpuMilli: Math.round(gpus * 1000), cpuMilli: 0, memoryMiB: 0, model: null, cuda: 0, ...fields });
}

/** Free GPUs of each node, whole GPUs and shares together. */
function freeByNode(shares: GpuShares): number[] {
  return Array.from({ length: shares.nodeCount }, (_, node) => {
    let free = 0;
    for (let gpu = 0; gpu < shares.gpusOf(node); gpu++) free += shares.gpuFree(node, gpu);
    return free / 1000;
  });
}

describe("placing whole GPUs on 4 nodes × 8 GPUs, worked by hand", () => {
  // 3, 6, 2, 5, 8, 8 GPUs in that order.
  // first-fit: 3 → n0 (5 left); 6 → n1 (2 left); 2 → n0 (3 left); 5 → n2 (3 left); 8 → n3; 8 → none holds it.
  // best-fit:  3 → n0 (5 left); 6 → n1 (2 left); 2 → n1 (0 left); 5 → n0 (0 left); 8 → n2; 8 → n3.
  const sizes = [3, 6, 2, 5, 8, 8];
  function fill(placement: GpuPlacement, mix: RequestClass[]) {
    const shares = new GpuShares([H100, H100, H100, H100], () => 0, mix);
    const placed = sizes.map((gpus, job) => {
      const wanted = request(gpus);
      if (!shares.canPlace(wanted, placement)) return -1;
      return shares.nodeOfSlot(shares.place(job, wanted, placement, job));
    });
    shares.checkInvariants();
    return { placed, free: freeByNode(shares), fragmented: shares.fragmentedGpus.value };
  }
  const eightGpuMix: RequestClass[] = [{ gpuMilli: 8000, cpuMilli: 0, model: null, weight: 1 }];

  it("first-fit leaves 8 GPUs free over three nodes, and the last 8-GPU job cannot start", () => {
    const { placed, free, fragmented } = fill("first-fit", eightGpuMix);
    expect(placed).toEqual([0, 1, 0, 2, 3, -1]);
    expect(free).toEqual([3, 2, 3, 0]);
    // For a mix of 8-GPU jobs every free GPU is unusable: 3 + 2 + 3.
    expect(fragmented).toBe(8);
  });

  it("best-fit packs: every job starts and nothing is left to fragment", () => {
    const { placed, free, fragmented } = fill("best-fit", eightGpuMix);
    expect(placed).toEqual([0, 1, 1, 0, 2, 3]);
    expect(free).toEqual([0, 0, 0, 0]);
    expect(fragmented).toBe(0);
  });

  it("fragmentation is judged by the mix: half 1-GPU jobs (which fit anywhere free) and half 8-GPU ones", () => {
    const mix: RequestClass[] = [
      { gpuMilli: 1000, cpuMilli: 0, model: null, weight: 0.5 },
      { gpuMilli: 8000, cpuMilli: 0, model: null, weight: 0.5 },
    ];
    expect(fill("first-fit", mix).fragmented).toBe(0.5 * 8);
  });
});

describe("shares of one GPU", () => {
  it("first-fit and best-fit pick GPUs by hand: 0.5, 0.25, 0.5, 0.25 on one 2-GPU node", () => {
    const node: NodeShape = { ...H100, gpus: 2 };
    const run = (placement: GpuPlacement): number[][] => {
      const shares = new GpuShares([node], () => 0, []);
      [0.5, 0.75, 0.5, 0.25].forEach((gpus, job) => shares.place(job, request(gpus), placement, job));
      shares.checkInvariants();
      return [[shares.gpuFree(0, 0), shares.gpuFree(0, 1)]];
    };
    // first-fit: 0.5 → g0 (500); 0.75 → g1 (250); 0.5 → g0 (0); 0.25 → g1 (0).
    expect(run("first-fit")).toEqual([[0, 0]]);
    // spread: 0.5 → g0 (500); 0.75 → g1 (250); 0.5 → g0 (0); 0.25 → g1 (0) — the same here, as only one GPU fits each time.
    expect(run("spread")).toEqual([[0, 0]]);
  });

  it("best-fit puts a share on the fullest GPU that holds it, first-fit on the lowest", () => {
    const node: NodeShape = { ...H100, gpus: 2 };
    const after = (placement: GpuPlacement): number[] => {
      const shares = new GpuShares([node], () => 0, []);
      shares.place(0, request(0.25), "first-fit", 0); // g0: 750 free
      shares.place(1, request(0.5), "first-fit", 0); // g0: 250 free
      shares.place(2, request(0.25), "first-fit", 0); // g0: 0 free
      shares.place(3, request(0.6), "first-fit", 0); // g1: 400 free
      shares.release(0, 0, 1); // g0: 250 free again
      shares.place(4, request(0.2), placement, 1);
      return [shares.gpuFree(0, 0), shares.gpuFree(0, 1)];
    };
    expect(after("first-fit")).toEqual([50, 400]);
    expect(after("best-fit")).toEqual([50, 400]);
    expect(after("spread")).toEqual([250, 200]);
  });

  it("fgd takes the half-used GPU where first-fit would split a whole one", () => {
    // Half the mix asks for one whole GPU: a second partly used GPU would be unusable to it.
    const mix: RequestClass[] = [
      { gpuMilli: 500, cpuMilli: 0, model: null, weight: 0.5 },
      { gpuMilli: 1000, cpuMilli: 0, model: null, weight: 0.5 },
    ];
    const node: NodeShape = { ...H100, gpus: 2 };
    const run = (placement: GpuPlacement): number[] => {
      const shares = new GpuShares([node, node], () => 0, mix);
      shares.place(0, request(1), "first-fit", 0); // n0 g0 full
      shares.place(1, request(0.5), "first-fit", 0); // n0 g1 half
      shares.place(2, request(0.5), placement, 0);
      return freeByNode(shares);
    };
    expect(run("fgd")).toEqual([0, 2]); // onto n0's half-used GPU: nothing left to fragment
    expect(run("spread")).toEqual([0.5, 1.5]); // the emptiest node: two half GPUs now unusable to 1-GPU jobs
  });

  it("never shares a GPU beyond its whole", () => {
    const shares = new GpuShares([{ ...H100, gpus: 1 }], () => 0, []);
    shares.place(0, request(0.6), "first-fit", 0);
    expect(shares.canPlace(request(0.5), "first-fit")).toBe(false);
    expect(shares.canPlace(request(0.4), "best-fit")).toBe(true);
  });
});

/** A model of `nodes` H100-like nodes, GPU-granular, with `placement`. */
function gpuModelOptions(shapes: readonly NodeShape[], placement: GpuPlacement, overrides: Partial<ClusterModelOptions> = {}): ClusterModelOptions {
  return testModelOptions({
    cluster: { racks: 1, nodesPerRack: shapes.length, gpusPerNode: 8 },
    gpuSharing: { shapes, placement },
    ...overrides,
  });
}

function startOf(sim: Sim, job: number): number | undefined {
  return sim.records.find((record) => record.kind === "JobStarted" && record.job === job)?.timeUs as number | undefined;
}

describe("a gang", () => {
  it("waits while 16 GPUs are free over four nodes, and starts on two nodes at once when two empty", () => {
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = new ClusterModel(sim, gpuModelOptions([H100, H100, H100, H100], "spread"));
    // Spread puts one 4-GPU job on each node: 4 free on each, 16 in all.
    for (const hours of [1, 1, 3, 3]) model.submitRequest(request(4), hours * US_PER_H);
    const gang = model.submitRequest(request(8, { parts: 2 }), US_PER_H)!;
    const result = model.run();
    expect(startOf(sim, gang.id)).toBe(US_PER_H); // not at 0 although 16 GPUs were free
    const started = sim.records.find((record) => record.kind === "JobStarted" && record.job === gang.id)!;
    expect(started.nodes).toEqual([0, 1]);
    expect(sim.records.filter((record) => record.kind === "JobCompleted" && record.job === gang.id)).toHaveLength(1);
    const checked = checkGpuRecords(sim.records, [H100, H100, H100, H100], 100 * US_PER_H, (job) => (job === gang.id ? 2 : 1));
    expect(checked.completed).toBe(5);
    // GPU-hours: 4 GPUs × (1 + 1 + 3 + 3) h + 16 GPUs × 1 h.
    expect(checked.busyGpuHours).toBeCloseTo(48, 9);
    expect(result.metrics.busy_gpu_h).toBeCloseTo(48, 9);
  });
});

describe("the scheduler's machinery on GPU requests", () => {
  it("QOS preemption frees GPUs for a high-priority share: the normal job holding the node is requeued", () => {
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = new ClusterModel(
      sim,
      gpuModelOptions([H100], "first-fit", {
        workload: { generator: null, trace: null, maxRequeues: 3 },
        scheduler: {
          backfill: "easy",
          priority: null,
          placement: "first-fit",
          enforceTimeLimit: false,
          preemption: { preemptableByQos: new Map([["high", ["normal"]]]), mode: "requeue", graceUs: 0 },
        },
      }),
    );
    const normal = model.submitRequest(request(8), 10 * US_PER_H, Infinity, { user: "a", account: "a", qos: "normal" })!;
    sim.scheduleAt(US_PER_H, () => model.submitRequest(request(0.5), US_PER_H, Infinity, { user: "b", account: "b", qos: "high" }));
    const result = model.run();
    const high = 1;
    // One preemption over the two jobs that started.
    expect(result.metrics.preemptions).toBe(1);
    expect(result.metrics.preemption_rate).toBe(0.5);
    expect(sim.records.find((record) => record.kind === "JobKilled")?.job).toBe(normal.id);
    expect(startOf(sim, high)).toBe(US_PER_H);
    // The normal job runs again once the share is done (it no longer fits beside it: 8 GPUs).
    expect(sim.records.filter((record) => record.kind === "JobStarted" && record.job === normal.id).map((record) => record.timeUs)).toEqual([0, 2 * US_PER_H]);
  });
});

describe("heterogeneous pools", () => {
  it("a job on a GPU model at half the speed takes twice as long, and the extra time is the model's", () => {
    const a100: NodeShape = { ...H100, model: "A100", speed: 0.5 };
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = new ClusterModel(sim, gpuModelOptions([a100, H100], "first-fit"));
    const slow = model.submitRequest(request(8), US_PER_H)!; // first-fit: node 0, the A100
    const fast = model.submitRequest(request(8), US_PER_H)!;
    const result = model.run();
    const end = (job: number) => sim.records.find((record) => record.kind === "JobCompleted" && record.job === job)?.timeUs;
    expect(end(slow.id)).toBe(2 * US_PER_H);
    expect(end(fast.id)).toBe(US_PER_H);
    expect(result.metrics.slowdown_gpu_model_gpu_h).toBeCloseTo(8, 9); // 1 h beyond the work, on 8 GPUs
    expect(result.metrics.degraded_gpu_h).toBeCloseTo(8, 9);
  });

  it("checkpointing often at a pace just below full saves whole µs rounded down, yet the job never books more work than its wall time holds", () => {
    // At 0.9999999 of full speed a 7.000001 s segment holds 7.0000003 s of work: each
    // checkpoint saves 7 s and leaves the 0.3 µs to the rest. Planned once at the start, the
    // last segment came up that much short per checkpoint (some 150 µs over the job), more
    // than its own slowness: the slowdown came out negative ("slowdowns by cause do not add
    // up to degraded time"), as fast-check once found with a fabric's pace.
    const speed = 0.9999999;
    const sim = new Sim({ seed: 1, keepRecords: true });
    const checkpoint = { policy: "fixed" as const, intervalUs: 7_000_001, costUs: 0, restartUs: 0, sizeBytes: 0, onNotice: false };
    const model = new ClusterModel(sim, gpuModelOptions([{ ...H100, model: "A100", speed }], "first-fit", { checkpoint }));
    const job = model.submitRequest(request(8), US_PER_H)!;
    const result = model.run();
    const end = sim.records.find((record) => record.kind === "JobCompleted" && record.job === job.id)?.timeUs as number;
    expect(end).toBeGreaterThanOrEqual(Math.ceil(US_PER_H / speed));
    // Over 500 checkpoints, every 7 s of compute.
    expect(result.metrics.checkpoint_interval_mean_h! * US_PER_H).toBeCloseTo(7_000_001, 0);
    // The wall time beyond the work, all the slow model's, on 8 GPUs.
    expect(result.metrics.degraded_gpu_h!).toBeCloseTo((8 * (end - US_PER_H)) / US_PER_H, 9);
    expect(result.metrics.slowdown_gpu_model_gpu_h).toBeCloseTo(result.metrics.degraded_gpu_h!, 12);
  });

  it("fastest placement puts it on the H100 although the A100 comes first", () => {
    const a100: NodeShape = { ...H100, model: "A100", speed: 0.5 };
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = new ClusterModel(sim, gpuModelOptions([a100, H100], "fastest"));
    model.submitRequest(request(2), US_PER_H);
    model.run();
    expect(sim.records.find((record) => record.kind === "JobStarted")?.nodes).toEqual([1]);
  });

  it("a job pinned to a model waits for it; one no node could hold is counted unschedulable", () => {
    const a100: NodeShape = { ...H100, model: "A100", speed: 0.5 };
    const sim = new Sim({ seed: 1, keepRecords: true });
    const model = new ClusterModel(sim, gpuModelOptions([a100, H100], "first-fit"));
    model.submitRequest(request(8, { model: "H100" }), US_PER_H);
    const pinned = model.submitRequest(request(1, { model: "H100" }), US_PER_H)!;
    expect(model.submitRequest(request(16), US_PER_H)).toBeNull();
    expect(model.submitRequest(request(1, { model: "B200" }), US_PER_H)).toBeNull();
    const result = model.run();
    expect(startOf(sim, pinned.id)).toBe(US_PER_H); // not on the free A100
    expect(result.metrics.jobs_unschedulable).toBe(2);
  });

  it("a job built for CUDA 12.4 fails as it starts on a driver that runs 12.2 at most, and runs on one that runs 12.4", () => {
    const ends = (cudaMax: number) => {
      const sim = new Sim({ seed: 1, keepRecords: true });
      const model = new ClusterModel(sim, gpuModelOptions([{ ...H100, cudaMax }], "first-fit"));
      model.submitRequest(request(8, { cuda: 1204 }), US_PER_H);
      model.run();
      return sim.records.filter((record) => record.kind === "JobKilled" || record.kind === "JobCompleted").map((record) => [record.kind, record.cause]);
    };
    expect(ends(1202)).toEqual([["JobKilled", "driver-mismatch"]]);
    expect(ends(1204)).toEqual([["JobCompleted", undefined]]);
    expect(ends(0)).toEqual([["JobCompleted", undefined]]); // a driver that declares no version is not checked
  });
});

describe("properties", () => {
  const shapeArb = fc.record({
    gpus: fc.integer({ min: 0, max: 8 }),
    cpuMilli: fc.integer({ min: 1_000, max: 64_000 }),
    memoryMiB: fc.integer({ min: 1_024, max: 65_536 }),
    model: fc.constantFrom("H100", "A100"),
    speed: fc.constantFrom(1, 0.5),
    cudaMax: fc.constant(0),
  });
  const requestArb = fc
    .record({
      parts: fc.integer({ min: 1, max: 3 }),
      gpus: fc.oneof(fc.integer({ min: 1, max: 999 }).map((milli) => milli / 1000), fc.integer({ min: 0, max: 4 })),
      cpuMilli: fc.integer({ min: 0, max: 16_000 }),
      memoryMiB: fc.integer({ min: 0, max: 16_384 }),
      model: fc.constantFrom(null, "H100", "A100"),
    })
    .map((fields) => request(fields.gpus, { parts: fields.parts, cpuMilli: fields.cpuMilli, memoryMiB: fields.memoryMiB, model: fields.model }));

  it("placing, releasing, closing and opening nodes never over-allocates a GPU, CPUs or memory, and a gang is placed whole or not at all", () => {
    fc.assert(
      fc.property(
        fc.array(shapeArb, { minLength: 1, maxLength: 6 }),
        fc.constantFrom(...GPU_PLACEMENTS),
        fc.array(fc.oneof(requestArb.map((wanted) => ({ op: "place" as const, wanted })), fc.nat(20).map((index) => ({ op: "release" as const, index })), fc.nat(5).map((node) => ({ op: "toggle" as const, node }))), { maxLength: 40 }),
        (shapes, placement, ops) => {
          const mix: RequestClass[] = [{ gpuMilli: 500, cpuMilli: 1_000, model: null, weight: 0.5 }, { gpuMilli: 1000, cpuMilli: 0, model: null, weight: 0.5 }];
          const shares = new GpuShares(shapes, (node) => node % 2, mix);
          const placed: { job: number; first: number; parts: number }[] = [];
          ops.forEach((op, t) => {
            if (op.op === "place") {
              if (!shares.canPlace(op.wanted, placement)) return;
              const first = shares.place(t, op.wanted, placement, t);
              const parts = shares.partsOf(first);
              expect(parts).toHaveLength(op.wanted.parts);
              expect(new Set(parts.map((part) => part.node)).size).toBe(op.wanted.parts);
              placed.push({ job: t, first, parts: op.wanted.parts });
            } else if (op.op === "release" && placed.length > 0) {
              const [gone] = placed.splice(op.index % placed.length, 1);
              shares.release(gone.job, gone.first, t);
            } else if (op.op === "toggle") {
              const node = op.node % shapes.length;
              // A node closes only when empty here (the cluster ends jobs on a node before closing it).
              if (shares.firstJobOn(node) < 0) shares.setOpen(node, t % 2 === 0, t);
            }
            shares.checkInvariants();
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a GPU-granular run with crashes passes the independent checker under every placement, backfilling rule and queue order", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000 }), fc.constantFrom(...GPU_PLACEMENTS), fc.constantFrom("none", "easy", "conservative" as const), fc.boolean(), (seed, placement, backfill, fairShare) => {
        const shapes: NodeShape[] = [H100, H100, { ...H100, model: "A100", speed: 0.5, gpus: 4 }, { ...H100, gpus: 4, cpuMilli: 16_000 }];
        const options = gpuModelOptions(shapes, placement, {
          horizonUs: 48 * US_PER_H,
          workload: {
            generator: {
              arrivals: { ratePerHour: 6 },
              nodes: { kind: "empirical", sortedValues: [1, 1, 1, 2] },
              workS: { kind: "exponential", mean: 3 * 3_600 },
              timeLimitFactor: 1.5,
              users: 2,
              communication: null,
              request: { gpus: { kind: "empirical", sortedValues: [0.25, 0.5, 1, 2, 4] }, cpuMilli: 4_000, memoryMiB: 8_192, model: null, cuda: 0 },
            },
            trace: null,
            maxRequeues: 2,
          },
          failures: [nodeCrashes({ timeToFailureS: { kind: "exponential", mean: 24 * 3_600 }, repairS: { kind: "exponential", mean: 3_600 } })],
          scheduler: {
            backfill,
            priority: fairShare
              ? { ageWeight: 1, sizeWeight: 1, fairShareWeight: 2, qosWeight: 0, maxAgeUs: 24 * US_PER_H, halfLifeUs: 24 * US_PER_H, recalcPeriodUs: 600e6, qosPriority: new Map() }
              : null,
            placement: "first-fit",
            enforceTimeLimit: true,
            preemption: null,
          },
        });
        const sim = new Sim({ seed, keepRecords: true });
        const model = new ClusterModel(sim, options);
        const parts = new Map<number, number>();
        model.onJobStarted((job) => parts.set(job.id, job.nodeCount));
        const result = model.run(); // checks its own invariants: jobs conserved, GPU-hours booked = held
        const checked = checkGpuRecords(sim.records, shapes, 48 * US_PER_H, (job) => parts.get(job) ?? 0);
        expect(checked.submitted).toBe(result.metrics.jobs_submitted);
        expect(checked.completed).toBe(result.metrics.jobs_completed);
        expect(checked.busyGpuHours).toBeCloseTo(result.metrics.busy_gpu_h!, 6);
        expect(checked.mostOnOneGpu).toBeLessThanOrEqual(1000);
      }),
      { numRuns: 40 },
    );
  });
});
