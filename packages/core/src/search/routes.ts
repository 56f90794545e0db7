/** @module `GET /api/search`: the caller's messages, by keyword, by meaning, or both. */
import type { Queryable } from "@hearth/db";
import { createRoute } from "@hono/zod-openapi";
import { currentPrincipal } from "../accounts/authenticate.ts";
import { createRouter } from "../http/create-router.ts";
import { asUser, jsonContent, problems } from "../http/route-helpers.ts";
import { raise } from "../problems.ts";
import { searchProblems } from "./problems.ts";
import { SearchQuery, SearchResults } from "./schema.ts";
import { indexBacklog, textSearchConfig } from "./search-index.ts";
import type { SearchIndexer } from "./search-indexer.ts";
import { type MatchedBy, searchMessages } from "./search-messages.ts";

/** Searches by meaning one user may run a minute: each embeds its query. */
const SEMANTIC_SEARCHES_PER_MINUTE = 120;
/** How long a hybrid search waits for the query's vector before it answers by keyword alone. */
const EMBED_QUERY_TIMEOUT_MS = 5000;

const search = createRoute({
  method: "get",
  path: "/api/search",
  tags: ["search"],
  summary: "Search your messages",
  description:
    "Full-text search in your language (with highlighted snippets) and search by meaning (an embedding model's " +
    "vectors, cosine), fused by reciprocal rank fusion in `hybrid` mode. Messages of deleted conversations are " +
    "left out. A message is searchable seconds after it is finished; `indexing` says how many are not yet.",
  ...asUser,
  request: { query: SearchQuery },
  responses: { 200: jsonContent(SearchResults, "The best matches, best first") },
  ...problems("semantic-search-unavailable", "rate-limited"),
});

/** `indexer`: undefined where none runs (search then answers by keyword only). */
export const searchRoutes = (indexer: SearchIndexer | undefined) =>
  createRouter().openapi(search, async (c) => {
    const { user } = currentPrincipal(c);
    const query = c.req.valid("query");
    const wantsMeaning = query.mode !== "keyword";
    let vector: { modelId: string; values: number[] } | undefined;
    if (wantsMeaning) {
      const embedder = indexer?.embedder;
      if (embedder === undefined) {
        if (query.mode === "semantic") {
          const reason = indexer?.isEmbeddingModelSet === true ? "no-vector-store" : "no-embedding-model";
          raise(searchProblems.semanticUnavailable(reason));
        }
      } else {
        const now = c.var.clock.now();
        const rate = { limit: SEMANTIC_SEARCHES_PER_MINUTE, windowSeconds: 60 };
        const outcome = await c.var.rates.take(`user:${user.id}:semantic-search`, rate, now);
        if (!outcome.allowed) {
          raise({
            code: "rate-limited",
            detail: `You searched by meaning ${SEMANTIC_SEARCHES_PER_MINUTE} times in a minute: try again in ${outcome.retryAfterSeconds} seconds, or search by keyword.`,
            retryAfterSeconds: outcome.retryAfterSeconds,
          });
        }
        const signal = AbortSignal.any([c.req.raw.signal, AbortSignal.timeout(EMBED_QUERY_TIMEOUT_MS)]);
        try {
          const [values] = await embedder.embed([query.q], signal);
          if (values !== undefined) vector = { modelId: embedder.modelId, values };
        } catch (error) {
          c.var.logger.warn({ err: error, model: embedder.modelId }, "embedding a search query failed");
          if (query.mode === "semantic") {
            raise(
              searchProblems.semanticUnavailable(
                "model-unavailable",
                error instanceof Error ? error.message : undefined,
              ),
            );
          }
        }
      }
    }
    const textConfig = textSearchConfig(await userLanguage(c.var.db, user.id));
    const hits = await searchMessages(c.var.db, {
      userId: user.id,
      query: query.q,
      textConfig,
      filters: {
        conversationId: query.conversationId,
        role: query.role,
        model: query.model,
        from: query.from === undefined ? undefined : new Date(query.from),
        to: query.to === undefined ? undefined : new Date(query.to),
      },
      limit: query.limit,
      vector,
      keyword: query.mode !== "semantic",
    });
    const rankedBy: MatchedBy[] = [];
    if (query.mode !== "semantic") rankedBy.push("keyword");
    if (vector !== undefined) rankedBy.push("semantic");
    return c.json(
      {
        data: hits.map((hit) => ({ ...hit, createdAt: hit.createdAt.toISOString() })),
        rankedBy,
        indexing: await indexBacklog(c.var.db, user.id, indexer?.embedder !== undefined),
      },
      200,
    );
  });

async function userLanguage(db: Queryable, userId: string): Promise<string | null> {
  const { rows } = await db.query<{ language: string | null }>("SELECT language FROM users WHERE id = $1", [userId]);
  return rows[0]?.language ?? null;
}
