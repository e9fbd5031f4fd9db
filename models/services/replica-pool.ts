import { assert } from "../../sim/assert.js";
import { meanOf, sample as drawFrom, type DistributionSpec } from "../../sim/distribution.js";
import { SampleSet, TimeWeighted } from "../../sim/metrics.js";
import type { RngStream } from "../../sim/rng.js";
import type { Sim } from "../../sim/sim.js";
import { US_PER_S } from "../../sim/time.js";
import { RingQueue } from "./replica-queue.js";

/**
 * A service of `replicas` identical servers behind a load balancer, with the client
 * behaviour that turns an overload into a cascade: timeouts, retries, health checks that
 * eject slow replicas, circuit breaking and load shedding. Nothing here is a cascade;
 * every ingredient is, so a cascade can emerge from the parameters.
 *
 * - Requests arrive as a Poisson stream (`ratePerS`, stream `services.<name>.arrivals`)
 *   or are `offer`ed by a client model. Each request's service demand is drawn when it
 *   arrives (stream `services.<name>.service-times`; exponential with mean `serviceMeanUs`
 *   unless `service` names another shape), so the draws do not depend on load and two
 *   configurations compared on one seed see the same requests. A retry carries the same
 *   demand: it is the same work. Demands are whole µs; a replica slowed by `factor`
 *   takes round(demand × factor).
 * - Each replica serves `concurrency` requests at once (1 by default).
 * - Balancing (`policy`):
 *   - `central-queue` (default): one FIFO shared by all replicas; a request goes to the
 *     first free replica (lowest index), else waits; a replica that frees takes the head.
 *     With exponential demands and nothing else switched on, this is M/M/c (Erlang C), the
 *     configuration the validation tests use. It is a pull model, so a failed replica
 *     simply stops pulling; health checks do not apply (asserted).
 *   - `join-shortest-queue`: each request goes to the admitted replica holding the fewest
 *     requests (waiting + in service, divided by its slow-start weight); ties go to the
 *     first in a rotating order. It sees the replicas' real queues, which a proxy only
 *     approximates by its own outstanding count (Envoy's least-request).
 *   - `round-robin`: smooth weighted round robin (nginx's) over the admitted replicas;
 *     with equal weights, a plain rotation.
 *   Per-replica queues hold at most `queueMax` waiting requests each; the central queue
 *   holds `queueMax × replicas`, the same buffer in all. A request that finds its queue
 *   full is rejected at once. Health probes take places in these queues too.
 * - Client timeout, per attempt (`timeoutUs`): the client gives up and may retry. An
 *   attempt already in service is finished anyway, wasted (the replica cannot know the
 *   client left). One still queued stays in the queue, holding its place in `queueMax`,
 *   until it reaches the head; there it is dropped unserved if `dropExpired` (default:
 *   the deadline travels with the request, as gRPC propagates deadlines and Lustre's
 *   ptlrpc drops expired requests) and served, wasted, if not.
 * - Retries (`retries` per request) after a timeout, rejection, shed or back-tier failure, immediately or
 *   after exponential backoff with full jitter (`backoff`, stream `services.<name>.backoff`:
 *   the n-th retry waits uniform [0, min(backoffMaxUs, backoffBaseUs·2^(n−1))], gRPC's
 *   and AWS's scheme). A retry budget (`retryBudget` = r) lets retries be at most r per
 *   original request: each request deposits r tokens, each retry spends one, and at most
 *   `retryBudgetTokensMax` are banked, so a calm hour cannot pay for a storm (Finagle's
 *   RetryBudget; Envoy's and gRPC's budgets bound the same ratio in other ways). Offered
 *   load is then at most (1 + r)·λ plus the bank.
 * - Health checks (`healthIntervalUs`): the balancer probes every replica; a probe waits
 *   in the replica's queue like a request and is answered, in no time, when it reaches a
 *   free slot. A probe not answered within `healthTimeoutUs` (or refused by a full queue)
 *   is bad; `unhealthyThreshold` bad in a row eject an admitted replica (no more traffic);
 *   `healthyThreshold` good in a row re-admit it, and with `slowStartUs` its weight ramps
 *   linearly from 10% to 100% (Envoy's slow start, min_weight_percent 10). When every
 *   replica is ejected, traffic goes to all (Envoy's panic mode, here at 0% healthy where
 *   Envoy's default is 50%). Probes are never shed.
 * - Circuit breaker (`errorRateThreshold`): over tumbling windows of `breakerWindowUs`,
 *   once `breakerMinRequests` attempts have ended and the fraction that failed (timeout,
 *   rejection, shed) reaches the threshold, the breaker opens: attempts fail at once
 *   ("short-circuited", not retried) for `openUs`. Then one trial attempt goes through;
 *   its success closes the breaker, its failure opens it again (half-open, as in
 *   Hystrix and Nygard's "Release It!").
 * - Load shedding (`shedQueueLength`): a request that would join a queue already holding
 *   that many waiting is refused at once ("shed"), cheaper than letting it time out.
 * - Expensive requests (`expensiveShare` s, `expensiveFactor` F): each drawn demand is
 *   multiplied by F with probability s (stream `services.<name>.expensive`, drawn only
 *   when s > 0). With base demand B, E[S] = E[B]·((1−s) + s·F) and E[S²] = E[B²]·((1−s) + s·F²);
 *   with exponential B the demand is hyperexponential (H2), so M/M/c becomes M/H2/c.
 * - Load spikes: `setArrivalRateFactor(f)` makes the Poisson rate λ·f from now, and
 *   `startSpike(f, durationUs)` does so for a while. The pending arrival's remaining gap is
 *   rescaled by old/new factor: by memorylessness the remainder of an Exp(λ·f_old) gap is
 *   Exp(λ·f_old), so the rescaled one is Exp(λ·f_new), exact for a piecewise-constant rate
 *   (the time-change of a Poisson process), with no extra draw: the requests and their
 *   demands are the same sequence with or without spikes, only their times move.
 * - Verbs: `failReplica(k)` (hangs: requests in service are lost, queued and new ones
 *   wait and time out; with no `timeoutUs` their clients wait until `restoreReplica`),
 *   `restoreReplica(k)`, `setServiceSlowdown(k, factor)` for requests starting later.
 * - A back tier (`downstream`, wired by models/services/two-tier.ts): once a request's own
 *   work is done, the replica calls the back tier and keeps the request's slot (its thread)
 *   until the answer, so a slow back tier fills this tier's slots and queues. A failed call
 *   makes the attempt fail ("backend-failed": the replica answers an error), and the client
 *   may retry it like a timeout. The call goes on after the client gives up (no deadline
 *   propagation); the answer is then wasted.
 * - Outcomes reach a caller's `onDone` from an event, never from inside `offer`.
 *
 * Leaves out: connection pools and connection set-up, TCP (slow start, retransmits,
 * backlogs), head-of-line blocking in HTTP/2 streams, the CPU a client spends on retries,
 * the cost of a rejection or shed at the replica, probe service time, a balancer's own
 * queue and failures, several balancers with different views, deadline propagation beyond
 * one hop, hedged requests, and per-host outlier detection from live traffic (ejection
 * here comes from active health checks only).
 *
 * Sources: A. K. Erlang, "Solution of some problems in the theory of probabilities of
 * significance in automatic telephone exchanges" (1917), and L. Kleinrock, "Queueing
 * Systems, Vol. 1" (1975), §3.5 for M/M/c; Google's "Site Reliability Engineering" (2016),
 * chapters 21 "Handling Overload" and 22 "Addressing Cascading Failures"; Envoy's docs on
 * retry budgets (cluster circuit breakers), health checking, panic threshold and slow
 * start; gRPC proposal A6 "Client Retries" (backoff, retry throttling); M. Brooker,
 * "Exponential Backoff and Jitter", AWS Architecture Blog (2015).
 */

