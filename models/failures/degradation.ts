import { assert } from "../../sim/assert.js";
import type { RngStream } from "../../sim/rng.js";
import type { Sim } from "../../sim/sim.js";
import { ClockCause, type Cluster } from "../hardware/cluster.js";
import type { FailureWiring } from "../cluster/part.js";

/**
 * Silent degradation: GPUs that do not fail outright but get slower and flakier as their
 * memory wears, and the health check that finds them.
 *
 * Correctable ECC errors arrive at each node as a Poisson process: `eccErrorsPerH` on a
 * healthy node. A few nodes are bad (a weak HBM stack): their errors come at
 * `badNodeEccErrorsPerH`, as the superposition of the healthy process and a defect process
 * at the difference of the rates. Which nodes are bad is an explicit list, or a draw of
 * round(`badNodeFraction` × nodes) of them from `failures.ecc.bad-nodes`.
 *
 * What the errors do, counted since the node's last repair (n):
 * - clock: a GPU that keeps correcting errors (and retiring or remapping rows) runs
 *   slower. Past `degradeAfterErrors` each error costs `clockLossPerError` of full clock:
 *   clockFactor = max(minClockFactor, 1 − clockLossPerError · (n − degradeAfterErrors)).
 *   A linear loss with a floor is the simplest rule with the two properties that matter: a
 *   few errors are harmless, and a bad node keeps getting worse until someone acts. A job's
 *   pace is fixed when its attempt starts, so a degraded clock slows the attempts that
 *   start on the node afterwards, and a synchronised job runs at its slowest node's pace;
 * - intermittent failure: from `crashAfterErrors` on, each error crashes the node with
 *   probability `crashProbability` (an uncorrectable error, an Xid 79 "fell off the bus"),
 *   killing the job on it; the node reboots in `rebootUs` with its errors still counted
 *   (a reboot does not heal the memory), so it keeps failing until repaired.
 *
 * `repair(node)` (what a health policy calls once it has taken the node out) stands for a
 * board swap: the count since repair goes to zero, the clock comes back, and a bad node's
 * defect is gone. The cluster's own ECC counter (`health(node).eccErrors`) is the node's
 * lifetime counter, never reset, which is what a health check polls.
 *
 * Common random numbers: each node draws its healthy errors from `failures.ecc.<node>`, a
 * bad node its defect's from `failures.ecc-defect.<node>`, and every error, seen or not,
 * draws one uniform from `failures.ecc-crash.<node>` for the crash decision. Draws never
 * depend on what the node is doing: errors that arrive while the node is down (its GPUs are
 * off) or, for the defect, after a repair, are drawn and dropped. So runs with and without
 * a health policy, on one seed, see the same error times, and the same error meets the same
 * crash draw.
 *
 * Records: `EccErrorsRecorded` (node, target, count, errorsSinceRepair), `NodeDegraded`
 * (node, target, errorsSinceRepair, clockFactor) whenever the clock drops, `NodeCrashed`
 * (node, target, repairUs, cause "ecc-errors") and `NodeRestored` for intermittent
 * failures; the policy's `NodeQuarantined` and `NodeReturned`.
 *
 * Sharing nodes with other injectors: a crash lands only on a node that is up, and the
 * reboot restores only a node this model took down. Clocks are not arbitrated: thermal
 * throttling and degradation each set the node's clock, and the last one set holds.
 *
 * Leaves out: uncorrectable errors as their own process, error bursts (one error per
 * arrival), errors that grow with load or temperature, row remapping that runs out,
 * per-GPU (rather than per-node) counters, and repairs that fail.
 *
 * Source: B. Schroeder, E. Pinheiro, W.-D. Weber, "DRAM errors in the wild: a large-scale
 * field study", SIGMETRICS 2009: errors are concentrated in a small fraction of DIMMs,
 * correctable errors strongly predict uncorrectable ones, and their rate does not fall
 * without replacement. NVIDIA's GPU memory error management docs (dynamic page
 * retirement, row remapping) for what correcting costs a GPU.
 */
