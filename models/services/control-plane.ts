import { assert } from "../../sim/assert.js";
import type { DistributionSpec } from "../../sim/distribution.js";
import { sample } from "../../sim/distribution.js";
import { TimeWeighted } from "../../sim/metrics.js";
import type { RngStream } from "../../sim/rng.js";
import type { Sim } from "../../sim/sim.js";
import { US_PER_H, US_PER_MIN, US_PER_S } from "../../sim/time.js";
import type { RunMetrics } from "../metrics.js";

/**
 * A control-plane service (the scheduler controller, the boot/cloud-init service, the
 * inventory database) run as replicas ("units") under one high-availability strategy.
 *
 * Each unit is an alternating renewal process: up for a time to failure, then down until
 * it is repaired or restarted, then up again with a fresh time to failure. Unit k draws
 * from its own streams, `services.<name>.unit<k>.failure` and `.repair` (and `.coverage`
 * for restarts), never from the strategy's name, and a repair time is drawn at every
 * failure whether the strategy uses it or not: the i-th failure of a unit has the same
 * time to failure and the same repair time under every strategy (common random numbers).
 * Failures and repairs never depend on a unit's role, so units are independent.
 *
 * The strategies:
 * - `none`: one unit; a failure waits for a repair (MTTR, hours: a person).
 * - `cold-restart`, `fast-restart`: one unit, restarted `restartUs` after a failure
 *   (detection included). One mechanism, two parameterisations: a cold restart takes
 *   minutes, a fast restart from a known-good image seconds. A fraction
 *   `1 − restartCoverage` of failures are not cured by a restart and wait for a repair.
 * - `active-passive`: two units, hot standby. The passive declares the active dead after
 *   `missedBeats` heartbeats in a row are missing and takes over `takeoverUs` later. The
 *   detection time is the closed form missedBeats × heartbeatIntervalUs from the moment
 *   heartbeats stop (the worst case; a heartbeat per event would cost 6·10⁹ events per
 *   simulated 200 years at 1 s). A repaired unit becomes the passive; a unit repaired while
 *   no unit is up becomes the active at once (its repair includes starting the service).
 *   `partition()` cuts the heartbeat link only (clients still reach both units): the
 *   passive takes over while the active is alive and both serve (split brain, counted as
 *   up but flagged and timed). On `heal()` the unit that took over last keeps the role,
 *   as a fencing token (highest epoch) would decide.
 * - `quorum`: n units (odd, 3 or 5), Raft-like. The service is up while a majority of units
 *   is reachable and one of them is the leader. When the leader fails (or is cut off by a
 *   partition) and a majority remains, a new leader (the lowest-numbered reachable unit)
 *   is elected `electionTimeoutUs` later; the service is down meanwhile. A leader that
 *   survives the loss of a majority keeps its role and serves again as soon as a majority
 *   is back (Raft with PreVote: the minority cannot depose it). `partition()` isolates
 *   the leader from the rest: the majority elects a new leader, and the minority side,
 *   having no quorum, cannot serve, so a quorum never has a split brain.
 *
 * Leaves out: correlated failures (a shared rack, power feed or bad config push that takes
 * several units at once), limited repair crews (every unit is repaired in parallel), gray
 * failures (a slow or half-working unit that still sends heartbeats), failures of the
 * failover itself (takeover always succeeds), restarts that fail repeatedly, data loss or
 * divergence during a split brain, client-side retries, and heartbeat jitter.
 *
 * Sources: K. S. Trivedi, "Probability and Statistics with Reliability, Queuing, and
 * Computer Science Applications", 2nd ed., Wiley 2016, ch. 3 and 8 (k-of-n systems,
 * alternating renewal availability A = MTBF/(MTBF + MTTR), imperfect coverage); D. Ongaro
 * and J. Ousterhout, "In Search of an Understandable Consensus Algorithm (Raft)", USENIX
 * ATC 2014 (majority quorums, election timeouts of 150–300 ms); D. Ongaro's thesis, 2014,
 * §9.6 (PreVote); the Pacemaker/Corosync documentation on heartbeat-token timeouts and
 * fencing for active-passive pairs.
 */

/** How the service survives a unit's failure. Every duration is in µs. */
export type HaStrategy =
  | { readonly kind: "none" }
  | RestartStrategy
  | ActivePassiveStrategy
  | QuorumStrategy;

