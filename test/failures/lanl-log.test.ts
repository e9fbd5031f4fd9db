import { readFileSync } from "node:fs";
import { gzipSync, gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { Cluster } from "../../models/hardware/cluster.js";
import { FailureLogReplay, readLanlFailureLog, type LanlFailure } from "../../models/failures/lanl-log.js";
import { TraceError } from "../../models/workload/traces/trace-error.js";
import { Sim } from "../../sim/sim.js";
import { US_PER_MIN, US_PER_S } from "../../sim/time.js";
import { traceFile } from "../workload/trace-files.js";
import { tempFolder } from "../workload/temp-files.js";

const LOG = traceFile("LANL-failure-data-1996-2005.csv.gz");
/** The CSV's data lines, split independently of the reader (only the first field, never quoted, is used). */
const LOG_LINES = gunzipSync(readFileSync(LOG)).toString("utf8").split("\n").slice(1).filter((line) => line !== "");
const ALL = readLanlFailureLog(LOG);

function countBy<T>(items: readonly T[], key: (item: T) => string | number): Map<string | number, number> {
  const counts = new Map<string | number, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** The system with the most failures, and how many (ties: the lower id). */
function largestSystem(): [number, number] {
  let best: [number, number] = [-1, -1];
  for (const [system, count] of countBy(ALL, (r) => r.system)) {
    if (count > best[1] || (count === best[1] && (system as number) < best[0])) best = [system as number, count];
  }
  return best;
}

/** Gaps between successive failures of each node, seconds; same-minute repeats (gap 0) left out. */
function perNodeGapsS(records: readonly LanlFailure[]): { gaps: number[]; zeroGaps: number } {
  const byNode = new Map<number | null, number[]>();
  for (const r of records) {
    const starts = byNode.get(r.nodeNumber) ?? [];
    starts.push(r.startS);
    byNode.set(r.nodeNumber, starts);
  }
  const gaps: number[] = [];
  let zeroGaps = 0;
  for (const starts of byNode.values()) {
    starts.sort((a, b) => a - b);
    for (let i = 1; i < starts.length; i++) {
      const gap = starts[i] - starts[i - 1];
      if (gap > 0) gaps.push(gap);
      else zeroGaps++;
    }
  }
  return { gaps, zeroGaps };
}

/**
 * Maximum-likelihood Weibull shape: the root of
 *   g(k) = Σ xᵏ ln x / Σ xᵏ − 1/k − mean(ln x) = 0,
 * by Newton's method, g'(k) = Σ xᵏ ln²x / Σ xᵏ − (Σ xᵏ ln x / Σ xᵏ)² + 1/k². Data are scaled by
 * their mean first (the shape does not depend on scale) so xᵏ stays in range.
 */
function weibullShapeMle(data: readonly number[]): number {
  const mean = data.reduce((s, x) => s + x, 0) / data.length;
  const logs = data.map((x) => Math.log(x / mean));
  const meanLog = logs.reduce((s, l) => s + l, 0) / logs.length;
  let k = 1;
  for (let iteration = 0; iteration < 50; iteration++) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    for (const l of logs) {
      const xk = Math.exp(k * l);
      s0 += xk;
      s1 += xk * l;
      s2 += xk * l * l;
    }
    const g = s1 / s0 - 1 / k - meanLog;
    const slope = s2 / s0 - (s1 / s0) ** 2 + 1 / (k * k);
    const step = g / slope;
    k -= step;
    if (Math.abs(step) < 1e-12) break;
  }
  return k;
}

describe("LANL failure log: the real file", () => {
  it("holds the README's overall facts: 23,739 records, systems 2–24, downtime mean 352.4 min and median 59 min, root causes", () => {
    expect(ALL.length).toBe(23_739);
    expect(LOG_LINES.length).toBe(23_739);
    const systems = [...countBy(ALL, (r) => r.system).keys()].sort((a, b) => (a as number) - (b as number));
    expect(systems).toEqual(Array.from({ length: 23 }, (_, i) => i + 2));
    const downtimesMin = ALL.map((r) => r.downtimeS / 60).sort((a, b) => a - b);
    const meanMin = downtimesMin.reduce((s, d) => s + d, 0) / downtimesMin.length;
    expect(Math.abs(meanMin - 352.4)).toBeLessThan(0.05);
    expect(downtimesMin[(downtimesMin.length - 1) / 2]).toBe(59); // odd count: the middle one
    const shares = countBy(ALL, (r) => r.cause);
    const percent = (cause: string) => (100 * (shares.get(cause) ?? 0)) / ALL.length;
    const readme: [string, number][] = [
      ["hardware", 60.4],
      ["software", 22.6],
      ["undetermined", 11.2],
      ["network", 1.8],
      ["facilities", 1.5],
      ["human-error", 0.6],
      ["unrecorded", 1.9],
    ];
    for (const [cause, share] of readme) expect(Math.abs(percent(cause) - share), cause).toBeLessThan(0.05);
    expect(ALL[0].startS).toBe(0);
    // System 17 leaves every machine column empty, the node included: unknown, not malformed.
    const unknownNode = ALL.filter((r) => r.nodeNumber === null);
    expect(unknownNode.length).toBe(126);
    expect(unknownNode.every((r) => r.system === 17)).toBe(true);
  });

  it("reads the largest system (by records) alone: counts match an independent count of its CSV lines", () => {
    const [system, count] = largestSystem();
    expect(system).toBe(2); // 49 nodes, 7,104 failures
    const records = readLanlFailureLog(LOG, system);
    const lines = LOG_LINES.filter((line) => line.slice(0, line.indexOf(",")) === String(system));
    expect(records.length).toBe(lines.length);
    expect(records.length).toBe(count);
    expect(records.length).toBe(7_104);
    expect(records.every((r) => r.system === system)).toBe(true);
    expect(new Set(records.map((r) => r.nodeNumber)).size).toBe(49);
  });

  it("times count from the system's earliest failure, read as UTC minutes (checked against Date.UTC)", () => {
    const records = readLanlFailureLog(LOG, 20);
    const utcMin = (text: string): number => {
      const [date, time] = text.split(" ");
      const [month, day, year] = date.split("/").map(Number);
      const [hour, minute] = time.split(":").map(Number);
      return Date.UTC(year, month - 1, day, hour, minute) / 60_000;
    };
    // Prob Started is the 17th field; system 20's lines have no quoted fields before it.
    const started = new Map<number, number>();
    LOG_LINES.forEach((line, i) => {
      if (line.startsWith("20,")) started.set(i + 2, utcMin(line.split(",")[16]));
    });
    const earliest = Math.min(...started.values());
    expect(records.length).toBe(started.size);
    for (const r of records) expect(r.startS).toBe((started.get(r.line)! - earliest) * 60);
    for (let i = 1; i < records.length; i++) expect(records[i].startS).toBeGreaterThanOrEqual(records[i - 1].startS);
  });

  it("per-node times between failures fit a Weibull of shape < 1 (MLE): 0.4 < k < 0.95, as the README's 0.5–0.9", () => {
    const [system] = largestSystem();
    const { gaps, zeroGaps } = perNodeGapsS(readLanlFailureLog(LOG, system));
    expect(gaps.length).toBeGreaterThan(7_000);
    expect(zeroGaps).toBeLessThan(20); // a handful of same-minute repeats
    const shape = weibullShapeMle(gaps);
    expect(shape).toBeGreaterThan(0.4);
    expect(shape).toBeLessThan(0.95);
    expect(shape).toBeCloseTo(0.638, 2);
  });
});

const HEADER =
  "System,machine type,nodes,procstot,procsinnode,nodenum,nodenumz,node install,node prod,node decom,fru type,mem,cputype,memtype,num intercon,purpose,Prob Started,Prob Fixed,Down Time,Facilities,Hardware,Human Error,Network,Undetermined,Software,Same Event";
const CAUSE_FIELD = { facilities: 19, hardware: 20, "human-error": 21, network: 22, undetermined: 23, software: 24 } as const;

/** One log line with the fields the reader uses; the rest as LANL writes them for a small cluster. */
function logLine(system: number, node: number, started: string, downMin: string, cause: keyof typeof CAUSE_FIELD, detail: string): string {
  const cells = `${system},cluster,8,32,4,${node + 1},${node},Nov-96,Jan-97,current,part,32,1,1,1,compute,${started},${started},${downMin},,,,,,,No`.split(",");
  cells[CAUSE_FIELD[cause]] = detail.includes(",") ? `"${detail}"` : detail;
  return cells.join(",");
}

describe("LANL failure log: replay onto a small cluster", () => {
  const file = tempFolder("lanl-log");
  const text = [
    HEADER,
    logLine(7, 0, "1/1/2000 0:00", "60", "hardware", "CPU"),
    logLine(7, 5, "1/1/2000 0:30", "0", "software", "MPI, PVM, Array services"),
    logLine(7, 0, "1/1/2000 0:45", "30", "network", "Switch"),
    "",
  ].join("\n");

  it("reads the hand-made log, plain or gzip, with its quoted field", () => {
    const plain = readLanlFailureLog(file("three.csv", text), 7);
    const gzipped = readLanlFailureLog(file("three.csv.gz", gzipSync(text)), 7);
    expect(gzipped).toEqual(plain);
    expect(plain).toEqual([
      { system: 7, nodeNumber: 0, startS: 0, downtimeS: 3_600, cause: "hardware", detail: "CPU", line: 2 },
      { system: 7, nodeNumber: 5, startS: 1_800, downtimeS: 0, cause: "software", detail: "MPI, PVM, Array services", line: 3 },
      { system: 7, nodeNumber: 0, startS: 2_700, downtimeS: 1_800, cause: "network", detail: "Switch", line: 4 },
    ]);
    expect(readLanlFailureLog(file("three-other.csv", text), 8)).toEqual([]);
  });

  it("crashes each node at its logged time (log node k → cluster node k mod 4), restores it after its downtime, skips a node already down", () => {
    const records = readLanlFailureLog(file("story.csv", text), 7);
    const sim = new Sim({ seed: 1, keepRecords: true });
    const cluster = new Cluster(sim, { racks: 1, nodesPerRack: 4, gpusPerNode: 1 });
    const replay = new FailureLogReplay(sim, cluster, records, { startUs: 60 * US_PER_MIN });
    replay.start();
    sim.run();
    const story = sim.records.map((r) => {
      const { kind, timeUs, node } = r as { kind: string; timeUs: number; node: number };
      return [kind, timeUs / US_PER_MIN, node, ...(kind === "NodeCrashed" ? [r.cause, r.detail, r.source, r.logNode, r.repairUs] : [])];
    });
    expect(story).toEqual([
      ["NodeCrashed", 60, 0, "hardware", "CPU", "lanl-log", 0, 60 * US_PER_MIN],
      ["NodeCrashed", 90, 1, "software", "MPI, PVM, Array services", "lanl-log", 5, 1],
      ["NodeRestored", 90 + 1 / US_PER_MIN, 1],
      ["NodeCrashSkipped", 105, 0],
      ["NodeRestored", 120, 0],
    ]);
    expect(sim.records.find((r) => r.kind === "NodeCrashSkipped")).toMatchObject({ source: "lanl-log", reason: "node down", line: 4 });
    expect([replay.crashCount, replay.skippedCount]).toEqual([2, 1]);
    for (let node = 0; node < 4; node++) expect(cluster.isUp(node)).toBe(true);
  });

  it("replays a whole real system (2, 49 nodes) onto 16: each failure lands at its logged time on node k mod 16, or finds it down", () => {
    const sim = new Sim({ seed: 1, keepRecords: true });
    const cluster = new Cluster(sim, { racks: 2, nodesPerRack: 8, gpusPerNode: 1 });
    const records = readLanlFailureLog(LOG, 2);
    const replay = new FailureLogReplay(sim, cluster, records, { startUs: 0 });
    replay.start();
    sim.run();
    expect(replay.crashCount + replay.skippedCount).toBe(records.length);
    const crashes = sim.records.filter((r) => r.kind === "NodeCrashed");
    const restores = sim.records.filter((r) => r.kind === "NodeRestored");
    expect(crashes.length).toBe(replay.crashCount);
    expect(restores.length).toBe(crashes.length);
    const byLine = new Map(records.map((x) => [x.line, x]));
    for (const r of crashes) {
      const logged = byLine.get(r.line as number)!;
      expect(r.timeUs).toBe(logged.startS * US_PER_S);
      expect(r.node).toBe(logged.nodeNumber! % 16);
    }
    for (let node = 0; node < 16; node++) expect(cluster.isUp(node)).toBe(true);
    cluster.checkInvariants();
  });

  it("does not restore early a node that was down for another cause when its logged failure came", () => {
    const records = readLanlFailureLog(file("other-cause.csv", text), 7);
    const sim = new Sim({ seed: 1, keepRecords: true });
    const cluster = new Cluster(sim, { racks: 1, nodesPerRack: 4, gpusPerNode: 1 });
    new FailureLogReplay(sim, cluster, records, { startUs: 0 }).start();
    sim.schedule(0, () => cluster.crash(1)); // before the log's 0:30 failure of log node 5 → 1
    sim.schedule(300 * US_PER_MIN, () => cluster.restore(1));
    const upAt = (minutes: number): boolean[] => {
      let up: boolean[] = [];
      sim.schedule(minutes * US_PER_MIN - sim.now, () => (up = [0, 1, 2, 3].map((n) => cluster.isUp(n))));
      sim.run(minutes * US_PER_MIN);
      return up;
    };
    expect(upAt(31)).toEqual([false, false, true, true]);
    expect(upAt(200)).toEqual([true, false, true, true]);
    expect(upAt(301)).toEqual([true, true, true, true]);
  });
});

describe("LANL failure log: malformed input", () => {
  const file = tempFolder("lanl-bad");

  it("names the file and line of every malformed line", () => {
    const path = file(
      "bad.csv",
      [
        HEADER,
        logLine(7, 0, "1/1/2000 0:00", "60", "hardware", "CPU"),
        logLine(7, 0, "13/1/2000 0:00", "60", "hardware", "CPU"),
        logLine(7, 0, "2/30/2000 0:00", "60", "hardware", "CPU"),
        logLine(7, 0, "1/2/2000 0:00", "-5", "hardware", "CPU"),
        logLine(7, -1, "1/2/2000 0:00", "5", "hardware", "CPU"),
        "7,cluster,8",
        `${logLine(7, 0, "1/2/2000 0:00", "5", "hardware", "CPU")},"open`,
        logLine(8, 0, "1/2/2000 25:00", "5", "hardware", "CPU"),
      ].join("\n"),
    );
    let error: unknown;
    try {
      readLanlFailureLog(path, 7);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TraceError);
    expect((error as TraceError).problems).toEqual([
      `${path}:3: Prob Started: expected a date m/d/yyyy h:mm, got "13/1/2000 0:00"`,
      `${path}:4: Prob Started: expected a date m/d/yyyy h:mm, got "2/30/2000 0:00"`,
      `${path}:5: Down Time: expected minutes (a number ≥ 0), got "-5"`,
      `${path}:6: nodenumz: expected a whole number, got "-1"`,
      `${path}:7: expected 26 comma-separated fields (as in the header), got 3`,
      `${path}:8: unterminated quoted field`,
      `${path}:9: Prob Started: expected a date m/d/yyyy h:mm, got "1/2/2000 25:00"`,
    ]);
  });

  it("a missing column is an error at the header line", () => {
    const path = file("no-down-time.csv", `${HEADER.replace("Down Time", "Downtime")}\n`);
    expect(() => readLanlFailureLog(path)).toThrow(`${path}:1: missing column "Down Time"`);
    const empty = file("empty.csv", "\n\n");
    expect(() => readLanlFailureLog(empty)).toThrow(`${empty}:1: no header line`);
  });
});
