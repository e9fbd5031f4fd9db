import { assert } from "../../sim/assert.js";
import type { DistributionSpec } from "../../sim/distribution.js";
import { meanOf, sample } from "../../sim/distribution.js";
import type { RngStream } from "../../sim/rng.js";
import { US_PER_DAY, US_PER_H, US_PER_S } from "../../sim/time.js";

/**
 * Job submissions as a non-homogeneous Poisson process with a daily and a weekly cycle,
 * plus bursts: a parameter sweep or job array dropping hundreds of jobs at once.
 *
 * The base rate, jobs per hour, at time t (time 0 is midnight at the start of day 0):
 *
 *     λ(t) = ratePerHour · (1 + A·cos(2π·(h(t) − peakHour) / 24)) · w(t)
 *
 * where h(t) is the hour of day (t mod 24 h, in hours, fractional), A is
 * `diurnalAmplitude`, and w(t) is `weekendFactor` on days 5 and 6 of each week
 * (⌊t / 24 h⌋ mod 7 ∈ {5, 6}: day 0 is a Monday) and 1 otherwise. So `ratePerHour` is the
 * mean over a weekday, the peak is ratePerHour·(1 + A) at `peakHour`, the trough
 * ratePerHour·(1 − A) twelve hours away, and the mean over a week is
 * ratePerHour·(5 + 2·weekendFactor)/7. The cosine is continuous across midnight; the
 * weekend factor steps at midnight.
 *
 * Base arrivals come by thinning (Lewis & Shedler 1979, "Simulation of nonhomogeneous
 * Poisson processes by thinning", Naval Research Logistics Quarterly 26(3)): candidates
 * arrive at the constant rate λmax = ratePerHour·(1 + A)·max(1, weekendFactor), and each is
 * kept with probability λ(t)/λmax. A candidate takes two draws (gap, then the keep test),
 * so the sequence depends on the stream alone. A flat profile (A = 0, weekendFactor = 1)
 * keeps every candidate and skips the keep test: one draw per arrival.
 *
 * Bursts are episodes of a homogeneous Poisson process, `burstsPerDay`. An episode
 * starting at s brings max(1, round(burstSize draw)) jobs, spread independently and
 * uniformly over [s, s + burstSpreadS]. They are drawn in time order without sorting or
 * storing them: the first of m uniforms on [x, 1] is x + (1 − x)(1 − V^(1/m)), V uniform on
 * (0, 1] (the minimum of m uniforms; Devroye 1986, "Non-Uniform Random Variate Generation",
 * ch. V), so an open burst is four numbers however large it is. Bursts draw from their own
 * stream, so turning them on leaves the base arrivals as they were (common random numbers).
 *
 * Times are continuous inside and rounded to whole µs on the way out. Two arrivals that
 * round to the same µs (or a burst with no spread) are moved apart 1 µs at a time, so
 * arrival times strictly increase and the first is at 1 µs or later. Only such a collision
 * can move a base arrival when bursts are turned on, by 1 µs per burst job it lands on: with
 * bursts spread over seconds or more, that all but never happens.
 *
 * Leaves out: holidays, time zones and daylight saving; a daily cycle of the bursts
 * themselves (they are as likely at 3 am as at 3 pm); users' feedback to queue waits
 * (arrivals here never depend on load, so every strategy sees the same jobs). The
 * diurnal/weekly shape of HPC submissions is documented by Lublin & Feitelson 2003, "The
 * workload on parallel supercomputers: modeling the characteristics of rigid jobs" (JPDC
 * 63(11)); they also model job arrays' repeated submissions, which bursts stand in for.
 */
