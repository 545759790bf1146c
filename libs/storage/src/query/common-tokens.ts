import { listValue } from '@duckdb/node-api';
import type { Session } from '../duckdb/pool';
import { foldedTokenSql } from '../text-tokens';
import { SqlParams } from './post-sql';

/**
 * The common tokens of each day's vocabulary (those kept without postings: ~700 at 8.1M posts a day) with their
 * df, sigma folded as term parts are. Read once per vocabulary file and kept in memory, as Lucene keeps its terms
 * index: ruling out a common word then costs no query (it was one pruned read per search, ~3 ms). A vocabulary
 * never changes under its name (named by generation). Bounded: oldest first out.
 */
const commonByVocabulary = new Map<string, Map<string, number>>();
const MAX_VOCABULARIES = 2_000;

async function load(session: Session, vocabularies: readonly string[]): Promise<void> {
  const sql = new SqlParams();
  const rows = await session.all(
    `SELECT filename, ${foldedTokenSql('token')} AS token, df
     FROM read_parquet(${sql.bind(listValue([...vocabularies]))}::VARCHAR[], filename = true, hive_partitioning = false)
     WHERE NOT posted`,
    sql.values,
  );
  const loaded = new Map(vocabularies.map((v) => [v, new Map<string, number>()]));
  for (const r of rows) {
    const tokens = loaded.get(r.filename as string);
    // Two tokens may fold to one (ς and σ): their posts add up, as the lookup of the folded part did.
    if (tokens) tokens.set(r.token as string, (tokens.get(r.token as string) ?? 0) + Number(r.df));
  }
  for (const [v, tokens] of loaded) {
    commonByVocabulary.set(v, tokens);
    if (commonByVocabulary.size > MAX_VOCABULARIES)
      commonByVocabulary.delete(commonByVocabulary.keys().next().value as string);
  }
}

/**
 * The parts that are themselves a common token on one of the days' vocabularies, with their posts over those days
 * (Σ df of that exact token).
 */
export async function commonParts(
  session: Session,
  vocabularies: readonly string[],
  parts: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (parts.length === 0) return out;
  const unknown = vocabularies.filter((v) => !commonByVocabulary.has(v));
  if (unknown.length > 0) await load(session, unknown);
  for (const v of vocabularies) {
    const common = commonByVocabulary.get(v);
    for (const p of parts) {
      const df = common?.get(p);
      if (df !== undefined) out.set(p, (out.get(p) ?? 0) + df);
    }
  }
  return out;
}
