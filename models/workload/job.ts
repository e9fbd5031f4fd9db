/**
 * A batch job: whole nodes, or GPUs, CPUs and memory on each of its parts, for an amount
 * of compute work. Work is what the job needs to finish (on the fastest GPU model); wall
 * time also holds checkpoints, restarts and work lost to failures.
 */
export const enum JobState {
  Queued = 0,
  Running = 1,
  Completed = 2,
  Failed = 3,
}

import { AttemptState } from "./attempt-state.js";
import type { GpuRequest } from "../hardware/gpu-share.js";

/** Who submitted a job and how it asked to be treated: the inputs of fair share and QOS. */
export interface JobLabels {
  readonly user: string;
  readonly account: string;
  readonly qos: string;
}

export const DEFAULT_LABELS: JobLabels = { user: "user", account: "account", qos: "normal" };

/**
 * A synchronised job's communication: after each `iterationUs` of compute it all-reduces
 * `bytes` (gradients, halos). The all-reduce time comes from the fabric model.
 */
export interface JobCommunication {
  readonly bytes: number;
  readonly iterationUs: number;
  /** How it all-reduces (collectives.ts); default ring. */
  readonly algorithm?: "ring" | "tree";
}

export class Job {
  readonly id: number;
  /** Nodes it runs on: whole nodes, or the parts of a GPU request (each on its own node). */
  readonly nodeCount: number;
  /** What each part asks of a GPU-granular cluster; null: whole nodes. */
  readonly request: GpuRequest | null;
  /** What it holds in the scheduler's and the ledger's units: nodes, or thousandths of a GPU for a GPU request (integers, so sums are exact). */
  readonly units: number;
  /** Compute needed to finish, µs. */
  readonly workUs: number;
  /** The user's time limit, µs: what backfill plans with; Infinity when none was given. */
  readonly requestedUs: number;
  readonly submitUs: number;
  readonly labels: JobLabels;
  state = JobState.Queued;
  /** Work saved by checkpoints (or finished), µs. */
  committedUs = 0;
  /** Attempts started (1 for a job that never failed). */
  attempts = 0;
  firstStartUs = -1;
  attemptStartUs = -1;
  endUs = -1;
  /** First of the parts held while running (a node, or a GPU-granular slot; the cluster links the rest), or -1. */
  firstPart = -1;
  /** Handle of the pending time-limit kill while running, or -1. */
  timeLimitHandle = -1;
  /** Handle of the pending end of a preemption grace time, or -1. */
  preemptHandle = -1;
  /** The scheduler's ordering key (higher runs first); FCFS leaves it at 0. */
  priority = 0;
  /** Traffic after each iteration of compute; null for a job that does not communicate. */
  communication: JobCommunication | null = null;
  /** The attempt under way (or the last one), run by the attempt executor. */
  readonly attempt = new AttemptState();
  /** Position in the model's list of running jobs, or -1. */
  runningIndex = -1;
  /** Conservative backfill's reservation for this job, µs, or -1. */
  reservationUs = -1;
  /** Compute lost to interruptions (since the last checkpoint), wall µs on each of its units: its share of the ledger's lost work. */
  lostUs = 0;
  /** Checkpoint writes and reads, wall µs on each of its units: its share of the ledger's checkpoint overhead. */
  overheadUs = 0;

  constructor(
    id: number,
    nodeCount: number,
    workUs: number,
    submitUs: number,
    requestedUs = Infinity,
    labels: JobLabels = DEFAULT_LABELS,
    request: GpuRequest | null = null,
  ) {
    this.id = id;
    this.nodeCount = nodeCount;
    this.request = request;
    this.units = request === null ? nodeCount : request.parts * request.gpuMilli;
    this.workUs = workUs;
    this.submitUs = submitUs;
    this.requestedUs = requestedUs;
    this.labels = labels;
  }

  get remainingUs(): number {
    return this.workUs - this.committedUs;
  }

  /** When the scheduler expects the current attempt to end: start + time limit. */
  get expectedEndUs(): number {
    return this.attemptStartUs + this.requestedUs;
  }
}
