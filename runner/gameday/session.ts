import { ClusterModel } from "../../models/cluster/model.js";
import { type ModelStatus } from "../../models/cluster/options.js";
import { scheduleInjections, targetNodes, type AdHocKind } from "../../models/failures/ad-hoc.js";
import { SpotPreemptionInjector } from "../../models/failures/spot.js";
import type { RunMetrics } from "../../models/metrics.js";
import { FALSE_ALARM_POINTS } from "../../reports/postmortem.js";
import { backfillOf, type SchedulerPolicyName } from "../../models/scheduler/policies.js";
import { Sim, type SimRecord } from "../../sim/sim.js";
import { secondsToUs } from "../../sim/time.js";
import type { PreparedScenario } from "../../scenarios/prepare.js";
import { modelOptions } from "../../scenarios/model-options.js";
import type { InjectCommand } from "../../scenarios/failures/kind.js";
import { isServiceScenario, type ClusterScenario, type Gameday, type Strategy } from "../../scenarios/schema.js";
import { Alerting, BurnRate, burnSignal, type Alert, type AlertingOptions, type AlertSignal, type Severity } from "./alerts.js";

/**
 * A game day: one strategy of a scenario run live, one replication, with the operator's
 * commands applied as they come (and, on a cluster, the scenario's hidden incidents at
 * their times). A command applies at the current simulated time, only once every event
 * of that instant has run; so replaying the log (run to each command's time, apply it)
 * gives the same run to the byte, however the live clock was advanced between commands.
 *
 * Here: the commands, the views' snapshots, what every session shares, and the cluster's
 * session. service-gameday.ts has the service's; gameday-play.ts opens and replays either.
 */

/** What an operator can do, as data: the session log is a list of these with their times. */
export type GamedayCommand =
  | InjectCommand
  /** An operator's hand on a control-plane service. */
  | { readonly kind: "service"; readonly action: "fail-over" | "repair" | "heal" | "renew-certificate"; readonly service: string }
  | { readonly kind: "drain" | "undrain" | "quarantine" | "repair"; readonly node: string }
  /** Hands-on repair of every node of a rack ("r03"), as one action. */
  | { readonly kind: "repair-rack"; readonly rack: string }
  | { readonly kind: "rollback-driver" }
  | { readonly kind: "checkpoint-now" }
  | { readonly kind: "scheduler"; readonly policy: SchedulerPolicyName }
  /** On a service scenario: a replica hangs, or serves slower, for a while. */
  | { readonly kind: "replica-failure"; readonly replica: number; readonly durationS: number }
  | { readonly kind: "replica-slowdown"; readonly replica: number; readonly factor: number; readonly durationS: number }
  | { readonly kind: "restore-replica"; readonly replica: number }
  /** A replica's process starts leaking memory: it swaps, slows, and is OOM-killed and restarted, again and again. */
  | { readonly kind: "memory-leak"; readonly replica: number }
  | { readonly kind: "scale-out" }
  /** The clients send `factor` × their rate for a while (a traffic spike). */
  | { readonly kind: "load-spike"; readonly factor: number; readonly durationS: number }
  | { readonly kind: "breaker-on" }
  /**
   * "I see it", changing nothing. On a cluster it names what the operator sees trouble on
   * (a node, or a rack): detection of an incident there, and of nothing else.
   */
  | { readonly kind: "ack"; readonly target?: string };

export interface LoggedCommand {
  readonly atUs: number;
  readonly command: GamedayCommand;
}

/** A command that cannot apply (an unknown node): refused, nothing changes, nothing is logged. */
export class CommandError extends Error {
  override readonly name = "CommandError";
}

/** A node's state as the cluster map shows it, in order of precedence; spot nodes apart when all is well. */
export type NodeState = "down" | "quarantined" | "draining" | "throttled" | "mismatch" | "busy" | "spot-busy" | "spot" | "idle";

/** What every view shows: the clock, and two figures sampled for the sparklines. */
interface SnapshotBase {
  readonly nowUs: number;
  readonly endUs: number;
  /** Share of capacity in use (busy nodes of those up; replicas' utilisation), 0–1. */
  readonly load: number;
  /** Work waiting (jobs queued; requests in the replicas' queues). */
  readonly queued: number;
}

export interface ClusterSnapshot extends SnapshotBase {
  readonly kind: "cluster";
  readonly racks: number;
  readonly nodesPerRack: number;
  readonly nodes: readonly NodeState[];
  readonly status: ModelStatus;
  readonly queue: readonly { readonly id: number; readonly nodes: number; readonly waitedUs: number }[];
  readonly running: readonly { readonly id: number; readonly nodes: number; readonly firstNode: string; readonly ranUs: number }[];
  readonly controlPlane: readonly {
    readonly name: string;
    readonly up: boolean;
    readonly splitBrain: boolean;
    readonly partitioned: boolean;
    readonly units: readonly { readonly up: boolean; readonly active: boolean }[];
  }[];
}

