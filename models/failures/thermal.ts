import { assert } from "../../sim/assert.js";
import { TimeWeighted } from "../../sim/metrics.js";
import type { Sim } from "../../sim/sim.js";
import { ClockCause, type Cluster } from "../hardware/cluster.js";
import type { FailureWiring, RunMetricsDraft } from "../cluster/part.js";
import { US_PER_H } from "../../sim/time.js";

/**
 * Thermal throttling: GPUs heat up under load, and past a threshold their clocks drop.
 *
 * Each node's GPU temperature T follows Newton's law of cooling, a first-order lag towards
 * the temperature its load would settle at:
 *
 *     dT/dt = (T∞ − T) / τ,   T∞ = ambient + H·busy + c·H·(busy others in rack)/(nodes per rack − 1)
 *
 * where busy is 1 while the node runs a job and 0 otherwise (no per-job intensity: a busy
 * node dissipates its full power), H (`heatPerBusyNodeC`) is how far a busy node settles
 * above its inlet air, and c (`rackCouplingFraction`) is the share of its rack-mates' mean
 * heat that reaches its inlet: hot exhaust recirculating within a rack raises the air the
 * other nodes draw in. Coupling goes through the neighbours' heat output (their load), not
 * their temperature, so given the rack's load each node is an exact first-order system (the
 * air path's own lag is lumped into τ) and racks do not couple to one another.
 *
 * Every `stepUs` the model advances each temperature with the exact solution over the step,
 * T ← T∞ + (T − T∞)·e^(−step/τ), holding T∞ at what it was at the start of the step. A run
 * of steps under constant load therefore matches the analytic step response
 * T(t) = T∞ + (T0 − T∞)e^(−t/τ) at every step to rounding; the only discretisation error is
 * that a job starting or ending between steps changes T∞ from the next step on (a lag of
 * at most one step), so keep `stepUs` well below τ.
 *
 * Throttling, per node, with hysteresis:
 * - above `throttleAtC`, the clock follows a linear ramp from full clock at `throttleAtC`
 *   down to `minClockFactor` at `maxC` (and stays there beyond), rounded down to one of
 *   `clockSteps` equal levels: the highest level at or below the ramp, so a GPU just past
 *   `throttleAtC` is already one level down, and it reaches the minimum once the ramp is
 *   within one level of it. GPUs change clocks in discrete bins; the levels also bound the
 *   records, since an exponential approach to T∞ would otherwise move a continuous clock
 *   at every step, forever;
 * - a throttled GPU that cools back below `throttleAtC` holds its clock (it does not raise
 *   it while near the threshold, so it does not oscillate) until it is below
 *   `throttleAtC − hysteresisC`, when its full clock returns (`cluster.restoreClock`).
 *
 * The clock is applied through `cluster.throttle(node, clockFactor, T)`. A job's pace is
 * fixed when its attempt starts (its slowest node's clock), so a node that throttles in
 * the middle of an attempt slows the next attempt that starts on it, not the one running:
 * a burst of heavy jobs heats their nodes, the clocks drop, and the jobs that start next
 * on those nodes run slower. Which nodes run hot, and so which jobs slow down, follows from
 * the placement (which racks the busy nodes share), not from anything scripted here.
 *
 * Records: `GpuThrottled` (node, target, temperatureC, clockFactor) each time a node's
 * throttled clock changes level, including when it first throttles; `GpuClockRestored`
 * (node, target, temperatureC) when it gets its full clock back.
 *
 * Leaves out: per-job power (a memory-bound job runs cooler than a dense GEMM), per-GPU
 * temperatures within a node, fan curves and coolant loops (the heat removed is
 * proportional to T − inlet), heat through the fabric between racks, and arbitration with
 * other components that set clocks (a node degraded by ECC errors and throttled takes
 * whichever clock was set last). The temperature a cool node's `cluster.health` shows is
 * the cluster's idle default; `temperatureC(node)` is this model's.
 *
 * Source: Newton's law of cooling as the lumped-capacitance model of a heat sink (Incropera
 * et al., "Fundamentals of Heat and Mass Transfer", ch. 5); the throttle-with-hysteresis
 * rule is how NVIDIA documents its slowdown temperature (`nvidia-smi -q -d TEMPERATURE`:
 * "GPU Slowdown Temp", "GPU Shutdown Temp") and clock-event reasons (HW thermal slowdown).
 */
