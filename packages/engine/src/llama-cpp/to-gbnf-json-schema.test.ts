import { describe, expect, it } from "vitest";
import { UnsupportedCallOptionError } from "../spec/unsupported-call-option-error.ts";
import { toGbnfJsonSchema } from "./to-gbnf-json-schema.ts";

const convert = (schema: unknown) => toGbnfJsonSchema(schema, "schema");

describe("toGbnfJsonSchema", () => {
  it("keeps what the grammar enforces and each description", () => {
    expect(
      convert({
        type: "object",
        description: "A search",
        properties: {
          query: { type: "string", minLength: 1, maxLength: 40 },
          tags: { type: "array", items: { type: "string" }, maxItems: 3 },
          safe: { type: "boolean", description: "Filter results" },
        },
        required: ["query"],
      }),
    ).toEqual({
      type: "object",
      description: "A search",
      properties: {
        query: { type: "string", minLength: 1, maxLength: 40 },
        tags: { type: "array", items: { type: "string" }, maxItems: 3 },
        safe: { type: "boolean", description: "Filter results" },
      },
    });
  });

  it("drops annotations, and formats other than dates, which JSON Schema does not assert", () => {
    expect(convert({ type: "string", title: "Mail", examples: ["a@b.c"], format: "email", default: "x" })).toEqual({
      type: "string",
    });
    expect(convert({ type: "string", format: "date-time" })).toEqual({ type: "string", format: "date-time" });
  });

  it("turns a small integer range into an enum of its values", () => {
    expect(convert({ type: "integer", minimum: 1, exclusiveMaximum: 4 })).toEqual({ enum: [1, 2, 3] });
  });

  it("turns anyOf, oneOf and lists of types into alternatives", () => {
    expect(convert({ anyOf: [{ type: "string" }, { type: "null" }] })).toEqual({
      oneOf: [{ type: "string" }, { type: "null" }],
    });
    expect(convert({ type: ["string", "null"], maxLength: 2 })).toEqual({
      oneOf: [{ type: "string", maxLength: 2 }, { type: "null" }],
    });
  });

  it("keeps enum values of the schema's type only", () => {
    expect(convert({ type: "string", enum: ["a", 1, "b"] })).toEqual({ enum: ["a", "b"] });
  });

  it("resolves references to the schema's own definitions, draft 7's included", () => {
    expect(
      convert({
        type: "object",
        properties: { next: { $ref: "#/definitions/node" } },
        definitions: {
          node: { type: "object", properties: { next: { anyOf: [{ $ref: "#/$defs/node" }, { type: "null" }] } } },
        },
      }),
    ).toEqual({
      type: "object",
      properties: { next: { $ref: "#/$defs/node" } },
      $defs: {
        node: { type: "object", properties: { next: { oneOf: [{ $ref: "#/$defs/node" }, { type: "null" }] } } },
      },
    });
  });

  it("reads a tuple written as draft 7's item array, closed by items false", () => {
    expect(convert({ type: "array", prefixItems: [{ type: "string" }, { type: "integer" }], items: false })).toEqual({
      type: "array",
      prefixItems: [{ type: "string" }, { type: "integer" }],
      maxItems: 2,
    });
    expect(convert({ type: "array", items: [{ type: "boolean" }] })).toEqual({
      type: "array",
      prefixItems: [{ type: "boolean" }],
    });
  });

  it("writes any JSON value for a schema that does not constrain one", () => {
    const any = convert(true);
    expect(convert({})).toEqual(any);
    expect(any).toMatchObject({ oneOf: expect.arrayContaining([{ type: "object", additionalProperties: true }]) });
  });

  const refusals: [string, unknown, string][] = [
    ["a pattern", { type: "string", pattern: "^a" }, "schema.pattern"],
    ["bounds on a number", { type: "number", minimum: 0 }, "schema.minimum"],
    ["a wide integer range", { type: "integer", minimum: 0, maximum: 100_000 }, "schema.minimum"],
    ["a one-sided integer bound", { type: "integer", minimum: 0 }, "schema.minimum"],
    ["a remote reference", { $ref: "https://example.com/schema.json" }, "schema.$ref"],
    ["a reference to no definition", { $ref: "#/$defs/missing" }, "schema.$ref"],
    ["a reference with a sibling constraint", { $ref: "#/$defs/a", type: "string", $defs: { a: {} } }, "schema.type"],
    ["an intersection", { allOf: [{ type: "string" }, { maxLength: 2 }] }, "schema.allOf"],
    ["an object by value", { const: { a: 1 } }, "schema.const"],
    ["a required property that is not described", { type: "object", required: ["a"] }, "schema.required"],
    ["unique items", { type: "array", uniqueItems: true }, "schema.uniqueItems"],
    ["the false schema", { type: "object", properties: { a: false } }, "schema.properties.a"],
    ["an unknown type", { type: "date" }, "schema.type"],
    ["a not", { not: { type: "null" } }, "schema.not"],
  ];
  it.each(refusals)("refuses %s, naming the keyword", (_, schema, option) => {
    let error: unknown;
    try {
      convert(schema);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UnsupportedCallOptionError);
    expect(error).toMatchObject({ option, message: expect.stringContaining(option) });
  });

  it("refuses a schema nested deeper than it converts", () => {
    let schema: Record<string, unknown> = { type: "string" };
    for (let level = 0; level < 40; level++) schema = { type: "array", items: schema };
    expect(() => convert(schema)).toThrow(/nests deeper than 32 levels/);
  });
});
