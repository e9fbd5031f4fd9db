import { assert } from "../sim/assert.js";
import type { DistributionSpec } from "../sim/distribution.js";
import { sample } from "../sim/distribution.js";
import { SampleSet } from "../sim/metrics.js";
import type { RngStream } from "../sim/rng.js";
import type { Sim } from "../sim/sim.js";
import { US_PER_H, US_PER_S, secondsToUs } from "../sim/time.js";
import { Fabric } from "./fabric/fabric.js";
import { FatTree } from "./fabric/topology.js";
import { NodeCrashInjector, type NodeCrashOptions } from "./failures/node-crash.js";
import { SpotPreemptionInjector, type SpotOptions } from "./failures/spot.js";
import { DriverRolloutController, type DriverRolloutOptions } from "./failures/driver-rollout.js";
import { scheduleInjections, type AdHocInjection } from "./failures/ad-hoc.js";
import { CorrelatedFailureInjector, type CorrelatedFailureOptions } from "./failures/correlated.js";
import { DegradationModel, HealthPolicy, type DegradationOptions, type HealthPolicyOptions } from "./failures/degradation.js";
import { FailureLogReplay, type LanlFailure } from "./failures/lanl-log.js";
import { ThermalModel, type ThermalOptions } from "./failures/thermal.js";
import { ControlPlaneService, type ControlPlaneOptions } from "./services/control-plane.js";
import { Cluster, type ClusterListener, type ClusterOptions, type Placement } from "./hardware/cluster.js";
import { finiteOrNull, type RunMetrics } from "./metrics.js";
import { BatchScheduler, type BackfillMode } from "./scheduler/batch.js";
import type { SchedulerPolicy, SchedulingContext } from "./scheduler/policy.js";
import { planPreemption, type PreemptionOptions } from "./scheduler/preemption.js";
import type { PriorityOptions } from "./scheduler/priority.js";
import { TimeWeighted } from "../sim/metrics.js";
import type { CheckpointPlan, MtbfEstimate } from "./strategies/checkpoint.js";
import { ARRIVALS_STREAM, ArrivalProcess, BURSTS_STREAM, type ArrivalProfile } from "./workload/arrivals.js";
import { AttemptExecutor, FixedCostStore, emptyLedger, type CheckpointStore, type Ledger } from "./workload/attempt.js";
import { FilesystemCheckpointStore, type FilesystemCheckpointOptions } from "./storage/checkpoint-store.js";
import { MetadataStartup, type MetadataStartupOptions } from "./storage/metadata-startup.js";
import { ParallelFilesystem, type ParallelFilesystemOptions } from "./storage/parallel-fs.js";
import { BurstBuffer, type BurstBufferOptions } from "./storage/burst-buffer.js";
import { BurstBufferCheckpointStore } from "./storage/burst-buffer-store.js";
import { Job, JobState, type JobCommunication, type JobLabels } from "./workload/job.js";

/**
 * A batch cluster end to end: jobs arrive (generated or replayed from a trace), wait in
 * the scheduler's queue, run on whole nodes, checkpoint, lose work when a node under them
 * crashes and are requeued, or are killed at their time limit.
 *
 * Accounting is kept in node·µs by category, and at the end it must equal the busy
 * node·µs the cluster measured on its own (useful + overhead + lost + in flight = busy):
 * two bookkeepings that a bug in either would make disagree.
 */
export interface GeneratorOptions {
  /** When jobs arrive: Poisson, with daily and weekly seasonality and bursts. */
  readonly arrivals: ArrivalProfile;
  /** Nodes per job; a draw is rounded to the nearest integer and kept within [1, cluster size]. */
  readonly nodes: DistributionSpec;
  /** Compute work per job, seconds (its run time on a failure-free cluster). */
  readonly workS: DistributionSpec;
  /** Time limit a user asks = work × this (users overestimate); null: no limit. */
  readonly timeLimitFactor: number | null;
  /** Jobs come from this many users, drawn uniformly; each user is a fair-share account. */
  readonly users: number;
  /** What a multi-node job communicates; null: nothing (or no fabric to model it). */
  readonly communication: JobCommunication | null;
}

/** A two-level fat-tree with one leaf switch per rack. */
export interface FabricModelOptions {
  readonly linkGbps: number;
  readonly oversubscription: number;
  readonly spineCount: number;
  readonly linkLatencyUs: number;
  readonly switchLatencyUs: number;
}

/** The parallel filesystem checkpoints go to (when a checkpoint has a size). */
export interface StorageModelOptions {
  readonly filesystem: ParallelFilesystemOptions;
  readonly checkpoints: FilesystemCheckpointOptions;
  /** A burst-buffer tier; null: none. */
  readonly burstBuffer?: BurstBufferOptions | null;
  /** Where sized checkpoints go: the filesystem, or the burst buffer first (multi-level). */
  readonly checkpointTier?: "filesystem" | "burst-buffer";
  /** Metadata ops every attempt does at the metadata server before computing; null: none. */
  readonly startup?: MetadataStartupOptions | null;
}

/**
 * A fault at a set time, acting through a component's verb: a leaf–spine cable cut (both
 * directions; routes go round it, or a job's ring is cut), a metadata storm on the
 * filesystem, a network partition between a service's units, a service's certificate
 * expiring (no unit can serve until renewal).
 */
export type TimedFault =
  | { readonly kind: "link-down"; readonly atUs: number; readonly durationUs: number; readonly leaf: number; readonly spine: number }
  | { readonly kind: "metadata-storm"; readonly atUs: number; readonly ops: number }
  | { readonly kind: "network-partition"; readonly atUs: number; readonly durationUs: number; readonly service: string }
  | { readonly kind: "certificate-expiry"; readonly atUs: number; readonly durationUs: number; readonly service: string };

/** Racks bought together at one price. Racks go to pools in order. */
export interface PoolOptions {
  readonly name: string;
  readonly racks: number;
  readonly pricePerGpuHour: number;
  readonly spot: boolean;
}

/** A job replayed from a trace. */
export interface TracedJob {
  readonly submitUs: number;
  readonly nodeCount: number;
  readonly workUs: number;
  /** The recorded time limit; Infinity when the trace has none. */
  readonly requestedUs: number;
  readonly labels: JobLabels;
}

