/** What to undo if the bench is interrupted: servers to stop, temp dirs to remove. */
const pending = new Set<() => Promise<unknown>>();

/** Registers `undo` to run on SIGINT/SIGTERM; call the returned function once it is done anyway. */
export function undoOnInterrupt(undo: () => Promise<unknown>): () => void {
  pending.add(undo);
  return () => pending.delete(undo);
}

/** On SIGINT or SIGTERM, runs every registered undo and exits 130. */
export function cleanUpOnSignals(progress: (message: string) => void): void {
  const onSignal = () => {
    progress("interrupted; stopping servers and removing temp dirs");
    void Promise.allSettled([...pending].map((undo) => undo())).finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
}
