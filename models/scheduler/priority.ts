import { assert } from "../../sim/assert.js";
import type { Job } from "../workload/job.js";

/**
 * Multifactor priority in the manner of Slurm's priority/multifactor plugin: a weighted
 * sum of factors, each in [0, 1]:
 *
 * - age: time waiting over `maxAgeUs`, capped at 1;
 * - size: nodes asked over the cluster's nodes (favours large jobs, as Slurm's default);
 * - fair share: 2^(−U/S) (Slurm's classic formula), U the account's share of all decayed
 *   usage and S its share of the machine (accounts share equally);
 * - QOS: the QOS's priority over the largest QOS priority.
 *
 * Usage is node·µs of allocation, decayed with a half-life. Priorities are recomputed
 * every `recalcPeriodUs` (Slurm's PriorityCalcPeriod), not at every event.
 *
 * Leaves out: Slurm's fair-tree algorithm, partition and association factors, TRES weights.
 */
export interface PriorityOptions {
  readonly ageWeight: number;
  readonly sizeWeight: number;
  readonly fairShareWeight: number;
  readonly qosWeight: number;
  /** Age at which the age factor reaches 1. */
  readonly maxAgeUs: number;
  /** Half-life of recorded usage. */
  readonly halfLifeUs: number;
  readonly recalcPeriodUs: number;
  /** Priority of each QOS by name; unknown QOS get 0. */
  /** A Map, not an object: QOS names are the user's, and "constructor" is one too. */
  readonly qosPriority: ReadonlyMap<string, number>;
}

export class PriorityCalculator {
  readonly #options: PriorityOptions;
  readonly #usageByAccount = new Map<string, number>();
  readonly #qosPriorityMax: number;
  #lastDecayUs = 0;
  #lastRecalcUs = -Infinity;

  constructor(options: PriorityOptions) {
    assert(options.maxAgeUs > 0);
    assert(options.halfLifeUs > 0);
    assert(options.recalcPeriodUs >= 0);
    this.#options = options;
    this.#qosPriorityMax = Math.max(0, ...options.qosPriority.values());
  }

  /** Whether priorities are due for recomputation at `nowUs`. */
  due(nowUs: number): boolean {
    return nowUs - this.#lastRecalcUs >= this.#options.recalcPeriodUs;
  }

  /** Records that a job held `nodes` nodes for `durationUs`, ending now. */
  charge(account: string, nodeUs: number, nowUs: number): void {
    this.#decayTo(nowUs);
    if (!this.#usageByAccount.has(account)) this.#usageByAccount.set(account, 0);
    this.#usageByAccount.set(account, this.#usageByAccount.get(account)! + nodeUs);
  }

  /** Makes sure an account counts for shares even before it has used anything. */
  knowAccount(account: string): void {
    if (!this.#usageByAccount.has(account)) this.#usageByAccount.set(account, 0);
  }

  /** Sets `job.priority` for every job; the caller re-sorts. */
  recompute(jobs: readonly Job[], nowUs: number, totalNodes: number): void {
    this.#decayTo(nowUs);
    this.#lastRecalcUs = nowUs;
    let totalUsage = 0;
    for (const usage of this.#usageByAccount.values()) totalUsage += usage;
    const accounts = Math.max(1, this.#usageByAccount.size);
    const o = this.#options;
    for (const job of jobs) {
      const age = Math.min(1, (nowUs - job.submitUs) / o.maxAgeUs);
      const size = job.units / totalNodes;
      const usageShare = totalUsage > 0 ? (this.#usageByAccount.get(job.labels.account) ?? 0) / totalUsage : 0;
      const fairShare = Math.pow(2, -usageShare * accounts);
      const qos = this.#qosPriorityMax > 0 ? (o.qosPriority.get(job.labels.qos) ?? 0) / this.#qosPriorityMax : 0;
      job.priority = o.ageWeight * age + o.sizeWeight * size + o.fairShareWeight * fairShare + o.qosWeight * qos;
    }
  }

  #decayTo(nowUs: number): void {
    if (nowUs <= this.#lastDecayUs) return;
    const factor = Math.pow(2, -(nowUs - this.#lastDecayUs) / this.#options.halfLifeUs);
    for (const [account, usage] of this.#usageByAccount) this.#usageByAccount.set(account, usage * factor);
    this.#lastDecayUs = nowUs;
  }
}

/** Queue order: higher priority first, then submit order (job id). */
export function byPriorityThenId(a: Job, b: Job): number {
  return b.priority - a.priority || a.id - b.id;
}
