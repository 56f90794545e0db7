/**
 * @module Searches one user's messages: PostgreSQL full-text search (ranked by cover density, in the
 * user's language) and pgvector nearest neighbours (cosine, over chunks embedded with the current
 * model), each reduced to a message's best chunk and fused by reciprocal rank fusion. Deleted
 * conversations are left out; snippets carry their highlights as offsets, never as markup.
 */
import type { Database, Queryable } from "@hearth/db";
import { toVectorLiteral } from "./search-index.ts";

export type MatchedBy = "keyword" | "semantic";

export interface SearchFilters {
  conversationId?: string | undefined;
  role?: "user" | "assistant" | undefined;
  model?: string | undefined;
  /** From this time on (inclusive). */
  from?: Date | undefined;
  /** Before this time. */
  to?: Date | undefined;
  /** Leaves this conversation out (memory recalls from the others). */
  excludeConversationId?: string | undefined;
  /** Leaves temporary conversations out (they are never recalled into other replies). */
  excludeTemporary?: boolean | undefined;
}

export interface SearchHit {
  messageId: string;
  conversationId: string;
  conversationTitle: string;
  role: "user" | "assistant";
  model: string | null;
  createdAt: Date;
  /** A passage of the message around what matched. */
  snippet: string;
  /** Where the snippet matches the query: UTF-16 offsets into `snippet`, in order. */
  highlights: { start: number; end: number }[];
  /** Reciprocal-rank-fusion score (hybrid), rank (keyword) or cosine similarity (semantic): higher is better. */
  score: number;
  matchedBy: MatchedBy[];
  /** The whole passage (chunk) that matched, where `withPassage` asked for it. */
  passage?: string;
}

/** Reciprocal rank fusion's constant (Cormack et al.): a first place is worth 1/61, a tenth 1/70. */
const RRF_K = 60;

/** Candidates each ranking gives to the fusion, per result asked for. */
const CANDIDATES_PER_RESULT = 4;
const MAX_CANDIDATES = 200;
/** Keyword matches ranked, the newest: a word found in more passages ranks among its newest this many. */
const RANKED_MATCHES = 2000;

interface Ranked {
  messageId: string;
  chunk: number;
  score: number;
}

/** A user's messages that match `query` best, best first. */
export async function searchMessages(
  db: Database,
  request: {
    userId: string;
    query: string;
    /** The full-text configuration of the user's language (search-index.ts `textSearchConfig`). */
    textConfig: string;
    filters: SearchFilters;
    limit: number;
    /** The query's vector where semantic ranking takes part, with the model that made it. */
    vector?: { modelId: string; values: readonly number[] } | undefined;
    keyword: boolean;
    /** Keyword ranking matches any of the query's words, not all of them (memory's recall reads a question). */
    anyWord?: boolean | undefined;
    /** Semantic candidates less similar than this (cosine) are left out. */
    minSimilarity?: number | undefined;
    /** Each hit carries its whole passage. */
    withPassage?: boolean | undefined;
  },
): Promise<SearchHit[]> {
  const candidates = Math.min(MAX_CANDIDATES, request.limit * CANDIDATES_PER_RESULT);
  const keyword = request.keyword ? await rankByKeyword(db, request, candidates) : [];
  const nearest = request.vector ? await rankByVector(db, request, request.vector, candidates) : [];
  const semantic = nearest.filter((hit) => hit.score >= (request.minSimilarity ?? -1));
  const isHybrid = request.keyword && request.vector !== undefined;
  const fused = fuse(isHybrid ? [keyword, semantic] : request.keyword ? [keyword] : [semantic], isHybrid).slice(
    0,
    request.limit,
  );
  if (fused.length === 0) return [];
  const keywordHits = new Set(keyword.map((hit) => hit.messageId));
  const semanticHits = new Set(semantic.map((hit) => hit.messageId));
  const details = await describe(db, fused, request.textConfig, request.query, keywordHits);
  return fused.flatMap((hit) => {
    const detail = details.get(hit.messageId);
    if (detail === undefined) return [];
    const matchedBy: MatchedBy[] = [];
    if (keywordHits.has(hit.messageId)) matchedBy.push("keyword");
    if (semanticHits.has(hit.messageId)) matchedBy.push("semantic");
    const { text, ...shown } = detail;
    return [{ ...shown, score: hit.score, matchedBy, ...(request.withPassage ? { passage: text } : {}) }];
  });
}

/** The SQL that applies the filters to `search_chunks s` joined with `conversations c`, from parameter `first`. */
const filterSql = (first: number) =>
  `c.deleted_at IS NULL
   AND ($${first}::uuid IS NULL OR s.conversation_id = $${first})
   AND ($${first + 1}::text IS NULL OR s.role = $${first + 1})
   AND ($${first + 2}::text IS NULL OR s.model = $${first + 2})
   AND ($${first + 3}::timestamptz IS NULL OR s.created_at >= $${first + 3})
   AND ($${first + 4}::timestamptz IS NULL OR s.created_at < $${first + 4})
   AND ($${first + 5}::uuid IS NULL OR s.conversation_id <> $${first + 5})
   AND (NOT $${first + 6}::boolean OR NOT c.temporary)`;

