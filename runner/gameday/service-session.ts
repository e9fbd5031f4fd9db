import { ServiceModel } from "../../models/service-model.js";
import { LeakingProcess, timeToOomUs, type MemoryLeakOptions } from "../../models/services/memory-leak.js";
import { secondsToUs } from "../../sim/time.js";
import { CommandError, GamedayBase, type GamedayCommand, type GamedayResult, type ServiceSnapshot } from "./session.js";
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

/** Settings of a breaker an operator turns on: the schema's defaults for `mitigations.breaker`. */
const OPERATOR_BREAKER = { errorRateThreshold: 0.5, breakerWindowUs: 1e6, breakerMinRequests: 20, openUs: 2e6 };

/**
 * A game day on a service scenario: replicas behind a load balancer and their clients.
 * The operator hangs or slows replicas, brings them back, scales out, and turns on the
 * clients' circuit breaker; the view shows each replica's queue and health, goodput,
 * latency and the error budget. There is no scripted incident here (the scenario's own
 * `failures` play out as in a run), so the day is not scored.
 */
export class ServiceGamedaySession extends GamedayBase {
  readonly kind = "service";
  readonly scenario: ServiceScenario;
  readonly strategy: ServiceScenario["strategies"][number];
  readonly model: ServiceModel;
  readonly endUs: number;
  /** Replicas an operator made leak, with their process. */
  readonly #leaks = new Map<number, LeakingProcess>();

  constructor(scenario: ServiceScenario, seed: number, strategyName?: string) {
    super(seed);
    this.scenario = scenario;
    const strategy = strategyName === undefined ? scenario.strategies[0] : scenario.strategies.find((s) => s.name === strategyName);
    if (strategy === undefined) throw new CommandError(`no strategy "${strategyName}"`);
    this.strategy = strategy;
    this.model = new ServiceModel(this.sim, serviceModelOptions(scenario, strategy));
    this.endUs = this.model.endUs;
    this.model.begin();
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

  unavailable(command: GamedayCommand): string | null {
    switch (command.kind) {
      case "replica-failure":
      case "replica-slowdown":
      case "restore-replica":
      case "breaker-on":
      case "ack":
        return null;
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
        pool.restoreReplica(k);
        pool.setServiceSlowdown(k, 1);
        return `replica ${k} restarted`;
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
      case "breaker-on":
        if (pool.breakerOn) throw new CommandError("the circuit breaker is on already");
        if (!pool.enableBreaker(OPERATOR_BREAKER)) throw new CommandError("a circuit breaker needs client timeouts (service.client)");
        return "circuit breaker on: 50% errors over 1 s opens it for 2 s";
      case "ack":
        return "acknowledged";
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
    this.result = {
      scenario: this.scenario.name,
      strategy: this.strategy.name,
      seed: this.seed,
      endUs: this.sim.now,
      metrics: this.model.finish().metrics,
      incidents: [],
      objectives: null,
      falseAlarms: 0,
      score: null,
      commands: this.commands,
    };
    return this.result;
  }
}
