import type { Database } from "@hearth/db";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createUser } from "../accounts/users.ts";
import { createConversation } from "../conversations/service.ts";
import { databaseWithOwner } from "../conversations/test-owner.ts";
import { unwrap } from "../problems.ts";
import { REMEMBER_TOOL, rememberTool } from "./remember-tool.ts";
import { MAX_MEMORIES_PER_USER } from "./schema.ts";
import { listMemories } from "./service.ts";

const clock = { now: () => new Date("2026-12-05T12:00:00Z") };
const signal = new AbortController().signal;
const context = { userId: "", timeZone: "UTC", abortSignal: signal };

/** The remember tool on a real database: what the model proposes, as the user's settings say. */
describe("the remember tool", () => {
  let db: Database;
  let ownerId: string;
  let otherId: string;
  let conversationId: string;
  const messageId = null;

  beforeAll(async () => {
    ({ db, ownerId } = await databaseWithOwner());
    otherId = unwrap(
      await createUser(
        db,
        { username: "bob", email: "bob@example.com", password: "bob's long password", role: "user" },
        new Date(),
      ),
    ).id;
    conversationId = (await createConversation(db, ownerId, {}, clock.now())).id;
  });
  beforeEach(() => db.exec("DELETE FROM memories"));
  afterAll(() => db.close());

  const remember = (autoSave: boolean, fact: unknown) => {
    const target = { userId: ownerId, conversationId, messageId: messageId as unknown as string, autoSave };
    const { tool, inputSchema } = rememberTool(db, clock, target);
    expect(tool.name).toBe(REMEMBER_TOOL);
    return { run: () => tool.run(fact, context), check: inputSchema.safeParse(fact) };
  };
  const memoriesOf = async (userId: string) => (await listMemories(db, userId, { limit: 50 })).data;

  it("saves a fact at once with automatic saving on, as the model's, with the conversation it came from", async () => {
    const result = await remember(true, { fact: "Prefers metric units." }).run();
    expect(JSON.parse(result)).toEqual({ status: "saved", memoryId: expect.any(String) });
    const [memory, ...rest] = await memoriesOf(ownerId);
    expect(rest).toEqual([]);
    expect(memory).toMatchObject({
      content: "Prefers metric units.",
      status: "saved",
      source: "model",
      conversationId,
    });
    expect(await memoriesOf(otherId)).toEqual([]);
  });

  it("proposes it for the user with automatic saving off, and keeps a fact once", async () => {
    const proposed = await remember(false, { fact: "Has a dog named Rex." }).run();
    expect(JSON.parse(proposed).status).toMatch(/^proposed/);
    await remember(false, { fact: "  has a DOG named rex. " }).run();
    const memories = await memoriesOf(ownerId);
    expect(memories).toHaveLength(1);
    expect(memories[0]).toMatchObject({ content: "Has a dog named Rex.", status: "proposed" });
    // Told again with saving on, the proposal is saved.
    expect(JSON.parse(await remember(true, { fact: "Has a dog named Rex." }).run())).toMatchObject({ status: "saved" });
    expect((await memoriesOf(ownerId))[0]?.status).toBe("saved");
    expect(JSON.parse(await remember(true, { fact: "Has a dog named Rex." }).run())).toMatchObject({
      status: "known already",
    });
  });

  it("cleans what the model wrote to one line, and refuses an empty fact or a bad input", async () => {
    await remember(true, { fact: "Lives in\nOslo\u0000 \t now." }).run();
    expect((await memoriesOf(ownerId))[0]?.content).toBe("Lives in Oslo now.");
    await expect(remember(true, { fact: "\n\u0007 " }).run()).rejects.toThrow(/empty/);
    expect(remember(true, { fact: "x".repeat(501) }).check.success).toBe(false);
    expect(remember(true, { note: "x" }).check.success).toBe(false);
    expect(remember(true, { fact: "x", more: 1 }).check.success).toBe(false);
  });

  it("saves nothing once the user's memory is full", async () => {
    await db.query(
      `INSERT INTO memories (user_id, content, status, source, created_at, updated_at)
       SELECT $1, 'fact ' || n, 'saved', 'user', now(), now() FROM generate_series(1, $2) n`,
      [ownerId, MAX_MEMORIES_PER_USER],
    );
    await expect(remember(true, { fact: "One more." }).run()).rejects.toThrow(/full/);
  });
});
