import { assert } from "../../sim/assert.js";
import type { Sim } from "../../sim/sim.js";
import { US_PER_H } from "../../sim/time.js";
import { scheduleInjections } from "../failures/ad-hoc.js";
import { Cluster, type ClusterListener } from "../hardware/cluster.js";
import type { GpuRequest } from "../hardware/gpu-share.js";
import type { ControlPlaneService } from "../services/control-plane.js";
import { BatchScheduler, type BackfillMode } from "../scheduler/batch.js";
import type { SchedulerPolicy } from "../scheduler/policy.js";
import type { MtbfEstimate } from "../strategies/checkpoint.js";
import { AttemptExecutor, FixedCostStore, emptyLedger, type Ledger } from "../workload/attempt.js";
import { JobState, type Job, type JobCommunication, type JobLabels } from "../workload/job.js";
import { ControlPlanePart } from "./control-plane-part.js";
import { FabricPart } from "./fabric-part.js";
import { JobLifecycle, Outcome } from "./lifecycle.js";
import { clusterMetrics, errorBudgetUsed, failureTimeline } from "./metrics.js";
import type { ClusterModelOptions, ClusterRunResult, JobLogEntry, ModelStatus, TimedFault, TracePoint } from "./options.js";
import { Pace } from "./pace.js";
import { PoolUsage } from "./pool-usage.js";
import type { ClusterContext, ClusterPart } from "./part.js";
import { PreemptionPart } from "./preemption-part.js";
import { StoragePart } from "./storage-part.js";
import { JobGenerator, TraceFill, TraceReplay, userName, workloadMix, type JobSource } from "./workload.js";

/**
 * A batch cluster end to end: jobs arrive (generated or replayed from a trace), wait in
 * the scheduler's queue, run on whole nodes, checkpoint, lose work when a node under them
 * fails and are requeued, or are killed at their time limit.
 *
 * The model is an orchestrator: the job lifecycle (lifecycle.ts), the attempt executor
 * and its checkpoint store, the pace of attempts (pace.ts), and the parts the scenario
 * turns on — the fabric, the filesystem, the control plane, preemption, failure models —
 * each held only when on, in one list, and told of what happens through hooks.
 *
 * Accounting is kept in node·µs by category, and at the end it must equal the busy
 * node·µs the cluster measured on its own (metrics.ts): two bookkeepings that a bug in
 * either would make disagree.
 */
export class ClusterModel implements ClusterListener, MtbfEstimate, ClusterContext {
  readonly sim: Sim;
  readonly cluster: Cluster;
  readonly scheduler: SchedulerPolicy;
  /** Nodes of the spot pools (pools take racks in order). */
  readonly spotNodes: readonly number[];
  readonly #options: ClusterModelOptions;
  readonly #lifecycle: JobLifecycle;
  readonly #executor: AttemptExecutor;
  readonly #pace: Pace;
  readonly #ledger: Ledger = emptyLedger();
  readonly #sources: JobSource[] = [];
  /** The parts the scenario turned on, in the order they start. */
  readonly #parts: ClusterPart[] = [];
  /** Failure models built, for the metrics: none means lost work is not modelled. */
  readonly #failureCount: number;
  readonly #utilization: TracePoint[] = [];
  readonly #queueLength: TracePoint[] = [];
  readonly #onSample = (): void => this.#sample();
  /** GPU utilisation by pool; null without pools. */
  readonly #poolUsage: PoolUsage | null = null;
  #begun = false;
  #finished = false;

