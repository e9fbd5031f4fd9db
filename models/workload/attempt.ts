import { assert } from "../../sim/assert.js";
import type { RngStream } from "../../sim/rng.js";
import type { Sim } from "../../sim/sim.js";
import { intervalForUs, type CheckpointPlan, type MtbfEstimate } from "../strategies/checkpoint.js";
import { ClockCause } from "../hardware/cluster.js";
import { AttemptState, Phase } from "./attempt-state.js";
import type { Job } from "./job.js";

/**
 * Runs a job's attempt as events: start-up I/O (loading its environment and opening its
 * inputs, when a start-up model is given), a restart (reading the last checkpoint back,
 * when the job has one), then compute in segments of the plan's interval, each but the
 * last followed by a checkpoint write:
 *
 *     start-up | restart | compute τ | write | compute τ | write | … | last compute (≤ τ)
 *
 * Reads and writes go to a checkpoint store: a fixed-cost timer, or the storage model, where
 * a write's duration emerges from how many jobs write at once and may time out — a failed
 * checkpoint leaves the previous one in force and the job computes on. An interruption
 * (a crash, a time limit, a preemption, the horizon) keeps the work the last completed
 * checkpoint saved; the compute since is lost.
 *
 * A checkpoint may be silently corrupt (the plan's `corruptProbability`): the job learns it
 * only when a restart reads it back, then reads the newest readable checkpoint before it
 * (or starts over), and the work between the two moves from useful to lost.
 *
 * Time is booked per node in a ledger as it is spent, so that useful + overhead + lost +
 * in flight + degraded + start-up equals the time jobs held nodes. Compute runs at the
 * attempt's pace (slowest node, communication); wall time beyond its work is "degraded",
 * and split by what slowed it (the fabric, heat, a degrading node).
 *
 * The pace may change mid-attempt (`setPace`: a node's clock drops, a neighbour's traffic
 * starts on a shared link): the compute done so far is kept at the pace it ran at, the
 * rest of the work is planned at the new pace, and the event that ends the compute
 * segment under way moves. While the pace holds, nothing of this costs anything.
 */

/** Node·µs spent, by what they bought. */
export interface Ledger {
  /** Work that will not be redone: finished, or saved by a checkpoint. */
  usefulUs: number;
  /** Writing checkpoints (completed, failed or cut short) and reading them back. */
  overheadUs: number;
  /** Compute since the last checkpoint of an attempt cut short. */
  lostUs: number;
  /** Compute not yet checkpointed by jobs still running at the horizon. */
  inFlightUs: number;
  /** Time the work took beyond the work: slow nodes, waiting on communication. */
  degradedUs: number;
  /** `degradedUs` by cause: waiting on the all-reduce, heat-throttled clocks, degrading nodes' clocks, slower GPU models. */
  slowdownFabricUs: number;
  slowdownThermalUs: number;
  slowdownDegradedUs: number;
  slowdownModelUs: number;
  /** The part of `overheadUs` and `startupUs` beyond what the I/O takes with the storage to itself. */
  slowdownStorageUs: number;
  /** Start-up I/O before compute: imports, opening inputs (every attempt pays it again). */
  startupUs: number;
}

export function emptyLedger(): Ledger {
  return {
    usefulUs: 0,
    overheadUs: 0,
    lostUs: 0,
    inFlightUs: 0,
    degradedUs: 0,
    slowdownFabricUs: 0,
    slowdownThermalUs: 0,
    slowdownDegradedUs: 0,
    slowdownModelUs: 0,
    slowdownStorageUs: 0,
    startupUs: 0,
  };
}

/** Called when a store operation ends: true when it completed, false when it failed. */
export type StoreDone = (job: Job, ok: boolean) => void;

