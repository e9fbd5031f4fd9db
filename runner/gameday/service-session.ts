import { ServiceModel } from "../../models/service-model.js";
import { LeakingProcess, timeToOomUs, type MemoryLeakOptions } from "../../models/services/memory-leak.js";
import { secondsToUs } from "../../sim/time.js";
import { alertingOptions, CommandError, GamedayBase, inWindow, type GamedayCommand, type GamedayResult, type IncidentWatch, type ServiceSnapshot } from "./session.js";
import { Alerting, BurnRate, burnSignal, type Alert, type AlertSignal } from "./alerts.js";
import { serviceModelOptions } from "../../scenarios/model-options.js";
import type { ServiceScenario } from "../../scenarios/schema.js";

/**
 * An injected leak: 512 MiB at start, 2 GiB limit, swapping from 75%, 10× slower at the
 * limit, restarted 10 s after an OOM kill; it fills in about 2.5 minutes (the bundled
 * memory-leak-service's numbers). Slowdown follows memory in 100 ms steps.
 */
const INJECTED_LEAK: MemoryLeakOptions = {
  baseMiB: 512,
  limitMiB: 2_048,
  leakMiBPerHour: 36_864,
  swapAtFraction: 0.75,
  slowdownAtLimit: 10,
  restartUs: 10e6,
};
const LEAK_STEP_US = 100_000;

/** Traffic at this many times its usual rate or more is a surge monitoring tells of. */
const SURGE_FACTOR = 1.5;

/** Settings of a breaker an operator turns on: the schema's defaults for `mitigations.breaker`. */
const OPERATOR_BREAKER = { errorRateThreshold: 0.5, breakerWindowUs: 1e6, breakerMinRequests: 20, openUs: 2e6 };

/**
 * A game day on a service scenario: replicas behind a load balancer and their clients.
 * The operator hangs or slows replicas, brings them back, scales out, and turns on the
 * clients' circuit breaker; the view shows each replica's queue and health, goodput,
 * latency and the error budget. The script's incidents (a replica hanging or slowed, a
 * traffic surge) are scored as a cluster's are: detected by an action on their replica
 * (or an ack naming it, or the service for a surge), mitigated when the replica serves at
 * full speed again, or, for a surge and where the script lets scaling out or the breaker
 * count, when the error budget no longer burns faster than allowed.
 */
export class ServiceGamedaySession extends GamedayBase {
  readonly kind = "service";
  readonly scenario: ServiceScenario;
  readonly strategy: ServiceScenario["strategies"][number];
  readonly model: ServiceModel;
  readonly endUs: number;
  /** Replicas an operator made leak, with their process. */
  readonly #leaks = new Map<number, LeakingProcess>();
  readonly alerting: Alerting;
  /** Failed requests against the SLO's availability, when the scenario has one. */
  readonly #burn: BurnRate | null;

  constructor(scenario: ServiceScenario, seed: number, strategyName?: string) {
    super(seed);
    this.scenario = scenario;
    const name = strategyName ?? scenario.gameday?.strategy;
    const strategy = name === undefined ? scenario.strategies[0] : scenario.strategies.find((s) => s.name === name);
    if (strategy === undefined) throw new CommandError(`no strategy "${name}"`);
    this.strategy = strategy;
    this.model = new ServiceModel(this.sim, serviceModelOptions(scenario, strategy));
    const gameday = scenario.gameday;
    this.endUs = Math.min(this.model.endUs, gameday?.length === undefined ? Infinity : secondsToUs(gameday.length));
    // The script's incidents come with the model's faults (as in a run), hidden.
    this.model.begin();
    this.watches = (gameday?.incidents ?? []).map((incident) => ({
      title: incident.title,
      fault: incident.fault,
      target: incident.replica === undefined ? scenario.service.name : replicaName(incident.replica),
      mitigation: incident.mitigation ?? (incident.fault === "load-spike" ? ["scale-out"] : ["restore-replica"]),
      startUs: secondsToUs(incident.at),
      endUs: secondsToUs(incident.at) + secondsToUs(incident.duration),
      // A load spike strikes the whole service: no replica.
      struck: incident.replica === undefined ? [] : [incident.replica],
      detectedUs: null,
      actedUs: null,
      mitigatedUs: null,
      alertedUs: null,
    }));
    this.alerting = new Alerting(alertingOptions(gameday?.alerting, "service"));
    const availability = scenario.slo?.availability;
    this.#burn = availability === undefined ? null : new BurnRate(1 - availability, this.alerting.options.longWindowUs);
  }

