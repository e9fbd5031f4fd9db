import type { Job } from "../workload/job.js";

/**
 * QOS preemption in the manner of Slurm's preempt/qos: a waiting job whose QOS may
 * preempt others, and that does not fit, takes nodes from running jobs of the QOS it may
 * preempt. Victims get a grace time (Slurm's GraceTime: a signal, then the kill), then are
 * requeued (keeping the work their last checkpoint saved) or killed.
 *
 * Only the job at the head of the queue preempts (give high QOS a priority weight to put
 * them there), so the nodes it frees go to it. Victims are the most recently started jobs
 * first (the least work lost), then the highest job id. Nothing is preempted unless
 * enough nodes can be freed for the job. One preemption is under way at a time.
 */
export interface PreemptionOptions {
  /** For each QOS, the QOS it may preempt. */
  /** A Map, not an object: QOS names are the user's, and "constructor" is one too. */
  readonly preemptableByQos: ReadonlyMap<string, readonly string[]>;
  readonly mode: "requeue" | "kill";
  readonly graceUs: number;
}

export interface PreemptionPlan {
  readonly preemptor: Job;
  readonly victims: readonly Job[];
}

/**
 * The plan for the head of the queue when it may preempt, does not fit in `freeNodes`,
 * and can be made to fit by preempting; null otherwise.
 */
export function planPreemption(
  waiting: readonly Job[],
  running: Iterable<Job>,
  freeNodes: number,
  options: PreemptionOptions,
): PreemptionPlan | null {
  const job = waiting[0];
  if (job === undefined) return null;
  const preemptable = options.preemptableByQos.get(job.labels.qos);
  if (preemptable === undefined || preemptable.length === 0 || job.units <= freeNodes) return null;
  {
    const candidates = [...running]
      .filter((victim) => preemptable.includes(victim.labels.qos))
      .sort((a, b) => b.attemptStartUs - a.attemptStartUs || b.id - a.id);
    const victims: Job[] = [];
    let nodes = freeNodes;
    for (const victim of candidates) {
      if (nodes >= job.units) break;
      victims.push(victim);
      nodes += victim.units;
    }
    if (nodes >= job.units) return { preemptor: job, victims };
  }
  return null;
}
