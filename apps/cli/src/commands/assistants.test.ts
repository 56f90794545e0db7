import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { createHearthClient, type HearthClient, unwrap } from "@hearth/sdk";
import { startTestServer, type TestServer } from "@hearth/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApiKey } from "../testing/admin-api-key.ts";
import { runHearth } from "../testing/run-hearth.ts";

describe("hearth assistants and hearth chat --assistant, against a real server and engine", () => {
  let workDir: string;
  let server: TestServer;
  let hearth: HearthClient;
  let env: Record<string, string>;
  /** A user's environment: not an admin. */
  let userEnv: Record<string, string>;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "hearth-cli-assistants-"));
    await writeTestModel(join(workDir, "tiny-chat.gguf"));
    server = await startTestServer({
      modelsDir: workDir,
      // Room for the tools' documentation, which the byte-level test tokenizer makes long.
      engine: { gpu: "off", contextSize: 4096 },
      chat: { maxReplyTokens: 8 },
    });
    const admin = await adminApiKey(server.url);
    hearth = admin.hearth;
    env = { HEARTH_URL: server.url, HEARTH_API_KEY: admin.key, HEARTH_CONFIG_DIR: join(workDir, "config") };
    const login = { email: "bo@example.com", password: "bo's long password" };
    unwrap(await hearth.api.POST("/api/admin/users", { body: { username: "bo", ...login } }));
    const user = createHearthClient({ baseUrl: server.url });
    unwrap(await user.api.POST("/api/auth/login", { body: login }));
    const { key } = unwrap(await user.api.POST("/api/api-keys", { body: { name: "bo's" } }));
    userEnv = { ...env, HEARTH_API_KEY: key };
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it("creates one with its settings, reads the system prompt from a file, and shows it", async () => {
    await writeFile(join(workDir, "guide.txt"), "You are a travel guide.\nAnswer in bullet points.");
    const created = await runHearth(
      [
        "assistants",
        "create",
        "Travel guide",
        "--description",
        "Plans city trips",
        "--model",
        "local/tiny-chat",
        "--system-prompt",
        `@${join(workDir, "guide.txt")}`,
        "--temperature",
        "0.7",
        "--max-tokens",
        "6",
        "--tools",
        "calculator, current_time",
      ],
      { env },
    );
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^name\s+Travel guide$/m);
    expect(created.stdout).toMatch(/^sampling\s+temperature 0\.7, maxOutputTokens 6$/m);
    expect(created.stdout).toMatch(/^tools\s+calculator, current_time$/m);
    expect(created.stdout).toMatch(/^shared\s+no$/m);

    const shown = await runHearth(["assistants", "show", "travel GUIDE", "--json"], { env });
    expect(JSON.parse(shown.stdout)).toMatchObject({
      name: "Travel guide",
      description: "Plans city trips",
      model: "local/tiny-chat",
      systemPrompt: "You are a travel guide.\nAnswer in bullet points.",
      sampling: { temperature: 0.7, maxOutputTokens: 6 },
      tools: ["calculator", "current_time"],
      isShared: false,
    });
    const listed = await runHearth(["assistants", "list"], { env });
    expect(listed.stdout).toMatch(/^ID\s+NAME\s+MODEL\s+SHARED\s+TOOLS$/m);
    expect(listed.stdout).toMatch(/^[0-9a-f-]{36}\s+Travel guide\s+local\/tiny-chat\s+no\s+calculator,current_time$/m);
  });

  it("edits what is given and keeps the rest, sampling option by option", async () => {
    const edited = await runHearth(
      ["assistants", "edit", "Travel guide", "--top-k", "5", "--temperature", "default", "--description", "", "--json"],
      { env },
    );
    expect(edited.code, edited.stderr).toBe(0);
    expect(JSON.parse(edited.stdout)).toMatchObject({
      description: null,
      systemPrompt: "You are a travel guide.\nAnswer in bullet points.",
      sampling: { topK: 5, maxOutputTokens: 6 },
    });
    expect(JSON.parse(edited.stdout).sampling).not.toHaveProperty("temperature");
    const nothing = await runHearth(["assistants", "edit", "Travel guide"], { env });
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain("nothing to change");
  });

  it("starts a chat from an assistant with its settings, by name", async () => {
    const run = await runHearth(["chat", "--assistant", "Travel guide", "--json", "Two days in Lisbon?"], { env });
    expect(run.code, run.stderr).toBe(0);
    const reply = JSON.parse(run.stdout) as { conversationId: string; status: string };
    expect(reply.status).toBe("done");
    const conversation = unwrap(
      await hearth.api.GET("/api/conversations/{id}", { params: { path: { id: reply.conversationId } } }),
    );
    const assistant = JSON.parse((await runHearth(["assistants", "show", "Travel guide", "--json"], { env })).stdout);
    expect(conversation).toMatchObject({
      assistantId: assistant.id,
      model: "local/tiny-chat",
      systemPrompt: "You are a travel guide.\nAnswer in bullet points.",
      sampling: { topK: 5, maxOutputTokens: 6 },
      tools: ["calculator", "current_time"],
    });
    // A system prompt given on the command line wins over the assistant's.
    const own = await runHearth(["chat", "-a", assistant.id, "-s", "Be brief.", "--json", "Hi"], { env });
    const ownReply = JSON.parse(own.stdout) as { conversationId: string };
    const ownConversation = unwrap(
      await hearth.api.GET("/api/conversations/{id}", { params: { path: { id: ownReply.conversationId } } }),
    );
    expect(ownConversation).toMatchObject({ assistantId: assistant.id, systemPrompt: "Be brief." });
  });

  it("says what is wrong: an unknown name, a name two share, --conversation with it, a server refusal", async () => {
    const unknown = await runHearth(["chat", "--assistant", "Nobody", "Hi"], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no assistant is named Nobody");
    await runHearth(["assistants", "create", "Twin"], { env });
    await runHearth(["assistants", "create", "Twin"], { env });
    const twins = await runHearth(["assistants", "show", "Twin"], { env });
    expect(twins.code).toBe(1);
    expect(twins.stderr).toMatch(/2 assistants are named Twin: give the id of one \([0-9a-f-]{36}, [0-9a-f-]{36}\)/);
    const both = await runHearth(["chat", "--assistant", "Travel guide", "--conversation", "x", "Hi"], { env });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--assistant starts a new conversation");
    const refused = await runHearth(["assistants", "create", "Hot", "--temperature", "5"], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/sampling\.temperature: .*\(400 validation-failed\)/);
    const bad = await runHearth(["assistants", "create", "Hot", "--top-k", "lots"], { env });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("must be a number");
  });

  it("shares one with --shared (admins): users see and chat with it but cannot change it, or share their own", async () => {
    const shared = await runHearth(["assistants", "create", "Team helper", "--shared", "--model", "local/tiny-chat"], {
      env,
    });
    expect(shared.stdout).toMatch(/^shared\s+yes, with everyone$/m);
    const seen = await runHearth(["assistants", "list", "--json"], { env: userEnv });
    const names = (JSON.parse(seen.stdout) as { name: string }[]).map((each) => each.name);
    expect(names).toEqual(["Team helper"]);
    const chat = await runHearth(["chat", "--assistant", "Team helper", "Hi"], { env: userEnv });
    expect(chat.code, chat.stderr).toBe(0);
    const edit = await runHearth(["assistants", "edit", "Team helper", "--name", "Mine"], { env: userEnv });
    expect(edit.stderr).toMatch(/\(403 admin-required\)\n$/);
    const share = await runHearth(["assistants", "create", "Bo's", "--shared"], { env: userEnv });
    expect(share.stderr).toMatch(/\(403 admin-required\)\n$/);
    const unshared = await runHearth(["assistants", "edit", "Team helper", "--no-shared", "--json"], { env });
    expect(JSON.parse(unshared.stdout)).toMatchObject({ isShared: false });
    const gone = await runHearth(["assistants", "show", "Team helper"], { env: userEnv });
    expect(gone.stderr).toContain("no assistant is named Team helper");
  });

  it("deletes one; the chats started from it keep their settings", async () => {
    const removed = await runHearth(["assistants", "rm", "Travel guide"], { env });
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stderr).toBe("Deleted the assistant Travel guide.\n");
    const after = await runHearth(["assistants", "show", "Travel guide"], { env });
    expect(after.code).toBe(1);
    const conversations = unwrap(await hearth.api.GET("/api/conversations")).data;
    expect(conversations.find((each) => each.systemPrompt?.startsWith("You are a travel guide"))).toMatchObject({
      assistantId: null,
      sampling: { topK: 5, maxOutputTokens: 6 },
    });
  });
});
