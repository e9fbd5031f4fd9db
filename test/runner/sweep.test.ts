import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { manifestHash, openSweepFolder, readPart, writePart, type SweepManifest } from "../../cli/sweep-store.js";
import { METRIC_NAMES } from "../../reports/records.js";
import type { RunOutcome } from "../../runner/run.js";
import { dalyIntervalS, youngIntervalS } from "../../models/strategies/optimal-interval.js";
import {
  axisNumbers,
  intervalOptima,
  parseShardOption,
  planSweep,
  runName,
  shardRuns,
  type SweepRequest,
  type SweepRun,
} from "../../runner/sweep.js";

const TEXT = `name: grid
description: A scenario to plan sweeps over.
seed: 5
horizon: 1d
replications: 3
cluster: { racks: 1, nodesPerRack: 2, node: { gpus: 1 } }
workload:
  generator: { arrivalsPerHour: 1, nodes: { constant: 1 }, runtime: 1h }
failures:
  - { kind: node-crash, mtbf: 10d, repair: 2h }
strategies:
  - { name: a, checkpoint: { policy: none } }
  - { name: b, checkpoint: { policy: fixed, interval: 30m, cost: 1m } }
`;

function request(sets: string[], extra: Partial<SweepRequest> = {}): SweepRequest {
  return { scenarioFile: "/tmp/grid.yaml", scenarioText: TEXT, sets, seed: null, replications: null, ...extra };
}

describe("planSweep", () => {
  it("lists every run point by point, strategy by strategy, with each point's own seed and values", () => {
    const planned = planSweep(request(["failures.0.mtbf=5d,20d", "seed=7,8,9"], { replications: 2 }));
    if (!planned.ok) throw new Error(planned.problems.join("\n"));
    const plan = planned.value;
    expect(plan.points.map((point) => point.label)).toEqual([
      "mtbf=5d,seed=7", "mtbf=5d,seed=8", "mtbf=5d,seed=9", "mtbf=20d,seed=7", "mtbf=20d,seed=8", "mtbf=20d,seed=9",
    ]);
    // A swept seed is the point's seed; --replications overrides the file's 3.
    expect(plan.points.map((point) => point.seed)).toEqual([7, 8, 9, 7, 8, 9]);
    expect(plan.points[3].scenario.failures[0]).toMatchObject({ mtbf: 20 * 86_400 });
    expect(plan.runs).toHaveLength(6 * 2 * 2);
    expect(plan.runs.slice(0, 5).map(runName)).toEqual(["p0-s0-r0", "p0-s0-r1", "p0-s1-r0", "p0-s1-r1", "p1-s0-r0"]);
  });

  it("names point folders by their values, falling back to the index when a name would be unsafe, long or ambiguous", () => {
    const folders = (sets: string[]) => {
      const planned = planSweep(request(sets));
      if (!planned.ok) throw new Error(planned.problems.join("\n"));
      return planned.value.points.map((point) => point.folder);
    };
    expect(folders(["failures.0.mtbf=5d,20d", "seed=7,8"])).toEqual([
      "point-0-mtbf=5d_seed=7", "point-1-mtbf=5d_seed=8", "point-2-mtbf=20d_seed=7", "point-3-mtbf=20d_seed=8",
    ]);
    expect(folders([])).toEqual(["point-0"]);
    // One unsafe value falls back for its own point only; the index keeps every name unique.
    expect(folders(["description=a,b/c"])).toEqual(["point-0-description=a", "point-1"]);
    // Two axes ending in the same key would not say which is which.
    expect(folders(["name=g", "strategies.0.name=c"])).toEqual(["point-0"]);
    expect(folders([`description=${"x".repeat(60)}`])).toEqual(["point-0"]);
  });

  it("reads axes as numbers (durations in seconds) and finds Young/Daly for a swept fixed checkpoint interval", () => {
    const planned = planSweep(request(["strategies.1.checkpoint.interval=10m,1h", "failures.0.mtbf=5d,10d"]));
    if (!planned.ok) throw new Error(planned.problems.join("\n"));
    const plan = planned.value;
    expect(axisNumbers(plan, 0)).toEqual([600, 3_600]);
    expect(axisNumbers(plan, 1)).toEqual([5 * 86_400, 10 * 86_400]);
    // One optimum per MTBF the grid holds; jobs of one node, so the job MTBF is the node's.
    const optima = intervalOptima(plan, 0);
    expect(optima.map((o) => o.nodeMtbfS)).toEqual([5 * 86_400, 10 * 86_400]);
    expect(optima[1]).toMatchObject({ strategy: "b", jobNodes: 1, dalyS: dalyIntervalS(60, 10 * 86_400), youngS: youngIntervalS(60, 10 * 86_400) });
    // Not a checkpoint interval, or not a number: nothing to draw.
    expect(intervalOptima(plan, 1)).toEqual([]);
    const named = planSweep(request(["strategies.0.name=x,y"]));
    if (!named.ok) throw new Error(named.problems.join("\n"));
    expect(axisNumbers(named.value, 0)).toBeNull();
  });

  it("without --set is one point, the scenario as written", () => {
    const planned = planSweep(request([]));
    if (!planned.ok) throw new Error(planned.problems.join("\n"));
    expect(planned.value.points).toHaveLength(1);
    expect(planned.value.points[0]).toMatchObject({ label: "", seed: 5, replications: 3 });
    expect(planned.value.runs).toHaveLength(2 * 3);
  });

  it("reports every bad point against its field, naming the point", () => {
    const planned = planSweep(request(["horizon=1d,never,-2"]));
    expect(planned.ok).toBe(false);
    if (planned.ok) return;
    expect(planned.problems).toHaveLength(2);
    expect(planned.problems[0]).toMatch(/^\/tmp\/grid\.yaml \[horizon=never\]:\d+:\d+ horizon: /);
    expect(planned.problems[1]).toMatch(/^\/tmp\/grid\.yaml \[horizon=-2\]:\d+:\d+ horizon: /);
  });
});

