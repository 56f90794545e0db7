import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AxeResults, RunOptions } from "axe-core";
import type { Page } from "playwright-core";

const axeSource = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const OPTIONS: RunOptions = {
  runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
};

/**
 * Runs axe-core (WCAG 2.0–2.2 A and AA rules) on the page as it stands and returns its serious and
 * critical violations, each with the elements at fault. The script is evaluated by the test driver,
 * which the page's CSP does not govern.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Colours still in a transition (a theme just switched) measure as neither theme's (seen in CI).
  await page.evaluate(() => {
    type Running = { finished: Promise<unknown>; effect: { getTiming(): { iterations?: number } } | null };
    const scope = globalThis as unknown as { document: { getAnimations(): Running[] } };
    // Transitions end; a spinner's animation never does.
    const ending = scope.document
      .getAnimations()
      .filter((animation) => Number.isFinite(animation.effect?.getTiming().iterations ?? 1));
    const atMost = new Promise((resolve) => setTimeout(resolve, 2_000));
    return Promise.race([Promise.all(ending.map((animation) => animation.finished.catch(() => {}))), atMost]);
  });
  await page.evaluate(axeSource);
  const result = await page.evaluate(async (options) => {
    const scope = globalThis as unknown as {
      axe: { run: (context: unknown, options: RunOptions) => Promise<AxeResults> };
      document: unknown;
    };
    return scope.axe.run(scope.document, options);
  }, OPTIONS);
  return result.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help}: ${violation.nodes
          .slice(0, 5)
          .map((node) => node.target.join(" "))
          .join(", ")}`,
    );
}