export interface DegradationOptions {
  /** Correctable ECC errors of a healthy node, per hour (> 0). */
  readonly eccErrorsPerH: number;
  /** Correctable ECC errors of a bad node, per hour (≥ the healthy rate). */
  readonly badNodeEccErrorsPerH: number;
  /** The bad nodes by id; null: draw them, `badNodeFraction` of the nodes. */
  readonly badNodes: readonly number[] | null;
  /** Share of the nodes that are bad when they are drawn, in [0, 1]. */
  readonly badNodeFraction: number;
  /** Errors since repair a node takes at full clock. */
  readonly degradeAfterErrors: number;
  /** Clock lost per error beyond `degradeAfterErrors`, as a fraction of full clock. */
  readonly clockLossPerError: number;
  /** The lowest a degraded clock goes, in (0, 1]. */
  readonly minClockFactor: number;
  /** From this many errors since repair on, an error may crash the node. */
  readonly crashAfterErrors: number;
  /** Chance that such an error crashes the node, in [0, 1]. */
  readonly crashProbability: number;
  /** Time a crashed node takes to reboot, µs. */
  readonly rebootUs: number;
}

export const BAD_NODES_STREAM = "failures.ecc.bad-nodes";

export class DegradationModel {
  readonly #sim: Sim;
  readonly #cluster: Cluster;
  readonly #options: DegradationOptions;
  readonly #errorsSinceRepair: Int32Array;
  /** 1 while a bad node's defect is in it (until its repair). */
  readonly #defective: Uint8Array;
  /** 1 while this model holds the node down (rebooting). */
  readonly #downByUs: Uint8Array;
  readonly #bad: readonly number[];
  readonly #healthyStreams: RngStream[] = [];
  readonly #defectStreams: RngStream[] = [];
  readonly #crashStreams: RngStream[] = [];
  readonly #onHealthyError = (node: number): void => this.#healthyError(node);
  readonly #onDefectError = (node: number): void => this.#defectError(node);
  readonly #onRebooted = (node: number): void => this.#rebooted(node);
  #started = false;
  /** Intermittent failures so far. */
  crashCount = 0;

