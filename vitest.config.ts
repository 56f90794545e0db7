import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["apps/*/src/**/*.test.ts", "packages/*/src/**/*.test.ts", "apps/web/tests/**/*.test.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll's default of 1 s is too short on a loaded 2-core CI machine (a sidebar fetch took longer).
    expect: { poll: { timeout: 15_000 } },
  },
});
