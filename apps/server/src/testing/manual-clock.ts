import type { Clock } from "@hearth/core";

/** A clock tests move by hand, to cross expiry windows without sleeping. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start = new Date()) {
    this.#now = start.getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  advance(seconds: number): void {
    this.#now += seconds * 1000;
  }
}
