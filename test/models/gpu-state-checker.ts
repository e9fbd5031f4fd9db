import type { NodeShape, PlacedPart } from "../../models/hardware/gpu-share.js";
import type { SimRecord } from "../../sim/sim.js";

/**
 * An independent judge of a GPU-granular run, apart from the model: it replays the record
 * log with its own per-GPU, per-node bookkeeping and throws on the first broken rule.
 * Rules: a job starts only when queued, with all its parts at once, each on its own node,
 * on nodes that are up; no GPU is shared beyond its whole, no node gives out more CPUs or
 * memory than it has; a job's parts are given back together when it ends; a crash kills
 * every job with a part on the node in the same instant; every job ends at most once.
 */
export interface CheckedGpuRun {
  readonly submitted: number;
  readonly completed: number;
  readonly running: number;
  /** GPU-hours held by jobs up to the horizon (shares as fractions), from start and end records. */
  readonly busyGpuHours: number;
  /** Most thousandths of a GPU any one GPU ever gave out. */
  readonly mostOnOneGpu: number;
}

export function checkGpuRecords(records: readonly SimRecord[], shapes: readonly NodeShape[], horizonUs: number, partsOf: (job: number) => number): CheckedGpuRun {
  const gpuUsed = shapes.map((shape) => new Array<number>(shape.gpus).fill(0));
  const cpuUsed = new Array<number>(shapes.length).fill(0);
  const memUsed = new Array<number>(shapes.length).fill(0);
  const up = new Array<boolean>(shapes.length).fill(true);
  const phase = new Map<number, "queued" | "running" | "completed" | "failed">();
  const held = new Map<number, { parts: readonly PlacedPart[]; sinceUs: number }>();
  const pendingKills = new Set<number>();
  let busyMilliUs = 0;
  let mostOnOneGpu = 0;
  const fail = (record: SimRecord, why: string): never => {
    throw new Error(`${why} at ${JSON.stringify(record)}`);
  };
  const milliOf = (parts: readonly PlacedPart[]): number => parts.reduce((sum, part) => sum + part.milli * part.gpus.length, 0);
  const giveBack = (job: number, timeUs: number, record: SimRecord): void => {
    const holding = held.get(job) ?? fail(record, `job ${job} ends without holding parts`);
    for (const part of holding.parts) {
      for (const gpu of part.gpus) gpuUsed[part.node][gpu] -= part.milli;
      cpuUsed[part.node] -= part.cpuMilli;
      memUsed[part.node] -= part.memoryMiB;
    }
    busyMilliUs += (timeUs - holding.sinceUs) * milliOf(holding.parts);
    held.delete(job);
  };

  for (const record of records) {
    const timeUs = record.timeUs as number;
    const job = record.job as number;
    switch (record.kind) {
      case "JobSubmitted":
        if (phase.has(job)) fail(record, "job submitted twice");
        phase.set(job, "queued");
        break;
      case "JobStarted": {
        if (phase.get(job) !== "queued") fail(record, "job started while not queued");
        const parts = record.parts as readonly PlacedPart[];
        if (parts.length !== partsOf(job)) fail(record, `a gang of ${partsOf(job)} started with ${parts.length} parts`);
        if (new Set(parts.map((part) => part.node)).size !== parts.length) fail(record, "two parts of a gang on one node");
        for (const part of parts) {
          const shape = shapes[part.node];
          if (!up[part.node]) fail(record, `node ${part.node} is down`);
          if (part.milli > 1000 || part.milli < 0) fail(record, "a part takes more than a whole GPU");
          for (const gpu of part.gpus) {
            gpuUsed[part.node][gpu] += part.milli;
            mostOnOneGpu = Math.max(mostOnOneGpu, gpuUsed[part.node][gpu]);
            if (gpuUsed[part.node][gpu] > 1000) fail(record, `GPU ${gpu} of node ${part.node} shared beyond its whole`);
          }
          cpuUsed[part.node] += part.cpuMilli;
          memUsed[part.node] += part.memoryMiB;
          if (cpuUsed[part.node] > shape.cpuMilli) fail(record, `node ${part.node} gave out more CPUs than it has`);
          if (memUsed[part.node] > shape.memoryMiB + 1e-6) fail(record, `node ${part.node} gave out more memory than it has`);
        }
        phase.set(job, "running");
        held.set(job, { parts, sinceUs: timeUs });
        break;
      }
      case "JobCompleted":
        if (phase.get(job) !== "running") fail(record, "job completed while not running");
        giveBack(job, timeUs, record);
        phase.set(job, "completed");
        break;
      case "NodeCrashed":
      case "SpotReclaimed": {
        const node = record.node as number;
        if (!up[node]) fail(record, "a down node crashed");
        up[node] = false;
        for (const [holder, holding] of held) if (holding.parts.some((part) => part.node === node)) pendingKills.add(holder);
        break;
      }
      case "JobKilled":
        pendingKills.delete(job);
        if (phase.get(job) !== "running") fail(record, "job killed while not running");
        giveBack(job, timeUs, record);
        phase.set(job, "queued");
        break;
      case "JobFailed":
        if (phase.get(job) !== "queued") fail(record, "job failed without being killed first");
        phase.set(job, "failed");
        break;
      case "NodeRestored":
      case "SpotReturned": {
        const node = record.node as number;
        if (up[node]) fail(record, "an up node was restored");
        if (cpuUsed[node] !== 0 || gpuUsed[node].some((used) => used !== 0)) fail(record, "a down node held a part");
        up[node] = true;
        break;
      }
      default:
        break;
    }
    const crash = record.kind === "NodeCrashed" || record.kind === "SpotReclaimed";
    const ending = record.kind === "JobKilled" || record.kind === "JobFailed";
    if (pendingKills.size > 0 && !crash && !ending) fail(record, "a crash left a job with a part on the node running");
  }
  for (const holding of held.values()) busyMilliUs += (horizonUs - holding.sinceUs) * milliOf(holding.parts);
  let completed = 0;
  let running = 0;
  for (const jobPhase of phase.values()) {
    if (jobPhase === "completed") completed++;
    if (jobPhase === "running") running++;
  }
  return { submitted: phase.size, completed, running, busyGpuHours: busyMilliUs / 1000 / 3_600e6, mostOnOneGpu };
}