describe("shards", () => {
  it("split the runs: every run in exactly one shard, sizes within one of each other", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 20 }), (runCount, count) => {
        const runs: SweepRun[] = Array.from({ length: runCount }, (_, k) => ({ point: k, strategyIndex: 0, replication: 0 }));
        const shards = Array.from({ length: count }, (_, i) => shardRuns(runs, i + 1, count));
        const all = shards.flat().map((run) => run.point).sort((a, b) => a - b);
        expect(all).toEqual(runs.map((run) => run.point));
        const sizes = shards.map((shard) => shard.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("parse i/N numbered from 1", () => {
    expect(parseShardOption("2/4")).toEqual({ index: 2, count: 4 });
    for (const bad of ["0/4", "5/4", "1/0", "1", "a/b", "1/2/3"]) expect(() => parseShardOption(bad), bad).toThrow("--shard expects i/N");
  });
});

describe("parts", () => {
  /** A new sweep folder, its plan and its hash. */
  function partsFolder() {
    const folder = mkdtempSync(join(tmpdir(), "faultline-parts-"));
    const manifest: SweepManifest = { format: 1, faultlineVersion: "0.0.0", request: request([]) };
    openSweepFolder(folder, manifest, true);
    const planned = planSweep(manifest.request);
    if (!planned.ok) throw new Error(planned.problems.join("\n"));
    return { folder, plan: planned.value, sweep: manifestHash(manifest) };
  }

  it("give back exactly what the run produced, Infinity, NaN and -0 included", () => {
    const { folder, plan, sweep } = partsFolder();
    const run: SweepRun = { point: 0, strategyIndex: 1, replication: 2 };
    const [a, b, c, d, e, f] = METRIC_NAMES;
    const metrics = Object.fromEntries(METRIC_NAMES.map((name) => [name, 1]));
    Object.assign(metrics, { [a]: Infinity, [b]: -Infinity, [c]: NaN, [d]: -0, [e]: 0.1 + 0.2, [f]: null });
    const outcome = { run: { strategy: "b", replication: 2, seed: 7, metrics }, trace: null } as unknown as RunOutcome;
    writePart(folder, sweep, run, outcome);
    const back = readPart([folder], plan, sweep, run)!.run.metrics as unknown as Record<string, number | null>;
    expect(back[a]).toBe(Infinity);
    expect(back[b]).toBe(-Infinity);
    expect(back[c]).toBeNaN();
    expect(Object.is(back[d], -0)).toBe(true);
    expect(back[e]).toBe(0.1 + 0.2);
    expect(back[f]).toBeNull();
    expect(readPart([folder], plan, sweep, { ...run, replication: 1 })).toBeNull();
  });

  it("are refused when malformed, edited, or written for another sweep or run", () => {
    const { folder, plan, sweep } = partsFolder();
    const run: SweepRun = { point: 0, strategyIndex: 0, replication: 1 };
    const metrics = Object.fromEntries(METRIC_NAMES.map((name) => [name, 1]));
    const outcome = { run: { strategy: "a", replication: 1, seed: 6, metrics }, trace: null, jobs: null, events: [] } as unknown as RunOutcome;
    const path = join(folder, "parts", "p0-s0-r1.json");
    const refused = (text: string, message: RegExp) => {
      writeFileSync(path, text);
      expect(() => readPart([folder], plan, sweep, run)).toThrow(message);
    };
    refused("{}", /not a sweep part \(format: /);
    refused("null", /not a sweep part/);
    refused("{ not json", /not JSON/);
    // Each written properly, then read against what it does not belong to.
    writePart(folder, "another-sweep", run, outcome);
    expect(() => readPart([folder], plan, sweep, run)).toThrow(/written for another sweep/);
    writePart(folder, sweep, { ...run, replication: 2 }, outcome);
    const moved = join(folder, "parts", "p0-s0-r2.json");
    writeFileSync(path, readFileSync(moved));
    expect(() => readPart([folder], plan, sweep, run)).toThrow(/holds run p0-s0-r2/);
    writePart(folder, sweep, run, { ...outcome, run: { ...outcome.run, strategy: "b" } });
    expect(() => readPart([folder], plan, sweep, run)).toThrow(/not strategy a, replication 1/);
    writePart(folder, sweep, run, { ...outcome, run: { ...outcome.run, metrics: { ...metrics, made_up_h: 1 } } } as unknown as RunOutcome);
    expect(() => readPart([folder], plan, sweep, run)).toThrow(/not a sweep part/);
    writePart(folder, sweep, run, outcome);
    expect(readPart([folder], plan, sweep, run)).toEqual(outcome);
  });
});
