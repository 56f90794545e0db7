import { z } from "@hono/zod-openapi";

const Model = z
  .object({
    id: z.string().openapi({ description: "The GGUF file name without `.gguf`." }),
    provider: z.string(),
    sizeBytes: z.number().int().optional(),
    isLoaded: z.boolean().openapi({ description: "Whether the model is in memory now." }),
  })
  .openapi("Model");

const EngineInfo = z
  .object({
    buildType: z.enum(["prebuilt", "localBuild"]).openapi({
      description:
        "`localBuild`: llama.cpp compiled on this machine; `prebuilt`: the binary shipped with node-llama-cpp.",
    }),
    gpu: z.union([z.string(), z.literal(false)]),
    threads: z.number().int(),
    localBuild: z
      .object({ state: z.enum(["ready", "building", "none", "failed"]), detail: z.string() })
      .openapi({ description: "Whether a build of llama.cpp for this machine is in use, being compiled, or why not." }),
  })
  .openapi("EngineInfo");

export const ModelList = z.object({ data: z.array(Model), engine: EngineInfo }).openapi("ModelList");