export interface ArrivalProfile {
  /** Mean base rate over a weekday, jobs per hour (≥ 0). */
  readonly ratePerHour: number;
  /** A in the shape above, in [0, 1). Default 0: no daily cycle. */
  readonly diurnalAmplitude?: number;
  /** Hour of day of the peak, in [0, 24]. Default 14: early afternoon. */
  readonly peakHour?: number;
  /** Multiplies the base rate on days 5 and 6 of each week (≥ 0). Default 1. */
  readonly weekendFactor?: number;
  /** Rate of burst episodes, per day (≥ 0). Default 0: no bursts. */
  readonly burstsPerDay?: number;
  /** Jobs per burst; a draw is rounded to the nearest integer and raised to 1. Needed when burstsPerDay > 0. */
  readonly burstSize?: DistributionSpec;
  /** A burst's jobs arrive uniformly within this window from its start, seconds (≥ 0). Default 0: all at once. */
  readonly burstSpreadS?: number;
}

/** The stream of the base process: failure and arrival streams never name the strategy. */
export const ARRIVALS_STREAM = "workload.arrivals";
/** The stream of the bursts. */
export const BURSTS_STREAM = "workload.bursts";

/** Bursts open at once; expected b·spread/day, so reaching this means the options are off. */
const OPEN_BURSTS_MAX = 1_024;
const DAYS_PER_WEEK = 7;
const WEEKEND_FIRST_DAY = 5;

/** An `ArrivalProfile` checked, with its defaults filled in. */
interface Profile {
  readonly ratePerHour: number;
  readonly amplitude: number;
  readonly peakUs: number;
  readonly weekendFactor: number;
  readonly burstsPerDay: number;
  readonly burstSize: DistributionSpec;
  readonly burstSpreadUs: number;
}

function resolveProfile(options: ArrivalProfile): Profile {
  const amplitude = options.diurnalAmplitude ?? 0;
  const peakHour = options.peakHour ?? 14;
  const weekendFactor = options.weekendFactor ?? 1;
  const burstsPerDay = options.burstsPerDay ?? 0;
  const burstSpreadS = options.burstSpreadS ?? 0;
  assert(Number.isFinite(options.ratePerHour), "ratePerHour must be finite");
  assert(options.ratePerHour >= 0, "ratePerHour must be ≥ 0");
  assert(amplitude >= 0, "diurnalAmplitude must be ≥ 0");
  assert(amplitude < 1, "diurnalAmplitude must be < 1");
  assert(peakHour >= 0, "peakHour must be ≥ 0");
  assert(peakHour <= 24, "peakHour must be ≤ 24");
  assert(Number.isFinite(weekendFactor), "weekendFactor must be finite");
  assert(weekendFactor >= 0, "weekendFactor must be ≥ 0");
  assert(Number.isFinite(burstsPerDay), "burstsPerDay must be finite");
  assert(burstsPerDay >= 0, "burstsPerDay must be ≥ 0");
  assert(Number.isFinite(burstSpreadS), "burstSpreadS must be finite");
  assert(burstSpreadS >= 0, "burstSpreadS must be ≥ 0");
  assert(burstsPerDay === 0 || options.burstSize !== undefined, "burstSize is needed when burstsPerDay > 0");
  return {
    ratePerHour: options.ratePerHour,
    amplitude,
    peakUs: peakHour * US_PER_H,
    weekendFactor,
    burstsPerDay,
    burstSize: options.burstSize ?? { kind: "constant", value: 1 },
    burstSpreadUs: burstSpreadS * US_PER_S,
  };
}

/** w(t): the weekend factor on days 5 and 6 of the week, else 1. `timeUs` ≥ 0. */
function weekFactor(profile: Profile, timeUs: number): number {
  return Math.floor(timeUs / US_PER_DAY) % DAYS_PER_WEEK >= WEEKEND_FIRST_DAY ? profile.weekendFactor : 1;
}

/** λ(t) / ratePerHour. `timeUs` ≥ 0 may be fractional. */
function relativeRate(profile: Profile, timeUs: number): number {
  const phase = (2 * Math.PI * ((timeUs % US_PER_DAY) - profile.peakUs)) / US_PER_DAY;
  return (1 + profile.amplitude * Math.cos(phase)) * weekFactor(profile, timeUs);
}

