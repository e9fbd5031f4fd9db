import type { DistributionSpec } from "../../sim/distribution.js";
import type { AdHocInjection } from "../failures/ad-hoc.js";
import type { ClusterOptions, Placement } from "../hardware/cluster.js";
import type { GpuPlacement, GpuRequest, NodeShape } from "../hardware/gpu-share.js";
import type { DragonflyOptions } from "../fabric/topology.js";
import type { RunMetrics } from "../metrics.js";
import type { BackfillMode } from "../scheduler/batch.js";
import type { SchedulerPolicy } from "../scheduler/policy.js";
import type { PreemptionOptions } from "../scheduler/preemption.js";
import type { PriorityOptions } from "../scheduler/priority.js";
import type { ControlPlaneOptions } from "../services/control-plane.js";
import type { BurstBufferOptions } from "../storage/burst-buffer.js";
import type { FilesystemCheckpointOptions } from "../storage/checkpoint-store.js";
import type { MetadataStartupOptions } from "../storage/metadata-startup.js";
import type { ParallelFilesystemOptions } from "../storage/parallel-fs.js";
import type { CheckpointPlan } from "../strategies/checkpoint.js";
import type { ArrivalProfile } from "../workload/arrivals.js";
import type { JobCommunication, JobLabels } from "../workload/job.js";
import type { FailureWiring } from "./part.js";
import type { PoolUtilization } from "./pool-usage.js";

/**
 * What a cluster run is given, and what it returns. The model takes typed options only
 * (scenarios/ turns a scenario file into these); an option that is null or absent turns
 * its part off.
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
  /** Jobs come from this many users, drawn uniformly (but see `bigUserShare`); each user is a fair-share account. */
  readonly users: number;
  /**
   * Share of jobs the first user submits (a big user), the rest split evenly among the
   * others; absent or null: every user alike. More than 1/users, below 1.
   */
  readonly bigUserShare?: number | null;
  /** Share of jobs in each QOS other than "normal" (drawn per job); empty or absent: all normal. */
  readonly qos?: readonly { readonly name: string; readonly share: number }[];
  /** What a multi-node job communicates; null: nothing (or no fabric to model it). */
  readonly communication: JobCommunication | null;
  /** What each part asks of a GPU-granular cluster (`nodes` draws the parts); null: whole nodes. */
  readonly request?: GeneratorRequest | null;
}

/** A generated job's request, per part. */
export interface GeneratorRequest {
  /** GPUs per part: a draw below 1 is a share of one GPU (in thousandths), else whole GPUs (rounded). */
  readonly gpus: DistributionSpec;
  readonly cpuMilli: number;
  readonly memoryMiB: number;
  readonly model: string | null;
  /** CUDA version the jobs are built for, major·100 + minor; 0: not declared. */
  readonly cuda: number;
}

/** The fabric's topology: a two-level fat-tree (the default) or a dragonfly, one switch per rack in both. */
export type FabricModelOptions = FatTreeModelOptions | DragonflyModelOptions;

/** A two-level fat-tree with one leaf switch per rack. */
export interface FatTreeModelOptions {
  readonly topology?: "fat-tree";
  readonly linkGbps: number;
  readonly oversubscription: number;
  readonly spineCount: number;
  readonly linkLatencyUs: number;
  readonly switchLatencyUs: number;
}

/**
 * A dragonfly with one router per rack: groupCount × routersPerGroup routers, racks in
 * order. The library's options, its nodes per router being the cluster's per rack.
 */
export interface DragonflyModelOptions extends Omit<DragonflyOptions, "nodesPerRouter"> {
  readonly topology: "dragonfly";
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
  /** Its GPU request on a GPU-granular cluster; null: whole nodes. */
  readonly request?: GpuRequest | null;
  readonly workUs: number;
  /** The recorded time limit; Infinity when the trace has none. */
  readonly requestedUs: number;
  readonly labels: JobLabels;
}

export interface WorkloadOptions {
  readonly generator: GeneratorOptions | null;
  /** Jobs in submit order. */
  readonly trace: readonly TracedJob[] | null;
  /**
   * The FGD paper's experiment instead of a replay in time: jobs drawn from the trace at
   * random, one a second, each holding what it asked for until the end, until their GPUs
   * add up to `traceFill` × the cluster's. Null: replay in time.
   */
  readonly traceFill?: number | null;
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

/** A GPU-granular cluster: each node's shape and where requests go (the typical mix is the model's to find). */
export interface GpuSharingModelOptions {
  readonly shapes: readonly NodeShape[];
  readonly placement: GpuPlacement;
}

export interface ClusterModelOptions {
  /** Simulated time; null runs until every job has ended (a trace replay). */
  readonly horizonUs: number | null;
  readonly cluster: ClusterOptions;
  /** GPU-granular allocation; null or absent: jobs take whole nodes. */
  readonly gpuSharing?: GpuSharingModelOptions | null;
  /** Null: communication is not modelled. */
  readonly fabric: FabricModelOptions | null;
  /** Empty: no prices, so no cost metrics. */
  readonly pools: readonly PoolOptions[];
  /** Null: storage is not modelled (checkpoints take fixed times). */
  readonly storage: StorageModelOptions | null;
  readonly workload: WorkloadOptions;
  readonly scheduler: SchedulerOptions;
  /**
   * Failure models the scenario turns on, each built with the run and started with it in
   * this order (models/failures: each exports its wiring).
   */
  readonly failures?: readonly FailureWiring[];
  /** Faults injected by hand at given times. */
  readonly injections?: readonly AdHocInjection[];
  /** Control-plane services the cluster depends on, by role. */
  readonly controlPlane?: readonly { readonly role: "scheduler" | "boot"; readonly service: ControlPlaneOptions }[];
  /** Faults at set times on the fabric, the filesystem and control-plane services. */
  readonly timedFaults?: readonly TimedFault[];
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
  /** GPU utilisation of each pool; empty without pools. */
  readonly pools: readonly PoolUtilization[];
  /** Every job submitted, in submission order, when the run records (else empty). */
  readonly jobs: readonly JobLogEntry[];
}

/** One job of a run, for the job log: who asked for what, when it ran, how it ended and what it cost. */
export interface JobLogEntry {
  readonly job: number;
  readonly user: string;
  /** Nodes it ran on: whole nodes, or the nodes its GPU request's parts take. */
  readonly nodes: number;
  /** GPUs it held (a share counts as its fraction); null on a cluster without GPUs. */
  readonly gpus: number | null;
  readonly submitH: number;
  /** First start; null if it never started. */
  readonly startH: number | null;
  /** When it completed or failed; null if it had not ended by the end of the run. */
  readonly endH: number | null;
  readonly attempts: number;
  readonly outcome: "completed" | "failed" | "running" | "queued";
  /** Compute lost to interruptions, node-hours; null on a GPU-granular cluster (its jobs hold GPUs, not nodes). */
  readonly lostWorkNodeH: number | null;
  /** The same in GPU-hours; null without GPUs. */
  readonly lostWorkGpuH: number | null;
  /** Checkpoint writes and reads, node-hours (null as for lost work). */
  readonly checkpointOverheadNodeH: number | null;
  readonly checkpointOverheadGpuH: number | null;
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
  /** `degraded` by cause: the fabric, heat-throttled clocks, degrading nodes' clocks. */
  readonly slowdownFabric: number;
  readonly slowdownThermal: number;
  readonly slowdownDegraded: number;
  /** Running on a GPU model slower than the fastest (GPU-granular clusters). */
  readonly slowdownModel: number;
}