export interface ServiceSnapshot extends SnapshotBase {
  readonly kind: "service";
  readonly replicas: readonly {
    readonly failed: boolean;
    readonly admitted: boolean;
    readonly slowdown: number;
    readonly queueLength: number;
  }[];
  readonly requests: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly latencyP99Ms: number | null;
  /** Failed over ended requests against the SLO's allowance; null without an SLO. */
  readonly errorBudgetUsed: number | null;
  readonly breaker: "off" | "closed" | "open";
  readonly ejections: number;
}

export type GamedaySnapshot = ClusterSnapshot | ServiceSnapshot;

/** An incident of the script with what the operator did about it. */
export interface IncidentScore {
  readonly title: string;
  readonly startUs: number;
  readonly target: string;
  readonly fault: string;
  /** When the first alert about it fired (on what it struck, or the SLO burning while it lasted); null: none did. */
  readonly alertedUs: number | null;
  /**
   * First command at or after the start on what it struck: an action on its node (any of
   * its rack's, for a rack), an ack naming it, a driver rollback for a bad driver.
   */
  readonly detectedUs: number | null;
  /**
   * When its impact ended, the operator having acted on it, before the fault would have
   * ended by itself: every node back up, the clock back (or the node out of service and
   * empty), the driver good (or the node out of service and empty), the node back in service.
   */
  readonly mitigatedUs: number | null;
  /** 0–100: half for detecting within the objective, half for mitigating within it, less as time runs over. */
  readonly points: number;
}

/** An alert as the debrief keeps it. */
export interface FiredAlert {
  readonly rule: string;
  readonly severity: Severity;
  readonly target: string;
  readonly detail: string;
  readonly firedUs: number;
  readonly resolvedUs: number | null;
}

export interface GamedayResult {
  readonly scenario: string;
  readonly strategy: string;
  readonly seed: number;
  readonly endUs: number;
  readonly metrics: RunMetrics;
  readonly incidents: readonly IncidentScore[];
  readonly objectives: Gameday["objectives"] | null;
  /** Acks naming a node or rack with nothing wrong on it: each costs FALSE_ALARM_POINTS. */
  readonly falseAlarms: number;
  /** Mean of the incidents' points less the false alarms' cost (at least 0); null without a script. */
  readonly score: number | null;
  readonly commands: readonly LoggedCommand[];
  /** Every alert that fired, in order; and how many were suppressed by maintenance. */
  readonly alerts: readonly FiredAlert[];
  readonly alertsSuppressed: number;
}

/** An incident of the script as the day follows it: what it strikes and what was done. */
export interface IncidentWatch {
  readonly title: string;
  readonly fault: string;
  readonly target: string;
  /** The actions the script lets mitigate it; undefined: the session's default. */
  readonly mitigation: readonly string[] | undefined;
  readonly startUs: number;
  /** When the fault ends by itself: an impact ending then was not mitigated. */
  readonly endUs: number;
  /** What it strikes: nodes on a cluster, the replica on a service. */
  readonly struck: readonly number[];
  detectedUs: number | null;
  /** First command on it of a kind that may mitigate it. */
  actedUs: number | null;
  mitigatedUs: number | null;
  alertedUs: number | null;
}

/** Time between the waves of an injected driver rollout. */
const DRIVER_WAVE_US = 30 * 60e6;

/** A storm's operations: twice the default bound of the metadata server's queue. */
const METADATA_STORM_OPS = 200_000;

/**
 * Records the event log leaves out: routine job starts and ends, and the hidden script's
 * injections (an incident shows only through what it does, and the alerts that fire).
 */
const UNSHOWN_RECORDS: ReadonlySet<string> = new Set(["FaultInjected", "FaultCleared", "JobSubmitted", "JobStarted", "JobCompleted"]);

/**
 * What every game day shares, whatever it plays: the clock driven in slices, commands
 * applied between instants and logged, alerts evaluated on their cadence, the script's
 * incidents followed (detected, acted on, mitigated, alerted on) and scored, the event
 * log's records, and the end.
 */
export abstract class GamedayBase {
  readonly seed: number;
  readonly sim: Sim;
  readonly commands: LoggedCommand[] = [];
  abstract readonly endUs: number;
  /** What is played: the view and its menus follow. */
  abstract readonly kind: "cluster" | "service";
  abstract readonly scenarioName: string;
  abstract readonly strategyName: string;
  /** The monitoring: rules the subclass's `alertSignals` evaluates. */
  abstract readonly alerting: Alerting;
  protected result: GamedayResult | null = null;
  /** The script's incidents, followed through the day for the score. */
  protected watches: IncidentWatch[] = [];
  /** Acks naming, and repairs of, something with nothing wrong on it. */
  protected falseAlarms = 0;

  constructor(seed: number) {
    this.seed = seed;
    this.sim = new Sim({ seed, keepRecords: true });
  }

  get nowUs(): number {
    return this.sim.now;
  }

  get ended(): boolean {
    return this.result !== null || this.sim.now >= this.endUs;
  }

  /**
   * Runs events up to `untilUs` (never past the end), at most `maxEvents` of them, so a
   * live view can slice the work (the clock then stops at the last event run).
   */
  advance(untilUs: number, maxEvents = Infinity): void {
    this.#run(Math.min(untilUs, this.endUs), maxEvents);
  }

