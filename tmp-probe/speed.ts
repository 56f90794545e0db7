import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LlamaCppProvider } from "@hearth/engine";
import { writeTestModel } from "@hearth/engine/testing";
const dir = await mkdtemp(join(tmpdir(), "probe-"));
const words = "the and you hello world is it to of in that for on with as was are be this have not what can do".split(" ");
const prompt = Array.from({ length: 60 }, (_, i) => words[i % words.length]).join(" ");
for (const [width, layers] of [[256, 4], [384, 6], [512, 8], [512, 4]] as const) {
  const id = `m${width}x${layers}`;
  const m = await writeTestModel(join(dir, `${id}.gguf`), { width, layers, type: "f16", contextLength: 1024 });
  const p = await LlamaCppProvider.create({ modelsDir: dir, gpu: false, contextSize: 1024 });
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now(); let first = 0; let usage;
    for await (const part of p.streamChat({ model: id, messages: [{ role: "user", content: prompt }], maxTokens: 256 })) {
      if (part.type === "delta") first ||= performance.now(); else usage = part.usage;
    }
    const t1 = performance.now();
    console.log(id, (m.bytes/1e6).toFixed(1), "MB", p.info(), usage, "ttfd", (first - t0).toFixed(0), "gen tok/s", ((usage!.completionTokens - 1) / ((t1 - first) / 1000)).toFixed(1), "total s", ((t1-t0)/1000).toFixed(2));
  }
  await p.close();
}
