/**
 * Erlang C, written apart from the model so the replica pool's tests have an independent
 * referee (A. K. Erlang 1917; Kleinrock, "Queueing Systems, Vol. 1", §3.5).
 *
 * For c servers, offered load a = λ/μ Erlang and ρ = a/c < 1:
 *
 *   P(wait) = [aᶜ/c! · 1/(1−ρ)] / [Σ_{k<c} aᵏ/k! + aᶜ/c! · 1/(1−ρ)]
 *   Wq      = P(wait) / (cμ − λ)
 *
 * The terms aᵏ/k! are built by recurrence (each from the previous), so no factorial or
 * power overflows for the c of interest.
 */

/** Probability that an arrival waits in an M/M/c queue with offered load `a` Erlang. */
export function erlangC(c: number, a: number): number {
  if (!Number.isInteger(c) || c < 1) throw new Error("c must be a positive integer");
  const rho = a / c;
  if (!(a > 0) || rho >= 1) throw new Error("need 0 < a < c");
  let term = 1; // a⁰/0!
  let below = 0; // Σ_{k<c} aᵏ/k!
  for (let k = 0; k < c; k++) {
    below += term;
    term = (term * a) / (k + 1);
  }
  // term is now aᶜ/c!.
  const top = term / (1 - rho);
  return top / (below + top);
}

/** Mean wait in queue of an M/M/c queue, in the unit of 1/λ and 1/μ. */
export function mmcWaitMean(c: number, arrivalRate: number, serviceRate: number): number {
  const pWait = erlangC(c, arrivalRate / serviceRate);
  return pWait / (c * serviceRate - arrivalRate);
}

/** Mean number waiting (not in service): Lq = λ·Wq. */
export function mmcQueueLengthMean(c: number, arrivalRate: number, serviceRate: number): number {
  return arrivalRate * mmcWaitMean(c, arrivalRate, serviceRate);
}

/** M/M/1 mean wait in queue, Wq = ρ/(μ − λ): the c = 1 case, kept as its own formula. */
export function mm1WaitMean(arrivalRate: number, serviceRate: number): number {
  const rho = arrivalRate / serviceRate;
  if (!(rho > 0 && rho < 1)) throw new Error("need 0 < ρ < 1");
  return rho / (serviceRate - arrivalRate);
}
