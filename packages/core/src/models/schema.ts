import { z } from "@hono/zod-openapi";

const Capabilities = z
  .object({
    chat: z.boolean(),
    embeddings: z.boolean(),
    tools: z.enum(["native", "emulated", "none"]).openapi({
      description:
        "`native`: the model's chat template or API has its own tool calls; `emulated`: Hearth prompts for calls " +
        "and forces their shape with a grammar; `none`: no tool calls.",
    }),
    vision: z.boolean(),
    contextLength: z.number().int().optional().openapi({ description: "Tokens the model reads at once, where known." }),
  })
  .openapi("ModelCapabilities");

const Model = z
  .object({
    id: z.string().openapi({ description: "Qualified id: `<provider>/<model>` (`local/qwen2.5-1.5b-q4_k_m`)." }),
    provider: z.string(),
    providerKind: z.string().openapi({ description: "`llama.cpp`, `ollama` or `openai-compatible`." }),
    modelId: z.string().openapi({ description: "The id within its provider (for local models, the GGUF file name)." }),
    capabilities: Capabilities,
    sizeBytes: z.number().int().optional(),
    isLoaded: z.boolean().optional().openapi({ description: "Whether the model is in memory now." }),
    details: z.record(z.string(), z.string()).optional(),
    isAvailable: z.boolean(),
    unavailableReason: z.string().optional(),
  })
  .openapi("Model");

const ProviderStatus = z
  .object({
    id: z.string(),
    kind: z.string(),
    isAvailable: z.boolean(),
    reason: z.string().optional(),
    models: z.number().int(),
  })
  .openapi("ProviderStatus");

const EngineInfo = z
  .object({
    isRunning: z.boolean().openapi({
      description: "Whether llama.cpp is loaded; it starts on a local model's first use. The fields below need it.",
    }),
    buildType: z.enum(["prebuilt", "localBuild"]).optional().openapi({
      description:
        "`localBuild`: llama.cpp compiled on this machine; `prebuilt`: the binary shipped with node-llama-cpp.",
    }),
    gpu: z.union([z.string(), z.literal(false)]).optional(),
    threads: z.number().int().optional(),
    localBuild: z
      .object({ state: z.enum(["ready", "building", "none", "failed"]), detail: z.string() })
      .openapi({ description: "Whether a build of llama.cpp for this machine is in use, being compiled, or why not." }),
  })
  .openapi("EngineInfo");

export const ModelList = z
  .object({ data: z.array(Model), providers: z.array(ProviderStatus), engine: EngineInfo })
  .openapi("ModelList");
