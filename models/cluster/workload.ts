import { assert } from "../../sim/assert.js";
import { sample } from "../../sim/distribution.js";
import type { RngStream } from "../../sim/rng.js";
import type { Sim } from "../../sim/sim.js";
import { US_PER_S, secondsToUs } from "../../sim/time.js";
import { ARRIVALS_STREAM, ArrivalProcess, BURSTS_STREAM } from "../workload/arrivals.js";
import type { JobLabels } from "../workload/job.js";
import { gpuMilliOf, gpuRequest, typicalMix, type GpuRequest, type RequestClass } from "../hardware/gpu-share.js";
import type { JobLifecycle } from "./lifecycle.js";
import type { GeneratorOptions, GeneratorRequest, TracedJob, WorkloadOptions } from "./options.js";

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
    this.#lifecycle.submit(traced.nodeCount, traced.workUs, traced.requestedUs, traced.labels, null, traced.request ?? null);
    this.#scheduleNext();
  }
}

/**
 * The FGD paper's experiment (Weng et al., ATC '23): jobs drawn from a trace at random
 * (with replacement, from the run's own stream), one a second, each holding what it asked
 * for until the end, until their GPUs add up to `fill` × the cluster's. How full the
 * cluster gets, and how fragmented on the way, is the placement's doing alone.
 */
export class TraceFill implements JobSource {
  readonly #sim: Sim;
  readonly #jobs: readonly TracedJob[];
  readonly #lifecycle: JobLifecycle;
  readonly #targetMilli: number;
  readonly #holdUs: number;
  readonly #draws: RngStream;
  readonly #onArrival = (): void => this.#arrive();
  #requestedMilli = 0;
  #done = false;

  constructor(sim: Sim, jobs: readonly TracedJob[], fill: number, clusterGpus: number, horizonUs: number, lifecycle: JobLifecycle) {
    this.#sim = sim;
    this.#jobs = jobs;
    this.#lifecycle = lifecycle;
    this.#targetMilli = fill * clusterGpus * 1000;
    // Held past the horizon: nothing leaves while the cluster fills.
    this.#holdUs = 2 * horizonUs;
    this.#draws = sim.rng("workload.fill");
  }

  get exhausted(): boolean {
    return this.#done;
  }

  start(): void {
    this.#sim.schedule(0, this.#onArrival);
  }

  #arrive(): void {
    const traced = this.#jobs[Math.floor(this.#draws.random() * this.#jobs.length)];
    const request = traced.request ?? null;
    if (request !== null) this.#requestedMilli += request.parts * request.gpuMilli;
    this.#lifecycle.submit(traced.nodeCount, this.#holdUs, Infinity, traced.labels, null, request);
    if (this.#requestedMilli >= this.#targetMilli) this.#done = true;
    else this.#sim.schedule(US_PER_S, this.#onArrival);
  }
}

/**
 * The workload's typical mix of GPU requests, which the fragmentation measure and the fgd
 * placement judge nodes by: from a trace's requests, or from 2,000 draws of the generator
 * on a stream of their own (so the run's jobs are the same with or without it).
 */
export function workloadMix(sim: Sim, workload: WorkloadOptions): RequestClass[] {
  if (workload.trace !== null) return typicalMix(workload.trace.flatMap((job) => (job.request == null ? [] : [job.request])));
  const generator = workload.generator;
  if (generator?.request == null) return [];
  const sizes = sim.rng("workload.mix.size");
  const gpus = sim.rng("workload.mix.gpus");
  const draws: GpuRequest[] = [];
  for (let i = 0; i < 2_000; i++) draws.push(drawRequest(generator, generator.request, sizes, gpus, Infinity));
  return typicalMix(draws);
}

/** A generated request: parts from the size distribution (at most `maxParts`), GPUs per part from the GPU one. */
function drawRequest(options: GeneratorOptions, request: GeneratorRequest, sizes: RngStream, gpus: RngStream, maxParts: number): GpuRequest {
  const parts = Math.min(maxParts, Math.max(1, Math.round(sample(sizes, options.nodes))));
  return gpuRequest({
    parts,
    gpuMilli: gpuMilliOf(Math.max(0.001, sample(gpus, request.gpus))),
    cpuMilli: request.cpuMilli,
    memoryMiB: request.memoryMiB,
    model: request.model,
    cuda: request.cuda,
  });
}

