/**
 * @module `npm run make-test-model -- <out.gguf> [options]`: writes the tiny random test model.
 */
import { mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type TestModelOptions, writeTestModel } from "./write-test-model.ts";

const usage = `Usage: npm run make-test-model -- <out.gguf> [options]

Writes a tiny llama-architecture GGUF with random weights, a byte-fallback tokenizer and a chat template.

  --layers <n>    transformer blocks (default 2)
  --width <n>     embedding width, a multiple of 32 (default 64)
  --context <n>   context length in the metadata (default 2048)
  --seed <n>      weight seed (default 1)
  --type f32|f16  matrix precision (default f32)
  --allow-eos     end replies after ".", "!" or "?" (default: replies always run to the token limit)
  --template chatml|qwen2.5
                  chat template (default chatml); qwen2.5 has its own tool-call syntax
  --calls-tools   with --template qwen2.5: open every reply with a tool call`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    layers: { type: "string" },
    width: { type: "string" },
    context: { type: "string" },
    seed: { type: "string" },
    type: { type: "string" },
    "allow-eos": { type: "boolean" },
    template: { type: "string" },
    "calls-tools": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
});

const [outputPath] = positionals;
if (values.help || outputPath === undefined || positionals.length > 1) {
  console.log(usage);
  process.exit(values.help ? 0 : 1);
}
if (values.type !== undefined && values.type !== "f32" && values.type !== "f16") {
  console.error(`--type must be f32 or f16, got ${values.type}`);
  process.exit(1);
}

if (values.template !== undefined && values.template !== "chatml" && values.template !== "qwen2.5") {
  console.error(`--template must be chatml or qwen2.5, got ${values.template}`);
  process.exit(1);
}

const options: TestModelOptions = {
  allowEndOfGeneration: values["allow-eos"] === true,
  callsTools: values["calls-tools"] === true,
};
if (values.template !== undefined) options.chatTemplate = values.template;
if (values.layers !== undefined) options.layers = Number(values.layers);
if (values.width !== undefined) options.width = Number(values.width);
if (values.context !== undefined) options.contextLength = Number(values.context);
if (values.seed !== undefined) options.seed = Number(values.seed);
if (values.type !== undefined) options.type = values.type;

try {
  const started = performance.now();
  // `data/models/tiny.gguf` on a fresh clone: the folder does not exist before the first start.
  await mkdir(dirname(resolve(outputPath)), { recursive: true });
  const model = await writeTestModel(resolve(outputPath), options);
  const milliseconds = Math.round(performance.now() - started);
  console.log(`${model.path}: ${model.bytes} bytes (${model.layers} layers × ${model.width} wide, ${milliseconds} ms)`);
} catch (error) {
  if (!(error instanceof RangeError)) throw error;
  console.error(error.message);
  process.exit(1);
}
