/** What downloading a model looks like to its callers: the engine implements it (pull-model.ts), core drives it. */

export interface PullProgress {
  downloadedBytes: number;
  totalBytes: number;
  /** Average over the last seconds; 0 before the first bytes. */
  bytesPerSecond: number;
  /** Seconds left at that rate; undefined while unknown. */
  etaSeconds: number | undefined;
}

export interface PreparedPull {
  /** What the model is stored as: its only file, or the first part of a split model. */
  fileName: string;
  /**
   * Every file the download writes, with its size (the parts of a split model) and the sha256 its
   * source publishes for it, where it publishes one (Hugging Face does for every GGUF).
   */
  files: { name: string; sizeBytes: number; sha256: string | undefined }[];
  totalBytes: number;
  /** Downloads into the staging dir, resuming what an earlier pull of the same files left there. Rejects with the signal's reason on abort. */
  download(options: { signal: AbortSignal; onProgress: (progress: PullProgress) => void }): Promise<void>;
}
