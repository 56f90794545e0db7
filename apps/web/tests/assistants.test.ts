import { ADMIN, signedInUser, type TestClient } from "@hearth/server/testing";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./axe.ts";
import {
  type BrowserHarness,
  canRunBrowser,
  setUpThroughTheApp,
  signInThroughTheApp,
  startBrowserHarness,
} from "./browser.ts";

/** Polls wait as long as locators do: a loaded machine answers slowly. */
const POLL = { timeout: 30_000 };

interface Conversation {
  assistantId: string | null;
  model: string | null;
  systemPrompt: string | null;
  sampling: Record<string, number>;
  tools: string[];
}

describe.runIf(canRunBrowser)("the web app in Chromium: assistants", () => {
  let harness: BrowserHarness;
  let page: Page;
  let admin: TestClient;

  beforeAll(async () => {
    harness = await startBrowserHarness({ maxReplyTokens: 8 });
    page = await harness.open("/");
    await setUpThroughTheApp(page);
    admin = harness.server.client();
    await admin.logIn(ADMIN.email, ADMIN.password);
  }, 120_000);
  afterAll(async () => {
    await harness?.close();
  });

  const isDark = async (on: Page) =>
    ((await on.locator("html").getAttribute("class")) ?? "").split(" ").includes("dark");
  const conversationOf = async (on: Page): Promise<Conversation> => {
    const id = /\/c\/([0-9a-f-]+)$/.exec(on.url())?.[1] ?? "";
    return (await (await on.request.get(`/api/conversations/${id}`)).json()) as Conversation;
  };
  const yours = (on: Page) => on.getByRole("list", { name: "Yours" });

  it("makes an assistant in the editor, naming a wrong field beside it", async () => {
    await page.getByRole("link", { name: "Assistants" }).click();
    await page.getByRole("heading", { level: 1, name: "Assistants" }).waitFor();
    await page.getByText("None yet.").first().waitFor();
    await page.getByRole("button", { name: "New assistant" }).click();
    const dialog = page.getByRole("dialog", { name: "New assistant" });
    await dialog.waitFor();
    await dialog.getByRole("textbox", { name: "Name" }).fill("Travel guide");
    await dialog.getByRole("textbox", { name: "Description" }).fill("Plans city trips");
    await dialog.getByRole("combobox", { name: "Model" }).selectOption("local/tiny-chat");
    await dialog.getByRole("textbox", { name: "System prompt" }).fill("You are a travel guide.");
    const temperature = dialog.getByRole("textbox", { name: "Temperature (0–2)" });
    await temperature.fill("hot");
    await dialog.getByRole("checkbox", { name: /calculator/ }).check();
    expect(await seriousViolations(page), "the editor").toEqual([]);
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.getByText(/expected number/).waitFor();
    expect(await temperature.getAttribute("aria-invalid")).toBe("true");
    expect(await temperature.evaluate((element) => element === element.ownerDocument.activeElement)).toBe(true);
    await temperature.fill("0.7");
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "hidden" });

    const item = yours(page).getByRole("listitem").filter({ hasText: "Travel guide" });
    await item.getByText("Plans city trips").waitFor();
    await item.getByText("local/tiny-chat · 1 tool").waitFor();
    const saved = (await (await page.request.get("/api/assistants")).json()) as { data: Record<string, unknown>[] };
    expect(saved.data).toEqual([
      expect.objectContaining({
        name: "Travel guide",
        model: "local/tiny-chat",
        systemPrompt: "You are a travel guide.",
        sampling: { temperature: 0.7 },
        tools: ["calculator"],
        isShared: false,
      }),
    ]);
    expect(harness.problems).toEqual([]);
  }, 60_000);

  it("starts a chat from the picker with a copy of the assistant's settings, which the chat can change", async () => {
    await page.getByRole("button", { name: "New chat" }).first().click();
    await page.getByRole("button", { name: "Assistant: No assistant" }).click();
    await page.getByRole("menuitemradio", { name: /Travel guide/ }).click();
    await page.getByRole("button", { name: "Assistant: Travel guide" }).waitFor();
    // The assistant's model and tools show in their pickers.
    await page.getByRole("button", { name: "Model: tiny-chat" }).waitFor();
    await page.getByRole("button", { name: "Tools (1 on)" }).waitFor();
    const composer = page.getByRole("textbox", { name: "Message" });
    await composer.fill("Two days in Lisbon?");
    await composer.press("Enter");
    await page.waitForURL(/\/c\/[0-9a-f-]+$/);
    const assistants = (await (await page.request.get("/api/assistants")).json()) as { data: { id: string }[] };
    expect(await conversationOf(page)).toMatchObject({
      assistantId: assistants.data[0]?.id,
      model: "local/tiny-chat",
      systemPrompt: "You are a travel guide.",
      sampling: { temperature: 0.7 },
      tools: ["calculator"],
    });

    await page.getByRole("button", { name: "Chat settings" }).click();
    const dialog = page.getByRole("dialog", { name: "Chat settings" });
    await dialog.getByText(/Copied from the assistant Travel guide/).waitFor();
    expect(await dialog.getByRole("textbox", { name: "System prompt" }).inputValue()).toBe("You are a travel guide.");
    expect(await dialog.getByRole("textbox", { name: "Temperature (0–2)" }).inputValue()).toBe("0.7");
    await dialog.getByRole("textbox", { name: "Top K" }).fill("5");
    await dialog.getByRole("textbox", { name: "System prompt" }).fill("Answer in one line.");
    expect(await seriousViolations(page), "the chat's settings").toEqual([]);
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "hidden" });
    await expect
      .poll(() => conversationOf(page), POLL)
      .toMatchObject({ systemPrompt: "Answer in one line.", sampling: { temperature: 0.7, topK: 5 } });
    // The assistant itself is unchanged.
    const assistant = (await (await page.request.get(`/api/assistants/${assistants.data[0]?.id}`)).json()) as {
      systemPrompt: string;
    };
    expect(assistant.systemPrompt).toBe("You are a travel guide.");
    expect(harness.problems).toEqual([]);
  }, 60_000);

  it("shows a shared assistant to a user, who may chat with it but not change it", async () => {
    const shared = await admin.post<{ id: string }>("/api/assistants", { name: "Team helper", isShared: true });
    expect(shared.status, shared.text).toBe(201);
    await signedInUser(harness.server, admin, {
      username: "uma",
      email: "uma@example.com",
      password: "uma's long password",
    });
    const user = await harness.open("/");
    await signInThroughTheApp(user, { email: "uma@example.com", password: "uma's long password" });
    await user.goto("/assistants");
    const item = user.getByRole("list", { name: "Shared" }).getByRole("listitem").filter({ hasText: "Team helper" });
    await item.getByRole("button", { name: "Chat with Team helper" }).waitFor();
    expect(await item.getByRole("button", { name: /^(Edit|Delete) / }).count()).toBe(0);
    // Admin's personal assistant is not theirs to see.
    expect(await user.getByText("Travel guide").count()).toBe(0);
    await item.getByRole("button", { name: "Chat with Team helper" }).click();
    await user.getByRole("button", { name: "Assistant: Team helper" }).waitFor();
    // A user's own editor has no sharing.
    await user.goto("/assistants");
    await user.getByRole("button", { name: "New assistant" }).click();
    await user.getByRole("dialog", { name: "New assistant" }).waitFor();
    expect(await user.getByRole("checkbox", { name: /Share with everyone/ }).count()).toBe(0);
    await user.keyboard.press("Escape");
    expect(harness.problems).toEqual([]);
  }, 60_000);

  it("passes axe on the page, the editor and the picker, in light and dark", async () => {
    for (const theme of ["light", "dark"] as const) {
      await page.goto("/assistants");
      await page.getByRole("combobox", { name: "Theme" }).selectOption(theme);
      await expect.poll(() => isDark(page), POLL).toBe(theme === "dark");
      await page.getByRole("list", { name: "Shared" }).waitFor();
      expect(await seriousViolations(page), `${theme}: the page`).toEqual([]);
      await page.getByRole("button", { name: "Edit Travel guide" }).click();
      await page.getByRole("dialog", { name: "Edit Travel guide" }).waitFor();
      expect(await seriousViolations(page), `${theme}: the editor`).toEqual([]);
      await page.keyboard.press("Escape");
      await page.getByRole("dialog").waitFor({ state: "hidden" });
      await page.getByRole("button", { name: "New chat" }).first().click();
      await page.getByRole("button", { name: /^Assistant: / }).click();
      await page.getByRole("menu").waitFor();
      expect(await seriousViolations(page), `${theme}: the picker`).toEqual([]);
      await page.keyboard.press("Escape");
    }
  }, 90_000);

  it("deletes an assistant after asking; the chat started from it keeps its settings", async () => {
    await page.goto("/assistants");
    await page.getByRole("button", { name: "Delete Travel guide" }).click();
    const confirm = page.getByRole("dialog", { name: "Delete Travel guide?" });
    await confirm.getByRole("button", { name: "Delete" }).click();
    await confirm.waitFor({ state: "hidden" });
    await yours(page).waitFor({ state: "detached" });
    const conversations = (await (await page.request.get("/api/conversations")).json()) as {
      data: Conversation[];
    };
    expect(conversations.data[0]).toMatchObject({ assistantId: null, systemPrompt: "Answer in one line." });
    expect(harness.problems).toEqual([]);
  }, 60_000);
});
