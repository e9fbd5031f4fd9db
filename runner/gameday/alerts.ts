/**
 * A game day's alerting, as an on-call rotation's monitoring does it: rules evaluated on a
 * fixed cadence of simulated time over what the simulation measures, each alert a page
 * (wake someone: the SLO is burning, a rack or a service is down) or a ticket (look at it
 * in hours: one node down, one GPU hot), deduplicated (one alert per rule and target while
 * it holds, a rack's nodes grouped into one), and suppressed where the operator has taken
 * things out of service (maintenance). An alert that resolves and holds again within the
 * long window is the same alert reopened, not a new page: sparse failures would otherwise
 * page, resolve and page again every few minutes. The SLO alert follows the multiwindow burn-rate
 * rule of the SRE workbook: it pages when the error budget burns faster than `burnRate`×
 * over both a long window (it matters) and a short one (it is still happening).
 *
 * Evaluation instants are fixed (k × evaluateEvery), never the live clock's, so a replay
 * fires the same alerts at the same times. Alerting observes; it changes nothing.
 */

export type Severity = "page" | "ticket";

/** A rule's condition holding now, for one target. */
export interface AlertSignal {
  readonly rule: string;
  readonly severity: Severity;
  /** What it is about: a node ("r01n03"), a rack ("r01"), a replica ("replica2"), a service, or the whole "cluster". */
  readonly target: string;
  readonly detail: string;
}

export interface Alert extends Omit<AlertSignal, "detail"> {
  /** Why, as it last held. */
  detail: string;
  readonly firedUs: number;
  resolvedUs: number | null;
  /** Times it resolved and held again within the long window (reopened, not fired anew). */
  reopened: number;
}

export interface AlertingOptions {
  readonly evaluateEveryUs: number;
  readonly burnRate: number;
  readonly longWindowUs: number;
  readonly shortWindowUs: number;
}

/** Alerts kept for the debrief: the first ones of a day (a flapping rule cannot grow it for ever). */
const HISTORY_MAX = 10_000;

export class Alerting {
  readonly options: AlertingOptions;
  /** Every alert that fired, in order (at most HISTORY_MAX). */
  readonly history: Alert[] = [];
  /** Signals dropped because their target was in maintenance, counted once per episode. */
  suppressed = 0;
  readonly #firing = new Map<string, Alert>();
  /** Alerts resolved within the long window, by key: holding again reopens them. */
  readonly #recent = new Map<string, Alert>();
  readonly #suppressedNow = new Set<string>();
  #nextUs: number;

  constructor(options: AlertingOptions) {
    this.options = options;
    this.#nextUs = options.evaluateEveryUs;
  }

  /** The next instant rules are evaluated at. */
  get nextEvaluationUs(): number {
    return this.#nextUs;
  }

  /** Alerts firing now, oldest first. */
  firing(): Alert[] {
    return [...this.#firing.values()];
  }

  /**
   * Evaluates at `nowUs` (the next evaluation instant): a signal not yet firing fires (or
   * reopens its alert), an alert whose signal is gone resolves, a signal on a target in
   * maintenance is dropped. Returns what changed, for the event log.
   */
  evaluate(nowUs: number, signals: readonly AlertSignal[], inMaintenance: (target: string) => boolean): { fired: Alert[]; resolved: Alert[] } {
    this.#nextUs = nowUs + this.options.evaluateEveryUs;
    const holding = new Set<string>();
    const fired: Alert[] = [];
    const suppressedNow = new Set<string>();
    for (const signal of signals) {
      const key = `${signal.rule}\u0000${signal.target}`;
      if (inMaintenance(signal.target)) {
        if (!this.#suppressedNow.has(key)) this.suppressed++;
        suppressedNow.add(key);
        continue;
      }
      holding.add(key);
      const firing = this.#firing.get(key);
      if (firing !== undefined) {
        firing.detail = signal.detail; // the view shows how it stands now
        continue;
      }
      const recent = this.#recent.get(key);
      if (recent !== undefined) {
        this.#recent.delete(key);
        recent.resolvedUs = null;
        recent.reopened++;
        recent.detail = signal.detail;
        this.#firing.set(key, recent);
        fired.push(recent);
        continue;
      }
      const alert: Alert = { ...signal, firedUs: nowUs, resolvedUs: null, reopened: 0 };
      this.#firing.set(key, alert);
      if (this.history.length < HISTORY_MAX) this.history.push(alert);
      fired.push(alert);
    }
    this.#suppressedNow.clear();
    for (const key of suppressedNow) this.#suppressedNow.add(key);
    const resolved: Alert[] = [];
    for (const [key, alert] of this.#firing) {
      if (holding.has(key)) continue;
      alert.resolvedUs = nowUs;
      this.#firing.delete(key);
      this.#recent.set(key, alert);
      resolved.push(alert);
    }
    for (const [key, alert] of this.#recent) if (alert.resolvedUs! <= nowUs - this.options.longWindowUs) this.#recent.delete(key);
    return { fired, resolved };
  }
}

/**
 * Error-budget burn over sliding windows, from cumulative counts (bad, total) sampled at
 * each evaluation: the burn rate over a window is the share of bad events in it over the
 * share the SLO allows. Keeps only the samples the long window needs.
 */
export class BurnRate {
  readonly #allowed: number;
  readonly #longUs: number;
  readonly #samples: { atUs: number; bad: number; total: number }[] = [];

  /** `allowed`: the share of events the SLO lets go bad (1 − target). */
  constructor(allowed: number, longWindowUs: number) {
    this.#allowed = allowed;
    this.#longUs = longWindowUs;
  }

  /** Adds the counts at `atUs` (cumulative, never decreasing). */
  sample(atUs: number, bad: number, total: number): void {
    this.#samples.push({ atUs, bad, total });
    // Keep one sample at or before the long window's start.
    while (this.#samples.length > 2 && this.#samples[1].atUs <= atUs - this.#longUs) this.#samples.shift();
  }

  /** Burn rate over the last `windowUs` (from the latest sample); 0 with no events in it. */
  over(windowUs: number): number {
    const last = this.#samples.at(-1);
    if (last === undefined) return 0;
    // The newest sample at or before the window's start (or the oldest kept: a day younger than the window).
    let first = this.#samples[0];
    for (const sample of this.#samples) {
      if (sample.atUs > last.atUs - windowUs) break;
      first = sample;
    }
    const total = last.total - first.total;
    return total === 0 ? 0 : (last.bad - first.bad) / total / this.#allowed;
  }
}

/** The SLO burn page, when the budget burns faster than allowed over both windows. */
export function burnSignal(burn: BurnRate, options: AlertingOptions, target: string, what: string): AlertSignal | null {
  const long = burn.over(options.longWindowUs);
  const short = burn.over(options.shortWindowUs);
  if (long <= options.burnRate || short <= options.burnRate) return null;
  return {
    rule: "SloBurnRate",
    severity: "page",
    target,
    detail: `${what} burning the error budget ${long.toFixed(1)}× over ${windowName(options.longWindowUs)} (${short.toFixed(1)}× over ${windowName(options.shortWindowUs)})`,
  };
}

function windowName(us: number): string {
  const s = us / 1e6;
  return s >= 3_600 && s % 3_600 === 0 ? `${s / 3_600} h` : s >= 60 && s % 60 === 0 ? `${s / 60} min` : `${s} s`;
}
