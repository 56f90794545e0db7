import { describe, expect, it } from "vitest";
import { sanitizeTerminalText, TerminalTextFilter } from "./sanitize-terminal-text.ts";

const ESC = "\u001b";

/** Nothing that a terminal would act on: no ESC, no C0 control but tab and newline, no DEL, no C1. */
function expectInert(text: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters.
  expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
}

describe("sanitizeTerminalText", () => {
  it("keeps text, tabs, line breaks and non-ASCII as they are", () => {
    const text = "Lisbon:\n\t1. Belém — pastéis de nata 🥐\n\t2. Alfama\n";
    expect(sanitizeTerminalText(text)).toBe(text);
  });

  it("removes colour and cursor sequences whole, leaving the text around them", () => {
    expect(sanitizeTerminalText(`${ESC}[31mred${ESC}[0m and ${ESC}[2J${ESC}[1;1Hcleared`)).toBe("red and cleared");
    expect(sanitizeTerminalText(`a${ESC}[?1049hb${ESC}[38;2;255;0;0mc`)).toBe("abc");
  });

  it("removes window-title and hyperlink sequences (OSC) with their payload, however terminated", () => {
    expect(sanitizeTerminalText(`x${ESC}]0;pwned title\u0007y`)).toBe("xy");
    expect(sanitizeTerminalText(`${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\`)).toBe("click");
    expect(sanitizeTerminalText(`a\u009d52;c;ZXZpbA==\u009cb`)).toBe("ab");
  });

  it("removes device-control and 8-bit sequences that could make a terminal answer as typed input", () => {
    expect(sanitizeTerminalText(`${ESC}P$q"p${ESC}\\ok`)).toBe("ok");
    expect(sanitizeTerminalText(`\u009b6n${ESC}[6n${ESC}Z${ESC}c`)).toBe("");
  });

  it("removes carriage returns, backspaces, bells and other controls that rewrite what was printed", () => {
    expect(sanitizeTerminalText("safe\rEVIL")).toBe("safeEVIL");
    expect(sanitizeTerminalText("line\r\nnext")).toBe("line\nnext");
    expect(sanitizeTerminalText("abc\b\b\bxyz\u0007\u007f\u0000")).toBe("abcxyz");
  });

  it("leaves no control character in any mix of sequences, even broken ones", () => {
    const hostile = `${ESC}[${ESC}]${ESC}P${ESC}\\${ESC}${ESC}[31${ESC}]0;a\u009b\u009d\u0090${ESC}(B${ESC}7${ESC}8`;
    expectInert(sanitizeTerminalText(hostile));
    expectInert(sanitizeTerminalText(`${hostile}text${hostile}`));
  });
});

describe("TerminalTextFilter", () => {
  /** What a reply printed in these pieces shows, piece by piece, and at the end. */
  const streamed = (pieces: readonly string[]) => {
    const filter = new TerminalTextFilter();
    const printed = pieces.map((piece) => filter.push(piece));
    printed.push(filter.flush());
    for (const each of printed) expectInert(each);
    return printed;
  };

  it("passes text through as it comes", () => {
    expect(streamed(["Hello", ", ", "world"])).toEqual(["Hello", ", ", "world", ""]);
  });

  it("removes a colour sequence split across deltas, without showing its parameters", () => {
    expect(streamed(["red: ", `${ESC}`, "[3", "1m", "text", `${ESC}[0`, "m."]).join("")).toBe("red: text.");
  });

  it("removes a window-title sequence split across deltas, with its payload", () => {
    expect(streamed(["a", `${ESC}]0;ti`, "tle", `${ESC}`, "\\b"]).join("")).toBe("ab");
    expect(streamed([`x${ESC}]2;`, "pwned", "\u0007", "y"]).join("")).toBe("xy");
  });

  it("joins a CRLF split across deltas into one line break", () => {
    expect(streamed(["one\r", "\ntwo"]).join("")).toBe("one\ntwo");
    expect(streamed(["one\r", "two"]).join("")).toBe("onetwo");
  });

  it("lets text through once a sequence never ends, instead of holding the reply back", () => {
    const printed = streamed([`${ESC}]0;`, "x".repeat(2000), " the rest"]);
    expect(printed.join("")).toContain("the rest");
    expect(printed.slice(0, -1).join("")).toContain("the rest");
  });

  it("prints a sequence left unfinished at the end as nothing", () => {
    expect(streamed(["done", `${ESC}[`]).join("")).toBe("done");
  });
});