/** One unit restarted after a failure: cold (minutes) or from a known-good image (< 20 s). */
export interface RestartStrategy {
  readonly kind: "cold-restart" | "fast-restart";
  /** From the failure to the service answering again, detection included, µs. */
  readonly restartUs: number;
  /** Fraction of failures a restart cures, in [0, 1]; the rest wait for a repair. Default 1. */
  readonly restartCoverage?: number;
}

/** Two units; the passive takes over when the active's heartbeats stop. */
export interface ActivePassiveStrategy {
  readonly kind: "active-passive";
  readonly heartbeatIntervalUs: number;
  /** Heartbeats missed in a row before the passive declares the active dead. */
  readonly missedBeats: number;
  /** From declaring the active dead to serving (fencing, mounting, starting), µs. */
  readonly takeoverUs: number;
}

/** n units; up while a majority is up and one of them leads. */
export interface QuorumStrategy {
  readonly kind: "quorum";
  /** Odd, at least 3 (3 or 5 in practice). */
  readonly unitCount: number;
  /** From losing the leader (with a majority left) to a new leader serving, µs. */
  readonly electionTimeoutUs: number;
}

export interface ControlPlaneOptions {
  /** Names the streams and records: `scheduler`, `boot`, `inventory-db`. */
  readonly name: string;
  readonly strategy: HaStrategy;
  /** Mean time between failures of one unit, µs; Infinity: only injected failures. */
  readonly mtbfUs: number;
  /** Mean time to repair one unit (by a person), µs. */
  readonly mttrUs: number;
  /** Time to failure of a unit, µs. Default: exponential with mean `mtbfUs`. */
  readonly timeToFailureUs?: DistributionSpec;
  /** Repair time of a unit, µs. Default: exponential with mean `mttrUs`. */
  readonly repairUs?: DistributionSpec;
  /** Price of running one unit for an hour (redundancy cost). Default 0. */
  readonly pricePerUnitHour?: number;
}

/** Told of every change of `isUp`, after the change, at the sim's current time. */
export type ControlPlaneListener = (isUp: boolean) => void;

/** Unit-count bound: a quorum beyond this is a configuration mistake, not a design. */
const UNIT_COUNT_MAX = 15;

export class ControlPlaneService {
  readonly #sim: Sim;
  readonly #options: ControlPlaneOptions;
  readonly #strategy: HaStrategy;
  readonly #timeToFailureUs: DistributionSpec;
  readonly #repairUs: DistributionSpec;
  /** Units in this design: 1, 2, or the quorum size. */
  readonly unitCount: number;

  readonly #failureStreams: RngStream[] = [];
  readonly #repairStreams: RngStream[] = [];
  readonly #coverageStreams: RngStream[] = [];
  readonly #up: boolean[] = [];
  /** Pending failure event of each unit, or -1. */
  readonly #failureHandles: number[] = [];
  /** Pending repair (or restart) event of each unit, or -1. */
  readonly #repairHandles: number[] = [];

  // Active-passive: roles, pending takeovers, the heartbeat link.
  readonly #active: boolean[] = [];
  readonly #activeSinceUs: number[] = [];
  readonly #takeoverHandles: number[] = [];
  #linkCut = false;

  // Quorum: the leader, a pending election, the unit a partition cut off.
  #leader = -1;
  #electionHandle = -1;
  #isolated = -1;

  #started = false;
  #isUp = true;
  #certificateExpired = false;
  #splitBrain = false;
  readonly #upTime: TimeWeighted;
  readonly #splitBrainTime: TimeWeighted;
  readonly #startUs: number;
  readonly #listeners: ControlPlaneListener[] = [];

  /** Times the service went down. */
  outageCount = 0;
  /** Unit failures, drawn and injected. */
  failureCount = 0;
  /** Times two units were active at once. */
  splitBrainCount = 0;
  /** Takeovers by a passive unit (active-passive) or elections won (quorum). */
  failoverCount = 0;

  readonly #onFailure = (unit: number): void => this.#fail(unit);
  readonly #onRepaired = (unit: number): void => this.#repair(unit);
  readonly #onTakeover = (unit: number): void => this.#takeOver(unit);
  readonly #onElected = (): void => this.#elect();

