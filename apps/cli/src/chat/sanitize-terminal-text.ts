/**
 * @module
 * Model output is untrusted text: a reply could hold escape sequences that retitle the window, move
 * the cursor, rewrite lines already printed, or (on some terminals) answer back as typed input. Every
 * piece of model text goes through here before it reaches the terminal.
 */

const ESC = "\u001b";
const BEL = "\u0007";
/** Where a sequence can start: ESC, or a C1 introducer (CSI, DCS, SOS, OSC, PM, APC). */
const INTRODUCERS = `${ESC}\u009b\u0090\u0098\u009d\u009e\u009f`;

/**
 * Whole escape sequences (ECMA-48): CSI (`ESC [` or 8-bit), the string kinds (OSC, DCS, SOS, PM,
 * APC) up to their terminator (BEL, `ESC \` or 8-bit ST), and the two-character escapes.
 */
const SEQUENCE = new RegExp(
  [
    `(?:${ESC}\\[|\\u009b)[\\u0030-\\u003f]*[\\u0020-\\u002f]*[\\u0040-\\u007e]`,
    `(?:${ESC}[\\]PX^_]|[\\u0090\\u0098\\u009d\\u009e\\u009f])[\\s\\S]*?(?:${BEL}|${ESC}\\\\|\\u009c)`,
    `${ESC}[\\u0020-\\u002f]*[\\u0030-\\u007e]`,
  ].join("|"),
  "g",
);

/** What is left once sequences are gone: C0 controls but tab and newline, DEL, and C1 controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Where a string sequence (OSC, DCS, SOS, PM, APC) can start. */
const STRING_INTRODUCER = new RegExp(`${ESC}[\\]PX^_]|[\\u0090\\u0098\\u009d\\u009e\\u009f]`, "g");

/**
 * The start of a sequence cut off at the end of a chunk, held back until the next chunk completes it
 * so that its parameters never show as text: a string sequence not yet terminated (it may hold ESCs
 * that are not its terminator), or an ESC or CSI still waiting for its final character.
 */
const UNFINISHED_STRING = new RegExp(
  `^(?:${ESC}[\\]PX^_]|[\\u0090\\u0098\\u009d\\u009e\\u009f])(?:[^${BEL}\\u009c${ESC}]|${ESC}(?!\\\\))*$`,
);
const UNFINISHED_ESCAPE = new RegExp(
  `^(?:${ESC}[\\u0020-\\u002f]*|(?:${ESC}\\[|\\u009b)[\\u0030-\\u003f]*[\\u0020-\\u002f]*)$`,
);

/** The longest unfinished sequence held back; past it, the text is let through (sanitized). */
const MAX_HELD = 1024;

/** Text safe to print: escape sequences and control characters removed; tabs and line breaks kept. */
export function sanitizeTerminalText(text: string): string {
  return text.replace(/\r\n/g, "\n").replace(SEQUENCE, "").replace(CONTROL, "");
}

/**
 * Sanitizes text that arrives in pieces (a reply's deltas), where a sequence may be split between two
 * pieces: the unfinished end of one piece waits for the next.
 */
export class TerminalTextFilter {
  #held = "";

  /** The printable text of `chunk` and whatever it completes. */
  push(chunk: string): string {
    const text = this.#held + chunk;
    const start = unfinishedStart(text);
    this.#held = text.slice(start);
    return sanitizeTerminalText(text.slice(0, start));
  }

  /** What is still held, sanitized (the text has ended). */
  flush(): string {
    const rest = this.#held;
    this.#held = "";
    return sanitizeTerminalText(rest);
  }
}

/** Where the unfinished end of `text` starts (its length when it has none). */
function unfinishedStart(text: string): number {
  const fromString = lastMatchIndex(text, STRING_INTRODUCER);
  if (fromString !== -1 && text.length - fromString <= MAX_HELD && UNFINISHED_STRING.test(text.slice(fromString))) {
    return fromString;
  }
  const fromEscape = lastIntroducerIndex(text);
  if (fromEscape !== -1 && text.length - fromEscape <= MAX_HELD && UNFINISHED_ESCAPE.test(text.slice(fromEscape))) {
    return fromEscape;
  }
  // A CR at the end may be the first half of a CRLF, which becomes a newline.
  return text.endsWith("\r") ? text.length - 1 : text.length;
}

function lastMatchIndex(text: string, pattern: RegExp): number {
  let last = -1;
  for (const match of text.matchAll(pattern)) last = match.index;
  return last;
}

function lastIntroducerIndex(text: string): number {
  for (let index = text.length - 1; index >= 0; index--) {
    if (INTRODUCERS.includes(text.charAt(index))) return index;
  }
  return -1;
}
