/**
 * The web app in Chromium (Debian's, as the browser tests use), on a 10,000-message conversation
 * against a 100-message one from the same run: time until the last message is shown, the JS heap
 * after scrolling the whole conversation end to end against just after opening it, and frames per
 * second while a reply streams into it against the same page idle.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { lockDataDir, openDatabase } from "@hearth/db";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS } from "../apps/web/tests/chromium.ts";
import type { BenchModel } from "./bench-model.ts";
import { undoOnInterrupt } from "./cleanup.ts";
import { median, type Row } from "./report.ts";
import { findBenchUser, type SeededConversation, seedConversation } from "./seed-conversation.ts";
import { startServer } from "./server-process.ts";
import { setUpAccount } from "./setup-account.ts";

const LONG = 10_000;
const SHORT = 100;
const REPLY_TOKENS = 256;

export interface WebSettings {
  repetitions: number;
}

export interface WebFigures {
  /**
   * Median ms from navigation until the conversation's last message is on screen: in a new tab, and
   * loaded again in the tab it is open in (the long one).
   */
  openMs: { short: number; long: number; longSameTab: number };
  /** Used JS heap (after a forced GC), MB. */
  heapMb: { shortOpened: number; longOpened: number; longScrolledTenth: number; longScrolled: number };
  /** Message elements in the DOM at the end of the scroll (virtualized: a screenful, whatever the length). */
  renderedMessages: number;
  /** Seconds to scroll from the newest message to the first and back (older pages load on the way). */
  scrollSeconds: number;
  /** Frames per second: the long conversation idle, and while a reply streams into it. */
  fps: { idle: number; streaming: number; streamedSeconds: number; longTasks: number };
}

type Progress = (message: string) => void;

export async function measureWeb(
  root: string,
  model: BenchModel,
  settings: WebSettings,
  progress: Progress,
): Promise<WebFigures | { skipped: string }> {
  if (!existsSync(CHROMIUM)) return { skipped: `no Chromium at ${CHROMIUM} (apt-get install chromium)` };
  const env = {
    HEARTH_MODELS_DIR: model.modelsDir,
    HEARTH_ENGINE_GPU: "off",
    HEARTH_CHAT_MAX_REPLY_TOKENS: String(REPLY_TOKENS),
  };
  progress("web: setting up an account on a fresh PGlite data dir");
  const first = await startServer(root, { env });
  const { dataDir } = first;
  const removeDataDir = () => rm(dataDir, { recursive: true, force: true });
  const forget = undoOnInterrupt(removeDataDir);
  let context: BrowserContext | undefined;
  const profileDir = await mkdtemp(join(tmpdir(), "hearth-bench-chromium-"));
  try {
    const credentials = await setUpAccount(first.baseUrl).finally(() => first.stop({ keepDataDir: true }));
    const lock = await lockDataDir(dataDir);
    const db = await openDatabase({ kind: "pglite", dataDir });
    let long: SeededConversation;
    let short: SeededConversation;
    try {
      progress(`web: seeding ${LONG.toLocaleString("en")} and ${SHORT} messages`);
      const owner = await findBenchUser(db);
      long = await seedConversation(db, owner, model.id, LONG);
      short = await seedConversation(db, owner, model.id, SHORT);
    } finally {
      await db.close();
      await lock.release();
    }
    const server = await startServer(root, { dataDir, env });
    try {
      // A profile on disk, as a person's browser has. In an off-the-record context (Playwright's
      // default) a new tab took ≈ 1.0 s here instead of ≈ 0.6 s: Chromium's cache of compiled scripts is kept on disk.
      context = await chromium.launchPersistentContext(profileDir, {
        executablePath: CHROMIUM,
        args: CHROMIUM_ARGS,
        viewport: { width: 1280, height: 800 },
      });
      const { hostname } = new URL(server.baseUrl);
      await context.addCookies([
        { name: "hearth_session", value: credentials.sessionToken, domain: hostname, path: "/", httpOnly: true },
      ]);
      // One visit first, so the figures are the app's and not the first download of its scripts.
      await openConversation(context, server.baseUrl, short).then(({ page }) => page.close());
      const openMs = { short: [] as number[], long: [] as number[], longSameTab: [] as number[] };
      for (let round = 0; round < settings.repetitions; round++) {
        for (const [name, conversation] of [
          ["short", short],
          ["long", long],
        ] as const) {
          const { page, ms } = await openConversation(context, server.baseUrl, conversation);
          openMs[name].push(ms);
          if (name === "long")
            openMs.longSameTab.push((await openConversation(context, server.baseUrl, long, page)).ms);
          await page.close();
        }
        progress(`web: opened both, round ${round + 1}/${settings.repetitions}`);
      }
      const shortPage = (await openConversation(context, server.baseUrl, short)).page;
      const shortOpened = await heapMb(shortPage);
      await shortPage.close();

      const { page } = await openConversation(context, server.baseUrl, long);
      const longOpened = await heapMb(page);
      progress("web: scrolling the long conversation to its first message and back");
      // A tenth of it first: were memory to grow with what was scrolled through, the whole would hold more.
      await scrollUntilShown(page, -4000, messageMarker(LONG - LONG / 10));
      await scrollUntilShown(page, 4000, messageMarker(LONG - 1));
      const longScrolledTenth = await heapMb(page);
      const scrollStarted = performance.now();
      await scrollUntilShown(page, -4000, messageMarker(0));
      await scrollUntilShown(page, 4000, messageMarker(LONG - 1));
      const scrollSeconds = (performance.now() - scrollStarted) / 1000;
      const longScrolled = await heapMb(page);
      const renderedMessages = await page.locator("[data-message-id]").count();

      progress("web: frames per second idle, then while a reply streams");
      const fps = await framesWhileStreaming(page);
      await page.close();
      return {
        openMs: {
          short: median(openMs.short),
          long: median(openMs.long),
          longSameTab: median(openMs.longSameTab),
        },
        heapMb: { shortOpened, longOpened, longScrolledTenth, longScrolled },
        renderedMessages,
        scrollSeconds,
        fps,
      };
    } finally {
      await context?.close();
      await server.stop();
    }
  } finally {
    forget();
    await removeDataDir();
    await rm(profileDir, { recursive: true, force: true });
  }
}

