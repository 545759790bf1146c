import { listValue } from '@duckdb/node-api';
import type { IndexedDay } from '../layout/list-data-files';
import type { Session } from '../duckdb/pool';
import { ASCII_ALNUM, TOKEN_KEY_CHARS, gramsSql, hasGrams } from '../text-tokens';
import { SqlParams } from './post-sql';

// Where the tokens containing a term part may be, per day: a part is a substring, so the vocabulary's sort order
// cannot tell. A day with a gram index (compaction/token-grams.ts) is read in the blocks holding all grams of a part
// only; any other day is scanned (its ASCII section when every part holds an ASCII letter or digit). Both only
// narrow where to look: the caller's contains() decides, so the answer is the scan's.

const vocabularyOf = (day: IndexedDay) => day.tokens?.vocabulary as string;

/**
 * SQL (bound in `sql`): the vocabulary rows (filename, key, token, df, posted) of `days` (all with token files) that
 * may contain one of `parts`, filename being the day's vocabulary; undefined when none can.
 */
export async function vocabularyRows(
  session: Session,
  sql: SqlParams,
  days: readonly IndexedDay[],
  parts: readonly string[],
): Promise<string | undefined> {
  const ascii = parts.every((p) => ASCII_ALNUM.test(p));
  // Only the ASCII section is indexed, and a part shorter than a gram has none to look up.
  const indexed = ascii && parts.every(hasGrams) ? days.filter((d) => d.tokens?.grams) : [];
  const scanned = days.filter((d) => !indexed.includes(d)).map(vocabularyOf);
  const selects: string[] = [];
  if (scanned.length > 0) {
    selects.push(
      `SELECT filename, key, token, df, posted
       FROM read_parquet(${sql.bind(listValue(scanned))}::VARCHAR[], filename = true, hive_partitioning = false)
       ${ascii ? 'WHERE ascii' : ''}`,
    );
  }
  const blocks = await candidateBlocks(session, indexed, parts);
  for (const day of indexed) {
    const grams = day.tokens?.grams as { blocks: string; grams: string };
    const candidates = blocks.get(grams.grams);
    if (!candidates) continue; // no block holds all grams of a part: no token of the day contains one
    // The block numbers are our own integers (from the gram file): spliced, so the scan prunes by statistics.
    selects.push(
      `SELECT ${sql.bind(vocabularyOf(day))} AS filename, left(token, ${TOKEN_KEY_CHARS}) AS key, token, df, posted
       FROM read_parquet(${sql.bind(grams.blocks)}, hive_partitioning = false)
       WHERE block IN (${candidates.map((b) => Math.trunc(b)).join(', ')})`,
    );
  }
  return selects.length > 0 ? `(${selects.join(' UNION ALL ')})` : undefined;
}

/** Per gram file of `days`: the blocks that hold every gram of at least one of `parts`. One pruned read. */
async function candidateBlocks(
  session: Session,
  days: readonly IndexedDay[],
  parts: readonly string[],
): Promise<Map<string, number[]>> {
  if (days.length === 0) return new Map();
  const sql = new SqlParams();
  const files = sql.bind(listValue(days.map((d) => d.tokens?.grams?.grams as string)));
  const perPart = parts.map((p) => {
    const grams = gramsSql(sql.bind(p));
    // DuckDB pushes the few grams into the scan as an IN filter: only the row groups holding them are read.
    return `SELECT filename, block FROM read_parquet(${files}::VARCHAR[], filename = true, hive_partitioning = false)
            WHERE gram IN (SELECT unnest(${grams})) GROUP BY filename, block HAVING count(*) = len(${grams})`;
  });
  const rows = await session.all(
    `SELECT filename, list(DISTINCT block) AS blocks FROM (${perPart.join(' UNION ALL ')}) GROUP BY filename`,
    sql.values,
  );
  return new Map(rows.map((r) => [r.filename as string, r.blocks as number[]]));
}