/** The name (and fair-share account) of generated user `index`; user 0 is the big user when there is one. */
export function userName(index: number): string {
  return `u${String(index).padStart(3, "0")}`;
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
  /** GPUs per part: drawn only for GPU requests, on a stream of its own. */
  readonly #gpus: RngStream | null;
  readonly #runtimes: RngStream;
  readonly #users: RngStream;
  readonly #userLabels: JobLabels[] = [];
  /** Draws each job's QOS; null when every job is normal (no draws, so other streams are as before). */
  readonly #qos: RngStream | null;
  readonly #onArrival = (): void => this.#arrive();
  /** Generated tasks waiting for the rest of their bundle. */
  readonly #bundle: { tasks: number; nodes: number; request: GpuRequest | null; workUs: number; requestedUs: number; labels: JobLabels } = {
    tasks: 0,
    nodes: 1,
    request: null,
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
    this.#gpus = options.request == null ? null : sim.rng("workload.gpus");
    this.#runtimes = sim.rng("workload.runtime");
    this.#users = sim.rng("workload.user");
    this.#qos = (options.qos ?? []).length > 0 ? sim.rng("workload.qos") : null;
    const bigUserShare = options.bigUserShare ?? null;
    assert(bigUserShare === null || (bigUserShare * options.users > 1 && bigUserShare < 1), "a big user's share must be in (1/users, 1)");
    for (let u = 0; u < options.users; u++) {
      const name = userName(u);
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
    const request = options.request == null ? null : drawRequest(options, options.request, this.#sizes, this.#gpus!, this.#nodeCount);
    const drawnNodes = request === null ? Math.round(sample(this.#sizes, options.nodes)) : request.parts;
    const workUs = Math.max(US_PER_S, secondsToUs(sample(this.#runtimes, options.workS)));
    const requestedUs = options.timeLimitFactor === null ? Infinity : Math.ceil(workUs * options.timeLimitFactor);
    const labels = this.#withQos(this.#userLabels[this.#userIndex()]);
    const nodes = Math.min(this.#nodeCount, Math.max(1, drawnNodes));
    const bundle = this.#bundle;
    if (bundle.tasks === 0) {
      bundle.nodes = nodes;
      bundle.request = request;
      bundle.labels = labels;
    }
    bundle.tasks++;
    bundle.workUs += workUs;
    bundle.requestedUs += requestedUs;
    if (bundle.tasks === this.#tasksPerJob) {
      this.#lifecycle.submit(bundle.nodes, bundle.workUs, bundle.requestedUs, bundle.labels, options.communication, bundle.request);
      bundle.tasks = 0;
      bundle.workUs = 0;
      bundle.requestedUs = 0;
    }
    this.#scheduleNext();
  }

  /**
   * The submitting user: one draw of the user stream either way, so a big user changes
   * which user a job gets and nothing else. Without one, the draw maps to users exactly
   * as it always has (existing scenarios' users are unchanged).
   */
  #userIndex(): number {
    const u = this.#users.random();
    const users = this.#userLabels.length;
    const share = this.#options.bigUserShare ?? null;
    if (share === null) return Math.floor(u * users);
    if (u < share) return 0;
    // Given u ≥ share, (u − share)/(1 − share) is uniform on [0, 1): the others alike.
    return 1 + Math.min(users - 2, Math.floor(((u - share) / (1 - share)) * (users - 1)));
  }

  /** The user's labels with a QOS drawn from `qos` shares (the rest normal). */
  #withQos(labels: JobLabels): JobLabels {
    if (this.#qos === null) return labels;
    let u = this.#qos.random();
    for (const { name, share } of this.#options.qos!) {
      if (u < share) return { ...labels, qos: name };
      u -= share;
    }
    return labels;
  }
}
