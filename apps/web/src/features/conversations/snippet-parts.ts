/** A piece of a search snippet: plain text, or text that matched the query. */
export interface SnippetPart {
  text: string;
  isMatch: boolean;
}

/**
 * A snippet cut at its highlights (UTF-16 offsets, in order, as the API gives them) into parts to
 * render as text and `<mark>`: the snippet is model output, so it is never parsed as markup. Ranges
 * that overlap one before them, run backwards or past the end are left unmarked.
 */
export function snippetParts(snippet: string, highlights: readonly { start: number; end: number }[]): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let at = 0;
  for (const { start, end } of highlights) {
    if (start < at || end <= start || end > snippet.length) continue;
    if (start > at) parts.push({ text: snippet.slice(at, start), isMatch: false });
    parts.push({ text: snippet.slice(start, end), isMatch: true });
    at = end;
  }
  if (at < snippet.length) parts.push({ text: snippet.slice(at), isMatch: false });
  return parts;
}
