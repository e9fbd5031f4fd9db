import { describe, expect, it } from "vitest";
import type { TraceJob } from "../../models/workload/trace-job.js";
import { readTrace, TraceError } from "../../models/workload/traces/index.js";
import { parseDuration, parseTime } from "../../models/workload/traces/sacct.js";
import { lines, tempFolder } from "./temp-files.js";

const write = tempFolder("sacct");

function problemsOf(read: () => unknown): readonly string[] {
  try {
    read();
  } catch (error) {
    if (error instanceof TraceError) return error.problems;
    throw error;
  }
  throw new Error("expected a TraceError");
}

/**
 * A day on a small GPU cluster as `sacct -P -o JobID,JobIDRaw,JobName,Partition,Account,User,
 * Group,QOS,Submit,Start,End,Elapsed,Timelimit,NNodes,NCPUS,ReqCPUS,ReqMem,AllocTRES,ReqTRES,
 * State,ExitCode` prints it: steps under their allocations, an array with finished tasks and a
 * pending range, a heterogeneous job, and one job in each end state.
 */
const DAY = lines(
  "JobID|JobIDRaw|JobName|Partition|Account|User|Group|QOS|Submit|Start|End|Elapsed|Timelimit|NNodes|NCPUS|ReqCPUS|ReqMem|AllocTRES|ReqTRES|State|ExitCode",
  "4242|4242|train-llm|gpu|ml|alice|ml|normal|2024-03-01T12:00:00|2024-03-01T12:05:00|2024-03-01T14:05:00|02:00:00|04:00:00|1|16|16|128G|billing=16,cpu=16,gres/gpu=4,mem=128G,node=1|billing=16,cpu=16,gres/gpu=4,mem=128G,node=1|COMPLETED|0:0",
  "4242.batch|4242.batch|batch||ml||||2024-03-01T12:05:00|2024-03-01T12:05:00|2024-03-01T14:05:00|02:00:00||1|16|16||cpu=16,gres/gpu=4,mem=128G,node=1||COMPLETED|0:0",
  "4242.extern|4242.extern|extern||ml||||2024-03-01T12:05:00|2024-03-01T12:05:00|2024-03-01T14:05:00|02:00:00||1|16|16||billing=16,cpu=16,gres/gpu=4,mem=128G,node=1||COMPLETED|0:0",
  "4242.0|4242.0|python||ml||||2024-03-01T12:05:10|2024-03-01T12:05:10|2024-03-01T14:04:55|01:59:45||1|16|16||cpu=16,gres/gpu=4,mem=128G,node=1||COMPLETED|0:0",
  "4250_1|4251|sweep|gpu|ml|bob|ml|normal|2024-03-01T12:10:00|2024-03-01T12:20:00|2024-03-01T12:50:30|00:30:30|01:00:00|1|8|8|64G|billing=8,cpu=8,gres/gpu:a100=2,mem=64G,node=1|billing=8,cpu=8,gres/gpu:a100=2,mem=64G,node=1|FAILED|1:0",
  "4250_1.batch|4251.batch|batch||ml||||2024-03-01T12:20:00|2024-03-01T12:20:00|2024-03-01T12:50:30|00:30:30||1|8|8||cpu=8,gres/gpu:a100=2,mem=64G,node=1||FAILED|1:0",
  "4250_2|4252|sweep|gpu|ml|bob|ml|normal|2024-03-01T12:10:00|2024-03-01T12:21:00|2024-03-01T13:21:02|01:00:02|01:00:00|1|8|8|64G|billing=8,cpu=8,gres/gpu:a100=2,gres/gpu=2,mem=64G,node=1|billing=8,cpu=8,gres/gpu:a100=2,mem=64G,node=1|TIMEOUT|0:0",
  "4250_[3-5%2]|4250|sweep|gpu|ml|bob|ml|normal|2024-03-01T12:10:00|Unknown|Unknown|00:00:00|01:00:00|1|0|8|64G||billing=8,cpu=8,gres/gpu:a100=2,mem=64G,node=1|PENDING|0:0",
  "4260+0|4260|het-sim|cpu|phys|carol|phys|normal|2024-03-01T13:00:00|2024-03-01T13:01:00|2024-03-01T15:31:00|02:30:00|1-00:00:00|4|256|256|500G|billing=256,cpu=256,mem=500G,node=4|billing=256,cpu=256,mem=500G,node=4|COMPLETED|0:0",
  "4260+1|4261|het-sim|gpu|phys|carol|phys|normal|2024-03-01T13:00:00|2024-03-01T13:01:00|2024-03-01T15:31:00|02:30:00|1-00:00:00|2|32|32|250G|billing=32,cpu=32,gres/gpu=16,mem=250G,node=2|billing=32,cpu=32,gres/gpu=16,mem=250G,node=2|COMPLETED|0:0",
  "4260+0.0|4260.0|sim||phys||||2024-03-01T13:01:05|2024-03-01T13:01:05|2024-03-01T15:30:50|02:29:45||4|256|256||cpu=256,mem=500G,node=4||COMPLETED|0:0",
  "4270|4270|postproc|cpu|phys|carol|phys|low|2024-03-01T13:30:00|Unknown|2024-03-01T13:45:00|00:00:00|02:00:00|2|0|64|4000Mc||billing=64,cpu=64,mem=250G,node=2|CANCELLED by 1001|0:0",
  "4280|4280|md-run|cpu|chem|dave|chem|normal|2024-03-01T14:00:00|2024-03-01T14:00:05|2024-03-01T16:15:05|02:15:00|1-00:00:00|8|512|512|2000Mc|billing=512,cpu=512,mem=1000G,node=8|billing=512,cpu=512,mem=1000G,node=8|NODE_FAIL|0:0",
  "4290|4290|assembly|bigmem|bio|erin|bio|normal|2024-03-01T14:30:00|2024-03-01T14:40:00|2024-03-01T14:45:07|00:05:07|08:00:00|1|4|4|16Gn|billing=4,cpu=4,mem=16G,node=1|billing=4,cpu=4,mem=16G,node=1|OUT_OF_MEMORY|0:125",
  "4300|4300|scavenger|gpu|ml|alice|ml|scavenger|2024-03-01T15:00:00|2024-03-01T15:00:30|2024-03-01T16:00:30|01:00:00|Partition_Limit|1|8|8|64G|billing=8,cpu=8,gres/gpu:h100=1,mem=64G,node=1|billing=8,cpu=8,gres/gpu:h100=1,mem=64G,node=1|PREEMPTED|0:0",
  "4310|4310|notebook|interactive|ml|frank|ml|normal|2024-03-01T16:00:00|2024-03-01T16:02:00|Unknown|03:10:00|UNLIMITED|1|2|2|8G|billing=2,cpu=2,mem=8G,node=1|billing=2,cpu=2,mem=8G,node=1|RUNNING|0:0",
  "4320|4320|quick|debug|ml|bob|ml|normal|2024-03-01T16:30:00|2024-03-01T16:30:00|2024-03-01T16:35:07|05:07|30:00|1|1|1|1G|billing=1,cpu=1,mem=1G,node=1|billing=1,cpu=1,mem=1G,node=1|COMPLETED|0:0",
);

