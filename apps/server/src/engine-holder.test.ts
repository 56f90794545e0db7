import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasLocalBuild, missingBuildTools } from "@hearth/engine";
import { writeTestModel } from "@hearth/engine/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig } from "./config.ts";
import { EngineHolder } from "./engine-holder.ts";
import { createLogger } from "./logger.ts";
import { createMetrics } from "./metrics.ts";

describe("the engine holder", () => {
  let modelsDir: string;
  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-holder-"));
    await writeTestModel(join(modelsDir, "tiny-chat.gguf"));
  });
  afterAll(() => rm(modelsDir, { recursive: true, force: true }));

  const holder = (isIdle: () => boolean, env: Record<string, string> = {}) => {
    const loaded = loadConfig({
      argv: [],
      env: { HEARTH_MODELS_DIR: modelsDir, HEARTH_ENGINE_GPU: "off", HEARTH_ENGINE_LOCAL_BUILD: "off", ...env },
      cwd: modelsDir,
    });
    if (loaded.ok !== true) throw new Error("config must load");
    return new EngineHolder({
      config: loaded.config,
      logger: createLogger("silent"),
      metrics: createMetrics(),
      isIdle,
      modelSettings: async () => ({}),
    });
  };

  it("says whether a local llama.cpp build is in use, and how to get one when it is not", async () => {
    const engine = holder(() => true);
    await engine.prepare();
    const status = engine.localBuild();
    if (await hasLocalBuild()) {
      expect(status.state).toBe("ready");
      expect((await engine.get()).info().buildType).toBe("localBuild");
    } else {
      expect(status).toEqual({ state: "none", detail: expect.stringContaining("npm run build-llama") });
    }
    await engine.close();
  });

  it("writes engine.sequencesPerModel replies to one model at once: each starts before any ends", async () => {
    const engine = holder(() => true, { HEARTH_ENGINE_SEQUENCES_PER_MODEL: "2" });
    const model = await (await engine.get()).languageModel("tiny-chat");
    const events: string[] = [];
    const reply = async (name: string) => {
      const parts = model.doStream({
        prompt: [{ role: "user", content: [{ type: "text", text: `hello ${name}` }] }],
        maxOutputTokens: 32,
      });
      let hasStarted = false;
      for await (const part of parts) {
        if (part.type === "text-delta" && !hasStarted) {
          hasStarted = true;
          events.push(`${name} started`);
        }
      }
      events.push(`${name} ended`);
    };
    await Promise.all([reply("a"), reply("b")]);
    expect(events.slice(0, 2).sort()).toEqual(["a started", "b started"]);
    await engine.close();
  });

  it("runs llama.cpp in a process of its own, and starts a new one on the next use after it crashes", async () => {
    const engine = holder(() => true);
    const first = await engine.get();
    expect(first.pid).not.toBe(process.pid);
    const model = await first.languageModel("tiny-chat");
    const parts: string[] = [];
    for await (const part of model.doStream({
      prompt: [{ role: "user", content: [{ type: "text", text: "hello" }] }],
      maxOutputTokens: 400,
    })) {
      parts.push(part.type);
      if (parts.length === 1) process.kill(first.pid as number, "SIGKILL");
    }
    expect(parts.at(-1)).toBe("finish");
    await vi.waitFor(() => expect(engine.started()).toBeUndefined());
    const second = await engine.get();
    expect(second.pid).not.toBe(first.pid);
    expect((await second.listModels()).map((listed) => listed.id)).toEqual(["tiny-chat"]);
    await engine.close();
  });

  it("names the build tools that are missing", async () => {
    expect(await missingBuildTools("/nonexistent")).toEqual(["cmake", "g++", "git"]);
  });

  it("switches to a fresh engine only once no reply is being written", async () => {
    let idle = false;
    const engine = holder(() => idle);
    const before = await engine.get();
    let switched = false;
    const reload = engine.reloadWhenIdle().then(() => {
      switched = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(switched).toBe(false);
    expect(await engine.get()).toBe(before);
    idle = true;
    await reload;
    const after = await engine.get();
    expect(after).not.toBe(before);
    expect((await after.listModels()).map((model) => model.id)).toEqual(["tiny-chat"]);
    await engine.close();
  });
});
