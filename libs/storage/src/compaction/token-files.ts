import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import { LIST, VARCHAR, listValue, type DuckDBConnection } from '@duckdb/node-api';
import { fsyncFile } from '../layout/durable-fs';
import { TOKEN_KEY_CHARS, tokenListSql } from '../text-tokens';
import { SIDE_COMPRESSION_LEVEL, sqlLiteral } from './compaction-sql';
import { writeTokenGrams, type TokenGramFiles } from './token-grams';

// The token side files of a compacted posts partition (see text-tokens.ts for what a token is):
//   tokens-<generation>.parquet    (ascii, key, token, df, posted)  every distinct token of the day; df: posts
//                                  holding it; posted: listed in by-token; ascii: it holds an ASCII letter or digit.
//                                  Sorted by ascii DESC, token: a term part made of ASCII letters can only lie in
//                                  the first group of row groups (in a day of CJK, Cyrillic… text ~15 % of the
//                                  tokens, and short ones), so its substring scan skips the rest by statistics.
//   by-token-<generation>.parquet  (key, indexed_at)  one row per post holding a RARE token (df ≤ maxDf), sorted
//                                  by key, indexed_at DESC
//   token-blocks-, token-grams-<generation>.parquet  a trigram index of the vocabulary's ASCII section (token-grams.ts)
// key is the token's first TOKEN_KEY_CHARS characters: DuckDB writes no min/max statistics for a row group holding
// a long string (CJK text has no spaces, so whole sentences are tokens), and without them an equality lookup reads
// the whole file (measured: 350 ms → 8 ms at a day). Tokens sharing a key share postings: a superset, which the
// exact text predicate resolves.
// A word that occurs in few posts costs a full scan of the day's text without these files; with them it costs a
// scan of the vocabulary and one statistics-pruned lookup per matching token. Common tokens get no postings: a
// common word fills a page from the newest minutes anyway, and their lists would be most of the size (measured:
// tokens with df ≤ 1000 per 1M posts are 99.8 % of the vocabulary but 8 % of the occurrences).

export const TOKENS_PREFIX = 'tokens-';
export const BY_TOKEN_PREFIX = 'by-token-';
/** Posts per day above which a token gets no postings (≈0.12 % of an 8.1M-post day). */
export const DEFAULT_RARE_TOKEN_MAX_DF = 10_000;
/** Rows per row group of both files: one key lookup reads about one group. */
const TOKEN_ROW_GROUP_SIZE = 16_384;

export interface TokenFiles extends TokenGramFiles {
  tokens: string;
  byToken: string;
}

/** Names of the token files of a generation. */
export function tokenFileNames(generation: number): { tokens: string; byToken: string } {
  return { tokens: `${TOKENS_PREFIX}${generation}.parquet`, byToken: `${BY_TOKEN_PREFIX}${generation}.parquet` };
}

/**
 * Writes the token files of `inputs` (absolute paths of compacted posts files) into `stagingDir`, fsynced, and
 * returns their names; the caller renames them into the partition and publishes them. The day's tokens are
 * computed once into a temporary table (the lower() + split is most of the cost) and spill to disk past the
 * memory limit.
 */
export async function writeTokenFiles(
  conn: DuckDBConnection,
  stagingDir: string,
  generation: number,
  inputs: readonly string[],
  maxDf = DEFAULT_RARE_TOKEN_MAX_DF,
): Promise<TokenFiles> {
  const names = tokenFileNames(generation);
  const table = `post_tokens_${generation}`;
  const tokensPath = join(stagingDir, names.tokens);
  const byTokenPath = join(stagingDir, names.byToken);
  try {
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE ${table} AS
       SELECT indexed_at, unnest(${tokenListSql('text')}) AS token FROM read_parquet($inputs)`,
      { inputs: listValue([...inputs]) },
      { inputs: LIST(VARCHAR) },
    );
    // COPY … TO cannot take its target as a parameter; the paths are built from our own names, never from input.
    await conn.run(
      `COPY (
         SELECT regexp_matches(token, '[a-z0-9]') AS ascii, left(token, ${TOKEN_KEY_CHARS}) AS key, token,
                count(*)::INTEGER AS df, count(*) <= ${Math.trunc(maxDf)} AS posted
         FROM ${table} GROUP BY token ORDER BY ascii DESC, token)
       TO ${sqlLiteral(tokensPath)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL ${SIDE_COMPRESSION_LEVEL}, ROW_GROUP_SIZE ${TOKEN_ROW_GROUP_SIZE})`,
    );
    await conn.run(
      `COPY (
         SELECT left(t.token, ${TOKEN_KEY_CHARS}) AS key, t.indexed_at FROM ${table} t
         SEMI JOIN (SELECT token FROM read_parquet(${sqlLiteral(tokensPath)}) WHERE posted) r
           ON r.token = t.token
         ORDER BY key, t.indexed_at DESC)
       TO ${sqlLiteral(byTokenPath)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL ${SIDE_COMPRESSION_LEVEL}, ROW_GROUP_SIZE ${TOKEN_ROW_GROUP_SIZE})`,
    );
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${table}`);
  }
  await fsyncFile(tokensPath);
  await fsyncFile(byTokenPath);
  const grams = await writeTokenGrams(conn, stagingDir, generation, tokensPath);
  const bytes = (await stat(tokensPath)).size + (await stat(byTokenPath)).size + grams.bytes;
  return { ...names, ...grams, bytes };
}