/** Where checkpoints are written and read. Operations end later, never synchronously. */
export interface CheckpointStore {
  /** Who hears of finished operations; set once, before any operation. */
  connect(onWritten: StoreDone, onRead: StoreDone): void;
  /** Writes `bytes`: `fraction` of a full checkpoint (less for an increment). */
  write(job: Job, bytes: number, fraction: number): unknown;
  /** Reads `bytes` back: `fraction` of a full checkpoint (more with increments to replay). */
  read(job: Job, bytes: number, fraction: number): unknown;
  /** Stops an operation under way; it reports nothing. */
  cancel(operation: unknown): void;
  /**
   * µs a write (or read) of `bytes` by `job` takes with the store to itself: what an
   * operation takes beyond it is contention, booked as storage slowdown.
   */
  aloneUs(kind: "write" | "read", job: Job, bytes: number, fraction: number): number;
}

/** Start-up I/O an attempt does before it computes. Operations end later, never synchronously. */
export interface StartupIo {
  /** Who hears that a job's start-up is done; set once, before any start-up. */
  connect(onDone: (job: Job) => void): void;
  begin(job: Job): unknown;
  /** Stops a start-up under way; it reports nothing. */
  cancel(operation: unknown): void;
  /** µs `job`'s start-up takes with the server to itself. */
  aloneUs(job: Job): number;
}

/** A store whose writes and reads take the plan's fixed cost and restart times. */
export class FixedCostStore implements CheckpointStore {
  readonly #sim: Sim;
  readonly #plan: CheckpointPlan;
  #onWritten: (job: Job) => void = () => assert(false, "store not connected");
  #onRead: (job: Job) => void = () => assert(false, "store not connected");

  constructor(sim: Sim, plan: CheckpointPlan) {
    this.#sim = sim;
    this.#plan = plan;
  }

  connect(onWritten: StoreDone, onRead: StoreDone): void {
    this.#onWritten = (job) => onWritten(job, true);
    this.#onRead = (job) => onRead(job, true);
  }

  write(job: Job, _bytes: number, fraction: number): number {
    return this.#sim.schedule(Math.round(this.#plan.costUs * fraction), this.#onWritten, job);
  }

  read(job: Job, _bytes: number, fraction: number): number {
    return this.#sim.schedule(Math.round(this.#plan.restartUs * fraction), this.#onRead, job);
  }

  cancel(operation: unknown): void {
    this.#sim.cancel(operation as number);
  }

