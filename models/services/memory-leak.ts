import { assert } from "../../sim/assert.js";
import { SampleSet } from "../../sim/metrics.js";
import type { RngStream } from "../../sim/rng.js";
import type { Sim } from "../../sim/sim.js";
import { US_PER_H, US_PER_S } from "../../sim/time.js";
import type { ReplicaPool, RequestOutcome } from "./replica-pool.js";

/**
 * A service process with a memory leak, the supervisor that restarts it, and the coupling
 * of one such process per replica to a `ReplicaPool`.
 *
 * - Memory: a process starts holding `baseMiB` and, while it runs, grows by
 *   `leakMiBPerHour`, linearly and deterministically (a leak per unit of time, such as a
 *   cache without eviction fed by a steady stream): m(t) = m₀ + rate·(t − started).
 * - Swapping: above s = `swapAtFraction` × `limitMiB` the working set no longer fits and
 *   every request pays page faults. The service time is multiplied by
 *
 *       slowdown(m) = 1 + (slowdownAtLimit − 1) · ((m − s) / (limit − s))²   for m > s,
 *
 *   and 1 below s: no cost at the onset, `slowdownAtLimit` at the limit. A convex curve
 *   because the fault rate of a program squeezed below its working set rises steeply
 *   (Denning's lifetime curves); the square is the simplest convex choice, not a
 *   measured one.
 * - OOM: at `limitMiB` (the cgroup's memory.max) the kernel's OOM killer ends the process
 *   (`ProcessOomKilled`). The event is scheduled at the analytic time
 *   started + ⌈(limit − m₀)/rate⌉, in whole µs.
 * - Restart policy: after any exit the supervisor starts the process again `restartUs`
 *   later (kubelet's restartPolicy: Always, without its growing back-off), with memory
 *   back at `baseMiB` (`ProcessStarted`). While down it holds no memory (reads 0).
 * - Health checks: liveness only (the default) notices the process only when it dies, so
 *   it restarts only on OOM, after the process has swapped. With `restartAtFraction` a
 *   memory check, every `checkIntervalUs` from the process's first start, restarts it as
 *   soon as it sees memory at or above that fraction of the limit
 *   (`ProcessRestartedByHealthCheck`), early, before the swapping starts if the fraction
 *   is below `swapAtFraction`.
 *
 * `LeakingReplicaSet` runs one process per replica of a pool: every `stepUs` it sets
 * each running replica's slowdown from its memory (`setServiceSlowdown`; a request's pace
 * is fixed when it starts, and the factor lags memory by at most a step); an exit hangs
 * the replica (`failReplica`: its requests in service are lost, its queue waits) and a
 * start restores it (`restoreReplica`, slowdown back to that of base memory). Everything
 * else (timeouts, retries, ejection by the balancer's probes, overload of the survivors)
 * is the pool's own doing. The set can also be the client (`ratePerS`, `offer`), so
 * that it sees each request's latency for `sample()`: the pool reports no latency per
 * sample window, so requests from the pool's own `ratePerS` count in the pool's figures
 * but not in the set's p99.
 *
 * Records: `MemoryLeakStarted` (source, leakMiBPerHour) once per process, the injected
 * fault; `ProcessStarted` (memoryMiB) at every start; `ProcessSwapStarted` (memoryMiB) when
 * memory crosses the swap threshold; `ProcessOomKilled` (memoryMiB, the limit);
 * `ProcessRestartedByHealthCheck` (memoryMiB, what the check saw); and the pool's own
 * `ReplicaFailed`, `ReplicaRestored`, `ReplicaEjected`, `ReplicaAdmitted`.
 *
 * The leak is deterministic: no stream is drawn for it, so runs that differ only in the
 * health check see the same leak, and the set's client arrivals come from their own
 * stream `services.<name>.leak-client.arrivals`.
 *
 * Leaves out: leaks that grow with load (per request), fragmentation, garbage-collector
 * pauses before the limit, swap space running out, the kernel reclaiming page cache first,
 * memory pressure on neighbours, a graceful drain before a planned restart (the pool has
 * no drain verb, so a health-check restart loses the requests in service like a kill),
 * and connection refusals while a process is down (the pool models a hang, so clients
 * wait for their timeout instead of failing fast).
 *
 * Sources: P. J. Denning, "Thrashing: its causes and prevention", AFIPS FJCC 1968, and
 * "The working set model for program behavior", CACM 11(5), 1968; the Linux kernel's
 * cgroup v2 documentation (memory.max, memory.high, the OOM killer); the Kubernetes
 * documentation on container restart policies and liveness probes.
 */