  /** Runs what is left of the current instant: commands apply between instants only. */
  settle(): void {
    this.#run(this.sim.now, Infinity);
  }

  /** Advances to the next instant something happens (and runs all of it). */
  stepToNextEvent(): void {
    this.settle();
    this.#run(Math.min(this.sim.nextEventUs, this.endUs), Infinity);
  }

  /**
   * Runs events up to `untilUs`, stopping at each of the alerts' evaluation instants to
   * evaluate once every event of it has run. The instants are fixed, so what fires does
   * not depend on how the clock is sliced.
   */
  #run(untilUs: number, maxEvents: number): void {
    const sim = this.sim;
    let budget = maxEvents;
    for (;;) {
      const evaluateUs = this.alerting.nextEvaluationUs;
      // A day without an end whose events have all run: nothing more to evaluate.
      if (evaluateUs > untilUs || (untilUs === Infinity && sim.pendingCount === 0)) {
        this.#runTo(untilUs, budget);
        return;
      }
      budget = this.#runTo(evaluateUs, budget);
      if (budget <= 0) return;
      this.#evaluateAlerts();
      if (evaluateUs === untilUs) return;
    }
  }

  /**
   * Runs events up to `untilUs`; while `watching`, instant by instant, calling `observe`
   * as each instant completes. Returns the events left of the budget: with some left,
   * every event up to `untilUs` has run and the clock stands there.
   */
  #runTo(untilUs: number, budget: number): number {
    const sim = this.sim;
    const before = sim.eventsRun;
    if (!this.watching()) {
      sim.run(untilUs, budget);
      return budget - (sim.eventsRun - before);
    }
    while (budget > 0 && sim.pendingCount > 0 && sim.nextEventUs <= untilUs) {
      const ran = sim.eventsRun;
      sim.run(sim.nextEventUs, budget);
      budget -= sim.eventsRun - ran;
      if (!sim.moreDueNow) this.observe();
    }
    if (budget > 0) sim.run(untilUs, 0);
    return budget;
  }

  /** Evaluates the rules now: alerts fire and resolve (logged), and incidents they concern are alerted on. */
  #evaluateAlerts(): void {
    const now = this.sim.now;
    const { fired, resolved } = this.alerting.evaluate(now, this.alertSignals(), (target) => this.inMaintenance(target));
    for (const alert of fired) {
      this.sim.record({ kind: "AlertFired", rule: alert.rule, severity: alert.severity, target: alert.target, detail: alert.detail, ...(alert.reopened > 0 ? { again: alert.reopened } : {}) });
      for (const watch of this.watches) {
        if (watch.alertedUs === null && watch.startUs <= now && now < watch.endUs && watch.mitigatedUs === null && this.alertConcerns(alert, watch)) {
          watch.alertedUs = now;
        }
      }
    }
    for (const alert of resolved) this.sim.record({ kind: "AlertResolved", rule: alert.rule, target: alert.target });
  }

  /**
   * An ack or a repair of something with nothing wrong: it costs points, or naming or
   * repairing everything every few minutes would detect every incident.
   */
  protected falseAlarm(): string {
    this.falseAlarms++;
    return ", but nothing was wrong there (a false alarm)";
  }

  /** Whether `observe` is wanted after every instant (an incident is open). */
  protected watching(): boolean {
    return this.watches.some((watch) => watch.mitigatedUs === null && watch.endUs > this.sim.now);
  }

  /** Detection by the last command; mitigation once the impact has ended after an action on it. */
  protected observe(): void {
    const now = this.sim.now;
    const last = this.commands.at(-1);
    for (const watch of this.watches) {
      if (now < watch.startUs || watch.mitigatedUs !== null) continue;
      if (last !== undefined && last.atUs === now && last.atUs >= watch.startUs && this.touches(last.command, watch)) {
        watch.detectedUs ??= now;
        if (this.mitigates(last.command, watch)) watch.actedUs ??= now;
      }
      if (watch.actedUs !== null && now < watch.endUs && this.impactEnded(watch)) watch.mitigatedUs = now;
    }
  }

  /** Applies a command now (after the rest of this instant) and logs it; returns what it did. */
  apply(command: GamedayCommand): string {
    if (this.result !== null) throw new CommandError("the game day is over");
    const unavailable = this.unavailable(command);
    if (unavailable !== null) throw new CommandError(unavailable);
    this.settle();
    const said = this.execute(command);
    this.commands.push({ atUs: this.sim.now, command });
    this.observe();
    return said;
  }

  /** Records to show in the event log: what went wrong and what came back, and the alerts. */
  visibleRecords(from = 0): SimRecord[] {
    const records: SimRecord[] = [];
    for (let i = from; i < this.sim.records.length; i++) {
      const record = this.sim.records[i];
      if (!UNSHOWN_RECORDS.has(record.kind)) records.push(record);
    }
    return records;
  }

  /** Control-plane services an operator can act on (a cluster's; none on a service). */
  serviceNames(): readonly string[] {
    return [];
  }

  /** The day's result where the clock stands: metrics, the incidents scored, alerts. */
  protected scored(metrics: RunMetrics, objectives: Gameday["objectives"] | null): GamedayResult {
    // Incidents the day ended before are not scored: they never happened.
    const incidents = objectives === null ? [] : this.watches.filter((watch) => watch.startUs <= this.sim.now).map((watch) => scoreIncident(watch, objectives));
    return {
      scenario: this.scenarioName,
      strategy: this.strategyName,
      seed: this.seed,
      endUs: this.sim.now,
      metrics,
      incidents,
      objectives,
      falseAlarms: this.falseAlarms,
      score:
        incidents.length === 0
          ? null
          : Math.max(0, Math.round(incidents.reduce((sum, i) => sum + i.points, 0) / incidents.length - FALSE_ALARM_POINTS * this.falseAlarms)),
      commands: this.commands,
      alerts: this.alerting.history.map(({ rule, severity, target, detail, firedUs, resolvedUs }) => ({ rule, severity, target, detail, firedUs, resolvedUs })),
      alertsSuppressed: this.alerting.suppressed,
    };
  }

  /**
   * Why this kind of command cannot apply to the scenario at all, whatever its target and
   * moment (no fabric to cut, no spot nodes to reclaim), or null. The menus offer only the
   * commands this allows, and apply refuses the rest with the same words.
   */
  abstract unavailable(command: GamedayCommand): string | null;
  /** A record's node field as the log shows it. */
  abstract nodeName(node: number): string;
  abstract snapshot(): GamedaySnapshot;
  /** Ends the game day where the clock stands (after this instant) and scores it. */
  abstract finish(): GamedayResult;
  protected abstract execute(command: GamedayCommand): string;
  /** Whether a command acts on what an incident struck (detection); any other, however busy, detects nothing. */
  protected abstract touches(command: GamedayCommand, watch: IncidentWatch): boolean;
  /** Whether a command touching an incident is of a kind that may mitigate it. */
  protected abstract mitigates(command: GamedayCommand, watch: IncidentWatch): boolean;
  /** Whether the incident's harm has stopped. */
  protected abstract impactEnded(watch: IncidentWatch): boolean;
  /** The rules' conditions holding now. */
  protected abstract alertSignals(): AlertSignal[];
  /** Whether a target is in maintenance now (its alerts suppressed). */
  protected abstract inMaintenance(target: string): boolean;
  /** Whether an alert is about what an incident struck. */
  protected abstract alertConcerns(alert: Alert, watch: IncidentWatch): boolean;
}

