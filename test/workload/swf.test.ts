import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { TraceJob } from "../../models/workload/trace-job.js";
import { readTrace, TraceError } from "../../models/workload/traces/index.js";
import { traceFile } from "./trace-files.js";
import { lines, tempFolder } from "./temp-files.js";

const write = tempFolder("swf");

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const runs = (jobs: readonly TraceJob[]): number[] => jobs.map((job) => job.runS).filter((run): run is number => run !== null);
const waits = (jobs: readonly TraceJob[]): number[] => jobs.map((job) => job.waitS).filter((wait): wait is number => wait !== null);
const overran = (jobs: readonly TraceJob[]): number =>
  jobs.filter((job) => job.requestedS !== null && job.runS !== null && job.runS > job.requestedS).length;
const count = (jobs: readonly TraceJob[], keep: (job: TraceJob) => boolean): number => jobs.filter(keep).length;
/** Recorded bounded slowdown with a 10 s bound, over jobs with a recorded wait. */
const boundedSlowdown = (jobs: readonly TraceJob[]): number =>
  mean(jobs.filter((job) => job.waitS !== null && job.runS !== null).map((job) => Math.max(1, (job.waitS! + job.runS!) / Math.max(job.runS!, 10))));

/** Rounds as scenarios/traces/README.md prints its facts. */
const round1 = (value: number): number => Math.round(value * 10) / 10;

// Facts from scenarios/traces/README.md, computed there from the same files.
describe("SWF: the real traces", () => {
  it("KTH-SP2: 28,476 jobs, estimates for all, one without a processor count", () => {
    const { jobs, skipped, header } = readTrace(traceFile("KTH-SP2-1996-2.1-cln.swf.gz"), { format: "swf" });
    expect(jobs.length).toBe(28_476);
    expect(skipped).toEqual([]);
    expect(header.MaxProcs).toBe("100");
    expect(header.UnixStartTime).toBe("843480031");
    expect(header.Acknowledge).toBe("Lars Malinowsky");
    expect(round1(mean(runs(jobs)))).toBe(8_871.9);
    expect(median(runs(jobs))).toBe(847);
    expect(count(jobs, (job) => job.requestedS !== null)).toBe(28_476);
    expect(overran(jobs)).toBe(475);
    expect(round1(mean(waits(jobs)))).toBe(15_295.9);
    expect(median(waits(jobs))).toBe(300);
    expect(Math.round(boundedSlowdown(jobs) * 100) / 100).toBe(193.39);
    expect(count(jobs, (job) => job.procs === null)).toBe(1);
    expect(Math.round(mean(jobs.filter((job) => job.procs !== null).map((job) => job.procs!)) * 100) / 100).toBe(7.66);
    expect(count(jobs, (job) => job.status === "completed")).toBe(20_530);
    expect(count(jobs, (job) => job.status === "failed")).toBe(7_946);
    expect(new Set(jobs.map((job) => job.user)).size).toBe(214);
  });

  it("KTH-SP2: the job with no processor count is kept with null, or set aside only when asked", () => {
    const path = traceFile("KTH-SP2-1996-2.1-cln.swf.gz");
    const kept = readTrace(path, { format: "swf" }).jobs.filter((job) => job.procs === null);
    expect(kept.map((job) => [job.id, job.runS, job.procs, job.nodes])).toEqual([[27_313, 1, null, null]]);
    const { jobs, skipped } = readTrace(path, { format: "swf", skipIncomplete: true });
    expect(jobs.length).toBe(28_475);
    expect(skipped.map((skip) => skip.reason)).toEqual(["no processor count"]);
  });

  it("LANL-CM5: 122,060 jobs, 110,770 estimates of which 40,180 were overrun, 3 without processors", () => {
    const { jobs, header } = readTrace(traceFile("LANL-CM5-1994-4.1-cln.swf.gz"), { format: "swf" });
    expect(jobs.length).toBe(122_060);
    expect(header.MaxProcs).toBe("1024");
    expect(header.Queue.split("\n")).toHaveLength(18);
    expect(count(jobs, (job) => job.requestedS !== null)).toBe(110_770);
    expect(overran(jobs)).toBe(40_180);
    expect(count(jobs, (job) => job.procs === null)).toBe(3);
    expect(count(jobs, (job) => job.waitS === null)).toBe(3);
    expect(round1(mean(runs(jobs)))).toBe(2_581.6);
    expect(round1(mean(waits(jobs)))).toBe(1_846.4);
    expect(Math.round(boundedSlowdown(jobs) * 100) / 100).toBe(9.35);
    expect(new Set(jobs.map((job) => job.user)).size).toBe(213);
    // CPU time is written with a fraction ("489.00"); it must not trip the scanner.
    expect(jobs[1]).toMatchObject({ id: 2, submitS: 465, waitS: 5, runS: 3_362, procs: 32, requestedS: 900, memoryMiB: 32, queue: "1" });
  });

  it("NASA-iPSC: 18,239 jobs, no estimates, no waits, no status", () => {
    const { jobs, header } = readTrace(traceFile("NASA-iPSC-1993-3.1-cln.swf.gz"), { format: "swf" });
    expect(jobs.length).toBe(18_239);
    expect(header.MaxProcs).toBe("128");
    expect(count(jobs, (job) => job.requestedS !== null)).toBe(0);
    expect(count(jobs, (job) => job.waitS !== null)).toBe(0);
    expect(count(jobs, (job) => job.status === "unknown")).toBe(18_239);
    expect(new Set(jobs.map((job) => job.user)).size).toBe(69);
  });
});

