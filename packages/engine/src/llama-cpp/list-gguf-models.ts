import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";

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
      .filter((name) => name.toLowerCase().endsWith(".gguf") && !name.startsWith("."))
      .map(async (name) => {
        const path = join(modelsDir, name);
        const info = await stat(path);
        return info.isFile() ? { id: name.slice(0, -".gguf".length), path, sizeBytes: info.size } : undefined;
      }),
  );
  return files.filter((file): file is GgufFile => file !== undefined).sort((a, b) => a.id.localeCompare(b.id));
}
