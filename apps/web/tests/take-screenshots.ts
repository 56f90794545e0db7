/**
 * `npm run screenshots`: the main screens, light and dark, desktop and phone, into docs/screenshots
 * (the README shows two). Runs the real server on the generated test model, like the browser tests;
 * the conversation shown is written through the API with a reply stored as a model would leave it.
 */
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { signedInAdmin } from "@hearth/server/testing";
import type { BrowserContextOptions, Page } from "playwright-core";
import { signInThroughTheApp, startBrowserHarness } from "./browser.ts";

const OUT = fileURLToPath(new URL("../../../docs/screenshots/", import.meta.url));
const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 } };
const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 2,
};

const REPLY = `Here is a small Python function that reads a file and counts its words:

\`\`\`python
from collections import Counter

def word_counts(path: str) -> Counter[str]:
    with open(path, encoding="utf-8") as file:
        return Counter(file.read().lower().split())
\`\`\`

| step | what it does |
| --- | --- |
| \`open\` | reads the file as UTF-8 |
| \`split\` | breaks the text on whitespace |
| \`Counter\` | counts each word |

The cost is linear: $$O(n)$$ in the length of the file.`;

const harness = await startBrowserHarness({ maxReplyTokens: 16 });
try {
  await mkdir(OUT, { recursive: true });
  const admin = await signedInAdmin(harness.server);
  const created = await admin.post<{ id: string }>("/api/conversations", { title: "Counting words in Python" });
  const conversationId = created.body.id;
  const sent = await admin.post<{ userMessage: { id: string }; assistantMessage: { id: string } }>(
    `/api/conversations/${conversationId}/messages`,
    { content: "How do I count the words in a text file in Python?" },
  );
  await harness.server.idle();
  // The test model writes random text; the screenshot shows what a real model's reply looks like.
  await harness.server.db.query("UPDATE messages SET content = $2 WHERE id = $1", [
    sent.body.assistantMessage.id,
    REPLY,
  ]);
  for (const title of ["Trip plan for Lisbon", "Quarterly report outline", "Regex for ISO dates"]) {
    await admin.post("/api/conversations", { title });
  }

  const shoot = async (
    name: string,
    options: BrowserContextOptions,
    theme: "light" | "dark",
    go: (page: Page) => Promise<void>,
  ) => {
    const context = await harness.newContext({ ...options, colorScheme: theme });
    const page = await context.newPage();
    await page.goto("/");
    await signInThroughTheApp(page);
    await go(page);
    await page.waitForTimeout(500);
    await page.screenshot({ path: `${OUT}${name}-${theme}.png` });
    await context.close();
  };
  for (const theme of ["light", "dark"] as const) {
    await shoot("chat-desktop", DESKTOP, theme, async (page) => {
      await page.goto(`/c/${conversationId}`);
      await page.getByText("word_counts").first().waitFor();
    });
    await shoot("chat-phone", PHONE, theme, async (page) => {
      await page.goto(`/c/${conversationId}`);
      await page.getByText("word_counts").first().waitFor();
    });
    await shoot("sidebar-phone", PHONE, theme, async (page) => {
      await page.getByRole("button", { name: "Open sidebar" }).click();
      await page.getByRole("dialog").waitFor();
    });
    await shoot("settings-desktop", DESKTOP, theme, async (page) => {
      await page.goto("/settings");
      await page.getByRole("heading", { level: 1 }).first().waitFor();
    });
    await shoot("admin-desktop", DESKTOP, theme, async (page) => {
      await page.goto("/admin");
      await page.getByRole("heading", { level: 1 }).first().waitFor();
    });
  }
  const signIn = await harness.newContext(DESKTOP);
  const page = await signIn.newPage();
  await page.goto("/");
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  await page.screenshot({ path: `${OUT}sign-in-desktop-light.png` });
  console.log(`screenshots written to ${OUT}`);
} finally {
  await harness.close();
}
