import { dirname, isAbsolute, join } from "node:path";
import type { TracedJob } from "../models/cluster/options.js";
import type { TraceJob } from "../models/workload/trace-job.js";
import { readAlibabaNodes, readTrace, type AlibabaNode } from "../models/workload/traces/index.js";
import { gpuRequest, type GpuRequest } from "../models/hardware/gpu-share.js";
import { cudaNumber } from "./gpu-allocation.js";
import { TraceError } from "../models/workload/traces/trace-error.js";
import { readLanlFailureLog, type LanlFailure } from "../models/failures/lanl-log.js";
import { US_PER_S, secondsToUs } from "../sim/time.js";
import { DURATION_MAX_S, JOBS_MAX, formatBound } from "./limits.js";
import { clusterRunBoundIssues, isServiceScenario, type ClusterScenario, type Scenario } from "./schema.js";
import { formatDuration } from "./units.js";

/**
 * A scenario made ready to run: its trace, if it replays one, read once and turned into
 * simulated jobs. What could not be replayed is said in `notes`, never dropped silently.
 */
export interface PreparedScenario {
  readonly scenario: Scenario;
  readonly traceJobs: readonly TracedJob[] | null;
  /** The cluster's nodes, read from its node list (cluster.nodeList); null: racks of pools' nodes. */
  readonly nodeList: readonly AlibabaNode[] | null;
  /** A failure log to replay, read once. */
  readonly failureLog: { readonly records: readonly LanlFailure[]; readonly startUs: number } | null;
  readonly notes: readonly string[];
}

/** Bad trace input: one line per problem, naming the file and line (exit 2). */
export class TraceInputError extends Error {
  override readonly name = "TraceInputError";
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join("\n"));
    this.problems = problems;
  }
}

/** Reads the scenario's trace and failure log (paths relative to the scenario file). */
export function prepareScenario(scenario: Scenario, scenarioFile: string): PreparedScenario {
  if (isServiceScenario(scenario)) return { scenario, traceJobs: null, nodeList: null, failureLog: null, notes: [] };
  const failureLog = readFailureLog(scenario, scenarioFile);
  const nodeList = readNodeList(scenario, scenarioFile);
  const trace = scenario.workload.trace;
  if (trace === undefined) return { scenario, traceJobs: null, nodeList, failureLog, notes: [] };
  const path = isAbsolute(trace.path) ? trace.path : join(dirname(scenarioFile), trace.path);
  let read;
  try {
    read = readTrace(path, { format: trace.format, skipInvalid: trace.skipInvalid });
  } catch (error) {
    if (error instanceof TraceError) throw new TraceInputError(error.problems);
    throw error;
  }
  const notes: string[] = [];
  if (read.skipped.length > 0) notes.push(`${path}: ${jobsCount(read.skipped.length, "malformed line")} skipped (skipInvalid)`);
  const nodeCount = scenario.cluster.racks * scenario.cluster.nodesPerRack;
  const ordered = [...read.jobs].sort((a, b) => a.submitS - b.submitS || a.id - b.id);
  const kept = trace.limit === undefined ? ordered : ordered.slice(0, trace.limit);
  const jobs: TracedJob[] = [];
  let incomplete = 0;
  let tooLarge = 0;
  const byGpu = scenario.cluster.allocation === "gpus";
  // Filling the cluster holds every job until the end: a job's recorded run time does not matter.
  const filling = trace.fill !== undefined;
  const cuda = cudaNumber(scenario.cluster.node.cuda);
  for (const job of kept) {
    const traced = toTracedJob(filling && job.runS === null ? { ...job, runS: 1 } : job, trace.procsPerNode, byGpu ? cuda : null);
    if (traced === null) incomplete++;
    else if (traced.nodeCount > nodeCount) tooLarge++;
    else jobs.push(traced);
  }
  if (incomplete > 0) notes.push(`${path}: ${jobsCount(incomplete, "job")} without a run time or processor count left out`);
  if (tooLarge > 0) notes.push(`${path}: ${jobsCount(tooLarge, "job")} larger than the ${nodeCount}-node cluster left out`);
  if (jobs.length === 0) throw new TraceInputError([`${path}: no job of the trace can be replayed`]);
  if (jobs.length > JOBS_MAX) {
    throw new TraceInputError([`${path}: ${formatBound(jobs.length)} jobs; a replay holds at most ${formatBound(JOBS_MAX)} (use trace.limit)`]);
  }
  // Time starts at the first job's submission, not at the log's start.
  const offsetUs = Math.round(kept[0].submitS * US_PER_S);
  const shifted = jobs.map((job) => ({ ...job, submitUs: job.submitUs - offsetUs }));
  const spanUs = shifted.reduce((latest, job) => Math.max(latest, job.submitUs + job.workUs), 0);
  if (spanUs > DURATION_MAX_S * US_PER_S) {
    throw new TraceInputError([`${path}: its jobs span ${formatDuration(spanUs / US_PER_S)} from the first submission to the last end; a replay spans at most 100y`]);
  }
  if (scenario.horizon === undefined) {
    // A replay without a horizon lasts at least as long as its jobs: bound its periodic work by that.
    const problems = clusterRunBoundIssues(scenario, spanUs / US_PER_S).map((issue) => `${scenarioFile} ${issue.path.join(".")}: ${issue.message}`);
    if (problems.length > 0) throw new TraceInputError(problems);
  }
  return { scenario, traceJobs: shifted, nodeList, failureLog, notes };
}

