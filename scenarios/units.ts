/**
 * Durations in scenario files: seconds as a number, or a string with units such as
 * `90s`, `30m`, `1.5h`, `7d`, `2w`, `5y`, `500ms`, `250us` and combinations in
 * descending order (`1h30m`). A year is 365 days; there are no months, whose length varies.
 *
 * Scenario files speak seconds; the kernel speaks integer microseconds (sim/time.ts). The
 * conversion happens once, when a scenario is frozen, not here.
 */
import { z } from "zod";
import { DURATION_MAX_S, DURATION_MIN_S } from "./limits.js";

/** Microseconds per unit. Integers, so a sum of components rounds once, at the end. */
const unitUs: Readonly<Record<string, number>> = {
  us: 1,
  "µs": 1,
  ms: 1_000,
  s: 1_000_000,
  m: 60_000_000,
  h: 3_600_000_000,
  d: 86_400_000_000,
  w: 604_800_000_000,
  y: 31_536_000_000_000,
};

/** Larger units rank higher; components of a combined duration must strictly descend. */
const unitRank: Readonly<Record<string, number>> = {
  us: 0,
  "µs": 0,
  ms: 1,
  s: 2,
  m: 3,
  h: 4,
  d: 5,
  w: 6,
  y: 7,
};

// `ms` before `m` and `us`/`µs` before `s` in the alternation, so `5ms` is not `5m` + `s`.
const componentSource = String.raw`(\d+(?:\.\d+)?|\.\d+)(ms|us|µs|s|m|h|d|w|y)`;
const component = new RegExp(componentSource, "y");

/**
 * The shape of a duration string, for JSON Schema and editors. Looser than
 * durationSeconds(): it does not check that units descend.
 */
export const durationPattern = new RegExp(`^(?:${componentSource})+$`);

/**
 * Seconds in a duration: a finite number ≥ 0 (already seconds), or a string such as
 * `90s`, `1.5h`, `1h30m`, `500ms`. Surrounding whitespace is ignored. Returns undefined
 * for anything else: `5 years`, `-3h`, `h`, `""`, a unitless string such as `"90"`,
 * repeated or ascending units (`30m1h`).
 */
export function durationSeconds(text: string | number): number | undefined {
  if (typeof text === "number") {
    return Number.isFinite(text) && text >= 0 ? text : undefined;
  }
  if (typeof text !== "string") return undefined;
  const source = text.trim();
  if (source.length === 0) return undefined;

  let totalUs = 0;
  let rankPrevious = Number.POSITIVE_INFINITY;
  component.lastIndex = 0;
  while (component.lastIndex < source.length) {
    const match = component.exec(source);
    if (match === null) return undefined;
    const [, amount, unit] = match;
    const rank = unitRank[unit];
    if (rank >= rankPrevious) return undefined;
    rankPrevious = rank;
    totalUs += Number(amount) * unitUs[unit];
  }
  const seconds = totalUs / 1_000_000;
  return Number.isFinite(seconds) ? seconds : undefined;
}

/** `"5 years"` for strings, `12`, `true`, `null` for scalars, `array`/`object` otherwise. */
function describeGot(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "object") return "object";
  return String(value);
}

/** The message for a value that is not a duration; without "got" when the key is missing. */
function notDurationMessage(value: unknown): string {
  const expected = `expected a duration such as "5y"`;
  return value === undefined ? expected : `${expected}, got ${describeGot(value)}`;
}

export interface DurationOptions {
  /** Reject zero: for intervals and rates, where 0 would divide or loop forever. */
  readonly positive?: boolean;
}

/**
 * A zod schema for a duration: accepts what durationSeconds() accepts and outputs seconds.
 * Problems read `expected a duration such as "5y", got "5 years"`, and with `positive`,
 * `expected a positive duration, got "0s"`.
 *
 * Its input side is `number | string` (strings with a `pattern`), so `z.toJSONSchema(…,
 * { io: "input" })` describes it; the output side is a transform.
 */
export function zDuration(options: DurationOptions = {}) {
  const positive = options.positive ?? false;
  return z
    .union(
      [
        z.number(),
        z.string().regex(durationPattern, { error: (issue) => notDurationMessage(issue.input) }),
      ],
      { error: (issue) => notDurationMessage(issue.input) },
    )
    .meta({
      description: `${positive ? "a positive duration" : "a duration"}: seconds, or a string such as "90s", "30m", "4h", "7d", "5y"`,
    })
    .transform((value, context): number => {
      const seconds = durationSeconds(value);
      const problem = seconds === undefined ? notDurationMessage(value) : durationProblem(seconds, positive, describeGot(value));
      if (problem !== null) {
        context.issues.push({ code: "custom", input: value, message: problem });
        return z.NEVER;
      }
      return seconds!;
    });
}

/**
 * Why `seconds` (`shown` as written) is not a duration a run can hold, or null: a duration
 * is at least 1us, the clock's resolution, unless zero is allowed, and at most 100y.
 */
export function durationProblem(seconds: number, positive: boolean, shown: string): string | null {
  if (positive && seconds === 0) return `expected a positive duration, got ${shown}`;
  if (seconds > 0 && seconds < DURATION_MIN_S) return `expected at least 1us, the clock's resolution, got ${shown}`;
  if (seconds > DURATION_MAX_S) return `expected at most 100y, the longest a run may hold, got ${shown}`;
  return null;
}

/** Units for display, largest first. Weeks are left out: `7d` reads better than `1w`. */
const displayUnits: ReadonlyArray<{ readonly unit: string; readonly seconds: number; readonly decimals: number }> = [
  { unit: "y", seconds: 31_536_000, decimals: 1 },
  { unit: "d", seconds: 86_400, decimals: 1 },
  { unit: "h", seconds: 3_600, decimals: 1 },
  // Whole minutes only: 90 seconds is `90s`, not `1.5m`.
  { unit: "m", seconds: 60, decimals: 0 },
  { unit: "s", seconds: 1, decimals: 1 },
  { unit: "ms", seconds: 1e-3, decimals: 0 },
  { unit: "us", seconds: 1e-6, decimals: 1 },
];

function isWholeAt(value: number, decimals: number): boolean {
  const scaled = value * 10 ** decimals;
  return Math.abs(scaled - Math.round(scaled)) <= 1e-9 * Math.max(1, Math.abs(scaled));
}

/**
 * A duration in seconds for people: the largest unit that shows it exactly as 1 to 999
 * with at most one decimal (`90s`, `30m`, `4h`, `1.5h`, `7d`, `5y`, `250ms`); when none
 * does, the largest unit with a value ≥ 1, to three significant digits (`3.43h`, lossy).
 * Minutes are whole (`90s`, not `1.5m`) and weeks are not used (`7d`, not `1w`).
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  if (seconds < 0) return `-${formatDuration(-seconds)}`;
  if (seconds === 0) return "0s";
  for (const { unit, seconds: unitSeconds, decimals } of displayUnits) {
    const value = seconds / unitSeconds;
    // Below 1000 so that 12345.678 s reads `3.43h`, not `12345678ms`; years have no larger unit.
    if (value >= 1 && (value < 1000 || unit === "y") && isWholeAt(value, decimals)) {
      const rounded = Math.round(value * 10 ** decimals) / 10 ** decimals;
      return `${rounded}${unit}`;
    }
  }
  const fallback = displayUnits.find(({ seconds: unitSeconds }) => seconds / unitSeconds >= 1) ?? displayUnits[displayUnits.length - 1];
  return `${Number((seconds / fallback.seconds).toPrecision(3))}${fallback.unit}`;
}
