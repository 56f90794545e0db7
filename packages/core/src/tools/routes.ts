import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../http/create-router.ts";
import { asUser, jsonContent } from "../http/route-helpers.ts";

const ToolInfo = z
  .object({
    name: z.string().openapi({ example: "calculator" }),
    description: z.string(),
    inputSchema: z.record(z.string(), z.unknown()).openapi({ description: "JSON Schema of the tool's input." }),
  })
  .openapi("Tool");

const ToolList = z.object({ data: z.array(ToolInfo) }).openapi("ToolList");

const list = createRoute({
  method: "get",
  path: "/api/tools",
  tags: ["tools"],
  summary: "The tools a conversation may enable",
  description: "Enable them per conversation with `tools` (POST or PATCH /api/conversations).",
  ...asUser,
  responses: { 200: jsonContent(ToolList, "Tools") },
});

export const toolRoutes = createRouter().openapi(list, (c) => {
  const data = c.var.chat.tools
    .list()
    .map(({ name, description, inputSchema }) => ({ name, description, inputSchema }));
  return c.json({ data }, 200);
});
