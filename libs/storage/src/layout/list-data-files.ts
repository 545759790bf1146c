import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TableName } from '@bsky-explorer/schema';
import { readManifest, type PartitionManifest } from './manifest';
import { dateEndUs, dateStartUs, isFlushFile, parsePartitionDirName, partitionDir, tableDir } from './partition';

/** A time range on indexed_at in µs: from inclusive, to exclusive; either side open. */
export interface TimeRangeUs {
  fromUs?: number;
  toUs?: number;
}

/** What a reader must read in one partition, and what compaction needs to know about it. */
export interface PartitionFiles {
  date: string;
  dir: string;
  manifest: PartitionManifest | undefined;
  /** Published compacted files (names). */
  compacted: string[];
  /** Flush files not replaced by a compaction (names, sorted). */
  flushes: string[];
  /** Every entry of the folder at listing time. */
  entries: string[];
  /** The published side files indexing `compacted` (posts), when present on disk. */
  index:
    | {
        byAuthor: string;
        tokens?: string;
        byToken?: string;
        tokenBlocks?: string;
        tokenGrams?: string;
        byFacet?: string;
        sample?: string;
      }
    | undefined;
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * What was read from a folder, kept while the folder's mtime (ns) stays the same. Every change a listing depends on
 * adds, removes or renames an entry of that folder (files are written to a temp name and renamed in, the manifest
 * is replaced by rename), and each of those sets the folder's mtime; so a listing is re-read exactly when its
 * folder changed, and otherwise costs one stat (a month of partitions: 12 ms → ~1 ms per query). The mtime is
 * taken before reading, so a change during the read makes the next call read again. Bounded: oldest first out.
 */
const folderCache = new Map<string, { mtimeNs: bigint; value: unknown }>();
const FOLDER_CACHE_MAX = 20_000;

async function cachedByFolder<T>(dir: string, read: () => Promise<T>): Promise<T> {
  let mtimeNs: bigint;
  try {
    mtimeNs = (await stat(dir, { bigint: true })).mtimeNs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return read();
    throw err;
  }
  const hit = folderCache.get(dir);
  if (hit && hit.mtimeNs === mtimeNs) return hit.value as T;
  const value = await read();
  folderCache.delete(dir);
  folderCache.set(dir, { mtimeNs, value });
  if (folderCache.size > FOLDER_CACHE_MAX) folderCache.delete(folderCache.keys().next().value as string);
  return value;
}

/** Partition dates of a table present on disk, ascending. */
export async function listPartitionDates(dataDir: string, table: TableName): Promise<string[]> {
  const dir = tableDir(dataDir, table);
  const dates = await cachedByFolder(dir, async () => {
    const found: string[] = [];
    for (const name of await readdirOrEmpty(dir)) {
      const date = parsePartitionDirName(name);
      if (date) found.push(date);
    }
    return found.sort();
  });
  return [...dates];
}

/**
 * The consistent file set of one partition. The manifest is read BEFORE the folder: compaction writes its files
 * before publishing the manifest and deletes replaced files only a grace period after, so whatever manifest we
 * read, the folder listing taken after it still holds every file that manifest makes visible.
 */
export async function listPartitionFiles(dataDir: string, table: TableName, date: string): Promise<PartitionFiles> {
  const dir = partitionDir(dataDir, table, date);
  // Callers may change what they get: each gets its own copy of the cached listing.
  return structuredClone(await cachedByFolder(dir, () => readPartitionFiles(dir, date)));
}

async function readPartitionFiles(dir: string, date: string): Promise<PartitionFiles> {
  const manifest = await readManifest(dir);
  const entries = (await readdirOrEmpty(dir)).sort();
  const present = new Set(entries);
  const replaced = new Set(manifest?.replaced.map((r) => r.file) ?? []);
  const index = manifest?.index;
  return {
    date,
    dir,
    manifest,
    compacted: (manifest?.files ?? []).filter((f) => present.has(f)),
    flushes: entries.filter((f) => isFlushFile(f) && !replaced.has(f)),
    entries,
    index:
      index && present.has(index.byAuthor)
        ? {
            byAuthor: index.byAuthor,
            // The token files count only when both are on disk (else text search scans the day).
            ...(index.tokens && index.byToken && present.has(index.tokens) && present.has(index.byToken)
              ? { tokens: index.tokens, byToken: index.byToken }
              : {}),
            // Likewise the gram index (else a part's tokens are found by a scan of the vocabulary).
            ...(index.tokenBlocks && index.tokenGrams && present.has(index.tokenBlocks) && present.has(index.tokenGrams)
              ? { tokenBlocks: index.tokenBlocks, tokenGrams: index.tokenGrams }
              : {}),
            ...(index.byFacet && present.has(index.byFacet) ? { byFacet: index.byFacet } : {}),
            ...(index.sample && present.has(index.sample) ? { sample: index.sample } : {}),
          }
        : undefined,
  };
}

/**
 * The Parquet files a reader must read right now for `table`, pruned to the partitions overlapping
 * [fromUs, toUs): the published compacted files plus the flush files they did not replace. Never both a compacted
 * file and a flush file it replaced, never a temp file or an unpublished compaction output.
 */
export async function listDataFiles(dataDir: string, table: TableName, range: TimeRangeUs = {}): Promise<string[]> {
  return filesOf(await listPartitions(dataDir, table, range));
}

async function listPartitions(dataDir: string, table: TableName, range: TimeRangeUs): Promise<PartitionFiles[]> {
  const dates = (await listPartitionDates(dataDir, table)).filter(
    (d) =>
      (range.toUs === undefined || dateStartUs(d) < range.toUs) &&
      (range.fromUs === undefined || dateEndUs(d) > range.fromUs),
  );
  return Promise.all(dates.map((d) => listPartitionFiles(dataDir, table, d)));
}

const filesOf = (parts: PartitionFiles[]) =>
  parts.flatMap((p) => [...p.compacted, ...p.flushes].map((f) => join(p.dir, f)));

/** A compacted posts day whose side files index its compacted files (absolute paths). */
export interface IndexedDay {
  date: string;
  files: string[];
  byAuthor: string;
  /**
   * The token files (absent on days indexed before they existed: text search scans those days); `grams`: the gram
   * index of the vocabulary's ASCII section (absent on days indexed before it existed: the vocabulary is scanned).
   */
  tokens?: { vocabulary: string; postings: string; grams?: { blocks: string; grams: string } };
  /** The facet postings (mentions, URLs), absent on days indexed before they existed: those days are scanned. */
  byFacet?: string;
  /**
   * ~1 % of the day's rows (compaction/sample-file.ts), absent on days indexed before it existed: estimated
   * aggregations read those days whole.
   */
  sample?: string;
  /**
   * The tombstone files (absolute paths) already applied to `files` by their compaction: a read of only these
   * files needs none of them (absent: compacted before this was recorded, every tombstone file may apply).
   */
  appliedTombstones?: string[];
  /** Hidden-version files of the day (absolute paths; PartitionManifest.hidden): read instead of late tombstones. */
  hidden?: string[];
}

/** The posts files of listDataFiles, split into days read through their side files and files read by scanning. */
export interface PostFileSet {
  /** Every file (what listDataFiles returns). */
  all: string[];
  indexed: IndexedDay[];
  /** Flush files, and compacted files without side files. */
  unindexed: string[];
}

/** listDataFiles for posts, with the side files of each compacted day (one consistent listing of each partition). */
export async function listPostFiles(dataDir: string, range: TimeRangeUs = {}): Promise<PostFileSet> {
  const parts = await listPartitions(dataDir, 'posts', range);
  const indexed: IndexedDay[] = [];
  const unindexed: string[] = [];
  for (const p of parts) {
    const abs = (f: string) => join(p.dir, f);
    if (p.index && p.compacted.length > 0) {
      indexed.push({
        date: p.date,
        files: p.compacted.map(abs),
        byAuthor: abs(p.index.byAuthor),
        ...(p.index.tokens && p.index.byToken
          ? {
              tokens: {
                vocabulary: abs(p.index.tokens),
                postings: abs(p.index.byToken),
                ...(p.index.tokenBlocks && p.index.tokenGrams
                  ? { grams: { blocks: abs(p.index.tokenBlocks), grams: abs(p.index.tokenGrams) } }
                  : {}),
              },
            }
          : {}),
        ...(p.index.byFacet ? { byFacet: abs(p.index.byFacet) } : {}),
        ...(p.index.sample ? { sample: abs(p.index.sample) } : {}),
        ...(p.manifest?.appliedTombstones
          ? { appliedTombstones: p.manifest.appliedTombstones.map((t) => join(dataDir, t)) }
          : {}),
        ...(p.manifest?.hidden?.length ? { hidden: p.manifest.hidden.map(abs) } : {}),
      });
    } else {
      unindexed.push(...p.compacted.map(abs));
    }
    unindexed.push(...p.flushes.map(abs));
  }
  return { all: filesOf(parts), indexed, unindexed };
}
