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
  readonly fault: AdHocKind;
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
}

/** An incident of the script as the day follows it: what it strikes and what was done. */
interface IncidentWatch {
  readonly incident: Gameday["incidents"][number];
  readonly startUs: number;
  /** When the fault ends by itself: an impact ending then was not mitigated. */
  readonly endUs: number;
  readonly nodes: readonly number[];
  detectedUs: number | null;
  /** First command on it of a kind that may mitigate it (the script's list, or any). */
  actedUs: number | null;
  mitigatedUs: number | null;
}

/** Time between the waves of an injected driver rollout. */
const DRIVER_WAVE_US = 30 * 60e6;

/** A storm's operations: twice the default bound of the metadata server's queue. */
const METADATA_STORM_OPS = 200_000;

/**
 * What monitoring shows of an injected fault (the alert that fires), not that it was
 * injected: a node or rack down, a GPU throttled, a node drained. A bad driver raises no
 * alert of its own; it shows as the jobs it kills.
 */
const SYMPTOMS: Readonly<Partial<Record<AdHocKind, string>>> = {
  "node-crash": "NodeDown",
  "rack-power": "RackPowerLost",
  throttle: "GpuThrottled",
  drain: "NodeDrained",
};

const UNSHOWN_RECORDS: ReadonlySet<string> = new Set(["FaultInjected", "FaultCleared", "JobSubmitted", "JobStarted", "JobCompleted"]);

/**
 * What every game day shares, whatever it plays: the clock driven in slices, commands
 * applied between instants and logged, the event log's records, and the end.
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
  protected result: GamedayResult | null = null;

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
   * Runs events up to `untilUs`; while `watching`, instant by instant, calling `observe`
   * as each instant completes. Instants do not depend on how the clock is sliced, so
   * neither does what is observed (the replay sees the same).
   */
  #run(untilUs: number, maxEvents: number): void {
    const sim = this.sim;
    if (!this.watching()) {
      sim.run(untilUs, maxEvents);
      return;
    }
    let budget = maxEvents;
    while (budget > 0 && sim.pendingCount > 0 && sim.nextEventUs <= untilUs) {
      const before = sim.eventsRun;
      sim.run(sim.nextEventUs, budget);
      budget -= sim.eventsRun - before;
      if (!sim.moreDueNow) this.observe();
    }
    if (budget > 0) sim.run(untilUs, 0);
  }

  /** Whether `observe` is wanted after every instant (an incident is open). */
  protected watching(): boolean {
    return false;
  }

  /** Looks at the state once an instant has run, and after each command. */
  protected observe(): void {}

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

  /**
   * Records to show in the event log: what went wrong and what came back, as an operator's
   * monitoring would show it; not routine job starts and ends, nor the hidden script's
   * injections (an incident shows only through its symptoms).
   */
  visibleRecords(from = 0): SimRecord[] {
    const records: SimRecord[] = [];
    for (let i = from; i < this.sim.records.length; i++) {
      const record = this.sim.records[i];
      const symptom = record.kind === "FaultInjected" ? SYMPTOMS[record.fault as AdHocKind] : undefined;
      if (symptom !== undefined) {
        const nodes = Array.isArray(record.nodes) ? record.nodes.length : 0;
        if (nodes > 0) records.push({ kind: symptom, timeUs: record.timeUs, target: record.target, ...(nodes > 1 ? { nodes } : {}) });
      } else if (!UNSHOWN_RECORDS.has(record.kind)) records.push(record);
    }
    return records;
  }

  /** Control-plane services an operator can act on (a cluster's; none on a service). */
  serviceNames(): readonly string[] {
    return [];
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
}