  constructor(sim: Sim, cluster: Cluster, options: DegradationOptions) {
    assert(options.eccErrorsPerH > 0);
    assert(options.badNodeEccErrorsPerH >= options.eccErrorsPerH, "a bad node errs at least as often as a healthy one");
    assert(options.badNodeFraction >= 0 && options.badNodeFraction <= 1, "badNodeFraction is in [0, 1]");
    assert(options.degradeAfterErrors >= 0);
    assert(options.clockLossPerError >= 0 && options.clockLossPerError < 1);
    assert(options.minClockFactor > 0 && options.minClockFactor <= 1, "minClockFactor is in (0, 1]");
    assert(options.crashAfterErrors >= 0);
    assert(options.crashProbability >= 0 && options.crashProbability <= 1, "crashProbability is in [0, 1]");
    assert(Number.isSafeInteger(options.rebootUs) && options.rebootUs > 0, "rebootUs is a positive whole number of µs");
    this.#sim = sim;
    this.#cluster = cluster;
    this.#options = options;
    const nodes = cluster.nodeCount;
    this.#errorsSinceRepair = new Int32Array(nodes);
    this.#defective = new Uint8Array(nodes);
    this.#downByUs = new Uint8Array(nodes);
    this.#bad = options.badNodes === null ? drawBadNodes(sim.rng(BAD_NODES_STREAM), nodes, options.badNodeFraction) : [...options.badNodes].sort((a, b) => a - b);
    for (const node of this.#bad) {
      assert(Number.isInteger(node) && node >= 0 && node < nodes, "a bad node is a node of the cluster");
      assert(this.#defective[node] === 0, "a bad node is listed once");
      this.#defective[node] = 1;
    }
  }

  /** The nodes that started bad, ascending. */
  get badNodes(): readonly number[] {
    return this.#bad;
  }

  /** Whether the node still has its defect (bad and not yet repaired). */
  isDefective(node: number): boolean {
    return this.#defective[node] === 1;
  }

  errorsSinceRepair(node: number): number {
    return this.#errorsSinceRepair[node];
  }

  /** The clock the rule gives a node with `errors` since its repair. */
  clockFactorFor(errors: number): number {
    const { degradeAfterErrors, clockLossPerError, minClockFactor } = this.#options;
    return Math.max(minClockFactor, 1 - clockLossPerError * Math.max(0, errors - degradeAfterErrors));
  }

  /** Schedules every node's first error (and every bad node's first defect error). */
  start(): void {
    assert(!this.#started, "a degradation model starts once");
    this.#started = true;
    const { eccErrorsPerH, badNodeEccErrorsPerH } = this.#options;
    for (let node = 0; node < this.#cluster.nodeCount; node++) {
      const name = this.#cluster.nodeName(node);
      this.#healthyStreams.push(this.#sim.rng(`failures.ecc.${name}`));
      this.#crashStreams.push(this.#sim.rng(`failures.ecc-crash.${name}`));
      this.#sim.schedule(this.#healthyStreams[node].exponentialUs(3_600 / eccErrorsPerH), this.#onHealthyError, node);
    }
    const defectPerH = badNodeEccErrorsPerH - eccErrorsPerH;
    for (const node of this.#bad) {
      const stream = this.#sim.rng(`failures.ecc-defect.${this.#cluster.nodeName(node)}`);
      this.#defectStreams[node] = stream;
      if (defectPerH > 0) this.#sim.schedule(stream.exponentialUs(3_600 / defectPerH), this.#onDefectError, node);
    }
  }

  /**
   * A board swap: the node's count since repair goes to zero, its clock comes back and its
   * defect, if it had one, is gone. Called by whoever took the node out of service.
   */
  repair(node: number): void {
    this.#errorsSinceRepair[node] = 0;
    this.#defective[node] = 0;
    this.#cluster.restoreClock(node);
  }

  #healthyError(node: number): void {
    this.#sim.schedule(this.#healthyStreams[node].exponentialUs(3_600 / this.#options.eccErrorsPerH), this.#onHealthyError, node);
    this.#error(node, true);
  }

  #defectError(node: number): void {
    const defectPerH = this.#options.badNodeEccErrorsPerH - this.#options.eccErrorsPerH;
    this.#sim.schedule(this.#defectStreams[node].exponentialUs(3_600 / defectPerH), this.#onDefectError, node);
    this.#error(node, this.#defective[node] === 1);
  }

  /** One error arrives; `real` is false for a defect that a repair has removed. */
  #error(node: number, real: boolean): void {
    // Drawn for every arrival, so the same error meets the same draw whatever came before.
    const crashDraw = this.#crashStreams[node].random();
    if (!real || !this.#cluster.isUp(node)) return;
    const errors = ++this.#errorsSinceRepair[node];
    const target = this.#cluster.nodeName(node);
    this.#cluster.recordEccErrors(node, 1);
    this.#sim.record({ kind: "EccErrorsRecorded", node, target, count: 1, errorsSinceRepair: errors });
    const clockFactor = this.clockFactorFor(errors);
    if (clockFactor < this.clockFactorFor(errors - 1)) {
      this.#sim.record({ kind: "NodeDegraded", node, target, errorsSinceRepair: errors, clockFactor });
      this.#cluster.throttle(node, clockFactor, ClockCause.Degraded);
    }
    if (errors >= this.#options.crashAfterErrors && crashDraw < this.#options.crashProbability) this.#crash(node);
  }

  #crash(node: number): void {
    this.crashCount++;
    const repairUs = this.#options.rebootUs;
    this.#sim.record({ kind: "NodeCrashed", node, target: this.#cluster.nodeName(node), repairUs, cause: "ecc-errors" });
    this.#downByUs[node] = 1;
    this.#cluster.crash(node, "ecc-errors");
    this.#sim.schedule(repairUs, this.#onRebooted, node);
  }

