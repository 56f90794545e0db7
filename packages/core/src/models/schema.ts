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
  })
  .openapi("EngineInfo");

export const ModelList = z.object({ data: z.array(Model), engine: EngineInfo }).openapi("ModelList");
