import { assert } from "../../sim/assert.js";

/**
 * Flow-level bandwidth sharing by max-min fairness: every flow crossing a link gets an
 * equal share of what the flows limited elsewhere leave, so no flow can go faster without
 * slowing a flow that is already no faster than it. Computed by progressive filling
 * (water-filling, Bertsekas and Gallager, "Data Networks", 1992, §6.5.2): find the most
 * constrained link — the smallest remaining capacity per unfrozen flow through it —
 * freeze its flows at that share, subtract, repeat. A flow with a demand below the current
 * share freezes at its demand instead.
 *
 * This is the sharing model SimGrid uses and validated against packet-level simulation
 * and real TCP (Velho, Schnorr, Casanova and Legrand, "On the validity of flow-level TCP
 * network models for grid and cloud simulations", ACM TOMACS 2013). It also fits
 * InfiniBand fairly: credit-based flow control is lossless, and arbitration across
 * virtual lanes and ports shares a congested link roughly equally among flows.
 *
 * Leaves out: packets, slow start and other transients (rates change the instant flows
 * come and go), RTT-unfairness and SimGrid's latency-bound and cross-traffic corrections,
 * congestion spreading (head-of-line blocking, which credit flow control can cause) and
 * per-flow weights.
 *
 * Cost: O(P log L) for P (flow, link) incidences over L links: the links sit in a binary
 * heap keyed by their fair share, and freezing a flow updates the keys of the links on its
 * path only. A link's share never falls when a flow freezes (the flow's rate is at most
 * that link's share), so nothing else needs revisiting.
 */

/**
 * Max-min fair rates, Gbps, for flows over links.
 *
 * @param flowLinks the links each flow crosses; a path lists a link at most once.
 * @param capacitiesGbps capacity of each link, Gbps (0 for a failed link: its flows get 0).
 * @param demandsGbps optional cap per flow, Gbps (Infinity for none).
 * @returns each flow's rate, Gbps. A flow over no links gets its demand, or Infinity.
 */
export function maxMinRates(
  flowLinks: readonly Int32Array[],
  capacitiesGbps: Float64Array,
  demandsGbps?: Float64Array,
): Float64Array {
  return new MaxMinSolver().solve(flowLinks, capacitiesGbps, demandsGbps).slice();
}

/**
 * The progressive-filling solver with its working arrays kept between calls, so a model
 * that re-solves on every change allocates only when the problem outgrows them.
 */
export class MaxMinSolver {
  // Per link.
  #linkFlowStart = new Int32Array(0);
  #linkFlowCount = new Int32Array(0);
  #lastFlowOnLink = new Int32Array(0);
  #remainingGbps = new Float64Array(0);
  #unfrozen = new Int32Array(0);
  #shareGbps = new Float64Array(0);
  #heapPosition = new Int32Array(0);
  #heap = new Int32Array(0);
  #heapSize = 0;
  /** The links some flow crosses in this solve; between solves every link's count is 0 and its last flow -1. */
  #touched = new Int32Array(0);
  // Per (flow, link) incidence: the flows crossing each link, grouped by link.
  #linkFlows = new Int32Array(0);
  // Per flow.
  #rates = new Float64Array(0);
  #frozen = new Uint8Array(0);
  #byDemand = new Int32Array(0);