export interface ThermalOptions {
  /** Time between temperature updates, µs (well below τ). */
  readonly stepUs: number;
  /** τ: the time constant of a GPU's temperature (heat capacity × thermal resistance), µs. */
  readonly timeConstantUs: number;
  /** Inlet air of a rack with no busy node, °C; every node starts at it. */
  readonly ambientC: number;
  /** How far a busy node settles above its inlet air, °C. */
  readonly heatPerBusyNodeC: number;
  /** Share of the mean heat of the other nodes in its rack that reaches a node's inlet, in [0, 1]. */
  readonly rackCouplingFraction: number;
  /** Above this the GPU throttles, °C. */
  readonly throttleAtC: number;
  /** At and above this the clock is at its minimum, °C. */
  readonly maxC: number;
  /** The lowest clock, as a fraction of full clock, in (0, 1). */
  readonly minClockFactor: number;
  /** Clock levels between full clock and the minimum (≥ 1): the clock moves in these steps. */
  readonly clockSteps: number;
  /** A throttled GPU gets its full clock back below `throttleAtC − hysteresisC`, °C (≥ 0). */
  readonly hysteresisC: number;
  /** Keep a `sample()` at every step in `samples`. Default false. */
  readonly keepSamples?: boolean;
}

/** The cluster's temperatures at one moment. */
export interface ThermalSample {
  readonly timeUs: number;
  readonly meanC: number;
  readonly maxC: number;
  readonly throttledNodes: number;
}

export class ThermalModel {
  /** Nodes throttled at each moment; its area is throttled node·µs. */
  readonly throttledNodes: TimeWeighted;
  /** One sample per step, when `keepSamples` is set. */
  readonly samples: ThermalSample[] = [];
  readonly #sim: Sim;
  readonly #cluster: Cluster;
  readonly #options: ThermalOptions;
  readonly #temperatureC: Float64Array;
  /** T∞ of each node over the step under way. */
  readonly #targetC: Float64Array;
  /** 0: full clock; 1 … clockSteps: throttled, at that many steps below full clock. */
  readonly #clockLevel: Uint8Array;
  readonly #busyByRack: Int32Array;
  /** e^(−step/τ): what is left of a gap to T∞ after one step. */
  readonly #decayPerStep: number;
  readonly #onStep = (): void => this.#step();
  #lastStepUs = -1;
  #started = false;

  constructor(sim: Sim, cluster: Cluster, options: ThermalOptions) {
    assert(Number.isSafeInteger(options.stepUs) && options.stepUs > 0, "stepUs is a positive whole number of µs");
    assert(options.timeConstantUs > 0);
    assert(options.heatPerBusyNodeC >= 0);
    assert(options.rackCouplingFraction >= 0 && options.rackCouplingFraction <= 1, "rackCouplingFraction is in [0, 1]");
    assert(options.throttleAtC < options.maxC, "throttleAtC is below maxC");
    assert(options.minClockFactor > 0 && options.minClockFactor < 1, "minClockFactor is in (0, 1)");
    assert(Number.isInteger(options.clockSteps) && options.clockSteps >= 1 && options.clockSteps <= 255);
    assert(options.hysteresisC >= 0);
    this.#sim = sim;
    this.#cluster = cluster;
    this.#options = options;
    this.#temperatureC = new Float64Array(cluster.nodeCount).fill(options.ambientC);
    this.#targetC = new Float64Array(cluster.nodeCount).fill(options.ambientC);
    this.#clockLevel = new Uint8Array(cluster.nodeCount);
    this.#busyByRack = new Int32Array(cluster.options.racks);
    this.#decayPerStep = Math.exp(-options.stepUs / options.timeConstantUs);
    this.throttledNodes = new TimeWeighted(sim.now, 0);
  }