const filterParams = (filters: SearchFilters) => [
  filters.conversationId ?? null,
  filters.role ?? null,
  filters.model ?? null,
  filters.from ?? null,
  filters.to ?? null,
  filters.excludeConversationId ?? null,
  filters.excludeTemporary ?? false,
];

async function rankByKeyword(
  db: Queryable,
  request: { userId: string; query: string; textConfig: string; filters: SearchFilters; anyWord?: boolean | undefined },
  candidates: number,
): Promise<Ranked[]> {
  // Any word: the query's own lexemes joined by OR (none, all stop words: nothing matches).
  const tsquery = request.anyWord
    ? "(SELECT string_agg(quote_literal(lexeme), ' | ')::tsquery FROM unnest(to_tsvector($2::regconfig, $3)))"
    : "websearch_to_tsquery($2::regconfig, $3)";
  // Only the newest matches are ranked: cover density reads each match's whole tsvector, and a word
  // in most messages made that most of the search's time (p95 halved at 50,000 messages).
  const { rows } = await db.query<{ message_id: string; chunk: number; rank: number }>(
    `SELECT message_id, chunk, rank FROM (
       SELECT DISTINCT ON (m.message_id) m.message_id, m.chunk, m.created_at, ts_rank_cd(m.tsv, m.query) AS rank FROM (
         SELECT s.message_id, s.chunk, s.created_at, s.tsv, q.query
         FROM search_chunks s JOIN conversations c ON c.id = s.conversation_id, ${tsquery} AS q (query)
         WHERE s.user_id = $1 AND s.tsv @@ q.query AND ${filterSql(6)}
         ORDER BY s.created_at DESC LIMIT $5
       ) m
       ORDER BY m.message_id, rank DESC
     ) best ORDER BY rank DESC, created_at DESC LIMIT $4`,
    [request.userId, request.textConfig, request.query, candidates, RANKED_MATCHES, ...filterParams(request.filters)],
  );
  return rows.map((row) => ({ messageId: row.message_id, chunk: row.chunk, score: Number(row.rank) }));
}

async function rankByVector(
  db: Database,
  request: { userId: string; filters: SearchFilters },
  vector: { modelId: string; values: readonly number[] },
  candidates: number,
): Promise<Ranked[]> {
  const dims = vector.values.length;
  if (!Number.isInteger(dims) || dims < 1) return [];
  const { rows } = await db.transaction(async (tx) => {
    await filteredScan(tx, candidates);
    // The cast to the width matches the expression of that width's HNSW index (vector-store.ts).
    return tx.query<{ message_id: string; chunk: number; distance: number }>(
      `SELECT DISTINCT ON (message_id) message_id, chunk, distance FROM (
         SELECT v.message_id, v.chunk, v.embedding::vector(${dims}) <=> $2::vector(${dims}) AS distance
         FROM search_vectors v
           JOIN search_chunks s ON s.message_id = v.message_id AND s.chunk = v.chunk
           JOIN conversations c ON c.id = s.conversation_id
         WHERE v.user_id = $1 AND v.dims = ${dims} AND v.model = $3 AND ${filterSql(5)}
         ORDER BY v.embedding::vector(${dims}) <=> $2::vector(${dims}) LIMIT $4
       ) nearest ORDER BY message_id, distance`,
      [request.userId, toVectorLiteral(vector.values), vector.modelId, candidates, ...filterParams(request.filters)],
    );
  });
  return rows
    .map((row) => ({ messageId: row.message_id, chunk: row.chunk, score: 1 - Number(row.distance) }))
    .sort((a, b) => b.score - a.score);
}

/**
 * Lets this transaction's HNSW scan find `candidates` rows that pass the filters. The index hands
 * over its `ef_search` nearest vectors of everyone's (40 by default) and the user, conversation and
 * time filters apply after: a user among many, or a narrow filter, found nothing (seen on 5,000
 * vectors of 50 users). So the scan reads as many as are asked for and, with pgvector 0.8 or later,
 * goes on scanning until enough pass (iterative scan; the order is made exact again above).
 */
async function filteredScan(tx: Queryable, candidates: number): Promise<void> {
  // A vector literal loads pgvector into the session, so its settings are known from here on.
  await tx.query("SELECT '[0]'::vector");
  await tx.query(
    `SELECT set_config('hnsw.ef_search', $1, true),
       CASE WHEN current_setting('hnsw.iterative_scan', true) IS NOT NULL
         THEN set_config('hnsw.iterative_scan', 'relaxed_order', true) END`,
    [String(Math.max(40, Math.min(1000, candidates)))],
  );
}

