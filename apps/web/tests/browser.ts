import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeTestModel } from "@hearth/engine/testing";
import { ADMIN, startTestServer, type TestServer } from "@hearth/server/testing";
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS } from "./chromium.ts";

const WEB_DIR = fileURLToPath(new URL("../dist/", import.meta.url));

/** Whether browser tests can run here; CI installs Chromium, so there they always must. */
export const canRunBrowser = existsSync(CHROMIUM) || process.env.CI === "true";

export interface BrowserHarness {
  server: TestServer;
  browser: Browser;
  /** A fresh browser profile (cookies, storage) on the server, with CSP violations and page errors collected. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** A page in a fresh context, opened at `path`. */
  open(path?: string, options?: BrowserContextOptions): Promise<Page>;
  /** Every CSP violation, console error and uncaught page error seen so far. */
  problems: string[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Largest reply, in tokens (the test model writes random text until then). */
  maxReplyTokens?: number;
  /** Model providers from the configuration, besides the local engine (e.g. an OpenAI protocol replay). */
  providers?: {
    id: string;
    kind: "openai-compatible" | "ollama";
    baseUrl: string;
    timeoutSeconds?: number;
    enabled?: boolean;
  }[];
  /** Where `hf:` model pulls go (models.huggingFaceEndpoint): a stand-in Hub. */
  huggingFaceEndpoint?: string;
  /** Job handlers by queue, run by the server's own worker (queue jobs with `server.jobs.enqueue`). */
  jobHandlers?: NonNullable<Parameters<typeof startTestServer>[1]>["jobHandlers"];
  /** How often the server looks for finished messages to index for search (search.indexCheckMs; default 2000). */
  searchIndexCheckMs?: number;
  /** The test model's context and the engine's (default: the model's 2048, the engine's 1024); memory needs room. */
  contextSize?: number;
}

/**
 * The real server (test database, the generated llama.cpp test model, the built web app) and
 * Debian's Chromium driving it.
 */
export async function startBrowserHarness(options: HarnessOptions = {}): Promise<BrowserHarness> {
  if (!existsSync(join(WEB_DIR, "index.html"))) {
    throw new Error("apps/web/dist is not built: run `npm run build` (npm test builds it first)");
  }
  const modelsDir = await mkdtemp(join(tmpdir(), "hearth-web-models-"));
  await writeTestModel(
    join(modelsDir, "tiny-chat.gguf"),
    options.contextSize === undefined ? {} : { contextLength: options.contextSize },
  );
  const server = await startTestServer(
    {
      modelsDir,
      server: { webDir: WEB_DIR },
      engine: { gpu: "off", contextSize: options.contextSize ?? 1024 },
      chat: { maxReplyTokens: options.maxReplyTokens ?? 48 },
      models: {
        ...(options.providers === undefined
          ? {}
          : { providers: options.providers.map((provider) => ({ enabled: true, ...provider })) }),
        ...(options.huggingFaceEndpoint === undefined ? {} : { huggingFaceEndpoint: options.huggingFaceEndpoint }),
      },
      ...(options.searchIndexCheckMs === undefined ? {} : { search: { indexCheckMs: options.searchIndexCheckMs } }),
    },
    options.jobHandlers === undefined ? {} : { jobHandlers: options.jobHandlers },
  );
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const problems: string[] = [];
  const contexts: BrowserContext[] = [];
  const newContext = async (contextOptions: BrowserContextOptions = {}) => {
    const context = await browser.newContext({ baseURL: server.url, ...contextOptions });
    contexts.push(context);
    context.on("console", (message) => {
      // A 4xx the app expects (signed out: 401 from /api/auth/me) is logged by Chromium too; those are not problems.
      const isExpectedAnswer = /^Failed to load resource: the server responded with a status of 4\d\d/.test(
        message.text(),
      );
      if (message.type() === "error" && !isExpectedAnswer) problems.push(`console: ${message.text()}`);
    });
    context.on("weberror", (error) => problems.push(`page error: ${error.error().message}`));
    return context;
  };
  return {
    server,
    browser,
    newContext,
    async open(path = "/", contextOptions = {}) {
      const page = await (await newContext(contextOptions)).newPage();
      await page.goto(path);
      return page;
    },
    problems,
    async close() {
      for (const context of contexts) await context.close().catch(() => {});
      await browser.close();
      await server.close();
      await rm(modelsDir, { recursive: true, force: true });
    },
  };
}

/** Runs first-run setup through the web app, leaving the page signed in as the admin. */
export async function setUpThroughTheApp(page: Page): Promise<void> {
  await page.getByLabel("Username").fill(ADMIN.username);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("textbox", { name: "Message" }).waitFor();
}

/** Signs in through the web app. */
export async function signInThroughTheApp(page: Page, user: { email: string; password: string } = ADMIN) {
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("textbox", { name: "Message" }).waitFor();
}