/**
 * ∫₀ᵗ λ(x)/ratePerHour dx, in hours, for t ≥ 0 µs. Whole days add their weight times 24 h
 * (the cosine integrates to 0 over a day); the day t falls in adds its part of the cosine.
 */
function cumulativeRelativeHours(profile: Profile, timeUs: number): number {
  const day = Math.floor(timeUs / US_PER_DAY);
  const weeks = Math.floor(day / DAYS_PER_WEEK);
  const dayOfWeek = day - weeks * DAYS_PER_WEEK;
  const weekendDaysBefore = Math.max(0, dayOfWeek - WEEKEND_FIRST_DAY);
  const weekdaysBefore = dayOfWeek - weekendDaysBefore;
  const wholeDays = weeks * (WEEKEND_FIRST_DAY + (DAYS_PER_WEEK - WEEKEND_FIRST_DAY) * profile.weekendFactor) +
    weekdaysBefore + weekendDaysBefore * profile.weekendFactor;
  const intoDayUs = timeUs - day * US_PER_DAY;
  // ∫₀^τ (1 + A cos(2π(x − p)/D)) dx = τ + A·D/(2π)·(sin(2π(τ − p)/D) + sin(2πp/D)).
  const omega = (2 * Math.PI) / US_PER_DAY;
  const cosinePartUs =
    (profile.amplitude / omega) * (Math.sin(omega * (intoDayUs - profile.peakUs)) + Math.sin(omega * profile.peakUs));
  const dayWeight = dayOfWeek >= WEEKEND_FIRST_DAY ? profile.weekendFactor : 1;
  return wholeDays * 24 + (dayWeight * (intoDayUs + cosinePartUs)) / US_PER_H;
}

/**
 * ∫₀ᵗ min(x, S)/S dx: a burst's jobs are spread over S after its start, and no burst starts
 * before 0, so the burst jobs' arrival rate ramps up over the first S and is flat after.
 */
function burstRampUs(timeUs: number, spreadUs: number): number {
  return timeUs >= spreadUs ? timeUs - spreadUs / 2 : (timeUs * timeUs) / (2 * spreadUs);
}

/**
 * Expected arrivals in [fromUs, toUs), µs with 0 ≤ fromUs ≤ toUs: the integral of the base
 * rate (closed form), plus bursts' jobs, burstsPerDay · days · mean burst size (less over
 * the first burstSpreadS, since no burst starts before time 0). The mean burst size is
 * the spec's mean (`meanOf`), not that of the rounded draws: rounding moves it by at most
 * ½, and raising draws below ½ to 1 adds whatever weight the spec puts there. It is exact
 * for a constant integer ≥ 1 or a uniform on [k − ½, m + ½) with k ≥ 1, and off by a
 * negligible amount for a lognormal spread over many integers. Ignores the 1-µs moves that
 * keep times distinct.
 */
export function expectedArrivals(options: ArrivalProfile, fromUs: number, toUs: number): number {
  assert(fromUs >= 0, "expectedArrivals counts from time 0 on");
  assert(toUs >= fromUs, "expectedArrivals needs fromUs ≤ toUs");
  const profile = resolveProfile(options);
  const baseHours = cumulativeRelativeHours(profile, toUs) - cumulativeRelativeHours(profile, fromUs);
  const base = profile.ratePerHour * baseHours;
  if (profile.burstsPerDay === 0) return base;
  const burstDays =
    (burstRampUs(toUs, profile.burstSpreadUs) - burstRampUs(fromUs, profile.burstSpreadUs)) / US_PER_DAY;
  return base + profile.burstsPerDay * burstDays * meanOf(profile.burstSize);
}

/**
 * The arrival times of jobs, base and bursts merged in time order. Pull-based and pure:
 * the caller asks for the next arrival and schedules it; the sequence depends only on the
 * two streams and the options, never on when or how often it is asked.
 */
