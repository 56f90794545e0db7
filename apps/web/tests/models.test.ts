import { createServer } from "node:net";
import { type OpenAIProtocolReplay, startOpenAIProtocolReplay } from "@hearth/engine/testing";
import { signedInAdmin, type TestClient } from "@hearth/server/testing";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./axe.ts";
import { type BrowserHarness, canRunBrowser, signInThroughTheApp, startBrowserHarness } from "./browser.ts";

/** A port nothing listens on: a provider there is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Conversation {
  id: string;
  model: string | null;
  tools: string[];
}

describe.runIf(canRunBrowser)("the web app's model picker and tools menu", () => {
  let replay: OpenAIProtocolReplay;
  let harness: BrowserHarness;
  let admin: TestClient;
  let page: Page;
  beforeAll(async () => {
    replay = await startOpenAIProtocolReplay(["gpt-4.1-mini"]);
    harness = await startBrowserHarness({
      providers: [
        { id: "replay", kind: "openai-compatible", baseUrl: `${replay.url}/v1`, timeoutSeconds: 5 },
        {
          id: "gone",
          kind: "openai-compatible",
          baseUrl: `http://127.0.0.1:${await closedPort()}/v1`,
          timeoutSeconds: 2,
        },
      ],
    });
    admin = await signedInAdmin(harness.server);
    page = await harness.open("/");
    await signInThroughTheApp(page);
  });
  afterAll(async () => {
    await harness?.close();
    await replay?.close();
  });

  const openPicker = async () => {
    await page.getByRole("button", { name: /^Model: / }).click();
    return page.getByRole("menu");
  };

  it("lists every provider's chat models with what they can do, and a provider that is down with its reason", async () => {
    const menu = await openPicker();
    await expect.poll(() => menu.getByRole("menuitemradio").count()).toBe(2);
    await menu.getByRole("menuitemradio", { name: /tiny-chat/ }).waitFor();
    await menu.getByRole("menuitemradio", { name: /gpt-4\.1-mini/ }).waitFor();
    const down = menu.getByRole("menuitem", { name: /^Unavailable: / });
    expect(await down.getAttribute("aria-disabled")).toBe("true");
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press("Escape");
  });

  it("creates a new chat with the model chosen before its first message, and the reply comes from it", async () => {
    const menu = await openPicker();
    await menu.getByRole("menuitemradio", { name: /gpt-4\.1-mini/ }).click();
    await expect.poll(() => page.getByRole("button", { name: /^Model: / }).textContent()).toContain("gpt-4.1-mini");
    await page.getByRole("textbox", { name: "Message" }).fill("Which model are you?");
    await page.getByRole("button", { name: "Send" }).click();
    await page.waitForURL(/\/c\/[0-9a-f-]+$/);
    // The protocol replay answers with the reply transcribed from OpenAI's reference.
    await page.getByText("Hello! How can I help?").first().waitFor();
    const id = page.url().split("/c/")[1] ?? "";
    const conversation = await admin.get<Conversation>(`/api/conversations/${id}`);
    expect(conversation.body.model).toBe("replay/gpt-4.1-mini");
  });

  it("changes an open conversation's model and tools, saved on the conversation at once", async () => {
    const id = page.url().split("/c/")[1] ?? "";
    const menu = await openPicker();
    await menu.getByRole("menuitemradio", { name: /tiny-chat/ }).click();
    await expect
      .poll(async () => (await admin.get<Conversation>(`/api/conversations/${id}`)).body.model)
      .toMatch(/tiny-chat/);
    await page.getByRole("button", { name: /^Tools/ }).click();
    const tools = page.getByRole("menuitemcheckbox");
    const first = tools.first();
    const name = ((await first.textContent()) ?? "").trim();
    await first.click();
    await expect.poll(() => first.getAttribute("aria-checked")).toBe("true");
    await expect
      .poll(async () => (await admin.get<Conversation>(`/api/conversations/${id}`)).body.tools.length)
      .toBe(1);
    expect(name).toContain((await admin.get<Conversation>(`/api/conversations/${id}`)).body.tools[0]);
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press("Escape");
    expect(harness.problems).toEqual([]);
  });
});
