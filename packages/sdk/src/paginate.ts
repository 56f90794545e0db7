import { unwrap } from "./unwrap.ts";

type Page<Item> = { data: Item[]; nextCursor: string | null };
type PageResult<Item> = { data?: Page<Item>; error?: unknown; response: Response };

/**
 * Every item of a cursor-paginated list, fetching page after page as they are consumed:
 * `paginate((cursor) => client.api.GET("/api/conversations", { params: { query: { cursor } } }))`.
 */
export async function* paginate<Item>(
  fetchPage: (cursor: string | undefined) => Promise<PageResult<Item>>,
): AsyncGenerator<Item, void, undefined> {
  let cursor: string | undefined;
  do {
    const page = unwrap(await fetchPage(cursor)) as Page<Item>;
    yield* page.data;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}