  #rebooted(node: number): void {
    assert(this.#downByUs[node] === 1, "a reboot follows a crash");
    this.#downByUs[node] = 0;
    if (this.#cluster.isUp(node)) return; // someone else brought it back
    this.#sim.record({ kind: "NodeRestored", node, target: this.#cluster.nodeName(node) });
    this.#cluster.restore(node);
  }
}

/** `round(fraction × nodeCount)` distinct nodes, ascending: a partial Fisher–Yates shuffle. */
function drawBadNodes(rng: RngStream, nodeCount: number, fraction: number): number[] {
  const count = Math.round(fraction * nodeCount);
  const nodes = Array.from({ length: nodeCount }, (_, node) => node);
  for (let i = 0; i < count; i++) {
    const j = rng.integer(i, nodeCount - 1);
    [nodes[i], nodes[j]] = [nodes[j], nodes[i]];
  }
  return nodes.slice(0, count).sort((a, b) => a - b);
}

/**
 * An operator's health check: every `checkIntervalUs` it polls each node's lifetime ECC
 * counter (as DCGM or a Slurm health-check script would) and quarantines (`drain`s) a node
 * with more than `quarantineAfter` errors in the last `windowUs`. A drained node takes no
 * new job; the job on it runs to its end. Once the node is idle (drained and empty, or
 * down) it goes for repair, and `repairUs` later it comes back repaired (`repair`: errors
 * reset, clock restored, defect gone) and undrained.
 *
 * The window slides in whole check intervals: the check keeps the counter's reading at each
 * of the last windowUs / checkIntervalUs checks, and the errors in the window are the
 * difference. A returned node's window starts afresh (its old errors were on the old board).
 * Until its repair ends the node keeps its old board: errors still arrive, and may crash
 * it, but no job is there to suffer.
 * The policy draws no random numbers, so a run with it sees the same failures as one
 * without.
 *
 * Leaves out: false positives from a noisy check, repair crews and spare boards that run
 * out, draining a node before its job ends (a kill), and acting on clocks or crashes
 * directly rather than on the error counter.
 */
export interface HealthPolicyOptions {
  readonly checkIntervalUs: number;
  /** The window errors are counted over, a whole number of check intervals, µs. */
  readonly windowUs: number;
  /** A node with more errors than this in the window is quarantined (≥ 0). */
  readonly quarantineAfter: number;
  /** Time from a quarantined node going idle to its return, µs. */
  readonly repairUs: number;
}

const enum NodeState {
  InService = 0,
  /** Drained, with a job still running on it. */
  Draining = 1,
  Repairing = 2,
}

export class HealthPolicy {
  readonly #sim: Sim;
  readonly #cluster: Cluster;
  readonly #degradation: DegradationModel;
  readonly #options: HealthPolicyOptions;
  /** The counter read at each of the last (window + 1) checks, per node: a ring per node. */
  readonly #readings: Int32Array;
  readonly #readingsPerNode: number;
  readonly #state: Uint8Array;
  readonly #onCheck = (): void => this.#check();
  readonly #onRepaired = (node: number): void => this.#return(node);
  #checks = 0;
  #started = false;
  /** Nodes out of service now (draining or in repair). */
  quarantinedCount = 0;

