import type { SimRecord } from "../../sim/sim.js";
import { US_PER_H } from "../../sim/time.js";
import { CommandError, GamedaySession, type GamedayBase, type GamedayCommand, type GamedayResult, type GamedaySnapshot } from "../../runner/gameday/session.js";
import type { Alert } from "../../runner/gameday/alerts.js";

/**
 * Drives a game-day session in real time for the terminal view: a timer advances the
 * simulated clock by speed × wall time, a bounded number of events per tick so a key is
 * never kept waiting, and the view is told of a new snapshot at most every `publishMs`.
 * Pause, speed and stepping change only how the clock is driven, never what happens, so
 * the session log alone replays the day.
 */

/** Simulated seconds per wall second. */
export const SPEEDS = [1, 10, 100, 1_000, 10_000, 100_000] as const;

/** Wall seconds the detection objective should last at the starting speed: long enough to notice. */
const NOTICE_WALL_S = 10;

/** Detection objective of a day without a script (the schema's default). */
const DEFAULT_DETECT_S = 1_800;

/**
 * The speed a day starts at: a service's in real time; a cluster's at the fastest speed
 * of the ladder at which its detection objective still lasts NOTICE_WALL_S of wall time
 * (×100 for the night shift's 20 min: 12 s to notice, 7 min for the 12 h shift; at ×1,000
 * the shift was over in 43 s and an incident's window in about a second).
 */
export function defaultSpeed(session: GamedayBase): number {
  if (!(session instanceof GamedaySession)) return 1;
  const detectS = session.scenario.gameday?.objectives.detectWithin ?? DEFAULT_DETECT_S;
  return [...SPEEDS].reverse().find((speed) => detectS / speed >= NOTICE_WALL_S) ?? SPEEDS[0];
}

export interface LogLine {
  readonly atUs: number;
  readonly text: string;
  readonly operator: boolean;
  /** The job a line is about, if any, and on a kill line how many times it was killed. */
  readonly job?: unknown;
  readonly kills?: number;
}

export interface ControllerView {
  readonly snapshot: GamedaySnapshot;
  readonly paused: boolean;
  /** The clock holds while the operator chooses or types (a menu, a prompt, the help). */
  readonly held: boolean;
  readonly speed: number;
  readonly log: readonly LogLine[];
  /** Load (0–1) and work waiting, sampled over simulated time. */
  readonly busy: readonly number[];
  readonly queue: readonly number[];
  readonly message: string;
  readonly result: GamedayResult | null;
  /** Alerts firing now, pages first, then oldest first. */
  readonly alerts: readonly Alert[];
}

export interface ControllerOptions {
  readonly tickMs?: number;
  readonly publishMs?: number;
  /** Events one tick may run before it yields to input and drawing. */
  readonly eventsPerTick?: number;
  readonly speed?: number;
  readonly paused?: boolean;
  /** Wall clock in ms (performance.now by default; tests pass their own). */
  readonly now?: () => number;
}

const LOG_KEEP = 200;
const SAMPLES = 120;

export class GamedayController {
  readonly session: GamedayBase;
  readonly eventsPerTick: number;
  readonly #tickMs: number;
  readonly #publishMs: number;
  readonly #now: () => number;
  readonly #listeners = new Set<(view: ControllerView) => void>();
  #timer: NodeJS.Timeout | null = null;
  #paused: boolean;
  #held = false;
  #speed: number;
  #log: LogLine[] = [];
  #recordsSeen = 0;
  #busy: number[] = [];
  #queue: number[] = [];
  #nextSampleUs = 0;
  #lastPublishMs = -Infinity;
  #message = "";
  #result: GamedayResult | null = null;
  /** Events the last tick ran: never more than eventsPerTick. */
  lastTickEvents = 0;

  constructor(session: GamedayBase, options: ControllerOptions = {}) {
    this.session = session;
    this.#tickMs = options.tickMs ?? 50;
    this.#publishMs = options.publishMs ?? 100;
    this.eventsPerTick = options.eventsPerTick ?? 20_000;
    this.#speed = options.speed ?? 1_000;
    this.#paused = options.paused ?? false;
    this.#now = options.now ?? (() => performance.now());
    this.#sample();
  }

