/** Writes the hearth command's bundle to `outfile` (default apps/cli/dist/hearth.js). */
export function bundleCli(outfile?: string): Promise<void>;
