/** How the browser tests, the screenshots and the bench start Chromium: Debian's (no browser download: FACTS.md). */
export const CHROMIUM = process.env.HEARTH_CHROMIUM ?? "/usr/bin/chromium";

/** Headless, and nothing of its own on the network (updates, sync) while it is measured or tested. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
