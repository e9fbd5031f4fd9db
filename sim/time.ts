/**
 * Sim time is an integer number of microseconds held in a double. Doubles are exact for
 * integers up to 2^53 µs, about 285 years, far past any horizon we simulate (scenarios
 * allow 100 years). An event due later than TIME_MAX_US never runs: a failure drawn from a
 * long-tailed distribution may land there, and it means "not in this run".
 */
export const US_PER_S = 1_000_000;
export const US_PER_MIN = 60 * US_PER_S;
export const US_PER_H = 3_600 * US_PER_S;
export const US_PER_DAY = 24 * US_PER_H;
/** A year is 365 days, as in MTBF figures quoted by vendors. */
export const US_PER_YEAR = 365 * US_PER_DAY;
/** The end of time: the last microsecond the clock can hold exactly. */
export const TIME_MAX_US = Number.MAX_SAFE_INTEGER;

/** Rounds a duration in seconds to whole microseconds. */
export function secondsToUs(seconds: number): number {
  return Math.round(seconds * US_PER_S);
}

export function usToSeconds(us: number): number {
  return us / US_PER_S;
}

export function usToHours(us: number): number {
  return us / US_PER_H;
}
