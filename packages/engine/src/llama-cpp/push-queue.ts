/** An async iterable fed by callbacks: how node-llama-cpp's onTextChunk becomes a stream. */
export class PushQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  #waiting: ((result: IteratorResult<T>) => void) | undefined;
  #failWaiting: ((error: unknown) => void) | undefined;
  #isEnded = false;
  #error: unknown;

  push(item: T): void {
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = undefined;
      resolve({ value: item, done: false });
    } else this.#items.push(item);
  }

  end(): void {
    this.#isEnded = true;
    this.#waiting?.({ value: undefined, done: true });
    this.#waiting = undefined;
  }

  fail(error: unknown): void {
    this.#error = error ?? new Error("stream failed");
    this.#isEnded = true;
    this.#failWaiting?.(this.#error);
    this.#waiting = undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.#items.shift();
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (this.#error !== undefined) return Promise.reject(this.#error);
        if (this.#isEnded) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.#waiting = resolve;
          this.#failWaiting = reject;
        });
      },
    };
  }
}