/** A node of a node list: CPUs in thousandths up to a million cores, memory up to a petabyte. */
const NODE_CPU_MILLI_MAX = 1e9;
const NODE_MEMORY_MIB_MAX = 2 ** 30;

/** The node list the cluster is built from; its node count must be the racks × nodes per rack. */
function readNodeList(scenario: ClusterScenario, scenarioFile: string): readonly AlibabaNode[] | null {
  const list = scenario.cluster.nodeList;
  if (list === undefined) return null;
  const path = isAbsolute(list.path) ? list.path : join(dirname(scenarioFile), list.path);
  let nodes: AlibabaNode[];
  try {
    nodes = readAlibabaNodes(path);
  } catch (error) {
    if (error instanceof TraceError) throw new TraceInputError(error.problems);
    throw error;
  }
  const declared = scenario.cluster.racks * scenario.cluster.nodesPerRack;
  if (nodes.length !== declared) {
    throw new TraceInputError([
      `${scenarioFile} cluster.nodeList: ${path} lists ${nodes.length} nodes, but racks × nodesPerRack is ${declared} (the list names no racks: try racks: ${nodes.length}, nodesPerRack: 1)`,
    ]);
  }
  const problems = nodes.flatMap((node) => {
    if (node.gpus > 32) return [`${path}: node ${node.name} has ${node.gpus} GPUs; GPU-granular nodes have at most 32`];
    if (node.cpuMilli > NODE_CPU_MILLI_MAX) return [`${path}: node ${node.name} has ${node.cpuMilli} cpu_milli; at most ${formatBound(NODE_CPU_MILLI_MAX)}`];
    if (node.memoryMiB > NODE_MEMORY_MIB_MAX) return [`${path}: node ${node.name} has ${node.memoryMiB} memory_mib; at most ${formatBound(NODE_MEMORY_MIB_MAX)}`];
    return [];
  });
  if (problems.length > 0) throw new TraceInputError(problems.slice(0, 20));
  return nodes;
}

function readFailureLog(scenario: ClusterScenario, scenarioFile: string): PreparedScenario["failureLog"] {
  const log = scenario.failures.find((failure) => failure.kind === "failure-log");
  if (log === undefined) return null;
  const path = isAbsolute(log.path) ? log.path : join(dirname(scenarioFile), log.path);
  try {
    const records = readLanlFailureLog(path, log.system);
    if (records.length === 0) throw new TraceInputError([`${path}: system ${log.system} has no failures in the log`]);
    return { records, startUs: secondsToUs(log.start) };
  } catch (error) {
    if (error instanceof TraceError) throw new TraceInputError(error.problems);
    throw error;
  }
}

function requestOf(job: TraceJob, parts: number, cuda: number): GpuRequest {
  return gpuRequest({
    parts,
    gpuMilli: job.gpuMilli ?? Math.round(job.gpus / parts) * 1000,
    cpuMilli: Math.round(((job.procs ?? 0) * 1000) / parts),
    memoryMiB: (job.memoryMiB ?? 0) / parts,
    model: null,
    cuda,
  });
}

function jobsCount(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/**
 * A trace job as a simulated job, or null when the trace lacks what a replay needs. With
 * `cuda` (a GPU-granular cluster's, major·100 + minor) it asks for what it recorded: GPUs
 * (or a share of one), CPUs and memory, split evenly over its nodes.
 */
function toTracedJob(job: TraceJob, procsPerNode: number, cuda: number | null): TracedJob | null {
  if (job.runS === null || job.procs === null || (job.procs <= 0 && cuda === null)) return null;
  const nodeCount = job.nodes ?? Math.max(1, Math.ceil(job.procs / procsPerNode));
  return {
    submitUs: Math.round(job.submitS * US_PER_S),
    nodeCount,
    request: cuda === null ? null : requestOf(job, nodeCount, cuda),
    // A job that ran for 0 s still holds its nodes for an instant.
    workUs: Math.max(1, Math.round(job.runS * US_PER_S)),
    // A limit past any run's length is no limit.
    requestedUs:
      job.requestedS === null || job.requestedS <= 0 || job.requestedS > DURATION_MAX_S ? Infinity : Math.round(job.requestedS * US_PER_S),
    labels: {
      user: `u${job.user}`,
      account: job.group === "" ? `u${job.user}` : `g${job.group}`,
      qos: job.qos === "" ? "normal" : job.qos,
    },
  };
}
