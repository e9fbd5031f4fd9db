import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allReduceBandwidthGbps, ringAllReduceUs, ringRoutes, treeAllReduceUs } from "../../models/fabric/collectives.js";
import { Fabric, type FabricListener } from "../../models/fabric/fabric.js";
import { maxMinRates } from "../../models/fabric/max-min.js";
import { FatTree } from "../../models/fabric/topology.js";
import { AssertionFailure } from "../../sim/assert.js";
import { Sim } from "../../sim/sim.js";
import { TWO_LEAVES } from "./fixtures.js";

const nodes = (...list: number[]): Int32Array => Int32Array.from(list);
const MB = 1_000_000;
const A = 1;
const B = 2;

function setup(): { sim: Sim; tree: FatTree; fabric: Fabric; heard: string[] } {
  const sim = new Sim({ seed: 1 });
  const tree = new FatTree(TWO_LEAVES);
  const fabric = new Fabric(sim, tree);
  const heard: string[] = [];
  const listener: FabricListener = {
    jobPartitioned: (jobId) => heard.push(`partitioned ${jobId}`),
    jobReconnected: (jobId) => heard.push(`reconnected ${jobId}`),
  };
  fabric.setListener(listener);
  return { sim, tree, fabric, heard };
}

describe("fabric", () => {
  it("times an all-reduce at the job's bottleneck: alone 75 Gbps, α 4.75 µs", () => {
    const { fabric } = setup();
    fabric.addJob(A, nodes(0, 1, 6, 7));
    expect(fabric.bandwidthGbps(A)).toBe(75);
    expect(fabric.alphaUs(A)).toBe(4.75);
    // Ring: 2·3·4.75 + 1.5·(8·10⁶ / 75,000) = 28.5 + 160.
    expect(fabric.allReduceUs(A, MB, "ring")).toBeCloseTo(188.5, 9);
    expect(fabric.allReduceUs(A, MB, "ring")).toBe(ringAllReduceUs(4, MB, 4.75, 75));
    // Tree: 2·2·(4.75 + 106.67).
    expect(fabric.allReduceUs(A, MB, "tree")).toBe(treeAllReduceUs(4, MB, 4.75, 75));
  });

  it("slows a job when another's ring shares its uplinks, and restores it when that job ends", () => {
    const { tree, fabric } = setup();
    fabric.addJob(A, nodes(0, 1, 6, 7));
    fabric.addJob(B, nodes(4, 5, 10, 11));
    expect(fabric.bandwidthGbps(A)).toBe(37.5);
    expect(fabric.bandwidthGbps(B)).toBe(37.5);
    // 28.5 + 1.5·(8·10⁶ / 37,500) = 28.5 + 320.
    expect(fabric.allReduceUs(A, MB, "ring")).toBeCloseTo(348.5, 9);
    const shared = tree.linksBetweenLeafAndSpine(0, 2).up;
    expect(fabric.linkLoadGbps(shared)).toBe(75);
    fabric.removeJob(B);
    // A alone fills the link it had shared.
    expect(fabric.bandwidthGbps(A)).toBe(75);
    expect(fabric.linkLoadGbps(shared)).toBe(75);
    expect(fabric.linkLoadGbps(tree.linksBetweenLeafAndSpine(0, 0).up)).toBe(0);
  });

  it("solves max-min once per change, however many queries follow", () => {
    const { fabric } = setup();
    fabric.addJob(A, nodes(0, 1, 6, 7));
    fabric.addJob(B, nodes(4, 5, 10, 11));
    expect(fabric.solveCount).toBe(0);
    for (let i = 0; i < 100; i++) fabric.allReduceUs(i % 2 === 0 ? A : B, MB, "ring");
    expect(fabric.solveCount).toBe(1);
    fabric.removeJob(B);
    fabric.bandwidthGbps(A);
    fabric.bandwidthGbps(A);
    expect(fabric.solveCount).toBe(2);
  });

  it("inflates message latency by the other traffic on the hop: α/(1 − ρ), ρ = 37.5/75 → 2α", () => {
    const { fabric } = setup();
    expect(fabric.p99LatencyUs()).toBeNull();
    fabric.addJob(A, nodes(0, 1, 6, 7));
    // Alone: no one else's traffic on its links, so the latency is α.
    expect(fabric.messageLatencyUs(A)).toBe(4.75);
    for (let i = 0; i < 99; i++) fabric.allReduceUs(A, MB, "ring");
    fabric.addJob(B, nodes(4, 5, 10, 11));
    // On leaf0→spine2 the other job carries 37.5 of 75 Gbps: ρ = 0.5, 4.75 / 0.5 = 9.5 µs.
    expect(fabric.messageLatencyUs(A)).toBe(9.5);
    fabric.allReduceUs(A, MB, "ring");
    // 99 samples of 4.75 and one of 9.5: type-7 p99 sits at rank 98.01,
    // 4.75 + 0.01·(9.5 − 4.75) = 4.7975.
    expect(fabric.latencySamples.count).toBe(100);
    expect(fabric.p99LatencyUs()).toBeCloseTo(4.7975, 12);
  });

  it("caps ρ so latency stays finite when others take the whole link", () => {
    // One spine, 6:1: one 100 Gbps uplink per leaf (6·100/6). Three two-node jobs across
    // the leaves put three flows on each uplink: 33.3 Gbps each, and the others' ρ = 2/3,
    // above a cap of 0.5, so the factor is 1/(1 − 0.5) = 2.
    const sim = new Sim({ seed: 1 });
    const tree = new FatTree({ ...TWO_LEAVES, spineCount: 1, oversubscription: 6 });
    const fabric = new Fabric(sim, tree, { utilizationForLatencyMax: 0.5 });
    fabric.addJob(A, nodes(0, 6));
    fabric.addJob(B, nodes(1, 7));
    fabric.addJob(3, nodes(2, 8));
    expect(fabric.bandwidthGbps(A)).toBeCloseTo(100 / 3, 12);
    expect(fabric.messageLatencyUs(A)).toBe(2 * fabric.alphaUs(A));
  });

  it("reroutes around a failed uplink and records it", () => {
    const { sim, tree, fabric, heard } = setup();
    fabric.addJob(A, nodes(0, 1, 6, 7));
    fabric.addJob(B, nodes(4, 5, 10, 11));
    const link = tree.linksBetweenLeafAndSpine(0, 2).up;
    expect(fabric.failLink(link)).toEqual([]);
    // Both rings move to spine 3 together and still share: 37.5 each.
    expect(fabric.bandwidthGbps(A)).toBe(37.5);
    expect(fabric.linkLoadGbps(link)).toBe(0);
    expect(fabric.linkLoadGbps(tree.linksBetweenLeafAndSpine(0, 3).up)).toBe(75);
    fabric.restoreLink(link);
    expect(fabric.linkLoadGbps(link)).toBe(75);
    expect(heard).toEqual([]);
    expect(sim.records).toEqual([
      { timeUs: 0, kind: "LinkFailed", link, name: "leaf00->spine02" },
      { timeUs: 0, kind: "LinkRestored", link, name: "leaf00->spine02" },
    ]);
  });

  it("partitions a job whose node lost its cable, tells the listener, and reconnects it", () => {
    const { sim, tree, fabric, heard } = setup();
    fabric.addJob(A, nodes(0, 1, 6, 7));
    fabric.addJob(B, nodes(4, 5, 10, 11));
    fabric.allReduceUs(A, MB, "ring");
    const cut = tree.nodeUplink(6);
    expect(fabric.failLink(cut)).toEqual([A]);
    expect(heard).toEqual([`partitioned ${A}`]);
    expect(fabric.isPartitioned(A)).toBe(true);
    expect(fabric.allReduceUs(A, MB, "ring")).toBe(Infinity);
    expect(fabric.bandwidthGbps(A)).toBe(0);
    // A's flows are gone, so B has the spine links to itself.
    expect(fabric.bandwidthGbps(B)).toBe(75);
    expect(fabric.restoreLink(cut)).toEqual([A]);
    expect(heard).toEqual([`partitioned ${A}`, `reconnected ${A}`]);
    expect(fabric.bandwidthGbps(A)).toBe(37.5);
    expect(sim.records.map((record) => record.kind)).toEqual([
      "LinkFailed",
      "JobPartitioned",
      "LinkRestored",
      "JobReconnected",
    ]);
    // One sample: none while partitioned.
    expect(fabric.latencySamples.count).toBe(1);
  });

  it("notices a link failed on the topology directly, at the next query", () => {
    const { tree, fabric, heard } = setup();
    fabric.addJob(A, nodes(0, 1, 6, 7));
    tree.failLink(tree.nodeDownlink(0));
    expect(fabric.isPartitioned(A)).toBe(true);
    expect(heard).toEqual([`partitioned ${A}`]);
  });

  it("costs nothing for a one-node job and refuses unknown or duplicate jobs", () => {
    const { fabric } = setup();
    fabric.addJob(A, nodes(3));
    expect(fabric.allReduceUs(A, MB, "ring")).toBe(0);
    expect(fabric.bandwidthGbps(A)).toBe(Infinity);
    expect(fabric.p99LatencyUs()).toBeNull();
    expect(() => fabric.addJob(A, nodes(4))).toThrow(AssertionFailure);
    expect(() => fabric.removeJob(B)).toThrow(AssertionFailure);
    expect(() => fabric.allReduceUs(B, MB, "ring")).toThrow(AssertionFailure);
  });

  it("copies the nodes it is given", () => {
    const { fabric } = setup();
    const ring = nodes(0, 1, 6, 7);
    fabric.addJob(A, ring);
    ring[2] = 2;
    expect(fabric.bandwidthGbps(A)).toBe(75);
  });

  it("gives each job what allReduceBandwidthGbps gives it with the others as background (property)", () => {
    const options = { ...TWO_LEAVES, nodesPerLeaf: 8, leafCount: 4, spineCount: 3 };
    const nodeCount = options.nodesPerLeaf * options.leafCount;
    const jobs = fc
      .shuffledSubarray(
        Array.from({ length: nodeCount }, (_, node) => node),
        { minLength: 2, maxLength: nodeCount },
      )
      .chain((order) =>
        fc.record({
          order: fc.constant(order),
          cuts: fc.array(fc.integer({ min: 1, max: order.length - 1 }), { maxLength: 5 }),
          failed: fc.uniqueArray(fc.nat({ max: 2 * nodeCount + 2 * 4 * 3 - 1 }), { maxLength: 6 }),
        }),
      );
    fc.assert(
      fc.property(jobs, ({ order, cuts, failed }) => {
        const bounds = [0, ...new Set(cuts), order.length].sort((x, y) => x - y);
        const rings = bounds.slice(1).map((end, i) => Int32Array.from(order.slice(bounds[i], end)));
        const tree = new FatTree(options);
        for (const id of failed) tree.failLink(id);
        const fabric = new Fabric(new Sim({ seed: 1 }), tree);
        rings.forEach((ring, jobId) => fabric.addJob(jobId, ring));
        rings.forEach((ring, jobId) => {
          const background = rings.flatMap((other, otherId) =>
            otherId === jobId ? [] : (ringRoutes(tree, other) ?? []),
          );
          const expected = allReduceBandwidthGbps(tree, ring, background);
          const actual = fabric.bandwidthGbps(jobId);
          if (expected === Infinity || expected === 0) expect(actual).toBe(expected);
          else expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * expected);
          expect(fabric.isPartitioned(jobId)).toBe(ringRoutes(tree, ring) === null);
        });
      }),
      { numRuns: 200 },
    );
  });

  it("is deterministic: the same calls give the same records and samples", () => {
    const run = (): unknown => {
      const { sim, tree, fabric } = setup();
      fabric.addJob(A, nodes(0, 1, 6, 7));
      fabric.addJob(B, nodes(4, 5, 10, 11));
      fabric.addJob(3, nodes(2, 3, 8, 9));
      const times = [fabric.allReduceUs(A, MB, "ring"), fabric.allReduceUs(3, MB, "tree")];
      fabric.failLink(tree.linksBetweenLeafAndSpine(1, 0).up);
      times.push(fabric.allReduceUs(B, MB, "ring"), fabric.allReduceUs(3, MB, "ring"));
      return { records: sim.records, times, samples: Array.from(fabric.latencySamples.sortedValues()) };
    };
    expect(run()).toEqual(run());
  });
});