export interface WorkloadOptions {
  readonly generator: GeneratorOptions | null;
  /** Jobs in submit order. */
  readonly trace: readonly TracedJob[] | null;
  /** Times a job cut short by a failure is requeued before it is failed for good. */
  readonly maxRequeues: number;
  /**
   * Generated tasks bundled per job (1: each task its own job, as a job array does): a
   * bundle is submitted when its last task arrives, on the first task's node count, and
   * runs its tasks' work back to back, starting up once.
   */
  readonly tasksPerJob?: number;
}

export interface SchedulerOptions {
  readonly backfill: BackfillMode;
  /** Null: first come, first served. */
  readonly priority: PriorityOptions | null;
  readonly placement: Placement;
  /** Kill a job that reaches its time limit (Slurm's TIMEOUT). */
  readonly enforceTimeLimit: boolean;
  /** QOS preemption; null: none. */
  readonly preemption: PreemptionOptions | null;
  /** Keep reservations for checks (tests). */
  readonly trackReservations?: boolean;
  /** A policy of the user's own, used instead of the batch scheduler (the plug-in point). */
  readonly custom?: () => SchedulerPolicy;
}

export interface SloOptions {
  /** Fraction of ended jobs that must complete. */
  readonly jobSuccessRate: number | null;
  /** 90% of completed jobs must finish within this time from submission, seconds. */
  readonly timeToSolutionP90S: number | null;
}

export interface ClusterModelOptions {
  /** Simulated time; null runs until every job has ended (a trace replay). */
  readonly horizonUs: number | null;
  readonly cluster: ClusterOptions;
  /** Null: communication is not modelled. */
  readonly fabric: FabricModelOptions | null;
  /** Empty: no prices, so no cost metrics. */
  readonly pools: readonly PoolOptions[];
  /** Null: storage is not modelled (checkpoints take fixed times). */
  readonly storage: StorageModelOptions | null;
  readonly workload: WorkloadOptions;
  readonly scheduler: SchedulerOptions;
  readonly nodeCrash: NodeCrashOptions | null;
  /** Spot reclaims of the nodes of spot pools; null: none. */
  readonly spot: Omit<SpotOptions, "nodes"> | null;
  /** A driver patch rolled out during the run; null: none. */
  readonly driverRollout?: DriverRolloutOptions | null;
  /** Faults injected by hand at given times. */
  readonly injections?: readonly AdHocInjection[];
  /** Rack (or power-domain) outages; null: none. */
  readonly rackPower?: CorrelatedFailureOptions | null;
  /** GPU temperatures and throttling; null: not modelled. */
  readonly thermal?: ThermalOptions | null;
  /** ECC errors degrading nodes, and the health policy that quarantines them (or null). */
  readonly degradation?: { readonly model: DegradationOptions; readonly policy: HealthPolicyOptions | null } | null;
  /** Control-plane services the cluster depends on, by role. */
  readonly controlPlane?: readonly { readonly role: "scheduler" | "boot"; readonly service: ControlPlaneOptions }[];
  /** Faults at set times on the fabric, the filesystem and control-plane services. */
  readonly timedFaults?: readonly TimedFault[];
  /** A failure log replayed onto the cluster (LANL). */
  readonly failureLog?: { readonly records: readonly LanlFailure[]; readonly startUs: number } | null;
  readonly checkpoint: CheckpointPlan;
  readonly slo: SloOptions | null;
  /** Points of utilisation and queue length to sample over the horizon (0: none). */
  readonly traceSamples: number;
}

/** A sampled time series value. */
export interface TracePoint {
  readonly timeUs: number;
  readonly value: number;
}

/** A failure and the outage it left, for the failure timeline. */
export interface FailureOccurred {
  readonly timeUs: number;
  readonly kind: string;
  readonly target: string;
  readonly durationUs: number;
}

export interface ClusterRunResult {
  readonly metrics: RunMetrics;
  /** Mean of first start − submission over jobs that started, hours; NaN when none did. */
  readonly meanWaitH: number;
  /** Node-hours by what they bought, up to the horizon; they add up to `busyNodeH`. */
  readonly nodeHours: NodeHours;
  readonly utilization: readonly TracePoint[];
  readonly queueLength: readonly TracePoint[];
  readonly failures: readonly FailureOccurred[];
}

export interface ModelStatus {
  readonly submitted: number;
  readonly completed: number;
  readonly failed: number;
  readonly running: number;
  readonly queued: number;
  readonly lostGpuH: number;
  readonly errorBudgetUsed: number | null;
}

export interface NodeHours {
  readonly busy: number;
  readonly up: number;
  readonly useful: number;
  readonly overhead: number;
  readonly lost: number;
  readonly inFlight: number;
  readonly degraded: number;
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

/** Records that are injected faults: the failure they name and the field holding the outage. */
const FAILURE_RECORDS: Readonly<Record<string, { kind: string; durationField: string | null }>> = {
  NodeCrashed: { kind: "node-crash", durationField: "repairUs" },
  SpotReclaimed: { kind: "spot-preemption", durationField: "returnUs" },
  RackPowerLost: { kind: "rack-power", durationField: "repairUs" },
  PowerDomainLost: { kind: "power-domain", durationField: "repairUs" },
  GpuThrottled: { kind: "thermal-throttle", durationField: null },
  NodeQuarantined: { kind: "silent-degradation", durationField: null },
  FaultInjected: { kind: "ad-hoc", durationField: "repairUs" },
  DriverRolledOut: { kind: "driver-mismatch", durationField: null },
};

export class ClusterModel implements ClusterListener, MtbfEstimate {
  readonly cluster: Cluster;
  readonly scheduler: SchedulerPolicy;
  readonly #sim: Sim;
  readonly #options: ClusterModelOptions;
  readonly #injector: NodeCrashInjector | null;
  readonly #spot: SpotPreemptionInjector | null;
  readonly #rollout: DriverRolloutController | null;
  /** Failure models beyond node crashes, each started with the run. */
  readonly #otherFailures: Array<{ start(): void }> = [];
  readonly #thermal: ThermalModel | null;
  /** Control-plane services: while the scheduler controller is down no job starts; while the boot service is down no node boots. */
  readonly #services: ControlPlaneService[] = [];
  readonly #schedulerService: ControlPlaneService | null;
  readonly #bootService: ControlPlaneService | null;
  readonly #awaitingBoot: number[] = [];
  /** Jobs whose start a scheduler-controller outage held back. */
  #delayedByOutage = 0;
  #countingDelayed = false;
  /** Control-plane services that are down, over time (1 when any is). */
  readonly #controlPlaneDown: TimeWeighted;
  readonly #arrivals: ArrivalProcess | null;
  readonly #sizes: RngStream;
  readonly #runtimes: RngStream;
  readonly #users: RngStream;
  readonly #userLabels: JobLabels[] = [];
  /** Running jobs, each at its `runningIndex` (removal swaps the last in: no allocation). */
  readonly #running: Job[] = [];
  /** Free nodes while some waiting job would fit in that many: idle by fragmentation. */
  readonly #fragmentedNodes: TimeWeighted;
  readonly #ledger: Ledger = emptyLedger();
  readonly #executor: AttemptExecutor;
  readonly #filesystem: ParallelFilesystem | null;
  readonly #fabric: Fabric | null;
  readonly #waitsH = new SampleSet();
  readonly #timesToSolutionH = new SampleSet();
  readonly #boundedSlowdowns = new SampleSet();
  readonly #utilization: TracePoint[] = [];
  readonly #queueLength: TracePoint[] = [];
  #nextJobId = 0;
  #nextTraceIndex = 0;
  #started = 0;
  #completed = 0;
  #failed = 0;
  #lastEndUs = 0;
  #begun = false;
  #finished = false;
  /** The end of simulated time: the horizon, or when the last job ended. */
  #endUs = 0;