  constructor(sim: Sim, cluster: Cluster, degradation: DegradationModel, options: HealthPolicyOptions) {
    assert(Number.isSafeInteger(options.checkIntervalUs) && options.checkIntervalUs > 0);
    assert(options.windowUs >= options.checkIntervalUs, "the window spans at least one check");
    assert(options.windowUs % options.checkIntervalUs === 0, "the window is a whole number of check intervals");
    assert(Number.isInteger(options.quarantineAfter) && options.quarantineAfter >= 0);
    assert(Number.isSafeInteger(options.repairUs) && options.repairUs > 0);
    this.#sim = sim;
    this.#cluster = cluster;
    this.#degradation = degradation;
    this.#options = options;
    this.#readingsPerNode = options.windowUs / options.checkIntervalUs + 1;
    this.#readings = new Int32Array(cluster.nodeCount * this.#readingsPerNode);
    this.#state = new Uint8Array(cluster.nodeCount);
  }

  /** Takes the counters now as the window's start, and checks every interval from then on. */
  start(): void {
    assert(!this.#started, "a health policy starts once");
    this.#started = true;
    for (let node = 0; node < this.#cluster.nodeCount; node++) this.#resetWindow(node);
    this.#sim.schedule(this.#options.checkIntervalUs, this.#onCheck);
  }

  #check(): void {
    this.#checks++;
    const perNode = this.#readingsPerNode;
    const slot = this.#checks % perNode;
    // The reading taken windowUs ago sits in the slot after this one, around the ring.
    const windowStartSlot = (this.#checks + 1) % perNode;
    for (let node = 0; node < this.#cluster.nodeCount; node++) {
      const counter = this.#cluster.health(node).eccErrors;
      this.#readings[node * perNode + slot] = counter;
      const state = this.#state[node];
      if (state === NodeState.InService) {
        const errorsInWindow = counter - this.#readings[node * perNode + windowStartSlot];
        if (errorsInWindow > this.#options.quarantineAfter && !this.#cluster.isDrained(node)) {
          this.#quarantine(node, errorsInWindow);
        }
      } else if (state === NodeState.Draining) {
        this.#repairIfIdle(node);
      }
    }
    this.#sim.schedule(this.#options.checkIntervalUs, this.#onCheck);
  }

  #quarantine(node: number, errorsInWindow: number): void {
    this.quarantinedCount++;
    this.#sim.record({ kind: "NodeQuarantined", node, target: this.#cluster.nodeName(node), errorsInWindow });
    this.#cluster.drain(node);
    this.#state[node] = NodeState.Draining;
    this.#repairIfIdle(node);
  }

  /** A drained node with no job left (or down) goes for repair. */
  #repairIfIdle(node: number): void {
    if (this.#cluster.jobOn(node) >= 0) return; // checked again at the next check
    this.#state[node] = NodeState.Repairing;
    this.#sim.schedule(this.#options.repairUs, this.#onRepaired, node);
  }

  #return(node: number): void {
    assert(this.#state[node] === NodeState.Repairing);
    this.#state[node] = NodeState.InService;
    this.quarantinedCount--;
    this.#degradation.repair(node);
    this.#resetWindow(node);
    // Recorded before the undrain, which may start a job on the node at once.
    this.#sim.record({ kind: "NodeReturned", node, target: this.#cluster.nodeName(node) });
    this.#cluster.undrain(node);
  }

  /** Fills a node's ring with its counter now: no errors in its window yet. */
  #resetWindow(node: number): void {
    const counter = this.#cluster.health(node).eccErrors;
    const base = node * this.#readingsPerNode;
    this.#readings.fill(counter, base, base + this.#readingsPerNode);
  }
}

/** ECC errors degrading nodes in a cluster run, and the health policy that quarantines them (or none). */
export function silentDegradation(model: DegradationOptions, policy: HealthPolicyOptions | null): FailureWiring {
  return ({ sim, cluster }) => {
    const degradation = new DegradationModel(sim, cluster, model);
    const health = policy === null ? null : new HealthPolicy(sim, cluster, degradation, policy);
    return {
      start() {
        degradation.start();
        health?.start();
      },
    };
  };
}
