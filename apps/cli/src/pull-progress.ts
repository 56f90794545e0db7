/**
 * @module
 * A model pull's progress on stderr. On a terminal it is one line drawn over and over in place: a
 * bar, the bytes done of the total, the rate and the time left. Elsewhere (a log file, a CI job) a
 * line is added each time another tenth is done, so a log holds a dozen lines rather than hundreds.
 */
import type { ModelPull } from "@hearth/sdk";
import { formatBytes, printable } from "./output.ts";

/** Where progress goes: stderr, whose `isTTY` and `columns` say whether it is a terminal and how wide. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

const BAR_WIDTH = 24;
const SEPARATOR = "  ";
/** Erases from the cursor to the end of the line: what a longer line drawn before left there. */
const ERASE_TO_END = "\u001b[K";

export class PullProgress {
  readonly #stream: ProgressStream;
  /** The tenths a plain line has been written for; -1 before the first. */
  #lastTenth = -1;
  /** A line is drawn on the terminal that the next output must not start on. */
  #isLineDrawn = false;

  constructor(stream: ProgressStream = process.stderr) {
    this.#stream = stream;
  }

  /** Shows the pull as it is now. */
  show(pull: ModelPull): void {
    if (this.#stream.isTTY === true) {
      const [percent, ...rest] = progressParts(pull);
      const line = fitted([`${bar(pull)} ${percent}`, ...rest], this.#stream.columns);
      this.#stream.write(`\r${line}${ERASE_TO_END}`);
      this.#isLineDrawn = true;
      return;
    }
    const tenth = Math.floor(fractionDone(pull) * 10);
    if (tenth <= this.#lastTenth) return;
    this.#lastTenth = tenth;
    this.#stream.write(`${printable(pull.fileName)}: ${progressParts(pull).join(SEPARATOR)}\n`);
  }

  /** Ends the line drawn in place, so what comes next starts on a line of its own. */
  finish(): void {
    if (!this.#isLineDrawn) return;
    this.#stream.write("\n");
    this.#isLineDrawn = false;
  }
}

/** `45%`, `10.4 MB / 23.0 MB`, `8.1 MB/s`, `ETA 2s`; or the first two and `verifying` once every byte is there. */
function progressParts(pull: ModelPull): string[] {
  const parts = [
    `${String(percentDone(pull)).padStart(3)}%`,
    `${formatBytes(pull.downloadedBytes)} / ${formatBytes(pull.totalBytes)}`,
  ];
  if (pull.status === "verifying") return [...parts, "verifying"];
  if (pull.bytesPerSecond > 0) parts.push(`${formatBytes(pull.bytesPerSecond)}/s`);
  if (pull.etaSeconds !== null) parts.push(`ETA ${formatDuration(pull.etaSeconds)}`);
  return parts;
}

/** How much is done, as a whole percentage (100 only once every byte is there). */
export function percentDone(pull: ModelPull): number {
  return Math.floor(fractionDone(pull) * 100);
}

function fractionDone(pull: ModelPull): number {
  if (pull.totalBytes <= 0) return pull.status === "done" ? 1 : 0;
  return Math.min(1, pull.downloadedBytes / pull.totalBytes);
}

function bar(pull: ModelPull): string {
  const filled = Math.round(fractionDone(pull) * BAR_WIDTH);
  return `[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}]`;
}

/** `42s`, `3m 05s`, `1h 02m`. */
function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole}s`;
  const pad = (value: number) => String(value).padStart(2, "0");
  if (whole < 3600) return `${Math.floor(whole / 60)}m ${pad(whole % 60)}s`;
  return `${Math.floor(whole / 3600)}h ${pad(Math.floor((whole % 3600) / 60))}m`;
}

/**
 * The parts that fit the terminal's width on one line, dropping the last ones first: a line that
 * wrapped could no longer be drawn over in place.
 */
function fitted(parts: readonly string[], columns: number | undefined): string {
  const kept = [...parts];
  let line = kept.join(SEPARATOR);
  while (columns !== undefined && line.length >= columns && kept.length > 1) {
    kept.pop();
    line = kept.join(SEPARATOR);
  }
  return columns === undefined || line.length < columns ? line : line.slice(0, Math.max(0, columns - 1));
}
