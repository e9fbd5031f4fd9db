import { describe, expect, it } from "vitest";
import type { TraceJob } from "../../models/workload/trace-job.js";
import { readAlibabaNodes, readTrace, TraceError } from "../../models/workload/traces/index.js";
import { traceFile } from "./trace-files.js";
import { lines, tempFolder } from "./temp-files.js";

const write = tempFolder("alibaba");

function tally<T>(items: readonly T[], key: (item: T) => string | number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

function problemsOf(read: () => unknown): readonly string[] {
  try {
    read();
  } catch (error) {
    if (error instanceof TraceError) return error.problems;
    throw error;
  }
  throw new Error("expected a TraceError");
}

// Facts from scenarios/traces/README.md, computed there from the same files.
describe("Alibaba GPU v2023: the real pod and node lists", () => {
  it("pods: 8,152 rows, GPUs 0:1,088 1:6,989 2:16 4:15 8:44, 3,078 sharing, 897 never scheduled", () => {
    const { jobs, skipped } = readTrace(traceFile("alibaba-gpu-v2023-openb_pod_list_default.csv"), { format: "alibaba" });
    expect(jobs.length).toBe(8_152);
    expect(skipped).toEqual([]);
    expect(tally(jobs, (job) => job.gpus)).toEqual({ 0: 1_088, 1: 6_989, 2: 16, 4: 15, 8: 44 });
    const sharing = jobs.filter((job) => job.gpuMilli !== null);
    expect(sharing.length).toBe(3_078);
    expect(sharing.every((job) => job.gpus === 1 && job.gpuMilli! > 0 && job.gpuMilli! < 1000)).toBe(true);
    const neverScheduled = jobs.filter((job) => job.runS === null);
    expect(neverScheduled.length).toBe(897);
    expect(neverScheduled.every((job) => job.rawState === "Pending" && job.waitS === null && job.status === "cancelled")).toBe(true);
    expect(tally(jobs, (job) => job.rawState)).toEqual({ Running: 5_193, Failed: 1_870, Pending: 897, Succeeded: 192 });
    expect(tally(jobs, (job) => job.qos)).toEqual({ LS: 4_647, BE: 3_398, Burstable: 100, Guaranteed: 7 });
    expect(Math.min(...jobs.map((job) => job.submitS))).toBe(0);
    expect(Math.max(...jobs.map((job) => job.submitS))).toBe(12_901_761);
    expect(jobs.every((job) => job.requestedS === null && job.nodes === 1)).toBe(true);
  });

  it("pods: never-scheduled pods are set aside, and said to be, only under skipIncomplete", () => {
    const { jobs, skipped } = readTrace(traceFile("alibaba-gpu-v2023-openb_pod_list_default.csv"), {
      format: "alibaba",
      skipIncomplete: true,
    });
    expect(jobs.length).toBe(8_152 - 897);
    expect(tally(skipped, (skip) => skip.reason)).toEqual({ "never scheduled": 897 });
  });

  it("nodes: 1,523 nodes (310 CPU-only) with 6,212 GPUs by model", () => {
    const nodes = readAlibabaNodes(traceFile("alibaba-gpu-v2023-openb_node_list_all_node.csv"));
    expect(nodes.length).toBe(1_523);
    expect(nodes.filter((node) => node.gpus === 0 && node.model === null).length).toBe(310);
    expect(nodes.reduce((sum, node) => sum + node.gpus, 0)).toBe(6_212);
    const gpusByModel: Record<string, number> = {};
    for (const node of nodes) if (node.model !== null) gpusByModel[node.model] = (gpusByModel[node.model] ?? 0) + node.gpus;
    expect(gpusByModel).toEqual({ G2: 4_392, T4: 842, G3: 312, P100: 265, V100M32: 204, V100M16: 195, A10: 2 });
    expect(nodes[0]).toEqual({ name: "openb-node-0000", cpuMilli: 32_000, memoryMiB: 262_144, gpus: 0, model: null });
  });

  it("nodes: the GPU-only list has 1,213 nodes, all with GPUs", () => {
    const nodes = readAlibabaNodes(traceFile("alibaba-gpu-v2023-openb_node_list_gpu_node.csv"));
    expect(nodes.length).toBe(1_213);
    expect(nodes.every((node) => node.gpus > 0 && node.model !== null)).toBe(true);
  });
});

const HEADER = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time";

describe("Alibaba pods: reading", () => {
  it("turns creation, scheduling and deletion into submit, wait and run", () => {
    const path = write(
      "pods.csv",
      lines(
        HEADER,
        "pod-a,12000,16384,1,1000,,LS,Running,100,5100,160",
        "pod-b,6000,12288,1,460,,BE,Succeeded,200,900,200",
        "pod-c,88000,327680,8,1000,V100M16|V100M32,Guaranteed,Failed,300,400,350",
        "pod-d,500,1024,0,0,,Burstable,Pending,400,460,",
      ),
    );
    const { jobs } = readTrace(path, { format: "alibaba" });
    const shape = (job: TraceJob) => [job.id, job.sourceId, job.submitS, job.waitS, job.runS, job.procs, job.gpus, job.gpuMilli, job.status];
    expect(jobs.map(shape)).toEqual([
      [1, "pod-a", 100, 60, 4_940, 12, 1, null, "unknown"],
      [2, "pod-b", 200, 0, 700, 6, 1, 460, "completed"],
      [3, "pod-c", 300, 50, 50, 88, 8, null, "failed"],
      [4, "pod-d", 400, null, null, 0.5, 0, null, "cancelled"],
    ]);
    expect(jobs[3]).toMatchObject({ memoryMiB: 1_024, qos: "Burstable", rawState: "Pending", user: "", queue: "", requestedS: null });
  });

  it("finds columns by name, whatever their order", () => {
    const path = write(
      "reordered.csv",
      lines("scheduled_time,deletion_time,creation_time,pod_phase,qos,gpu_milli,num_gpu,memory_mib,cpu_milli,name", "10,70,5,Succeeded,LS,250,1,512,1000,pod-z"),
    );
    expect(readTrace(path, { format: "alibaba" }).jobs[0]).toMatchObject({ sourceId: "pod-z", submitS: 5, waitS: 5, runS: 60, gpuMilli: 250 });
  });
});

describe("Alibaba pods: malformed lines", () => {
  const BAD = lines(
    HEADER,
    "pod-1,1000,512,1,500,,LS,Running,0,100,10",
    "pod-2,1000,512,1,500,,LS,Running,0,100",
    "pod-3,1000,512,one,500,,LS,Running,0,100,10",
    "pod-4,1000,512,1,1500,,LS,Running,0,100,10",
    "pod-5,1000,512,0,300,,LS,Running,0,100,10",
    "pod-6,1000,512,2,500,,LS,Running,0,100,10",
    "pod-7,1000,512,1,500,,LS,Sleeping,0,100,10",
    "pod-8,1000,512,1,500,,LS,Running,50,100,10",
    "pod-9,1000,512,1,500,,LS,Running,0,5,10",
    "pod-10,1000,512,1,500,,LS,Running,0,100,",
    "pod-11,1000,512,1,500,,LS,Running,-3,100,10",
  );

  it("names file, line and field for every bad line", () => {
    const path = write("bad-pods.csv", BAD);
    expect(problemsOf(() => readTrace(path, { format: "alibaba" }))).toEqual([
      `${path}:3: expected 11 comma-separated fields (as in the header), got 10`,
      `${path}:4: field num_gpu: expected a whole number ≥ 0, got "one"`,
      `${path}:5: field gpu_milli: expected a whole number from 0 to 1000, got "1500"`,
      `${path}:6: field gpu_milli: expected 0 for a pod with no GPU, got "300"`,
      `${path}:7: field gpu_milli: expected 1000 for a pod with 2 GPUs (only single-GPU pods share), got "500"`,
      `${path}:8: field pod_phase: expected one of Pending, Running, Succeeded, Failed, Unknown, got "Sleeping"`,
      `${path}:9: field scheduled_time: 10 is before creation_time 50`,
      `${path}:10: field deletion_time: 5 is before scheduled_time 10`,
      `${path}:11: field scheduled_time: expected a time for a pod in phase Running, got ""`,
      `${path}:12: field creation_time: expected a whole number ≥ 0, got "-3"`,
    ]);
  });

  it("with skipInvalid, counts them in skipped and keeps the good line", () => {
    const { jobs, skipped } = readTrace(write("bad-pods-skip.csv", BAD), { format: "alibaba", skipInvalid: true });
    expect(jobs.map((job) => job.sourceId)).toEqual(["pod-1"]);
    expect(skipped.map((skip) => skip.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it("refuses a file without the required columns, even under skipInvalid", () => {
    const path = write("no-columns.csv", lines("name,cpu_milli", "pod-1,1000"));
    expect(problemsOf(() => readTrace(path, { format: "alibaba", skipInvalid: true }))).toEqual([
      `${path}:1: missing required columns memory_mib, num_gpu, gpu_milli, qos, pod_phase, creation_time, deletion_time, scheduled_time (header has name,cpu_milli)`,
    ]);
  });

  it("refuses a node list with a bad line: an inventory must be whole", () => {
    const path = write("nodes.csv", lines("sn,cpu_milli,memory_mib,gpu,model", "node-1,64000,262144,8,V100M32", "node-2,64000,262144,8,"));
    expect(problemsOf(() => readAlibabaNodes(path))).toEqual([`${path}:3: field model: expected a GPU model for a node with 8 GPUs, got ""`]);
  });
});
