/**
 * @module The keywords of one JSON Schema type in node-llama-cpp's subset (see toGbnfJsonSchema).
 */
import type { GbnfJsonSchema } from "node-llama-cpp";

/** An integer range with both bounds becomes an enum when it holds at most this many values. */
const MAX_INTEGER_RANGE = 256;
const DATE_FORMATS = new Set(["date-time", "date", "time"]);

type Primitive = string | number | boolean | null;
/** A mutable view of GbnfJsonSchema's union while one is built; the result is checked as a whole. */
export type Draft = { [key: string]: unknown };
/** Throws UnsupportedCallOptionError for `keyword` of the schema being converted. */
export type Refuse = (keyword: string, reason: string) => never;
type Child = (value: unknown, keyword: string) => GbnfJsonSchema;

/** A schema of one `type`, its subschemas converted by `child`. */
export function convertTyped(schema: Draft, type: string, child: Child, refuse: Refuse): Draft {
  if (type === "object") return convertObject(schema, child, refuse);
  if (type === "array") return convertArray(schema, child, refuse);
  if (type === "string") return convertString(schema, refuse);
  if (type === "integer") return convertInteger(schema, refuse);
  if (type === "number")
    for (const keyword of ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"])
      if (schema[keyword] !== undefined)
        refuse(keyword, "is not supported on numbers: llama.cpp's grammar can bound only integers (as an enum).");
  return { type };
}

function convertObject(schema: Draft, child: Child, refuse: Refuse): Draft {
  const properties: Record<string, GbnfJsonSchema> = {};
  if (schema.properties !== undefined) {
    if (!isObject(schema.properties)) refuse("properties", "must be an object of schemas.");
    for (const [name, value] of Object.entries(schema.properties as Draft))
      properties[name] = child(value, `properties.${name}`);
  }
  if (schema.required !== undefined) {
    if (!Array.isArray(schema.required)) refuse("required", "must be an array of property names.");
    for (const name of schema.required as unknown[])
      if (typeof name !== "string" || !(name in properties))
        refuse("required", `names ${JSON.stringify(name)}, which is not in \`properties\`.`);
  }
  const converted: Draft = { type: "object", properties };
  const additional = schema.additionalProperties;
  if (additional !== undefined && additional !== false)
    converted.additionalProperties = additional === true ? true : child(additional, "additionalProperties");
  for (const keyword of ["minProperties", "maxProperties"])
    if (schema[keyword] !== undefined) converted[keyword] = count(schema[keyword], keyword, refuse);
  return converted;
}

function convertArray(schema: Draft, child: Child, refuse: Refuse): Draft {
  const converted: Draft = { type: "array" };
  // Draft 7 wrote a tuple as an array under `items`; 2020-12 as `prefixItems`.
  const tuple = Array.isArray(schema.items) ? schema.items : schema.prefixItems;
  const items = Array.isArray(schema.items) ? undefined : schema.items;
  if (tuple !== undefined) {
    if (!Array.isArray(tuple)) return refuse("prefixItems", "must be an array of schemas.");
    converted.prefixItems = tuple.map((item, index) => child(item, `prefixItems[${index}]`));
  }
  if (items === false) converted.maxItems = Array.isArray(tuple) ? tuple.length : 0;
  else if (items !== undefined) converted.items = child(items, "items");
  for (const keyword of ["minItems", "maxItems"])
    if (schema[keyword] !== undefined) {
      const value = count(schema[keyword], keyword, refuse);
      converted[keyword] =
        keyword === "maxItems" && typeof converted.maxItems === "number" ? Math.min(value, converted.maxItems) : value;
    }
  return converted;
}

function convertString(schema: Draft, refuse: Refuse): Draft {
  // Other formats (email, uri …) are annotations in JSON Schema 2020-12; these three the grammar writes.
  if (typeof schema.format === "string" && DATE_FORMATS.has(schema.format))
    return { type: "string", format: schema.format };
  const converted: Draft = { type: "string" };
  for (const keyword of ["minLength", "maxLength"])
    if (schema[keyword] !== undefined) converted[keyword] = count(schema[keyword], keyword, refuse);
  return converted;
}

/** An integer with both bounds close enough becomes the enum of its values; other bounds are refused. */
function convertInteger(schema: Draft, refuse: Refuse): Draft {
  const bound = (keyword: string) => {
    const value = schema[keyword];
    if (value !== undefined && typeof value !== "number") refuse(keyword, "must be a number.");
    return value as number | undefined;
  };
  const minimum = bound("minimum");
  const maximum = bound("maximum");
  const exclusiveMinimum = bound("exclusiveMinimum");
  const exclusiveMaximum = bound("exclusiveMaximum");
  const lowest = Math.max(
    minimum === undefined ? Number.NEGATIVE_INFINITY : Math.ceil(minimum),
    exclusiveMinimum === undefined ? Number.NEGATIVE_INFINITY : Math.floor(exclusiveMinimum) + 1,
  );
  const highest = Math.min(
    maximum === undefined ? Number.POSITIVE_INFINITY : Math.floor(maximum),
    exclusiveMaximum === undefined ? Number.POSITIVE_INFINITY : Math.ceil(exclusiveMaximum) - 1,
  );
  if (lowest === Number.NEGATIVE_INFINITY && highest === Number.POSITIVE_INFINITY) return { type: "integer" };
  const keyword = ["minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"].find(
    (name) => schema[name] !== undefined,
  );
  if (!Number.isFinite(lowest) || !Number.isFinite(highest) || highest - lowest >= MAX_INTEGER_RANGE)
    refuse(
      keyword as string,
      `is supported only with both bounds at most ${MAX_INTEGER_RANGE} values apart (they become an enum): llama.cpp's grammar cannot bound an integer otherwise.`,
    );
  if (highest < lowest) refuse(keyword as string, "leaves no integer between the bounds.");
  return { enum: Array.from({ length: highest - lowest + 1 }, (_, index) => lowest + index) };
}

export function convertEnum(values: unknown, types: string[], refuse: Refuse): Primitive[] {
  if (!Array.isArray(values) || values.length === 0) return refuse("enum", "must be a non-empty array.");
  const converted = values.map((value) => primitive(value, "enum", refuse));
  // With `type` too, only the values of those types can match.
  const matching = types.length === 0 ? converted : converted.filter((value) => types.includes(typeOf(value)));
  if (matching.length === 0) refuse("enum", "has no value of the schema's `type`.");
  return matching;
}

function typeOf(value: Primitive): string {
  if (value === null) return "null";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

export function primitive(value: unknown, keyword: string, refuse: Refuse): Primitive {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  return refuse(
    keyword,
    "is supported only with strings, numbers, booleans and null: llama.cpp's grammar cannot match objects or arrays by value.",
  );
}

function count(value: unknown, keyword: string, refuse: Refuse): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0)
    refuse(keyword, "must be a non-negative integer.");
  return value as number;
}

export function isObject(value: unknown): value is Draft {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