export class ArrivalProcess {
  readonly #rng: RngStream;
  readonly #burstRng: RngStream;
  readonly #profile: Profile;
  /** Mean gap between thinning candidates, µs; Infinity when the base rate is 0. */
  readonly #candidateGapMeanUs: number;
  /** λmax / ratePerHour: the keep test is U·this < relativeRate(t). */
  readonly #relativeRateMax: number;
  readonly #thinned: boolean;
  readonly #burstGapMeanUs: number;

  /** Time of the last thinning candidate, µs (continuous). */
  #candidateUs = 0;
  /** Next base arrival, continuous µs; NaN until drawn, Infinity when there are none. */
  #baseNextUs = NaN;
  /** Next burst job, continuous µs; NaN until found, Infinity when there are none. */
  #burstNextUs = NaN;
  /** The open burst that `#burstNextUs` belongs to, as an index into the arrays below. */
  #burstNextSlot = -1;
  /** Start of the next burst not yet opened, continuous µs. */
  #nextBurstStartUs: number;
  #burstsOpened = 0;

  // Open bursts, oldest first, as parallel arrays: the job arrays never hold jobs.
  readonly #openIndex: number[] = [];
  readonly #openStartUs: number[] = [];
  /** Position in [0, 1] of the burst's next job within its window. */
  readonly #openPosition: number[] = [];
  /** The burst's jobs after its next one. */
  readonly #openLeft: number[] = [];
  readonly #openNextUs: number[] = [];

  #lastUs = 0;
  #lastBurst = -1;

