import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./axe.ts";
import { type BrowserHarness, canRunBrowser, setUpThroughTheApp, startBrowserHarness } from "./browser.ts";

/** A small phone: 360 px wide, touch, coarse pointer. */
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

// In-page code as text: these tests are type-checked for Node, without the DOM's types.
async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate<number>(`(() => {
    const root = document.scrollingElement ?? document.documentElement;
    return root.scrollWidth - root.clientWidth;
  })()`);
}

/** Visible controls smaller than 44 × 44 CSS px (WCAG 2.5.5's size, which touch needs). */
async function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const controls = document.querySelectorAll(
      "button, a[href], input:not([type=hidden]), select, textarea, [role=button], [role=menuitem], [role=menuitemradio]",
    );
    const small = [];
    for (const control of controls) {
      const box = control.getBoundingClientRect();
      if (box.width === 0 || box.height === 0 || control.closest("[aria-hidden=true], .sr-only")) continue;
      if (box.width < 44 || box.height < 44) {
        const name = control.getAttribute("aria-label") ?? control.textContent.trim().slice(0, 30);
        small.push(control.tagName.toLowerCase() + ' "' + name + '" ' + Math.round(box.width) + "×" + Math.round(box.height));
      }
    }
    return small;
  })()`);
}

describe.runIf(canRunBrowser)("the web app on a 360 px phone", () => {
  let harness: BrowserHarness;
  let page: Page;
  beforeAll(async () => {
    harness = await startBrowserHarness();
    page = await harness.open("/", PHONE);
  });
  afterAll(async () => {
    await harness?.close();
  });

  it("sets up without horizontal scrolling, every control at least 44 px", async () => {
    await page.getByRole("button", { name: "Create account" }).waitFor();
    expect(await horizontalOverflow(page)).toBe(0);
    expect(await smallTargets(page)).toEqual([]);
    await setUpThroughTheApp(page);
  });

  it("chats with a long unbroken line in the question without the page scrolling sideways", async () => {
    await page.getByRole("textbox", { name: "Message" }).fill(`Here is a long line: ${"x".repeat(300)}`);
    await page.getByRole("button", { name: "Send" }).click();
    await page.waitForURL(/\/c\//);
    await page.getByRole("button", { name: "Send" }).waitFor({ timeout: 30_000 });
    expect(await horizontalOverflow(page)).toBe(0);
    expect(await smallTargets(page)).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
  }, 60_000);

  it("opens the conversations as a drawer that holds focus and closes on Escape", async () => {
    await page.getByRole("button", { name: "Open sidebar" }).click();
    const drawer = page.getByRole("dialog", { name: "Conversations" });
    await drawer.waitFor();
    const links = drawer.getByRole("navigation", { name: "Conversations" }).getByRole("link");
    await expect.poll(() => links.count()).toBe(1);
    expect(await horizontalOverflow(page)).toBe(0);
    expect(await smallTargets(page)).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press("Tab");
    expect(await page.evaluate<boolean>('document.activeElement?.closest("[role=dialog]") != null')).toBe(true);
    await page.keyboard.press("Escape");
    await drawer.waitFor({ state: "hidden" });
    expect(harness.problems).toEqual([]);
  });
});