/** Alerting as a game day's script sets it, with the defaults of a cluster's or a service's day. */
export function alertingOptions(settings: Gameday["alerting"] | undefined, kind: "cluster" | "service"): AlertingOptions {
  const defaults = kind === "cluster" ? { evaluateEvery: 60, longWindow: 3_600, shortWindow: 300 } : { evaluateEvery: 1, longWindow: 60, shortWindow: 10 };
  return {
    evaluateEveryUs: secondsToUs(settings?.evaluateEvery ?? defaults.evaluateEvery),
    burnRate: settings?.burnRate ?? 2,
    longWindowUs: secondsToUs(settings?.longWindow ?? defaults.longWindow),
    shortWindowUs: secondsToUs(settings?.shortWindow ?? defaults.shortWindow),
  };
}

/** Whether a scripted maintenance window holds at `nowUs` on a target it `covers`. */
export function inWindow(windows: Gameday["maintenance"], nowUs: number, covers: (windowTarget: string) => boolean): boolean {
  return windows.some((window) => secondsToUs(window.at) <= nowUs && nowUs < secondsToUs(window.at + window.duration) && covers(window.target));
}

/** Half the points for detecting within the objective, half for mitigating within it; nothing at four times it. */
function scoreIncident(watch: IncidentWatch, objectives: Gameday["objectives"]): IncidentScore {
  const { startUs, detectedUs, mitigatedUs } = watch;
  const half = (atUs: number | null, objectiveS: number): number => {
    if (atUs === null) return 0;
    const lateS = (atUs - startUs) / 1e6 - objectiveS;
    return 50 * Math.min(1, Math.max(0, 1 - lateS / (3 * objectiveS)));
  };
  return {
    title: watch.title,
    startUs,
    target: watch.target,
    fault: watch.fault,
    alertedUs: watch.alertedUs,
    detectedUs,
    mitigatedUs,
    points: Math.round(half(detectedUs, objectives.detectWithin) + half(mitigatedUs, objectives.mitigateWithin)),
  };
}

/** A game day on a cluster scenario: nodes, jobs, the scheduler, the control plane. */
export class GamedaySession extends GamedayBase {
  readonly kind = "cluster";
  readonly scenario: ClusterScenario;
  readonly strategy: Strategy;
  readonly model: ClusterModel;
  readonly endUs: number;
  readonly #quarantined = new Set<number>();
  /** Nodes the operator drained or quarantined: in maintenance, their alerts suppressed. */
  readonly #takenOut = new Set<number>();
  readonly #spot: ReadonlySet<number>;
  /** Waves of an injected bad driver rollout not yet out: a rollback calls them off. */
  readonly #pendingWaves = new Set<number>();
  readonly alerting: Alerting;
  /** Job failures against the SLO's success rate, when the scenario has one. */
  readonly #burn: BurnRate | null;
  /** Times jobs were killed on each node, within the alerts' long window. */
  readonly #kills = new Map<number, number[]>();
  #recordsScanned = 0;

