import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserHarness, canRunBrowser, setUpThroughTheApp, startBrowserHarness } from "./browser.ts";

describe.runIf(canRunBrowser)("the web app as an installable app that opens offline", () => {
  let harness: BrowserHarness;
  beforeAll(async () => {
    harness = await startBrowserHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });

  it("serves a manifest whose icons exist, and Chromium finds nothing in the way of installing it", async () => {
    const response = await fetch(`${harness.server.url}/manifest.webmanifest`);
    expect(response.headers.get("content-type")).toMatch(/^application\/manifest\+json/);
    const manifest = (await response.json()) as { icons: { src: string; type: string }[]; display: string };
    expect(manifest.display).toBe("standalone");
    for (const icon of manifest.icons) {
      const image = await fetch(`${harness.server.url}${icon.src}`);
      expect(image.status).toBe(200);
      expect(image.headers.get("content-type")).toBe(icon.type);
    }
    const page = await harness.open("/");
    await page.getByRole("button", { name: "Create account" }).waitFor();
    await page.evaluate("navigator.serviceWorker.ready.then(() => true)");
    const cdp = await page.context().newCDPSession(page);
    const { installabilityErrors } = (await cdp.send("Page.getInstallabilityErrors")) as {
      installabilityErrors: { errorId: string }[];
    };
    // Playwright's contexts are incognito profiles, where Chromium never installs; that is all it may find.
    expect(installabilityErrors.map(({ errorId }) => errorId).filter((id) => id !== "in-incognito")).toEqual([]);
  });

  it("opens from its service worker with no network and says it is offline, then carries on when the network is back", async () => {
    const page = await harness.open("/");
    await setUpThroughTheApp(page);
    await page.evaluate("navigator.serviceWorker.ready.then(() => true)");
    await page.reload();
    await page.getByRole("textbox", { name: "Message" }).waitFor();
    await page.context().setOffline(true);
    await page.reload();
    // Chromium 150 forgets the emulated offline state of a page it loads (its requests fail, but
    // navigator.onLine reads true), so the page is told again, as the browser tells it when a network goes.
    const cdp = await page.context().newCDPSession(page);
    const network = (offline: boolean) =>
      cdp.send("Network.emulateNetworkConditions", {
        offline,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: -1,
      });
    await network(true);
    await page.getByText("You are offline").waitFor();
    await page.context().setOffline(false);
    await network(false);
    await page.getByRole("textbox", { name: "Message" }).waitFor();
    expect(harness.problems.filter((problem) => !problem.includes("ERR_INTERNET_DISCONNECTED"))).toEqual([]);
  }, 60_000);
});