  /**
   * As `maxMinRates`, but the result is a view into the solver's buffer, valid until the
   * next `solve`.
   */
  solve(flowLinks: readonly Int32Array[], capacitiesGbps: Float64Array, demandsGbps?: Float64Array): Float64Array {
    const flowCount = flowLinks.length;
    const linkCount = capacitiesGbps.length;
    assert(demandsGbps === undefined || demandsGbps.length === flowCount, "one demand per flow");
    this.#reserveLinks(linkCount);
    let incidenceCount = 0;
    for (let f = 0; f < flowCount; f++) incidenceCount += flowLinks[f].length;
    this.#reserveFlows(flowCount, incidenceCount);

    const start = this.#linkFlowStart;
    const count = this.#linkFlowCount;
    const last = this.#lastFlowOnLink;
    const remaining = this.#remainingGbps;
    const unfrozen = this.#unfrozen;
    const linkFlows = this.#linkFlows;
    const rates = this.#rates.subarray(0, flowCount);
    const frozen = this.#frozen;

    // Count the flows on each link, checking paths as we go; only the links flows cross
    // are visited from here on, so a small problem on a large topology costs little.
    const touched = this.#touched;
    let touchedCount = 0;
    for (let f = 0; f < flowCount; f++) {
      const path = flowLinks[f];
      for (let i = 0; i < path.length; i++) {
        const link = path[i];
        assert(link >= 0, "flow crosses an unknown link");
        assert(link < linkCount, "flow crosses an unknown link");
        assert(last[link] !== f, "a flow crosses the same link twice");
        last[link] = f;
        if (count[link]++ === 0) touched[touchedCount++] = link;
      }
    }
    // Group the flows by link (counting sort): linkFlows[start[l] … start[l]+count[l]).
    let offset = 0;
    for (let t = 0; t < touchedCount; t++) {
      const link = touched[t];
      start[link] = offset;
      offset += count[link];
      unfrozen[link] = 0;
      const capacity = capacitiesGbps[link];
      assert(capacity >= 0, "a link capacity is negative");
      remaining[link] = capacity;
    }
    for (let f = 0; f < flowCount; f++) {
      const path = flowLinks[f];
      for (let i = 0; i < path.length; i++) {
        const link = path[i];
        linkFlows[start[link] + unfrozen[link]++] = f;
      }
    }

    // Flows over no links are limited by nothing but their demand.
    let demandOrderCount = 0;
    for (let f = 0; f < flowCount; f++) {
      const demand = demandsGbps === undefined ? Infinity : demandsGbps[f];
      assert(demand >= 0, "a demand is negative or NaN");
      if (flowLinks[f].length === 0) {
        frozen[f] = 1;
        rates[f] = demand;
      } else {
        frozen[f] = 0;
        rates[f] = 0;
        if (demand !== Infinity) this.#byDemand[demandOrderCount++] = f;
      }
    }
    const byDemand = this.#byDemand.subarray(0, demandOrderCount);
    if (demandsGbps !== undefined) {
      // Smallest demand first; equal demands by flow index.
      byDemand.sort((x, y) => demandsGbps[x] - demandsGbps[y] || x - y);
    }

    // A flow alone on every link of its path shares nothing: it gets its path's smallest
    // capacity (or its demand), as progressive filling would give it, and its links leave
    // the problem. In a ring all-reduce most hops are such flows (a node sends one flow and
    // receives one), so this leaves only the links that flows really share.
    for (let f = 0; f < flowCount; f++) {
      if (frozen[f] === 1) continue;
      const path = flowLinks[f];
      let alone = true;
      let smallestGbps = Infinity;
      for (let i = 0; i < path.length; i++) {
        const link = path[i];
        if (count[link] !== 1) {
          alone = false;
          break;
        }
        if (remaining[link] < smallestGbps) smallestGbps = remaining[link];
      }
      if (!alone) continue;
      const demand = demandsGbps === undefined ? Infinity : demandsGbps[f];
      frozen[f] = 1;
      rates[f] = Math.min(smallestGbps, demand);
      for (let i = 0; i < path.length; i++) unfrozen[path[i]] = 0;
    }

    this.#heapSize = 0;
    for (let t = 0; t < touchedCount; t++) {
      const link = touched[t];
      this.#heapPosition[link] = -1;
      if (unfrozen[link] > 0) {
        this.#shareGbps[link] = remaining[link] / unfrozen[link];
        this.#heapPush(link);
      }
    }

    let nextDemand = 0;
    while (this.#heapSize > 0) {
      const bottleneck = this.#heap[0];
      const shareGbps = this.#shareGbps[bottleneck];
      while (nextDemand < demandOrderCount && frozen[byDemand[nextDemand]] === 1) nextDemand++;
      if (nextDemand < demandOrderCount) {
        const flow = byDemand[nextDemand];
        const demand = demandsGbps![flow];
        if (demand <= shareGbps) {
          this.#freeze(flowLinks, flow, demand);
          nextDemand++;
          continue;
        }
      }
      // Every unfrozen flow through the bottleneck gets its share; freezing the last of
      // them takes the link out of the heap.
      const end = start[bottleneck] + count[bottleneck];
      for (let i = start[bottleneck]; i < end; i++) {
        const flow = linkFlows[i];
        if (frozen[flow] === 0) this.#freeze(flowLinks, flow, shareGbps);
      }
      assert(this.#heapPosition[bottleneck] === -1, "the bottleneck left the heap");
    }
    for (let t = 0; t < touchedCount; t++) {
      count[touched[t]] = 0;
      last[touched[t]] = -1;
    }
    return rates;
  }

  #freeze(flowLinks: readonly Int32Array[], flow: number, rateGbps: number): void {
    this.#frozen[flow] = 1;
    this.#rates[flow] = rateGbps;
    const path = flowLinks[flow];
    const remaining = this.#remainingGbps;
    const unfrozen = this.#unfrozen;
    for (let i = 0; i < path.length; i++) {
      const link = path[i];
      // Rounding can take a saturated link a hair below zero; it has nothing left.
      const left = remaining[link] - rateGbps;
      remaining[link] = left > 0 ? left : 0;
      const flowsLeft = --unfrozen[link];
      if (flowsLeft === 0) {
        this.#heapRemove(link);
      } else {
        this.#shareGbps[link] = remaining[link] / flowsLeft;
        this.#heapUpdate(link);
      }
    }
  }