describe("solving only what a change reaches", () => {
  it("gives every job the rates a global max-min solve of all jobs gives, after each add, remove and link change", () => {
    // A fat-tree of 4 leaves × 4 nodes, 2 spines, oversubscribed 2:1: rings inside a rack
    // share nothing; rings across racks share uplinks and chain into components.
    const options = { nodesPerLeaf: 4, leafCount: 4, spineCount: 2, linkGbps: 100, oversubscription: 2, linkLatencyUs: 1, switchLatencyUs: 0.25 };
    const step = fc.oneof(
      fc.record({ kind: fc.constant("add" as const), nodes: fc.uniqueArray(fc.integer({ min: 0, max: 15 }), { minLength: 1, maxLength: 6 }) }),
      fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant("link" as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 25 }), (steps) => {
        const tree = new FatTree(options);
        const fabric = new Fabric(new Sim({ seed: 1 }), tree);
        const jobs = new Map<number, Int32Array>();
        let nextId = 0;
        for (const s of steps) {
          if (s.kind === "add") {
            fabric.addJob(nextId, Int32Array.from(s.nodes));
            jobs.set(nextId++, Int32Array.from(s.nodes));
          } else if (s.kind === "remove" && jobs.size > 0) {
            const id = [...jobs.keys()][s.pick % jobs.size];
            fabric.removeJob(id);
            jobs.delete(id);
          } else if (s.kind === "link") {
            // Cut or mend one leaf–spine cable (both directions).
            const leaf = s.pick % 4;
            const links = tree.linksBetweenLeafAndSpine(leaf, (s.pick >> 2) % 2);
            for (const link of [links.up, links.down]) {
              if (tree.isLinkUp(link)) fabric.failLink(link);
              else fabric.restoreLink(link);
            }
          }
          // The reference: every registered ring's flows solved together from scratch.
          const routed = [...jobs].map(([id, ring]) => ({ id, routes: ringRoutes(tree, ring) }));
          const flows = routed.flatMap((job) => job.routes ?? []);
          const rates = maxMinRates(flows, tree.capacitiesGbps);
          let flow = 0;
          for (const job of routed) {
            if (job.routes === null) {
              expect(fabric.isPartitioned(job.id)).toBe(true);
              continue;
            }
            const mine = job.routes.length === 0 ? Infinity : Math.min(...job.routes.map((_, k) => rates[flow + k]));
            flow += job.routes.length;
            expect(fabric.bandwidthGbps(job.id)).toBe(mine);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