/** The seeded messages start with their index: "9999: …". */
const messageMarker = (index: number) => `${index}: `;

/** In-page code (as text: this file is type-checked without the DOM's types): is that message in the DOM, or on screen. */
function isShownScript(marker: string, onScreen: boolean): string {
  return `[...document.querySelectorAll("[data-message-id]")].some((element) => {
    const rect = element.getBoundingClientRect();
    // The text follows the message's hidden heading ("You", "Hearth"): the marker not after a digit.
    return new RegExp("(^|\\\\D)" + ${JSON.stringify(marker)}).test(element.textContent) &&
      (${onScreen} ? rect.bottom > 0 && rect.top < window.innerHeight : true);
  })`;
}

async function openConversation(
  context: BrowserContext,
  baseUrl: string,
  conversation: SeededConversation,
  /** The tab to load it in; a new one by default. */
  tab?: Page,
): Promise<{ page: Page; ms: number }> {
  const page = tab ?? (await context.newPage());
  const marker = messageMarker(conversation.messages - 1);
  await page.goto(`${baseUrl}/c/${conversation.conversationId}`, { waitUntil: "commit" });
  // Checked every frame in the page itself (a string predicate for waitForFunction would need eval, which the CSP refuses).
  const ms = await page.evaluate<number>(`new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error("message ${marker}… never shown")), 60000);
    const check = () => (${isShownScript(marker, false)}) ? resolve(performance.now()) : requestAnimationFrame(check);
    check();
  })`);
  return { page, ms };
}

async function heapMb(page: Page): Promise<number> {
  // Once the page has settled (back at the end, the list lets go of the pages above once scrolling stops).
  await sleep(1000);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("HeapProfiler.collectGarbage");
  const { usedSize } = (await cdp.send("Runtime.getHeapUsage")) as { usedSize: number };
  await cdp.detach();
  return usedSize / 1024 / 1024;
}

/** Scrolls the message list with the mouse wheel until a message starting with `marker` is shown. */
async function scrollUntilShown(page: Page, deltaY: number, marker: string): Promise<void> {
  const box = await page.getByRole("main").boundingBox();
  if (box === null) throw new Error("no main region to scroll");
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    const isShown = await page.evaluate(isShownScript(marker, true));
    if (isShown) return;
    await page.mouse.wheel(0, deltaY);
    await sleep(16);
  }
  throw new Error(`message "${marker}…" never came into view`);
}