export type BalancerPolicy = "central-queue" | "join-shortest-queue" | "round-robin";

export type BackoffPolicy = "none" | "exponential";

/** How one attempt ended, from the client's side. */
export type AttemptOutcome = "succeeded" | "timed-out" | "rejected" | "shed" | "short-circuited" | "backend-failed";

/** A request's outcome is its last attempt's. */
export type RequestOutcome = AttemptOutcome;

/** Called once per offered request, from an event, with its outcome and the caller's `arg`. */
export type RequestCallback = (outcome: RequestOutcome, arg: any) => void;

/**
 * A call a replica makes to a back tier once its own work on a request is done (see
 * `downstream`): it must call `onDone(outcome, arg)` exactly once, from an event.
 */
export type DownstreamCall = (onDone: RequestCallback, arg: unknown) => void;

/** A request a client model hands to `offer`. */
export interface OfferedRequest {
  /** Service demand, µs; drawn from the pool's service distribution when absent. */
  readonly serviceUs?: number;
  readonly onDone?: RequestCallback;
  readonly arg?: unknown;
}

export interface ReplicaPoolOptions {
  /** Names the streams `services.<name>.*` and records. */
  readonly name: string;
  /** Number of replicas, c. */
  readonly replicas: number;
  /** Requests a replica serves at once. Default 1. */
  readonly concurrency?: number;
  /** Mean service demand of a request, µs (1/μ). */
  readonly serviceMeanUs: number;
  /** Shape of the demand in µs; its mean must be `serviceMeanUs`. Default exponential. */
  readonly service?: DistributionSpec;
  /** Share of requests that are expensive, 0–1. Default 0. */
  readonly expensiveShare?: number;
  /** An expensive request's demand is this × a drawn one (≥ 1). Default 1. */
  readonly expensiveFactor?: number;
  /** Most requests waiting per replica (the central queue holds `queueMax × replicas`). */
  readonly queueMax: number;
  /** Default "central-queue". */
  readonly policy?: BalancerPolicy;
  /** Poisson arrivals, requests per s, once `start()` is called. 0 or absent: `offer` only. */
  readonly ratePerS?: number;
  /** Poisson arrivals stop after this many. Default unlimited. */
  readonly arrivalsMax?: number;
  /** Client timeout per attempt, µs. Default none. */
  readonly timeoutUs?: number;
  /** Drop queued attempts whose client has given up when they reach the head. Default true. */
  readonly dropExpired?: boolean;
  /** Retries per request after a timeout, rejection or shed. Default 0. */
  readonly retries?: number;
  /** Default "none" (retry at once). */
  readonly backoff?: BackoffPolicy;
  /** First retry's backoff cap, µs. Default 10 ms. */
  readonly backoffBaseUs?: number;
  /** Largest backoff cap, µs. Default 1 s. */
  readonly backoffMaxUs?: number;
  /** Most retries per original request (0.1: one retry per ten requests). Default unlimited. */
  readonly retryBudget?: number;
  /** Most retry tokens banked; the bank starts full. Default 10. */
  readonly retryBudgetTokensMax?: number;
  /** Probe every replica this often, µs. Default: no health checks. */
  readonly healthIntervalUs?: number;
  /** A probe answered later than this is bad, µs. At most `healthIntervalUs`. */
  readonly healthTimeoutUs?: number;
  /** Bad probes in a row that eject a replica. Default 3. */
  readonly unhealthyThreshold?: number;
  /** Good probes in a row that re-admit an ejected replica. Default 2. */
  readonly healthyThreshold?: number;
  /** A re-admitted replica's weight ramps from 10% to 100% over this, µs. Default 0. */
  readonly slowStartUs?: number;
  /** Failed fraction of attempts in a window that opens the breaker. Default: no breaker. */
  readonly errorRateThreshold?: number;
  /** Breaker window, µs. Default 10 s. */
  readonly breakerWindowUs?: number;
  /** Attempts a window needs before it can open the breaker. Default 20. */
  readonly breakerMinRequests?: number;
  /** How long an open breaker fails fast before a trial, µs. Default 5 s. */
  readonly openUs?: number;
  /** Shed a request that would join a queue already holding this many. Default: no shedding. */
  readonly shedQueueLength?: number;
  /** Most snapshots `sample()` keeps. Default 100,000. */
  readonly samplesMax?: number;
  /**
   * A back tier every request calls once its own work is done (models/services/two-tier.ts).
   * The replica keeps the request's slot until the answer; a failed call makes the attempt
   * fail as "backend-failed" (the front answers an error), which the client may retry.
   * Default: none.
   */
  readonly downstream?: DownstreamCall;
}

/** One `sample()`: the pool now, and rates since the previous sample (or `resetMetrics`). */
export interface ReplicaPoolSample {
  readonly timeUs: number;
  /** Requests waiting at each replica now (all zero with a central queue). */
  readonly queueLengths: readonly number[];
  /** Time average of each replica's waiting requests since the previous sample. */
  readonly queueLengthMeans: readonly number[];
  /** Requests waiting in the central queue now. */
  readonly centralQueueLength: number;
  /** Attempts routed to each replica since the previous sample (push policies). */
  readonly routedCounts: readonly number[];
  /** Attempts each replica served in time (client still waiting) since the previous sample. */
  readonly servedCounts: readonly number[];
  readonly admitted: readonly boolean[];
  readonly failed: readonly boolean[];
  /** New requests per s since the previous sample. */
  readonly arrivalsPerS: number;
  /** Attempts (originals + retries) per s since the previous sample: the offered load. */
  readonly attemptsPerS: number;
  /** Requests succeeded per s since the previous sample. */
  readonly goodputPerS: number;
  /** Failed attempts / ended attempts since the previous sample; NaN when none ended. */
  readonly errorRate: number;
}

/** Counts over the metrics window (since construction or `resetMetrics`). */
export interface ReplicaPoolCounts {
  /** New requests (originals). */
  readonly requests: number;
  /** Service demand of the new requests, µs: the work offered, before retries. */
  readonly demandUs: number;
  readonly requestsSucceeded: number;
  readonly requestsFailed: number;
  readonly attempts: number;
  readonly retries: number;
  /** Attempts that found no free replica and queued. */
  readonly delayed: number;
  readonly timedOut: number;
  readonly rejected: number;
  readonly shed: number;
  readonly shortCircuited: number;
  /** Queued attempts dropped unserved at the head after their client left. */
  readonly dropped: number;
  /** Attempts served after their client left. */
  readonly wasted: number;
  /** Attempts in service on a replica when it failed. */
  readonly lost: number;
  /** Calls to the back tier (`downstream`): attempts whose own work was done. */
  readonly downstreamCalls: number;
  /** Attempts answered with an error because their back-tier call failed. */
  readonly backendFailed: number;
}

/** The pool's figures over the metrics window (since construction or `resetMetrics`). */
export interface ReplicaPoolMetrics extends ReplicaPoolCounts {
  readonly windowUs: number;
  /** Requests succeeded (served before their client's timeout) per s. */
  readonly goodputPerS: number;
  /** Work offered by new requests per unit time, in Erlangs (busy replicas' worth). */
  readonly offeredErlangs: number;
  readonly attemptsPerS: number;
  readonly arrivalsPerS: number;
  /** (timed out + rejected + shed + short-circuited + backend-failed) / ended attempts. */
  readonly errorRate: number;
  /** Succeeded / finished requests. */
  readonly successRate: number;
  /** Client-observed latency of succeeded requests (first send to reply, retries included), µs. */
  readonly latencyMeanUs: number;
  readonly latencyP50Us: number;
  readonly latencyP99Us: number;
  /** Mean wait in queue of attempts that started service, µs. */
  readonly waitMeanUs: number;
  /** Time-average attempts held by the replicas (waiting or in service). */
  readonly inSystemMean: number;
  /** Time-average attempts waiting in any queue. */
  readonly waitingMean: number;
  /** Busy slot time / (slots × window), over replicas. */
  readonly utilization: number;
}

