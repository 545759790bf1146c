import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { fsyncFile } from '../layout/durable-fs';
import { foldedTokenSql, gramsSql } from '../text-tokens';
import { SIDE_COMPRESSION_LEVEL, sqlLiteral } from './compaction-sql';

// A trigram skip index over the ASCII section of a day's vocabulary (tokens-<generation>.parquet), so that finding
// the tokens containing a term part (a substring: the vocabulary's sort order cannot help) reads a few blocks of
// tokens instead of the whole section (query/vocabulary-source.ts):
//   token-blocks-<generation>.parquet  (block, token, df, posted)  the ASCII tokens in vocabulary order, block: their
//                                      position ÷ TOKEN_BLOCK_ROWS; one row group per block, so a block is read alone
//   token-grams-<generation>.parquet   (gram, block)  each distinct gram of each block's tokens (sigma folded like
//                                      the parts), sorted by gram: a part's grams are a statistics-pruned read
// A token containing a part holds all of its grams, so only the blocks holding all of them can hold such a token.
// Why a copy of the section rather than small row groups in the vocabulary itself: every read of a Parquet file
// pays per row group (measured at 8.1M posts: the vocabulary's key lookup 3 → 16 ms, its ASCII scan ×2 with
// 2,048-row groups), and the vocabulary is read by every text query.

export const TOKEN_BLOCKS_PREFIX = 'token-blocks-';
export const TOKEN_GRAMS_PREFIX = 'token-grams-';
/** Tokens per block: DuckDB writes row groups of at least its vector size (2,048 rows), whatever is asked. */
const TOKEN_BLOCK_ROWS = 2048;
/** Rows per row group of the gram file: a part's grams lie in a few groups. */
const GRAM_ROW_GROUP_SIZE = 16_384;

export interface TokenGramFiles {
  tokenBlocks: string;
  tokenGrams: string;
  bytes: number;
}

/**
 * Writes the gram index of the vocabulary at `vocabularyPath` (written by writeTokenFiles) into `stagingDir`,
 * fsynced; returns the names and their bytes.
 */
export async function writeTokenGrams(
  conn: DuckDBConnection,
  stagingDir: string,
  generation: number,
  vocabularyPath: string,
): Promise<TokenGramFiles> {
  const names = {
    tokenBlocks: `${TOKEN_BLOCKS_PREFIX}${generation}.parquet`,
    tokenGrams: `${TOKEN_GRAMS_PREFIX}${generation}.parquet`,
  };
  const blocksPath = join(stagingDir, names.tokenBlocks);
  const gramsPath = join(stagingDir, names.tokenGrams);
  const options = `FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL ${SIDE_COMPRESSION_LEVEL}`;
  // The vocabulary is sorted ascii DESC, token: its ASCII section is its first rows, in token order.
  // COPY … TO cannot take its target as a parameter; the paths are built from our own names, never from input.
  await conn.run(
    `COPY (
       SELECT (file_row_number // ${TOKEN_BLOCK_ROWS})::INTEGER AS block, token, df, posted
       FROM read_parquet(${sqlLiteral(vocabularyPath)}, file_row_number = true) WHERE ascii ORDER BY file_row_number)
     TO ${sqlLiteral(blocksPath)} (${options}, ROW_GROUP_SIZE ${TOKEN_BLOCK_ROWS})`,
  );
  await conn.run(
    `COPY (
       SELECT DISTINCT gram, block FROM (
         SELECT unnest(${gramsSql(foldedTokenSql('token'))}) AS gram, block FROM read_parquet(${sqlLiteral(blocksPath)}))
       ORDER BY gram, block)
     TO ${sqlLiteral(gramsPath)} (${options}, ROW_GROUP_SIZE ${GRAM_ROW_GROUP_SIZE})`,
  );
  await fsyncFile(blocksPath);
  await fsyncFile(gramsPath);
  return { ...names, bytes: (await stat(blocksPath)).size + (await stat(gramsPath)).size };
}