  #reserveLinks(linkCount: number): void {
    if (this.#linkFlowStart.length >= linkCount) return;
    this.#linkFlowStart = new Int32Array(linkCount);
    this.#linkFlowCount = new Int32Array(linkCount);
    this.#lastFlowOnLink = new Int32Array(linkCount);
    this.#remainingGbps = new Float64Array(linkCount);
    this.#unfrozen = new Int32Array(linkCount);
    this.#shareGbps = new Float64Array(linkCount);
    this.#heapPosition = new Int32Array(linkCount);
    this.#heap = new Int32Array(linkCount);
    this.#touched = new Int32Array(linkCount);
    this.#lastFlowOnLink.fill(-1);
  }

  #reserveFlows(flowCount: number, incidenceCount: number): void {
    if (this.#rates.length < flowCount) {
      const size = Math.max(flowCount, 2 * this.#rates.length);
      this.#rates = new Float64Array(size);
      this.#frozen = new Uint8Array(size);
      this.#byDemand = new Int32Array(size);
    }
    if (this.#linkFlows.length < incidenceCount) {
      this.#linkFlows = new Int32Array(Math.max(incidenceCount, 2 * this.#linkFlows.length));
    }
  }

  // A binary min-heap of links by (share, link id): the tie-break keeps the freeze order,
  // and so the rounding, the same on every run.

  #less(x: number, y: number): boolean {
    const shareX = this.#shareGbps[x];
    const shareY = this.#shareGbps[y];
    return shareX < shareY || (shareX === shareY && x < y);
  }

  #heapPush(link: number): void {
    const position = this.#heapSize++;
    this.#heap[position] = link;
    this.#heapPosition[link] = position;
    this.#siftUp(position);
  }

  #heapRemove(link: number): void {
    const position = this.#heapPosition[link];
    assert(position >= 0, "link not in the heap");
    this.#heapPosition[link] = -1;
    const lastPosition = --this.#heapSize;
    if (position === lastPosition) return;
    const moved = this.#heap[lastPosition];
    this.#heap[position] = moved;
    this.#heapPosition[moved] = position;
    this.#siftUp(position);
    this.#siftDown(this.#heapPosition[moved]);
  }

  #heapUpdate(link: number): void {
    const position = this.#heapPosition[link];
    assert(position >= 0, "link not in the heap");
    this.#siftUp(position);
    this.#siftDown(this.#heapPosition[link]);
  }

  #siftUp(position: number): void {
    const heap = this.#heap;
    const link = heap[position];
    while (position > 0) {
      const parent = (position - 1) >> 1;
      const parentLink = heap[parent];
      if (!this.#less(link, parentLink)) break;
      heap[position] = parentLink;
      this.#heapPosition[parentLink] = position;
      position = parent;
    }
    heap[position] = link;
    this.#heapPosition[link] = position;
  }

  #siftDown(position: number): void {
    const heap = this.#heap;
    const size = this.#heapSize;
    const link = heap[position];
    for (;;) {
      const left = 2 * position + 1;
      if (left >= size) break;
      const right = left + 1;
      const child = right < size && this.#less(heap[right], heap[left]) ? right : left;
      const childLink = heap[child];
      if (!this.#less(childLink, link)) break;
      heap[position] = childLink;
      this.#heapPosition[childLink] = position;
      position = child;
    }
    heap[position] = link;
    this.#heapPosition[link] = position;
  }
}
