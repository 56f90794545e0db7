import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signedInAdmin, startTestServer, type TestClient, type TestServer } from "../testing/index.ts";

/** Issue 9 §3: which tools a conversation may call, set through the API (no model is needed for it). */
describe("tools of a conversation", () => {
  let server: TestServer;
  let ada: TestClient;
  beforeAll(async () => {
    server = await startTestServer();
  });
  beforeEach(async () => {
    await server.reset();
    ada = await signedInAdmin(server);
  });
  afterAll(() => server.close());

  const conversationWith = async (body: Record<string, unknown>) => {
    const created = await ada.post<{ id: string; tools: string[]; toolChoice: string }>("/api/conversations", body);
    expect(created.status, created.text).toBe(201);
    return created.body;
  };

  it("lists the tools a conversation may enable, with their input schemas", async () => {
    const tools = await ada.get<{ data: { name: string; description: string; inputSchema: { type: string } }[] }>(
      "/api/tools",
    );
    expect(tools.status).toBe(200);
    expect(tools.body.data.map((tool) => tool.name)).toEqual(["calculator", "current_time"]);
    expect(tools.body.data[0]).toMatchObject({
      description: expect.stringContaining("arithmetic"),
      inputSchema: { type: "object", required: ["expression"] },
    });
    expect((await server.client().get("/api/tools")).status).toBe(401);
  });

  it("stores the tools and tool choice of a conversation, set at creation or later", async () => {
    const plain = await conversationWith({});
    expect(plain).toMatchObject({ tools: [], toolChoice: "auto" });
    const created = await conversationWith({
      tools: ["calculator", "calculator", "current_time"],
      toolChoice: "required",
    });
    expect(created).toMatchObject({ tools: ["calculator", "current_time"], toolChoice: "required" });
    const changed = await ada.patch(`/api/conversations/${created.id}`, {
      tools: ["current_time"],
      toolChoice: "auto",
    });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body).toMatchObject({ tools: ["current_time"], toolChoice: "auto" });
    expect((await ada.get(`/api/conversations/${created.id}`)).body).toMatchObject({ tools: ["current_time"] });
  });

  it("refuses an unknown tool with 422, naming the tools there are", async () => {
    const created = await ada.post("/api/conversations", { tools: ["calculator", "shell", "shell"] });
    expect(created.status).toBe(422);
    expect(created.body).toMatchObject({
      code: "unknown-tool",
      tools: ["shell"],
      known: ["calculator", "current_time"],
      detail: expect.stringContaining("No tool is named shell."),
    });
    const { id } = await conversationWith({});
    const patched = await ada.patch(`/api/conversations/${id}`, { tools: ["constructor"] });
    expect(patched.status).toBe(422);
    expect(patched.body).toMatchObject({ code: "unknown-tool", tools: ["constructor"] });
    expect((await ada.post("/api/conversations", { toolChoice: "always" })).status).toBe(400);
  });
});