const GOOD = lines(
  "; Version: 2.2",
  "; Computer: Test rig",
  ";              second line of Computer",
  "; MaxProcs: 64",
  "; UnixStartTime: 1000000000",
  "; Note: first note",
  "; Note: second note",
  "",
  "    1      0   10   100   4  -1  -1   4   200  1024  1  7  3  -1  2  -1  -1  -1",
  "    2     30   -1    -1  -1  -1  -1   8    -1    -1 -1  8  3  -1 -1  -1  -1  -1",
  "\t3\t40\t0\t50\t0\t12.5\t-1\t16\t60\t-1\t5\t7\t3\t-1\t-1\t-1\t-1\t-1\r",
);

describe("SWF: reading", () => {
  it("keeps requested and actual run time, header pairs, and unknowns as null", () => {
    const { jobs, skipped, header } = readTrace(write("good.swf", GOOD), { format: "swf" });
    expect(skipped).toEqual([]);
    expect(header).toEqual({
      Version: "2.2",
      Computer: "Test rig\nsecond line of Computer",
      MaxProcs: "64",
      UnixStartTime: "1000000000",
      Note: "first note\nsecond note",
    });
    expect(jobs).toEqual([
      {
        id: 1, sourceId: "1", submitS: 0, runS: 100, requestedS: 200, waitS: 10, procs: 4, nodes: null, gpus: 0, gpuMilli: null,
        memoryMiB: 4, user: "7", group: "3", queue: "2", qos: "", status: "completed", rawState: "1",
      },
      {
        id: 2, sourceId: "2", submitS: 30, runS: null, requestedS: null, waitS: null, procs: 8, nodes: null, gpus: 0, gpuMilli: null,
        memoryMiB: null, user: "8", group: "3", queue: "", qos: "", status: "unknown", rawState: "-1",
      },
      {
        id: 3, sourceId: "3", submitS: 40, runS: 50, requestedS: 60, waitS: 0, procs: 16, nodes: null, gpus: 0, gpuMilli: null,
        memoryMiB: null, user: "7", group: "3", queue: "", qos: "", status: "cancelled", rawState: "5",
      },
    ]);
  });

  it("sets jobs with no run time aside only under skipIncomplete, and says so", () => {
    const { jobs, skipped } = readTrace(write("incomplete.swf", GOOD), { format: "swf", skipIncomplete: true });
    expect(jobs.map((job) => job.id)).toEqual([1, 3]);
    expect(skipped).toEqual([{ line: 10, reason: "no run time" }]);
  });

  it("reads a gzip exactly as the plain text, whatever the file is called", () => {
    const plain = readTrace(write("plain.swf", GOOD), { format: "swf" });
    expect(readTrace(write("packed.swf", gzipSync(GOOD)), { format: "swf" })).toEqual(plain);
    expect(readTrace(write("not-packed.swf.gz", GOOD), { format: "swf" })).toEqual(plain);
  });
});