export interface MemoryLeakOptions {
  /** Resident memory right after a start, MiB (> 0, below the swap threshold). */
  readonly baseMiB: number;
  /** Where the OOM killer ends the process (cgroup memory.max), MiB. */
  readonly limitMiB: number;
  /** Growth of resident memory while running, MiB per hour (≥ 0). */
  readonly leakMiBPerHour: number;
  /** Swapping starts above this fraction of the limit, in (0, 1]. */
  readonly swapAtFraction: number;
  /** Service-time factor at the limit (≥ 1): the swap penalty's full size. */
  readonly slowdownAtLimit: number;
  /** Time from an exit to the next start, µs (> 0). */
  readonly restartUs: number;
  /** Memory check: restart at or above this fraction of the limit. Default: liveness only. */
  readonly restartAtFraction?: number;
  /** Period of the memory check, µs. Required with `restartAtFraction`. */
  readonly checkIntervalUs?: number;
}

/** Why a leaking process exited. */
export type ProcessExitCause = "oom-killed" | "restarted-by-health-check";

/** What the supervisor tells its owner (a `LeakingReplicaSet`, say). */
export interface LeakingProcessHooks {
  /** The process exited now. */
  readonly onExited?: (cause: ProcessExitCause) => void;
  /** The process (re)started now. */
  readonly onStarted?: () => void;
}

/** The swap penalty at `memoryMiB`: 1 + (slowdownAtLimit − 1)·x², x the fraction of the swap band used. */
export function slowdownAt(options: MemoryLeakOptions, memoryMiB: number): number {
  const swapAtMiB = options.swapAtFraction * options.limitMiB;
  if (memoryMiB <= swapAtMiB) return 1;
  const bandMiB = options.limitMiB - swapAtMiB;
  // swapAtFraction = 1 leaves no band: the process never swaps before the OOM killer.
  if (bandMiB <= 0) return 1;
  const x = Math.min(1, (memoryMiB - swapAtMiB) / bandMiB);
  return 1 + (options.slowdownAtLimit - 1) * x * x;
}

/** Time a process starting with `fromMiB` runs before the OOM killer ends it, µs (whole). */
export function timeToOomUs(options: MemoryLeakOptions, fromMiB: number = options.baseMiB): number {
  if (options.leakMiBPerHour === 0) return Infinity;
  return Math.max(0, Math.ceil(((options.limitMiB - fromMiB) / options.leakMiBPerHour) * US_PER_H));
}

