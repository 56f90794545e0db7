import type { ModelPull } from "@hearth/sdk";
import { describe, expect, it } from "vitest";
import { type ProgressStream, PullProgress } from "./pull-progress.ts";

const TOTAL = 200_000_000;

function pullAt(downloadedBytes: number, changes: Partial<ModelPull> = {}): ModelPull {
  return {
    id: "0190f5a2-0000-7000-8000-000000000000",
    source: "hf:user/repo:Q4_K_M",
    fileName: "model.Q4_K_M.gguf",
    modelId: "local/model.Q4_K_M",
    status: "downloading",
    totalBytes: TOTAL,
    downloadedBytes,
    bytesPerSecond: 5_000_000,
    etaSeconds: Math.round((TOTAL - downloadedBytes) / 5_000_000),
    sha256: null,
    error: null,
    createdAt: "2026-12-04T10:00:00.000Z",
    finishedAt: null,
    ...changes,
  };
}

function recordingStream(terminal: { columns?: number } | undefined): ProgressStream & { written: string } {
  const stream = {
    written: "",
    isTTY: terminal !== undefined,
    columns: terminal?.columns,
    write(text: string) {
      stream.written += text;
      return true;
    },
  };
  return stream;
}

describe("PullProgress", () => {
  it("writes a plain line each time another tenth is done where stderr is no terminal", () => {
    const stream = recordingStream(undefined);
    const progress = new PullProgress(stream);
    for (const bytes of [0, 1_000_000, 19_000_000, 21_000_000, 150_000_000, 151_000_000, TOTAL]) {
      progress.show(pullAt(bytes));
    }
    progress.finish();
    expect(stream.written.split("\n")).toEqual([
      "model.Q4_K_M.gguf:   0%  0 B / 200.0 MB  5.0 MB/s  ETA 40s",
      "model.Q4_K_M.gguf:  10%  21.0 MB / 200.0 MB  5.0 MB/s  ETA 36s",
      "model.Q4_K_M.gguf:  75%  150.0 MB / 200.0 MB  5.0 MB/s  ETA 10s",
      "model.Q4_K_M.gguf: 100%  200.0 MB / 200.0 MB  5.0 MB/s  ETA 0s",
      "",
    ]);
  });

  it("draws one line over and over on a terminal, leaving out what its width has no room for, and ends it once", () => {
    const stream = recordingStream({ columns: 70 });
    const progress = new PullProgress(stream);
    progress.show(pullAt(50_000_000, { bytesPerSecond: 0, etaSeconds: null }));
    progress.show(pullAt(100_000_000, { etaSeconds: 4000 }));
    progress.show(pullAt(TOTAL, { status: "verifying", etaSeconds: 0 }));
    progress.finish();
    progress.finish();
    expect(stream.written.split("\u001b[K")).toEqual([
      "\r[######..................]  25%  50.0 MB / 200.0 MB",
      "\r[############............]  50%  100.0 MB / 200.0 MB  5.0 MB/s",
      "\r[########################] 100%  200.0 MB / 200.0 MB  verifying",
      "\n",
    ]);
  });

  it("shows the time left in seconds, minutes or hours", () => {
    const stream = recordingStream({ columns: 200 });
    const progress = new PullProgress(stream);
    for (const etaSeconds of [42, 185, 7320]) progress.show(pullAt(0, { etaSeconds }));
    expect(stream.written).toContain("ETA 42s\u001b[K");
    expect(stream.written).toContain("ETA 3m 05s\u001b[K");
    expect(stream.written).toContain("ETA 2h 02m\u001b[K");
  });
});