type Shape = [string, number, number | null, number | null, number | null, number | null, number | null, number, number | null, TraceJob["status"], string];
/** sourceId, submit, wait, run, requested, procs, nodes, gpus, memory MiB, status, raw state. */
const shape = (job: TraceJob): Shape => [
  job.sourceId,
  job.submitS,
  job.waitS,
  job.runS,
  job.requestedS,
  job.procs,
  job.nodes,
  job.gpus,
  job.memoryMiB,
  job.status,
  job.rawState,
];

describe("sacct: a day on a small GPU cluster", () => {
  it("keeps allocations, drops steps, expands pending array ranges, and maps every state", () => {
    const { jobs, skipped, header } = readTrace(write("day.txt", DAY), { format: "sacct" });
    expect(skipped).toEqual([]);
    expect(jobs.map(shape)).toEqual<Shape[]>([
      ["4242", 0, 300, 7_200, 14_400, 16, 1, 4, 131_072, "completed", "COMPLETED"],
      ["4250_1", 600, 600, 1_830, 3_600, 8, 1, 2, 65_536, "failed", "FAILED"],
      ["4250_2", 600, 660, 3_602, 3_600, 8, 1, 2, 65_536, "failed", "TIMEOUT"],
      ["4250_3", 600, null, null, 3_600, 8, 1, 2, 65_536, "unknown", "PENDING"],
      ["4250_4", 600, null, null, 3_600, 8, 1, 2, 65_536, "unknown", "PENDING"],
      ["4250_5", 600, null, null, 3_600, 8, 1, 2, 65_536, "unknown", "PENDING"],
      ["4260+0", 3_600, 60, 9_000, 86_400, 256, 4, 0, 512_000, "completed", "COMPLETED"],
      ["4260+1", 3_600, 60, 9_000, 86_400, 32, 2, 16, 256_000, "completed", "COMPLETED"],
      ["4270", 5_400, null, null, 7_200, 64, 2, 0, 256_000, "cancelled", "CANCELLED by 1001"],
      ["4280", 7_200, 5, 8_100, 86_400, 512, 8, 0, 1_024_000, "failed", "NODE_FAIL"],
      ["4290", 9_000, 600, 307, 28_800, 4, 1, 0, 16_384, "failed", "OUT_OF_MEMORY"],
      ["4300", 10_800, 30, 3_600, null, 8, 1, 1, 65_536, "failed", "PREEMPTED"],
      ["4310", 14_400, 120, null, null, 2, 1, 0, 8_192, "unknown", "RUNNING"],
      ["4320", 16_200, 0, 307, 1_800, 1, 1, 0, 1_024, "completed", "COMPLETED"],
    ]);
    expect(jobs.map((job) => job.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(jobs[0]).toMatchObject({ user: "alice", group: "ml", queue: "gpu", qos: "normal", gpuMilli: null });
    expect(jobs[11].qos).toBe("scavenger");
    // Zone-less times are read as UTC: 2024-03-01T12:00:00Z.
    expect(header).toEqual({ Columns: DAY.split("\n")[0], StepLines: "5", UnixStartTime: "1709294400" });
  });

  it("sets never-started and still-running jobs aside only under skipIncomplete, with reasons", () => {
    const { jobs, skipped } = readTrace(write("day-complete.txt", DAY), { format: "sacct", skipIncomplete: true });
    expect(jobs.map((job) => job.sourceId)).toEqual(["4242", "4250_1", "4250_2", "4260+0", "4260+1", "4280", "4290", "4300", "4320"]);
    expect(skipped).toEqual([
      { line: 9, reason: "never started" },
      { line: 9, reason: "never started" },
      { line: 9, reason: "never started" },
      { line: 13, reason: "never started" },
      { line: 17, reason: "not ended" },
    ]);
  });

  it("takes columns in any order and case, optional ones missing, and --parsable's trailing bar", () => {
    const path = write(
      "minimal.txt",
      lines(
        "jobid|ncpus|elapsed|start|submit|",
        "77|4|00:10:00|2024-01-01T00:01:00|2024-01-01T00:00:00|",
        "77.batch|4|00:10:00|2024-01-01T00:01:00|2024-01-01T00:01:00|",
        "79|2|00:00:00|None|2024-01-01T00:05:00|",
      ),
    );
    const { jobs, header } = readTrace(path, { format: "sacct" });
    expect(jobs.map(shape)).toEqual<Shape[]>([
      ["77", 0, 60, 600, null, 4, null, 0, null, "unknown", ""],
      ["79", 300, null, null, null, 2, null, 0, null, "unknown", ""],
    ]);
    expect(header.StepLines).toBe("1");
  });

  it("uses End − Start when there is no Elapsed column", () => {
    const path = write("no-elapsed.txt", lines("JobID|Submit|Start|End|NNodes|State", "5|2024-03-10T23:59:00|2024-03-11T00:00:00|2024-03-11T01:30:00|2|COMPLETED"));
    expect(readTrace(path, { format: "sacct" }).jobs.map(shape)).toEqual<Shape[]>([["5", 0, 60, 5_400, null, null, 2, 0, null, "completed", "COMPLETED"]]);
  });

  it("parses durations and zone-less times", () => {
    expect(parseDuration("1-02:03:04")).toBe(93_784);
    expect(parseDuration("02:03:04")).toBe(7_384);
    expect(parseDuration("03:04")).toBe(184);
    expect(parseDuration("00:00:00")).toBe(0);
    expect(parseDuration("1-02:03")).toBeNull();
    expect(parseDuration("12:60")).toBeNull();
    expect(parseDuration("UNLIMITED")).toBeNull();
    expect(parseTime("1970-01-01T00:00:00")).toBe(0);
    expect(parseTime("2024-02-29T00:00:00")).toBe(1_709_164_800);
    expect(parseTime("2023-02-29T00:00:00")).toBeUndefined();
    expect(parseTime("Unknown")).toBeNull();
    expect(parseTime("None")).toBeNull();
  });
});

describe("sacct: bad input", () => {
  const GOOD_ROW = "1|2024-03-01T00:00:00|2024-03-01T00:01:00|2024-03-01T00:11:00|00:10:00|01:00:00|4|COMPLETED|cpu=4";
  const BAD = lines(
    "JobID|Submit|Start|End|Elapsed|Timelimit|NCPUS|State|AllocTRES",
    GOOD_ROW,
    "2|yesterday|2024-03-01T00:01:00|2024-03-01T00:11:00|00:10:00|01:00:00|4|COMPLETED|cpu=4",
    "3|2024-02-30T00:00:00|2024-03-01T00:01:00|2024-03-01T00:11:00|00:10:00|01:00:00|4|COMPLETED|cpu=4",
    "4|2024-03-01T00:00:00|2024-03-01T00:01:00|2024-03-01T00:11:00|ten minutes|01:00:00|4|COMPLETED|cpu=4",
    "5|2024-03-01T00:00:00|2024-03-01T00:01:00|2024-03-01T00:11:00|00:10:00|forever|4|COMPLETED|cpu=4",
    "6|2024-03-01T00:00:00|2024-03-01T00:01:00|2024-03-01T00:11:00|00:10:00|01:00:00|four|COMPLETED|cpu=4",
    "7|2024-03-01T00:00:00|2024-03-01T00:01:00|2024-03-01T00:11:00|00:10:00|01:00:00|4|DONE|cpu=4",
    "8|2024-03-01T00:00:00|2024-03-01T00:01:00|2024-03-01T00:11:00|00:10:00|01:00:00|4|COMPLETED|gres/gpu=lots",
    "9|2024-03-01T00:00:00|2024-03-01T00:01:00|2024-03-01T00:00:30|00:10:00|01:00:00|4|COMPLETED|cpu=4",
    "10|only|three",
    "abc|2024-03-01T00:00:00|2024-03-01T00:01:00|2024-03-01T00:11:00|00:10:00|01:00:00|4|COMPLETED|cpu=4",
    "12|2024-03-01T00:00:00|soon|2024-03-01T00:11:00|00:10:00|01:00:00|4|COMPLETED|cpu=4",
  );

  it("names file, line and column for every bad line", () => {
    const path = write("bad.txt", BAD);
    expect(problemsOf(() => readTrace(path, { format: "sacct" }))).toEqual([
      `${path}:3: field Submit: expected a time such as 2024-03-01T12:00:00, got "yesterday"`,
      `${path}:4: field Submit: expected a time such as 2024-03-01T12:00:00, got "2024-02-30T00:00:00"`,
      `${path}:5: field Elapsed: expected a duration such as 1-02:03:04, 02:03:04 or 03:04, got "ten minutes"`,
      `${path}:6: field Timelimit: expected a duration such as 1-00:00:00, 04:00:00 or 30:00, "UNLIMITED" or "Partition_Limit", got "forever"`,
      `${path}:7: field NCPUS: expected a whole number ≥ 0, got "four"`,
      `${path}:8: field State: expected a Slurm job state such as COMPLETED, FAILED, CANCELLED, TIMEOUT or RUNNING, got "DONE"`,
      `${path}:9: field AllocTRES: expected TRES such as cpu=8,mem=64G,node=1,gres/gpu=4, got "gres/gpu=lots"`,
      `${path}:10: field End: "2024-03-01T00:00:30" is before Start "2024-03-01T00:01:00"`,
      `${path}:11: expected 9 fields separated by "|" (as in the header), got 3`,
      `${path}:12: field JobID: expected a job id such as 123, 123_4, 123_[1-5] or 123+0, got "abc"`,
      `${path}:13: field Start: expected a time such as 2024-03-01T12:00:00, "Unknown" or "None", got "soon"`,
    ]);
  });

  it("with skipInvalid, counts every bad line in skipped and keeps the good one", () => {
    const { jobs, skipped } = readTrace(write("bad-skip.txt", BAD), { format: "sacct", skipInvalid: true });
    expect(jobs.map((job) => job.sourceId)).toEqual(["1"]);
    expect(skipped.map((skip) => skip.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it("refuses an export without the required columns, even under skipInvalid", () => {
    const path = write("columns.txt", lines("JobID|Submit|End|State", "1|2024-03-01T00:00:00|2024-03-01T00:11:00|COMPLETED"));
    expect(problemsOf(() => readTrace(path, { format: "sacct", skipInvalid: true }))).toEqual([
      `${path}:1: missing required columns Start, NNodes or NCPUS (header has JobID|Submit|End|State)`,
    ]);
  });

  it("refuses an empty export", () => {
    const path = write("empty.txt", "\n\n");
    expect(problemsOf(() => readTrace(path, { format: "sacct" }))).toEqual([
      `${path}:1: no header line: expected sacct --parsable2 output, whose first line names the columns`,
    ]);
  });
});