/** Weight of a re-admitted replica at the start of its slow start (Envoy's default 10%). */
const SLOW_START_WEIGHT_MIN = 0.1;

// Circuit breaker states.
const CLOSED = 0;
const OPEN = 1;
const HALF_OPEN = 2;

/**
 * One try at a request as a replica holds it, or a health probe. The client's state for
 * the request (first send, demand, callback, attempt number) travels with each attempt,
 * and a retry copies it into a new attempt: one allocation per attempt.
 */
class Attempt {
  /** When the client first sent the request (its latency runs from here), µs. */
  readonly firstSentUs: number;
  /** Service demand, µs (0 for a probe). */
  readonly serviceUs: number;
  readonly onDone: RequestCallback | null;
  readonly arg: unknown;
  /** 1 for the original, 2 for the first retry, …; 0 for a probe. */
  readonly number: number;
  readonly sentUs: number;
  /** When the client gives up on it; Infinity without a timeout. */
  readonly deadlineUs: number;
  replica = -1;
  /** Whether the request was first sent during a load spike (rate factor ≠ 1). */
  inSpike = false;
  /** Index in its replica's `inService` while in service. */
  slot = -1;
  startUs = 0;
  endHandle = -1;
  timerHandle = -1;
  /** The client (or balancer, for a probe) still waits for the answer. */
  clientWaiting = true;
  /** The breaker's half-open trial. */
  trial = false;
  refusal: AttemptOutcome = "rejected";
  /** Its own work is done and its back-tier call is under way (or answered). */
  calledDownstream = false;

  constructor(
    firstSentUs: number,
    serviceUs: number,
    onDone: RequestCallback | null,
    arg: unknown,
    number: number,
    sentUs: number,
    deadlineUs: number,
  ) {
    this.firstSentUs = firstSentUs;
    this.serviceUs = serviceUs;
    this.onDone = onDone;
    this.arg = arg;
    this.number = number;
    this.sentUs = sentUs;
    this.deadlineUs = deadlineUs;
  }
}

class Replica {
  readonly index: number;
  /** Waiting attempts and probes (push policies only). */
  readonly queue: RingQueue<Attempt>;
  readonly inService: Attempt[] = [];
  failed = false;
  slowdown = 1;
  admitted = true;
  admittedAtUs = -Infinity;
  goodInRow = 0;
  badInRow = 0;
  /** Smooth weighted round robin's running score. */
  current = 0;
  queueLength: TimeWeighted;
  routedCount = 0;
  servedCount = 0;
  busyUs = 0;

  constructor(index: number, queueMax: number, nowUs: number) {
    this.index = index;
    this.queue = new RingQueue<Attempt>(queueMax);
    this.queueLength = new TimeWeighted(nowUs, 0);
  }
}

/** The circuit breaker's settings: the options', or an operator's when it turns one on. */
export interface BreakerSettings {
  readonly errorRateThreshold: number;
  readonly breakerWindowUs: number;
  readonly breakerMinRequests: number;
  readonly openUs: number;
}

/** Counters at the previous `sample()`, for rates since then. */
interface SampleBaseline {
  timeUs: number;
  arrivals: number;
  attempts: number;
  succeeded: number;
  ended: number;
  failedAttempts: number;
  areasUs: number[];
  routed: number[];
  served: number[];
}

/** Replicas behind a load balancer, with the client's timeouts, retries and breaker. */
export class ReplicaPool {
  readonly #sim: Sim;
  readonly #options: ReplicaPoolOptions;
  readonly #replicas: Replica[];
  readonly #concurrency: number;
  readonly #central: boolean;
  readonly #roundRobin: boolean;
  readonly #centralQueue: RingQueue<Attempt>;
  readonly #serviceRng: RngStream;
  readonly #arrivalRng: RngStream;
  readonly #backoffRng: RngStream;
  readonly #exponentialService: boolean;
  /** Expensive requests' own stream; null when none are expensive (nothing drawn). */
  readonly #expensiveRng: RngStream | null;
  readonly #expensiveShare: number;
  readonly #expensiveFactor: number;
  readonly #timeoutUs: number;
  readonly #dropExpired: boolean;
  readonly #retries: number;
  readonly #shedQueueLength: number;
  /** Whether the client's circuit breaker is on, and its settings (an operator may turn it on). */
  #breakerOn: boolean;
  #breaker: BreakerSettings;
  readonly #budgetOn: boolean;
  readonly #downstream: DownstreamCall | null;
  readonly #samplesMax: number;
  readonly #arrivalsMax: number;
  /** Mean gap between Poisson arrivals, µs. */
  readonly #gapMeanUs: number;
  /** Free slots on replicas that are not failed. */
  #idleSlots: number;
  #rotation = 0;
  #admittedCount: number;
  #started = false;
  #stopped = false;
  #arrivalsGenerated = 0;
  /** The pending Poisson arrival's event and time, for a rate change to rescale. */
  #arrivalHandle = -1;
  #arrivalDueUs = 0;
  /** Arrival rate multiplier (a load spike), 1 normally. */
  #rateFactor = 1;
  #spikeEndHandle = -1;
  // Requests first sent in a spike window, and those of them that succeeded (metrics window).
  #spikeRequests = 0;
  #spikeSucceeded = 0;
  #retryTokens: number;

  #breakerState = CLOSED;
  #breakerWindowStartUs = 0;
  #breakerEnded = 0;
  #breakerFailed = 0;
  #breakerOpenUntilUs = 0;
  #trialInFlight = false;

  // Metrics over the window since `#windowStartUs`.
  #windowStartUs: number;
  #requests = 0;
  #demandUs = 0;
  #requestsSucceeded = 0;
  #requestsFailed = 0;
  #attempts = 0;
  #retriesSent = 0;
  #delayed = 0;
  #timedOut = 0;
  #rejected = 0;
  #shed = 0;
  #shortCircuited = 0;
  #dropped = 0;
  #wasted = 0;
  #lost = 0;
  #downstreamCalls = 0;
  #backendFailed = 0;
  #servedInTime = 0;
  /** Client-observed latency of succeeded requests, µs. */
  latenciesUs = new SampleSet();
  // Attempts held by the replicas, waiting or in service (probes excluded), and the
  // integral of that count over the window: kept by hand, as it changes twice per request.
  #held = 0;
  #heldSinceUs: number;
  #heldAreaUs = 0;
  // Waits in queue of attempts that started service.
  #waitSumUs = 0;
  #waitCount = 0;
  /** Attempts waiting in the central queue. */
  centralQueueLength: TimeWeighted;
  /** Snapshots taken by `sample()`. */
  readonly samples: ReplicaPoolSample[] = [];
  #baseline: SampleBaseline;

  /** Over the whole run (not reset by `resetMetrics`): times the breaker opened. */
  breakerOpenedCount = 0;
  /** Over the whole run: ejections and re-admissions by health checks. */
  ejectedCount = 0;
  readmittedCount = 0;

