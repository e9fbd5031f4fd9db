import { assert } from "../../sim/assert.js";

/**
 * An availability profile: free nodes over future time, a step function built from the
 * nodes free now and the times running jobs are expected to release theirs (start + time
 * limit). Backfilling plans with it (Mu'alem and Feitelson, IEEE TPDS 12(6), 2001): the
 * earliest time a job fits for its whole time limit, and reserving that slot.
 *
 * Segment i covers [timesUs[i], timesUs[i+1]) with freeNodes[i] free; the last runs to
 * infinity. The arrays are reused across passes, so a pass allocates nothing once warm.
 */
export class AvailabilityProfile {
  readonly #timesUs: number[] = [];
  readonly #freeNodes: number[] = [];
  #length = 0;

  /** Starts over: `freeNow` nodes free from `nowUs` on. */
  reset(nowUs: number, freeNow: number): void {
    assert(freeNow >= 0);
    this.#length = 0;
    this.#push(nowUs, freeNow);
  }

  /** `nodes` more nodes are free from `timeUs` on. */
  addRelease(timeUs: number, nodes: number): void {
    const first = this.#breakAt(timeUs);
    for (let i = first; i < this.#length; i++) this.#freeNodes[i] += nodes;
  }

  /** Earliest time ≥ the profile's start when `nodes` are free for all of `durationUs`; Infinity if never. */
  earliestStart(nodes: number, durationUs: number): number {
    const times = this.#timesUs;
    const free = this.#freeNodes;
    let candidate = 0;
    while (candidate < this.#length) {
      if (free[candidate] < nodes) {
        candidate++;
        continue;
      }
      const endUs = times[candidate] + durationUs;
      let j = candidate + 1;
      while (j < this.#length && times[j] < endUs && free[j] >= nodes) j++;
      if (j === this.#length || times[j] >= endUs) return times[candidate];
      candidate = j + 1; // segment j is too small: no start before it can work
    }
    return Infinity;
  }

  /** Whether `nodes` are free over all of [startUs, startUs + durationUs). */
  fits(startUs: number, durationUs: number, nodes: number): boolean {
    if (startUs < this.#timesUs[0]) return false;
    const endUs = startUs + durationUs;
    let i = this.#length - 1;
    while (this.#timesUs[i] > startUs) i--;
    for (; i < this.#length && this.#timesUs[i] < endUs; i++) {
      if (this.#freeNodes[i] < nodes) return false;
    }
    return true;
  }

  /** Gives back a reservation made with `reserve`. */
  release(startUs: number, durationUs: number, nodes: number): void {
    this.reserve(startUs, durationUs, -nodes);
  }

  /** Takes `nodes` for [startUs, startUs + durationUs). The caller found the slot free. */
  reserve(startUs: number, durationUs: number, nodes: number): void {
    const first = this.#breakAt(startUs);
    const endUs = startUs + durationUs;
    const last = endUs === Infinity ? this.#length : this.#breakAt(endUs);
    for (let i = first; i < last; i++) {
      this.#freeNodes[i] -= nodes;
      assert(this.#freeNodes[i] >= 0, "reserved more nodes than the profile has");
    }
  }

  /** Index of the segment starting exactly at `timeUs`, splitting one if needed. */
  #breakAt(timeUs: number): number {
    assert(timeUs >= this.#timesUs[0], "the profile starts now");
    let i = this.#length - 1;
    while (this.#timesUs[i] > timeUs) i--;
    if (this.#timesUs[i] === timeUs) return i;
    // Insert after i, copying its free count.
    this.#push(0, 0);
    for (let k = this.#length - 1; k > i + 1; k--) {
      this.#timesUs[k] = this.#timesUs[k - 1];
      this.#freeNodes[k] = this.#freeNodes[k - 1];
    }
    this.#timesUs[i + 1] = timeUs;
    this.#freeNodes[i + 1] = this.#freeNodes[i];
    return i + 1;
  }

  #push(timeUs: number, free: number): void {
    if (this.#length === this.#timesUs.length) {
      this.#timesUs.push(timeUs);
      this.#freeNodes.push(free);
    } else {
      this.#timesUs[this.#length] = timeUs;
      this.#freeNodes[this.#length] = free;
    }
    this.#length++;
  }
}