  readonly #onArrival = (): void => this.#arrive();
  /** Generated tasks waiting for the rest of their bundle. */
  readonly #bundle: { tasks: number; nodes: number; workUs: number; requestedUs: number; labels: JobLabels } = {
    tasks: 0,
    nodes: 1,
    workUs: 0,
    requestedUs: 0,
    labels: { user: "user", account: "account", qos: "normal" }, // set by the bundle's first task
  };
  readonly #onTracedArrival = (job: TracedJob): void => this.#arriveFromTrace(job);
  readonly #onTimeLimit = (job: Job): void => this.#killAtTimeLimit(job);
  readonly #onGraceOver = (job: Job): void => this.#preempt(job);
  /** Victims of the preemption under way, in their grace time. */
  readonly #preempting = new Set<Job>();
  /** Victims whose grace is over, requeued once the preemptor has had first pick. */
  readonly #preempted: Job[] = [];
  readonly #onSample = (): void => this.#sample();
  readonly #onPass = (): void => this.#pass();
  #passPending = false;
  #inPass = false;
  readonly #context: SchedulingContext;

  constructor(sim: Sim, options: ClusterModelOptions) {
    assert(options.horizonUs === null || options.horizonUs > 0);
    assert(options.horizonUs !== null || options.workload.generator === null, "a generated workload needs a horizon");
    assert(options.workload.maxRequeues >= 0);
    assert(options.horizonUs !== null || (options.workload.trace?.length ?? 0) > 0, "without a horizon, replay a trace");
    this.#sim = sim;
    this.#options = options;
    this.cluster = new Cluster(sim, options.cluster);
    this.cluster.setListener(this);
    this.scheduler =
      options.scheduler.custom?.() ??
      new BatchScheduler({
        backfill: options.scheduler.backfill,
        priority: options.scheduler.priority,
        trackReservations: options.scheduler.trackReservations ?? false,
      });
    this.#fragmentedNodes = new TimeWeighted(sim.now, 0);
    this.#filesystem = options.storage === null ? null : new ParallelFilesystem(sim, options.storage.filesystem);
    const storage = options.storage;
    const buffer =
      this.#filesystem !== null && storage?.burstBuffer ? new BurstBuffer(sim, this.#filesystem, storage.burstBuffer) : null;
    let store: CheckpointStore = new FixedCostStore(sim, options.checkpoint);
    if (this.#filesystem !== null && options.checkpoint.sizeBytes > 0) {
      store =
        buffer !== null && storage!.checkpointTier === "burst-buffer"
          ? new BurstBufferCheckpointStore(sim, buffer, this.#filesystem, storage!.burstBuffer!.bandwidthGBps, storage!.checkpoints)
          : new FilesystemCheckpointStore(this.#filesystem, storage!.checkpoints);
    }
    const startup = storage?.startup ?? null;
    this.#executor = new AttemptExecutor(
      sim,
      options.checkpoint,
      store,
      this.#ledger,
      (job) => this.#complete(job),
      options.checkpoint.adaptive === undefined ? null : this,
      startup === null ? null : new MetadataStartup(sim, this.#filesystem!, startup),
    );
    const fabric = options.fabric;
    this.#fabric =
      fabric === null
        ? null
        : new Fabric(
            sim,
            new FatTree({
              nodesPerLeaf: options.cluster.nodesPerRack,
              leafCount: options.cluster.racks,
              spineCount: fabric.spineCount,
              linkGbps: fabric.linkGbps,
              oversubscription: fabric.oversubscription,
              linkLatencyUs: fabric.linkLatencyUs,
              switchLatencyUs: fabric.switchLatencyUs,
            }),
          );
    this.#injector = options.nodeCrash === null ? null : new NodeCrashInjector(sim, this.cluster, options.nodeCrash);
    // Spot reclaims touch the spot pools' nodes; a strategy with none (all on-demand) has none.
    const spotNodes = this.spotNodes();
    this.#spot =
      options.spot === null || spotNodes.length === 0
        ? null
        : new SpotPreemptionInjector(sim, this.cluster, this, { ...options.spot, nodes: spotNodes });
    const rollout = options.driverRollout ?? null;
    this.#rollout = rollout === null ? null : new DriverRolloutController(sim, this.cluster, this, rollout);
    if (options.rackPower) this.#otherFailures.push(new CorrelatedFailureInjector(sim, this.cluster, options.rackPower));
    this.#thermal = options.thermal ? new ThermalModel(sim, this.cluster, options.thermal) : null;
    if (this.#thermal !== null) this.#otherFailures.push(this.#thermal);
    if (options.degradation) {
      const degradation = new DegradationModel(sim, this.cluster, options.degradation.model);
      this.#otherFailures.push(degradation);
      const policy = options.degradation.policy;
      if (policy !== null) this.#otherFailures.push(new HealthPolicy(sim, this.cluster, degradation, policy));
    }
    this.#controlPlaneDown = new TimeWeighted(sim.now, 0);
    let schedulerService: ControlPlaneService | null = null;
    let bootService: ControlPlaneService | null = null;
    for (const { role, service } of options.controlPlane ?? []) {
      const instance = new ControlPlaneService(sim, service);
      this.#services.push(instance);
      instance.onChange(() => {
        const anyDown = this.#services.some((s) => !s.isUp);
        if ((anyDown ? 1 : 0) !== this.#controlPlaneDown.value) this.#controlPlaneDown.set(sim.now, anyDown ? 1 : 0);
      });
      if (role === "scheduler") {
        schedulerService = instance;
        instance.onChange((isUp) => {
          if (!isUp) return;
          // The jobs that start in the first pass after the controller returns are the ones
          // the outage held back: they would have started earlier.
          this.#countingDelayed = true;
          this.#pass();
          this.#countingDelayed = false;
        });
      } else {
        bootService = instance;
        instance.onChange((isUp) => this.#bootServiceChanged(isUp));
      }
    }
    this.#schedulerService = schedulerService;
    this.#bootService = bootService;
    if (options.failureLog) {
      this.#otherFailures.push(
        new FailureLogReplay(sim, this.cluster, options.failureLog.records, { startUs: options.failureLog.startUs }),
      );
    }
    const generator = options.workload.generator;
    this.#arrivals =
      generator === null
        ? null
        : new ArrivalProcess(sim.rng(ARRIVALS_STREAM), sim.rng(BURSTS_STREAM), generator.arrivals);
    this.#sizes = sim.rng("workload.size");
    this.#runtimes = sim.rng("workload.runtime");
    this.#users = sim.rng("workload.user");
    const users = options.workload.generator?.users ?? 0;
    for (let u = 0; u < users; u++) {
      const name = `u${String(u).padStart(3, "0")}`;
      this.#userLabels.push({ user: name, account: name, qos: "normal" });
    }
    const model = this;
    this.#context = {
      get nowUs() {
        return sim.now;
      },
      get freeNodes() {
        return model.cluster.freeCount;
      },
      totalNodes: this.cluster.nodeCount,
      start: (job: Job) => this.#start(job),
    };
  }

  /**
   * Runs the model to its horizon (or, replaying a trace without one, until the last job
   * ends) and returns its metrics. One model per Sim.
   */
  run(): ClusterRunResult {
    this.begin();
    this.#sim.run(this.endUs);
    return this.finish();
  }

  /** Simulated time's end: the horizon, or Infinity when a trace replay runs until its last job ends. */
  get endUs(): number {
    return this.#options.horizonUs ?? Infinity;
  }

  /**
   * Starts arrivals, failure models and services, for a caller that drives the Sim itself
   * (`run` does all three steps; a game day advances the clock in steps between commands).
   */
  begin(): void {
    assert(!this.#begun, "a model runs once");
    this.#begun = true;
    this.#scheduleArrival();
    this.#scheduleTracedArrival();
    this.#injector?.start();
    this.#spot?.start();
    this.#rollout?.start();
    for (const failure of this.#otherFailures) failure.start();
    for (const service of this.#services) service.start();
    for (const fault of this.#options.timedFaults ?? []) this.#sim.scheduleAt(fault.atUs, () => this.#beginFault(fault));
    scheduleInjections(this.#sim, this.cluster, this.#options.injections ?? []);
    if (this.#options.traceSamples > 0 && this.#options.horizonUs !== null) this.#sim.schedule(0, this.#onSample);
  }

  /** Ends the run where the clock stands (the horizon, after `run`) and returns its metrics. */
  finish(): ClusterRunResult {
    assert(this.#begun && !this.#finished, "finish a begun model once");
    this.#finished = true;
    // Where the clock stands: the horizon after `run`, earlier when a game day ends early.
    const horizonUs = this.#options.horizonUs === null ? this.#lastEndUs : Math.min(this.#options.horizonUs, this.#sim.now);
    this.#endUs = horizonUs;
    // Jobs still running at the horizon: book what they did so far, without ending them.
    const ledger = { ...this.#ledger };
    for (const job of this.#running) this.#executor.interrupt(job, ledger, true);
    return {
      metrics: this.#metrics(ledger),
      meanWaitH: this.#waitsH.mean(),
      nodeHours: {
        busy: this.cluster.busyNodes.areaUs(horizonUs) / US_PER_H,
        up: this.cluster.upNodes.areaUs(horizonUs) / US_PER_H,
        useful: ledger.usefulUs / US_PER_H,
        overhead: ledger.overheadUs / US_PER_H,
        lost: ledger.lostUs / US_PER_H,
        inFlight: ledger.inFlightUs / US_PER_H,
        degraded: ledger.degradedUs / US_PER_H,
      },
      utilization: this.#utilization,
      queueLength: this.#queueLength,
      failures: this.#failures(),
    };
  }

  /** What a live view shows, read without ending the run: job counts, work lost, error budget. */
  status(): ModelStatus {
    return {
      submitted: this.#nextJobId,
      completed: this.#completed,
      failed: this.#failed,
      running: this.#running.length,
      queued: this.scheduler.queuedCount + this.#preempted.length,
      lostGpuH: (this.#ledger.lostUs * this.cluster.gpusPerNode) / US_PER_H,
      errorBudgetUsed: this.#errorBudgetUsed(this.#completed + this.#failed),
    };
  }

  /**
   * An operator's "checkpoint now": every running job that is computing cuts its segment
   * short and writes a checkpoint, at the strategy's cost. Returns how many began one;
   * null when the strategy does not checkpoint at all.
   */
  checkpointAllNow(): number | null {
    if (this.#options.checkpoint.policy === "none") return null;
    let begun = 0;
    for (const job of [...this.#running]) {
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
    this.scheduler.setBackfill(mode, this.#running);
    this.#schedule();
    return true;
  }

  /** The control-plane services the cluster depends on, for a game day's view and commands. */
  controlPlane(): readonly ControlPlaneService[] {
    return this.#services;
  }

  /** Whether there is a fabric (links to fail) and a filesystem (a metadata server to storm). */
  get hasFabric(): boolean {
    return this.#fabric !== null;
  }

  get hasStorage(): boolean {
    return this.#filesystem !== null;
  }

  /** Every spot node that is up given its reclaim notice now; null without spot pools. */
  spotWave(): number | null {
    return this.#spot === null ? null : this.#spot.wave();
  }

  /** Jobs running now. */
  runningJobs(): readonly Job[] {
    return this.#running;
  }

  /** A timed fault (link down, metadata storm, …) begun at its time, as if the scenario listed it. */
  injectFault(fault: TimedFault): void {
    this.#sim.scheduleAt(fault.atUs, () => this.#beginFault(fault));
  }

  /**
   * One node's MTBF as seen so far: node-time up over crashes, with the adaptive policy's
   * prior counted as one more failure after that much time (so the first guess is the prior).
   */
  nodeMtbfUs(): number {
    const prior = this.#options.checkpoint.adaptive?.priorNodeMtbfUs ?? Infinity;
    return (prior + this.cluster.upNodes.areaUs(this.#sim.now)) / (1 + this.cluster.crashCount);
  }

  jobLostNode(jobId: number, node: number, cause: string): void {
    this.#killAndRequeue(this.#runningJob(jobId), cause, node);
  }

  /**
   * Ends a running job's attempt for `cause` (what failed under it): the work since its
   * last checkpoint is lost; it is requeued, or failed once out of requeues.
   */
  #killAndRequeue(job: Job, cause: string, node: number): void {
    this.#executor.interrupt(job);
    this.#sim.record({ kind: "JobKilled", job: job.id, cause, node });
    this.#stop(job);
    this.#jobFailedListeners.forEach((listener) => listener(job, cause, node));
    if (job.attempts > this.#options.workload.maxRequeues) {
      this.#fail(job, cause);
    } else {
      job.state = JobState.Queued;
      this.scheduler.requeue(job);
    }
    this.#schedule();
  }

  #runningJob(jobId: number): Job {
    // A scan, not a map: failures are rare, and a map would allocate on every start.
    const job = this.#running.find((running) => running.id === jobId);
    assert(job !== undefined, "the job is running");
    return job;
  }

  /**
   * A spot node will be reclaimed after its notice: a job on it that checkpoints on notice
   * starts a checkpoint now. The reclaim itself is the injector's `cluster.crash`, with
   * cause "spot-preemption".
   */
  noticeReclaim(node: number): void {
    const jobId = this.cluster.jobOn(node);
    if (jobId < 0 || !this.#options.checkpoint.onNotice) return;
    this.#executor.checkpointNow(this.#runningJob(jobId));
  }

  /** Listeners told of every attempt killed by a failure: job, cause, node. */
  readonly #jobFailedListeners: Array<(job: Job, cause: string, node: number) => void> = [];

  readonly #jobStartedListeners: Array<(job: Job) => void> = [];

  /** Tells `listener` of every attempt as it starts (on `job.firstNode` and its list). */
  onJobStarted(listener: (job: Job) => void): void {
    this.#jobStartedListeners.push(listener);
  }

  /** Tells `listener` of every attempt a failure kills (a rollout controller watches this). */
  onJobKilled(listener: (job: Job, cause: string, node: number) => void): void {
    this.#jobFailedListeners.push(listener);
  }

  #beginFault(fault: TimedFault): void {
    this.#sim.record({ kind: "FaultInjected", fault: fault.kind, target: faultTarget(fault), repairUs: "durationUs" in fault ? fault.durationUs : 0 });
    switch (fault.kind) {
      case "link-down": {
        assert(this.#fabric !== null, "a link-down needs a fabric");
        const links = (this.#fabric.topology as FatTree).linksBetweenLeafAndSpine(fault.leaf, fault.spine);
        for (const link of [links.up, links.down]) if (this.#fabric.topology.isLinkUp(link)) this.#fabric.failLink(link);
        this.#sim.schedule(fault.durationUs, () => {
          for (const link of [links.up, links.down]) if (!this.#fabric!.topology.isLinkUp(link)) this.#fabric!.restoreLink(link);
        });
        break;
      }
      case "metadata-storm":
        assert(this.#filesystem !== null, "a metadata storm needs storage");
        this.#filesystem.metadataStorm(fault.ops);
        break;
      case "network-partition": {
        const service = this.#service(fault.service);
        service.partition();
        this.#sim.schedule(fault.durationUs, () => service.heal());
        break;
      }
      case "certificate-expiry": {
        const service = this.#service(fault.service);
        service.expireCertificate();
        this.#sim.schedule(fault.durationUs, () => service.renewCertificate());
        break;
      }
    }
  }

  #service(name: string): ControlPlaneService {
    const service = this.#services.find((candidate) => candidate.name === name);
    assert(service !== undefined, "a fault names a control-plane service of the scenario");
    return service;
  }

  /** A driver that does not work with the job's CUDA runtime fails the job as it starts. */
  #failAtStartIfDriverBroken(job: Job): void {
    if (job.state !== JobState.Running || job.attempts !== this.#driverCheckAttempt.get(job)) return;
    this.#driverCheckAttempt.delete(job);
    const node = this.cluster.firstIncompatibleDriver(job.firstNode);
    if (node >= 0) this.#killAndRequeue(job, "driver-mismatch", node);
  }

  readonly #driverCheckAttempt = new Map<Job, number>();
  readonly #onPartitionedAtStart = (job: Job): void => {
    if (job.state === JobState.Running) this.#killAndRequeue(job, "network-partition", job.firstNode);
  };
  readonly #onDriverCheck = (job: Job): void => this.#failAtStartIfDriverBroken(job);

  #planPreemption(): void {
    const options = this.#options.scheduler.preemption!;
    const plan = planPreemption(this.scheduler.waitingJobs(), this.#running, this.cluster.freeCount, options);
    if (plan === null) return;
    for (const victim of plan.victims) {
      this.#preempting.add(victim);
      this.#sim.record({ kind: "JobPreemptionSignalled", job: victim.id, by: plan.preemptor.id });
      victim.preemptHandle = this.#sim.schedule(options.graceUs, this.#onGraceOver, victim);
    }
  }

  /** A victim's grace time is over: it gives up its nodes, requeued or killed. */
  #preempt(job: Job): void {
    job.preemptHandle = -1;
    this.#preempting.delete(job);
    this.#executor.interrupt(job);
    this.#sim.record({ kind: "JobKilled", job: job.id, cause: "preemption" });
    this.#stop(job);
    if (this.#options.scheduler.preemption!.mode === "kill") {
      this.#fail(job, "preemption");
    } else {
      // A requeue for preemption is the scheduler's doing, not the job's: it does not count
      // against the job's requeue limit.
      job.attempts--;
      job.state = JobState.Queued;
      this.#preempted.push(job);
    }
    this.#schedule();
  }

  /** Slurm's TIMEOUT: the job reached its time limit and is killed, not requeued. */
  #killAtTimeLimit(job: Job): void {
    job.timeLimitHandle = -1;
    this.#executor.interrupt(job);
    this.#sim.record({ kind: "JobKilled", job: job.id, cause: "time-limit" });
    this.#stop(job);
    this.#fail(job, "time-limit");
    this.#schedule();
  }

  #fail(job: Job, cause: string): void {
    job.state = JobState.Failed;
    job.endUs = this.#sim.now;
    this.#sim.record({ kind: "JobFailed", job: job.id, cause });
    this.#failed++;
    this.#jobEnded();
  }

  /** Without a horizon, the run ends when the last job has. */
  #jobEnded(): void {
    this.#lastEndUs = this.#sim.now;
    if (this.#options.horizonUs === null && this.#allJobsEnded()) this.#sim.stop();
  }

  #allJobsEnded(): boolean {
    const traceDone = this.#options.workload.trace === null || this.#nextTraceIndex === this.#options.workload.trace.length;
    return traceDone && this.#running.length === 0 && this.scheduler.queuedCount === 0 && this.#preempted.length === 0;
  }

  nodesRestored(nodes: readonly number[]): void {
    // A node that comes back boots through the boot service: while it is down, it waits.
    if (this.#bootService !== null && !this.#bootService.isUp) {
      for (const node of nodes) {
        this.cluster.drain(node);
        this.#awaitingBoot.push(node);
      }
      return;
    }
    this.#schedule();
  }

  /** The boot service is back: nodes that waited for it join. */
  #bootServiceChanged(isUp: boolean): void {
    if (!isUp) return;
    const waiting = this.#awaitingBoot.splice(0);
    for (const node of waiting) if (this.cluster.isDrained(node)) this.cluster.undrain(node);
  }

  #scheduleArrival(): void {
    const generator = this.#options.workload.generator;
    if (generator === null) return;
    const nextUs = this.#arrivals!.nextArrivalUs(this.#sim.now);
    if (nextUs < (this.#options.horizonUs ?? Infinity)) this.#sim.scheduleAt(nextUs, this.#onArrival);
  }

  #arrive(): void {
    const generator = this.#options.workload.generator!;
    const drawnNodes = Math.round(sample(this.#sizes, generator.nodes));
    const workUs = Math.max(US_PER_S, secondsToUs(sample(this.#runtimes, generator.workS)));
    const requestedUs = generator.timeLimitFactor === null ? Infinity : Math.ceil(workUs * generator.timeLimitFactor);
    const labels = this.#userLabels[Math.floor(this.#users.random() * this.#userLabels.length)];
    const nodes = Math.min(this.cluster.nodeCount, Math.max(1, drawnNodes));
    const bundle = this.#bundle;
    if (bundle.tasks === 0) {
      bundle.nodes = nodes;
      bundle.labels = labels;
    }
    bundle.tasks++;
    bundle.workUs += workUs;
    bundle.requestedUs += requestedUs;
    if (bundle.tasks === (this.#options.workload.tasksPerJob ?? 1)) {
      this.submit(bundle.nodes, bundle.workUs, bundle.requestedUs, bundle.labels, generator.communication);
      bundle.tasks = 0;
      bundle.workUs = 0;
      bundle.requestedUs = 0;
    }
    this.#scheduleArrival();
  }

  /** One pending arrival at a time: the trace's jobs are not all put in the queue at once. */
  #scheduleTracedArrival(): void {
    const trace = this.#options.workload.trace;
    if (trace === null || this.#nextTraceIndex === trace.length) return;
    const job = trace[this.#nextTraceIndex];
    if (job.submitUs < (this.#options.horizonUs ?? Infinity)) {
      this.#sim.scheduleAt(Math.max(job.submitUs, this.#sim.now), this.#onTracedArrival, job);
    }
  }

  #arriveFromTrace(traced: TracedJob): void {
    this.#nextTraceIndex++;
    this.submit(traced.nodeCount, traced.workUs, traced.requestedUs, traced.labels);
    this.#scheduleTracedArrival();
  }

  /** A job arrives now, needing `nodeCount` nodes for `workUs` of compute. */
  submit(
    nodeCount: number,
    workUs: number,
    requestedUs = Infinity,
    labels: JobLabels = { user: "user", account: "account", qos: "normal" },
    communication: JobCommunication | null = null,
  ): Job {
    assert(nodeCount >= 1 && nodeCount <= this.cluster.nodeCount, "a job must fit the cluster");
    assert(workUs > 0);
    assert(requestedUs > 0);
    const job = new Job(this.#nextJobId++, nodeCount, workUs, this.#sim.now, requestedUs, labels);
    job.communication = communication;
    if (this.#sim.recording) this.#sim.record({ kind: "JobSubmitted", job: job.id, nodes: nodeCount, workUs });
    this.scheduler.submit(job);
    this.#schedule();
    return job;
  }

  /**
   * Asks for a scheduling pass at the end of this instant: it runs after every event
   * already due now (a job ending at this very microsecond has released its nodes), and
   * several changes at one instant share one pass. When nothing else is due now, the end
   * of the instant is the end of this event, and the pass runs at once: every caller asks
   * last thing, so this saves an event without changing what the pass sees.
   */
  #schedule(): void {
    if (this.#passPending) return;
    if (!this.#inPass && !this.#sim.moreDueNow) {
      this.#pass();
      return;
    }
    this.#passPending = true;
    this.#sim.schedule(0, this.#onPass);
  }

  #pass(): void {
    this.#passPending = false;
    if (this.#schedulerService !== null && !this.#schedulerService.isUp) return; // no controller, no starts
    this.#inPass = true;
    this.scheduler.schedule(this.#context);
    if (this.#preempted.length > 0) {
      for (const job of this.#preempted) this.scheduler.requeue(job);
      this.#preempted.length = 0;
      this.#schedule();
    }
    if (this.#options.scheduler.preemption !== null && this.#preempting.size === 0) this.#planPreemption();
    // Idle by fragmentation: free nodes while some waiting job would fit in that many.
    const free = this.cluster.freeCount;
    const fragmented = free > 0 && this.scheduler.smallestQueuedNodeCount() <= free ? free : 0;
    if (fragmented !== this.#fragmentedNodes.value) this.#fragmentedNodes.set(this.#sim.now, fragmented);
    this.#inPass = false;
  }

  #start(job: Job): void {
    assert(job.state === JobState.Queued, "only a queued job starts");
    job.firstNode = this.cluster.allocate(job.id, job.nodeCount, this.#options.scheduler.placement);
    job.state = JobState.Running;
    if (job.attempts === 0) this.#started++;
    job.attempts++;
    job.attemptStartUs = this.#sim.now;
    if (job.firstStartUs < 0) {
      job.firstStartUs = this.#sim.now;
      this.#waitsH.add((job.firstStartUs - job.submitUs) / US_PER_H);
    }
    job.runningIndex = this.#running.length;
    this.#running.push(job);
    this.scheduler.jobStarted(job);
    if (this.#sim.recording) this.#sim.record({ kind: "JobStarted", job: job.id, nodes: this.#nodesOf(job) });
    if (this.#options.scheduler.enforceTimeLimit && job.requestedUs !== Infinity) {
      // Killed once it has run longer than its limit: a job that needs exactly its limit
      // finishes (the end and the kill would otherwise tie).
      job.timeLimitHandle = this.#sim.schedule(job.requestedUs + 1, this.#onTimeLimit, job);
    }
    // The attempt's pace, fixed when it starts: its slowest node's clock, and the share of
    // each iteration spent waiting on the all-reduce given the traffic on the fabric now.
    this.#executor.begin(job, this.cluster.slowestClockFactor(job.firstNode) * this.#communicationFactor(job));
    for (const listener of this.#jobStartedListeners) listener(job);
    if (this.#countingDelayed) this.#delayedByOutage++;
    if (this.cluster.firstIncompatibleDriver(job.firstNode) >= 0) {
      // It fails as its processes start, just after: not inside the scheduler's pass.
      this.#driverCheckAttempt.set(job, job.attempts);
      this.#sim.schedule(0, this.#onDriverCheck, job);
    }
  }

  /**
   * Compute over compute plus communication per iteration, for a multi-node job that
   * communicates on a modelled fabric; 1 otherwise. Registers the job's traffic, which
   * slows the jobs that start after it on the links they share.
   */
  #communicationFactor(job: Job): number {
    const communication = job.communication;
    if (this.#fabric === null || communication === null || job.nodeCount < 2) return 1;
    this.#fabric.addJob(job.id, Int32Array.from(this.#nodesOf(job)));
    const allReduceUs = this.#fabric.allReduceUs(job.id, communication.bytes, "ring");
    if (!Number.isFinite(allReduceUs)) {
      // Its ring is cut (a link down, no route round it): it fails as it starts, just after.
      this.#sim.schedule(0, this.#onPartitionedAtStart, job);
      return 1;
    }
    return communication.iterationUs / (communication.iterationUs + allReduceUs);
  }

  #nodesOf(job: Job): number[] {
    const nodes: number[] = [];
    for (let node = job.firstNode; node >= 0; node = this.cluster.nextNode(node)) nodes.push(node);
    return nodes;
  }

  /** Releases a job's nodes and forgets it as running. */
  #stop(job: Job): void {
    assert(job.firstNode >= 0);
    this.cluster.release(job.id, job.firstNode);
    job.firstNode = -1;
    if (job.timeLimitHandle >= 0) {
      this.#sim.cancel(job.timeLimitHandle);
      job.timeLimitHandle = -1;
    }
    if (this.#fabric?.hasJob(job.id) === true) this.#fabric.removeJob(job.id);
    if (job.preemptHandle >= 0) {
      this.#sim.cancel(job.preemptHandle);
      job.preemptHandle = -1;
      this.#preempting.delete(job);
    }
    const last = this.#running.pop()!;
    if (last !== job) {
      this.#running[job.runningIndex] = last;
      last.runningIndex = job.runningIndex;
    }
    job.runningIndex = -1;
    this.scheduler.jobEnded(job, this.#sim.now);
  }

  /** The executor finished the job's work (and booked it). */
  #complete(job: Job): void {
    job.state = JobState.Completed;
    job.endUs = this.#sim.now;
    if (this.#sim.recording) this.#sim.record({ kind: "JobCompleted", job: job.id });
    this.#stop(job);
    this.#completed++;
    this.#jobEnded();
    const runS = job.workUs / US_PER_S;
    const waitS = (job.firstStartUs - job.submitUs) / US_PER_S;
    const responseS = (job.endUs - job.submitUs) / US_PER_S;
    this.#timesToSolutionH.add(responseS / 3_600);
    // Bounded slowdown as Feitelson defines it: response over max(run, 10 s), at least 1.
    this.#boundedSlowdowns.add(Math.max(1, (waitS + runS) / Math.max(runS, 10)));
    this.#schedule();
  }

  #sample(): void {
    const now = this.#sim.now;
    const up = this.cluster.upNodes.value;
    this.#utilization.push({ timeUs: now, value: up > 0 ? this.cluster.busyNodes.value / up : 0 });
    this.#queueLength.push({ timeUs: now, value: this.scheduler.queuedCount });
    const horizonUs = this.#options.horizonUs!;
    const stepUs = Math.max(1, Math.floor(horizonUs / this.#options.traceSamples));
    if (now + stepUs <= horizonUs) this.#sim.schedule(stepUs, this.#onSample);
  }

  /** Injected faults from the record log, for the failure timeline. */
  #failures(): FailureOccurred[] {
    const failures: FailureOccurred[] = [];
    for (const record of this.#sim.records) {
      const failure = FAILURE_RECORDS[record.kind];
      if (failure === undefined) continue;
      // A rack outage records its nodes' crashes too; the timeline shows the outage once.
      if (record.kind === "NodeCrashed" && record.domain !== undefined) continue;
      failures.push({
        timeUs: record.timeUs as number,
        kind: typeof record.fault === "string" ? record.fault : failure.kind,
        target: String(record.target ?? record.node ?? ""),
        durationUs: failure.durationField === null ? 0 : ((record[failure.durationField] as number | undefined) ?? 0),
      });
    }
    return failures;
  }


  #metrics(ledger: Ledger): RunMetrics {
    const horizonUs = this.#endUs;
    const gpusPerNode = this.cluster.gpusPerNode;

    const busyNodeUs = this.cluster.busyNodes.areaUs(horizonUs);
    const bookedNodeUs =
      ledger.usefulUs + ledger.overheadUs + ledger.lostUs + ledger.inFlightUs + ledger.degradedUs + ledger.startupUs;
    assert(Math.abs(busyNodeUs - bookedNodeUs) <= 1e-9 * Math.max(1, busyNodeUs), "node-hours do not add up");

    const submitted = this.#nextJobId;
    const running = this.#running.length;
    const queued = this.scheduler.queuedCount + this.#preempted.length;
    assert(submitted === this.#completed + this.#failed + running + queued, "jobs are not conserved");
    this.cluster.checkInvariants();

    const upNodeUs = this.cluster.upNodes.areaUs(horizonUs);
    const upGpuH = (upNodeUs * gpusPerNode) / US_PER_H;
    const toGpuH = (nodeUs: number): number | null => (gpusPerNode > 0 ? (nodeUs * gpusPerNode) / US_PER_H : null);
    const ended = this.#completed + this.#failed;
    const cost = this.#costTotal(horizonUs);
    const { checkpointsCompleted, checkpointsFailed } = this.#executor.counters;
    const checkpointsTried = checkpointsCompleted + checkpointsFailed;
    const failuresModelled =
      this.#injector !== null ||
      this.#spot !== null ||
      this.#rollout !== null ||
      this.#otherFailures.length > 0 ||
      (this.#options.injections?.length ?? 0) > 0;
    return {
      jobs_submitted: submitted,
      jobs_completed: this.#completed,
      jobs_failed: this.#failed,
      job_failure_rate: ended > 0 ? this.#failed / ended : null,
      time_to_solution_p50_h: finiteOrNull(this.#timesToSolutionH.percentile(0.5)),
      time_to_solution_p90_h: finiteOrNull(this.#timesToSolutionH.percentile(0.9)),
      time_to_solution_p99_h: finiteOrNull(this.#timesToSolutionH.percentile(0.99)),
      queue_wait_p50_h: finiteOrNull(this.#waitsH.percentile(0.5)),
      queue_wait_p90_h: finiteOrNull(this.#waitsH.percentile(0.9)),
      bounded_slowdown_mean: finiteOrNull(this.#boundedSlowdowns.mean()),
      gpu_utilization: upGpuH > 0 ? toGpuH(busyNodeUs)! / upGpuH : null,
      node_utilization: upNodeUs > 0 ? busyNodeUs / upNodeUs : null,
      fragmentation_node_h: this.#fragmentedNodes.areaUs(horizonUs) / US_PER_H,
      goodput: upGpuH > 0 ? toGpuH(ledger.usefulUs)! / upGpuH : null,
      lost_work_gpu_h: failuresModelled ? toGpuH(ledger.lostUs) : null,
      checkpoint_overhead_gpu_h: toGpuH(ledger.overheadUs),
      degraded_gpu_h: toGpuH(ledger.degradedUs),
      startup_overhead_gpu_h: this.#options.storage?.startup ? toGpuH(ledger.startupUs) : null,
      throttled_node_h: this.#thermal === null ? null : this.#thermal.throttledNodes.areaUs(horizonUs) / US_PER_H,
      checkpoint_success_rate: checkpointsTried > 0 ? checkpointsCompleted / checkpointsTried : null,
      scheduler_success_rate: submitted > 0 ? this.#started / submitted : null,
      fabric_p99_latency_us: this.#fabric?.p99LatencyUs() ?? null,
      storage_throughput_gbps_mean: this.#filesystem?.runMetrics(horizonUs).storage_throughput_gbps_mean ?? null,
      control_plane_availability:
        this.#services.length === 0 ? null : 1 - this.#controlPlaneDown.areaUs(horizonUs) / Math.max(1, horizonUs),
      downtime_min: this.#services.length === 0 ? null : this.#controlPlaneDown.areaUs(horizonUs) / 60e6,
      jobs_delayed_by_outages: this.#schedulerService === null ? null : this.#delayedByOutage,
      service_goodput_ratio: null,
      service_latency_p99_ms: null,
      service_error_rate: null,
      service_ejections: null,
      service_oom_kills: null,
      slo_error_budget_used: this.#errorBudgetUsed(ended),
      cost_total: cost,
      cost_per_completed_job: cost !== null && this.#completed > 0 ? cost / this.#completed : null,
      makespan_h: submitted > 0 && ended === submitted ? this.#lastEndUs / US_PER_H : null,
    };
  }

  /**
   * What the pools' capacity cost over the run: every node's GPUs at its pool's price for
   * the whole time, up or down (capacity is paid for while held). Null without prices.
   */
  #costTotal(endUs: number): number | null {
    const pools = this.#options.pools;
    const services = this.#services.reduce((sum, service) => sum + service.cost(endUs), 0);
    if (pools.length === 0) return services > 0 ? services : null;
    const hours = endUs / US_PER_H;
    const gpusPerRack = this.cluster.options.nodesPerRack * this.cluster.gpusPerNode;
    let cost = 0;
    for (const pool of pools) {
      let paidGpuH = pool.racks * gpusPerRack * hours;
      // Spot capacity the provider has taken back is not paid for.
      if (pool.spot && this.#spot !== null) paidGpuH -= (this.#spot.reclaimedNodes.areaUs(endUs) * this.cluster.gpusPerNode) / US_PER_H;
      cost += pool.pricePerGpuHour * paidGpuH;
    }
    // Redundant control-plane units cost money too.
    return cost + services;
  }

  /** Nodes of the spot pools (pools take racks in order). */
  spotNodes(): number[] {
    const nodes: number[] = [];
    let rack = 0;
    for (const pool of this.#options.pools) {
      for (let r = rack; r < rack + pool.racks; r++) {
        if (!pool.spot) continue;
        for (let slot = 0; slot < this.cluster.options.nodesPerRack; slot++) nodes.push(r * this.cluster.options.nodesPerRack + slot);
      }
      rack += pool.racks;
    }
    return nodes;
  }

  /**
   * The larger of the two budgets' use: failed jobs against the (1 − success target)
   * allowance, and completed jobs slower than the p90 target against the 10% allowance.
   */
  #errorBudgetUsed(ended: number): number | null {
    const slo = this.#options.slo;
    if (slo === null) return null;
    let used: number | null = null;
    if (slo.jobSuccessRate !== null && ended > 0) {
      const allowed = (1 - slo.jobSuccessRate) * ended;
      used = allowed > 0 ? this.#failed / allowed : this.#failed > 0 ? Infinity : 0;
    }
    if (slo.timeToSolutionP90S !== null && this.#timesToSolutionH.count > 0) {
      const limitH = slo.timeToSolutionP90S / 3_600;
      const values = this.#timesToSolutionH.sortedValues();
      let slow = 0;
      for (let i = values.length - 1; i >= 0 && values[i] > limitH; i--) slow++;
      const slowUsed = slow / (0.1 * values.length);
      used = used === null ? slowUsed : Math.max(used, slowUsed);
    }
    return used === null ? null : finiteOrNull(used);
  }
}
