import type { Sim } from "../../sim/sim.js";
import type { Cluster } from "../hardware/cluster.js";
import type { SchedulerPolicy } from "../scheduler/policy.js";
import { planPreemption, type PreemptionOptions } from "../scheduler/preemption.js";
import type { Job } from "../workload/job.js";
import { Outcome, type JobLifecycle, type LifecycleHooks } from "./lifecycle.js";
import type { ClusterPart, RunMetricsDraft } from "./part.js";

/**
 * QOS preemption: after a pass, when the head of the queue may preempt and does not fit,
 * the youngest running jobs of the QOS it may preempt get a signal; at the end of their
 * grace time they give up their nodes, killed or requeued. A requeued victim waits apart
 * until the next pass has given the preemptor first pick, then goes back in the queue.
 */
export class PreemptionPart implements ClusterPart, LifecycleHooks {
  readonly #sim: Sim;
  readonly #cluster: Cluster;
  readonly #scheduler: SchedulerPolicy;
  readonly #lifecycle: JobLifecycle;
  readonly #options: PreemptionOptions;
  /** Victims of the preemption under way, in their grace time. */
  readonly #preempting = new Set<Job>();
  /** Victims whose grace is over, requeued once the preemptor has had first pick. */
  readonly #preempted: Job[] = [];
  readonly #onGraceOver = (job: Job): void => this.#preempt(job);
  /** Attempts whose grace ran out: they gave up their nodes. */
  #preemptions = 0;

  constructor(sim: Sim, cluster: Cluster, scheduler: SchedulerPolicy, lifecycle: JobLifecycle, options: PreemptionOptions) {
    this.#sim = sim;
    this.#cluster = cluster;
    this.#scheduler = scheduler;
    this.#lifecycle = lifecycle;
    this.#options = options;
  }

  get heldCount(): number {
    return this.#preempted.length;
  }

  afterPass(): void {
    if (this.#preempted.length > 0) {
      for (const job of this.#preempted) this.#scheduler.requeue(job);
      this.#preempted.length = 0;
      this.#lifecycle.requestPass();
    }
    if (this.#preempting.size === 0) this.#plan();
  }

  attemptEnded(job: Job): void {
    if (job.preemptHandle >= 0) {
      this.#sim.cancel(job.preemptHandle);
      job.preemptHandle = -1;
      this.#preempting.delete(job);
    }
  }

  #plan(): void {
    const plan = planPreemption(this.#scheduler.waitingJobs(), this.#lifecycle.running, this.#cluster.freeCount, this.#options);
    if (plan === null) return;
    for (const victim of plan.victims) {
      this.#preempting.add(victim);
      this.#sim.record({ kind: "JobPreemptionSignalled", job: victim.id, by: plan.preemptor.id });
      victim.preemptHandle = this.#sim.schedule(this.#options.graceUs, this.#onGraceOver, victim);
    }
  }

  addMetrics(metrics: RunMetricsDraft): void {
    metrics.preemptions = this.#preemptions;
    const started = this.#lifecycle.started;
    metrics.preemption_rate = started > 0 ? this.#preemptions / started : null;
  }

  /** A victim's grace time is over: it gives up its nodes, requeued or killed. */
  #preempt(job: Job): void {
    job.preemptHandle = -1;
    this.#preempting.delete(job);
    this.#preemptions++;
    if (this.#options.mode === "kill") {
      this.#lifecycle.endAttempt(job, "preemption", Outcome.Fail);
    } else {
      // Held here, not queued: the preemptor gets first pick of the nodes.
      this.#preempted.push(job);
      this.#lifecycle.endAttempt(job, "preemption", Outcome.Hold);
    }
  }
}
