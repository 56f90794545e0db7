/** A time limit on one call to a remote provider, joined with the caller's abort signal. */
export interface Deadline {
  /** Aborts when the time runs out or the caller aborts: pass it to the request. */
  readonly signal: AbortSignal;
  /** Whether the time ran out, as opposed to the caller aborting. */
  readonly hasExpired: boolean;
  /**
   * Starts the clock again from now: a stream calls it at each chunk, so the limit bounds the silence
   * between two chunks and a provider that stalls mid-reply fails like one that never answered.
   */
  restart(): void;
  /** Stops the clock: the provider answered in time. The caller's signal still aborts. */
  stop(): void;
}

/** Starts a clock of `timeoutMs` that aborts `signal` unless stopped or restarted first. */
export function startDeadline(timeoutMs: number, abortSignal?: AbortSignal): Deadline {
  const clock = new AbortController();
  const expire = () => clock.abort(new Error(`no answer within ${timeoutMs} ms`));
  let timer = setTimeout(expire, timeoutMs);
  const signal = abortSignal ? AbortSignal.any([clock.signal, abortSignal]) : clock.signal;
  return {
    signal,
    get hasExpired() {
      return clock.signal.aborted;
    },
    restart() {
      if (clock.signal.aborted) return;
      clearTimeout(timer);
      timer = setTimeout(expire, timeoutMs);
    },
    stop() {
      clearTimeout(timer);
    },
  };
}
