import type { Session } from '../duckdb/pool';
import type { PostTail } from '../tail/post-tail';
import { isTailPath } from '../tail/tail-path';
import type { TailSnapshot } from '../tail/tail-files';
import { termPartsSql } from '../text-tokens';
import { SqlParams, type FileSets, type PostFilter } from './post-sql';
import { parseSearchText } from './search-text';

// The query side of the tail's text index (tail/tail-tokens.ts): which of the tail's posts rows a query's text can
// match, found once per query and carried in its FileSets (tailText) to every read that tests that text.

/** Texts whose parts are remembered: computing them is a DuckDB query (~3 ms: it compiles the Unicode regex). */
const MAX_CACHED_TEXTS = 1_000;
const partsOfText = new Map<string, string[]>();

/**
 * The parts of a search text's include terms (termPartsSql: DuckDB's lower(), sigma folded, split like the
 * tokens), as compaction's token lookup takes them. A function of the text alone, so remembered (bounded).
 */
export async function termParts(session: Session, text: string): Promise<string[]> {
  const known = partsOfText.get(text);
  if (known) return known;
  const { include } = parseSearchText(text);
  let parts: string[] = [];
  if (include.length > 0) {
    const sql = new SqlParams();
    const [row] = await session.all(
      `SELECT list_distinct(flatten([${include.map((t) => termPartsSql(sql.bind(t))).join(', ')}])) AS parts`,
      sql.values,
    );
    parts = (row.parts as string[] | null) ?? [];
  }
  partsOfText.set(text, parts);
  while (partsOfText.size > MAX_CACHED_TEXTS) partsOfText.delete(partsOfText.keys().next().value as string);
  return parts;
}

/**
 * The tail rows a search of `filter.text` can match, for FileSets.tailText; undefined when every tail row must be
 * read (no text, no tail in the files, or no part of the text rare enough in the tail).
 */
export async function tailTextNarrowing(
  session: Session,
  tail: PostTail | undefined,
  snapshot: TailSnapshot | undefined,
  filter: PostFilter,
  files: FileSets,
): Promise<FileSets['tailText']> {
  if (!tail || !snapshot || filter.text === undefined || !files.posts.some(isTailPath)) return undefined;
  const found = tail.textCandidates(snapshot.gen, await termParts(session, filter.text));
  return found && { text: filter.text, gen: snapshot.gen, rows: found.rows };
}
