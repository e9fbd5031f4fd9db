import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { readTrace, TraceError, type TraceFormat } from "../../models/workload/traces/index.js";
import { benchReadLanl } from "./bench-traces.js";
import { traceFile } from "./trace-files.js";
import { lines, tempFolder } from "./temp-files.js";

const write = tempFolder("read-trace");

function problemsOf(read: () => unknown): readonly string[] {
  try {
    read();
  } catch (error) {
    if (error instanceof TraceError) return error.problems;
    throw error;
  }
  throw new Error("expected a TraceError");
}

describe("readTrace", () => {
  it("names an unreadable file and the system's reason", () => {
    const missing = write("x", "").replace(/x$/, "no-such-trace.swf");
    expect(problemsOf(() => readTrace(missing, { format: "swf" }))).toEqual([`${missing}: cannot read file (ENOENT)`]);
    const folder = missing.replace(/no-such-trace\.swf$/, "");
    expect(problemsOf(() => readTrace(folder, { format: "swf" }))).toEqual([`${folder}: is a folder; faultline reads regular files (or gzip of them) only`]);
  });

  it("names a corrupt gzip", () => {
    const packed = gzipSync("1 0 0 0 1 -1 -1 1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n");
    const path = write("cut.swf.gz", packed.subarray(0, packed.length - 6));
    expect(problemsOf(() => readTrace(path, { format: "swf" }))[0]).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: cannot decompress gzip \\(`));
  });

  it("decompresses every format, not only SWF", () => {
    const pods = lines(
      "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time",
      "pod-a,1000,512,1,500,,LS,Succeeded,0,100,10",
    );
    const sacct = lines("JobID|Submit|Start|Elapsed|NCPUS", "1|2024-03-01T00:00:00|2024-03-01T00:01:00|00:10:00|4");
    const cases: [TraceFormat, string][] = [
      ["alibaba", pods],
      ["sacct", sacct],
    ];
    for (const [format, text] of cases) {
      expect(readTrace(write(`${format}.gz`, gzipSync(text)), { format })).toEqual(readTrace(write(`${format}.txt`, text), { format }));
    }
  });

  it("refuses a format it does not know (input that skipped the scenario schema)", () => {
    const path = write("any.txt", "x\n");
    expect(problemsOf(() => readTrace(path, { format: "pbs" as TraceFormat }))).toEqual([`${path}: unknown trace format "pbs" (expected swf, sacct, alibaba)`]);
  });
});

describe("the project's traces", () => {
  it("a missing file fails with a message that says where it was looked for, not a skip", () => {
    expect(() => traceFile("no-such-trace.swf.gz")).toThrow(/trace file missing: expected .*scenarios\/traces\/no-such-trace\.swf\.gz/);
  });

  it("the LANL bench reads the whole trace", () => {
    expect(benchReadLanl(1).jobs).toBe(122_060);
  });
});
