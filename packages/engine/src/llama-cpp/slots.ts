/** A counting semaphore with a FIFO queue: requests to one model take turns for its sequences. */
export class Slots {
  #free: number;
  readonly #capacity: number;
  readonly #queue: (() => void)[] = [];

  constructor(count: number) {
    this.#free = count;
    this.#capacity = count;
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Slots held now. */
  get inUse(): number {
    return this.#capacity - this.#free;
  }

  get isIdle(): boolean {
    return this.#queue.length === 0 && this.#free === this.#capacity;
  }

  /** Resolves with a release function once a slot is free; rejects (never throws) if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve(this.#releaser());
      };
      const onAbort = () => {
        const index = this.#queue.indexOf(grant);
        if (index >= 0) this.#queue.splice(index, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(grant);
    });
  }

  #releaser(): () => void {
    let isReleased = false;
    return () => {
      if (isReleased) return;
      isReleased = true;
      const next = this.#queue.shift();
      if (next) next();
      else this.#free++;
    };
  }
}
