import { assert } from "../../sim/assert.js";

/**
 * How often to checkpoint: the optimum intervals of Young and Daly, and Daly's exact
 * expected completion time, against which the simulated checkpoint timeline is validated
 * and from which a "daly" policy can take its interval.
 *
 * Daly's exact expectation assumes:
 * - failures arrive as a Poisson process of mean time between failures M (exponential,
 *   memoryless), during compute, checkpoint writing and restart alike, and repair takes no
 *   time (the application restarts the instant it fails);
 * - the work W is cut into W/τ segments, each τ of compute followed by a checkpoint of
 *   cost C, the last one included; W/τ is taken as a real number, so a fractional last
 *   segment costs its share of a full one;
 * - a failure loses everything since the segment began (compute and the checkpoint being
 *   written), and is followed by a restart R (reading the checkpoint back) before the
 *   segment is redone; a failure during the restart starts the restart over;
 * - the first try of every segment needs no restart (the previous segment just ended,
 *   or the job just started);
 * - C, R and τ are fixed; nothing else (queueing, storage contention) delays the job.
 *
 * Sources: J. W. Young, "A first order approximation to the optimum checkpoint interval",
 * CACM 17(9), 1974. J. T. Daly, "A higher order estimate of the optimum checkpoint
 * interval for restart dumps", Future Generation Computer Systems 22(3):303–312, 2006,
 * doi:10.1016/j.future.2004.11.016: the expected wall time T_w of his complete cost model
 * and the perturbation estimate of its optimum (his Fig. 3: M = 24 h, R = 10 min,
 * δ = C = 5 min give τ_opt = 117 min).
 *
 * All times are in seconds; these are pure functions, with no sim time in them.
 */

/** Young's first-order optimum τ = √(2CM), seconds of compute between checkpoints. */
export function youngIntervalS(checkpointS: number, mtbfS: number): number {
  assert(checkpointS >= 0);
  assert(mtbfS > 0);
  return Math.sqrt(2 * checkpointS * mtbfS);
}

/**
 * Daly's higher-order optimum, seconds of compute between checkpoints:
 * τ = √(2CM)·[1 + ⅓√(C/2M) + (1/9)(C/2M)] − C when C < 2M, else τ = M.
 */
export function dalyIntervalS(checkpointS: number, mtbfS: number): number {
  assert(checkpointS >= 0);
  assert(mtbfS > 0);
  if (checkpointS >= 2 * mtbfS) return mtbfS;
  const ratio = checkpointS / (2 * mtbfS);
  return Math.sqrt(2 * checkpointS * mtbfS) * (1 + Math.sqrt(ratio) / 3 + ratio / 9) - checkpointS;
}

/**
 * Expected wall time, seconds, to get through one stretch of `segmentS` seconds that a
 * failure sends back to its start, when the first try needs no restart and every retry
 * is preceded by `restartS` (itself restarted by a failure): M·e^{R/M}·(e^{L/M} − 1).
 * With R = 0 it is the classic M·(e^{L/M} − 1).
 */
export function expectedSegmentS(segmentS: number, restartS: number, mtbfS: number): number {
  assert(segmentS >= 0);
  assert(restartS >= 0);
  assert(mtbfS > 0);
  // expm1 keeps the precision when L ≪ M, where e^{L/M} − 1 would cancel.
  return mtbfS * Math.exp(restartS / mtbfS) * Math.expm1(segmentS / mtbfS);
}

/**
 * Daly's exact expected completion time, seconds, of `workS` of compute checkpointed
 * every `intervalS` (under the assumptions in the file header):
 * T = M·e^{R/M}·(e^{(τ+C)/M} − 1)·W/τ.
 */
export function expectedCompletionS(
  workS: number,
  intervalS: number,
  checkpointS: number,
  restartS: number,
  mtbfS: number,
): number {
  assert(workS > 0);
  assert(intervalS > 0);
  return expectedSegmentS(intervalS + checkpointS, restartS, mtbfS) * (workS / intervalS);
}

/** Golden ratio conjugate, (√5 − 1)/2: the bracket shrinks by this much per step. */
const GOLDEN = (Math.sqrt(5) - 1) / 2;

/**
 * The interval, seconds, that minimises `expectedCompletionS`, by golden-section search:
 * the exact optimum that Daly's closed form approximates. W and R only scale T, so they
 * do not move the optimum; they are taken to search the function as it is written.
 *
 * The optimum lies in (0, M): dT/dτ ∝ e^{(τ+C)/M}(τ/M − 1) + 1, which rises with τ, is
 * 1 − e^{C/M} < 0 at τ = 0 and 1 > 0 at τ = M. So T is unimodal on that bracket.
 */
export function numericOptimumIntervalS(
  workS: number,
  checkpointS: number,
  restartS: number,
  mtbfS: number,
  toleranceS = 1e-6,
): number {
  assert(checkpointS > 0, "without a checkpoint cost the optimum is to checkpoint continuously");
  assert(toleranceS > 0);
  const cost = (intervalS: number): number => expectedCompletionS(workS, intervalS, checkpointS, restartS, mtbfS);
  let low = 0;
  let high = mtbfS;
  let left = high - GOLDEN * (high - low);
  let right = low + GOLDEN * (high - low);
  let leftCost = cost(left);
  let rightCost = cost(right);
  while (high - low > toleranceS) {
    if (leftCost <= rightCost) {
      high = right;
      right = left;
      rightCost = leftCost;
      left = high - GOLDEN * (high - low);
      leftCost = cost(left);
    } else {
      low = left;
      left = right;
      leftCost = rightCost;
      right = low + GOLDEN * (high - low);
      rightCost = cost(right);
    }
  }
  return (low + high) / 2;
}