  constructor(prepared: PreparedScenario, seed: number, strategyName?: string) {
    super(seed);
    if (isServiceScenario(prepared.scenario)) throw new CommandError("a cluster game day runs a cluster scenario");
    this.scenario = prepared.scenario;
    const name = strategyName ?? this.scenario.gameday?.strategy;
    const strategy = name === undefined ? this.scenario.strategies[0] : this.scenario.strategies.find((s) => s.name === name);
    if (strategy === undefined) throw new CommandError(`no strategy "${name}"`);
    this.strategy = strategy;
    this.model = new ClusterModel(this.sim, modelOptions(prepared, strategy, 0));
    this.#spot = new Set(this.model.spotNodes);
    const horizonUs = this.model.endUs;
    const lengthUs = this.scenario.gameday?.length === undefined ? Infinity : secondsToUs(this.scenario.gameday.length);
    this.endUs = Math.min(horizonUs, lengthUs);
    // The script's incidents come with the model's options (as in a run), hidden: they
    // show only through what they do to the cluster.
    this.model.begin();
    this.watches = (this.scenario.gameday?.incidents ?? []).map((incident) => ({
      title: incident.title,
      fault: incident.fault,
      target: incident.target,
      mitigation: incident.mitigation,
      startUs: secondsToUs(incident.at),
      endUs: secondsToUs(incident.at) + secondsToUs(incident.duration),
      struck: targetNodes(this.model.cluster, incident.fault, incident.target)!,
      detectedUs: null,
      actedUs: null,
      mitigatedUs: null,
      alertedUs: null,
    }));
    this.alerting = new Alerting(alertingOptions(this.scenario.gameday?.alerting, "cluster"));
    const successRate = this.scenario.slo?.jobSuccessRate;
    this.#burn = successRate === undefined ? null : new BurnRate(1 - successRate, this.alerting.options.longWindowUs);
  }

  get scenarioName(): string {
    return this.scenario.name;
  }

  get strategyName(): string {
    return this.strategy.name;
  }

  nodeName(node: number): string {
    return this.model.cluster.nodeName(node);
  }

  override serviceNames(): readonly string[] {
    return this.model.controlPlane().map((service) => service.name);
  }

