export type MemoryProblem =
  | { code: "memory-not-found"; detail: string; memoryId: string }
  | { code: "too-many-memories"; detail: string; limit: number }
  | { code: "memory-exists"; detail: string; memoryId: string };

export const memoryProblems = {
  /** Also the answer for another user's memory: whether it exists is not theirs to learn. */
  notFound: (memoryId: string): MemoryProblem => ({
    code: "memory-not-found",
    detail: `You have no memory with the id ${memoryId}.`,
    memoryId,
  }),
  exists: (memoryId: string): MemoryProblem => ({
    code: "memory-exists",
    detail: `You keep this fact already, as memory ${memoryId}: change or delete that one instead.`,
    memoryId,
  }),
  tooMany: (limit: number): MemoryProblem => ({
    code: "too-many-memories",
    detail: `You keep ${limit} memories, as many as one person may: delete some you no longer need first.`,
    limit,
  }),
};