  constructor(rng: RngStream, burstRng: RngStream, options: ArrivalProfile) {
    assert(rng !== burstRng, "bursts need their own stream, or turning them on shifts the base arrivals");
    this.#rng = rng;
    this.#burstRng = burstRng;
    this.#profile = resolveProfile(options);
    const profile = this.#profile;
    this.#relativeRateMax = (1 + profile.amplitude) * Math.max(1, profile.weekendFactor);
    this.#candidateGapMeanUs =
      profile.ratePerHour === 0 ? Infinity : US_PER_H / (profile.ratePerHour * this.#relativeRateMax);
    this.#thinned = profile.amplitude !== 0 || profile.weekendFactor !== 1;
    this.#burstGapMeanUs = profile.burstsPerDay === 0 ? Infinity : US_PER_DAY / profile.burstsPerDay;
    this.#nextBurstStartUs = profile.burstsPerDay === 0 ? Infinity : burstRng.exponential(this.#burstGapMeanUs);
  }

  /** The base rate at `timeUs` (≥ 0), jobs per hour. Bursts are not included. */
  rateAt(timeUs: number): number {
    assert(timeUs >= 0, "the profile starts at time 0");
    return this.#profile.ratePerHour * relativeRate(this.#profile, timeUs);
  }

  /** The burst episode (0, 1, … in start order) of the arrival last returned; −1 for the base process. */
  get lastBurst(): number {
    return this.#lastBurst;
  }

  /**
   * The next arrival strictly after `afterUs`, in whole µs; Infinity when no more will
   * come. Arrivals not yet returned that fall at or before `afterUs` are dropped, so the
   * first call may skip a warm-up; a call with an earlier `afterUs` than the last arrival
   * returns the arrival after that one.
   */
  nextArrivalUs(afterUs: number): number {
    assert(!Number.isNaN(afterUs), "afterUs must be a time");
    for (;;) {
      if (this.#baseNextUs !== this.#baseNextUs) this.#baseNextUs = this.#drawBase();
      if (this.#burstNextUs !== this.#burstNextUs) this.#findBurstNext();
      let timeUs: number;
      // Ties go to the base process: its arrivals do not depend on whether bursts are on.
      if (this.#baseNextUs <= this.#burstNextUs) {
        timeUs = this.#baseNextUs;
        if (timeUs === Infinity) return Infinity;
        this.#baseNextUs = NaN;
        this.#lastBurst = -1;
      } else {
        timeUs = this.#burstNextUs;
        this.#lastBurst = this.#openIndex[this.#burstNextSlot];
        this.#advanceBurst(this.#burstNextSlot);
        this.#burstNextUs = NaN;
      }
      const arrivalUs = Math.max(Math.round(timeUs), this.#lastUs + 1);
      this.#lastUs = arrivalUs;
      if (arrivalUs > afterUs) return arrivalUs;
    }
  }

  /** The next kept thinning candidate. */
  #drawBase(): number {
    const meanUs = this.#candidateGapMeanUs;
    if (meanUs === Infinity) return Infinity;
    const rng = this.#rng;
    let timeUs = this.#candidateUs;
    if (!this.#thinned) {
      timeUs += rng.exponential(meanUs);
    } else {
      for (;;) {
        timeUs += rng.exponential(meanUs);
        if (rng.random() * this.#relativeRateMax < relativeRate(this.#profile, timeUs)) break;
      }
    }
    this.#candidateUs = timeUs;
    return timeUs;
  }

  /**
   * Sets `#burstNextUs` to the earliest job of the open bursts, after opening every burst
   * that starts no later than it (a burst's jobs come no earlier than its start).
   */
  #findBurstNext(): void {
    for (;;) {
      let slot = -1;
      let nextUs = Infinity;
      const openNextUs = this.#openNextUs;
      // Strict < keeps the oldest burst on a tie.
      for (let i = 0; i < openNextUs.length; i++) {
        if (openNextUs[i] < nextUs) {
          nextUs = openNextUs[i];
          slot = i;
        }
      }
      if (this.#nextBurstStartUs === Infinity || this.#nextBurstStartUs > nextUs) {
        this.#burstNextUs = nextUs;
        this.#burstNextSlot = slot;
        return;
      }
      this.#openBurst();
    }
  }

  /** Draws order: size, first job's position, then the next burst's start. */
  #openBurst(): void {
    assert(this.#openIndex.length < OPEN_BURSTS_MAX, "too many bursts open at once: burstsPerDay × burstSpreadS is off");
    const rng = this.#burstRng;
    const profile = this.#profile;
    const startUs = this.#nextBurstStartUs;
    const size = Math.max(1, Math.round(sample(rng, profile.burstSize)));
    assert(Number.isFinite(size), "burst size must be finite");
    const position = 1 - Math.pow(1 - rng.random(), 1 / size);
    this.#openIndex.push(this.#burstsOpened++);
    this.#openStartUs.push(startUs);
    this.#openPosition.push(position);
    this.#openLeft.push(size - 1);
    this.#openNextUs.push(startUs + position * profile.burstSpreadUs);
    this.#nextBurstStartUs = startUs + rng.exponential(this.#burstGapMeanUs);
  }

  /** Moves the burst in `slot` past its next job, closing it after its last. */
  #advanceBurst(slot: number): void {
    const left = this.#openLeft[slot];
    if (left === 0) {
      // Shift the younger bursts down rather than swap the last in: order by age is the tie-break.
      const last = this.#openIndex.length - 1;
      for (let i = slot; i < last; i++) {
        this.#openIndex[i] = this.#openIndex[i + 1];
        this.#openStartUs[i] = this.#openStartUs[i + 1];
        this.#openPosition[i] = this.#openPosition[i + 1];
        this.#openLeft[i] = this.#openLeft[i + 1];
        this.#openNextUs[i] = this.#openNextUs[i + 1];
      }
      this.#openIndex.pop();
      this.#openStartUs.pop();
      this.#openPosition.pop();
      this.#openLeft.pop();
      this.#openNextUs.pop();
      return;
    }
    const before = this.#openPosition[slot];
    const position = before + (1 - before) * (1 - Math.pow(1 - this.#burstRng.random(), 1 / left));
    this.#openPosition[slot] = position;
    this.#openLeft[slot] = left - 1;
    this.#openNextUs[slot] = this.#openStartUs[slot] + position * this.#profile.burstSpreadUs;
  }
}
