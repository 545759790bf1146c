import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { fsyncDir } from '../layout/durable-fs';
import type { PartitionIndex } from '../layout/manifest';
import { writeSideFile } from './compaction-sql';
import { BY_FACET_PREFIX, byFacetName, writeByFacet } from './facet-files';
import { postsWithDerivedColumns } from '../posts-columns';
import { HIDDEN_PREFIX } from './late-tombstones';
import { SAMPLE_PREFIX, sampleName, writeSample } from './sample-file';
import { BY_TOKEN_PREFIX, TOKENS_PREFIX, writeTokenFiles } from './token-files';
import { TOKEN_BLOCKS_PREFIX, TOKEN_GRAMS_PREFIX, writeTokenGrams } from './token-grams';

// Per-day lookup files of a compacted posts partition, built from the compacted files themselves (so they hold
// exactly the live rows compaction kept) and published in the same manifest as those files:
//   by-author-<generation>.parquet  (did, indexed_at, uri) sorted by did, indexed_at DESC, uri DESC
//   tokens-, by-token-, token-blocks-, token-grams-<generation>.parquet  the token index (token-files.ts)
//   by-facet-<generation>.parquet   (key, indexed_at) of mentioned DIDs and linked URLs (facet-files.ts)
//   sample-<generation>.parquet     ~1 % of the rows, for estimated aggregations (sample-file.ts)
// (hidden-<generation>-<n>.parquet, written later by late-tombstones.ts, counts as a side file for the clean-up.)
// Small row groups: min/max statistics on did narrow an author to the one group holding it. A uri holds its
// author's did (at://<did>/app.bsky.feed.post/<rkey>), so by-author also finds a uri: the by-uri files that older
// versions wrote (13 B/post) are no longer written or read, and removed with their generation.

export const BY_AUTHOR_PREFIX = 'by-author-';
export const BY_URI_PREFIX = 'by-uri-';

// Starts with compaction's staging prefix, so cleanPartition removes what a crashed run left.
const SIDE_STAGING_PREFIX = '.compacting-side-';

export function isSideFile(name: string): boolean {
  return [
    BY_AUTHOR_PREFIX,
    BY_URI_PREFIX,
    TOKENS_PREFIX,
    BY_TOKEN_PREFIX,
    TOKEN_BLOCKS_PREFIX,
    TOKEN_GRAMS_PREFIX,
    BY_FACET_PREFIX,
    SAMPLE_PREFIX,
    HIDDEN_PREFIX,
  ].some((prefix) => name.startsWith(prefix));
}

/** The side files of an index, by name. */
export function sideFileNames(index: PartitionIndex): string[] {
  return [
    index.byAuthor,
    ...(index.byUri ? [index.byUri] : []),
    ...(index.tokens ? [index.tokens] : []),
    ...(index.byToken ? [index.byToken] : []),
    ...(index.tokenBlocks ? [index.tokenBlocks] : []),
    ...(index.tokenGrams ? [index.tokenGrams] : []),
    ...(index.byFacet ? [index.byFacet] : []),
    ...(index.sample ? [index.sample] : []),
  ];
}

export interface SideFileOptions {
  /**
   * A partition indexed by an older version: only what it lacks (token files, gram index, by-facet, sample), added
   * to it.
   */
  previous?: PartitionIndex;
  /** See DEFAULT_RARE_TOKEN_MAX_DF. */
  rareTokenMaxDf?: number;
  /** See DEFAULT_SAMPLE_SHARE. */
  sampleShare?: number;
  /** `previous` lists a vocabulary that is not on disk: no gram index can be built from it. */
  noGrams?: boolean;
}

const BY_AUTHOR_SELECT = (src: string) =>
  `SELECT did, indexed_at, uri FROM ${src} ORDER BY did, indexed_at DESC, uri DESC`;

/**
 * Writes the side files of `files` (compacted posts file names in `dir`) durably but not yet visible: the caller
 * publishes them in the manifest together with the files they index.
 */
export async function writeSideFiles(
  conn: DuckDBConnection,
  dir: string,
  generation: number,
  files: readonly string[],
  options: SideFileOptions = {},
): Promise<PartitionIndex> {
  const staging = join(dir, `${SIDE_STAGING_PREFIX}${generation}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const previous = options.previous;
  // What the index lacks, and only that: everything for a new generation; for a partition indexed by an older
  // version, the files that came later (tokens, their gram index, by-facet, the sample).
  let index: PartitionIndex = previous ?? { byAuthor: `${BY_AUTHOR_PREFIX}${generation}.parquet`, bytes: 0 };
  const written: string[] = [];
  if (!previous) {
    index.bytes += await writeByAuthor(conn, dir, join(staging, index.byAuthor), files);
    written.push(index.byAuthor);
  }
  if (!index.tokens) {
    const tokens = await writeTokenFiles(
      conn,
      staging,
      generation,
      files.map((f) => join(dir, f)),
      options.rareTokenMaxDf,
    );
    index = { ...index, ...tokens, bytes: index.bytes + tokens.bytes };
    written.push(tokens.tokens, tokens.byToken, tokens.tokenBlocks, tokens.tokenGrams);
  } else if (!index.tokenGrams && !options.noGrams) {
    const grams = await writeTokenGrams(conn, staging, generation, join(dir, index.tokens));
    index = { ...index, ...grams, bytes: index.bytes + grams.bytes };
    written.push(grams.tokenBlocks, grams.tokenGrams);
  }
  if (!index.byFacet) {
    const byFacet = byFacetName(generation);
    const bytes = await writeByFacet(
      conn,
      join(staging, byFacet),
      files.map((f) => join(dir, f)),
    );
    index = { ...index, byFacet, bytes: index.bytes + bytes };
    written.push(byFacet);
  }
  if (!index.sample) {
    const sample = sampleName(generation);
    const bytes = await writeSample(
      conn,
      join(staging, sample),
      files.map((f) => join(dir, f)),
      options.sampleShare,
    );
    index = { ...index, sample, bytes: index.bytes + bytes };
    written.push(sample);
  }
  for (const name of written) await rename(join(staging, name), join(dir, name));
  await fsyncDir(dir);
  await rm(staging, { recursive: true, force: true });
  return index;
}

/** by-author of `files` (names in `dir`) written durably to `path`; returns its bytes. */
async function writeByAuthor(
  conn: DuckDBConnection,
  dir: string,
  path: string,
  files: readonly string[],
): Promise<number> {
  return writeSideFile(
    conn,
    BY_AUTHOR_SELECT(postsWithDerivedColumns('read_parquet($inputs)')),
    path,
    files.map((f) => join(dir, f)),
  );
}
