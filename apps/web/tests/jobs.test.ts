import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./axe.ts";
import { type BrowserHarness, canRunBrowser, setUpThroughTheApp, startBrowserHarness } from "./browser.ts";

/** Polls wait as long as locators do: a loaded machine answers slowly. */
const POLL = { timeout: 30_000 };
const failure = (attempt: number) => `the mail service answered 503 (attempt ${attempt})`;

describe.runIf(canRunBrowser)("the web app in Chromium: the job queue", () => {
  let harness: BrowserHarness;
  let page: Page;
  let shouldFail = true;
  const sent: unknown[] = [];

  beforeAll(async () => {
    harness = await startBrowserHarness({
      maxReplyTokens: 4,
      jobHandlers: new Map([
        [
          "mail",
          {
            async run(payload, context) {
              await context.progress({ step: "sending", attempt: context.attempt });
              if (shouldFail) throw new Error(failure(context.attempt));
              sent.push(payload);
            },
          },
        ],
      ]),
    });
    page = await harness.open("/");
    await setUpThroughTheApp(page);
  }, 120_000);
  afterAll(async () => {
    await harness?.close();
  });

  const isDark = async () => ((await page.locator("html").getAttribute("class")) ?? "").split(" ").includes("dark");
  /** A job as the admin API answers it, read with the page's (the admin's) session. */
  const job = async (id: string) =>
    (await (await page.request.get(`/api/admin/jobs/${id}`)).json()) as { state: string; attempts: number };
  const section = () => page.getByRole("region", { name: "Jobs", exact: true });
  /** A table's row by its row header (the queue), its cells' texts. */
  const cells = (table: string, queue: string) =>
    section()
      .getByRole("table", { name: table })
      .getByRole("row")
      .filter({ has: page.getByRole("rowheader", { name: queue, exact: true }) })
      .getByRole("cell")
      .allTextContents();

  it("shows the counts and a failing job as it dies, filters by state, and passes axe in both themes", async () => {
    const { server } = harness;
    const id = (await server.jobs.enqueue({ queue: "mail", payload: { to: "bea" }, maxAttempts: 2 })) as string;
    await expect.poll(async () => job(id), POLL).toMatchObject({ state: "queued", attempts: 1 });
    // A queue no worker runs: its job stays queued, with nothing to retry.
    await server.jobs.enqueue({ queue: "reports", payload: {} });

    await page.getByRole("link", { name: "Administration" }).click();
    await page.getByRole("navigation", { name: "Administration sections" }).getByRole("link", { name: "Jobs" }).click();
    await page.waitForURL(/\/admin\/jobs$/);
    const jobs = section().getByRole("table", { name: "Jobs, newest first" });
    await jobs.waitFor();
    expect(await cells("Jobs per queue", "mail")).toEqual(["1", "0", "0", "0"]);
    expect(await cells("Jobs per queue", "reports")).toEqual(["1", "0", "0", "0"]);
    // Failed once, waiting out its backoff: the state cell says until when, and offers a Retry (named for the job).
    const waiting = await cells("Jobs, newest first", "mail");
    expect(waiting[0]).toMatch(/^Queuedretries at .*\d.*Retry the mail job of .*\d/);
    expect(waiting.slice(1, 4)).toEqual(["1 of 2", failure(1), '{"step":"sending","attempt":1}']);
    expect((await cells("Jobs, newest first", "reports")).slice(0, 3)).toEqual(["Queued", "0 of 5", "–"]);
    expect(await jobs.getByRole("button", { name: /^Retry/ }).count()).toBe(1);

    // The second attempt, once the 5 s backoff has passed on the server's clock, fails too: the screen follows.
    server.clock.advance(5);
    server.jobs.wake();
    await expect.poll(async () => (await cells("Jobs, newest first", "mail"))[0], POLL).toMatch(/^DeadRetry the mail/);
    expect(await job(id)).toMatchObject({ state: "dead" });
    expect(await cells("Jobs per queue", "mail")).toEqual(["0", "0", "0", "1"]);
    const dead = await cells("Jobs, newest first", "mail");
    expect(dead.slice(1, 4)).toEqual(["2 of 2", failure(2), '{"step":"sending","attempt":2}']);
    // Created and finished times both shown.
    expect(dead.slice(4, 6)).toEqual([expect.stringMatching(/\d/), expect.stringMatching(/\d/)]);
    expect(await jobs.getByRole("button", { name: /^Retry/ }).count()).toBe(1);

    await section().getByRole("combobox", { name: "State" }).selectOption("dead");
    await expect.poll(async () => jobs.getByRole("rowheader").allTextContents(), POLL).toEqual(["mail"]);
    for (const theme of ["light", "dark"] as const) {
      await page.getByRole("combobox", { name: "Theme" }).selectOption(theme);
      await expect.poll(isDark, POLL).toBe(theme === "dark");
      expect(await seriousViolations(page), theme).toEqual([]);
    }
    await section().getByRole("combobox", { name: "State" }).selectOption("done");
    await section().getByText("No done jobs.").waitFor();
    expect(harness.problems).toEqual([]);
  }, 90_000);

  it("retries the dead job, which runs and shows as done", async () => {
    await section().getByRole("combobox", { name: "State" }).selectOption("");
    shouldFail = false;
    await section()
      .getByRole("button", { name: /^Retry the mail job of / })
      .click();
    await expect
      .poll(async () => (await cells("Jobs, newest first", "mail")).slice(0, 3), POLL)
      .toEqual(["Done", "1 of 2", "–"]);
    expect(sent).toEqual([{ to: "bea" }]);
    expect(await cells("Jobs per queue", "mail")).toEqual(["0", "0", "1", "0"]);
    expect(
      await section()
        .getByRole("button", { name: /^Retry/ })
        .count(),
    ).toBe(0);
    expect(await section().getByRole("alert").count()).toBe(0);
    expect(harness.problems).toEqual([]);
  }, 90_000);
});
