import type { Session } from '../duckdb/pool';
import { termPartsSql } from '../text-tokens';
import { SqlParams } from './post-sql';
import { parseSearchText } from './search-text';

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
