/**
 * @module
 * Where a command's output goes. Results go to stdout: JSON alone with --json, else text and aligned
 * tables. Progress and notes go to stderr. Colours only when stdout is a terminal, never with
 * NO_COLOR or --no-color. Text from the server is made printable first: a title holding terminal
 * escape sequences must not drive the user's terminal.
 */
import { styleText } from "node:util";
import type { GlobalOptions } from "./context.ts";

type Style = "bold" | "dim" | "red" | "green" | "yellow" | "cyan";

export interface OutputStreams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
}

export class Output {
  /** --json: results as JSON on stdout, nothing else there. */
  readonly isJson: boolean;
  readonly hasColor: boolean;
  private readonly streams: OutputStreams;

  constructor(options: { json: boolean; color: boolean }, streams: OutputStreams = process) {
    this.isJson = options.json;
    this.hasColor = options.color;
    this.streams = streams;
  }

  /** The output of the command being run: colours only on a terminal without NO_COLOR or --no-color. */
  static fromOptions(globals: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Output {
    const hasColor = globals.color && !env.NO_COLOR && process.stdout.isTTY === true;
    return new Output({ json: globals.json, color: hasColor });
  }

  /** A result as JSON on stdout. */
  json(value: unknown): void {
    this.streams.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A line of the result on stdout. */
  line(text = ""): void {
    this.streams.stdout.write(`${text}\n`);
  }

  /** Text of the result on stdout, as given. */
  write(text: string): void {
    this.streams.stdout.write(text);
  }

  /** Progress or a note on stderr, never mixed into the result. */
  info(text: string): void {
    this.streams.stderr.write(`${text}\n`);
  }

  /** The value as JSON with --json; otherwise whatever `human` prints. */
  result(value: unknown, human: () => void): void {
    if (this.isJson) this.json(value);
    else human();
  }

  style(style: Style, text: string): string {
    return this.hasColor ? styleText(style, text, { validateStream: false }) : text;
  }

  /** Rows under a header, each column as wide as its widest cell; cells are made printable on one line. */
  table(header: readonly string[], rows: readonly (readonly string[])[]): void {
    const cells = rows.map((row) => row.map((cell) => printable(cell)));
    const widths = header.map((title, index) => Math.max(width(title), ...cells.map((row) => width(row[index] ?? ""))));
    const render = (row: readonly string[]) =>
      row
        .map((cell, index) => (index === row.length - 1 ? cell : cell + " ".repeat((widths[index] ?? 0) - width(cell))))
        .join("  ")
        .trimEnd();
    this.line(this.style("bold", render(header)));
    for (const row of cells) this.line(render(row));
  }

  /** `name  value` lines, names aligned. */
  fields(entries: readonly (readonly [string, string])[]): void {
    const nameWidth = Math.max(...entries.map(([name]) => width(name)));
    for (const [name, value] of entries) {
      this.line(`${this.style("dim", name.padEnd(nameWidth))}  ${printable(value)}`);
    }
  }
}

/**
 * Text from elsewhere made safe to print: control characters (escape sequences, carriage returns)
 * shown as `\x1b`-style escapes; line breaks and tabs kept only where `multiline`.
 */
export function printable(text: string, options: { multiline?: boolean } = {}): string {
  const lines = options.multiline ? text.replace(/\r\n/g, "\n") : text;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  return lines.replace(/[\u0000-\u001f\u007f-\u009f]/g, (character) => {
    if (character === "\n" || character === "\t") return options.multiline ? character : " ";
    return `\\x${character.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}

/** Columns a string takes in a terminal, counting each code point as one. */
function width(text: string): number {
  return [...text].length;
}

/** A date as `2026-12-03 14:05` in the local time zone. */
export function shortDate(iso: string | null | undefined): string {
  if (!iso) return "-";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A byte count as `1.5 GB`. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return "-";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
