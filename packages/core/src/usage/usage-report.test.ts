import type { Database } from "@hearth/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseWithOwner } from "../conversations/test-owner.ts";
import { recordUsage } from "./record-usage.ts";
import { usageCsv, usageReport } from "./usage-report.ts";

const at = (iso: string, ms = 0) => new Date(Date.parse(iso) + ms);

describe("the usage report", () => {
  let db: Database;
  let userId: string;
  beforeAll(async () => {
    ({ db, ownerId: userId } = await databaseWithOwner());
    const call = (model: string, start: string, firstMs: number, generationMs: number, completionTokens: number) =>
      recordUsage(db, {
        userId,
        source: "api",
        model,
        status: "done",
        promptTokens: 10,
        completionTokens,
        startedAt: at(start),
        firstTokenAt: at(start, firstMs),
        endedAt: at(start, firstMs + generationMs),
      });
    await call("local/tiny", "2026-11-30T12:00:00Z", 200, 1000, 50);
    await call("local/tiny", "2026-11-30T23:59:50Z", 400, 3000, 50);
    // Ends after midnight (UTC): it counts on the day it ended.
    await call("openai/gpt-4o-mini", "2026-11-30T23:59:58Z", 100, 2500, 20);
  });
  afterAll(() => db.close());

  it("sums a day's calls, with the mean time to first token and the speed over all their tokens", async () => {
    const report = await usageReport(db, {
      from: "2026-11-30",
      to: "2026-12-01",
      groupBy: ["day", "provider"],
      userId,
    });
    expect(report?.rows).toEqual([
      {
        day: "2026-11-30",
        provider: "local",
        calls: 2,
        promptTokens: 20,
        completionTokens: 100,
        totalTokens: 120,
        avgFirstTokenMs: 300,
        tokensPerSecond: 25,
      },
      {
        day: "2026-12-01",
        provider: "openai",
        calls: 1,
        promptTokens: 10,
        completionTokens: 20,
        totalTokens: 30,
        avgFirstTokenMs: 100,
        tokensPerSecond: 8,
      },
    ]);
    expect(report?.totals).toEqual({ calls: 3, promptTokens: 30, completionTokens: 120, totalTokens: 150 });
    const one = await usageReport(db, { from: "2026-11-30", to: "2026-11-30", groupBy: [], userId });
    expect(one?.rows).toEqual([expect.objectContaining({ calls: 2 })]);
  });

  it("writes CSV that a spreadsheet reads as text, never as a formula", () => {
    const csv = usageCsv({
      from: "2026-11-30",
      to: "2026-11-30",
      groupBy: ["user", "model"],
      rows: [
        {
          userId: "00000000-0000-4000-8000-000000000001",
          username: '=HYPERLINK("http://evil","x")',
          model: "local/a,b",
          calls: 1,
          promptTokens: 2,
          completionTokens: 3,
          totalTokens: 5,
          avgFirstTokenMs: null,
          tokensPerSecond: 1.5,
        },
      ],
      totals: { calls: 1, promptTokens: 2, completionTokens: 3, totalTokens: 5 },
    });
    expect(csv).toBe(
      "user_id,username,model,calls,prompt_tokens,completion_tokens,total_tokens,avg_first_token_ms,tokens_per_second\r\n" +
        `00000000-0000-4000-8000-000000000001,"'=HYPERLINK(""http://evil"",""x"")","local/a,b",1,2,3,5,,1.5\r\n`,
    );
  });
});
