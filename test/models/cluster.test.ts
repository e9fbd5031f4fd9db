import { describe, expect, it } from "vitest";
import { Cluster, NO_NODE, type ClusterListener } from "../../models/hardware/cluster.js";
import { BatchScheduler } from "../../models/scheduler/batch.js";
import type { SchedulingContext } from "../../models/scheduler/policy.js";
import { Job } from "../../models/workload/job.js";
import { AssertionFailure } from "../../sim/assert.js";
import { Sim } from "../../sim/sim.js";

function nodesOf(cluster: Cluster, first: number): number[] {
  const nodes: number[] = [];
  for (let node = first; node !== NO_NODE; node = cluster.nextPart(node)) nodes.push(node);
  return nodes;
}

describe("cluster", () => {
  it("names nodes by rack and slot", () => {
    const cluster = new Cluster(new Sim({ seed: 1 }), { racks: 4, nodesPerRack: 32, gpusPerNode: 8 });
    expect(cluster.nodeName(0)).toBe("r00n00");
    expect(cluster.nodeName(3 * 32 + 17)).toBe("r03n17");
    expect(cluster.gpuCount).toBe(4 * 32 * 8);
  });

  it("allocates free nodes, refuses more than are free, and frees them on release", () => {
    const cluster = new Cluster(new Sim({ seed: 1 }), { racks: 1, nodesPerRack: 4, gpusPerNode: 1 });
    const first = cluster.allocate(7, 3);
    expect(nodesOf(cluster, first).sort()).toEqual([0, 1, 2]);
    expect(cluster.freeCount).toBe(1);
    expect(() => cluster.allocate(8, 2)).toThrow(AssertionFailure);
    cluster.release(7, first);
    expect(cluster.freeCount).toBe(4);
    cluster.checkInvariants();
  });

  it("tells the listener when a crash takes a node from a job, and keeps a down node out of the pool", () => {
    const cluster = new Cluster(new Sim({ seed: 1 }), { racks: 1, nodesPerRack: 3, gpusPerNode: 1 });
    const lost: Array<[number, number]> = [];
    const listener: ClusterListener = {
      jobLostNode: (jobId, node) => lost.push([jobId, node]),
      nodesRestored: () => {},
      clockChanged: () => {},
      asOneChange: (tell) => tell(),
    };
    cluster.setListener(listener);
    const first = cluster.allocate(5, 2);
    cluster.crash(first);
    expect(lost).toEqual([[5, first]]);
    cluster.release(5, first);
    expect(cluster.freeCount).toBe(2 - 1 + 1); // one other job node back, the idle node still free
    cluster.crash(nodesOf(cluster, cluster.allocate(6, 1))[0]);
    cluster.checkInvariants();
    expect(() => cluster.crash(first)).toThrow(AssertionFailure);
    cluster.restore(first);
    cluster.checkInvariants();
  });
});

describe("FIFO scheduler", () => {
  it("starts jobs in submit order and stops at the first that does not fit", () => {
    const scheduler = new BatchScheduler({ backfill: "none", priority: null });
    const jobs = [new Job(0, 2, 1, 0), new Job(1, 3, 1, 0), new Job(2, 1, 1, 0)];
    for (const job of jobs) scheduler.submit(job);
    const started: number[] = [];
    let free = 4;
    const context: SchedulingContext = {
      nowUs: 0,
      get freeNodes() {
        return free;
      },
      totalNodes: 4,
      fits: (job) => job.nodeCount <= free,
      start: (job) => {
        started.push(job.id);
        free -= job.nodeCount;
      },
    };
    scheduler.schedule(context);
    expect(started).toEqual([0]);
    expect(scheduler.queuedCount).toBe(2);
  });

  it("puts a requeued job back in its place by submit order", () => {
    const scheduler = new BatchScheduler({ backfill: "none", priority: null });
    const jobs = [0, 1, 2, 3].map((id) => new Job(id, 1, 1, 0));
    scheduler.submit(jobs[0]);
    scheduler.submit(jobs[2]);
    scheduler.submit(jobs[3]);
    scheduler.requeue(jobs[1]);
    const order: number[] = [];
    scheduler.schedule({ nowUs: 0, freeNodes: 10, totalNodes: 10, fits: () => true, start: (job) => order.push(job.id) });
    expect(order).toEqual([0, 1, 2, 3]);
  });
});
