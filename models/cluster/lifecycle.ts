import { assert } from "../../sim/assert.js";
import { SampleSet, TimeWeighted } from "../../sim/metrics.js";
import type { Sim } from "../../sim/sim.js";
import { US_PER_H, US_PER_S } from "../../sim/time.js";
import type { Cluster } from "../hardware/cluster.js";
import type { GpuRequest } from "../hardware/gpu-share.js";
import type { SchedulerPolicy, SchedulingContext } from "../scheduler/policy.js";
import type { AttemptExecutor } from "../workload/attempt.js";
import { DEFAULT_LABELS, Job, JobState, type JobCommunication, type JobLabels } from "../workload/job.js";
import type { SchedulerOptions } from "./options.js";
import type { JobKilledListener } from "./part.js";
import type { Pace } from "./pace.js";

/**
 * The life of a job in a cluster run: submitted to the scheduler, started on nodes when a
 * scheduling pass picks it, and ended — completed, or cut short — through one path,
 * `endAttempt`, whatever ended it. What becomes of a job cut short follows from how it
 * ended (`Outcome`), not from who ended it: a failure requeues it until it is out of
 * requeues, a time limit fails it, a preemption holds it for the preempting part.
 *
 * Parts of the run hook in (`LifecycleHooks`): the control plane closes the gate while the
 * scheduler controller is down, the fabric and preemption watch attempts start and end,
 * preemption plans after each pass.
 */

/** What becomes of a job whose attempt ends. */
export const enum Outcome {
  /** Its work is done (the executor booked it). */
  Completed,
  /** Cut short by a failure: requeued, or failed once out of requeues. */
  RequeueOrFail,
  /** Killed for good (a time limit, a preemption that kills). */
  Fail,
  /** Cut short by the scheduler (a preemption that requeues): queued again by whoever holds it, at no cost to its requeues. */
  Hold,
}

/** What parts of a run may hook into a job's life; each implements the hooks it needs. */
export interface LifecycleHooks {
  /** May jobs start now? A pass starts none while any gate is closed. */
  mayStartJobs?(): boolean;
  /** An attempt started (after its pace was set). */
  attemptStarted?(job: Job): void;
  /** An attempt ended, its nodes released, before the scheduler is told. */
  attemptEnded?(job: Job): void;
  /** After each scheduling pass. */
  afterPass?(): void;
  /** Jobs held outside the queue (preempted, to be requeued): a run without a horizon waits for them too. */
  readonly heldCount?: number;
}

export interface LifecycleOptions {
  readonly scheduler: SchedulerOptions;
  readonly maxRequeues: number;
  /** Null: the run ends when every job has (a trace replay). */
  readonly horizonUs: number | null;
  /** Whether every job that will ever be submitted has been (a trace replay's last arrival). */
  readonly allSubmitted: () => boolean;
  /** The user who submits the largest share of jobs, whose waits are kept apart; null: users alike. */
  readonly bigUser?: string | null;
}

