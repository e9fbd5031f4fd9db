import { sample } from "../../sim/distribution.js";
import type { RngStream } from "../../sim/rng.js";
import type { Sim } from "../../sim/sim.js";
import { US_PER_S, secondsToUs } from "../../sim/time.js";
import { ARRIVALS_STREAM, ArrivalProcess, BURSTS_STREAM } from "../workload/arrivals.js";
import type { JobLabels } from "../workload/job.js";
import type { JobLifecycle } from "./lifecycle.js";
import type { GeneratorOptions, TracedJob, WorkloadOptions } from "./options.js";

/**
 * Where a cluster run's jobs come from: generated (Poisson arrivals with seasonality and
 * bursts, sizes and run times drawn, tasks bundled k to a job) or replayed from a trace,
 * one pending arrival at a time. Either submits to the job lifecycle.
 */
export interface JobSource {
  start(): void;
  /** Whether every job it will submit has been (a replay's last arrival). */
  readonly exhausted: boolean;
}

/** Jobs replayed from a trace, in submit order, until the horizon. */
export class TraceReplay implements JobSource {
  readonly #sim: Sim;
  readonly #jobs: readonly TracedJob[];
  readonly #horizonUs: number;
  readonly #lifecycle: JobLifecycle;
  readonly #onArrival = (job: TracedJob): void => this.#arrive(job);
  #next = 0;

  constructor(sim: Sim, jobs: readonly TracedJob[], horizonUs: number | null, lifecycle: JobLifecycle) {
    this.#sim = sim;
    this.#jobs = jobs;
    this.#horizonUs = horizonUs ?? Infinity;
    this.#lifecycle = lifecycle;
  }

  get exhausted(): boolean {
    return this.#next === this.#jobs.length;
  }

  start(): void {
    this.#scheduleNext();
  }

  /** One pending arrival at a time: the trace's jobs are not all put in the queue at once. */
  #scheduleNext(): void {
    if (this.#next === this.#jobs.length) return;
    const job = this.#jobs[this.#next];
    if (job.submitUs < this.#horizonUs) this.#sim.scheduleAt(Math.max(job.submitUs, this.#sim.now), this.#onArrival, job);
  }

  #arrive(traced: TracedJob): void {
    this.#next++;
    this.#lifecycle.submit(traced.nodeCount, traced.workUs, traced.requestedUs, traced.labels);
    this.#scheduleNext();
  }
}

/** Generated jobs: arrivals, sizes, run times, users; tasks bundled `tasksPerJob` to a job. */
export class JobGenerator implements JobSource {
  readonly exhausted = false;
  readonly #sim: Sim;
  readonly #options: GeneratorOptions;
  readonly #horizonUs: number;
  readonly #tasksPerJob: number;
  readonly #nodeCount: number;
  readonly #lifecycle: JobLifecycle;
  readonly #arrivals: ArrivalProcess;
  readonly #sizes: RngStream;
  readonly #runtimes: RngStream;
  readonly #users: RngStream;
  readonly #userLabels: JobLabels[] = [];
  readonly #onArrival = (): void => this.#arrive();
  /** Generated tasks waiting for the rest of their bundle. */
  readonly #bundle: { tasks: number; nodes: number; workUs: number; requestedUs: number; labels: JobLabels } = {
    tasks: 0,
    nodes: 1,
    workUs: 0,
    requestedUs: 0,
    labels: { user: "user", account: "account", qos: "normal" }, // set by the bundle's first task
  };

  constructor(sim: Sim, options: GeneratorOptions, workload: WorkloadOptions, horizonUs: number, nodeCount: number, lifecycle: JobLifecycle) {
    this.#sim = sim;
    this.#options = options;
    this.#horizonUs = horizonUs;
    this.#tasksPerJob = workload.tasksPerJob ?? 1;
    this.#nodeCount = nodeCount;
    this.#lifecycle = lifecycle;
    this.#arrivals = new ArrivalProcess(sim.rng(ARRIVALS_STREAM), sim.rng(BURSTS_STREAM), options.arrivals);
    this.#sizes = sim.rng("workload.size");
    this.#runtimes = sim.rng("workload.runtime");
    this.#users = sim.rng("workload.user");
    for (let u = 0; u < options.users; u++) {
      const name = `u${String(u).padStart(3, "0")}`;
      this.#userLabels.push({ user: name, account: name, qos: "normal" });
    }
  }

  start(): void {
    this.#scheduleNext();
  }

  #scheduleNext(): void {
    const nextUs = this.#arrivals.nextArrivalUs(this.#sim.now);
    if (nextUs < this.#horizonUs) this.#sim.scheduleAt(nextUs, this.#onArrival);
  }

  #arrive(): void {
    const options = this.#options;
    const drawnNodes = Math.round(sample(this.#sizes, options.nodes));
    const workUs = Math.max(US_PER_S, secondsToUs(sample(this.#runtimes, options.workS)));
    const requestedUs = options.timeLimitFactor === null ? Infinity : Math.ceil(workUs * options.timeLimitFactor);
    const labels = this.#userLabels[Math.floor(this.#users.random() * this.#userLabels.length)];
    const nodes = Math.min(this.#nodeCount, Math.max(1, drawnNodes));
    const bundle = this.#bundle;
    if (bundle.tasks === 0) {
      bundle.nodes = nodes;
      bundle.labels = labels;
    }
    bundle.tasks++;
    bundle.workUs += workUs;
    bundle.requestedUs += requestedUs;
    if (bundle.tasks === this.#tasksPerJob) {
      this.#lifecycle.submit(bundle.nodes, bundle.workUs, bundle.requestedUs, bundle.labels, options.communication);
      bundle.tasks = 0;
      bundle.workUs = 0;
      bundle.requestedUs = 0;
    }
    this.#scheduleNext();
  }
}
