import { evaluateExpression, MAX_EXPRESSION_LENGTH } from "./evaluate-expression.ts";
import type { Tool } from "./tool.ts";

/** Arithmetic the model should not do in its head. */
export const calculator: Tool = {
  name: "calculator",
  description:
    "Evaluates an arithmetic expression exactly: numbers (1.5, 2e-3), + - * / % ^ (power), parentheses, " +
    "sqrt abs round floor ceil min max sin cos tan (radians) log (base 10; log(x, b) for base b) ln exp, and the " +
    "constants pi and e. Example: sqrt(2) * (3 + 4) ^ 2.",
  inputSchema: {
    type: "object",
    properties: {
      expression: { type: "string", minLength: 1, maxLength: MAX_EXPRESSION_LENGTH, description: "The expression." },
    },
    required: ["expression"],
    additionalProperties: false,
  },
  async run(input) {
    const { expression } = input as { expression: string };
    const result = evaluateExpression(expression);
    // A failure is thrown so the model is told it as an error result, with the position in the message.
    if (!result.ok) throw new Error(`Cannot evaluate ${JSON.stringify(shortened(expression))}: ${result.error}.`);
    return formatNumber(result.value);
  },
};

/** Fifteen significant digits: enough for a double, and 0.1 + 0.2 reads 0.3. */
function formatNumber(value: number): string {
  return String(Number(value.toPrecision(15)));
}

/** An expression as quoted back in an error: enough to recognise it, never the whole of a long one. */
function shortened(expression: string): string {
  return expression.length > 200 ? `${expression.slice(0, 200)}…` : expression;
}
