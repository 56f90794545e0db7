export type SearchProblem = {
  code: "semantic-search-unavailable";
  detail: string;
  reason: "no-embedding-model" | "no-vector-store" | "model-unavailable";
};

export const searchProblems = {
  semanticUnavailable: (reason: SearchProblem["reason"], detail?: string): SearchProblem => ({
    code: "semantic-search-unavailable",
    detail:
      reason === "no-embedding-model"
        ? "Searching by meaning needs an embedding model, and none is set: an admin sets search.embeddingModel. Search by keyword works meanwhile."
        : reason === "no-vector-store"
          ? "Searching by meaning needs the pgvector extension in the database, and this PostgreSQL server has none. Search by keyword works meanwhile."
          : `The embedding model could not embed the query (${detail ?? "it did not answer"}). Search by keyword works meanwhile.`,
    reason,
  }),
};
