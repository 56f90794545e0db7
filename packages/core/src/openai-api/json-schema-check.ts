/**
 * @module A light check of a JSON Schema a client sends (tool parameters, response formats): that each
 * `type` names a JSON Schema type. A provider turns the schema into a grammar or passes it on; a schema
 * that names no real type would fail there, as a server error, after the request was accepted.
 */

const TYPES = new Set(["string", "number", "integer", "boolean", "object", "array", "null"]);
/** Keywords whose value is one schema. */
const SCHEMA_KEYWORDS = ["items", "additionalProperties", "not", "contains", "if", "then", "else", "propertyNames"];
/** Keywords whose value is a list of schemas. */
const LIST_KEYWORDS = ["anyOf", "oneOf", "allOf", "prefixItems", "items"];
/** Keywords whose value maps names to schemas. */
const MAP_KEYWORDS = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];
/** Deeper nesting than this is refused rather than walked. */
const MAX_DEPTH = 64;

/** Where the schema is wrong, as a message, or undefined when it passes. */
export function findJsonSchemaError(schema: unknown, depth = 0): string | undefined {
  if (typeof schema === "boolean") return undefined;
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return "a schema must be an object";
  if (depth > MAX_DEPTH) return `a schema may nest at most ${MAX_DEPTH} levels`;
  const node = schema as Record<string, unknown>;
  if ("type" in node) {
    const types = Array.isArray(node.type) ? node.type : [node.type];
    const wrong = types.find((type) => typeof type !== "string" || !TYPES.has(type));
    if (wrong !== undefined || types.length === 0) {
      return `"type" must be one of ${[...TYPES].join(", ")} (or a list of them); got ${JSON.stringify(node.type)}`;
    }
  }
  for (const keyword of SCHEMA_KEYWORDS) {
    const value = node[keyword];
    if (value === undefined || Array.isArray(value)) continue;
    const error = findJsonSchemaError(value, depth + 1);
    if (error !== undefined) return `${keyword}: ${error}`;
  }
  for (const keyword of LIST_KEYWORDS) {
    const value = node[keyword];
    if (!Array.isArray(value)) continue;
    for (const [index, item] of value.entries()) {
      const error = findJsonSchemaError(item, depth + 1);
      if (error !== undefined) return `${keyword}.${index}: ${error}`;
    }
  }
  for (const keyword of MAP_KEYWORDS) {
    const value = node[keyword];
    if (value === undefined) continue;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return `${keyword} must be an object`;
    for (const [name, item] of Object.entries(value)) {
      const error = findJsonSchemaError(item, depth + 1);
      if (error !== undefined) return `${keyword}.${name}: ${error}`;
    }
  }
  return undefined;
}