function checkMemoryLeakOptions(options: MemoryLeakOptions): void {
  assert(options.baseMiB > 0, "baseMiB must be positive");
  assert(options.limitMiB > options.baseMiB, "limitMiB must exceed baseMiB");
  assert(Number.isFinite(options.limitMiB), "limitMiB must be finite");
  assert(options.leakMiBPerHour >= 0, "leakMiBPerHour must not be negative");
  assert(Number.isFinite(options.leakMiBPerHour), "leakMiBPerHour must be finite");
  assert(options.swapAtFraction > 0, "swapAtFraction must be positive");
  assert(options.swapAtFraction <= 1, "swapAtFraction must be at most 1");
  assert(options.baseMiB < options.swapAtFraction * options.limitMiB, "a fresh process must not swap");
  assert(options.slowdownAtLimit >= 1, "slowdownAtLimit must be at least 1");
  assert(Number.isFinite(options.slowdownAtLimit), "slowdownAtLimit must be finite");
  assert(Number.isSafeInteger(options.restartUs), "restartUs must be whole µs");
  assert(options.restartUs > 0, "restartUs must be positive");
  if (options.restartAtFraction !== undefined) {
    assert(options.restartAtFraction * options.limitMiB > options.baseMiB, "restartAtFraction must be above base memory");
    assert(options.restartAtFraction < 1, "restartAtFraction must be below 1: at the limit the OOM killer acts first");
    const checkIntervalUs = options.checkIntervalUs;
    assert(checkIntervalUs !== undefined, "a memory check needs checkIntervalUs");
    assert(Number.isSafeInteger(checkIntervalUs), "checkIntervalUs must be whole µs");
    assert(checkIntervalUs > 0, "checkIntervalUs must be positive");
  }
}

/** One leaking process under its supervisor: OOM killer, restart policy, memory check. */
export class LeakingProcess {
  /** Names the process in records (`source`). */
  readonly name: string;
  readonly #sim: Sim;
  readonly #options: MemoryLeakOptions;
  readonly #hooks: LeakingProcessHooks;
  #everStarted = false;
  #running = false;
  #stopped = false;
  #startedUs = 0;
  #startMiB = 0;
  #oomHandle = -1;
  #swapHandle = -1;
  #startHandle = -1;
  /** Over the run: exits by cause. */
  oomKilledCount = 0;
  restartedByHealthCheckCount = 0;

  readonly #onOom = (): void => this.#oomKill();
  readonly #onSwapStarted = (): void => this.#swapStarted();
  readonly #onStart = (): void => this.#start(this.#options.baseMiB);
  readonly #onCheck = (): void => this.#check();