  readonly #onArrival = (): void => this.#arrive();
  readonly #onServiceEnd = (attempt: Attempt): void => this.#endService(attempt);
  readonly #onTimeout = (attempt: Attempt): void => this.#timeOut(attempt);
  readonly #onRefused = (attempt: Attempt): void => this.#attemptFailed(attempt, attempt.refusal);
  readonly #onRetry = (previous: Attempt): void => this.#retry(previous);
  readonly #onHealthTick = (): void => this.#healthTick();
  readonly #onSpikeEnd = (): void => {
    this.#spikeEndHandle = -1;
    this.setArrivalRateFactor(1);
  };
  readonly #onProbeTimeout = (probe: Attempt): void => this.#probeJudged(probe, false);
  readonly #onDownstreamDone = (outcome: RequestOutcome, attempt: Attempt): void => this.#downstreamDone(outcome, attempt);

  constructor(sim: Sim, options: ReplicaPoolOptions) {
    assert(Number.isInteger(options.replicas), "replicas must be an integer");
    assert(options.replicas > 0, "replicas must be positive");
    const concurrency = options.concurrency ?? 1;
    assert(Number.isInteger(concurrency), "concurrency must be an integer");
    assert(concurrency > 0, "concurrency must be positive");
    assert(options.serviceMeanUs > 0, "serviceMeanUs must be positive");
    assert(Number.isFinite(options.serviceMeanUs), "serviceMeanUs must be finite");
    if (options.service !== undefined) {
      const mean = meanOf(options.service);
      assert(Math.abs(mean - options.serviceMeanUs) <= 1e-9 * options.serviceMeanUs, "service's mean must be serviceMeanUs");
    }
    assert(Number.isInteger(options.queueMax), "queueMax must be an integer");
    assert(options.queueMax >= 0, "queueMax must not be negative");
    const expensiveShare = options.expensiveShare ?? 0;
    const expensiveFactor = options.expensiveFactor ?? 1;
    assert(expensiveShare >= 0 && expensiveShare <= 1, "expensiveShare must be in [0, 1]");
    assert(expensiveFactor >= 1 && Number.isFinite(expensiveFactor), "expensiveFactor must be finite and at least 1");
    const ratePerS = options.ratePerS ?? 0;
    assert(ratePerS >= 0, "ratePerS must not be negative");
    assert(Number.isFinite(ratePerS), "ratePerS must be finite");
    const timeoutUs = options.timeoutUs ?? Infinity;
    if (timeoutUs !== Infinity) {
      assert(Number.isSafeInteger(timeoutUs), "timeoutUs must be whole µs");
      assert(timeoutUs > 0, "timeoutUs must be positive");
    }
    const retries = options.retries ?? 0;
    assert(Number.isInteger(retries), "retries must be an integer");
    assert(retries >= 0, "retries must not be negative");
    assert((options.backoffBaseUs ?? 1) > 0, "backoffBaseUs must be positive");
    assert((options.backoffMaxUs ?? 1) > 0, "backoffMaxUs must be positive");
    assert((options.retryBudget ?? 0) >= 0, "retryBudget must not be negative");
    assert((options.retryBudgetTokensMax ?? 1) >= 1, "retryBudgetTokensMax must be at least 1");
    const policy = options.policy ?? "central-queue";
    if (options.healthIntervalUs !== undefined) {
      assert(policy !== "central-queue", "health checks need a push policy: replicas pull from a central queue");
      assert(Number.isSafeInteger(options.healthIntervalUs), "healthIntervalUs must be whole µs");
      assert(options.healthIntervalUs > 0, "healthIntervalUs must be positive");
      const healthTimeoutUs = options.healthTimeoutUs;
      assert(healthTimeoutUs !== undefined, "health checks need healthTimeoutUs");
      assert(Number.isSafeInteger(healthTimeoutUs), "healthTimeoutUs must be whole µs");
      assert(healthTimeoutUs > 0, "healthTimeoutUs must be positive");
      assert(healthTimeoutUs <= options.healthIntervalUs, "healthTimeoutUs must not exceed healthIntervalUs");
    }
    assert((options.unhealthyThreshold ?? 1) >= 1, "unhealthyThreshold must be at least 1");
    assert((options.healthyThreshold ?? 1) >= 1, "healthyThreshold must be at least 1");
    assert((options.slowStartUs ?? 0) >= 0, "slowStartUs must not be negative");
    if (options.errorRateThreshold !== undefined) {
      assert(options.errorRateThreshold > 0, "errorRateThreshold must be positive");
      assert(options.errorRateThreshold <= 1, "errorRateThreshold must be at most 1");
      // A trial attempt with no timeout could hang the breaker half-open for ever.
      assert(timeoutUs !== Infinity, "a circuit breaker needs timeoutUs");
    }
    assert((options.shedQueueLength ?? 0) >= 0, "shedQueueLength must not be negative");

    this.#sim = sim;
    this.#options = options;
    this.#concurrency = concurrency;
    this.#central = policy === "central-queue";
    this.#roundRobin = policy === "round-robin";
    this.#replicas = [];
    for (let k = 0; k < options.replicas; k++) {
      this.#replicas.push(new Replica(k, this.#central ? 0 : options.queueMax, sim.now));
    }
    this.#centralQueue = new RingQueue<Attempt>(this.#central ? options.queueMax * options.replicas : 0);
    this.#serviceRng = sim.rng(`services.${options.name}.service-times`);
    this.#arrivalRng = sim.rng(`services.${options.name}.arrivals`);
    this.#backoffRng = sim.rng(`services.${options.name}.backoff`);
    this.#exponentialService = options.service === undefined || options.service.kind === "exponential";
    this.#expensiveShare = expensiveShare;
    this.#expensiveFactor = expensiveFactor;
    this.#expensiveRng = expensiveShare > 0 ? sim.rng(`services.${options.name}.expensive`) : null;
    this.#timeoutUs = timeoutUs;
    this.#dropExpired = options.dropExpired ?? true;
    this.#retries = retries;
    this.#shedQueueLength = options.shedQueueLength ?? Infinity;
    this.#breakerOn = options.errorRateThreshold !== undefined;
    this.#breaker = {
      errorRateThreshold: options.errorRateThreshold ?? 0.5,
      breakerWindowUs: options.breakerWindowUs ?? 10 * US_PER_S,
      breakerMinRequests: options.breakerMinRequests ?? 20,
      openUs: options.openUs ?? 5 * US_PER_S,
    };
    this.#budgetOn = options.retryBudget !== undefined;
    this.#downstream = options.downstream ?? null;
    this.#samplesMax = options.samplesMax ?? 100_000;
    this.#arrivalsMax = options.arrivalsMax ?? Infinity;
    this.#gapMeanUs = ratePerS > 0 ? US_PER_S / ratePerS : Infinity;
    this.#idleSlots = options.replicas * concurrency;
    this.#admittedCount = options.replicas;
    this.#retryTokens = options.retryBudgetTokensMax ?? 10;
    this.#windowStartUs = sim.now;
    this.#heldSinceUs = sim.now;
    this.centralQueueLength = new TimeWeighted(sim.now, 0);
    this.#baseline = this.#freshBaseline();
  }

  /** Replicas, c. */
  get replicaCount(): number {
    return this.#replicas.length;
  }

  /** Requests the pool can serve per s with every replica up: c × concurrency / mean demand. */
  get capacityPerS(): number {
    return (this.#replicas.length * this.#concurrency * US_PER_S) / this.serviceMeanUs;
  }

  /** Mean demand of a drawn request, expensive ones included, µs: E[B]·((1−s) + s·F). */
  get serviceMeanUs(): number {
    return this.#options.serviceMeanUs * (1 - this.#expensiveShare + this.#expensiveShare * this.#expensiveFactor);
  }

  /** The arrival rate's multiplier now (above 1 during a load spike). */
  get arrivalRateFactor(): number {
    return this.#rateFactor;
  }

  /**
   * Poisson arrivals run at `factor` × `ratePerS` from now (a load spike, or its end at 1).
   * The pending arrival's remaining gap is scaled by old/new: exact, as the remainder of
   * an exponential gap is exponential with the same rate (memoryless).
   */
  setArrivalRateFactor(factor: number): void {
    assert(factor > 0 && Number.isFinite(factor), "arrival rate factor must be positive and finite");
    const previous = this.#rateFactor;
    this.#rateFactor = factor;
    if (this.#arrivalHandle < 0 || factor === previous) return;
    const nowUs = this.#sim.now;
    this.#sim.cancel(this.#arrivalHandle);
    this.#scheduleArrival(Math.round(((this.#arrivalDueUs - nowUs) * previous) / factor));
  }

  /**
   * A load spike from now: arrivals at `factor` × `ratePerS` for `durationUs`, then back
   * to the base rate (a game day's or a script's verb). A spike started during another
   * replaces it, ending at its own time. It moves the pool's own arrivals (`ratePerS`),
   * not requests a client model `offer`s.
   */
  startSpike(factor: number, durationUs: number): void {
    assert(Number.isSafeInteger(durationUs) && durationUs > 0, "a spike's duration must be positive whole µs");
    if (this.#spikeEndHandle >= 0) this.#sim.cancel(this.#spikeEndHandle);
    this.setArrivalRateFactor(factor);
    this.#spikeEndHandle = this.#sim.schedule(durationUs, this.#onSpikeEnd);
  }

  /** Starts the Poisson arrivals (if `ratePerS`) and the health checks (if configured). */
  start(): void {
    assert(!this.#started, "a pool starts once");
    this.#started = true;
    if (this.#gapMeanUs < Infinity && this.#arrivalsMax > 0) this.#scheduleArrival(this.#nextGapUs());
    if (this.#options.healthIntervalUs !== undefined) this.#sim.schedule(this.#options.healthIntervalUs, this.#onHealthTick);
  }

  /** Stops new Poisson arrivals and health checks; requests in flight carry on. */
  stop(): void {
    this.#stopped = true;
  }

  /** A client model sends one request now. */
  offer(request: OfferedRequest = {}): void {
    const serviceUs = request.serviceUs ?? this.#drawServiceUs();
    assert(Number.isSafeInteger(serviceUs), "serviceUs must be whole µs");
    assert(serviceUs >= 0, "serviceUs must not be negative");
    this.#newRequest(serviceUs, request.onDone ?? null, request.arg);
  }

  /** Replica `k` hangs: its requests in service are lost; queued and new ones wait. */
  failReplica(k: number): void {
    const replica = this.#replica(k);
    if (replica.failed) return;
    replica.failed = true;
    const nowUs = this.#sim.now;
    this.#idleSlots -= this.#concurrency - replica.inService.length;
    for (const attempt of replica.inService) {
      // One waiting for its back-tier call has no end scheduled; its answer is ignored.
      if (attempt.endHandle >= 0) this.#sim.cancel(attempt.endHandle);
      attempt.slot = -1;
      replica.busyUs += nowUs - attempt.startUs;
      this.#lost++;
      this.#hold(nowUs, -1);
    }
    replica.inService.length = 0;
    this.#sim.record({ kind: "ReplicaFailed", source: this.#options.name, replica: k });
  }

  /** Replica `k` serves again, starting with whatever waits in its queue. */
  restoreReplica(k: number): void {
    const replica = this.#replica(k);
    if (!replica.failed) return;
    replica.failed = false;
    this.#idleSlots += this.#concurrency;
    this.#sim.record({ kind: "ReplicaRestored", source: this.#options.name, replica: k });
    this.#pull(replica);
  }

  /**
   * Scales out by one replica (an operator's action): up and admitted now, ramping up
   * under slow start if the pool has it, and pulling from the central queue at once. The
   * central queue keeps the bound it was built with. Returns the new replica's index.
   */
  addReplica(): number {
    const k = this.#replicas.length;
    const replica = new Replica(k, this.#central ? 0 : this.#options.queueMax, this.#sim.now);
    replica.admittedAtUs = this.#sim.now;
    this.#replicas.push(replica);
    this.#idleSlots += this.#concurrency;
    this.#admittedCount++;
    this.#sim.record({ kind: "ReplicaAdded", source: this.#options.name, replica: k });
    if (this.#central) this.#pull(replica);
    return k;
  }

  /**
   * Turns the client's circuit breaker on now (an operator's action), with `settings`.
   * A breaker needs client timeouts (a trial attempt must end); false without them, or
   * when it is on already.
   */
  enableBreaker(settings: BreakerSettings): boolean {
    if (this.#breakerOn || this.#timeoutUs === Infinity) return false;
    assert(settings.errorRateThreshold > 0 && settings.errorRateThreshold <= 1);
    this.#breaker = settings;
    this.#breakerOn = true;
    this.#breakerState = CLOSED;
    this.#breakerWindowStartUs = this.#sim.now;
    this.#breakerEnded = 0;
    this.#breakerFailed = 0;
    this.#sim.record({ kind: "BreakerEnabled", source: this.#options.name });
    return true;
  }

  get breakerOn(): boolean {
    return this.#breakerOn;
  }

  /** Requests that start service on replica `k` from now on take `factor` × their demand. */
  setServiceSlowdown(k: number, factor: number): void {
    assert(factor > 0, "slowdown factor must be positive");
    assert(Number.isFinite(factor), "slowdown factor must be finite");
    this.#replica(k).slowdown = factor;
  }

  /** Whether replica `k` receives traffic (health checks have not ejected it). */
  isAdmitted(k: number): boolean {
    return this.#replica(k).admitted;
  }

  /** Whether the circuit breaker fails attempts fast now. */
  get breakerOpen(): boolean {
    return this.#breakerState !== CLOSED;
  }

  /** Requests waiting at replica `k` now. */
  queueLengthOf(k: number): number {
    return this.#replica(k).queue.length;
  }

  /** Time-average queue length of replica `k` over the metrics window. */
  queueLengthMeanOf(k: number): number {
    return this.#replica(k).queueLength.mean(this.#sim.now);
  }

  /** Starts a new metrics window now (after a warm-up, say); state is kept. */
  resetMetrics(): void {
    const nowUs = this.#sim.now;
    this.#windowStartUs = nowUs;
    this.#requests = 0;
    this.#demandUs = 0;
    this.#requestsSucceeded = 0;
    this.#requestsFailed = 0;
    this.#attempts = 0;
    this.#retriesSent = 0;
    this.#delayed = 0;
    this.#timedOut = 0;
    this.#rejected = 0;
    this.#shed = 0;
    this.#shortCircuited = 0;
    this.#dropped = 0;
    this.#wasted = 0;
    this.#lost = 0;
    this.#downstreamCalls = 0;
    this.#backendFailed = 0;
    this.#servedInTime = 0;
    this.#spikeRequests = 0;
    this.#spikeSucceeded = 0;
    this.latenciesUs = new SampleSet();
    this.#waitSumUs = 0;
    this.#waitCount = 0;
    this.#heldSinceUs = nowUs;
    this.#heldAreaUs = 0;
    this.centralQueueLength = new TimeWeighted(nowUs, this.centralQueueLength.value);
    for (const replica of this.#replicas) {
      replica.queueLength = new TimeWeighted(nowUs, replica.queueLength.value);
      replica.routedCount = 0;
      replica.servedCount = 0;
      // Service in progress counts from the window's start.
      replica.busyUs = 0;
      for (const attempt of replica.inService) attempt.startUs = nowUs;
    }
    this.#baseline = this.#freshBaseline();
  }

  /** The window's counts (cheap: no percentiles). */
  counts(): ReplicaPoolCounts {
    return {
      requests: this.#requests,
      demandUs: this.#demandUs,
      requestsSucceeded: this.#requestsSucceeded,
      requestsFailed: this.#requestsFailed,
      attempts: this.#attempts,
      retries: this.#retriesSent,
      delayed: this.#delayed,
      timedOut: this.#timedOut,
      rejected: this.#rejected,
      shed: this.#shed,
      shortCircuited: this.#shortCircuited,
      dropped: this.#dropped,
      wasted: this.#wasted,
      lost: this.#lost,
      downstreamCalls: this.#downstreamCalls,
      backendFailed: this.#backendFailed,
    };
  }

  /** Requests first sent during a load spike (rate factor ≠ 1), and those that succeeded, in the metrics window. */
  spikeCounts(): { readonly requests: number; readonly succeeded: number } {
    return { requests: this.#spikeRequests, succeeded: this.#spikeSucceeded };
  }

  /** Mean wait in queue of attempts that started service in the window, µs; NaN if none. */
  waitMeanUs(): number {
    return this.#waitCount > 0 ? this.#waitSumUs / this.#waitCount : NaN;
  }

  /** Time-average attempts held by the replicas (waiting or in service) over the window. */
  inSystemMean(): number {
    const nowUs = this.#sim.now;
    const spanUs = nowUs - this.#windowStartUs;
    return spanUs > 0 ? (this.#heldAreaUs + this.#held * (nowUs - this.#heldSinceUs)) / spanUs : NaN;
  }

  /** Attempts held by the replicas now, waiting or in service (probes excluded). */
  get heldCount(): number {
    return this.#held;
  }

  /** The window's figures; sorts the latencies for percentiles. */
  metrics(): ReplicaPoolMetrics {
    const nowUs = this.#sim.now;
    const windowUs = nowUs - this.#windowStartUs;
    const windowS = windowUs / US_PER_S;
    const failedAttempts = this.#failedAttempts();
    const endedAttempts = failedAttempts + this.#servedInTime;
    const finished = this.#requestsSucceeded + this.#requestsFailed;
    let busyUs = 0;
    for (const replica of this.#replicas) {
      busyUs += replica.busyUs;
      for (const attempt of replica.inService) busyUs += nowUs - attempt.startUs;
    }
    let waiting = this.centralQueueLength.areaUs(nowUs);
    for (const replica of this.#replicas) waiting += replica.queueLength.areaUs(nowUs);
    return {
      ...this.counts(),
      windowUs,
      goodputPerS: windowUs > 0 ? this.#requestsSucceeded / windowS : NaN,
      offeredErlangs: windowUs > 0 ? this.#demandUs / windowUs : NaN,
      attemptsPerS: windowUs > 0 ? this.#attempts / windowS : NaN,
      arrivalsPerS: windowUs > 0 ? this.#requests / windowS : NaN,
      errorRate: endedAttempts > 0 ? failedAttempts / endedAttempts : NaN,
      successRate: finished > 0 ? this.#requestsSucceeded / finished : NaN,
      latencyMeanUs: this.latenciesUs.mean(),
      latencyP50Us: this.latenciesUs.percentile(0.5),
      latencyP99Us: this.latenciesUs.percentile(0.99),
      waitMeanUs: this.waitMeanUs(),
      inSystemMean: this.inSystemMean(),
      waitingMean: windowUs > 0 ? waiting / windowUs : NaN,
      utilization: windowUs > 0 ? busyUs / (windowUs * this.#replicas.length * this.#concurrency) : NaN,
    };
  }

  /** The replicas as they are now, for a live view; unlike `sample()` it changes nothing. */
  snapshotNow(): {
    readonly queueLengths: readonly number[];
    readonly centralQueueLength: number;
    readonly failed: readonly boolean[];
    readonly admitted: readonly boolean[];
    readonly slowdowns: readonly number[];
    /** Busy service slots over all slots. */
    readonly busyFraction: number;
  } {
    let busy = 0;
    for (const replica of this.#replicas) busy += replica.inService.length;
    return {
      queueLengths: this.#replicas.map((replica) => replica.queue.length),
      centralQueueLength: this.#centralQueue.length,
      failed: this.#replicas.map((replica) => replica.failed),
      admitted: this.#replicas.map((replica) => replica.admitted),
      slowdowns: this.#replicas.map((replica) => replica.slowdown),
      busyFraction: busy / (this.#replicas.length * this.#concurrency),
    };
  }

  /** Takes a snapshot for time series, keeps it in `samples`, and returns it. */
  sample(): ReplicaPoolSample {
    assert(this.samples.length < this.#samplesMax, "too many samples: raise samplesMax");
    const nowUs = this.#sim.now;
    const previous = this.#baseline;
    const spanUs = nowUs - previous.timeUs;
    const spanS = spanUs / US_PER_S;
    const areasUs = this.#replicas.map((replica) => replica.queueLength.areaUs(nowUs));
    const failedAttempts = this.#failedAttempts();
    const ended = failedAttempts + this.#servedInTime;
    const snapshot: ReplicaPoolSample = {
      timeUs: nowUs,
      queueLengths: this.#replicas.map((replica) => replica.queue.length),
      // A replica added since the last sample starts from zero.
      queueLengthMeans: areasUs.map((areaUs, k) => (spanUs > 0 ? (areaUs - (previous.areasUs[k] ?? 0)) / spanUs : NaN)),
      centralQueueLength: this.#centralQueue.length,
      routedCounts: this.#replicas.map((replica, k) => replica.routedCount - (previous.routed[k] ?? 0)),
      servedCounts: this.#replicas.map((replica, k) => replica.servedCount - (previous.served[k] ?? 0)),
      admitted: this.#replicas.map((replica) => replica.admitted),
      failed: this.#replicas.map((replica) => replica.failed),
      arrivalsPerS: (this.#requests - previous.arrivals) / spanS,
      attemptsPerS: (this.#attempts - previous.attempts) / spanS,
      goodputPerS: (this.#requestsSucceeded - previous.succeeded) / spanS,
      errorRate: ended > previous.ended ? (failedAttempts - previous.failedAttempts) / (ended - previous.ended) : NaN,
    };
    this.samples.push(snapshot);
    this.#baseline = {
      timeUs: nowUs,
      arrivals: this.#requests,
      attempts: this.#attempts,
      succeeded: this.#requestsSucceeded,
      ended,
      failedAttempts,
      areasUs,
      routed: this.#replicas.map((replica) => replica.routedCount),
      served: this.#replicas.map((replica) => replica.servedCount),
    };
    return snapshot;
  }

  // ── Arrivals and sending ──────────────────────────────────────────────────────────

  #arrive(): void {
    this.#arrivalHandle = -1;
    if (this.#stopped) return;
    this.#arrivalsGenerated++;
    // The next gap and this demand are drawn whatever the pool is doing (common random numbers).
    if (this.#arrivalsGenerated < this.#arrivalsMax) this.#scheduleArrival(this.#nextGapUs());
    this.#newRequest(this.#drawServiceUs(), null, undefined);
  }

  #scheduleArrival(gapUs: number): void {
    this.#arrivalDueUs = this.#sim.now + gapUs;
    this.#arrivalHandle = this.#sim.schedule(gapUs, this.#onArrival);
  }

  #nextGapUs(): number {
    // At factor 1 the mean is the base one exactly, so runs without spikes draw as before.
    return Math.round(this.#arrivalRng.exponential(this.#rateFactor === 1 ? this.#gapMeanUs : this.#gapMeanUs / this.#rateFactor));
  }

  #drawServiceUs(): number {
    let draw = this.#exponentialService
      ? this.#serviceRng.exponential(this.#options.serviceMeanUs)
      : drawFrom(this.#serviceRng, this.#options.service as DistributionSpec);
    if (this.#expensiveRng !== null && this.#expensiveRng.random() < this.#expensiveShare) draw *= this.#expensiveFactor;
    return Math.max(0, Math.round(draw));
  }

  #newRequest(serviceUs: number, onDone: RequestCallback | null, arg: unknown): void {
    this.#requests++;
    this.#demandUs += serviceUs;
    if (this.#budgetOn) {
      const tokensMax = this.#options.retryBudgetTokensMax ?? 10;
      this.#retryTokens = Math.min(tokensMax, this.#retryTokens + (this.#options.retryBudget as number));
    }
    const nowUs = this.#sim.now;
    const attempt = new Attempt(nowUs, serviceUs, onDone, arg, 1, nowUs, nowUs + this.#timeoutUs);
    if (this.#rateFactor !== 1) {
      this.#spikeRequests++;
      attempt.inSpike = true;
    }
    this.#sendAttempt(attempt);
  }

  #retry(previous: Attempt): void {
    const nowUs = this.#sim.now;
    this.#retriesSent++;
    const { firstSentUs, serviceUs, onDone, arg, number } = previous;
    const attempt = new Attempt(firstSentUs, serviceUs, onDone, arg, number + 1, nowUs, nowUs + this.#timeoutUs);
    attempt.inSpike = previous.inSpike;
    this.#sendAttempt(attempt);
  }

  #sendAttempt(attempt: Attempt): void {
    const nowUs = this.#sim.now;
    this.#attempts++;
    if (this.#breakerOn && !this.#breakerAdmits(attempt)) {
      this.#refuse(attempt, "short-circuited");
      return;
    }
    if (this.#central) {
      if (this.#idleSlots > 0) {
        this.#armTimer(attempt);
        this.#hold(nowUs, 1);
        this.#start(attempt, this.#firstFreeReplica());
        return;
      }
      const queue = this.#centralQueue;
      if (queue.length >= this.#shedQueueLength) this.#refuse(attempt, "shed");
      else if (queue.full) this.#refuse(attempt, "rejected");
      else {
        this.#armTimer(attempt);
        this.#hold(nowUs, 1);
        this.#delayed++;
        queue.push(attempt);
        this.centralQueueLength.set(nowUs, queue.length);
      }
      return;
    }
    const replica = this.#replicas[this.#roundRobin ? this.#pickRoundRobin() : this.#pickShortestQueue()];
    replica.routedCount++;
    const queue = replica.queue;
    if (!replica.failed && replica.inService.length < this.#concurrency && queue.length === 0) {
      this.#armTimer(attempt);
      this.#hold(nowUs, 1);
      this.#start(attempt, replica);
    } else if (queue.length >= this.#shedQueueLength) this.#refuse(attempt, "shed");
    else if (queue.full) this.#refuse(attempt, "rejected");
    else {
      this.#armTimer(attempt);
      this.#hold(nowUs, 1);
      this.#delayed++;
      attempt.replica = replica.index;
      queue.push(attempt);
      replica.queueLength.set(nowUs, queue.length);
    }
  }

  #armTimer(attempt: Attempt): void {
    if (this.#timeoutUs !== Infinity) attempt.timerHandle = this.#sim.schedule(this.#timeoutUs, this.#onTimeout, attempt);
  }

  /** Fails an attempt at once, reported from an event at the current time. */
  #refuse(attempt: Attempt, outcome: AttemptOutcome): void {
    attempt.clientWaiting = false;
    attempt.refusal = outcome;
    this.#sim.schedule(0, this.#onRefused, attempt);
  }

  #firstFreeReplica(): Replica {
    const replicas = this.#replicas;
    const concurrency = this.#concurrency;
    for (let k = 0; k < replicas.length; k++) {
      const replica = replicas[k];
      if (!replica.failed && replica.inService.length < concurrency) return replica;
    }
    assert(false, "idle slots counted but none found");
  }

  /** Whether a replica takes new traffic: admitted, or every replica ejected (panic). */
  #eligible(replica: Replica): boolean {
    return replica.admitted || this.#admittedCount === 0;
  }

  /** A re-admitted replica's share ramps up over `slowStartUs`. */
  #weight(replica: Replica): number {
    const slowStartUs = this.#options.slowStartUs ?? 0;
    const elapsedUs = this.#sim.now - replica.admittedAtUs;
    if (elapsedUs >= slowStartUs) return 1;
    return Math.max(SLOW_START_WEIGHT_MIN, elapsedUs / slowStartUs);
  }

  #pickShortestQueue(): number {
    const replicas = this.#replicas;
    const count = replicas.length;
    const first = this.#rotation;
    this.#rotation = first + 1 === count ? 0 : first + 1;
    let best = -1;
    let bestScore = Infinity;
    for (let i = 0; i < count; i++) {
      const k = first + i < count ? first + i : first + i - count;
      const replica = replicas[k];
      if (!this.#eligible(replica)) continue;
      const score = (replica.inService.length + replica.queue.length + 1) / this.#weight(replica);
      if (score < bestScore) {
        best = k;
        bestScore = score;
      }
    }
    assert(best >= 0, "no eligible replica");
    return best;
  }

  /** nginx's smooth weighted round robin: add each weight, take the largest, subtract the total. */
  #pickRoundRobin(): number {
    const replicas = this.#replicas;
    let best: Replica | null = null;
    let total = 0;
    for (const replica of replicas) {
      if (!this.#eligible(replica)) continue;
      const weight = this.#weight(replica);
      replica.current += weight;
      total += weight;
      if (best === null || replica.current > best.current) best = replica;
    }
    assert(best !== null, "no eligible replica");
    best.current -= total;
    return best.index;
  }

  // ── Service ───────────────────────────────────────────────────────────────────────

  #start(attempt: Attempt, replica: Replica): void {
    const nowUs = this.#sim.now;
    attempt.replica = replica.index;
    attempt.slot = replica.inService.length;
    attempt.startUs = nowUs;
    replica.inService.push(attempt);
    this.#idleSlots--;
    this.#waitSumUs += nowUs - attempt.sentUs;
    this.#waitCount++;
    const demandUs = attempt.serviceUs;
    const durationUs = replica.slowdown === 1 ? demandUs : Math.round(demandUs * replica.slowdown);
    attempt.endHandle = this.#sim.schedule(durationUs, this.#onServiceEnd, attempt);
  }

  #endService(attempt: Attempt): void {
    if (this.#downstream !== null && !attempt.calledDownstream) {
      // Its own work is done; the replica holds the slot while it calls the back tier.
      attempt.calledDownstream = true;
      attempt.endHandle = -1;
      this.#downstreamCalls++;
      this.#downstream(this.#onDownstreamDone, attempt);
      return;
    }
    this.#release(attempt);
    if (attempt.clientWaiting) {
      attempt.clientWaiting = false;
      if (attempt.timerHandle >= 0) this.#sim.cancel(attempt.timerHandle);
      this.#replicas[attempt.replica].servedCount++;
      this.#servedInTime++;
      this.#succeeded(attempt);
    } else {
      this.#wasted++;
    }
  }

  /** The back tier answered an attempt's call: the replica answers its client. */
  #downstreamDone(outcome: RequestOutcome, attempt: Attempt): void {
    // Lost with its replica (failReplica) while the call was under way.
    if (attempt.slot < 0) return;
    if (outcome === "succeeded") {
      this.#endService(attempt);
      return;
    }
    this.#release(attempt);
    if (attempt.clientWaiting) {
      attempt.clientWaiting = false;
      if (attempt.timerHandle >= 0) this.#sim.cancel(attempt.timerHandle);
      this.#attemptFailed(attempt, "backend-failed");
    } else {
      this.#wasted++;
    }
  }

  /** Frees an attempt's slot at the end of its service and starts the next. */
  #release(attempt: Attempt): void {
    const nowUs = this.#sim.now;
    const replica = this.#replicas[attempt.replica];
    const inService = replica.inService;
    // Swap-remove from the replica's slots.
    const last = inService.pop() as Attempt;
    if (last !== attempt) {
      inService[attempt.slot] = last;
      last.slot = attempt.slot;
    }
    attempt.slot = -1;
    replica.busyUs += nowUs - attempt.startUs;
    this.#idleSlots++;
    this.#hold(nowUs, -1);
    // Start the next before answering, so a retry sent from a callback queues behind it.
    this.#pull(replica);
  }

  /** Fills `replica`'s free slots from its queue (or the central one). */
  #pull(replica: Replica): void {
    if (replica.failed) return;
    const central = this.#central;
    const queue = central ? this.#centralQueue : replica.queue;
    const concurrency = this.#concurrency;
    const nowUs = this.#sim.now;
    let taken = false;
    while (replica.inService.length < concurrency && queue.length > 0) {
      const next = queue.shift();
      taken = true;
      if (next.number === 0) {
        this.#probeJudged(next, true);
        continue;
      }
      if (this.#dropExpired && nowUs >= next.deadlineUs) {
        this.#dropped++;
        this.#hold(nowUs, -1);
        continue;
      }
      this.#start(next, replica);
    }
    if (taken) {
      if (central) this.centralQueueLength.set(nowUs, queue.length);
      else replica.queueLength.set(nowUs, queue.length);
    }
  }

  // ── Client: outcomes, retries, budget, breaker ────────────────────────────────────

  #timeOut(attempt: Attempt): void {
    attempt.timerHandle = -1;
    assert(attempt.clientWaiting, "a timer outlived its attempt");
    attempt.clientWaiting = false;
    this.#attemptFailed(attempt, "timed-out");
  }

  #succeeded(attempt: Attempt): void {
    if (this.#breakerOn) this.#breakerRecord(attempt, true);
    this.#requestsSucceeded++;
    if (attempt.inSpike) this.#spikeSucceeded++;
    this.latenciesUs.add(this.#sim.now - attempt.firstSentUs);
    if (attempt.onDone !== null) attempt.onDone("succeeded", attempt.arg);
  }

  #attemptFailed(attempt: Attempt, outcome: AttemptOutcome): void {
    if (outcome === "timed-out") this.#timedOut++;
    else if (outcome === "rejected") this.#rejected++;
    else if (outcome === "shed") this.#shed++;
    else if (outcome === "backend-failed") this.#backendFailed++;
    else this.#shortCircuited++;
    if (outcome !== "short-circuited") {
      if (this.#breakerOn) this.#breakerRecord(attempt, false);
      if (attempt.number <= this.#retries && this.#retryAllowed()) {
        this.#sim.schedule(this.#backoffUs(attempt.number), this.#onRetry, attempt);
        return;
      }
    }
    this.#requestsFailed++;
    if (attempt.onDone !== null) attempt.onDone(outcome, attempt.arg);
  }

  #retryAllowed(): boolean {
    if (!this.#budgetOn) return true;
    if (this.#retryTokens < 1) return false;
    this.#retryTokens -= 1;
    return true;
  }

  /** Delay before retry number `retry` (1 for the first), µs: full jitter. */
  #backoffUs(retry: number): number {
    if ((this.#options.backoff ?? "none") === "none") return 0;
    const baseUs = this.#options.backoffBaseUs ?? 10_000;
    const maxUs = this.#options.backoffMaxUs ?? US_PER_S;
    const capUs = Math.min(maxUs, baseUs * 2 ** (retry - 1));
    return Math.round(this.#backoffRng.random() * capUs);
  }

  #breakerAdmits(attempt: Attempt): boolean {
    if (this.#breakerState === CLOSED) return true;
    if (this.#breakerState === OPEN) {
      if (this.#sim.now < this.#breakerOpenUntilUs) return false;
      this.#breakerState = HALF_OPEN;
      this.#trialInFlight = false;
    }
    if (this.#trialInFlight) return false;
    this.#trialInFlight = true;
    attempt.trial = true;
    return true;
  }

  #breakerRecord(attempt: Attempt, succeeded: boolean): void {
    const nowUs = this.#sim.now;
    if (this.#breakerState === HALF_OPEN) {
      if (!attempt.trial) return;
      if (succeeded) this.#closeBreaker();
      else this.#openBreaker();
      return;
    }
    // Attempts sent before the breaker opened, ending while it is open, say nothing new.
    if (this.#breakerState === OPEN) return;
    if (nowUs >= this.#breakerWindowStartUs + this.#breaker.breakerWindowUs) {
      this.#breakerWindowStartUs = nowUs;
      this.#breakerEnded = 0;
      this.#breakerFailed = 0;
    }
    this.#breakerEnded++;
    if (!succeeded) this.#breakerFailed++;
    const threshold = this.#breaker.errorRateThreshold;
    if (this.#breakerEnded >= this.#breaker.breakerMinRequests && this.#breakerFailed >= threshold * this.#breakerEnded) {
      this.#openBreaker();
    }
  }

  #openBreaker(): void {
    this.#breakerState = OPEN;
    this.#breakerOpenUntilUs = this.#sim.now + this.#breaker.openUs;
    this.breakerOpenedCount++;
    this.#sim.record({ kind: "BreakerOpened", source: this.#options.name });
  }

  #closeBreaker(): void {
    this.#breakerState = CLOSED;
    this.#breakerWindowStartUs = this.#sim.now;
    this.#breakerEnded = 0;
    this.#breakerFailed = 0;
    this.#sim.record({ kind: "BreakerClosed", source: this.#options.name });
  }

  // ── Health checks ─────────────────────────────────────────────────────────────────

  #healthTick(): void {
    if (this.#stopped) return;
    const intervalUs = this.#options.healthIntervalUs as number;
    this.#sim.schedule(intervalUs, this.#onHealthTick);
    const nowUs = this.#sim.now;
    const timeoutUs = this.#options.healthTimeoutUs as number;
    for (const replica of this.#replicas) {
      const probe = new Attempt(nowUs, 0, null, undefined, 0, nowUs, nowUs + timeoutUs);
      probe.replica = replica.index;
      const queue = replica.queue;
      if (!replica.failed && replica.inService.length < this.#concurrency && queue.length === 0) {
        this.#probeJudged(probe, true);
      } else if (queue.full) {
        this.#probeJudged(probe, false);
      } else {
        probe.timerHandle = this.#sim.schedule(timeoutUs, this.#onProbeTimeout, probe);
        queue.push(probe);
        replica.queueLength.set(nowUs, queue.length);
      }
    }
  }

  /** A probe answered (`good`) or timed out; answers after the timeout are ignored. */
  #probeJudged(probe: Attempt, good: boolean): void {
    if (!probe.clientWaiting) return;
    probe.clientWaiting = false;
    if (probe.timerHandle >= 0) {
      this.#sim.cancel(probe.timerHandle);
      probe.timerHandle = -1;
    }
    const replica = this.#replicas[probe.replica];
    if (good) {
      replica.goodInRow++;
      replica.badInRow = 0;
      if (!replica.admitted && replica.goodInRow >= (this.#options.healthyThreshold ?? 2)) this.#admit(replica);
    } else {
      replica.badInRow++;
      replica.goodInRow = 0;
      if (replica.admitted && replica.badInRow >= (this.#options.unhealthyThreshold ?? 3)) this.#eject(replica);
    }
  }

  #eject(replica: Replica): void {
    replica.admitted = false;
    replica.current = 0;
    this.#admittedCount--;
    this.ejectedCount++;
    this.#sim.record({ kind: "ReplicaEjected", source: this.#options.name, replica: replica.index });
  }

  #admit(replica: Replica): void {
    replica.admitted = true;
    replica.admittedAtUs = this.#sim.now;
    replica.current = 0;
    this.#admittedCount++;
    this.readmittedCount++;
    this.#sim.record({ kind: "ReplicaAdmitted", source: this.#options.name, replica: replica.index });
  }

  // ── Helpers ───────────────────────────────────────────────────────────────────────

  #hold(nowUs: number, delta: number): void {
    this.#heldAreaUs += this.#held * (nowUs - this.#heldSinceUs);
    this.#heldSinceUs = nowUs;
    this.#held += delta;
  }

  #replica(k: number): Replica {
    assert(Number.isInteger(k), "replica index must be an integer");
    assert(k >= 0, "no such replica");
    assert(k < this.#replicas.length, "no such replica");
    return this.#replicas[k];
  }

  #failedAttempts(): number {
    return this.#timedOut + this.#rejected + this.#shed + this.#shortCircuited + this.#backendFailed;
  }

  #freshBaseline(): SampleBaseline {
    return {
      timeUs: this.#sim.now,
      arrivals: 0,
      attempts: 0,
      succeeded: 0,
      ended: 0,
      failedAttempts: 0,
      areasUs: this.#replicas.map(() => 0),
      routed: this.#replicas.map(() => 0),
      served: this.#replicas.map(() => 0),
    };
  }
}