  /** Starts the timer; `stop` (or the end of the day) clears it. */
  start(): void {
    if (this.#timer === null) this.#timer = setInterval(() => this.tick(), this.#tickMs);
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  subscribe(listener: (view: ControllerView) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** One timer tick: advance by speed × tick, within the event budget. */
  tick(): void {
    if (this.#paused || this.#held || this.#result !== null) return;
    const before = this.session.sim.eventsRun;
    this.session.advance(this.session.nowUs + this.#speed * this.#tickMs * 1_000, this.eventsPerTick);
    this.lastTickEvents = this.session.sim.eventsRun - before;
    this.#afterMove(false);
  }

  togglePause(): void {
    this.#paused = !this.#paused;
    this.#say(this.#paused ? "paused" : `running at ×${this.#speed.toLocaleString("en")}`);
  }

  /** Holds the clock (or lets it run again) without touching pause: closing a menu resumes a running day. */
  hold(held: boolean): void {
    if (held === this.#held) return;
    this.#held = held;
    this.#publish(true);
  }

  /** One speed up (+1) or down (−1) the ladder ×1 … ×100,000. */
  changeSpeed(direction: 1 | -1): void {
    const index = SPEEDS.indexOf(this.#speed as (typeof SPEEDS)[number]);
    const next = SPEEDS[Math.min(SPEEDS.length - 1, Math.max(0, (index === -1 ? 3 : index) + direction))];
    this.#speed = next;
    this.#say(`speed ×${next.toLocaleString("en")}`);
  }

  /** To the next instant something happens; pauses, as stepping is for looking closely. */
  step(): void {
    if (this.#result !== null) return;
    this.#paused = true;
    this.session.stepToNextEvent();
    this.#afterMove(true);
  }

  /** An operator command now; refused commands change nothing and say why. */
  command(command: GamedayCommand): void {
    if (this.#result !== null) return;
    try {
      const said = this.session.apply(command);
      this.#collectRecords();
      this.#log.push({ atUs: this.session.nowUs, text: `you: ${said}`, operator: true });
      this.#say(said);
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      this.#say(`refused: ${error.message}`);
    }
  }

  /** Ends the day where it stands; the result is scored and the timer stopped. */
  finish(): GamedayResult {
    this.stop();
    this.#result ??= this.session.finish();
    this.#publish(true);
    return this.#result;
  }

  view(): ControllerView {
    return {
      snapshot: this.session.snapshot(),
      paused: this.#paused,
      held: this.#held,
      speed: this.#speed,
      log: this.#log,
      busy: this.#busy,
      queue: this.#queue,
      message: this.#message,
      result: this.#result,
      alerts: this.session.alerting
        .firing()
        .sort((a, b) => (a.severity === b.severity ? a.firedUs - b.firedUs : a.severity === "page" ? -1 : 1)),
    };
  }

  #afterMove(force: boolean): void {
    this.#collectRecords();
    this.#sample();
    if (this.session.ended && this.#result === null) {
      this.finish();
      return;
    }
    this.#publish(force);
  }

  #say(message: string): void {
    this.#message = message;
    this.#publish(true);
  }

  #publish(force: boolean): void {
    const now = this.#now();
    if (!force && now - this.#lastPublishMs < this.#publishMs) return;
    this.#lastPublishMs = now;
    const view = this.view();
    for (const listener of this.#listeners) listener(view);
  }

  #collectRecords(): void {
    const records = this.session.visibleRecords(this.#recordsSeen);
    this.#recordsSeen = this.session.sim.records.length;
    const nodeName = (node: number) => this.session.nodeName(node);
    for (const record of records) {
      let text = describeRecord(record, nodeName);
      let kills: number | undefined;
      // One line per job in trouble: a requeued job killed again, or failing at last,
      // replaces its earlier kill line (a kill with a count), rather than filling the log.
      if ((record.kind === "JobKilled" || record.kind === "JobFailed") && typeof record.job === "number") {
        const earlier = this.#log.findLast((line) => line.job === record.job && line.kills !== undefined);
        if (earlier !== undefined) this.#log = this.#log.filter((line) => line !== earlier);
        if (record.kind === "JobKilled") {
          kills = (earlier?.kills ?? 0) + 1;
          if (kills > 1) text += ` ×${kills}`;
        }
      }
      this.#log.push({ atUs: record.timeUs as number, text, operator: false, job: record.job, kills });
    }
    if (this.#log.length > LOG_KEEP) this.#log = this.#log.slice(-LOG_KEEP);
  }

  /** Samples busy share and queue length every 1/SAMPLES of the day, for the sparklines. */
  #sample(): void {
    const stepUs = this.session.endUs === Infinity ? US_PER_H : Math.max(1e6, this.session.endUs / SAMPLES);
    while (this.#nextSampleUs <= this.session.nowUs) {
      const snapshot = this.session.snapshot();
      this.#busy.push(snapshot.load);
      this.#queue.push(snapshot.queued);
      this.#nextSampleUs += stepUs;
    }
    if (this.#busy.length > SAMPLES) {
      this.#busy = this.#busy.slice(-SAMPLES);
      this.#queue = this.#queue.slice(-SAMPLES);
    }
  }
}

/** A record as one line of the event log: nodes by name ("r02n11"), durations in minutes or hours. */
export function describeRecord(record: SimRecord, nodeName: (node: number) => string): string {
  // An alert reads as a pager does: severity, rule, what it is about, why.
  if (record.kind === "AlertFired") return `${String(record.severity).toUpperCase()} ${record.rule} ${record.target}: ${record.detail}${record.again === undefined ? "" : " (again)"}`;
  if (record.kind === "AlertResolved") return `resolved ${record.rule} ${record.target}`;
  const fields = Object.entries(record)
    .filter(([key, value]) => key !== "kind" && key !== "timeUs" && (typeof value === "string" || typeof value === "number"))
    // The node's name says what a target naming the same node would.
    .filter(([key, value]) => !(key === "target" && typeof record.node === "number" && value === nodeName(record.node)))
    .map(([key, value]) => {
      if (key === "node" && typeof value === "number") return nodeName(value);
      if (key.endsWith("Us") && typeof value === "number") {
        const minutes = value / 60e6;
        return `${key.slice(0, -2)}=${minutes < 120 ? `${Math.round(minutes)}m` : `${(minutes / 60).toFixed(1)}h`}`;
      }
      return `${key}=${typeof value === "number" && !Number.isInteger(value) ? value.toFixed(2) : value}`;
    })
    .slice(0, 3);
  return `${record.kind}${fields.length === 0 ? "" : ` ${fields.join(" ")}`}`;
}