  get scenarioName(): string {
    return this.scenario.name;
  }

  get strategyName(): string {
    return this.strategy.name;
  }

  nodeName(node: number): string {
    return `node ${node}`;
  }

  #replica(k: number): number {
    if (!Number.isInteger(k) || k < 0 || k >= this.model.pool.replicaCount) {
      throw new CommandError(`there is no replica ${k} (replicas 0 … ${this.model.pool.replicaCount - 1})`);
    }
    return k;
  }

  /** Serving, at full speed, not leaking. */
  #healthy(k: number): boolean {
    const sample = this.model.pool.snapshotNow();
    return !sample.failed[k] && sample.slowdowns[k] === 1 && !this.#leaks.has(k);
  }

  unavailable(command: GamedayCommand): string | null {
    switch (command.kind) {
      case "replica-failure":
      case "replica-slowdown":
      case "restore-replica":
      case "breaker-on":
      case "ack":
        return null;
      case "load-spike":
        // The leak set is the client there, and keeps its own clock of arrivals.
        return this.model.leaks ? "a load spike on a leaking service is not modelled in a game day" : null;
      case "memory-leak":
        return this.model.leaks ? "every replica leaks already (the scenario's leak model)" : null;
      case "scale-out":
        // The leak model keeps a process per replica it was built with.
        return this.model.leaks ? "scaling out a leaking service is not modelled" : null;
      default:
        return `"${command.kind}" acts on a cluster, not on a service scenario`;
    }
  }

  protected execute(command: GamedayCommand): string {
    const pool = this.model.pool;
    switch (command.kind) {
      case "replica-failure": {
        const k = this.#replica(command.replica);
        pool.failReplica(k);
        this.sim.schedule(secondsToUs(command.durationS), () => pool.restoreReplica(k));
        return `replica ${k} hangs for ${command.durationS} s`;
      }
      case "replica-slowdown": {
        const k = this.#replica(command.replica);
        pool.setServiceSlowdown(k, command.factor);
        this.sim.schedule(secondsToUs(command.durationS), () => pool.setServiceSlowdown(k, 1));
        return `replica ${k} serves ${command.factor}× slower for ${command.durationS} s`;
      }
      case "restore-replica": {
        const k = this.#replica(command.replica);
        // A leaking process restarts with fresh memory (its supervisor restores the replica).
        const leak = this.#leaks.get(k);
        if (leak !== undefined) {
          leak.restart();
          return `replica ${k} restarted: memory back to ${INJECTED_LEAK.baseMiB} MiB (it still leaks)`;
        }
        // A restart of a replica that was fine still drops what it was serving.
        const healthy = this.#healthy(k);
        if (healthy) pool.failReplica(k);
        pool.restoreReplica(k);
        pool.setServiceSlowdown(k, 1);
        return healthy ? `replica ${k} restarted, dropping its requests in flight${this.falseAlarm()}` : `replica ${k} restarted`;
      }
      case "memory-leak": {
        const k = this.#replica(command.replica);
        if (this.#leaks.has(k)) throw new CommandError(`replica ${k} leaks already`);
        const process: LeakingProcess = new LeakingProcess(this.sim, `${this.scenario.service.name}.replica${k}`, INJECTED_LEAK, {
          onExited: () => pool.failReplica(k),
          onStarted: () => {
            pool.setServiceSlowdown(k, process.slowdownFactor());
            pool.restoreReplica(k);
          },
        });
        this.#leaks.set(k, process);
        process.start();
        const step = (): void => {
          if (process.running) pool.setServiceSlowdown(k, process.slowdownFactor());
          this.sim.schedule(LEAK_STEP_US, step);
        };
        this.sim.schedule(LEAK_STEP_US, step);
        return `replica ${k} leaks memory: OOM in ${Math.round(timeToOomUs(INJECTED_LEAK) / 1e6)} s unless restarted`;
      }
      case "scale-out": {
        return `scaled out: replica ${pool.addReplica()} serving`;
      }
      case "load-spike":
        pool.startSpike(command.factor, secondsToUs(command.durationS));
        return `clients send ${command.factor}× their traffic for ${command.durationS} s`;
      case "breaker-on":
        if (pool.breakerOn) throw new CommandError("the circuit breaker is on already");
        if (!pool.enableBreaker(OPERATOR_BREAKER)) throw new CommandError("a circuit breaker needs client timeouts (service.client)");
        return "circuit breaker on: 50% errors over 1 s opens it for 2 s";
      case "ack": {
        if (command.target === undefined) return "acknowledged";
        if (command.target === this.scenario.service.name) {
          // The whole service: trouble if a replica is, traffic surges, or the error budget burns.
          const burning = this.#burn !== null && this.#burn.over(this.alerting.options.shortWindowUs) > 1;
          const troubled = burning || pool.arrivalRateFactor >= SURGE_FACTOR || pool.snapshotNow().failed.some((_, k) => !this.#healthy(k));
          return `acknowledged: trouble on ${command.target}${troubled ? "" : this.falseAlarm()}`;
        }
        const k = this.#replica(replicaIndex(command.target));
        return `acknowledged: trouble on replica ${k}${this.#healthy(k) ? this.falseAlarm() : ""}`;
      }
      default:
        throw new CommandError(this.unavailable(command) ?? `"${command.kind}" is not a service's command`);
    }
  }

  snapshot(): ServiceSnapshot {
    const pool = this.model.pool;
    const sample = pool.snapshotNow();
    const counts = pool.counts();
    const ended = counts.requestsSucceeded + counts.requestsFailed;
    const slo = this.scenario.slo?.availability;
    const p99Us = pool.latenciesUs.count > 0 ? pool.latenciesUs.percentile(0.99) : NaN;
    return {
      kind: "service",
      nowUs: this.sim.now,
      endUs: this.endUs,
      load: sample.busyFraction,
      queued: sample.queueLengths.reduce((sum, length) => sum + length, 0) + sample.centralQueueLength,
      replicas: sample.queueLengths.map((queueLength, k) => ({
        failed: sample.failed[k],
        admitted: sample.admitted[k],
        slowdown: sample.slowdowns[k],
        queueLength,
      })),
      requests: counts.requests,
      succeeded: counts.requestsSucceeded,
      failed: counts.requestsFailed,
      latencyP99Ms: Number.isFinite(p99Us) ? p99Us / 1_000 : null,
      errorBudgetUsed: slo === undefined || ended === 0 ? null : counts.requestsFailed / ended / (1 - slo),
      breaker: !pool.breakerOn ? "off" : pool.breakerOpen ? "open" : "closed",
      ejections: pool.ejectedCount,
    };
  }

  finish(): GamedayResult {
    if (this.result !== null) return this.result;
    this.settle();
    this.result = this.scored(this.model.finish().metrics, this.scenario.gameday?.objectives ?? null);
    return this.result;
  }

  /**
   * An action on what it struck: a restart of its replica, an ack naming the replica (or,
   * for a load spike, the service), or a service-wide action the script lets mitigate it.
   */
  protected touches(command: GamedayCommand, watch: IncidentWatch): boolean {
    switch (command.kind) {
      case "restore-replica":
        return command.replica === watch.struck[0];
      case "ack":
        return command.target !== undefined && (watch.struck.length === 0 ? command.target === watch.target : replicaIndex(command.target) === watch.struck[0]);
      case "scale-out":
      case "breaker-on":
        return watch.mitigation!.includes(command.kind);
      default:
        return false;
    }
  }

  /** The script's mitigations (by default a restart of the struck replica; for a load spike, scaling out). */
  protected mitigates(command: GamedayCommand, watch: IncidentWatch): boolean {
    return watch.mitigation!.includes(command.kind);
  }

  /**
   * The replica serves again at full speed; or, for a load spike or where the script lets a
   * service-wide action mitigate, the error budget no longer burns faster than allowed over
   * the short window.
   */
  protected impactEnded(watch: IncidentWatch): boolean {
    const k = watch.struck[0];
    if (k !== undefined) {
      const sample = this.model.pool.snapshotNow();
      if (!sample.failed[k] && sample.slowdowns[k] === 1) return true;
    }
    const serviceWide = k === undefined || watch.mitigation!.some((kind) => kind === "scale-out" || kind === "breaker-on");
    return serviceWide && this.#burn !== null && this.#burn.over(this.alerting.options.shortWindowUs) <= 1;
  }

  /**
   * The service's rules: failed requests burning the SLO's budget page; a replica hung
   * (its health checks fail), slowed (its latency) or swapping files a ticket.
   */
  protected alertSignals(): AlertSignal[] {
    const pool = this.model.pool;
    const sample = pool.snapshotNow();
    const signals: AlertSignal[] = [];
    // With health checks, a hung replica shows once they have taken it out; without, at once.
    const checked = this.scenario.service.health !== undefined;
    sample.failed.forEach((failed, k) => {
      if (failed) {
        if (!checked || !sample.admitted[k]) {
          signals.push({ rule: "ReplicaDown", severity: "ticket", target: replicaName(k), detail: checked ? "failing its health checks" : "not answering" });
        }
      } else if (sample.slowdowns[k] > 1) {
        signals.push({ rule: "ReplicaSlow", severity: "ticket", target: replicaName(k), detail: `latency ×${sample.slowdowns[k].toFixed(1)}` });
      }
    });
    const surge = pool.arrivalRateFactor;
    if (surge >= SURGE_FACTOR) signals.push({ rule: "TrafficSurge", severity: "ticket", target: this.scenario.service.name, detail: `requests at ${surge.toFixed(1)}× the usual rate` });
    for (const [k, leak] of [...this.#leaks].sort((a, b) => a[0] - b[0])) {
      if (leak.running && leak.slowdownFactor() > 1) signals.push({ rule: "ReplicaSwapping", severity: "ticket", target: replicaName(k), detail: "memory past its swap threshold" });
    }
    if (this.#burn !== null) {
      const counts = pool.counts();
      this.#burn.sample(this.sim.now, counts.requestsFailed, counts.requestsSucceeded + counts.requestsFailed);
      const burn = burnSignal(this.#burn, this.alerting.options, this.scenario.service.name, "failed requests are");
      if (burn !== null) signals.push(burn);
    }
    return signals;
  }

  /** In a scripted maintenance window on the replica, or on the whole service. */
  protected inMaintenance(target: string): boolean {
    return inWindow(this.scenario.gameday?.maintenance ?? [], this.sim.now, (window) => window === target || window === this.scenario.service.name);
  }

  /** An alert on its replica, or the SLO burning while it lasts. */
  protected alertConcerns(alert: Alert, watch: IncidentWatch): boolean {
    return alert.target === this.scenario.service.name || alert.target === watch.target;
  }
}

/** "replica2", as alerts and maintenance windows name replica 2. */
export function replicaName(k: number): string {
  return `replica${k}`;
}

/** The replica an ack names ("replica2" or "2"); -1 when it names none. */
function replicaIndex(target: string): number {
  const match = /^(?:replica)?(\d+)$/.exec(target);
  return match === null ? -1 : Number(match[1]);
}
