/**
 * Reads the Alibaba GPU cluster trace `cluster-trace-gpu-v2023` ("openb"): the pod list
 * (`name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,
 * deletion_time,scheduled_time`, times in s from the trace start) as TraceJobs, and the node
 * list (`sn,cpu_milli,memory_mib,gpu,model`) as AlibabaNodes. Columns are found by header name.
 *
 * Source: github.com/alibaba/clusterdata, `cluster-trace-gpu-v2023/` (README and csv/), with
 * Q. Weng et al., "Beware of Fragmentation: Scheduling GPU-Sharing Workloads with
 * Fragmentation Gradient Descent", USENIX ATC '23.
 *
 * A pod becomes: submit = creation_time; wait = scheduled_time − creation_time; run =
 * deletion_time − scheduled_time; procs = cpu_milli / 1000 (fractional CPUs); nodes = 1 (a pod
 * lives on one node); gpus = num_gpu, and for a GPU-sharing pod (num_gpu 1, gpu_milli < 1000)
 * its share in gpuMilli; memoryMiB = memory_mib; qos as written. No requested time, user or
 * queue: the trace has none. Left out: gpu_spec (the GPU models a pod accepts; empty in the
 * default list).
 *
 * Never-scheduled pods (empty scheduled_time, phase Pending; 897 of 8,152) are kept, with
 * `runS` and `waitS` null and status "cancelled": they were deleted while waiting and never
 * ran, so giving them creation→deletion as a run time would invent work. `skipIncomplete` sets
 * them aside as "never scheduled". An empty deletion_time (a pod alive at the trace end) also
 * gives `runS` null ("not ended").
 *
 * Phases: Succeeded → completed, Failed → failed, Pending → cancelled (deleted before it was
 * scheduled), Running → unknown (the pod was running when deleted: for a long-running service
 * that is its normal end, for a batch task a kill; the trace does not say which).
 */
import type { TraceJob, TraceJobStatus, TraceReadResult } from "../trace-job.js";
import { splitCsvLine } from "./text.js";
import { LineProblems, type TraceParseOptions } from "./trace-error.js";

/** One machine of the Alibaba node list. */
export interface AlibabaNode {
  /** Serial name, e.g. `openb-node-0000`. */
  readonly name: string;
  /** CPU capacity, thousandths of a core. */
  readonly cpuMilli: number;
  /** Memory, MiB. */
  readonly memoryMiB: number;
  /** GPUs on the node (0 for a CPU-only node). */
  readonly gpus: number;
  /** GPU model (`T4`, `V100M32`, or undisclosed `G1`–`G3`); null for a CPU-only node (empty in the file). */
  readonly model: string | null;
}

const POD_COLUMNS = [
  "name",
  "cpu_milli",
  "memory_mib",
  "num_gpu",
  "gpu_milli",
  "qos",
  "pod_phase",
  "creation_time",
  "deletion_time",
  "scheduled_time",
] as const;
const NODE_COLUMNS = ["sn", "cpu_milli", "memory_mib", "gpu", "model"] as const;

const PHASES: Readonly<Record<string, TraceJobStatus>> = {
  Succeeded: "completed",
  Failed: "failed",
  Pending: "cancelled",
  Running: "unknown",
  Unknown: "unknown",
};

const WHOLE_NUMBER = /^\d+$/;

/** A malformed field; caught per line and reported with file and line. */
class FieldProblem extends Error {}

/** Parses the pod list (already decompressed). Throws TraceError listing malformed lines unless `skipInvalid`. */
export function parseAlibabaPods(text: string, options: TraceParseOptions): TraceReadResult {
  const problems = new LineProblems(options);
  const table = readCsv(text, POD_COLUMNS, problems);
  const jobs: TraceJob[] = [];
  let recordCount = 0;
  for (const { line, cells } of table.rows) {
    let job: TraceJob;
    try {
      job = podJob(cells, table.column, recordCount + 1);
    } catch (error) {
      if (!(error instanceof FieldProblem)) throw error;
      problems.malformed(line, error.message);
      continue;
    }
    recordCount += 1;
    const reason = job.runS !== null ? null : job.rawState === "Pending" ? "never scheduled" : "not ended";
    problems.keep(jobs, line, job, reason);
  }
  problems.finish();
  return { jobs, skipped: problems.skipped, header: { Columns: table.names.join(",") } };
}

/** Parses the node list (already decompressed). Any malformed line is a TraceError: an inventory must be whole. */
export function parseAlibabaNodes(text: string, source: string): AlibabaNode[] {
  const problems = new LineProblems({ source });
  const table = readCsv(text, NODE_COLUMNS, problems);
  const nodes: AlibabaNode[] = [];
  for (const { line, cells } of table.rows) {
    const field = (name: (typeof NODE_COLUMNS)[number]): string => cells[table.column[name]];
    try {
      const name = field("sn");
      if (name === "") throw new FieldProblem(`field sn: expected a node name, got ""`);
      const gpus = wholeNumber(field("gpu"), "gpu");
      const model = field("model");
      if (gpus > 0 && model === "") throw new FieldProblem(`field model: expected a GPU model for a node with ${gpus} GPUs, got ""`);
      nodes.push({
        name,
        cpuMilli: wholeNumber(field("cpu_milli"), "cpu_milli"),
        memoryMiB: wholeNumber(field("memory_mib"), "memory_mib"),
        gpus,
        model: model === "" ? null : model,
      });
    } catch (error) {
      if (!(error instanceof FieldProblem)) throw error;
      problems.malformed(line, error.message);
    }
  }
  problems.finish();
  return nodes;
}

