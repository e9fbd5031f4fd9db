import { assert } from "../../sim/assert.js";
import type { Sim } from "../../sim/sim.js";
import type { Cluster } from "../hardware/cluster.js";
import type { Job } from "../workload/job.js";
import type { FailureWiring } from "../cluster/part.js";

/**
 * An OS/driver patch rolled out over the cluster. A bad patch installs a GPU driver that
 * does not match the CUDA runtime jobs are built for, so a GPU job fails as it starts on a
 * patched node (the model's doing: `setDriverCompatible(false)`, nothing scripted here).
 *
 * Big-bang patches every node at once; canary patches a few nodes first, then waves of a
 * fraction of the rest. The controller judges each step at the end of its watch window
 * (`waveIntervalUs`, the time monitoring takes to see a trend): if at least `minStarts`
 * jobs have started on patched nodes and the share that failed for the driver exceeds
 * `haltFailureRate`, it halts, drains the patched nodes and rolls them back (`rollbackUs`
 * later); with fewer starts it watches longer; otherwise it patches the next wave. So a
 * bad patch fails every job that starts on a patched node until its window ends: on every
 * node with big-bang, on a few with a canary.
 * Nodes are patched in an order spread over racks (slot-major), not rack by rack.
 *
 * Leaves out: reboots during patching (nodes stay in service), partial rollbacks, a
 * multi-node all-reduce failing mid-run (jobs fail at start only).
 */
export interface DriverRolloutOptions {
  readonly startUs: number;
  readonly strategy: "big-bang" | "canary";
  /** Canary: nodes patched first. */
  readonly canaryNodes: number;
  /** Canary: share of the remaining nodes patched in each later wave, (0, 1]. */
  readonly waveFraction: number;
  /** Time each step is watched before the next. */
  readonly waveIntervalUs: number;
  /** Whether the new driver breaks jobs (a bad patch). */
  readonly badPatch: boolean;
  /** Share of starts on patched nodes that fail for the driver above which the rollout halts. */
  readonly haltFailureRate: number;
  /** Starts on patched nodes needed before the failure rate is judged. */
  readonly minStarts: number;
  readonly rollbackUs: number;
}

/** The model's hooks the controller watches. */
export interface RolloutWatch {
  onJobStarted(listener: (job: Job) => void): void;
  onJobKilled(listener: (job: Job, cause: string, node: number) => void): void;
}

export class DriverRolloutController {
  readonly #sim: Sim;
  readonly #cluster: Cluster;
  readonly #options: DriverRolloutOptions;
  readonly #order: number[];
  readonly #patched: Uint8Array;
  readonly #drainedByMe: Uint8Array;
  #patchedCount = 0;
  #startsOnPatched = 0;
  #failuresOnPatched = 0;
  #halted = false;
  readonly #onStep = (): void => this.#step();
  readonly #onCheck = (): void => this.#check();
  readonly #onRolledBack = (): void => this.#rolledBack();

  constructor(sim: Sim, cluster: Cluster, watch: RolloutWatch, options: DriverRolloutOptions) {
    assert(options.waveFraction > 0 && options.waveFraction <= 1);
    assert(options.canaryNodes >= 1);
    this.#sim = sim;
    this.#cluster = cluster;
    this.#options = options;
    this.#patched = new Uint8Array(cluster.nodeCount);
    this.#drainedByMe = new Uint8Array(cluster.nodeCount);
    // Spread over racks: consecutive patched nodes sit in different racks.
    const n = cluster.nodeCount;
    const racks = cluster.options.racks;
    this.#order = Array.from({ length: n }, (_, i) => (i % racks) * cluster.options.nodesPerRack + Math.floor(i / racks));
    watch.onJobStarted((job) => {
      if (this.#onPatchedNode(job)) this.#startsOnPatched++;
    });
    watch.onJobKilled((_job, cause, node) => {
      if (cause !== "driver-mismatch" || this.#patched[node] === 0) return;
      this.#failuresOnPatched++;
    });
  }

  get halted(): boolean {
    return this.#halted;
  }

  get patchedCount(): number {
    return this.#patchedCount;
  }

  start(): void {
    this.#sim.scheduleAt(Math.max(this.#sim.now, this.#options.startUs), this.#onStep);
  }

  /** Patches the next step's nodes, then watches them. */
  #step(): void {
    const remaining = this.#cluster.nodeCount - this.#patchedCount;
    const count =
      this.#options.strategy === "big-bang"
        ? remaining
        : this.#patchedCount === 0
          ? Math.min(remaining, this.#options.canaryNodes)
          : Math.max(1, Math.ceil(remaining * this.#options.waveFraction));
    for (let i = 0; i < count; i++) {
      const node = this.#order[this.#patchedCount++];
      this.#patched[node] = 1;
      if (this.#options.badPatch) this.#cluster.setDriverCompatible(node, false);
    }
    this.#sim.record({ kind: "DriverRolledOut", nodes: count, patched: this.#patchedCount, target: `${count} nodes` });
    this.#sim.schedule(this.#options.waveIntervalUs, this.#onCheck);
  }

  /** End of a step's watch: halt, watch longer, or promote to the next wave. */
  #check(): void {
    if (this.#startsOnPatched < this.#options.minStarts) {
      this.#sim.schedule(this.#options.waveIntervalUs, this.#onCheck); // too little seen yet
    } else if (this.#failuresOnPatched / this.#startsOnPatched > this.#options.haltFailureRate) {
      this.#halt();
    } else if (this.#patchedCount < this.#cluster.nodeCount) {
      this.#step();
    } else {
      this.#sim.record({ kind: "DriverRolloutCompleted", patched: this.#patchedCount });
    }
  }

  #halt(): void {
    this.#halted = true;
    const failureRate = this.#failuresOnPatched / this.#startsOnPatched;
    this.#sim.record({ kind: "DriverRolloutHalted", failureRate, patched: this.#patchedCount });
    // Patched nodes take no new jobs until they are rolled back.
    for (let node = 0; node < this.#cluster.nodeCount; node++) {
      if (this.#patched[node] === 1 && !this.#cluster.isDrained(node)) {
        this.#cluster.drain(node);
        this.#drainedByMe[node] = 1;
      }
    }
    this.#sim.schedule(this.#options.rollbackUs, this.#onRolledBack);
  }

  #rolledBack(): void {
    for (let node = 0; node < this.#cluster.nodeCount; node++) {
      if (this.#patched[node] === 0) continue;
      this.#patched[node] = 0;
      this.#cluster.setDriverCompatible(node, true);
      if (this.#drainedByMe[node] === 1) {
        this.#drainedByMe[node] = 0;
        this.#cluster.undrain(node);
      }
    }
    this.#sim.record({ kind: "DriverRolledBack", nodes: this.#patchedCount });
    this.#patchedCount = 0;
  }

  #onPatchedNode(job: Job): boolean {
    for (let part = job.firstPart; part >= 0; part = this.#cluster.nextPart(part)) {
      if (this.#patched[this.#cluster.nodeOfPart(part)] === 1) return true;
    }
    return false;
  }
}

/** A driver patch rolled out during a cluster run. */
export function driverRollout(options: DriverRolloutOptions): FailureWiring {
  return (context) => new DriverRolloutController(context.sim, context.cluster, context, options);
}
