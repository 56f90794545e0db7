/**
 * @module Turns a client's JSON Schema into the subset node-llama-cpp compiles to a grammar
 * (GbnfJsonSchema). node-llama-cpp itself silently widens what it does not know (an unknown `$ref`
 * becomes "any JSON", a schema without `type` becomes `null`), so every keyword is looked at here:
 * what the grammar enforces is converted, annotations are dropped, and an assertion it cannot enforce
 * is refused by name rather than ignored, since output that breaks the caller's schema is worse than a
 * clear error.
 */
import type { GbnfJsonSchema } from "node-llama-cpp";
import { UnsupportedCallOptionError } from "../spec/unsupported-call-option-error.ts";
import { convertEnum, convertTyped, type Draft, isObject, primitive, type Refuse } from "./convert-typed-schema.ts";

/** Deeper schemas are refused: the conversion and node-llama-cpp's grammar generator both recurse. */
const MAX_DEPTH = 32;

/** Assertions the grammar cannot enforce. */
const REFUSED = new Set([
  "pattern",
  "patternProperties",
  "propertyNames",
  "multipleOf",
  "not",
  "if",
  "then",
  "else",
  "contains",
  "minContains",
  "maxContains",
  "dependentRequired",
  "dependentSchemas",
  "dependencies",
  "additionalItems",
  "unevaluatedItems",
  "$dynamicRef",
  "$recursiveRef",
]);
const PRIMITIVE_TYPES = new Set(["string", "number", "integer", "boolean", "null"]);
const ALL_TYPES = new Set([...PRIMITIVE_TYPES, "object", "array"]);
/** Any JSON value, which GbnfJsonSchema has no single word for. */
const ANY_JSON: GbnfJsonSchema = {
  oneOf: [
    { type: ["string", "number", "boolean", "null"] },
    { type: "object", additionalProperties: true },
    { type: "array" },
  ],
};

/**
 * `schema` as node-llama-cpp's GbnfJsonSchema. Throws UnsupportedCallOptionError naming the keyword's
 * path (`path` is where the schema sits in the call options) for what the grammar cannot enforce.
 * Every property of an object is generated, as node-llama-cpp's grammar requires: output with an
 * optional property present still matches the schema.
 */
export function toGbnfJsonSchema(schema: unknown, path: string): GbnfJsonSchema {
  return convert(schema, path, 0, new Set());
}

/** `definitions` holds the names of the definitions in scope, which a `$ref` may name. */
function convert(schema: unknown, path: string, depth: number, definitions: ReadonlySet<string>): GbnfJsonSchema {
  const refuse = (keyword: string, reason: string): never => {
    throw new UnsupportedCallOptionError(keyword === "" ? path : `${path}.${keyword}`, reason);
  };
  if (depth > MAX_DEPTH) refuse("", `nests deeper than ${MAX_DEPTH} levels.`);
  if (schema === true) return ANY_JSON;
  if (schema === false) refuse("", "is `false`, which no value matches.");
  if (!isObject(schema)) return refuse("", "must be a JSON Schema object.");

  for (const keyword of Object.keys(schema))
    if (REFUSED.has(keyword)) refuse(keyword, `is not supported: llama.cpp's grammar cannot enforce it.`);
  if (schema.uniqueItems === true) refuse("uniqueItems", "is not supported: llama.cpp's grammar cannot enforce it.");
  if (schema.unevaluatedProperties !== undefined && schema.unevaluatedProperties !== false)
    refuse("unevaluatedProperties", "is supported only as `false`.");

  const description = typeof schema.description === "string" ? { description: schema.description } : {};
  const inScope = new Set([...definitions, ...definitionNames(schema)]);
  const defs = convertDefs(schema, path, depth, inScope);
  const withDefs = (converted: Draft): GbnfJsonSchema =>
    (defs === undefined
      ? { ...converted, ...description }
      : { ...converted, ...description, $defs: defs }) as GbnfJsonSchema;
  const child = (value: unknown, keyword: string) => convert(value, `${path}.${keyword}`, depth + 1, inScope);

  if (schema.$ref !== undefined) {
    refuseCombined(schema, "$ref", refuse);
    return withDefs({ $ref: toLocalRef(schema.$ref, inScope, refuse) });
  }
  for (const keyword of ["allOf", "anyOf", "oneOf"])
    if (schema[keyword] !== undefined) refuseCombined(schema, keyword, refuse);
  if (schema.allOf !== undefined) {
    const members = schema.allOf;
    if (!Array.isArray(members) || members.length !== 1)
      refuse("allOf", "is supported only with a single schema: llama.cpp's grammar cannot intersect schemas.");
    return child((members as unknown[])[0], "allOf[0]");
  }
  for (const keyword of ["anyOf", "oneOf"] as const) {
    const members = schema[keyword];
    if (members === undefined) continue;
    if (!Array.isArray(members) || members.length === 0) refuse(keyword, "must be a non-empty array of schemas.");
    return withDefs({ oneOf: (members as unknown[]).map((member, index) => child(member, `${keyword}[${index}]`)) });
  }

  const types = readTypes(schema, refuse);
  if (schema.const !== undefined) return withDefs({ const: primitive(schema.const, "const", refuse) });
  if (schema.enum !== undefined) return withDefs({ enum: convertEnum(schema.enum, types, refuse) });
  if (types.length > 1)
    return withDefs({ oneOf: types.map((type) => convert({ ...schema, type }, path, depth + 1, inScope)) });

  const type = types[0] ?? impliedType(schema);
  if (type === undefined) return withDefs(ANY_JSON as Draft);
  return withDefs(convertTyped(schema, type, child, refuse));
}