/** A game day on a cluster scenario: nodes, jobs, the scheduler, the control plane. */
export class GamedaySession extends GamedayBase {
  readonly kind = "cluster";
  readonly scenario: ClusterScenario;
  readonly strategy: Strategy;
  readonly model: ClusterModel;
  readonly endUs: number;
  readonly #quarantined = new Set<number>();
  readonly #spot: ReadonlySet<number>;
  /** Waves of an injected bad driver rollout not yet out: a rollback calls them off. */
  readonly #pendingWaves = new Set<number>();
  /** The script's incidents, followed through the day for the score. */
  readonly #watches: IncidentWatch[];
  #falseAlarms = 0;

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
    this.#watches = (this.scenario.gameday?.incidents ?? []).map((incident) => ({
      incident,
      startUs: secondsToUs(incident.at),
      endUs: secondsToUs(incident.at) + secondsToUs(incident.duration),
      nodes: targetNodes(this.model.cluster, incident.fault, incident.target)!,
      detectedUs: null,
      actedUs: null,
      mitigatedUs: null,
    }));
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
        return this.model.canInject({ kind: "link-down", atUs: 0, durationUs: 0, leaf: 0, spine: 0 }) ? null : "the scenario models no fabric (cluster.fabric)";
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
        return `"${command.kind}" acts on a service scenario's replicas, not on a cluster`;
      default:
        return null;
    }
  }

  /** A node or a rack named by an ack or a rack repair; null when it names neither. */
  #nodesNamed(name: string): readonly number[] | null {
    return targetNodes(this.model.cluster, "drain", name) ?? targetNodes(this.model.cluster, "rack-power", name);
  }

  /** Hands-on repair: a good driver, a normal clock, powered up, back in service. */
  #repair(node: number): void {
    const cluster = this.model.cluster;
    cluster.setDriverCompatible(node, true);
    cluster.restoreClock(node);
    if (!cluster.isUp(node)) cluster.restore(node);
    if (cluster.isDrained(node)) cluster.undrain(node);
    this.#quarantined.delete(node);
  }

  /**
   * Whether a command acts on what an incident struck: its node exactly (a rack's
   * incident: any node of the rack, or the rack), or the driver for a bad driver. Any
   * other command, however busy, detects nothing.
   */
  #touches(command: GamedayCommand, watch: IncidentWatch): boolean {
    if (command.kind === "rollback-driver") return watch.incident.fault === "driver-mismatch";
    const name = "node" in command ? command.node : command.kind === "repair-rack" ? command.rack : command.kind === "ack" ? command.target : undefined;
    const named = name === undefined ? null : this.#nodesNamed(name);
    if (named === null) return false;
    if (watch.incident.fault === "rack-power") return named.some((node) => watch.nodes.includes(node));
    return named.length === 1 && named[0] === watch.nodes[0];
  }

  /** Whether the incident's harm has stopped: what it took is back, or kept out of use. */
  #impactEnded(watch: IncidentWatch): boolean {
    const cluster = this.model.cluster;
    // A node out of service with no job on it harms no job, however hot or badly driven.
    const setAside = (node: number) => cluster.isDrained(node) && cluster.jobOn(node) < 0;
    return watch.nodes.every((node) => {
      switch (watch.incident.fault) {
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

  protected override watching(): boolean {
    return this.#watches.some((watch) => watch.mitigatedUs === null && watch.endUs > this.sim.now);
  }

  /** Detection by the last command; mitigation once the impact has ended after an action on it. */
  protected override observe(): void {
    const now = this.sim.now;
    const last = this.commands.at(-1);
    for (const watch of this.#watches) {
      if (now < watch.startUs || watch.mitigatedUs !== null) continue;
      if (last !== undefined && last.atUs === now && last.atUs >= watch.startUs && this.#touches(last.command, watch)) {
        watch.detectedUs ??= now;
        // The script may name the actions that count (a rack's repair is a repair).
        const kind = last.command.kind === "repair-rack" ? "repair" : last.command.kind;
        const counts = watch.incident.mitigation === undefined ? kind !== "ack" : (watch.incident.mitigation as readonly string[]).includes(kind);
        if (counts) watch.actedUs ??= now;
      }
      if (watch.actedUs !== null && now < watch.endUs && this.#impactEnded(watch)) watch.mitigatedUs = now;
    }
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
        return `${command.kind === "drain" ? "draining" : "quarantined"} ${cluster.nodeName(node)}: no new jobs there`;
      }
      case "undrain": {
        const node = this.#node(command.node);
        if (cluster.isDrained(node)) cluster.undrain(node);
        this.#quarantined.delete(node);
        return `${cluster.nodeName(node)} back in service`;
      }
      case "repair": {
        const node = this.#node(command.node);
        this.#repair(node);
        return `repaired ${cluster.nodeName(node)}`;
      }
      case "repair-rack": {
        const nodes = /^r\d+$/.test(command.rack) ? this.#nodesNamed(command.rack) : null;
        if (nodes === null) throw new CommandError(`"${command.rack}" is not a rack of the cluster`);
        const down = nodes.filter((node) => !cluster.isUp(node));
        // Back up all at once, as they went down: the scheduler sees the whole rack return.
        if (down.length > 0) cluster.restoreNodes(down);
        for (const node of nodes) this.#repair(node);
        return `repaired rack ${command.rack}: ${down.length} node${down.length === 1 ? "" : "s"} powered back up`;
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
        // Nothing wrong to see there: down, out of service, slowed or badly driven is trouble.
        const healthy = (node: number) => cluster.isUp(node) && !cluster.isDrained(node) && cluster.health(node).clockFactor === 1 && cluster.isDriverCompatible(node);
        if (named.every(healthy)) {
          this.#falseAlarms++;
          return `acknowledged: trouble on ${command.target}, but nothing is wrong there (a false alarm)`;
        }
        return `acknowledged: trouble on ${command.target}`;
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
    const run = this.model.finish();
    const gameday = this.scenario.gameday;
    // Incidents the day ended before are not scored: they never happened.
    const incidents = this.#watches.filter((watch) => watch.startUs <= this.sim.now).map((watch) => this.#score(watch, gameday!.objectives));
    this.result = {
      scenario: this.scenario.name,
      strategy: this.strategy.name,
      seed: this.seed,
      endUs: this.sim.now,
      metrics: run.metrics,
      incidents,
      objectives: gameday?.objectives ?? null,
      falseAlarms: this.#falseAlarms,
      score:
        incidents.length === 0
          ? null
          : Math.max(0, Math.round(incidents.reduce((sum, i) => sum + i.points, 0) / incidents.length - FALSE_ALARM_POINTS * this.#falseAlarms)),
      commands: this.commands,
    };
    return this.result;
  }

  #score(watch: IncidentWatch, objectives: Gameday["objectives"]): IncidentScore {
    const { incident, startUs, detectedUs, mitigatedUs } = watch;
    const half = (atUs: number | null, objectiveS: number): number => {
      if (atUs === null) return 0;
      const lateS = (atUs - startUs) / 1e6 - objectiveS;
      // Full marks within the objective, nothing at four times it.
      return 50 * Math.min(1, Math.max(0, 1 - lateS / (3 * objectiveS)));
    };
    return {
      title: incident.title,
      startUs,
      target: incident.target,
      fault: incident.fault,
      detectedUs,
      mitigatedUs,
      points: Math.round(half(detectedUs, objectives.detectWithin) + half(mitigatedUs, objectives.mitigateWithin)),
    };
  }
}
