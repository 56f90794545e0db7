import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { CliError } from "../errors.ts";
import { composePrompt, MAX_MESSAGE_CHARACTERS, readPipedInput } from "./compose-prompt.ts";

describe("composePrompt", () => {
  it("puts the piped text after the prompt and a blank line", () => {
    expect(composePrompt("review this", "diff --git a/x b/x\n+line")).toBe("review this\n\ndiff --git a/x b/x\n+line");
  });

  it("sends either alone when the other is missing or blank", () => {
    expect(composePrompt("hello", undefined)).toBe("hello");
    expect(composePrompt("hello", "  \n")).toBe("hello");
    expect(composePrompt(undefined, "piped only")).toBe("piped only");
  });

  it("refuses to send nothing, naming both ways to give a message", () => {
    expect(() => composePrompt(undefined, "")).toThrow(/give a prompt .* or pipe text in/);
    expect(() => composePrompt(" ", undefined)).toThrow(CliError);
  });

  it("refuses binary input (NUL bytes), which the API could not store", () => {
    expect(() => composePrompt("look", "PK\u0003\u0004\u0000\u0000")).toThrow(/NUL bytes: binary data/);
  });

  it("refuses a message over the API's limit, saying how long it is and what the limit is", () => {
    const piped = "x".repeat(MAX_MESSAGE_CHARACTERS);
    expect(() => composePrompt("review this", piped)).toThrow(
      `the message is ${MAX_MESSAGE_CHARACTERS + 13} characters long; a message holds at most ${MAX_MESSAGE_CHARACTERS}`,
    );
    expect(composePrompt(undefined, piped)).toHaveLength(MAX_MESSAGE_CHARACTERS);
  });
});

describe("readPipedInput", () => {
  it("reads every chunk as UTF-8, a character split between chunks included, without the final line break", async () => {
    const euro = Buffer.from("€");
    const input = Readable.from([Buffer.from("price: "), euro.subarray(0, 1), euro.subarray(1), Buffer.from("5\n\n")]);
    expect(await readPipedInput(input)).toBe("price: €5");
  });

  it("stops reading an input that cannot fit in a message, with a clear error", async () => {
    let chunksRead = 0;
    const endless = new Readable({
      read() {
        chunksRead++;
        this.push(Buffer.alloc(64 * 1024, "y"));
      },
    });
    await expect(readPipedInput(endless)).rejects.toThrow(/the piped input is over 600000 bytes, more than a message/);
    expect(chunksRead).toBeLessThan(20);
    endless.destroy();
  });
});