  constructor(sim: Sim, options: ControlPlaneOptions) {
    assert(options.name.length > 0);
    assert(options.mtbfUs > 0, "MTBF must be positive (Infinity: no drawn failures)");
    assert(options.mttrUs > 0);
    assert(Number.isFinite(options.mttrUs), "MTTR must be finite");
    assert((options.pricePerUnitHour ?? 0) >= 0);
    this.#sim = sim;
    this.#options = options;
    this.#strategy = options.strategy;
    this.#timeToFailureUs = options.timeToFailureUs ?? { kind: "exponential", mean: options.mtbfUs };
    this.#repairUs = options.repairUs ?? { kind: "exponential", mean: options.mttrUs };
    this.unitCount = unitCountOf(options.strategy);
    assert(this.unitCount <= UNIT_COUNT_MAX);

    for (let unit = 0; unit < this.unitCount; unit++) {
      const prefix = `services.${options.name}.unit${unit}`;
      this.#failureStreams.push(sim.rng(`${prefix}.failure`));
      this.#repairStreams.push(sim.rng(`${prefix}.repair`));
      this.#coverageStreams.push(sim.rng(`${prefix}.coverage`));
      this.#up.push(true);
      this.#failureHandles.push(-1);
      this.#repairHandles.push(-1);
      this.#active.push(false);
      this.#activeSinceUs.push(0);
      this.#takeoverHandles.push(-1);
    }
    // Every design starts healthy: unit 0 active or leading, the rest standing by.
    if (this.#strategy.kind === "active-passive") {
      this.#active[0] = true;
      this.#activeSinceUs[0] = sim.now;
    }
    if (this.#strategy.kind === "quorum") this.#leader = 0;

    this.#startUs = sim.now;
    this.#upTime = new TimeWeighted(sim.now, 1);
    this.#splitBrainTime = new TimeWeighted(sim.now, 0);
  }

  /** Schedules every unit's first drawn failure. Without it only injected failures happen. */
  start(): void {
    assert(!this.#started, "a service starts once");
    this.#started = true;
    for (let unit = 0; unit < this.unitCount; unit++) {
      if (this.#up[unit]) this.#scheduleFailure(unit);
    }
  }

  get name(): string {
    return this.#options.name;
  }

  /** Whether the service answers: new jobs may start and nodes may boot. */
  get isUp(): boolean {
    return this.#isUp;
  }

  /** Whether two units are active at once (active-passive under a partition). Counts as up. */
  get isSplitBrain(): boolean {
    return this.#splitBrain;
  }

  get isPartitioned(): boolean {
    return this.#linkCut;
  }

  /** Whether unit `unit` is up (not failed). */
  isUnitUp(unit: number): boolean {
    assert(unit >= 0 && unit < this.unitCount);
    return this.#up[unit];
  }

  /** Units holding the active role (active-passive) or the lead (quorum), in index order. */
  activeUnits(): number[] {
    const units: number[] = [];
    if (this.#strategy.kind === "quorum") {
      if (this.#leader >= 0) units.push(this.#leader);
    } else if (this.#strategy.kind === "active-passive") {
      for (let unit = 0; unit < this.unitCount; unit++) if (this.#active[unit]) units.push(unit);
    } else if (this.#up[0]) {
      units.push(0);
    }
    return units;
  }

  /** Calls `listener(isUp)` after every change; returns a function that unsubscribes it. */
  onChange(listener: ControlPlaneListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const index = this.#listeners.indexOf(listener);
      if (index >= 0) this.#listeners.splice(index, 1);
    };
  }

  // ---- Verbs for fault injectors and game days. ----

  /** Fails unit `unit` now, as a drawn failure would. Returns false when it was already down. */
  crashUnit(unit: number): boolean {
    assert(unit >= 0 && unit < this.unitCount);
    if (!this.#up[unit]) return false;
    if (this.#failureHandles[unit] >= 0) this.#sim.cancel(this.#failureHandles[unit]);
    this.#fail(unit);
    return true;
  }

  /** Ends unit `unit`'s repair now. Returns false when it was already up. */
  repairUnit(unit: number): boolean {
    assert(unit >= 0 && unit < this.unitCount);
    if (this.#up[unit]) return false;
    assert(this.#repairHandles[unit] >= 0);
    this.#sim.cancel(this.#repairHandles[unit]);
    this.#repair(unit);
    return true;
  }

  /**
   * An operator's failover (active-passive): a passive counting down to a takeover (it has
   * lost the active's heartbeats) takes over now, without waiting out detection and
   * takeover; with a healthy active and an up passive, the roles swap now (a planned
   * switchover). Returns false when no unit can take over (other designs, or none up).
   */
  failOver(): boolean {
    if (this.#strategy.kind !== "active-passive") return false;
    for (let unit = 0; unit < 2; unit++) {
      const handle = this.#takeoverHandles[unit];
      if (handle < 0) continue;
      this.#sim.cancel(handle);
      this.#takeOver(unit);
      return true;
    }
    const active = this.#active.indexOf(true);
    if (active < 0 || this.#active[1 - active] || !this.#up[1 - active]) return false;
    this.#active[active] = false;
    this.#record({ kind: "ServiceUnitSteppedDown", unit: active });
    this.#takeOver(1 - active);
    return true;
  }

  /**
   * The service's certificate expires: no unit can serve, however redundant the design,
   * until `renewCertificate` (a single point of failure HA does not mask).
   */
  expireCertificate(): void {
    if (this.#certificateExpired) return;
    this.#certificateExpired = true;
    this.#record({ kind: "CertificateExpired" });
    this.#update();
  }

  renewCertificate(): void {
    if (!this.#certificateExpired) return;
    this.#certificateExpired = false;
    this.#record({ kind: "CertificateRenewed" });
    this.#update();
  }

  /**
   * Cuts the link between units: the heartbeat link of an active-passive pair, or the
   * leader's links to the rest of a quorum (unit 0's when there is no leader). A single
   * unit has no such link: the partition is recorded and changes nothing.
   */
  partition(): void {
    if (this.#linkCut) return;
    this.#linkCut = true;
    if (this.#strategy.kind === "quorum") {
      this.#isolated = this.#leader >= 0 ? this.#leader : 0;
      if (this.#leader === this.#isolated) this.#leader = -1;
    }
    this.#record({ kind: "ServicePartitioned", isolatedUnit: this.#isolated });
    this.#coordinate();
  }

  /** Restores the link `partition` cut; a split brain ends, the latest active keeping the role. */
  heal(): void {
    if (!this.#linkCut) return;
    this.#linkCut = false;
    this.#isolated = -1;
    if (this.#strategy.kind === "active-passive" && this.#active[0] && this.#active[1]) {
      // The later takeover holds the higher epoch; on a tie the lower index keeps it.
      const loser = this.#activeSinceUs[1] > this.#activeSinceUs[0] ? 0 : 1;
      this.#active[loser] = false;
      this.#record({ kind: "ServiceUnitSteppedDown", unit: loser });
    }
    this.#record({ kind: "ServicePartitionHealed" });
    this.#coordinate();
  }

  // ---- Metrics. ----

  /** Fraction of [start, nowUs] the service was up (split brain counts as up). */
  availability(nowUs: number): number {
    return this.#upTime.mean(nowUs);
  }

  /** Minutes the service was down in [start, nowUs]. */
  downtimeMin(nowUs: number): number {
    return (nowUs - this.#startUs - this.#upTime.areaUs(nowUs)) / US_PER_MIN;
  }

  /** Whether a unit can take over from another (active-passive or quorum): `failoverCount` means something. */
  get hasStandby(): boolean {
    return this.#strategy.kind === "active-passive" || this.#strategy.kind === "quorum";
  }

  /** Whether two units can be active at once (active-passive under a partition): `splitBrainS` means something. */
  get canSplitBrain(): boolean {
    return this.#strategy.kind === "active-passive";
  }

  /** Seconds two units were active at once in [start, nowUs]. */
  splitBrainS(nowUs: number): number {
    return this.#splitBrainTime.areaUs(nowUs) / US_PER_S;
  }

  /** What the redundancy costs: units × price per unit-hour. */
  get costPerHour(): number {
    return this.unitCount * (this.#options.pricePerUnitHour ?? 0);
  }

  /** Cost of running every unit over [start, nowUs]. */
  cost(nowUs: number): number {
    return (this.costPerHour * (nowUs - this.#startUs)) / US_PER_H;
  }

  /** This service's share of DESIGN.md's metrics. */
  metrics(nowUs: number): Pick<RunMetrics, "control_plane_availability" | "downtime_min"> {
    return { control_plane_availability: this.availability(nowUs), downtime_min: this.downtimeMin(nowUs) };
  }

  // ---- Units. ----

  #scheduleFailure(unit: number): void {
    const delayUs = Math.max(1, Math.round(sample(this.#failureStreams[unit], this.#timeToFailureUs)));
    // A draw past the end of representable time (MTBF Infinity, a far tail) never happens.
    if (!(delayUs <= Number.MAX_SAFE_INTEGER - this.#sim.now)) return;
    this.#failureHandles[unit] = this.#sim.schedule(delayUs, this.#onFailure, unit);
  }

  #fail(unit: number): void {
    assert(this.#up[unit]);
    this.#up[unit] = false;
    this.#failureHandles[unit] = -1;
    this.failureCount++;
    // Drawn at every failure, used or not, so the i-th repair matches across strategies.
    const repairUs = Math.max(1, Math.round(sample(this.#repairStreams[unit], this.#repairUs)));
    let downUs = repairUs;
    let cure = "repair";
    const strategy = this.#strategy;
    if (strategy.kind === "cold-restart" || strategy.kind === "fast-restart") {
      const coverage = strategy.restartCoverage ?? 1;
      if (coverage >= 1 || this.#coverageStreams[unit].random() < coverage) {
        downUs = strategy.restartUs;
        cure = "restart";
      }
    }
    this.#record({ kind: "ServiceUnitFailed", unit, downUs, cure });
    this.#repairHandles[unit] = this.#sim.schedule(downUs, this.#onRepaired, unit);

    if (strategy.kind === "active-passive") {
      this.#active[unit] = false;
    } else if (strategy.kind === "quorum" && this.#leader === unit) {
      this.#leader = -1;
    }
    this.#coordinate();
  }

  #repair(unit: number): void {
    assert(!this.#up[unit]);
    this.#up[unit] = true;
    this.#repairHandles[unit] = -1;
    this.#record({ kind: "ServiceUnitRepaired", unit });
    if (this.#started) this.#scheduleFailure(unit);
    if (this.#strategy.kind === "active-passive" && !this.#up[1 - unit]) {
      // Alone: there is no one to take over from, the repaired unit serves at once.
      this.#active[unit] = true;
      this.#activeSinceUs[unit] = this.#sim.now;
    }
    this.#coordinate();
  }

  // ---- Roles. ----

  /** Starts or cancels takeovers and elections to match the units' state, then updates `isUp`. */
  #coordinate(): void {
    if (this.#strategy.kind === "active-passive") this.#coordinateTakeovers(this.#strategy);
    if (this.#strategy.kind === "quorum") this.#coordinateElection(this.#strategy);
    this.#update();
  }

  /** A passive unit that hears no active's heartbeats is counting down to a takeover. */
  #coordinateTakeovers(strategy: ActivePassiveStrategy): void {
    for (let unit = 0; unit < 2; unit++) {
      const handle = this.#takeoverHandles[unit];
      const counting = this.#shouldTakeOver(unit);
      if (counting && handle < 0) {
        const detectUs = strategy.missedBeats * strategy.heartbeatIntervalUs;
        this.#takeoverHandles[unit] = this.#sim.schedule(detectUs + strategy.takeoverUs, this.#onTakeover, unit);
        this.#record({ kind: "ServiceHeartbeatsLost", unit, detectUs, takeoverUs: strategy.takeoverUs });
      } else if (!counting && handle >= 0) {
        this.#sim.cancel(handle);
        this.#takeoverHandles[unit] = -1;
      }
    }
  }

  #shouldTakeOver(unit: number): boolean {
    if (!this.#up[unit] || this.#active[unit]) return false;
    const hearsActive = this.#active[1 - unit] && !this.#linkCut;
    return !hearsActive;
  }

  #takeOver(unit: number): void {
    this.#takeoverHandles[unit] = -1;
    assert(this.#shouldTakeOver(unit)); // Otherwise #coordinateTakeovers cancelled it.
    this.#active[unit] = true;
    this.#activeSinceUs[unit] = this.#sim.now;
    this.failoverCount++;
    this.#record({ kind: "ServiceFailedOver", unit, whileOtherActive: this.#active[1 - unit] });
    // The other unit may have been counting down too (repaired during the failover): it
    // now hears an active and stands down, unless the link is cut.
    this.#coordinate();
  }

  #reachableCount(): number {
    let count = 0;
    for (let unit = 0; unit < this.unitCount; unit++) if (this.#up[unit] && unit !== this.#isolated) count++;
    return count;
  }

  #hasQuorum(): boolean {
    return this.#reachableCount() > this.unitCount / 2;
  }

  #coordinateElection(strategy: QuorumStrategy): void {
    const electing = this.#leader < 0 && this.#hasQuorum();
    if (electing && this.#electionHandle < 0) {
      this.#electionHandle = this.#sim.schedule(strategy.electionTimeoutUs, this.#onElected, undefined);
      this.#record({ kind: "ServiceElectionStarted" });
    } else if (!electing && this.#electionHandle >= 0) {
      this.#sim.cancel(this.#electionHandle);
      this.#electionHandle = -1;
    }
  }

  #elect(): void {
    this.#electionHandle = -1;
    assert(this.#leader < 0);
    assert(this.#hasQuorum()); // Otherwise #coordinateElection cancelled it.
    let leader = 0;
    while (!this.#up[leader] || leader === this.#isolated) leader++;
    this.#leader = leader;
    this.failoverCount++;
    this.#record({ kind: "ServiceLeaderElected", unit: leader });
    this.#coordinate();
  }

  // ---- The service as clients see it. ----

  #computeUp(): boolean {
    // An expired certificate is a common-mode failure: every unit is up, none can serve.
    if (this.#certificateExpired) return false;
    switch (this.#strategy.kind) {
      case "none":
      case "cold-restart":
      case "fast-restart":
        return this.#up[0];
      case "active-passive":
        return this.#active[0] || this.#active[1];
      case "quorum":
        return this.#leader >= 0 && this.#hasQuorum();
    }
  }

  #update(): void {
    const now = this.#sim.now;
    const splitBrain = this.#strategy.kind === "active-passive" && this.#active[0] && this.#active[1];
    if (splitBrain !== this.#splitBrain) {
      this.#splitBrain = splitBrain;
      this.#splitBrainTime.set(now, splitBrain ? 1 : 0);
      if (splitBrain) this.splitBrainCount++;
      this.#record({ kind: splitBrain ? "SplitBrainStarted" : "SplitBrainEnded" });
    }
    const up = this.#computeUp();
    if (up === this.#isUp) return;
    this.#isUp = up;
    this.#upTime.set(now, up ? 1 : 0);
    if (!up) this.outageCount++;
    this.#record({ kind: up ? "ServiceOutageEnded" : "ServiceOutageStarted" });
    // A copy: a listener may unsubscribe (or act on the service) while being told.
    for (const listener of this.#listeners.slice()) listener(up);
  }

  #record(record: { readonly kind: string; readonly [field: string]: unknown }): void {
    if (this.#sim.recording) this.#sim.record({ ...record, source: this.#options.name });
  }
}

function unitCountOf(strategy: HaStrategy): number {
  switch (strategy.kind) {
    case "none":
      return 1;
    case "cold-restart":
    case "fast-restart":
      assert(strategy.restartUs >= 0);
      assert(Number.isSafeInteger(strategy.restartUs));
      assert((strategy.restartCoverage ?? 1) >= 0);
      assert((strategy.restartCoverage ?? 1) <= 1);
      return 1;
    case "active-passive":
      assert(strategy.heartbeatIntervalUs > 0);
      assert(Number.isInteger(strategy.missedBeats));
      assert(strategy.missedBeats >= 1);
      assert(strategy.takeoverUs >= 0);
      assert(Number.isSafeInteger(strategy.missedBeats * strategy.heartbeatIntervalUs + strategy.takeoverUs));
      return 2;
    case "quorum":
      assert(Number.isInteger(strategy.unitCount));
      assert(strategy.unitCount >= 3, "a quorum needs at least 3 units");
      assert(strategy.unitCount % 2 === 1, "an even quorum buys nothing over the odd one below it");
      assert(strategy.electionTimeoutUs >= 0);
      assert(Number.isSafeInteger(strategy.electionTimeoutUs));
      return strategy.unitCount;
  }
}