  constructor(sim: Sim, name: string, options: MemoryLeakOptions, hooks: LeakingProcessHooks = {}) {
    checkMemoryLeakOptions(options);
    this.#sim = sim;
    this.name = name;
    this.#options = options;
    this.#hooks = hooks;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Resident memory now, MiB; 0 while the process is down. */
  memoryMiB(): number {
    if (!this.#running) return 0;
    return this.#startMiB + (this.#options.leakMiBPerHour * (this.#sim.now - this.#startedUs)) / US_PER_H;
  }

  /** Service-time factor from swapping now; 1 while down. */
  slowdownFactor(): number {
    return this.#running ? slowdownAt(this.#options, this.memoryMiB()) : 1;
  }

  /** When the OOM killer will end the current run if nothing else does, µs; Infinity while down. */
  get oomAtUs(): number {
    return this.#running ? this.#startedUs + timeToOomUs(this.#options, this.#startMiB) : Infinity;
  }

  /**
   * Starts the process now, holding `initialMiB` (as if it had been running for a while;
   * below the limit), and the memory check. Once per process; later starts are the
   * restart policy's.
   */
  start(initialMiB: number = this.#options.baseMiB): void {
    assert(!this.#everStarted, "a process is started once; restarts are the supervisor's");
    assert(initialMiB >= this.#options.baseMiB, "initialMiB must be at least baseMiB");
    assert(initialMiB < this.#options.limitMiB, "initialMiB must be below the limit");
    this.#everStarted = true;
    this.#sim.record({ kind: "MemoryLeakStarted", source: this.name, leakMiBPerHour: this.#options.leakMiBPerHour });
    this.#start(initialMiB);
    if (this.#options.restartAtFraction !== undefined) {
      this.#sim.schedule(this.#options.checkIntervalUs as number, this.#onCheck);
    }
  }

  /**
   * The memory check's verb (an operator's restart looks the same): the process exits now,
   * is down for `restartUs`, then starts fresh at `baseMiB`.
   */
  restart(): void {
    assert(this.#running, "only a running process restarts");
    this.restartedByHealthCheckCount++;
    this.#sim.record({ kind: "ProcessRestartedByHealthCheck", source: this.name, memoryMiB: this.memoryMiB() });
    this.#exit("restarted-by-health-check");
  }

  /** Ends the memory check and restarts (the process carries on as it is). */
  stop(): void {
    this.#stopped = true;
    if (this.#startHandle >= 0) this.#sim.cancel(this.#startHandle);
    this.#startHandle = -1;
  }

  #start(initialMiB: number): void {
    this.#startHandle = -1;
    this.#running = true;
    this.#startedUs = this.#sim.now;
    this.#startMiB = initialMiB;
    this.#sim.record({ kind: "ProcessStarted", source: this.name, memoryMiB: initialMiB });
    const oomAtUs = this.oomAtUs;
    if (oomAtUs !== Infinity) this.#oomHandle = this.#sim.scheduleAt(oomAtUs, this.#onOom);
    const swapAtMiB = this.#options.swapAtFraction * this.#options.limitMiB;
    if (this.#options.leakMiBPerHour > 0 && swapAtMiB < this.#options.limitMiB) {
      const swapAtUs = this.#startedUs + Math.max(0, Math.ceil(((swapAtMiB - initialMiB) / this.#options.leakMiBPerHour) * US_PER_H));
      this.#swapHandle = this.#sim.scheduleAt(swapAtUs, this.#onSwapStarted);
    }
    this.#hooks.onStarted?.();
  }

  #swapStarted(): void {
    this.#swapHandle = -1;
    this.#sim.record({ kind: "ProcessSwapStarted", source: this.name, memoryMiB: this.memoryMiB() });
  }

  #oomKill(): void {
    this.#oomHandle = -1;
    // The kill is the first whole µs at or past the limit; the float's last bits may
    // put memory a hair below it.
    assert(this.memoryMiB() >= this.#options.limitMiB * (1 - 1e-9), "the OOM killer acts at the limit");
    this.oomKilledCount++;
    this.#sim.record({ kind: "ProcessOomKilled", source: this.name, memoryMiB: this.#options.limitMiB });
    this.#exit("oom-killed");
  }

  #exit(cause: ProcessExitCause): void {
    if (this.#oomHandle >= 0) this.#sim.cancel(this.#oomHandle);
    if (this.#swapHandle >= 0) this.#sim.cancel(this.#swapHandle);
    this.#oomHandle = -1;
    this.#swapHandle = -1;
    this.#running = false;
    if (!this.#stopped) this.#startHandle = this.#sim.schedule(this.#options.restartUs, this.#onStart);
    this.#hooks.onExited?.(cause);
  }

  #check(): void {
    if (this.#stopped) return;
    this.#sim.schedule(this.#options.checkIntervalUs as number, this.#onCheck);
    if (this.#running && this.memoryMiB() >= (this.#options.restartAtFraction as number) * this.#options.limitMiB) this.restart();
  }
}

export interface LeakingReplicaSetOptions extends MemoryLeakOptions {
  /** Names the processes (`<name>.replica<k>`) and the client's stream. */
  readonly name: string;
  /** How often each replica's slowdown follows its memory, µs. */
  readonly stepUs: number;
  /** Memory of each replica's process at the start, MiB, as if started at different times. Default `baseMiB`. */
  readonly initialMiB?: readonly number[];
  /** Poisson requests per s the set sends through the pool once started. Default 0: `offer` only. */
  readonly ratePerS?: number;
}

/** One `LeakingReplicaSet.sample()`: the processes now, and the set's requests since the previous sample. */
export interface LeakingReplicaSetSample {
  readonly timeUs: number;
  /** Each replica's resident memory now, MiB (0 while down). */
  readonly memoryMiB: readonly number[];
  /** Each replica's swap slowdown now (1 while down). */
  readonly slowdown: readonly number[];
  /** 99th percentile latency of the set's requests that succeeded since the previous sample, µs; NaN if none. */
  readonly p99LatencyUs: number;
  readonly requestsSucceeded: number;
  /** Requests that failed (timed out, rejected, shed or short-circuited after their retries). */
  readonly requestsFailed: number;
}

/** Figures over the whole run. */
export interface LeakingReplicaSetMetrics {
  readonly oomKilled: number;
  readonly restartedByHealthCheck: number;
  readonly requests: number;
  readonly requestsSucceeded: number;
  readonly requestsFailed: number;
  /** Of the set's requests that succeeded, µs. */
  readonly latencyMeanUs: number;
  readonly latencyP50Us: number;
  readonly latencyP99Us: number;
}

/** A leaking process per replica of a pool, restarted by its supervisor, and optionally the pool's client. */
export class LeakingReplicaSet {
  readonly processes: readonly LeakingProcess[];
  /** Snapshots taken by `sample()`. */
  readonly samples: LeakingReplicaSetSample[] = [];
  /** Latency of the set's requests that succeeded, whole run, µs. */
  readonly latenciesUs = new SampleSet();
  readonly #sim: Sim;
  readonly #pool: ReplicaPool;
  readonly #options: LeakingReplicaSetOptions;
  readonly #arrivalRng: RngStream;
  readonly #gapMeanUs: number;
  #started = false;
  #stopped = false;
  /** The pending arrival's event and time, and the rate's multiplier (a load spike), as in the pool. */
  #arrivalHandle = -1;
  #arrivalDueUs = 0;
  #rateFactor = 1;
  #requests = 0;
  #requestsSucceeded = 0;
  #requestsFailed = 0;
  #windowLatenciesUs = new SampleSet();
  #windowSucceeded = 0;
  #windowFailed = 0;

  readonly #onStep = (): void => this.#step();
  readonly #onArrival = (): void => this.#arrive();
  readonly #onDone = (outcome: RequestOutcome, sentUs: number): void => this.#done(outcome, sentUs);

  constructor(sim: Sim, pool: ReplicaPool, options: LeakingReplicaSetOptions) {
    assert(Number.isSafeInteger(options.stepUs), "stepUs must be whole µs");
    assert(options.stepUs > 0, "stepUs must be positive");
    const initialMiB = options.initialMiB;
    if (initialMiB !== undefined) assert(initialMiB.length === pool.replicaCount, "initialMiB needs one value per replica");
    const ratePerS = options.ratePerS ?? 0;
    assert(ratePerS >= 0, "ratePerS must not be negative");
    assert(Number.isFinite(ratePerS), "ratePerS must be finite");
    this.#sim = sim;
    this.#pool = pool;
    this.#options = options;
    this.#arrivalRng = sim.rng(`services.${options.name}.leak-client.arrivals`);
    this.#gapMeanUs = ratePerS > 0 ? US_PER_S / ratePerS : Infinity;
    const processes: LeakingProcess[] = [];
    for (let k = 0; k < pool.replicaCount; k++) {
      processes.push(
        new LeakingProcess(sim, `${options.name}.replica${k}`, options, {
          onExited: () => pool.failReplica(k),
          onStarted: () => {
            pool.setServiceSlowdown(k, processes[k].slowdownFactor());
            pool.restoreReplica(k);
          },
        }),
      );
    }
    this.processes = processes;
  }

  /** Starts the processes, the slowdown steps and the client's arrivals (if `ratePerS`). */
  start(): void {
    assert(!this.#started, "a set starts once");
    this.#started = true;
    this.processes.forEach((process, k) => process.start(this.#options.initialMiB?.[k] ?? this.#options.baseMiB));
    this.#sim.schedule(this.#options.stepUs, this.#onStep);
    if (this.#gapMeanUs < Infinity) this.#scheduleArrival(this.#nextGapUs());
  }

  /**
   * The client's Poisson arrivals run at `factor` × `ratePerS` from now (a load spike, or
   * its end at 1); the pending gap is rescaled, exact by memorylessness (see ReplicaPool).
   */
  setArrivalRateFactor(factor: number): void {
    assert(factor > 0 && Number.isFinite(factor), "arrival rate factor must be positive and finite");
    const previous = this.#rateFactor;
    this.#rateFactor = factor;
    if (this.#arrivalHandle < 0 || factor === previous) return;
    this.#sim.cancel(this.#arrivalHandle);
    this.#scheduleArrival(Math.round(((this.#arrivalDueUs - this.#sim.now) * previous) / factor));
  }

  /** Stops the steps, arrivals, checks and restarts, so that `sim.run()` can end. */
  stop(): void {
    this.#stopped = true;
    for (const process of this.processes) process.stop();
  }

  /** Sends one request through the pool now, its latency seen by the set. */
  offer(): void {
    this.#requests++;
    this.#pool.offer({ onDone: this.#onDone, arg: this.#sim.now });
  }

  /** Takes a snapshot for time series, keeps it in `samples`, and returns it. */
  sample(): LeakingReplicaSetSample {
    const snapshot: LeakingReplicaSetSample = {
      timeUs: this.#sim.now,
      memoryMiB: this.processes.map((process) => process.memoryMiB()),
      slowdown: this.processes.map((process) => process.slowdownFactor()),
      p99LatencyUs: this.#windowLatenciesUs.percentile(0.99),
      requestsSucceeded: this.#windowSucceeded,
      requestsFailed: this.#windowFailed,
    };
    this.samples.push(snapshot);
    this.#windowLatenciesUs = new SampleSet();
    this.#windowSucceeded = 0;
    this.#windowFailed = 0;
    return snapshot;
  }

  metrics(): LeakingReplicaSetMetrics {
    let oomKilled = 0;
    let restartedByHealthCheck = 0;
    for (const process of this.processes) {
      oomKilled += process.oomKilledCount;
      restartedByHealthCheck += process.restartedByHealthCheckCount;
    }
    return {
      oomKilled,
      restartedByHealthCheck,
      requests: this.#requests,
      requestsSucceeded: this.#requestsSucceeded,
      requestsFailed: this.#requestsFailed,
      latencyMeanUs: this.latenciesUs.mean(),
      latencyP50Us: this.latenciesUs.percentile(0.5),
      latencyP99Us: this.latenciesUs.percentile(0.99),
    };
  }

  #step(): void {
    if (this.#stopped) return;
    this.#sim.schedule(this.#options.stepUs, this.#onStep);
    this.processes.forEach((process, k) => {
      if (process.running) this.#pool.setServiceSlowdown(k, process.slowdownFactor());
    });
  }

  #arrive(): void {
    this.#arrivalHandle = -1;
    if (this.#stopped) return;
    this.#scheduleArrival(this.#nextGapUs());
    this.offer();
  }

  #scheduleArrival(gapUs: number): void {
    this.#arrivalDueUs = this.#sim.now + gapUs;
    this.#arrivalHandle = this.#sim.schedule(gapUs, this.#onArrival);
  }

  #nextGapUs(): number {
    // At factor 1 the mean is the base one exactly: runs without spikes draw as before.
    return Math.round(this.#arrivalRng.exponential(this.#rateFactor === 1 ? this.#gapMeanUs : this.#gapMeanUs / this.#rateFactor));
  }

  #done(outcome: RequestOutcome, sentUs: number): void {
    if (outcome === "succeeded") {
      const latencyUs = this.#sim.now - sentUs;
      this.#requestsSucceeded++;
      this.#windowSucceeded++;
      this.latenciesUs.add(latencyUs);
      this.#windowLatenciesUs.add(latencyUs);
    } else {
      this.#requestsFailed++;
      this.#windowFailed++;
    }
  }
}
