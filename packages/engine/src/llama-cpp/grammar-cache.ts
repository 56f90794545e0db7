import type { GbnfJsonSchema, Llama, LlamaGrammar } from "node-llama-cpp";

/** Grammars kept; the least recently used goes first. Clients choose schemas, so the count is bounded. */
const CAPACITY = 64;

/**
 * Grammars by the text of their schema: building one (generating GBNF, parsing it in llama.cpp) costs
 * more than a small reply, and callers send the same few schemas again and again.
 */
export class GrammarCache {
  readonly #grammars = new Map<string, Promise<LlamaGrammar>>();

  constructor(private readonly llama: Llama) {}

  /** A grammar for JSON that matches `schema` (node-llama-cpp's subset of JSON Schema). */
  forJsonSchema(schema: GbnfJsonSchema): Promise<LlamaGrammar> {
    return this.#get(`schema:${JSON.stringify(schema)}`, () =>
      // node-llama-cpp's signature infers a literal schema's type; this one is only known at run time.
      this.llama.createGrammarForJsonSchema(schema as Parameters<Llama["createGrammarForJsonSchema"]>[0]),
    );
  }

  /** A grammar for any JSON object. */
  forAnyJson(): Promise<LlamaGrammar> {
    return this.#get("json", () => this.llama.getGrammarFor("json"));
  }

  #get(key: string, create: () => Promise<LlamaGrammar>): Promise<LlamaGrammar> {
    let grammar = this.#grammars.get(key);
    if (grammar === undefined) {
      grammar = create();
      grammar.catch(() => this.#grammars.delete(key));
    }
    // Moved to the end: a Map iterates in insertion order, so the first key is the least recently used.
    this.#grammars.delete(key);
    this.#grammars.set(key, grammar);
    for (const oldest of this.#grammars.keys()) {
      if (this.#grammars.size <= CAPACITY) break;
      this.#grammars.delete(oldest);
    }
    return grammar;
  }
}
