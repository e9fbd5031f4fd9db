import type { SimRecord } from "../../sim/sim.js";

/**
 * An independent judge of a cluster run, kept apart from the model (TigerBeetle's
 * state_checker): it replays the record log with its own bookkeeping and throws on the
 * first broken rule. Rules: time never goes back; a job starts only when queued, on nodes
 * that are up and free; no node is held twice; a crashed node is up before and its job, if
 * any, is killed in the same instant; every job ends at most once.
 */
export interface CheckedRun {
  readonly submitted: number;
  readonly completed: number;
  readonly failed: number;
  readonly running: number;
  readonly queued: number;
  /** Node-hours held by jobs up to the horizon, summed from start and end records. */
  readonly busyNodeHours: number;
}

type JobPhase = "queued" | "running" | "completed" | "failed";

export function checkRecords(records: readonly SimRecord[], nodeCount: number, horizonUs: number): CheckedRun {
  const holder = new Int32Array(nodeCount).fill(-1);
  const up = new Uint8Array(nodeCount).fill(1);
  const phase = new Map<number, JobPhase>();
  const held = new Map<number, { nodes: number[]; sinceUs: number }>();
  let lastTimeUs = 0;
  let busyNodeUs = 0;
  /** Jobs a crash has hit whose JobKilled has not come yet (it must, in the same instant). */
  const pendingKills = new Set<number>();

  const fail = (record: SimRecord, why: string): never => {
    throw new Error(`${why} at ${JSON.stringify(record)}`);
  };
  const endHolding = (job: number, timeUs: number): void => {
    const holding = held.get(job);
    if (holding === undefined) throw new Error(`job ${job} ends without holding nodes`);
    for (const node of holding.nodes) holder[node] = -1;
    busyNodeUs += (timeUs - holding.sinceUs) * holding.nodes.length;
    held.delete(job);
  };

  for (const record of records) {
    const timeUs = record.timeUs as number;
    if (timeUs < lastTimeUs) fail(record, "time went back");
    lastTimeUs = timeUs;
    const job = record.job as number;
    switch (record.kind) {
      case "JobSubmitted":
        if (phase.has(job)) fail(record, "job submitted twice");
        phase.set(job, "queued");
        break;
      case "JobStarted": {
        if (phase.get(job) !== "queued") fail(record, "job started while not queued");
        const nodes = record.nodes as number[];
        for (const node of nodes) {
          if (up[node] !== 1) fail(record, `node ${node} is down`);
          if (holder[node] !== -1) fail(record, `node ${node} is held by job ${holder[node]}`);
          holder[node] = job;
        }
        phase.set(job, "running");
        held.set(job, { nodes, sinceUs: timeUs });
        break;
      }
      case "JobCompleted":
        if (phase.get(job) !== "running") fail(record, "job completed while not running");
        endHolding(job, timeUs);
        phase.set(job, "completed");
        break;
      case "SpotReclaimed":
      case "NodeCrashed": {
        const node = record.node as number;
        if (up[node] !== 1) fail(record, "a down node crashed");
        up[node] = 0;
        if (holder[node] !== -1) pendingKills.add(holder[node]);
        break;
      }
      case "JobKilled": {
        pendingKills.delete(job);
        if (phase.get(job) !== "running") fail(record, "job killed while not running");
        endHolding(job, timeUs);
        phase.set(job, "queued");
        break;
      }
      case "JobFailed":
        if (phase.get(job) !== "queued") fail(record, "job failed without being killed first");
        phase.set(job, "failed");
        break;
      case "SpotReturned":
      case "NodeRestored": {
        const node = record.node as number;
        if (up[node] !== 0) fail(record, "an up node was restored");
        if (holder[node] !== -1) fail(record, "a down node held a job");
        up[node] = 1;
        break;
      }
      default:
        break;
    }
    // A crash under a running job kills it before anything else happens.
    const crashKinds = record.kind === "NodeCrashed" || record.kind === "SpotReclaimed";
    if (pendingKills.size > 0 && !crashKinds && record.kind !== "JobKilled") fail(record, "a crash left its job running");
  }
  for (const holding of held.values()) busyNodeUs += (horizonUs - holding.sinceUs) * holding.nodes.length;

  const counts = { queued: 0, running: 0, completed: 0, failed: 0 };
  for (const jobPhase of phase.values()) counts[jobPhase]++;
  return {
    submitted: phase.size,
    completed: counts.completed,
    failed: counts.failed,
    running: counts.running,
    queued: counts.queued,
    busyNodeHours: busyNodeUs / 3_600e6,
  };
}