function podJob(cells: readonly string[], column: Readonly<Record<string, number>>, id: number): TraceJob {
  const field = (name: (typeof POD_COLUMNS)[number]): string => cells[column[name]];
  const name = field("name");
  if (name === "") throw new FieldProblem(`field name: expected a pod name, got ""`);
  const cpuMilli = wholeNumber(field("cpu_milli"), "cpu_milli");
  const memoryMiB = wholeNumber(field("memory_mib"), "memory_mib");
  const gpus = wholeNumber(field("num_gpu"), "num_gpu");
  const gpuMilli = wholeNumber(field("gpu_milli"), "gpu_milli");
  if (gpuMilli > 1000) throw new FieldProblem(`field gpu_milli: expected a whole number from 0 to 1000, got "${field("gpu_milli")}"`);
  if (gpus === 0 && gpuMilli !== 0) throw new FieldProblem(`field gpu_milli: expected 0 for a pod with no GPU, got "${field("gpu_milli")}"`);
  if (gpus > 1 && gpuMilli !== 1000) {
    throw new FieldProblem(`field gpu_milli: expected 1000 for a pod with ${gpus} GPUs (only single-GPU pods share), got "${field("gpu_milli")}"`);
  }
  if (gpus === 1 && gpuMilli === 0) throw new FieldProblem(`field gpu_milli: expected 1 to 1000 for a pod with 1 GPU, got "0"`);
  const qos = field("qos");
  const phase = field("pod_phase");
  const status = PHASES[phase];
  if (status === undefined) throw new FieldProblem(`field pod_phase: expected one of Pending, Running, Succeeded, Failed, Unknown, got "${phase}"`);

  const creationS = wholeNumber(field("creation_time"), "creation_time");
  const deletionS = field("deletion_time") === "" ? null : wholeNumber(field("deletion_time"), "deletion_time");
  const scheduledS = field("scheduled_time") === "" ? null : wholeNumber(field("scheduled_time"), "scheduled_time");
  if (scheduledS !== null && scheduledS < creationS) {
    throw new FieldProblem(`field scheduled_time: ${scheduledS} is before creation_time ${creationS}`);
  }
  if (deletionS !== null && deletionS < (scheduledS ?? creationS)) {
    const after = scheduledS === null ? `creation_time ${creationS}` : `scheduled_time ${scheduledS}`;
    throw new FieldProblem(`field deletion_time: ${deletionS} is before ${after}`);
  }
  if (scheduledS === null && phase !== "Pending") {
    throw new FieldProblem(`field scheduled_time: expected a time for a pod in phase ${phase}, got ""`);
  }

  return {
    id,
    sourceId: name,
    submitS: creationS,
    runS: scheduledS === null || deletionS === null ? null : deletionS - scheduledS,
    requestedS: null,
    waitS: scheduledS === null ? null : scheduledS - creationS,
    procs: cpuMilli / 1000,
    nodes: 1,
    gpus,
    gpuMilli: gpus === 1 && gpuMilli < 1000 ? gpuMilli : null,
    memoryMiB,
    user: "",
    group: "",
    queue: "",
    qos,
    status,
    rawState: phase,
  };
}

function wholeNumber(text: string, column: string): number {
  if (!WHOLE_NUMBER.test(text)) throw new FieldProblem(`field ${column}: expected a whole number ≥ 0, got "${text}"`);
  return Number(text);
}

interface CsvTable {
  readonly names: readonly string[];
  /** Index of each required column. */
  readonly column: Readonly<Record<string, number>>;
  /** Data lines with their 1-based line numbers, already split and checked for width. */
  readonly rows: readonly { line: number; cells: string[] }[];
}

/**
 * Splits comma-separated text with a header line. Quoted fields (`"a,b"`, `""` for a quote)
 * are understood within one line; a line with the wrong number of fields is malformed.
 */
function readCsv(text: string, required: readonly string[], problems: LineProblems): CsvTable {
  const lines = text.split("\n");
  let headerIndex = 0;
  while (headerIndex < lines.length && lines[headerIndex].trim() === "") headerIndex += 1;
  if (headerIndex === lines.length) problems.fatal(1, `no header line: expected ${required.join(",")}`);
  const names = splitCsvLine(lines[headerIndex].replace(/\r$/, ""))?.map((name) => name.trim()) ?? [];
  const column: Record<string, number> = {};
  const missing: string[] = [];
  for (const name of required) {
    const index = names.indexOf(name);
    if (index < 0) missing.push(name);
    column[name] = index;
  }
  if (missing.length > 0) {
    problems.fatal(headerIndex + 1, `missing required column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} (header has ${names.join(",")})`);
  }
  const rows: { line: number; cells: string[] }[] = [];
  for (let index = headerIndex + 1; index < lines.length; index++) {
    const lineText = lines[index].replace(/\r$/, "");
    if (lineText.trim() === "") continue;
    const cells = splitCsvLine(lineText);
    if (cells === null) {
      problems.malformed(index + 1, "unterminated quoted field");
    } else if (cells.length !== names.length) {
      problems.malformed(index + 1, `expected ${names.length} comma-separated fields (as in the header), got ${cells.length}`);
    } else {
      rows.push({ line: index + 1, cells: cells.map((cell) => cell.trim()) });
    }
  }
  return { names, column, rows };
}