  constructor(sim: Sim, options: ClusterModelOptions) {
    assert(options.horizonUs === null || options.horizonUs > 0);
    assert(options.horizonUs !== null || options.workload.generator === null, "a generated workload needs a horizon");
    assert(options.workload.maxRequeues >= 0);
    assert(options.horizonUs !== null || (options.workload.trace?.length ?? 0) > 0, "without a horizon, replay a trace");
    this.sim = sim;
    this.#options = options;
    const sharing = options.gpuSharing ?? null;
    this.cluster = new Cluster(
      sim,
      sharing === null ? options.cluster : { ...options.cluster, sharing: { ...sharing, mix: workloadMix(sim, options.workload) } },
    );
    this.cluster.setListener(this);
    this.spotNodes = spotNodes(options);
    this.scheduler =
      options.scheduler.custom?.() ??
      new BatchScheduler({
        backfill: options.scheduler.backfill,
        priority: options.scheduler.priority,
        trackReservations: options.scheduler.trackReservations ?? false,
      });
    const storage = options.storage === null ? null : new StoragePart(sim, options.storage, options.checkpoint);
    this.#executor = new AttemptExecutor(
      sim,
      options.checkpoint,
      storage?.checkpointStore ?? new FixedCostStore(sim, options.checkpoint),
      this.#ledger,
      (job) => this.#lifecycle.endAttempt(job, "completed", Outcome.Completed),
      options.checkpoint.adaptive === undefined ? null : this,
      storage?.startup ?? null,
    );
    const pace = new Pace(this.cluster, this.#executor);
    this.#pace = pace;
    const sources = this.#sources;
    this.#lifecycle = new JobLifecycle(sim, this.cluster, this.scheduler, this.#executor, pace, {
      scheduler: options.scheduler,
      maxRequeues: options.workload.maxRequeues,
      horizonUs: options.horizonUs,
      allSubmitted: () => sources.every((source) => source.exhausted),
      bigUser: (options.workload.generator?.bigUserShare ?? null) === null ? null : userName(0),
    });
    if (storage !== null) this.#parts.push(storage);
    if (options.fabric !== null) {
      const fabric = new FabricPart(sim, options.cluster, options.fabric, this.#lifecycle, pace);
      pace.addFactor(fabric);
      this.#lifecycle.hook(fabric);
      this.#parts.push(fabric);
    }
    const failures = (options.failures ?? []).map((wire) => wire(this)).filter((part) => part !== null);
    this.#failureCount = failures.length + (options.injections?.length ?? 0);
    this.#parts.push(...failures);
    if ((options.controlPlane ?? []).length > 0) {
      const controlPlane = new ControlPlanePart(sim, this.cluster, options.controlPlane ?? [], this.#lifecycle);
      this.#lifecycle.hook(controlPlane);
      this.#parts.push(controlPlane);
    }
    if (options.pools.length > 0) {
      this.#poolUsage = new PoolUsage(sim, this.cluster, options.pools);
      this.#lifecycle.hook(this.#poolUsage);
    }
    if (options.scheduler.preemption !== null) {
      const preemption = new PreemptionPart(sim, this.cluster, this.scheduler, this.#lifecycle, options.scheduler.preemption);
      this.#lifecycle.hook(preemption);
      this.#parts.push(preemption);
    }
    const generator = options.workload.generator;
    if (generator !== null) {
      sources.push(new JobGenerator(sim, generator, options.workload, options.horizonUs ?? Infinity, this.cluster.nodeCount, this.#lifecycle));
    }
    const trace = options.workload.trace;
    const fill = options.workload.traceFill ?? null;
    if (trace !== null && fill !== null) {
      assert(options.horizonUs !== null, "filling the cluster needs a horizon");
      sources.push(new TraceFill(sim, trace, fill, this.cluster.gpuCount, options.horizonUs, this.#lifecycle));
    } else if (trace !== null) {
      sources.push(new TraceReplay(sim, trace, options.horizonUs, this.#lifecycle));
    }
  }

  /** The part of type `type`, when the scenario turned one on (a game day's verbs reach parts this way). */
  part<T extends ClusterPart>(type: abstract new (...args: never[]) => T): T | undefined {
    return this.#parts.find((part): part is T => part instanceof type);
  }

  /**
   * Runs the model to its horizon (or, replaying a trace without one, until the last job
   * ends) and returns its metrics. One model per Sim.
   */
  run(): ClusterRunResult {
    this.begin();
    this.sim.run(this.endUs);
    return this.finish();
  }

  /** Simulated time's end: the horizon, or Infinity when a trace replay runs until its last job ends. */
  get endUs(): number {
    return this.#options.horizonUs ?? Infinity;
  }

  /**
   * Starts arrivals, the parts (failure models first, then the control plane) and the
   * scripted faults, for a caller that drives the Sim itself (`run` does all three steps;
   * a game day advances the clock in steps between commands).
   */
  begin(): void {
    assert(!this.#begun, "a model runs once");
    this.#begun = true;
    for (const source of this.#sources) source.start();
    for (const part of this.#parts) part.start?.();
    for (const fault of this.#options.timedFaults ?? []) this.injectFault(fault);
    scheduleInjections(this.sim, this.cluster, this.#options.injections ?? []);
    if (this.#options.traceSamples > 0 && this.#options.horizonUs !== null) this.sim.schedule(0, this.#onSample);
  }

  /** Ends the run where the clock stands (the horizon, after `run`) and returns its metrics. */
  finish(): ClusterRunResult {
    assert(this.#begun && !this.#finished, "finish a begun model once");
    this.#finished = true;
    const lifecycle = this.#lifecycle;
    // Where the clock stands: the horizon after `run`, earlier when a game day ends early.
    const endUs = this.#options.horizonUs === null ? lifecycle.lastEndUs : Math.min(this.#options.horizonUs, this.sim.now);
    // Jobs still running at the end: book what they did so far, without ending them.
    const ledger = { ...this.#ledger };
    for (const job of lifecycle.running) this.#executor.interrupt(job, ledger, true);
    // Node-hours, or GPU-hours on a GPU-granular cluster (whose units are thousandths of a GPU).
    const unitScale = this.cluster.shares === null ? 1 : this.cluster.unitGpus;
    const toUnitH = (unitUs: number): number => (unitUs * unitScale) / US_PER_H;
    const metrics = clusterMetrics(
      {
        cluster: this.cluster,
        lifecycle,
        ledger,
        counters: this.#executor.counters,
        parts: this.#parts,
        pools: this.#options.pools,
        slo: this.#options.slo,
        failuresModelled: this.#failureCount > 0,
        startupModelled: (this.#options.storage?.startup ?? null) !== null,
        storageModelled: this.#options.storage !== null,
        corruptionModelled: (this.#options.checkpoint.corruptProbability ?? 0) > 0,
        servicesCost: this.part(ControlPlanePart)?.cost(endUs) ?? 0,
      },
      endUs,
    );
    return {
      metrics,
      meanWaitH: lifecycle.waitsH.mean(),
      nodeHours: {
        busy: toUnitH(this.cluster.busyUnits.areaUs(endUs)),
        up: toUnitH(this.cluster.upUnits.areaUs(endUs)),
        useful: toUnitH(ledger.usefulUs),
        overhead: toUnitH(ledger.overheadUs),
        lost: toUnitH(ledger.lostUs),
        inFlight: toUnitH(ledger.inFlightUs),
        degraded: toUnitH(ledger.degradedUs),
        slowdownFabric: toUnitH(ledger.slowdownFabricUs),
        slowdownThermal: toUnitH(ledger.slowdownThermalUs),
        slowdownDegraded: toUnitH(ledger.slowdownDegradedUs),
        slowdownModel: toUnitH(ledger.slowdownModelUs),
      },
      utilization: this.#utilization,
      queueLength: this.#queueLength,
      pools: this.#poolUsage?.utilization(endUs) ?? [],
      failures: failureTimeline(this.sim.records),
      jobs: lifecycle.jobs.map((job) => this.#jobLogEntry(job)),
    };
  }

  /** A job as the job log shows it, its lost work and overhead in the ledger's units. */
  #jobLogEntry(job: Job): JobLogEntry {
    const cluster = this.cluster;
    const gpus = job.units * cluster.unitGpus;
    const nodeH = (us: number): number | null => (cluster.shares === null ? (us * job.units) / US_PER_H : null);
    const gpuH = (us: number): number | null => (gpus > 0 ? (us * gpus) / US_PER_H : null);
    const outcome =
      job.state === JobState.Completed ? "completed" : job.state === JobState.Failed ? "failed" : job.state === JobState.Running ? "running" : "queued";
    return {
      job: job.id,
      user: job.labels.user,
      nodes: job.nodeCount,
      gpus: gpus > 0 ? gpus : null,
      submitH: job.submitUs / US_PER_H,
      startH: job.firstStartUs < 0 ? null : job.firstStartUs / US_PER_H,
      endH: job.endUs < 0 ? null : job.endUs / US_PER_H,
      attempts: job.attempts,
      outcome,
      lostWorkNodeH: nodeH(job.lostUs),
      lostWorkGpuH: gpuH(job.lostUs),
      checkpointOverheadNodeH: nodeH(job.overheadUs),
      checkpointOverheadGpuH: gpuH(job.overheadUs),
    };
  }

  /** A job arrives now, needing `nodeCount` whole nodes for `workUs` of compute. */
  submit(nodeCount: number, workUs: number, requestedUs?: number, labels?: JobLabels, communication?: JobCommunication | null): Job {
    const job = this.#lifecycle.submit(nodeCount, workUs, requestedUs, labels, communication);
    assert(job !== null, "a whole-node job is always submitted");
    return job;
  }

  /** A job with a GPU request arrives now (GPU-granular clusters); null: no node could ever hold it. */
  submitRequest(request: GpuRequest, workUs: number, requestedUs?: number, labels?: JobLabels): Job | null {
    return this.#lifecycle.submit(request.parts, workUs, requestedUs, labels, null, request);
  }

  /** What a live view shows, read without ending the run: job counts, work lost, error budget. */
  status(): ModelStatus {
    const lifecycle = this.#lifecycle;
    return {
      submitted: lifecycle.submitted,
      completed: lifecycle.completed,
      failed: lifecycle.failed,
      running: lifecycle.running.length,
      queued: lifecycle.queuedCount,
      lostGpuH: (this.#ledger.lostUs * this.cluster.unitGpus) / US_PER_H,
      errorBudgetUsed: errorBudgetUsed(this.#options.slo, lifecycle.failed, lifecycle.completed + lifecycle.failed, lifecycle.timesToSolutionH),
    };
  }

  /** Jobs running now. */
  runningJobs(): readonly Job[] {
    return this.#lifecycle.running;
  }

  /** Whether the strategy checkpoints at all (an operator's "checkpoint now" has something to do). */
  get writesCheckpoints(): boolean {
    return this.#options.checkpoint.policy !== "none";
  }

  /** Whether the scheduler has a backfilling rule to switch (a custom policy has none). */
  get switchableBackfill(): boolean {
    return this.scheduler instanceof BatchScheduler;
  }

  /**
   * An operator's "checkpoint now": every running job that is computing cuts its segment
   * short and writes a checkpoint, at the strategy's cost. Returns how many began one;
   * null when the strategy does not checkpoint at all.
   */
  checkpointAllNow(): number | null {
    if (!this.writesCheckpoints) return null;
    let begun = 0;
    for (const job of [...this.#lifecycle.running]) {
      const phase = job.attempt.phase;
      this.#executor.checkpointNow(job);
      if (job.attempt.phase !== phase) begun++;
    }
    return begun;
  }

  /**
   * An operator switches the batch scheduler's backfilling rule; the new rule acts at
   * once. False when the scheduler is a custom policy, which has no such switch.
   */
  setBackfill(mode: BackfillMode): boolean {
    if (!(this.scheduler instanceof BatchScheduler)) return false;
    this.scheduler.setBackfill(mode, this.#lifecycle.running);
    this.#lifecycle.requestPass();
    return true;
  }

  /** The control-plane services the cluster depends on (none without a control plane). */
  controlPlane(): readonly ControlPlaneService[] {
    return this.part(ControlPlanePart)?.services ?? [];
  }

  /** Whether a timed fault of this kind has the component it acts through (a fabric, a filesystem, the service). */
  canInject(fault: TimedFault): boolean {
    switch (fault.kind) {
      case "link-down":
        return this.part(FabricPart)?.hasLeafSpineLinks === true;
      case "metadata-storm":
        return this.part(StoragePart) !== undefined;
      case "network-partition":
      case "certificate-expiry":
        return this.part(ControlPlanePart)?.service(fault.service) !== undefined;
    }
  }

  /** A timed fault (link down, metadata storm, …) begun at its time, through its component's verb. */
  injectFault(fault: TimedFault): void {
    assert(this.canInject(fault), "a timed fault acts on a component of the model");
    this.sim.scheduleAt(fault.atUs, () => this.#beginFault(fault));
  }

  #beginFault(fault: TimedFault): void {
    this.sim.record({ kind: "FaultInjected", fault: fault.kind, target: faultTarget(fault), repairUs: "durationUs" in fault ? fault.durationUs : 0 });
    switch (fault.kind) {
      case "link-down":
        this.part(FabricPart)?.linkDown(fault.leaf, fault.spine, fault.durationUs);
        break;
      case "metadata-storm":
        this.part(StoragePart)?.metadataStorm(fault.ops);
        break;
      case "network-partition": {
        const service = this.part(ControlPlanePart)?.service(fault.service);
        service?.partition();
        this.sim.schedule(fault.durationUs, () => service?.heal());
        break;
      }
      case "certificate-expiry": {
        const service = this.part(ControlPlanePart)?.service(fault.service);
        service?.expireCertificate();
        this.sim.schedule(fault.durationUs, () => service?.renewCertificate());
        break;
      }
    }
  }

  /**
   * One node's MTBF as seen so far: node-time up over crashes, with the adaptive policy's
   * prior counted as one more failure after that much time (so the first guess is the prior).
   */
  nodeMtbfUs(): number {
    const prior = this.#options.checkpoint.adaptive?.priorNodeMtbfUs ?? Infinity;
    return (prior + this.cluster.upNodes.areaUs(this.sim.now)) / (1 + this.cluster.crashCount);
  }

  // ClusterListener and ClusterContext: what the cluster and the failure models tell the model.

  jobLostNode(jobId: number, node: number, cause: string): void {
    this.#lifecycle.endAttempt(this.#lifecycle.runningJob(jobId), cause, Outcome.RequeueOrFail, node);
  }

  asOneChange(tell: () => void): void {
    this.#lifecycle.asOneChange(tell);
  }

  nodesRestored(nodes: readonly number[]): void {
    // A node that comes back boots through the boot service: while it is down, it waits.
    if (this.part(ControlPlanePart)?.holdRestored(nodes) === true) return;
    this.#lifecycle.requestPass();
  }

  clockChanged(node: number): void {
    for (const jobId of this.cluster.jobsOn(node)) this.#pace.changed(this.#lifecycle.runningJob(jobId));
  }

  noticeReclaim(node: number): void {
    if (!this.#options.checkpoint.onNotice) return;
    for (const jobId of this.cluster.jobsOn(node)) this.#executor.checkpointNow(this.#lifecycle.runningJob(jobId));
  }

  onJobStarted(listener: (job: Job) => void): void {
    this.#lifecycle.onJobStarted(listener);
  }

  onJobKilled(listener: (job: Job, cause: string, node: number) => void): void {
    this.#lifecycle.onJobKilled(listener);
  }

  #sample(): void {
    const now = this.sim.now;
    const up = this.cluster.upUnits.value;
    this.#utilization.push({ timeUs: now, value: up > 0 ? this.cluster.busyUnits.value / up : 0 });
    this.#queueLength.push({ timeUs: now, value: this.scheduler.queuedCount });
    const horizonUs = this.endUs;
    const stepUs = Math.max(1, Math.floor(horizonUs / this.#options.traceSamples));
    if (now + stepUs <= horizonUs) this.sim.schedule(stepUs, this.#onSample);
  }
}

/** Nodes of the spot pools (pools take racks in order). */
function spotNodes(options: ClusterModelOptions): number[] {
  const nodes: number[] = [];
  const perRack = options.cluster.nodesPerRack;
  let rack = 0;
  for (const pool of options.pools) {
    for (let r = rack; r < rack + pool.racks; r++) {
      if (!pool.spot) continue;
      for (let slot = 0; slot < perRack; slot++) nodes.push(r * perRack + slot);
    }
    rack += pool.racks;
  }
  return nodes;
}

function faultTarget(fault: TimedFault): string {
  switch (fault.kind) {
    case "link-down":
      return `leaf${fault.leaf}-spine${fault.spine}`;
    case "metadata-storm":
      return `${fault.ops} ops`;
    case "network-partition":
    case "certificate-expiry":
      return fault.service;
  }
}
