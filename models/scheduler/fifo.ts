import { assert } from "../../sim/assert.js";
import type { Job } from "../workload/job.js";
import type { SchedulerPolicy, SchedulingContext } from "./policy.js";

/**
 * First come, first served: jobs start strictly in submit order; when the oldest waiting
 * job does not fit, nothing behind it starts (no backfill). A requeued job goes back to its
 * place by submit time, so a job cut short by a failure is the next to run.
 */
export class FifoScheduler implements SchedulerPolicy {
  readonly name = "fifo";
  /** Waiting jobs in submit order, from `#head`. */
  #queue: Job[] = [];
  #head = 0;

  get queuedCount(): number {
    return this.#queue.length - this.#head;
  }

  submit(job: Job): void {
    const last = this.#queue.length > this.#head ? this.#queue[this.#queue.length - 1] : null;
    assert(last === null || last.id < job.id, "jobs arrive in id order");
    this.#queue.push(job);
  }

  requeue(job: Job): void {
    // Find its place by id (ids follow submit order); requeued jobs are older than most.
    let position = this.#head;
    while (position < this.#queue.length && this.#queue[position].id < job.id) position++;
    if (position === this.#head && this.#head > 0) {
      this.#queue[--this.#head] = job;
    } else {
      this.#queue.splice(position, 0, job);
    }
  }

  schedule(context: SchedulingContext): void {
    while (this.#head < this.#queue.length) {
      const job = this.#queue[this.#head];
      if (job.nodeCount > context.freeNodes) break;
      this.#queue[this.#head++] = undefined as unknown as Job;
      context.start(job);
    }
    // Compact once the consumed prefix dominates, keeping pushes amortised O(1).
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}