/** One ranking as it is, or several fused: each message scores Σ 1/(k + rank) over the rankings it is in. */
function fuse(rankings: Ranked[][], isFused: boolean): Ranked[] {
  if (!isFused) return rankings[0] ?? [];
  const fused = new Map<string, Ranked>();
  for (const ranking of rankings) {
    for (const [index, hit] of ranking.entries()) {
      const score = 1 / (RRF_K + index + 1);
      const seen = fused.get(hit.messageId);
      // The first ranking's (keyword's) chunk is shown: its snippet has the words that matched.
      if (seen === undefined) fused.set(hit.messageId, { ...hit, score });
      else seen.score += score;
    }
  }
  return [...fused.values()].sort((a, b) => b.score - a.score);
}

/** Marks ts_headline puts around a match: characters that are taken out of the text first. */
const START = "\u0001";
const STOP = "\u0002";
const HEADLINE_OPTIONS = `StartSel=${START}, StopSel=${STOP}, MaxWords=40, MinWords=20, MaxFragments=2, FragmentDelimiter=" … "`;
const SNIPPET_CHARS = 240;
// A passage no longer than a snippet is shown whole: fragments would drop its first and last words.
const WHOLE_HEADLINE_OPTIONS = `StartSel=${START}, StopSel=${STOP}, HighlightAll=true`;

async function describe(
  db: Queryable,
  hits: readonly Ranked[],
  textConfig: string,
  query: string,
  keywordHits: ReadonlySet<string>,
): Promise<Map<string, Omit<SearchHit, "score" | "matchedBy" | "passage"> & { text: string }>> {
  const { rows } = await db.query<{
    message_id: string;
    conversation_id: string;
    title: string;
    role: "user" | "assistant";
    model: string | null;
    created_at: Date;
    text: string;
    headline: string | null;
  }>(
    `SELECT s.message_id, s.conversation_id, c.title, s.role, s.model, s.created_at, s.text,
       CASE WHEN s.message_id = ANY($3::uuid[])
         THEN ts_headline($4::regconfig, translate(s.text, $6, ''), websearch_to_tsquery($4::regconfig, $5),
           CASE WHEN length(s.text) <= $8 THEN $9 ELSE $7 END) END AS headline
     FROM unnest($1::uuid[], $2::int[]) AS hit (message_id, chunk)
       JOIN search_chunks s ON s.message_id = hit.message_id AND s.chunk = hit.chunk
       JOIN conversations c ON c.id = s.conversation_id`,
    [
      hits.map((hit) => hit.messageId),
      hits.map((hit) => hit.chunk),
      [...keywordHits],
      textConfig,
      query,
      START + STOP,
      HEADLINE_OPTIONS,
      SNIPPET_CHARS,
      WHOLE_HEADLINE_OPTIONS,
    ],
  );
  return new Map(
    rows.map((row) => {
      const { snippet, highlights } =
        row.headline?.includes(START) === true ? fromHeadline(row.headline as string) : plainSnippet(row.text, query);
      return [
        row.message_id,
        {
          messageId: row.message_id,
          conversationId: row.conversation_id,
          conversationTitle: row.title,
          role: row.role,
          model: row.model,
          createdAt: row.created_at,
          snippet,
          highlights,
          text: row.text,
        },
      ];
    }),
  );
}

/** ts_headline's text with its marks taken out and turned into offsets. */
export function fromHeadline(headline: string): { snippet: string; highlights: { start: number; end: number }[] } {
  let snippet = "";
  const highlights: { start: number; end: number }[] = [];
  let start = -1;
  for (const char of headline) {
    if (char === START) start = snippet.length;
    else if (char === STOP && start >= 0) {
      if (snippet.length > start) highlights.push({ start, end: snippet.length });
      start = -1;
    } else if (char !== STOP) snippet += char;
  }
  return { snippet, highlights };
}

/** The start of a chunk that matched by meaning, with the query's words marked where they occur as such. */
export function plainSnippet(
  text: string,
  query: string,
): { snippet: string; highlights: { start: number; end: number }[] } {
  let snippet = text;
  if (snippet.length > SNIPPET_CHARS) {
    const space = snippet.lastIndexOf(" ", SNIPPET_CHARS);
    snippet = `${snippet.slice(0, space > SNIPPET_CHARS / 2 ? space : SNIPPET_CHARS)} …`;
  }
  const words = [...new Set(query.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? [])];
  const highlights: { start: number; end: number }[] = [];
  if (words.length > 0) {
    const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${words.map(escapeRegExp).join("|")})`, "giu");
    for (const match of snippet.matchAll(pattern)) {
      highlights.push({ start: match.index, end: match.index + match[0].length });
    }
  }
  return { snippet, highlights };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
