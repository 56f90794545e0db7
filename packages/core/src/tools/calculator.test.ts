import { describe, expect, it } from "vitest";
import { calculator } from "./calculator.ts";
import { evaluateExpression, MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_LENGTH } from "./evaluate-expression.ts";

const evaluated = (text: string) => {
  const result = evaluateExpression(text);
  if (!result.ok) throw new Error(`${text}: ${result.error}`);
  return result.value;
};
const errorOf = (text: string) => {
  const result = evaluateExpression(text);
  if (result.ok) throw new Error(`${text} evaluated to ${result.value}`);
  return result.error;
};

describe("evaluateExpression", () => {
  it("reads integers, decimals and exponents", () => {
    expect(evaluated("42")).toBe(42);
    expect(evaluated("3.25")).toBe(3.25);
    expect(evaluated(".5")).toBe(0.5);
    expect(evaluated("2.")).toBe(2);
    expect(evaluated("1.5e3")).toBe(1500);
    expect(evaluated("25E-2")).toBe(0.25);
  });

  it("binds * / % tighter than + -, and evaluates each level left to right", () => {
    expect(evaluated("1 + 2 * 3")).toBe(7);
    expect(evaluated("10 - 4 - 3")).toBe(3);
    expect(evaluated("100 / 10 / 5")).toBe(2);
    expect(evaluated("7 % 4 * 2")).toBe(6);
    expect(evaluated("(1 + 2) * 3")).toBe(9);
  });

  it("makes ^ right-associative and tighter than a sign", () => {
    expect(evaluated("2 ^ 3 ^ 2")).toBe(512);
    expect(evaluated("-2 ^ 2")).toBe(-4);
    expect(evaluated("(-2) ^ 2")).toBe(4);
    expect(evaluated("2 ^ -1")).toBe(0.5);
    expect(evaluated("2 * 3 ^ 2")).toBe(18);
  });

  it("takes unary minus and plus, repeated", () => {
    expect(evaluated("-3 + 5")).toBe(2);
    expect(evaluated("--3")).toBe(3);
    expect(evaluated("4 * -+2")).toBe(-8);
  });

  it("knows its functions and constants", () => {
    expect(evaluated("sqrt(16) + abs(-2)")).toBe(6);
    expect(evaluated("round(2.5) + floor(1.9) + ceil(1.1)")).toBe(6);
    expect(evaluated("min(3, 1, 2) + max(3, 1, 2)")).toBe(4);
    expect(evaluated("sin(0) + cos(0) + tan(0)")).toBe(1);
    expect(evaluated("log(1000)")).toBeCloseTo(3);
    expect(evaluated("log(8, 2)")).toBeCloseTo(3);
    expect(evaluated("ln(e) + exp(0)")).toBeCloseTo(2);
    expect(evaluated("2 * pi")).toBeCloseTo(6.283185307);
    expect(evaluated("SQRT(4) + PI - pi")).toBe(2);
  });

  it("says what is wrong and where", () => {
    expect(errorOf("(1 + 2))")).toBe("unexpected ')' at 7");
    expect(errorOf("1 + ")).toBe("unexpected end of expression at 4");
    expect(errorOf("1 + * 2")).toBe("unexpected '*' at 4");
    expect(errorOf("(1 + 2")).toBe("missing ')' at 6 for '(' at 0");
    expect(errorOf("max(1, 2")).toBe("missing ')' at 8 for '(' at 3");
    expect(errorOf("2 $ 3")).toBe("unexpected '$' at 2");
    expect(errorOf("1.2.3")).toBe("unexpected '.' at 3");
    expect(errorOf("sqrt 4")).toBe("sqrt is a function: write sqrt(…) (at 0)");
    expect(errorOf("sqrt(1, 2)")).toBe("sqrt takes 1 argument, got 2 at 0");
    expect(errorOf("1 / 0")).toBe("division by zero at 2");
    expect(errorOf("5 % (2 - 2)")).toBe("division by zero at 2");
    expect(errorOf("10 ^ 400")).toBe("the result is not a finite number (Infinity)");
    expect(errorOf("sqrt(-1)")).toBe("the result is not a finite number (NaN)");
    expect(errorOf("   ")).toBe("the expression is empty");
    expect(errorOf("1 + 😀")).toBe("unexpected '😀' at 4");
  });

  it("treats constructor, __proto__ and process.exit() as unknown names, never as code", () => {
    expect(errorOf("constructor")).toBe("unknown name 'constructor' at 0");
    expect(errorOf("__proto__")).toBe("unknown name '__proto__' at 0");
    expect(errorOf("1 + process.exit()")).toBe("unknown name 'process' at 4");
    expect(errorOf("toString(1)")).toBe("unknown name 'toString' at 0");
    expect(errorOf("hasOwnProperty")).toBe("unknown name 'hasOwnProperty' at 0");
  });

  it("refuses input longer than its bound before parsing it", () => {
    expect(evaluated(`1${"+1".repeat((MAX_EXPRESSION_LENGTH - 1) / 2)}`)).toBe(500);
    expect(errorOf("1".repeat(MAX_EXPRESSION_LENGTH + 1))).toBe(
      `the expression is ${MAX_EXPRESSION_LENGTH + 1} characters long; at most ${MAX_EXPRESSION_LENGTH} are accepted`,
    );
  });

  it("refuses nesting deeper than its bound, of parentheses, signs and powers alike", () => {
    const depth = MAX_EXPRESSION_DEPTH;
    expect(evaluated(`${"(".repeat(depth - 1)}1${")".repeat(depth - 1)}`)).toBe(1);
    for (const deep of [
      `${"(".repeat(depth)}1${")".repeat(depth)}`,
      `${"-".repeat(depth)}1`,
      `2${"^2".repeat(depth)}`,
    ]) {
      expect(errorOf(deep)).toMatch(new RegExp(`^the expression nests deeper than ${depth} levels at \\d+$`));
    }
  });
});

describe("the calculator tool", () => {
  const context = { userId: "u", timeZone: "UTC", abortSignal: new AbortController().signal };

  it("answers with the value, rounded to what a double holds", async () => {
    expect(await calculator.run({ expression: "0.1 + 0.2" }, context)).toBe("0.3");
    expect(await calculator.run({ expression: "2^0.5 * 2^0.5" }, context)).toBe("2");
    expect(await calculator.run({ expression: "1e21 * 10" }, context)).toBe("1e+22");
  });

  it("throws a failure the model can act on: the expression and where it went wrong", async () => {
    await expect(calculator.run({ expression: "(1 + 2))" }, context)).rejects.toThrow(
      `Cannot evaluate "(1 + 2))": unexpected ')' at 7.`,
    );
  });
});
