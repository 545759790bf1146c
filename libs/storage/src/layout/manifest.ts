import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TableName } from '@bsky-explorer/schema';
import { writeFileDurable } from './durable-fs';

export const MANIFEST_FILE = 'manifest.json';

/** A file taken out of the visible set by a compaction, and when (ms since the epoch). */
export interface ReplacedFile {
  file: string;
  at: number;
}

/**
 * The side files of a compacted posts partition (see compaction/side-files.ts): they index exactly the manifest's
 * `files`, so a reader that uses them reads those files, and only those, by key.
 */
export interface PartitionIndex {
  /** (did, indexed_at, uri) sorted by did, indexed_at DESC. */
  byAuthor: string;
  /** (uri, indexed_at) sorted by uri: written by older versions only, no longer read (uri lookups use byAuthor). */
  byUri?: string;
  /** (token, df), every token of the day; absent on partitions indexed before the token files existed. */
  tokens?: string;
  /** (token, indexed_at) for the rare tokens, sorted by token (with `tokens`). */
  byToken?: string;
  /** The ASCII tokens in blocks and the trigram index of those blocks (with `tokens`, absent on older partitions). */
  tokenBlocks?: string;
  tokenGrams?: string;
  /** (key, indexed_at) per (post, mentioned DID) and (post, linked URL): compaction/facet-files.ts. */
  byFacet?: string;
  /** ~1 % of the rows, the posts files' columns (compaction/sample-file.ts): estimated aggregations read it. */
  sample?: string;
  bytes: number;
}

/**
 * The per-partition record of what compaction published. Readers see `files` plus every flush file not named in
 * `replaced`; it is replaced atomically (tmp, fsync, rename), so readers see one generation or the next, never a
 * mix. Replaced names stay listed for good: a flush redone later under the same deterministic name stays hidden.
 */
export interface PartitionManifest {
  version: 1;
  table: TableName;
  date: string;
  generation: number;
  files: string[];
  replaced: ReplacedFile[];
  rows: number;
  bytes: number;
  publishedAt: number;
  /** Posts only, absent on partitions compacted before side files existed. */
  index?: PartitionIndex;
  /**
   * Posts only: the tombstone files (paths relative to the data folder) this generation's compaction applied. Its
   * files hold no row they delete or supersede, so a reader of only these files needs none of them.
   */
  appliedTombstones?: string[];
  /**
   * Posts only: hidden-version files (names in this partition, see compaction/late-tombstones.ts), each (uri,
   * time_us) of rows of `files` that tombstone files applied after the compaction delete or supersede. Those
   * tombstone files are in `appliedTombstones`: a reader hides these versions instead of reading them.
   */
  hidden?: string[];
}

export class ManifestError extends Error {
  override name = 'ManifestError';
}

export async function readManifest(dir: string): Promise<PartitionManifest | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ManifestError(`unreadable manifest in ${dir}`, { cause });
  }
  const m = parsed as PartitionManifest;
  if (
    typeof m !== 'object' ||
    m === null ||
    m.version !== 1 ||
    !Number.isInteger(m.generation) ||
    !Array.isArray(m.files) ||
    !Array.isArray(m.replaced)
  ) {
    throw new ManifestError(`malformed manifest in ${dir}`);
  }
  return m;
}

export async function writeManifest(dir: string, manifest: PartitionManifest): Promise<void> {
  await writeFileDurable(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 1) + '\n');
}