  /**
   * Takes the load now as the first step's and updates every `stepUs` from then on. The
   * first update runs at the current time after the events already due (jobs placed before
   * the run have started by then).
   */
  start(): void {
    assert(!this.#started, "a thermal model starts once");
    this.#started = true;
    this.#lastStepUs = this.#sim.now;
    this.#sim.schedule(0, this.#onStep);
  }

  /** throttled_node_h: node-hours the model held clocks below full speed. */
  addMetrics(metrics: RunMetricsDraft, endUs: number): void {
    metrics.throttled_node_h = this.throttledNodes.areaUs(endUs) / US_PER_H;
  }

  /** A node's GPU temperature, °C, as of the last step. */
  temperatureC(node: number): number {
    return this.#temperatureC[node];
  }

  /** Nodes whose clocks are throttled now. */
  get throttledNodeCount(): number {
    return this.throttledNodes.value;
  }

  /** Mean and hottest temperature over the cluster, and how many nodes are throttled. */
  sample(): ThermalSample {
    let sumC = 0;
    let maxC = -Infinity;
    for (const temperatureC of this.#temperatureC) {
      sumC += temperatureC;
      if (temperatureC > maxC) maxC = temperatureC;
    }
    return {
      timeUs: this.#sim.now,
      meanC: sumC / this.#temperatureC.length,
      maxC,
      throttledNodes: this.throttledNodes.value,
    };
  }

  #step(): void {
    const now = this.#sim.now;
    const elapsedUs = now - this.#lastStepUs;
    this.#lastStepUs = now;
    // The steady cadence reuses one exponential; the first step (elapsed 0) leaves T as is.
    const decay = elapsedUs === this.#options.stepUs ? this.#decayPerStep : Math.exp(-elapsedUs / this.#options.timeConstantUs);
    const temperatureC = this.#temperatureC;
    const targetC = this.#targetC;
    for (let node = 0; node < temperatureC.length; node++) {
      temperatureC[node] = targetC[node] + (temperatureC[node] - targetC[node]) * decay;
      this.#applyClock(node);
    }
    this.#updateTargets();
    if (this.#options.keepSamples === true) this.samples.push(this.sample());
    this.#sim.schedule(this.#options.stepUs, this.#onStep);
  }

  /** T∞ of every node from the load now, held over the coming step. */
  #updateTargets(): void {
    const cluster = this.#cluster;
    const busyByRack = this.#busyByRack;
    busyByRack.fill(0);
    for (let node = 0; node < cluster.nodeCount; node++) {
      if (cluster.jobOn(node) >= 0) busyByRack[cluster.rackOf(node)]++;
    }
    const { ambientC, heatPerBusyNodeC, rackCouplingFraction } = this.#options;
    const others = cluster.options.nodesPerRack - 1;
    for (let node = 0; node < cluster.nodeCount; node++) {
      const busy = cluster.jobOn(node) >= 0 ? 1 : 0;
      const busyOthers = busyByRack[cluster.rackOf(node)] - busy;
      const neighboursC = others > 0 ? (rackCouplingFraction * heatPerBusyNodeC * busyOthers) / others : 0;
      this.#targetC[node] = ambientC + heatPerBusyNodeC * busy + neighboursC;
    }
  }

  /** Moves a node's clock level with its temperature: throttle, hold, or restore. */
  #applyClock(node: number): void {
    const { throttleAtC, maxC, clockSteps, hysteresisC } = this.#options;
    const temperatureC = this.#temperatureC[node];
    const level = this.#clockLevel[node];
    if (temperatureC > throttleAtC) {
      const excess = Math.min(1, (temperatureC - throttleAtC) / (maxC - throttleAtC));
      const wanted = Math.max(1, Math.ceil(clockSteps * excess));
      if (wanted !== level) this.#throttle(node, wanted, temperatureC);
      else this.#cluster.throttle(node, this.#clockFactor(level), ClockCause.Thermal, temperatureC); // same clock, fresh reading
    } else if (level > 0 && temperatureC < throttleAtC - hysteresisC) {
      this.#clockLevel[node] = 0;
      this.throttledNodes.add(this.#sim.now, -1);
      this.#sim.record({ kind: "GpuClockRestored", node, target: this.#cluster.nodeName(node), temperatureC });
      this.#cluster.restoreClock(node);
    }
    // Otherwise: cool and at full clock, or throttled within the hysteresis band, holding.
  }

  #throttle(node: number, level: number, temperatureC: number): void {
    if (this.#clockLevel[node] === 0) this.throttledNodes.add(this.#sim.now, 1);
    this.#clockLevel[node] = level;
    const clockFactor = this.#clockFactor(level);
    this.#sim.record({ kind: "GpuThrottled", node, target: this.#cluster.nodeName(node), temperatureC, clockFactor });
    this.#cluster.throttle(node, clockFactor, ClockCause.Thermal, temperatureC);
  }

  /** Full clock less `level` equal steps of the way down to the minimum. */
  #clockFactor(level: number): number {
    return 1 - ((1 - this.#options.minClockFactor) * level) / this.#options.clockSteps;
  }
}

/** GPU temperatures and throttling in a cluster run. */
export function thermalThrottling(options: ThermalOptions): FailureWiring {
  return ({ sim, cluster }) => new ThermalModel(sim, cluster, options);
}
