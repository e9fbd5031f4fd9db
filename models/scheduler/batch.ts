import { assert } from "../../sim/assert.js";
import type { Job } from "../workload/job.js";
import type { SchedulerPolicy, SchedulingContext } from "./policy.js";
import { policyNameOf, type BackfillMode } from "./policies.js";
import { PriorityCalculator, byPriorityThenId, type PriorityOptions } from "./priority.js";
import { AvailabilityProfile } from "./profile.js";

/**
 * A batch scheduler: a queue ordered first come, first served (or by multifactor
 * priority), and one of three backfilling rules (Mu'alem and Feitelson, IEEE TPDS 2001):
 *
 * - none (FCFS / FIFO): jobs start in queue order; the first that does not fit blocks
 *   every job behind it.
 * - EASY: the first job that does not fit gets a reservation (the "shadow time" at which
 *   enough running jobs will have ended, by their time limits); a later job may start now
 *   if it fits and either ends by the shadow time or uses only nodes the head job will not
 *   need then. The head job is never delayed; others may be.
 * - conservative: every queued job gets a reservation when it arrives, the earliest that
 *   keeps every earlier reservation; a job starts when its reservation is now. When jobs
 *   end before their limits the schedule is compressed: in queue order, each job gives up
 *   its reservation and takes the earliest slot while all others keep theirs, so it can
 *   only move earlier and no reservation is ever delayed.
 *
 * Plans use time limits (`requestedUs`). A running job is planned to end no sooner than
 * the next microsecond: one due now has not released its nodes yet, and one running past
 * its limit (when limits are not enforced) may end at any moment. Down nodes are not
 * planned as coming back.
 */
export type { BackfillMode };

export interface BatchSchedulerOptions {
  readonly backfill: BackfillMode;
  /** Null: first come, first served. */
  readonly priority: PriorityOptions | null;
  /** Keep each job's earliest reservation in `reservationsUs` (for checks). */
  readonly trackReservations?: boolean;
}

export class BatchScheduler implements SchedulerPolicy {
  name: string;
  /** Earliest reservation each job was given, by job id (when tracking). */
  readonly reservationsUs = new Map<number, number>();
  readonly #options: BatchSchedulerOptions;
  /** The backfilling rule: the options' until an operator changes it. */
  #backfill: BackfillMode;
  readonly #priority: PriorityCalculator | null;
  readonly #profile = new AvailabilityProfile();
  /** Waiting jobs in queue order. */
  #queue: Job[] = [];
  /** Running jobs by expected end (then id); kept only when backfilling. */
  readonly #running: Job[] = [];

  constructor(options: BatchSchedulerOptions) {
    this.#options = options;
    this.#backfill = options.backfill;
    this.name = policyNameOf(options.backfill);
    this.#priority = options.priority === null ? null : new PriorityCalculator(options.priority);
  }

  get queuedCount(): number {
    return this.#queue.length;
  }

