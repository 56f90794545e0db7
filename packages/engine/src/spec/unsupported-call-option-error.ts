/**
 * A call asked for something this model cannot do, or gave a value it cannot use: a JSON Schema its
 * grammar cannot express, tools together with a response format, a tool choice naming no tool. Thrown
 * before any part is streamed, so the caller can answer its client with a 4xx naming `option`.
 */
export class UnsupportedCallOptionError extends Error {
  constructor(
    /** Where in the call options, as a path: `tools[0].inputSchema.properties.when.pattern`. */
    readonly option: string,
    /** A sentence saying what is wrong and, where there is one, what is accepted instead. */
    readonly reason: string,
  ) {
    super(`${option}: ${reason}`);
    this.name = "UnsupportedCallOptionError";
  }
}
