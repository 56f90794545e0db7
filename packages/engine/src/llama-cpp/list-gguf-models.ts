import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { ModelDescriptor } from "../spec/model-provider.ts";

export interface GgufFile {
  id: string;
  path: string;
  sizeBytes: number;
}

/** The GGUF files directly in `modelsDir`, named after the file without `.gguf`. A missing dir has none. */
export async function listGgufModels(modelsDir: string): Promise<GgufFile[]> {
  let names: string[];
  try {
    names = await readdir(modelsDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const files = await Promise.all(
    names
      // A split model is its first part: llama.cpp finds the others beside it.
      .filter((name) => name.toLowerCase().endsWith(".gguf") && !name.startsWith(".") && !isLaterPart(name))
      .map(async (name) => {
        const path = join(modelsDir, name);
        const info = await stat(path);
        return info.isFile() ? { id: name.slice(0, -".gguf".length), path, sizeBytes: info.size } : undefined;
      }),
  );
  return files.filter((file): file is GgufFile => file !== undefined).sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * The models of a models dir as listed without llama.cpp: from the files alone, none loaded, tool
 * support as any template allows until a model is loaded and its chat template read. Listing never
 * waits for the engine, which may be starting or waiting for a llama.cpp build to finish.
 */
export async function listLocalModels(modelsDir: string): Promise<ModelDescriptor[]> {
  return (await listGgufModels(modelsDir)).map((file) => ({
    id: file.id,
    sizeBytes: file.sizeBytes,
    isLoaded: false,
    capabilities: { chat: true, embeddings: true, tools: "emulated", vision: false },
  }));
}

/** `model-00002-of-00003.gguf` and later: parts of a split model, loaded through its first part. */
function isLaterPart(name: string): boolean {
  const match = /-(\d{5})-of-\d{5}\.gguf$/i.exec(name);
  return match !== null && Number(match[1]) > 1;
}