  /** Nodes asked by the smallest waiting job; Infinity when none waits. */
  smallestQueuedNodeCount(): number {
    let smallest = Infinity;
    for (const job of this.#queue) if (job.nodeCount < smallest) smallest = job.nodeCount;
    return smallest;
  }

  waitingJobs(): readonly Job[] {
    return this.#queue;
  }

  /**
   * Changes the backfilling rule mid-run (an operator's action). `running` are the jobs
   * running now: a backfilling rule plans with them. Standing reservations are dropped;
   * conservative places every waiting job again, in queue order, at its next pass.
   */
  setBackfill(mode: BackfillMode, running: readonly Job[]): void {
    this.#backfill = mode;
    this.name = policyNameOf(mode);
    this.#running.length = 0;
    for (const job of running) this.jobStarted(job);
    for (const job of this.#queue) job.reservationUs = -1;
  }

  submit(job: Job): void {
    this.#priority?.knowAccount(job.labels.account);
    this.#insertInOrder(job);
  }

  requeue(job: Job): void {
    job.reservationUs = -1;
    this.#insertInOrder(job);
  }

  jobStarted(job: Job): void {
    if (this.#backfill === "none") return; // FCFS plans nothing
    const running = this.#running;
    let i = running.length;
    while (i > 0 && byExpectedEndThenId(running[i - 1], job) > 0) i--;
    running.splice(i, 0, job);
  }

  jobEnded(job: Job, nowUs: number): void {
    if (this.#backfill !== "none") {
      const index = this.#running.indexOf(job);
      assert(index >= 0, "an ending job was running");
      this.#running.splice(index, 1);
    }
    this.#priority?.charge(job.labels.account, job.units * (nowUs - job.attemptStartUs), nowUs);
  }

  schedule(context: SchedulingContext): void {
    if (this.#queue.length === 0) return;
    if (this.#priority !== null && this.#priority.due(context.nowUs)) {
      this.#priority.recompute(this.#queue, context.nowUs, context.totalNodes);
      this.#queue.sort(byPriorityThenId);
    }
    switch (this.#backfill) {
      case "none":
        this.#startInOrder(context);
        break;
      case "easy":
        this.#startInOrder(context);
        if (this.#queue.length > 0 && context.freeNodes > 0) this.#easyBackfill(context);
        break;
      case "conservative":
        this.#conservative(context);
        break;
    }
  }

  /** Starts jobs from the head while they fit; returns when the head does not. */
  #startInOrder(context: SchedulingContext): void {
    let started = 0;
    while (started < this.#queue.length && context.fits(this.#queue[started])) {
      context.start(this.#queue[started]);
      started++;
    }
    if (started > 0) this.#queue.splice(0, started);
  }

  #easyBackfill(context: SchedulingContext): void {
    const nowUs = context.nowUs;
    const head = this.#queue[0];
    // Shadow time: when enough running jobs have ended (by their limits) for the head.
    let available = context.freeNodes;
    let shadowUs = Infinity;
    let extraNodes = available; // nodes the head will not need at the shadow time
    for (const job of this.#running) {
      available += job.units;
      if (available >= head.units) {
        shadowUs = plannedEndUs(job, nowUs);
        extraNodes = available - head.units;
        break;
      }
    }
    this.#noteReservation(head, shadowUs);

    let kept = 1;
    for (let i = 1; i < this.#queue.length; i++) {
      const job = this.#queue[i];
      let start = false;
      if (context.fits(job)) {
        if (nowUs + job.requestedUs <= shadowUs) {
          start = true;
        } else if (job.units <= extraNodes) {
          start = true;
          extraNodes -= job.units;
        }
      }
      if (start) {
        context.start(job);
      } else {
        this.#queue[kept++] = job;
      }
    }
    this.#queue.length = kept;
  }

  #conservative(context: SchedulingContext): void {
    const nowUs = context.nowUs;
    const profile = this.#profile;
    const queue = this.#queue;
    profile.reset(nowUs, context.freeNodes);
    for (const job of this.#running) profile.addRelease(plannedEndUs(job, nowUs), job.units);
    // Standing reservations first. One that no longer fits (a job ran past its limit, a
    // node went down) is dropped and placed again below, like a new job's.
    for (const job of queue) {
      if (job.reservationUs < 0) continue;
      if (profile.fits(job.reservationUs, job.requestedUs, job.units)) {
        profile.reserve(job.reservationUs, job.requestedUs, job.units);
      } else {
        job.reservationUs = -1;
      }
    }
    // Compression, in queue order: each job moves to its earliest slot, others staying put.
    for (const job of queue) {
      if (job.reservationUs < 0) continue;
      profile.release(job.reservationUs, job.requestedUs, job.units);
      job.reservationUs = profile.earliestStart(job.units, job.requestedUs);
      profile.reserve(job.reservationUs, job.requestedUs, job.units);
    }
    // New (and dropped) reservations behind all standing ones.
    for (const job of queue) {
      if (job.reservationUs >= 0) continue;
      const startUs = profile.earliestStart(job.units, job.requestedUs);
      if (startUs === Infinity) continue; // larger than the nodes up: wait for repairs
      job.reservationUs = startUs;
      profile.reserve(startUs, job.requestedUs, job.units);
    }
    let kept = 0;
    for (let i = 0; i < queue.length; i++) {
      const job = queue[i];
      const startUs = job.reservationUs < 0 ? Infinity : job.reservationUs;
      this.#noteReservation(job, startUs);
      if (startUs === nowUs && context.fits(job)) {
        job.reservationUs = -1;
        context.start(job);
      } else {
        // The profile counts units, not where they are: on a GPU-granular cluster a job
        // may not fit now although its units are free. It waits, placed again next pass.
        assert(startUs !== nowUs || job.request !== null, "the profile starts from the free nodes");
        if (startUs === nowUs) job.reservationUs = -1;
        queue[kept++] = job;
      }
    }
    queue.length = kept;
  }

  #noteReservation(job: Job, startUs: number): void {
    if (this.#options.trackReservations !== true) return;
    const previous = this.reservationsUs.get(job.id);
    if (previous === undefined || startUs < previous) this.reservationsUs.set(job.id, startUs);
  }

  /** Inserts by queue order: FCFS by id, or by current priority then id. */
  #insertInOrder(job: Job): void {
    const queue = this.#queue;
    const before = this.#priority === null ? byId : byPriorityThenId;
    let i = queue.length;
    while (i > 0 && before(queue[i - 1], job) > 0) i--;
    if (i === queue.length) queue.push(job); // the usual case: a new job goes last
    else queue.splice(i, 0, job);
  }
}

/** When a running job's nodes are planned to be free again. */
function plannedEndUs(job: Job, nowUs: number): number {
  return Math.max(job.expectedEndUs, nowUs + 1);
}

function byId(a: Job, b: Job): number {
  return a.id - b.id;
}

function byExpectedEndThenId(a: Job, b: Job): number {
  return a.expectedEndUs - b.expectedEndUs || a.id - b.id;
}