const ROW = "1 0 10 100 4 -1 -1 4 200 -1 1 7 3 -1 2 -1 -1 -1";
/** ROW with field `field` (1-based) replaced and the job number set. */
function row(jobNumber: number, field: number, value: string): string {
  const fields = ROW.split(" ");
  fields[0] = String(jobNumber);
  fields[field - 1] = value;
  return fields.join(" ");
}

const BAD = lines(
  "; MaxProcs: 64",
  row(1, 1, "1"),
  row(2, 4, "abc"),
  "3 0 10 100 4 -1 -1 4 200 -1 1 7 3 -1 2 -1 -1",
  row(4, 4, "-5"),
  row(5, 11, "7"),
  row(6, 2, "-1"),
  row(1, 1, "1"),
  row(8, 5, "4x"),
  row(9, 1, "9.5"),
  `${ROW} 0`,
  row(11, 3, "-"),
  row(12, 4, "-1"),
);

describe("SWF: malformed lines", () => {
  it("names file, line and field for every bad line, and reads nothing", () => {
    const path = write("bad.swf", BAD);
    let error: unknown;
    try {
      readTrace(path, { format: "swf" });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TraceError);
    expect((error as TraceError).problems).toEqual([
      `${path}:3: field 4 (run time): expected a number ≥ 0 or -1, got "abc"`,
      `${path}:4: expected 18 whitespace-separated fields, got 17`,
      `${path}:5: field 4 (run time): expected a number ≥ 0 or -1, got "-5"`,
      `${path}:6: field 11 (status): expected one of -1, 0, 1, 2, 3, 4, 5, got "7"`,
      `${path}:7: field 2 (submit time): expected a number ≥ 0 (a job needs a submit time), got "-1"`,
      `${path}:8: field 1 (job number): 1 is already used on line 2`,
      `${path}:9: field 5 (allocated processors): expected a number ≥ 0 or -1, got "4x"`,
      `${path}:10: field 1 (job number): expected a whole number ≥ 0, got "9.5"`,
      `${path}:11: expected 18 whitespace-separated fields, got 19`,
      `${path}:12: field 3 (wait time): expected a number ≥ 0 or -1, got "-"`,
    ]);
    expect((error as TraceError).message).toBe((error as TraceError).problems.join("\n"));
  });

  it("with skipInvalid, counts every bad line in skipped and keeps the good ones", () => {
    const { jobs, skipped } = readTrace(write("bad-skip.swf", BAD), { format: "swf", skipInvalid: true });
    expect(jobs.map((job) => job.id)).toEqual([1, 12]);
    expect(jobs[1].runS).toBeNull();
    expect(skipped.map((skip) => skip.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(skipped[0]).toEqual({ line: 3, reason: 'field 4 (run time): expected a number ≥ 0 or -1, got "abc"' });
  });

  it("lists at most 20 problems, then how many more", () => {
    const many = lines(...Array.from({ length: 25 }, (_, k) => row(k + 1, 4, "x")));
    const path = write("many.swf", many);
    let error: TraceError | undefined;
    try {
      readTrace(path, { format: "swf" });
    } catch (caught) {
      error = caught as TraceError;
    }
    expect(error?.problems).toHaveLength(21);
    expect(error?.problems[19]).toBe(`${path}:20: field 4 (run time): expected a number ≥ 0 or -1, got "x"`);
    expect(error?.problems[20]).toBe("… and 5 more");
    expect(error?.problemCount).toBe(25);
  });
});
