import { LOCAL_PROVIDER } from "./model-registry.ts";

/**
 * A local model as a path names it: qualified (`local/name`) or bare, its `/` as is or as `%2F`.
 * Its bare id (the GGUF's file name less `.gguf`), or undefined where it cannot be one.
 */
export function bareLocalId(raw: string): string | undefined {
  const id = decodedId(raw);
  const bare = id.startsWith(`${LOCAL_PROVIDER}/`) ? id.slice(LOCAL_PROVIDER.length + 1) : id;
  return bare.length > 0 && bare.length <= 300 && !bare.includes("/") && !bare.startsWith(".") ? bare : undefined;
}

/** The id as the client meant it (`%2F` decoded), for messages; as sent where it does not decode. */
export function decodedId(raw: string): string {
  try {
    return decodeURIComponent(raw).slice(0, 300);
  } catch {
    return raw.slice(0, 300);
  }
}
