import { assert } from "../../sim/assert.js";

/**
 * The FIFO behind each of the replica pool's queues: a ring buffer whose capacity doubles
 * on demand, so `push` and `shift` are O(1) and allocate nothing once the ring has reached
 * its working size. A queue bounded by a million (the Erlang-C tests want "infinite")
 * starts small and grows only as far as the load takes it.
 */
export class RingQueue<T> {
  /** Most items held at once; `push` beyond it is a bug (callers check `full` first). */
  readonly lengthMax: number;
  #items: (T | undefined)[];
  #mask: number;
  #head = 0;
  #length = 0;

  constructor(lengthMax: number, initialCapacity = 16) {
    assert(Number.isInteger(lengthMax), "lengthMax must be an integer");
    assert(lengthMax >= 0, "lengthMax must not be negative");
    let capacity = 1;
    while (capacity < initialCapacity) capacity *= 2;
    this.lengthMax = lengthMax;
    this.#items = new Array<T | undefined>(capacity).fill(undefined);
    this.#mask = capacity - 1;
  }

  get length(): number {
    return this.#length;
  }

  get full(): boolean {
    return this.#length >= this.lengthMax;
  }

  push(item: T): void {
    assert(this.#length < this.lengthMax, "queue is full");
    if (this.#length === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#length) & this.#mask] = item;
    this.#length++;
  }

  /** Removes and returns the oldest item. */
  shift(): T {
    assert(this.#length > 0, "queue is empty");
    const head = this.#head;
    const item = this.#items[head] as T;
    this.#items[head] = undefined;
    this.#head = (head + 1) & this.#mask;
    this.#length--;
    return item;
  }

  /** The item `index` places behind the head (0 is the oldest). */
  at(index: number): T {
    assert(index >= 0, "index out of range");
    assert(index < this.#length, "index out of range");
    return this.#items[(this.#head + index) & this.#mask] as T;
  }

  #grow(): void {
    const old = this.#items;
    const capacity = old.length * 2;
    const items = new Array<T | undefined>(capacity).fill(undefined);
    for (let i = 0; i < this.#length; i++) items[i] = old[(this.#head + i) & this.#mask];
    this.#items = items;
    this.#mask = capacity - 1;
    this.#head = 0;
  }
}
