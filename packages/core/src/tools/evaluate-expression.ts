/**
 * @module A calculator's arithmetic, parsed by recursive descent and evaluated as it is parsed. Never
 * `eval` or `Function`: names are looked up in two fixed Maps, so `constructor`, `__proto__` or
 * `process` are unknown names like any other.
 */

/** Longer expressions are refused before parsing. */
export const MAX_EXPRESSION_LENGTH = 1000;
/** Deeper nesting (parentheses, calls, signs, powers) is refused rather than recursed into. */
export const MAX_EXPRESSION_DEPTH = 64;

export type Evaluation = { ok: true; value: number } | { ok: false; error: string };

const CONSTANTS = new Map<string, number>([
  ["pi", Math.PI],
  ["e", Math.E],
]);

type MathFunction = { arity: [min: number, max: number]; apply: (...args: number[]) => number };
const unary = (apply: (x: number) => number): MathFunction => ({ arity: [1, 1], apply });
const FUNCTIONS = new Map<string, MathFunction>([
  ["sqrt", unary(Math.sqrt)],
  ["abs", unary(Math.abs)],
  ["round", unary(Math.round)],
  ["floor", unary(Math.floor)],
  ["ceil", unary(Math.ceil)],
  ["sin", unary(Math.sin)],
  ["cos", unary(Math.cos)],
  ["tan", unary(Math.tan)],
  ["ln", unary(Math.log)],
  ["exp", unary(Math.exp)],
  // log(x) is base 10; log(x, b) is base b.
  ["log", { arity: [1, 2], apply: (x, base) => (base === undefined ? Math.log10(x) : Math.log(x) / Math.log(base)) }],
  ["min", { arity: [1, 100], apply: Math.min }],
  ["max", { arity: [1, 100], apply: Math.max }],
]);

const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

class ExpressionError extends Error {}

/** Evaluates `+ - * / % ^`, unary signs, parentheses, the functions and the constants pi and e. */
export function evaluateExpression(text: string): Evaluation {
  if (text.length > MAX_EXPRESSION_LENGTH) {
    return {
      ok: false,
      error: `the expression is ${text.length} characters long; at most ${MAX_EXPRESSION_LENGTH} are accepted`,
    };
  }
  try {
    const value = new Parser(text).parse();
    if (!Number.isFinite(value)) return { ok: false, error: `the result is not a finite number (${value})` };
    return { ok: true, value };
  } catch (error) {
    if (error instanceof ExpressionError) return { ok: false, error: error.message };
    throw error;
  }
}

class Parser {
  #position = 0;
  #depth = 0;

  constructor(private readonly text: string) {}

  parse(): number {
    this.#skipSpace();
    if (this.#position === this.text.length) throw new ExpressionError("the expression is empty");
    const value = this.#expression();
    if (this.#position < this.text.length) this.#unexpected();
    return value;
  }

  /** additive := multiplicative (("+" | "-") multiplicative)* */
  #expression(): number {
    return this.#nested(() => {
      let value = this.#multiplicative();
      for (let operator = this.#peek(); operator === "+" || operator === "-"; operator = this.#peek()) {
        this.#advance();
        const right = this.#multiplicative();
        value = operator === "+" ? value + right : value - right;
      }
      return value;
    });
  }

  /** multiplicative := unary (("*" | "/" | "%") unary)* */
  #multiplicative(): number {
    let value = this.#unary();
    for (
      let operator = this.#peek();
      operator === "*" || operator === "/" || operator === "%";
      operator = this.#peek()
    ) {
      const at = this.#position;
      this.#advance();
      const right = this.#unary();
      if (operator !== "*" && right === 0) throw new ExpressionError(`division by zero at ${at}`);
      value = operator === "*" ? value * right : operator === "/" ? value / right : value % right;
    }
    return value;
  }

  /** unary := ("-" | "+") unary | power. A sign binds looser than ^, so -2^2 is -4. */
  #unary(): number {
    const sign = this.#peek();
    if (sign !== "-" && sign !== "+") return this.#power();
    this.#advance();
    const value = this.#nested(() => this.#unary());
    return sign === "-" ? -value : value;
  }

  /** power := primary ("^" unary)?, so 2^3^2 is 2^(3^2) and 2^-1 is one half. */
  #power(): number {
    const base = this.#primary();
    if (this.#peek() !== "^") return base;
    this.#advance();
    return base ** this.#nested(() => this.#unary());
  }

  /** primary := number | constant | function "(" arguments ")" | "(" expression ")" */
  #primary(): number {
    const start = this.#position;
    const next = this.#peek();
    if (next === "(") {
      this.#advance();
      const value = this.#expression();
      this.#expect(")", start);
      return value;
    }
    if (next !== undefined && /[0-9.]/.test(next)) return this.#number();
    if (next !== undefined && /[A-Za-z_]/.test(next)) return this.#name();
    return this.#unexpected();
  }

  #number(): number {
    NUMBER.lastIndex = this.#position;
    const match = NUMBER.exec(this.text);
    if (match === null) return this.#unexpected();
    this.#position += match[0].length;
    this.#skipSpace();
    return Number(match[0]);
  }

  #name(): number {
    const start = this.#position;
    NAME.lastIndex = start;
    const name = (NAME.exec(this.text) as RegExpExecArray)[0];
    this.#position += name.length;
    this.#skipSpace();
    const key = name.toLowerCase();
    const constant = CONSTANTS.get(key);
    if (constant !== undefined) return constant;
    const fn = FUNCTIONS.get(key);
    if (fn === undefined) throw new ExpressionError(`unknown name '${name}' at ${start}`);
    const openedAt = this.#position;
    this.#expect("(", start, `${name} is a function: write ${name}(…)`);
    const args = [this.#expression()];
    while (this.#peek() === ",") {
      this.#advance();
      args.push(this.#expression());
    }
    this.#expect(")", openedAt);
    const [min, max] = fn.arity;
    if (args.length < min || args.length > max) {
      const wanted = min === max ? `${min}` : max === 100 ? `at least ${min}` : `${min} or ${max}`;
      throw new ExpressionError(
        `${name} takes ${wanted} argument${wanted === "1" ? "" : "s"}, got ${args.length} at ${start}`,
      );
    }
    return fn.apply(...args);
  }

  #nested(parse: () => number): number {
    if (++this.#depth > MAX_EXPRESSION_DEPTH) {
      throw new ExpressionError(`the expression nests deeper than ${MAX_EXPRESSION_DEPTH} levels at ${this.#position}`);
    }
    try {
      return parse();
    } finally {
      this.#depth--;
    }
  }

  #expect(character: string, openedAt: number, hint?: string): void {
    if (this.#peek() === character) {
      this.#advance();
      return;
    }
    if (hint !== undefined) throw new ExpressionError(`${hint} (at ${openedAt})`);
    if (this.#position === this.text.length) {
      throw new ExpressionError(`missing '${character}' at ${this.#position} for '(' at ${openedAt}`);
    }
    this.#unexpected();
  }

  #unexpected(): never {
    const found = this.text.codePointAt(this.#position);
    if (found === undefined) throw new ExpressionError(`unexpected end of expression at ${this.#position}`);
    throw new ExpressionError(`unexpected '${String.fromCodePoint(found)}' at ${this.#position}`);
  }

  #peek(): string | undefined {
    return this.text[this.#position];
  }

  #advance(): void {
    this.#position++;
    this.#skipSpace();
  }

  #skipSpace(): void {
    while (this.#position < this.text.length && /\s/.test(this.text[this.#position] as string)) this.#position++;
  }
}