  aloneUs(kind: "write" | "read", _job: Job, _bytes: number, fraction: number): number {
    return Math.round((kind === "write" ? this.#plan.costUs : this.#plan.restartUs) * fraction);
  }
}

export interface AttemptCounters {
  checkpointsCompleted: number;
  /** Writes that timed out, failed, or were cut short by an interruption. */
  checkpointsFailed: number;
  /** Restarts that found the latest checkpoint corrupt and fell back to an older one (or the start). */
  checkpointFallbacks: number;
  /** Checkpoint intervals the plan chose (one per compute segment, a finite interval only): count, sum, least and most, µs. */
  intervalsChosen: number;
  intervalSumUs: number;
  intervalMinUs: number;
  intervalMaxUs: number;
}

export class AttemptExecutor {
  readonly counters: AttemptCounters = {
    checkpointsCompleted: 0,
    checkpointsFailed: 0,
    checkpointFallbacks: 0,
    intervalsChosen: 0,
    intervalSumUs: 0,
    intervalMinUs: Infinity,
    intervalMaxUs: 0,
  };
  readonly #sim: Sim;
  readonly #plan: CheckpointPlan;
  readonly #store: CheckpointStore;
  readonly #ledger: Ledger;
  readonly #onCompleted: (job: Job) => void;
  readonly #onSegmentDone = (job: Job): void => this.#segmentDone(job);

  readonly #estimate: MtbfEstimate | null;
  readonly #startup: StartupIo | null;
  /** Whether each checkpoint written is corrupt: its own stream, so turning it on moves no other draw. */
  readonly #corruptRng: RngStream | null;

  /** `onCompleted` is told when a job's work is all done (its ledger entries are booked). */
  constructor(
    sim: Sim,
    plan: CheckpointPlan,
    store: CheckpointStore,
    ledger: Ledger,
    onCompleted: (job: Job) => void,
    estimate: MtbfEstimate | null = null,
    startup: StartupIo | null = null,
  ) {
    assert(plan.adaptive === undefined || estimate !== null, "adaptive checkpointing needs an MTBF estimate");
    this.#estimate = estimate;
    this.#sim = sim;
    this.#plan = plan;
    this.#store = store;
    this.#ledger = ledger;
    this.#onCompleted = onCompleted;
    this.#startup = startup;
    const corruptProbability = plan.corruptProbability ?? 0;
    assert(corruptProbability >= 0 && corruptProbability < 1, "a corrupt probability is in [0, 1)");
    this.#corruptRng = corruptProbability > 0 ? sim.rng("checkpoint.corruption") : null;
    startup?.connect((job) => this.#startupDone(job));
    store.connect(
      (job, ok) => this.#checkpointDone(job, ok),
      (job, ok) => this.#restartDone(job, ok),
    );
  }

  /**
   * Starts an attempt of `job` at `speed` (work per µs of compute, in (0, 1]), of which
   * `clock` is its slowest node's clock, slow for `clockCause`.
   */
  begin(job: Job, speed: number, clock: number, clockCause: ClockCause): void {
    assert(speed > 0 && speed <= 1, "an attempt's pace is in (0, 1]");
    const state = job.attempt;
    assert(state.phase === Phase.Idle, "one attempt at a time");
    state.speed = speed;
    state.clock = clock;
    state.clockCause = clockCause;
    state.computeTotalUs = speed === 1 ? job.remainingUs : Math.ceil(job.remainingUs / speed);
    state.computeDoneUs = 0;
    state.uncommittedUs = 0;
    this.#clearFolds(state);
    if (this.#startup !== null) {
      this.#enter(state, Phase.Startup);
      state.operation = this.#startup.begin(job);
      state.ioAloneUs = this.#startup.aloneUs(job);
    } else {
      this.#restartOrCompute(job, state);
    }
  }

  #restartOrCompute(job: Job, state: AttemptState): void {
    if (job.committedUs > 0) {
      this.#enter(state, Phase.Restart);
      state.ioAloneUs = 0;
      state.operation = this.#read(job, state);
    } else {
      this.#computeNext(job, state);
    }
  }

  #startupDone(job: Job): void {
    const state = job.attempt;
    assert(state.phase === Phase.Startup, "a start-up ends once, while starting up");
    this.#bookIo(this.#ledger, job, state, "startupUs");
    state.operation = null;
    this.#restartOrCompute(job, state);
  }

  /**
   * Ends the attempt now: books it and cancels what is under way. At the horizon compute
   * not yet checkpointed is in flight, not lost, and is booked in `ledger` (a copy) only.
   */
  interrupt(job: Job, ledger: Ledger = this.#ledger, atHorizon = false): void {
    const state = job.attempt;
    assert(state.phase !== Phase.Idle, "interrupting a running attempt");
    const nodes = job.units;
    const inPhaseUs = this.#sim.now - state.phaseStartUs;
    let uncommittedUs = state.uncommittedUs;
    if (state.phase === Phase.Compute) uncommittedUs += inPhaseUs;
    else this.#bookIo(ledger, job, state, state.phase === Phase.Startup ? "startupUs" : "overheadUs");
    if (atHorizon) {
      ledger.inFlightUs += uncommittedUs * nodes;
      return; // the run is over: nothing to cancel or reset
    }
    ledger.lostUs += uncommittedUs * nodes;
    job.lostUs += uncommittedUs;
    if (state.phase === Phase.Checkpoint) this.counters.checkpointsFailed++;
    if (state.phase === Phase.Compute) this.#sim.cancel(state.timerHandle);
    else if (state.phase === Phase.Startup) this.#startup?.cancel(state.operation); // only an executor with start-up I/O starts up
    else this.#store.cancel(state.operation);
    state.phase = Phase.Idle;
    state.operation = null;
    state.timerHandle = -1;
  }

  /**
   * Cuts the compute segment under way short and writes a checkpoint now (on a reclaim
   * notice). Does nothing while restarting or already writing.
   */
  checkpointNow(job: Job): void {
    const state = job.attempt;
    if (state.phase !== Phase.Compute) return;
    const doneUs = this.#sim.now - state.phaseStartUs;
    if (state.uncommittedUs + doneUs === 0) return; // nothing new to save
    if (state.computeDoneUs + doneUs >= state.computeTotalUs) return; // finishing this instant
    this.#sim.cancel(state.timerHandle);
    state.timerHandle = -1;
    state.computeDoneUs += doneUs;
    state.uncommittedUs += doneUs;
    this.#enter(state, Phase.Checkpoint);
    state.operation = this.#write(job, state);
  }

  /**
   * Moves a running attempt to a new pace now: what it computed so far stays at the pace
   * it ran at; the rest of its work is planned at `speed`, and the compute segment under
   * way ends when that work is done or at its checkpoint interval, whichever is first.
   */
  setPace(job: Job, speed: number, clock: number, clockCause: ClockCause): void {
    const state = job.attempt;
    if (state.phase === Phase.Idle) return;
    if (speed === state.speed && clock === state.clock && clockCause === state.clockCause) return;
    assert(speed > 0 && speed <= 1, "an attempt's pace is in (0, 1]");
    const now = this.#sim.now;
    if (state.phase === Phase.Compute) {
      const inPhaseUs = now - state.phaseStartUs;
      state.computeDoneUs += inPhaseUs;
      state.uncommittedUs += inPhaseUs;
      state.phaseStartUs = now;
    }
    this.#fold(state);
    state.speed = speed;
    state.clock = clock;
    state.clockCause = clockCause;
    const workLeftUs = Math.max(0, job.remainingUs - state.foldedWorkUs);
    state.computeTotalUs = state.computeDoneUs + Math.ceil(workLeftUs / speed);
    if (state.phase === Phase.Compute) {
      this.#sim.cancel(state.timerHandle);
      const endUs = Math.min(state.segmentBoundaryUs, now + state.computeTotalUs - state.computeDoneUs);
      state.timerHandle = this.#sim.schedule(endUs - now, this.#onSegmentDone, job);
    }
  }

  /** Keeps the uncommitted compute not yet folded as done at the pace it ran at. */
  #fold(state: AttemptState): void {
    const wallUs = state.uncommittedUs - state.foldedUs;
    if (wallUs === 0) return;
    state.foldedUs += wallUs;
    state.foldedWorkUs += wallUs * state.speed;
    // 1 − pace = (1 − clock) + clock·(1 − fabric factor): the clock's share, then the fabric's.
    state.slowFabricUs += wallUs * (state.clock - state.speed);
    if (state.clockCause === ClockCause.Thermal) state.slowThermalUs += wallUs * (1 - state.clock);
    else if (state.clockCause === ClockCause.Degraded) state.slowDegradedUs += wallUs * (1 - state.clock);
    else state.slowModelUs += wallUs * (1 - state.clock);
  }