export class JobLifecycle {
  /** Running jobs, each at its `runningIndex` (removal swaps the last in: no allocation). */
  readonly running: Job[] = [];
  /** Hours from submission to first start, of every job that started. */
  readonly waitsH = new SampleSet();
  /** Waits of jobs in a QOS other than normal (the ones priorities and preemption favour). */
  readonly priorityWaitsH = new SampleSet();
  /** Waits of the big user's jobs and of everyone else's (only with a big user): does fair share hold the big user back? */
  readonly bigUserWaitsH = new SampleSet();
  readonly otherUsersWaitsH = new SampleSet();
  readonly timesToSolutionH = new SampleSet();
  readonly boundedSlowdowns = new SampleSet();
  /** Free nodes while some waiting job would fit in that many: idle by fragmentation. */
  readonly fragmentedNodes: TimeWeighted;
  /** Every job submitted, kept only when the run records (for the job log). */
  readonly jobs: Job[] = [];
  submitted = 0;
  /** GPU requests no node of the cluster could ever hold, left out of the run (traces). */
  unschedulable = 0;
  started = 0;
  completed = 0;
  failed = 0;
  lastEndUs = 0;
  readonly #sim: Sim;
  readonly #cluster: Cluster;
  readonly #scheduler: SchedulerPolicy;
  readonly #executor: AttemptExecutor;
  readonly #pace: Pace;
  readonly #options: LifecycleOptions;
  readonly #gates: Array<() => boolean> = [];
  readonly #startedHooks: Array<(job: Job) => void> = [];
  readonly #endedHooks: Array<(job: Job) => void> = [];
  readonly #afterPass: Array<() => void> = [];
  readonly #held: Array<() => number> = [];
  readonly #killedListeners: JobKilledListener[] = [];
  readonly #context: SchedulingContext;
  readonly #onPass = (): void => this.#pass();
  readonly #onTimeLimit = (job: Job): void => {
    job.timeLimitHandle = -1;
    this.endAttempt(job, "time-limit", Outcome.Fail);
  };
  /** The attempt a driver check at start is for: a job killed and restarted meanwhile is checked again. */
  readonly #driverCheckAttempt = new Map<Job, number>();
  readonly #onDriverCheck = (job: Job): void => this.#failIfDriverBroken(job);
  #passPending = false;
  #inPass = false;
  /** Changes under way that end several jobs (`asOneChange`): passes wait for them. */
  #changing = 0;

  constructor(sim: Sim, cluster: Cluster, scheduler: SchedulerPolicy, executor: AttemptExecutor, pace: Pace, options: LifecycleOptions) {
    this.#sim = sim;
    this.#cluster = cluster;
    this.#scheduler = scheduler;
    this.#executor = executor;
    this.#pace = pace;
    this.#options = options;
    this.fragmentedNodes = new TimeWeighted(sim.now, 0);
    const lifecycle = this;
    this.#context = {
      get nowUs() {
        return sim.now;
      },
      get freeNodes() {
        return cluster.freeCount;
      },
      totalNodes: cluster.shares === null ? cluster.nodeCount : cluster.gpuCount,
      fits: (job: Job) => (job.request === null ? job.nodeCount <= cluster.freeCount : cluster.canPlace(job.request)),
      start: (job: Job) => lifecycle.#start(job),
    };
  }

  /** Registers a part's hooks. */
  hook(hooks: LifecycleHooks): void {
    const { mayStartJobs, attemptStarted, attemptEnded, afterPass } = hooks;
    if (mayStartJobs !== undefined) this.#gates.push(mayStartJobs.bind(hooks));
    if (attemptStarted !== undefined) this.#startedHooks.push(attemptStarted.bind(hooks));
    if (attemptEnded !== undefined) this.#endedHooks.push(attemptEnded.bind(hooks));
    if (afterPass !== undefined) this.#afterPass.push(afterPass.bind(hooks));
    if (hooks.heldCount !== undefined) this.#held.push(() => hooks.heldCount ?? 0);
  }

  /** Tells `listener` of every attempt a failure kills (a rollout controller watches this). */
  onJobKilled(listener: JobKilledListener): void {
    this.#killedListeners.push(listener);
  }

  /** Tells `listener` of every attempt as it starts. */
  onJobStarted(listener: (job: Job) => void): void {
    this.#startedHooks.push(listener);
  }

  /** Jobs waiting: in the scheduler's queue, or held to be requeued. */
  get queuedCount(): number {
    let held = 0;
    for (const count of this.#held) held += count();
    return this.#scheduler.queuedCount + held;
  }

  /**
   * A job arrives now, needing `nodeCount` whole nodes (or, with a GPU request, its parts)
   * for `workUs` of compute. A GPU request no node could ever hold is counted as
   * unschedulable and left out (null): it would wait for ever.
   */
  submit(
    nodeCount: number,
    workUs: number,
    requestedUs = Infinity,
    labels: JobLabels = DEFAULT_LABELS,
    communication: JobCommunication | null = null,
    request: GpuRequest | null = null,
  ): Job | null {
    assert(nodeCount >= 1 && nodeCount <= this.#cluster.nodeCount, "a job must fit the cluster");
    assert(workUs > 0);
    assert(requestedUs > 0);
    assert((request === null) === (this.#cluster.shares === null), "GPU requests go to GPU-granular clusters, whole-node jobs to others");
    if (request !== null && !this.#cluster.shares!.canEverHold(request)) {
      this.unschedulable++;
      return null;
    }
    const job = new Job(this.submitted++, nodeCount, workUs, this.#sim.now, requestedUs, labels, request);
    job.communication = communication;
    if (this.#sim.recording) {
      this.jobs.push(job);
      this.#sim.record({ kind: "JobSubmitted", job: job.id, nodes: nodeCount, workUs });
    }
    this.#scheduler.submit(job);
    this.requestPass();
    return job;
  }

  /**
   * Asks for a scheduling pass at the end of this instant: it runs after every event
   * already due now (a job ending at this very microsecond has released its nodes), and
   * several changes at one instant share one pass. When nothing else is due now, the end
   * of the instant is the end of this event, and the pass runs at once: every caller asks
   * last thing, so this saves an event without changing what the pass sees.
   */
  requestPass(): void {
    if (this.#passPending) return;
    if (!this.#inPass && this.#changing === 0 && !this.#sim.moreDueNow) {
      this.#pass();
      return;
    }
    this.#passPending = true;
    this.#sim.schedule(0, this.#onPass);
  }

  /** Runs `change` (which may end several jobs) with no pass until it is done: one pass, on the state after it. */
  asOneChange(change: () => void): void {
    this.#changing++;
    try {
      change();
    } finally {
      this.#changing--;
    }
  }

  /** A pass now, whatever is pending (the scheduler controller is back). */
  passNow(): void {
    this.#pass();
  }

  #pass(): void {
    this.#passPending = false;
    for (const gate of this.#gates) if (!gate()) return; // no controller, no starts
    this.#inPass = true;
    this.#scheduler.schedule(this.#context);
    for (const after of this.#afterPass) after();
    // Idle by fragmentation: free nodes while some waiting job would fit in that many
    // (GPU-granular clusters measure fragmentation per GPU instead: GpuShares).
    if (this.#cluster.shares === null) {
      const free = this.#cluster.freeCount;
      const fragmented = free > 0 && this.#scheduler.smallestQueuedNodeCount() <= free ? free : 0;
      if (fragmented !== this.fragmentedNodes.value) this.fragmentedNodes.set(this.#sim.now, fragmented);
    }
    this.#inPass = false;
  }

  /** Whether a pass is asked for and not yet run (it will run at this instant). */
  get passPending(): boolean {
    return this.#passPending;
  }

  /** Whether a pass is running now (a part requeueing in `afterPass` asks for another). */
  get inPass(): boolean {
    return this.#inPass;
  }

  #start(job: Job): void {
    assert(job.state === JobState.Queued, "only a queued job starts");
    job.firstPart =
      job.request === null ? this.#cluster.allocate(job.id, job.nodeCount, this.#options.scheduler.placement) : this.#cluster.place(job.id, job.request);
    job.state = JobState.Running;
    job.attempts++;
    job.attemptStartUs = this.#sim.now;
    // Counted at the first start, not by attempts: a preempted job's attempt is handed back.
    if (job.firstStartUs < 0) {
      this.started++;
      job.firstStartUs = this.#sim.now;
      const waitH = (job.firstStartUs - job.submitUs) / US_PER_H;
      this.waitsH.add(waitH);
      if (job.labels.qos !== "normal") this.priorityWaitsH.add(waitH);
      const bigUser = this.#options.bigUser ?? null;
      if (bigUser !== null) (job.labels.user === bigUser ? this.bigUserWaitsH : this.otherUsersWaitsH).add(waitH);
    }
    job.runningIndex = this.running.length;
    this.running.push(job);
    this.#scheduler.jobStarted(job);
    if (this.#sim.recording) {
      const shares = this.#cluster.shares;
      const nodes = this.nodesOf(job);
      this.#sim.record(shares === null ? { kind: "JobStarted", job: job.id, nodes } : { kind: "JobStarted", job: job.id, nodes, parts: shares.partsOf(job.firstPart) });
    }
    if (this.#options.scheduler.enforceTimeLimit && job.requestedUs !== Infinity) {
      // Killed once it has run longer than its limit: a job that needs exactly its limit
      // finishes (the end and the kill would otherwise tie).
      job.timeLimitHandle = this.#sim.schedule(job.requestedUs + 1, this.#onTimeLimit, job);
    }
    this.#pace.begin(job);
    for (const started of this.#startedHooks) started(job);
    if (this.#cluster.firstIncompatibleDriver(job.firstPart, job.request?.cuda) >= 0) {
      // It fails as its processes start, just after: not inside the scheduler's pass.
      this.#driverCheckAttempt.set(job, job.attempts);
      this.#sim.schedule(0, this.#onDriverCheck, job);
    }
  }

  /** A driver that does not work with the job's CUDA runtime fails the job as it starts. */
  #failIfDriverBroken(job: Job): void {
    if (job.state !== JobState.Running || job.attempts !== this.#driverCheckAttempt.get(job)) return;
    this.#driverCheckAttempt.delete(job);
    const node = this.#cluster.firstIncompatibleDriver(job.firstPart, job.request?.cuda);
    if (node >= 0) this.endAttempt(job, "driver-mismatch", Outcome.RequeueOrFail, node);
  }

  /** A job's nodes, first to last. */
  nodesOf(job: Job): number[] {
    const nodes: number[] = [];
    for (let part = job.firstPart; part >= 0; part = this.#cluster.nextPart(part)) nodes.push(this.#cluster.nodeOfPart(part));
    return nodes;
  }

  /** The running job with this id (a scan: failures are rare, and a map would allocate on every start). */
  runningJob(jobId: number): Job {
    const job = this.running.find((running) => running.id === jobId);
    assert(job !== undefined, "the job is running");
    return job;
  }

  /**
   * Ends a running job's attempt, for `cause`: the one path every ending takes. A job that
   * completed was booked by the executor; any other attempt is booked now (the work since
   * its last checkpoint is lost) and recorded as killed; then the job's nodes go back, and
   * the job is completed, requeued, failed or held as `outcome` says. `node` is the node
   * whose failure ended it, or -1.
   */
  endAttempt(job: Job, cause: string, outcome: Outcome, node = -1): void {
    if (outcome === Outcome.Completed) {
      job.state = JobState.Completed;
      job.endUs = this.#sim.now;
      if (this.#sim.recording) this.#sim.record({ kind: "JobCompleted", job: job.id });
    } else {
      this.#executor.interrupt(job);
      this.#sim.record(node >= 0 ? { kind: "JobKilled", job: job.id, cause, node } : { kind: "JobKilled", job: job.id, cause });
    }
    this.#release(job);
    switch (outcome) {
      case Outcome.Completed:
        this.completed++;
        this.#jobEnded();
        this.#recordSolution(job);
        break;
      case Outcome.RequeueOrFail:
        for (const listener of this.#killedListeners) listener(job, cause, node);
        if (job.attempts > this.#options.maxRequeues) {
          this.#fail(job, cause);
        } else {
          job.state = JobState.Queued;
          this.#scheduler.requeue(job);
        }
        break;
      case Outcome.Fail:
        this.#fail(job, cause);
        break;
      case Outcome.Hold:
        // The scheduler's doing, not the job's: it does not count against its requeues.
        job.attempts--;
        job.state = JobState.Queued;
        break;
    }
    this.requestPass();
  }

  /** Releases a job's nodes and forgets it as running. */
  #release(job: Job): void {
    assert(job.firstPart >= 0);
    this.#cluster.release(job.id, job.firstPart);
    job.firstPart = -1;
    if (job.timeLimitHandle >= 0) {
      this.#sim.cancel(job.timeLimitHandle);
      job.timeLimitHandle = -1;
    }
    for (const ended of this.#endedHooks) ended(job);
    const last = this.running.pop()!;
    if (last !== job) {
      this.running[job.runningIndex] = last;
      last.runningIndex = job.runningIndex;
    }
    job.runningIndex = -1;
    this.#scheduler.jobEnded(job, this.#sim.now);
  }

  #recordSolution(job: Job): void {
    const runS = job.workUs / US_PER_S;
    const waitS = (job.firstStartUs - job.submitUs) / US_PER_S;
    const responseS = (job.endUs - job.submitUs) / US_PER_S;
    this.timesToSolutionH.add(responseS / 3_600);
    // Bounded slowdown as Feitelson defines it: response over max(run, 10 s), at least 1.
    this.boundedSlowdowns.add(Math.max(1, (waitS + runS) / Math.max(runS, 10)));
  }

  #fail(job: Job, cause: string): void {
    job.state = JobState.Failed;
    job.endUs = this.#sim.now;
    this.#sim.record({ kind: "JobFailed", job: job.id, cause });
    this.failed++;
    this.#jobEnded();
  }

  /** Without a horizon, the run ends when the last job has. */
  #jobEnded(): void {
    this.lastEndUs = this.#sim.now;
    if (this.#options.horizonUs === null && this.#allJobsEnded()) this.#sim.stop();
  }

  #allJobsEnded(): boolean {
    return this.#options.allSubmitted() && this.running.length === 0 && this.queuedCount === 0;
  }
}