/** Counts animation frames for a while idle, then from the send until the reply ends. */
async function framesWhileStreaming(page: Page): Promise<WebFigures["fps"]> {
  // In-page code as text: this file is type-checked for Node, without the DOM's types.
  await page.evaluate(`(() => {
    globalThis.benchFrames = 0;
    globalThis.benchLongTasks = 0;
    const tick = () => {
      globalThis.benchFrames++;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    new PerformanceObserver((list) => {
      globalThis.benchLongTasks += list.getEntries().length;
    }).observe({ type: "longtask" });
  })()`);
  const frames = () => page.evaluate<number>("globalThis.benchFrames");
  const idleStart = await frames();
  const idleStarted = performance.now();
  await sleep(3000);
  const idle = ((await frames()) - idleStart) / ((performance.now() - idleStarted) / 1000);

  const longTasksBefore = await page.evaluate(
    () => (globalThis as unknown as { benchLongTasks: number }).benchLongTasks,
  );
  await page.getByRole("textbox", { name: "Message" }).fill("Tell me a long story.");
  const streamStart = await frames();
  const started = performance.now();
  await page.getByRole("button", { name: "Send" }).click();
  await page.getByRole("button", { name: "Stop" }).waitFor({ timeout: 30_000 });
  // "Send" stays while a reply streams (a message typed then is queued): the reply has ended when "Stop" goes.
  await page.getByRole("button", { name: "Stop" }).waitFor({ state: "hidden", timeout: 120_000 });
  const streamedSeconds = (performance.now() - started) / 1000;
  const streaming = ((await frames()) - streamStart) / streamedSeconds;
  const longTasks = (await page.evaluate<number>("globalThis.benchLongTasks")) - longTasksBefore;
  return { idle, streaming, streamedSeconds, longTasks };
}

export function webRows(figures: WebFigures | { skipped: string }): Row[] {
  if ("skipped" in figures) return [["web", "skipped", figures.skipped]];
  const { openMs, heapMb, fps } = figures;
  const mb = (value: number) => `${value.toFixed(1)} MB`;
  return [
    [`open ${SHORT} messages`, `${openMs.short.toFixed(0)} ms`, "baseline: until the last message is shown"],
    [
      `open ${LONG.toLocaleString("en")} messages`,
      `${openMs.long.toFixed(0)} ms`,
      `${(openMs.long / openMs.short).toFixed(2)}× the ${SHORT}-message open, in a new tab (goal: under 1 s)`,
    ],
    [
      `  loaded again in its tab`,
      `${openMs.longSameTab.toFixed(0)} ms`,
      `${(openMs.longSameTab / openMs.short).toFixed(2)}× the ${SHORT}-message open in a new tab`,
    ],
    [`JS heap, ${SHORT} opened`, mb(heapMb.shortOpened), "baseline"],
    [
      `JS heap, ${LONG.toLocaleString("en")} opened`,
      mb(heapMb.longOpened),
      `${(heapMb.longOpened / heapMb.shortOpened).toFixed(2)}× the ${SHORT}-message one`,
    ],
    [
      `JS heap after scrolling ${(LONG / 10).toLocaleString("en")} up and back`,
      mb(heapMb.longScrolledTenth),
      `${(heapMb.longScrolledTenth / heapMb.longOpened).toFixed(2)}× just opened`,
    ],
    [
      "JS heap after scrolling end to end",
      mb(heapMb.longScrolled),
      `${(heapMb.longScrolled / heapMb.longScrolledTenth).toFixed(2)}× after a tenth (goal: 1, memory does not grow with length); ${figures.renderedMessages} messages in the DOM; scroll took ${figures.scrollSeconds.toFixed(1)} s`,
    ],
    ["frames/s idle", fps.idle.toFixed(1), "baseline (the display's rate)"],
    [
      "frames/s while a reply streams",
      fps.streaming.toFixed(1),
      `${(fps.streaming / fps.idle).toFixed(2)}× idle over ${fps.streamedSeconds.toFixed(1)} s; ${fps.longTasks} long tasks (> 50 ms)`,
    ],
  ];
}