  #clearFolds(state: AttemptState): void {
    state.foldedUs = 0;
    state.foldedWorkUs = 0;
    state.slowFabricUs = 0;
    state.slowThermalUs = 0;
    state.slowDegradedUs = 0;
    state.slowModelUs = 0;
  }

  #enter(state: AttemptState, phase: Phase): void {
    state.phase = phase;
    state.phaseStartUs = this.#sim.now;
  }

  #computeNext(job: Job, state: AttemptState): void {
    const intervalUs = intervalForUs(this.#plan, job.nodeCount, this.#estimate);
    if (intervalUs !== Infinity) {
      const counters = this.counters;
      counters.intervalsChosen++;
      counters.intervalSumUs += intervalUs;
      if (intervalUs < counters.intervalMinUs) counters.intervalMinUs = intervalUs;
      if (intervalUs > counters.intervalMaxUs) counters.intervalMaxUs = intervalUs;
    }
    const segmentUs = Math.min(intervalUs, state.computeTotalUs - state.computeDoneUs);
    assert(segmentUs > 0, "a segment computes something");
    this.#enter(state, Phase.Compute);
    state.segmentBoundaryUs = this.#sim.now + intervalUs;
    state.timerHandle = this.#sim.schedule(segmentUs, this.#onSegmentDone, job);
  }

  #restartDone(job: Job, ok: boolean): void {
    const state = job.attempt;
    if (!ok) {
      // The read timed out (an overloaded filesystem): the checkpoint is still there; try again.
      state.operation = this.#read(job, state);
      return;
    }
    if (job.committedUs > state.readableUs) {
      // What was read is corrupt: read the newest readable checkpoint, if any, in the same restart.
      this.#fallBack(job, state);
      if (job.committedUs > 0) {
        state.operation = this.#read(job, state);
        return;
      }
    }
    this.#bookIo(this.#ledger, job, state, "overheadUs");
    state.operation = null;
    this.#computeNext(job, state);
  }

  #segmentDone(job: Job): void {
    const state = job.attempt;
    const segmentUs = this.#sim.now - state.phaseStartUs;
    state.timerHandle = -1;
    state.computeDoneUs += segmentUs;
    state.uncommittedUs += segmentUs;
    if (state.computeDoneUs >= state.computeTotalUs) {
      // Done: everything not yet saved is the rest of the job's work.
      this.#book(job, state, job.remainingUs);
      job.committedUs = job.workUs;
      state.phase = Phase.Idle;
      this.#onCompleted(job);
      return;
    }
    this.#enter(state, Phase.Checkpoint);
    state.operation = this.#write(job, state);
  }

  #checkpointDone(job: Job, ok: boolean): void {
    const state = job.attempt;
    this.#bookIo(this.#ledger, job, state, "overheadUs");
    state.operation = null;
    if (ok) {
      this.counters.checkpointsCompleted++;
      if (state.writeFraction === 1) {
        state.hasFullCheckpoint = true;
        state.incrementsSinceFull = 0;
      } else {
        state.incrementsSinceFull++;
      }
      const workUs = this.#uncommittedWorkUs(job, state);
      assert(workUs < job.remainingUs, "a checkpoint before the end leaves work to do");
      this.#book(job, state, workUs);
      job.committedUs += workUs;
      // The work saved is rounded down to whole µs: plan the rest from what is left, or each
      // checkpoint would leave the plan's last segment up to a µs short of its work.
      if (state.speed !== 1) state.computeTotalUs = state.computeDoneUs + Math.ceil(job.remainingUs / state.speed);
      this.#drawCorruption(job, state);
    } else {
      this.counters.checkpointsFailed++;
      this.#sim.record({ kind: "CheckpointFailed", job: job.id });
    }
    this.#computeNext(job, state);
  }

  /**
   * Draws whether the checkpoint just written is corrupt, and moves the newest readable
   * point up to it when it and the chain it completes are readable.
   */
  #drawCorruption(job: Job, state: AttemptState): void {
    const corrupt = this.#corruptRng !== null && this.#corruptRng.random() < this.#plan.corruptProbability!;
    // A full checkpoint starts a chain; an increment is readable only if the chain so far is.
    state.chainReadable = (state.writeFraction === 1 || state.chainReadable) && !corrupt;
    if (!state.chainReadable) return;
    state.readableUs = job.committedUs;
    state.readableIncrements = state.incrementsSinceFull;
    state.readableHasFull = state.hasFullCheckpoint;
  }

  /**
   * A restart found the checkpoint it read corrupt: the job goes back to the newest readable
   * one (or the start). The work in between was booked useful when saved; it is lost now.
   */
  #fallBack(job: Job, state: AttemptState): void {
    const lostUs = job.committedUs - state.readableUs;
    this.counters.checkpointFallbacks++;
    this.#sim.record({ kind: "CheckpointCorrupt", job: job.id, lostUs });
    this.#ledger.usefulUs -= lostUs * job.units;
    this.#ledger.lostUs += lostUs * job.units;
    job.lostUs += lostUs;
    job.committedUs = state.readableUs;
    state.incrementsSinceFull = state.readableIncrements;
    state.hasFullCheckpoint = state.readableHasFull;
    state.chainReadable = true;
    // More work is left: plan it at the attempt's pace (nothing computed yet in a restart).
    state.computeTotalUs = state.speed === 1 ? job.remainingUs : Math.ceil(job.remainingUs / state.speed);
  }

  /**
   * The work the uncommitted wall compute holds, at the pace (or paces) it ran at, in whole
   * µs. Called for a checkpoint, which always leaves some work to do.
   */
  #uncommittedWorkUs(job: Job, state: AttemptState): number {
    const unfoldedUs = state.uncommittedUs - state.foldedUs;
    if (state.foldedUs === 0) return state.speed === 1 ? unfoldedUs : Math.floor(unfoldedUs * state.speed);
    return Math.min(job.remainingUs - 1, Math.floor(state.foldedWorkUs + unfoldedUs * state.speed));
  }

  /** Starts a write: an increment when the plan is incremental and a full one exists. */
  #write(job: Job, state: AttemptState): unknown {
    const incremental = this.#plan.incremental;
    const increment =
      incremental !== undefined && state.hasFullCheckpoint && state.incrementsSinceFull < incremental.fullEvery - 1;
    state.writeFraction = increment ? incremental!.dirtyFraction : 1;
    const bytes = this.#plan.sizeBytes * state.writeFraction;
    state.ioAloneUs = this.#store.aloneUs("write", job, bytes, state.writeFraction);
    return this.#store.write(job, bytes, state.writeFraction);
  }

  /** Reads the last full checkpoint and the increments since. */
  #read(job: Job, state: AttemptState): unknown {
    const increments = this.#plan.incremental === undefined ? 0 : state.incrementsSinceFull;
    const fraction = 1 + increments * (this.#plan.incremental?.dirtyFraction ?? 0);
    const bytes = this.#plan.sizeBytes * fraction;
    // A read that timed out is sent again: the restart's I/O alone is every try's.
    state.ioAloneUs += this.#store.aloneUs("read", job, bytes, fraction);
    return this.#store.read(job, bytes, fraction);
  }

  /**
   * Books the I/O phase under way up to now to `account` (checkpoint overhead or start-up),
   * and the part of it beyond what the I/O takes with the storage to itself as storage slowdown.
   */
  #bookIo(ledger: Ledger, job: Job, state: AttemptState, account: "overheadUs" | "startupUs"): void {
    const wallUs = this.#sim.now - state.phaseStartUs;
    ledger[account] += wallUs * job.units;
    if (account === "overheadUs") job.overheadUs += wallUs;
    // The clock counts whole µs: an operation alone ends at the next whole µs.
    const aloneUs = Math.ceil(state.ioAloneUs);
    if (wallUs > aloneUs) ledger.slowdownStorageUs += (wallUs - aloneUs) * job.units;
  }

  /**
   * Books `workUs` of work made safe by the uncommitted wall compute; the wall time beyond
   * it is slowness, split by cause in proportion to what slowed each stretch of it.
   */
  #book(job: Job, state: AttemptState, workUs: number): void {
    const ledger = this.#ledger;
    const nodes = job.units;
    const slowNodeUs = (state.uncommittedUs - workUs) * nodes;
    ledger.usefulUs += workUs * nodes;
    ledger.degradedUs += slowNodeUs;
    if (slowNodeUs > 0) {
      this.#fold(state);
      const weight = state.slowFabricUs + state.slowThermalUs + state.slowDegradedUs + state.slowModelUs;
      if (weight > 0) {
        ledger.slowdownFabricUs += (slowNodeUs * state.slowFabricUs) / weight;
        ledger.slowdownThermalUs += (slowNodeUs * state.slowThermalUs) / weight;
        ledger.slowdownDegradedUs += (slowNodeUs * state.slowDegradedUs) / weight;
        ledger.slowdownModelUs += (slowNodeUs * state.slowModelUs) / weight;
      } else if (state.clockCause === ClockCause.Thermal) {
        ledger.slowdownThermalUs += slowNodeUs; // rounding to whole µs after a change back to full pace
      } else if (state.clockCause === ClockCause.Degraded) {
        ledger.slowdownDegradedUs += slowNodeUs;
      } else {
        ledger.slowdownModelUs += slowNodeUs;
      }
    }
    state.uncommittedUs = 0;
    this.#clearFolds(state);
  }
}
