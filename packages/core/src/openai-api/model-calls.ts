/**
 * @module The /v1 model calls this process is running, for what must wait until none is (switching
 * the engine after a local llama.cpp build), and the tokens they write, for the metrics.
 */
import type { GenerationMetrics } from "../conversations/generations.ts";

/** One call being counted; `end` stops counting it (more than once is harmless). */
export interface CountedCall {
  end(): void;
}

export class ModelCalls {
  #active = 0;

  constructor(private readonly metrics?: Pick<GenerationMetrics, "tokensGenerated">) {}

  /** Completions, responses and embeddings running now in this process. */
  get activeCount(): number {
    return this.#active;
  }

  begin(): CountedCall {
    this.#active++;
    let isEnded = false;
    return {
      end: () => {
        if (isEnded) return;
        isEnded = true;
        this.#active--;
      },
    };
  }

  /** Counts tokens a model wrote for /v1, in `hearth_tokens_generated_total` with the replies'. */
  tokensGenerated(model: string, tokens: number): void {
    if (tokens > 0) this.metrics?.tokensGenerated(model, tokens);
  }
}