function readTypes(schema: Draft, refuse: Refuse): string[] {
  if (schema.type === undefined) return [];
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.length === 0) refuse("type", "must name at least one type.");
  for (const type of types)
    if (typeof type !== "string" || !ALL_TYPES.has(type))
      refuse("type", `must be one of ${[...ALL_TYPES].join(", ")}; got ${JSON.stringify(type)}.`);
  return [...new Set(types as string[])];
}

/** The type a schema without `type` describes by its keywords, if any. */
function impliedType(schema: Draft): string | undefined {
  if (schema.properties !== undefined || schema.additionalProperties !== undefined) return "object";
  if (schema.items !== undefined || schema.prefixItems !== undefined) return "array";
  return undefined;
}

/** Keywords that constrain a value; next to a `$ref` or a combination they would be ignored, so they are refused. */
const CONSTRAINTS = [
  "type",
  "enum",
  "const",
  "properties",
  "required",
  "additionalProperties",
  "minProperties",
  "maxProperties",
  "items",
  "prefixItems",
  "minItems",
  "maxItems",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "$ref",
  "allOf",
  "anyOf",
  "oneOf",
];

function refuseCombined(schema: Draft, keyword: string, refuse: Refuse): void {
  const other = CONSTRAINTS.find((name) => name !== keyword && schema[name] !== undefined);
  if (other !== undefined)
    refuse(
      other,
      `cannot be combined with \`${keyword}\` in one schema here: move it into the referenced or combined schemas.`,
    );
}

function definitionNames(schema: Draft): string[] {
  return ["$defs", "definitions"].flatMap((keyword) =>
    isObject(schema[keyword]) ? Object.keys(schema[keyword] as Draft) : [],
  );
}

/** `$defs` (or draft 7's `definitions`) of this schema, converted; node-llama-cpp resolves refs against them. */
function convertDefs(
  schema: Draft,
  path: string,
  depth: number,
  inScope: ReadonlySet<string>,
): Record<string, GbnfJsonSchema> | undefined {
  const entries: [string, unknown][] = [];
  for (const keyword of ["$defs", "definitions"] as const) {
    const defs = schema[keyword];
    if (defs === undefined) continue;
    if (!isObject(defs)) throw new UnsupportedCallOptionError(`${path}.${keyword}`, "must be an object of schemas.");
    for (const [name, value] of Object.entries(defs)) entries.push([`${keyword}.${name}`, value]);
  }
  if (entries.length === 0) return undefined;
  return Object.fromEntries(
    entries.map(([key, value]) => [
      key.slice(key.indexOf(".") + 1),
      convert(value, `${path}.${key}`, depth + 1, inScope),
    ]),
  );
}

/** A reference to a definition of this schema, as node-llama-cpp writes it; anything else is refused. */
function toLocalRef(ref: unknown, inScope: ReadonlySet<string>, refuse: Refuse): string {
  const match = typeof ref === "string" ? /^#\/(?:\$defs|definitions)\/([^/~]+)$/.exec(ref) : null;
  if (match === null)
    return refuse("$ref", "is supported only as a reference to a definition of this schema (`#/$defs/Name`).");
  const name = match[1] as string;
  if (!inScope.has(name)) refuse("$ref", `names ${JSON.stringify(name)}, which is not among the schema's definitions.`);
  return `#/$defs/${name}`;
}