  #service(name: string) {
    const service = this.model.controlPlane().find((candidate) => candidate.name === name);
    if (service === undefined) {
      const names = this.serviceNames();
      throw new CommandError(names.length === 0 ? "the scenario has no control-plane services" : `no service "${name}" (there are: ${names.join(", ")})`);
    }
    return service;
  }

  #node(name: string): number {
    const nodes = targetNodes(this.model.cluster, "drain", name);
    if (nodes === null) throw new CommandError(`"${name}" is not a node of the cluster`);
    return nodes[0];
  }

  unavailable(command: GamedayCommand): string | null {
    switch (command.kind) {
      case "link-down":
        return this.model.canInject({ kind: "link-down", atUs: 0, durationUs: 0, leaf: 0, spine: 0 }) ? null : "the scenario models no fabric with leaf–spine cables (cluster.fabric: fat-tree)";
      case "metadata-storm":
        return this.model.canInject({ kind: "metadata-storm", atUs: 0, ops: 1 }) ? null : "the scenario models no filesystem (cluster.storage)";
      case "spot-wave":
        return this.model.part(SpotPreemptionInjector) !== undefined ? null : `strategy "${this.strategy.name}" has no spot nodes`;
      case "service-fault":
      case "service":
        return this.serviceNames().length > 0 ? null : "the scenario has no control-plane services";
      case "checkpoint-now":
        return this.model.writesCheckpoints ? null : `strategy "${this.strategy.name}" writes no checkpoints`;
      case "scheduler":
        return this.model.switchableBackfill ? null : "the scenario's scheduler is a custom policy";
      case "replica-failure":
      case "replica-slowdown":
      case "restore-replica":
      case "memory-leak":
      case "scale-out":
      case "breaker-on":
      case "load-spike":
        return `"${command.kind}" acts on a service scenario's replicas, not on a cluster`;
      default:
        return null;
    }
  }

  /** A node or a rack named by an ack or a rack repair; null when it names neither. */
  #nodesNamed(name: string): readonly number[] | null {
    return targetNodes(this.model.cluster, "drain", name) ?? targetNodes(this.model.cluster, "rack-power", name);
  }

  /** Nothing wrong to see there: down, out of service, slowed or badly driven is trouble. */
  #healthy(node: number): boolean {
    const cluster = this.model.cluster;
    return cluster.isUp(node) && !cluster.isDrained(node) && cluster.health(node).clockFactor === 1 && cluster.isDriverCompatible(node);
  }

  /** Hands-on repair: a good driver, a normal clock, powered up, back in service. */
  #repair(node: number): void {
    const cluster = this.model.cluster;
    cluster.setDriverCompatible(node, true);
    cluster.restoreClock(node);
    if (!cluster.isUp(node)) cluster.restore(node);
    if (cluster.isDrained(node)) cluster.undrain(node);
    this.#quarantined.delete(node);
    this.#takenOut.delete(node);
  }

  /**
   * Whether a command acts on what an incident struck: its node exactly (a rack's
   * incident: any node of the rack, or the rack), or the driver for a bad driver.
   */
  protected touches(command: GamedayCommand, watch: IncidentWatch): boolean {
    if (command.kind === "rollback-driver") return watch.fault === "driver-mismatch";
    const name = "node" in command ? command.node : command.kind === "repair-rack" ? command.rack : command.kind === "ack" ? command.target : undefined;
    const named = name === undefined ? null : this.#nodesNamed(name);
    if (named === null) return false;
    if (watch.fault === "rack-power") return named.some((node) => watch.struck.includes(node));
    return named.length === 1 && named[0] === watch.struck[0];
  }

  /** The script may name the actions that count (a rack's repair is a repair); by default any but an ack. */
  protected mitigates(command: GamedayCommand, watch: IncidentWatch): boolean {
    const kind = command.kind === "repair-rack" ? "repair" : command.kind;
    return watch.mitigation === undefined ? kind !== "ack" : watch.mitigation.includes(kind);
  }

  /**
   * Whether the incident's harm has stopped, before the fault would have ended by itself:
   * every node back up, the clock back (or the node out of service and empty), the driver
   * good (or the node out of service and empty), the node back in service.
   */
  protected impactEnded(watch: IncidentWatch): boolean {
    const cluster = this.model.cluster;
    // A node out of service with no job on it harms no job, however hot or badly driven.
    const setAside = (node: number) => cluster.isDrained(node) && cluster.jobOn(node) < 0;
    return watch.struck.every((node) => {
      switch (watch.fault as AdHocKind) {
        case "node-crash":
        case "rack-power":
          return cluster.isUp(node);
        case "throttle":
          return cluster.health(node).clockFactor === 1 || setAside(node);
        case "driver-mismatch":
          return cluster.isDriverCompatible(node) || setAside(node);
        case "drain":
          return !cluster.isDrained(node);
      }
    });
  }

  /**
   * The cluster's rules: a rack mostly down pages (one alert for the rack, not one per
   * node), a node down files a ticket, as do a GPU throttled and a node killing jobs
   * (two in the long window: a bad driver shows so); a control-plane service down or
   * split pages; job failures burning the SLO's budget page.
   */
  protected alertSignals(): AlertSignal[] {
    const cluster = this.model.cluster;
    const { racks, nodesPerRack } = cluster.options;
    const signals: AlertSignal[] = [];
    for (let rack = 0; rack < racks; rack++) {
      const down: number[] = [];
      for (let node = rack * nodesPerRack; node < (rack + 1) * nodesPerRack; node++) if (!cluster.isUp(node)) down.push(node);
      if (down.length >= Math.max(2, Math.ceil(nodesPerRack / 2))) {
        signals.push({ rule: "RackDown", severity: "page", target: rackName(rack), detail: `${down.length} of ${nodesPerRack} nodes down` });
      } else {
        for (const node of down) signals.push({ rule: "NodeDown", severity: "ticket", target: cluster.nodeName(node), detail: "not answering" });
      }
    }
    for (let node = 0; node < cluster.nodeCount; node++) {
      if (!cluster.isUp(node)) continue;
      const clock = cluster.health(node).clockFactor;
      if (clock < 1) signals.push({ rule: "GpuThrottled", severity: "ticket", target: cluster.nodeName(node), detail: `GPU clock at ${Math.round(clock * 100)}%` });
      // Drained by someone other than the operator (the operator's own drains are maintenance).
      if (cluster.isDrained(node) && !this.#takenOut.has(node)) signals.push({ rule: "NodeDrained", severity: "ticket", target: cluster.nodeName(node), detail: "taken out of service, not by you" });
    }
    const now = this.sim.now;
    const since = now - this.alerting.options.longWindowUs;
    const records = this.sim.records;
    for (; this.#recordsScanned < records.length; this.#recordsScanned++) {
      const record = records[this.#recordsScanned];
      if (record.kind === "JobKilled" && typeof record.node === "number") {
        const times = this.#kills.get(record.node) ?? [];
        times.push(record.timeUs as number);
        this.#kills.set(record.node, times);
      }
    }
    for (const [node, times] of [...this.#kills].sort((a, b) => a[0] - b[0])) {
      while (times.length > 0 && times[0] <= since) times.shift();
      if (times.length === 0) this.#kills.delete(node);
      else if (times.length >= 2) {
        signals.push({ rule: "JobsFailingOnNode", severity: "ticket", target: cluster.nodeName(node), detail: `${times.length} jobs killed there within the hour` });
      }
    }
    for (const service of this.model.controlPlane()) {
      if (service.isSplitBrain) signals.push({ rule: "SplitBrain", severity: "page", target: service.name, detail: "two units act as leader" });
      else if (!service.isUp) signals.push({ rule: "ServiceDown", severity: "page", target: service.name, detail: "no unit serving" });
    }
    if (this.#burn !== null) {
      const status = this.model.status();
      this.#burn.sample(now, status.failed, status.completed + status.failed);
      const burn = burnSignal(this.#burn, this.alerting.options, "cluster", "job failures are");
      if (burn !== null) signals.push(burn);
    }
    return signals;
  }

  /**
   * Out of service by the operator (drained or quarantined: a node being worked on), or
   * in a scripted maintenance window (on the node, or its rack).
   */
  protected inMaintenance(target: string): boolean {
    const nodes = this.#nodesNamed(target);
    if (nodes !== null && nodes.every((node) => this.#takenOut.has(node))) return true;
    return inWindow(this.scenario.gameday?.maintenance ?? [], this.sim.now, (window) => {
      if (window === target) return true;
      const covered = this.#nodesNamed(window);
      return nodes !== null && covered !== null && nodes.every((node) => covered.includes(node));
    });
  }

  /** An alert on a node or rack it struck, or the SLO burning while it lasts. */
  protected alertConcerns(alert: Alert, watch: IncidentWatch): boolean {
    if (alert.target === "cluster") return true;
    const nodes = this.#nodesNamed(alert.target);
    return nodes !== null && nodes.some((node) => watch.struck.includes(node));
  }

  protected execute(command: GamedayCommand): string {
    const cluster = this.model.cluster;
    switch (command.kind) {
      case "inject": {
        if (targetNodes(cluster, command.fault, command.target) === null) {
          throw new CommandError(`"${command.target}" is not a ${command.fault === "rack-power" ? "rack" : "node"} of the cluster`);
        }
        const injection = { kind: command.fault, atUs: this.sim.now, target: command.target, durationUs: secondsToUs(command.durationS) };
        scheduleInjections(this.sim, cluster, [injection]);
        return `injected ${command.fault} on ${command.target}`;
      }
      case "link-down": {
        const rack = /^r(\d+)$/.exec(command.target);
        if (rack === null || Number(rack[1]) >= cluster.options.racks) throw new CommandError(`"${command.target}" is not a rack of the cluster`);
        const durationUs = secondsToUs(command.durationS);
        this.model.injectFault({ kind: "link-down", atUs: this.sim.now, durationUs, leaf: Number(rack[1]), spine: 0 });
        return `link down: ${command.target}'s leaf to spine 0`;
      }
      case "metadata-storm": {
        this.model.injectFault({ kind: "metadata-storm", atUs: this.sim.now, ops: METADATA_STORM_OPS });
        return `metadata storm: ${METADATA_STORM_OPS.toLocaleString("en")} operations at the metadata server`;
      }
      case "spot-wave": {
        const noticed = this.model.part(SpotPreemptionInjector)!.wave();
        return `spot wave: ${noticed} node${noticed === 1 ? "" : "s"} on reclaim notice`;
      }
      case "service-fault": {
        const service = this.#service(command.service);
        const durationUs = secondsToUs(command.durationS);
        if (command.fault === "unit-crash") {
          const unit = service.activeUnits()[0] ?? 0;
          if (!service.crashUnit(unit)) throw new CommandError(`${service.name}'s unit ${unit} is already down`);
          return `${service.name}: unit ${unit} crashed`;
        }
        const kind = command.fault === "partition" ? "network-partition" : "certificate-expiry";
        this.model.injectFault({ kind, atUs: this.sim.now, durationUs, service: service.name });
        return `${service.name}: ${command.fault === "partition" ? "units cut apart" : "certificate expired"}`;
      }
      case "service": {
        const service = this.#service(command.service);
        switch (command.action) {
          case "fail-over":
            if (!service.failOver()) throw new CommandError(`${service.name} has no unit to fail over to`);
            return `${service.name}: failed over to unit ${service.activeUnits().join(", ")}`;
          case "repair": {
            let repaired = 0;
            for (let unit = 0; unit < service.unitCount; unit++) if (service.repairUnit(unit)) repaired++;
            return `${service.name}: ${repaired} unit${repaired === 1 ? "" : "s"} repaired by hand`;
          }
          case "heal":
            service.heal();
            return `${service.name}: link between units restored`;
          case "renew-certificate":
            service.renewCertificate();
            return `${service.name}: certificate renewed`;
        }
      }
      case "drain":
      case "quarantine": {
        const node = this.#node(command.node);
        if (!cluster.isDrained(node)) cluster.drain(node);
        if (command.kind === "quarantine") this.#quarantined.add(node);
        this.#takenOut.add(node);
        return `${command.kind === "drain" ? "draining" : "quarantined"} ${cluster.nodeName(node)}: no new jobs there`;
      }
      case "undrain": {
        const node = this.#node(command.node);
        if (cluster.isDrained(node)) cluster.undrain(node);
        this.#quarantined.delete(node);
        this.#takenOut.delete(node);
        return `${cluster.nodeName(node)} back in service`;
      }
      case "repair": {
        const node = this.#node(command.node);
        const healthy = this.#healthy(node);
        this.#repair(node);
        return `repaired ${cluster.nodeName(node)}${healthy ? this.falseAlarm() : ""}`;
      }
      case "repair-rack": {
        const nodes = /^r\d+$/.test(command.rack) ? this.#nodesNamed(command.rack) : null;
        if (nodes === null) throw new CommandError(`"${command.rack}" is not a rack of the cluster`);
        const down = nodes.filter((node) => !cluster.isUp(node));
        const healthy = nodes.every((node) => this.#healthy(node));
        // Back up all at once, as they went down: the scheduler sees the whole rack return.
        if (down.length > 0) cluster.restoreNodes(down);
        for (const node of nodes) this.#repair(node);
        return `repaired rack ${command.rack}: ${down.length} node${down.length === 1 ? "" : "s"} powered back up${healthy ? this.falseAlarm() : ""}`;
      }
      case "driver-rollout": {
        const waves = 4;
        const perWave = Math.ceil(cluster.nodeCount / waves);
        for (let wave = 0; wave < waves; wave++) {
          const first = wave * perWave;
          const last = Math.min(cluster.nodeCount, first + perWave);
          const handle = this.sim.schedule(wave * DRIVER_WAVE_US, () => {
            for (let node = first; node < last; node++) cluster.setDriverCompatible(node, false);
            this.sim.record({ kind: "DriverRolledOut", nodes: last - first, target: `${cluster.nodeName(first)}…${cluster.nodeName(last - 1)}` });
            this.#pendingWaves.delete(handle);
          });
          this.#pendingWaves.add(handle);
        }
        return `bad driver rolling out: ${waves} waves of ${perWave} nodes, 30 min apart`;
      }
      case "rollback-driver": {
        for (const handle of this.#pendingWaves) this.sim.cancel(handle);
        this.#pendingWaves.clear();
        let rolledBack = 0;
        for (let node = 0; node < cluster.nodeCount; node++) {
          if (!cluster.isDriverCompatible(node)) {
            cluster.setDriverCompatible(node, true);
            rolledBack++;
          }
        }
        return `driver rolled back on ${rolledBack} node${rolledBack === 1 ? "" : "s"}`;
      }
      case "checkpoint-now": {
        const begun = this.model.checkpointAllNow()!;
        return `checkpoint started by ${begun} running job${begun === 1 ? "" : "s"}`;
      }
      case "scheduler": {
        this.model.setBackfill(backfillOf(command.policy));
        return `scheduler now ${command.policy}`;
      }
      case "ack": {
        if (command.target === undefined) return "acknowledged";
        const named = this.#nodesNamed(command.target);
        if (named === null) throw new CommandError(`"${command.target}" is not a node or a rack of the cluster`);
        return `acknowledged: trouble on ${command.target}${named.every((node) => this.#healthy(node)) ? this.falseAlarm() : ""}`;
      }
      default:
        throw new CommandError(this.unavailable(command) ?? `"${command.kind}" is not a cluster's command`);
    }
  }

  /** The cluster, queue and counts now, for the view. */
  snapshot(): ClusterSnapshot {
    const cluster = this.model.cluster;
    const nodes: NodeState[] = [];
    for (let node = 0; node < cluster.nodeCount; node++) {
      const health = cluster.health(node);
      nodes.push(
        !cluster.isUp(node)
          ? "down"
          : this.#quarantined.has(node)
            ? "quarantined"
            : cluster.isDrained(node)
              ? "draining"
              : health.clockFactor < 1
                ? "throttled"
                : !cluster.isDriverCompatible(node)
                  ? "mismatch"
                  : cluster.jobOn(node) >= 0
                    ? this.#spot.has(node)
                      ? "spot-busy"
                      : "busy"
                    : this.#spot.has(node)
                      ? "spot"
                      : "idle",
      );
    }
    const now = this.sim.now;
    const status = this.model.status();
    const up = nodes.filter((state) => state !== "down").length;
    const busy = nodes.filter((state) => state === "busy" || state === "spot-busy").length;
    return {
      kind: "cluster",
      nowUs: now,
      endUs: this.endUs,
      load: up === 0 ? 0 : busy / up,
      queued: status.queued,
      racks: cluster.options.racks,
      nodesPerRack: cluster.options.nodesPerRack,
      nodes,
      status,
      queue: this.model.scheduler
        .waitingJobs()
        .slice(0, 50)
        .map((job) => ({ id: job.id, nodes: job.nodeCount, waitedUs: now - job.submitUs })),
      running: this.model
        .runningJobs()
        .slice(0, 50)
        .map((job) => ({
          id: job.id,
          nodes: job.nodeCount,
          firstNode: cluster.nodeName(cluster.nodeOfPart(job.firstPart)),
          ranUs: now - job.attemptStartUs,
        })),
      controlPlane: this.model.controlPlane().map((service) => {
        const active = service.activeUnits();
        return {
          name: service.name,
          up: service.isUp,
          splitBrain: service.isSplitBrain,
          partitioned: service.isPartitioned,
          units: Array.from({ length: service.unitCount }, (_, unit) => ({ up: service.isUnitUp(unit), active: active.includes(unit) })),
        };
      }),
    };
  }

  finish(): GamedayResult {
    if (this.result !== null) return this.result;
    this.settle();
    this.result = this.scored(this.model.finish().metrics, this.scenario.gameday?.objectives ?? null);
    return this.result;
  }
}

/** "r03", as node names spell racks. */
function rackName(rack: number): string {
  return `r${String(rack).padStart(2, "0")}`;
}
