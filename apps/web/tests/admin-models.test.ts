import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { type HuggingFaceStandIn, startHuggingFaceStandIn } from "@hearth/server/testing";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./axe.ts";
import { type BrowserHarness, canRunBrowser, setUpThroughTheApp, startBrowserHarness } from "./browser.ts";

/** Polls wait as long as locators do: a loaded machine answers slowly. */
const POLL = { timeout: 30_000 };
/** How the admin page says a model is in memory. */
const LOADED = /(^|· )loaded( ·|$)/;
const MB = 1024 * 1024;
const REPO = "hearth/tiny-GGUF";
/** The stand-in's manifest names tiny-Q4_K_M.gguf; the pull stores it as tiny.Q4_K_M.gguf. */
const SOURCE = `hf:${REPO}:Q4_K_M`;

interface ModelList {
  data: { id: string }[];
}

describe.runIf(canRunBrowser)("the web app in Chromium: pulling and removing models", () => {
  let hub: HuggingFaceStandIn;
  let harness: BrowserHarness;
  let page: Page;

  beforeAll(async () => {
    // A real GGUF of several of the downloader's chunks (~23 MB): throttled, its download takes seconds.
    const scratch = await mkdtemp(join(tmpdir(), "hearth-web-pull-"));
    await writeTestModel(join(scratch, "model.gguf"), { width: 512, layers: 2 });
    const model = await readFile(join(scratch, "model.gguf"));
    await rm(scratch, { recursive: true, force: true });
    hub = await startHuggingFaceStandIn();
    hub.repos.set(REPO, {
      files: new Map([["tiny-Q4_K_M.gguf", model]]),
      tags: new Map([["Q4_K_M", "tiny-Q4_K_M.gguf"]]),
    });
    harness = await startBrowserHarness({ huggingFaceEndpoint: hub.url });
    page = await harness.open("/");
    await setUpThroughTheApp(page);
  }, 120_000);
  afterAll(async () => {
    await harness?.close();
    await hub?.close();
  });

  const pullItem = (fileName: string) =>
    page
      .getByRole("list", { name: "Pulls" })
      .getByRole("listitem")
      .filter({ has: page.getByRole("heading", { name: fileName, exact: true }) });
  const localItem = (name: string) =>
    page
      .getByRole("list", { name: "Local models" })
      .getByRole("listitem")
      .filter({ has: page.getByRole("heading", { name, exact: true }) });
  /** How far the bar has come, 0 to 1 (-1 while indeterminate; 0 when gone). */
  const position = async (bar: Locator) =>
    (await bar.count()) === 0 ? 0 : bar.evaluate((element) => (element as unknown as { position: number }).position);
  const isDark = async () => ((await page.locator("html").getAttribute("class")) ?? "").split(" ").includes("dark");
  const localModelIds = async () =>
    ((await (await page.request.get("/api/models")).json()) as ModelList).data.map((model) => model.id);

  it("pulls a model with its progress live, and the model it ends as is offered at once, picker included", async () => {
    await page.getByRole("link", { name: "Administration" }).click();
    await page
      .getByRole("navigation", { name: "Administration sections" })
      .getByRole("link", { name: "Models" })
      .click();
    await page.getByRole("heading", { level: 2, name: "Models" }).waitFor();
    await localItem("tiny-chat").waitFor();
    await page.getByText("No pulls yet.").waitFor();

    hub.bytesPerSecond = 3 * MB;
    const source = page.getByRole("textbox", { name: "Source" });
    expect(await source.getAttribute("placeholder")).toBe("hf:user/repo:Q4_K_M");
    await source.fill(SOURCE);
    await page.getByRole("button", { name: "Pull", exact: true }).click();

    const item = pullItem("tiny.Q4_K_M.gguf");
    const bar = item.getByRole("progressbar", { name: "Download of tiny.Q4_K_M.gguf" });
    await bar.waitFor();
    expect(await source.inputValue()).toBe("");
    // Partway: the events move the bar and show the bytes, the rate and the time left.
    await expect
      .poll(async () => {
        const done = await position(bar);
        return done > 0 && done < 1;
      }, POLL)
      .toBe(true);
    await item.getByText(/^Downloading · [\d.]+ MB of [\d.]+ MB · [\d.]+ MB\/s · \d+ sec left$/).waitFor(POLL);
    expect(await item.getByRole("button", { name: "Cancel tiny.Q4_K_M.gguf" }).isEnabled()).toBe(true);
    expect(await seriousViolations(page), "a pull running").toEqual([]);

    await item.getByRole("status").getByText("Done", { exact: true }).waitFor({ timeout: 60_000 });
    expect(await bar.count()).toBe(0);
    expect(await item.getByRole("button", { name: /^Cancel/ }).count()).toBe(0);
    await item.getByText(/^Done · [\d.]+ MB · local\/tiny\.Q4_K_M$/).waitFor();
    // The sha256 the hub publishes for the file, which the download matched.
    await item.getByText(/^sha256 checked: [0-9a-f]{64}$/).waitFor();
    await localItem("tiny.Q4_K_M")
      .getByText(/^[\d.]+ MB · not loaded$/)
      .waitFor();

    // The model list everyone picks from was read again: the picker offers it without a reload.
    await page.getByRole("button", { name: "New chat" }).first().click();
    await page.getByRole("button", { name: /^Model: / }).click();
    await page
      .getByRole("menu")
      .getByRole("menuitemradio", { name: /tiny\.Q4_K_M/ })
      .waitFor();
    await page.keyboard.press("Escape");
    expect(harness.problems).toEqual([]);
  }, 120_000);

  it("cancels a running pull under a name of its own, which ends cancelled and leaves no model", async () => {
    await page.goto("/admin/models");
    hub.bytesPerSecond = MB / 2;
    await page.getByRole("textbox", { name: "Source" }).fill(SOURCE);
    const more = page.getByRole("button", { name: "More options" });
    expect(await more.getAttribute("aria-expanded")).toBe("false");
    await more.click();
    expect(await more.getAttribute("aria-expanded")).toBe("true");
    await page.getByRole("textbox", { name: "File name" }).fill("second.gguf");
    await page.getByRole("button", { name: "Pull", exact: true }).click();

    const item = pullItem("second.gguf");
    const bar = item.getByRole("progressbar", { name: "Download of second.gguf" });
    await expect.poll(() => position(bar), POLL).toBeGreaterThan(0);
    await item.getByRole("button", { name: "Cancel second.gguf" }).click();
    await item.getByRole("status").getByText("Cancelled", { exact: true }).waitFor();
    expect(await bar.count()).toBe(0);
    expect(await item.getByRole("button", { name: /^Cancel/ }).count()).toBe(0);
    // Read again from the server, the pull stays cancelled and no model appeared.
    await page.reload();
    await pullItem("second.gguf").getByRole("status").getByText("Cancelled", { exact: true }).waitFor();
    expect(await localItem("second").count()).toBe(0);
    expect(await localModelIds()).not.toContain("local/second");
    expect(harness.problems).toEqual([]);
  }, 90_000);

  it("shows the server's word: beside the field it names, else as an alert", async () => {
    await page.goto("/admin/models");
    hub.bytesPerSecond = undefined;
    const source = page.getByRole("textbox", { name: "Source" });
    await source.fill(`hf:${REPO.replace("tiny", "absent")}:Q4_K_M`);
    await page.getByRole("button", { name: "Pull", exact: true }).click();
    await page
      .getByRole("alert")
      .getByText(/^The model at hf:hearth\/absent-GGUF:Q4_K_M cannot be pulled: .+/)
      .waitFor();
    expect(await source.inputValue()).toBe(`hf:hearth/absent-GGUF:Q4_K_M`);

    // A sha256 that is not one: the options open on it, and it has the focus and the message.
    await source.fill(SOURCE);
    await page.getByRole("button", { name: "More options" }).click();
    await page.getByRole("textbox", { name: "File name" }).fill("third.gguf");
    const sha256 = page.getByRole("textbox", { name: "SHA-256" });
    await sha256.fill("abc");
    await page.getByRole("button", { name: "Pull", exact: true }).click();
    await page.getByText("must be 64 hexadecimal digits").waitFor();
    expect(await sha256.getAttribute("aria-invalid")).toBe("true");
    expect(await sha256.evaluate((element) => element === element.ownerDocument.activeElement)).toBe(true);
    expect(await page.getByRole("alert").count()).toBe(0);
    expect(await seriousViolations(page), "a field's error").toEqual([]);

    // A sha256 that the file does not have: the pull fails once downloaded, saying why, and keeps nothing.
    await sha256.fill("0".repeat(64));
    await page.getByRole("button", { name: "Pull", exact: true }).click();
    const item = pullItem("third.gguf");
    await item.getByRole("status").getByText("Failed", { exact: true }).waitFor({ timeout: 60_000 });
    await item.getByText(/sha256/).waitFor();
    expect(await localModelIds()).not.toContain("local/third");
    expect(harness.problems).toEqual([]);
  }, 90_000);

  it("sets a model's settings, names a wrong field beside it, and the engine loads the model with them", async () => {
    await page.goto("/admin/models");
    const item = localItem("tiny-chat");
    await item.getByRole("button", { name: "Settings tiny-chat", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Settings of tiny-chat" });
    await dialog.waitFor();
    await dialog.getByRole("textbox", { name: "Context size (tokens)" }).fill("256");
    await dialog.getByRole("combobox", { name: "Chat template" }).selectOption("llama3");
    await dialog.getByRole("textbox", { name: "System prompt" }).fill("Answer in French.");
    const temperature = dialog.getByRole("textbox", { name: "Temperature" });
    await temperature.fill("hot");
    expect(await seriousViolations(page), "the settings dialog").toEqual([]);
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.getByText(/expected number/).waitFor();
    expect(await temperature.getAttribute("aria-invalid")).toBe("true");
    expect(await temperature.evaluate((element) => element === element.ownerDocument.activeElement)).toBe(true);
    await temperature.fill("0.5");
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "hidden" });

    // Loaded now, with what was set: the page says how, and on what.
    await item.getByRole("button", { name: "Load tiny-chat", exact: true }).click();
    await item.getByText(/· loaded · 256-token context · 0 layers on the GPU · Llama 3/).waitFor(POLL);
    await page.getByText(/^llama\.cpp \(\w+ build, \d+ threads\) on this node: no GPU, the CPU only\.$/).waitFor();

    // Opened again, the form holds what was saved; a custom template that does not render is refused beside it.
    await item.getByRole("button", { name: "Settings tiny-chat", exact: true }).click();
    expect(await dialog.getByRole("textbox", { name: "Context size (tokens)" }).inputValue()).toBe("256");
    expect(await dialog.getByRole("textbox", { name: "Temperature" }).inputValue()).toBe("0.5");
    await dialog.getByRole("combobox", { name: "Chat template" }).selectOption("custom");
    await dialog.getByRole("textbox", { name: "Jinja template" }).fill("{% for message in messages %}");
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.getByText(/Jinja template failed the sanity test/).waitFor();
    expect(await dialog.getByRole("textbox", { name: "Jinja template" }).getAttribute("aria-invalid")).toBe("true");
    // Back to the defaults: the loaded model goes, to load with them on its next use.
    await dialog.getByRole("button", { name: "Reset to defaults" }).click();
    await dialog.waitFor({ state: "hidden" });
    await item.getByText(/· not loaded/).waitFor(POLL);
    const saved = await (await page.request.get("/api/admin/model-settings/local%2Ftiny-chat")).json();
    expect(saved).toMatchObject({ contextSize: null, chatTemplate: null, systemPrompt: null, sampling: {} });
    expect(harness.problems).toEqual([]);
  }, 90_000);

  it("removes a local model once confirmed, from every model list", async () => {
    await page.goto("/admin/models");
    const item = localItem("tiny.Q4_K_M");
    // Loading by hand puts it in memory; unloading takes it out.
    await item.getByRole("button", { name: "Load tiny.Q4_K_M", exact: true }).click();
    await item.getByRole("button", { name: "Unload tiny.Q4_K_M", exact: true }).waitFor(POLL);
    await item.getByText(LOADED).waitFor(POLL);
    await item.getByRole("button", { name: "Unload tiny.Q4_K_M", exact: true }).click();
    await item.getByRole("button", { name: "Load tiny.Q4_K_M", exact: true }).waitFor(POLL);
    expect(await item.getByText(LOADED).count()).toBe(0);
    await item.getByRole("button", { name: "Remove tiny.Q4_K_M" }).click();
    const confirm = page.getByRole("dialog", { name: "Remove the model tiny.Q4_K_M?" });
    await confirm.waitFor();
    expect(await seriousViolations(page), "remove a model").toEqual([]);
    // Cancel leaves it be.
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await confirm.waitFor({ state: "hidden" });
    expect(await localModelIds()).toContain("local/tiny.Q4_K_M");

    await item.getByRole("button", { name: "Remove tiny.Q4_K_M" }).click();
    await confirm.getByRole("button", { name: "Remove" }).click();
    await confirm.waitFor({ state: "hidden" });
    await item.waitFor({ state: "detached" });
    await localItem("tiny-chat").waitFor();
    expect(await localModelIds()).not.toContain("local/tiny.Q4_K_M");
    await page.getByRole("button", { name: "New chat" }).first().click();
    await page.getByRole("button", { name: /^Model: / }).click();
    const menu = page.getByRole("menu");
    await menu.getByRole("menuitemradio", { name: /tiny-chat/ }).waitFor();
    expect(await menu.getByRole("menuitemradio", { name: /tiny\.Q4_K_M/ }).count()).toBe(0);
    await page.keyboard.press("Escape");
    expect(harness.problems).toEqual([]);
  }, 90_000);

  it("passes axe in light and dark, with pulls that ended every way and the options open", async () => {
    for (const theme of ["light", "dark"] as const) {
      await page.goto("/admin/models");
      await page.getByRole("combobox", { name: "Theme" }).selectOption(theme);
      await expect.poll(isDark, POLL).toBe(theme === "dark");
      await pullItem("third.gguf").waitFor();
      await page.getByRole("button", { name: "More options" }).click();
      await page.getByRole("textbox", { name: "File name" }).waitFor();
      expect(await seriousViolations(page), theme).toEqual([]);
    }
    expect(harness.problems).toEqual([]);
  }, 90_000);
});
