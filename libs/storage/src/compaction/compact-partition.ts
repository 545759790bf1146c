import { readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { LIST, VARCHAR, listValue, type DuckDBConnection } from '@duckdb/node-api';
import type { TableName } from '@bsky-explorer/schema';
import { fsyncDir, fsyncFile } from '../layout/durable-fs';
import { listDataFiles, listPartitionFiles, type PartitionFiles } from '../layout/list-data-files';
import {
  MANIFEST_FILE,
  writeManifest,
  type PartitionIndex,
  type PartitionManifest,
  type ReplacedFile,
} from '../layout/manifest';
import { COMPACTED_PREFIX, TMP_EXT, isFlushFile } from '../layout/partition';
import { compactionSelect, sqlLiteral } from './compaction-sql';
import { applyLateTombstones } from './late-tombstones';
import { isSideFile, sideFileNames, writeSideFiles } from './side-files';

// Compaction of one (table, date) partition, as explicit steps so that tests can stop after any of them (a crash):
//   plan    → what to merge: the published compacted files + the flush files not yet replaced;
//   clean   → remove what a crashed run left (staging folder, temp files, compacted files never published);
//   write   → DuckDB COPY into a staging folder, then fsync + rename each file to compacted-<generation>-<n>.parquet;
//             for posts also the side files (side-files.ts: by-author, token files, by-facet, sample);
//   publish → atomically replace manifest.json (this is the instant readers switch to the new set);
//   sweep   → delete replaced files once they have been replaced for longer than the grace period.
// Before publish nothing visible changes; after it, a rerun finds nothing to merge. So a crash at any point,
// followed by a rerun, yields the same visible set.

const STAGING_PREFIX = '.compacting-';

export type CompactionStep = 'plan' | 'clean' | 'write' | 'publish' | 'sweep';

export interface CompactionOptions {
  /** Wall clock in ms (default Date.now()); tests pass their own. */
  now?: number;
  /** How long replaced files stay on disk for queries that listed them just before the swap (default 10 min). */
  graceMs?: number;
  /**
   * Rows per row group of compacted posts. 4,096: a read by key (a page's rows, an author's posts, a uri, found
   * through the side files) decodes every column of each row group holding a key. Measured on a compacted day of
   * 1M posts, 50 posts spread over the day read back in 780 ms with 16,384-row groups, 245–310 ms with 4,096,
   * 290–410 ms with 2,048 and 1,005 ms with 1,024 (more groups cost more metadata and join work); a top-51 of a
   * common word over the whole day took 60 ms with 16,384 and 19 ms with 4,096.
   */
  rowGroupSize?: number;
  /**
   * zstd level of the compacted files (default DEFAULT_COMPRESSION_LEVEL = 9). Measured on a 1M-post day with
   * 4,096-row groups on a loaded machine: level 3 wrote 138 MB, 9 132 MB in 8 s, 13 128 MB in 55 s, 16 125 MB in
   * 100 s, 19 124 MB in 174 s; the whole compaction of that day took 43 s at 9 and 135 s at 15. The 5 % the slow
   * levels save is not worth tripling a compaction that competes with queries for two cores (and a month's bench
   * compacts 30 days). Decompression speed is the same at every level.
   */
  compressionLevel?: number;
  /** Posts per day above which a token gets no postings in by-token (default DEFAULT_RARE_TOKEN_MAX_DF). */
  rareTokenMaxDf?: number;
  /** Share of a posts day kept in its sample (default DEFAULT_SAMPLE_SHARE, ~1 %). */
  sampleShare?: number;
  /**
   * Target size of one compacted file; a day larger than this is split into several, in read order. 64 MB (~500k
   * posts, ~120 row groups): each query pays ~10 µs per row group of every file it opens, even for row groups its
   * filters skip; with a day in 2 files of ~1,000 row groups a 20-second window cost 14 ms of CPU just to count
   * its rows, against 2.8 ms in a file of 40 row groups, and the scan opens only the files whose span meets its
   * window (file-spans.ts).
   */
  maxFileBytes?: number;
  /** Stop after this step (crash simulation in tests). */
  stopAfter?: CompactionStep;
}

export const DEFAULT_GRACE_MS = 10 * 60_000;
export const DEFAULT_ROW_GROUP_SIZE = 4_096;
export const DEFAULT_COMPRESSION_LEVEL = 9;
export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;

export interface PartitionPlan {
  table: TableName;
  date: string;
  dir: string;
  generation: number;
  previous: PartitionManifest | undefined;
  /** File names merged by this run. */
  inputs: string[];
}

export interface CompactedFile {
  file: string;
  rows: number;
  bytes: number;
}

/** What writeCompacted wrote, and (posts) the tombstone files it applied, relative to the data folder. */
export interface CompactionOutput {
  files: CompactedFile[];
  appliedTombstones?: string[];
}

export interface PartitionSummary {
  table: TableName;
  date: string;
  /** Whether a new generation was published by this run. */
  compacted: boolean;
  generation: number;
  filesIn: number;
  rowsIn: number;
  rowsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Replaced files deleted by the sweep. */
  deleted: number;
  /** Bytes of the side files written by this run (posts). */
  indexBytes: number;
}

export function planPartition(files: PartitionFiles, table: TableName): PartitionPlan | undefined {
  if (files.flushes.length === 0) return undefined;
  return {
    table,
    date: files.date,
    dir: files.dir,
    generation: (files.manifest?.generation ?? 0) + 1,
    previous: files.manifest,
    inputs: [...files.compacted, ...files.flushes],
  };
}

/**
 * Removes leftovers of a crashed run: the staging folder, compaction temp files, and compacted files that the
 * current manifest neither shows nor keeps for the grace period. Flush temp files are left alone: a flusher may be
 * writing one right now (the sweep removes old ones).
 */
export async function cleanPartition(files: PartitionFiles): Promise<number> {
  const index = files.manifest?.index;
  const keep = new Set([
    ...(files.manifest?.files ?? []),
    ...(files.manifest?.replaced.map((r) => r.file) ?? []),
    ...(index ? sideFileNames(index) : []),
    ...(files.manifest?.hidden ?? []),
  ]);
  let removed = 0;
  for (const name of files.entries) {
    const stale =
      name.startsWith(STAGING_PREFIX) ||
      name === MANIFEST_FILE + TMP_EXT ||
      ((name.startsWith(COMPACTED_PREFIX) || isSideFile(name)) && !keep.has(name));
    if (stale) {
      await rm(join(files.dir, name), { recursive: true, force: true });
      removed++;
    }
  }
  if (removed > 0) await fsyncDir(files.dir);
  return removed;
}

async function parquetRowCounts(conn: DuckDBConnection, paths: string[]): Promise<number[]> {
  if (paths.length === 0) return [];
  const reader = await conn.runAndReadAll(
    'SELECT file_name, num_rows FROM parquet_file_metadata($files)',
    { files: listValue(paths) },
    { files: LIST(VARCHAR) },
  );
  const byFile = new Map(reader.getRowsJS().map(([f, n]) => [String(f), Number(n)]));
  return paths.map((p) => byFile.get(p) ?? 0);
}

export async function inputStats(conn: DuckDBConnection, plan: PartitionPlan) {
  const paths = plan.inputs.map((f) => join(plan.dir, f));
  const rows = await parquetRowCounts(conn, paths);
  const sizes = await Promise.all(paths.map(async (p) => (await stat(p)).size));
  return { rowsIn: rows.reduce((a, b) => a + b, 0), bytesIn: sizes.reduce((a, b) => a + b, 0) };
}

/** Merges the plan's inputs into durable, not yet visible, compacted-<generation>-<n>.parquet files. */
export async function writeCompacted(
  conn: DuckDBConnection,
  dataDir: string,
  plan: PartitionPlan,
  options: CompactionOptions = {},
): Promise<CompactionOutput> {
  const rowGroupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const level = options.compressionLevel ?? DEFAULT_COMPRESSION_LEVEL;
  if (!Number.isInteger(level) || level < 1 || level > 22) throw new RangeError(`bad compressionLevel ${level}`);
  if (!Number.isInteger(rowGroupSize) || rowGroupSize <= 0) throw new RangeError(`bad rowGroupSize ${rowGroupSize}`);
  if (!Number.isInteger(maxFileBytes) || maxFileBytes <= 0) throw new RangeError(`bad maxFileBytes ${maxFileBytes}`);

  const tombstones = plan.table === 'posts' ? await listDataFiles(dataDir, 'tombstones') : [];
  const staging = join(plan.dir, `${STAGING_PREFIX}${plan.generation}`);
  await rm(staging, { recursive: true, force: true });
  const select = compactionSelect(plan.table, { withTombstones: tombstones.length > 0 });
  const values: Record<string, ReturnType<typeof listValue>> = {
    inputs: listValue(plan.inputs.map((f) => join(plan.dir, f))),
  };
  const types: Record<string, ReturnType<typeof LIST>> = { inputs: LIST(VARCHAR) };
  if (tombstones.length > 0) {
    values.tombstones = listValue(tombstones);
    types.tombstones = LIST(VARCHAR);
  }
  // COPY … TO cannot take its target as a parameter; the path is built here from our own names, never from input.
  await conn.run(
    `COPY (${select}) TO ${sqlLiteral(staging)}
     (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL ${level}, ROW_GROUP_SIZE ${rowGroupSize},
      FILE_SIZE_BYTES ${maxFileBytes})`,
    values,
    types,
  );

  // DuckDB names the parts data_0, data_1, … in the order it wrote them, which is the sort order.
  const parts = (await readdir(staging).catch(() => [] as string[]))
    .map((name) => ({ name, n: Number(/^data_(\d+)\.parquet$/.exec(name)?.[1] ?? NaN) }))
    .filter((p) => Number.isInteger(p.n))
    .sort((a, b) => a.n - b.n);
  const rows = await parquetRowCounts(
    conn,
    parts.map((p) => join(staging, p.name)),
  );
  const out: CompactedFile[] = [];
  for (const [i, part] of parts.entries()) {
    if (rows[i] === 0) continue;
    const from = join(staging, part.name);
    const file = `${COMPACTED_PREFIX}${plan.generation}-${out.length}.parquet`;
    await fsyncFile(from);
    const { size } = await stat(from);
    await rename(from, join(plan.dir, file));
    out.push({ file, rows: rows[i], bytes: size });
  }
  await fsyncDir(plan.dir);
  await rm(staging, { recursive: true, force: true });
  return plan.table === 'posts'
    ? { files: out, appliedTombstones: tombstones.map((t) => relative(dataDir, t)) }
    : { files: out };
}

/** The swap: one atomic rename of manifest.json makes the new files visible and hides the inputs. */
export async function publishPartition(
  plan: PartitionPlan,
  output: CompactionOutput,
  now: number,
  index?: PartitionIndex,
): Promise<PartitionManifest> {
  const outputs = output.files;
  const replaced = new Map<string, ReplacedFile>();
  for (const r of plan.previous?.replaced ?? []) replaced.set(r.file, r);
  const old = plan.previous?.index;
  // The new generation dropped the rows the old hidden-version files listed.
  for (const file of [...plan.inputs, ...(old ? sideFileNames(old) : []), ...(plan.previous?.hidden ?? [])]) {
    if (!replaced.has(file)) replaced.set(file, { file, at: now });
  }
  const manifest: PartitionManifest = {
    version: 1,
    table: plan.table,
    date: plan.date,
    generation: plan.generation,
    files: outputs.map((o) => o.file),
    replaced: [...replaced.values()],
    rows: outputs.reduce((a, o) => a + o.rows, 0),
    bytes: outputs.reduce((a, o) => a + o.bytes, 0),
    publishedAt: now,
    ...(index ? { index } : {}),
    ...(output.appliedTombstones ? { appliedTombstones: output.appliedTombstones } : {}),
  };
  await writeManifest(plan.dir, manifest);
  return manifest;
}

/**
 * A posts partition compacted before its side files (or the token files, the gram index, by-facet or the sample)
 * existed: builds what is missing for its current files and publishes it as the next generation (same files), so
 * existing data gains the indexed read paths on the next compaction run.
 */
async function indexPartition(
  conn: DuckDBConnection,
  files: PartitionFiles,
  now: number,
  options: Pick<CompactionOptions, 'rareTokenMaxDf' | 'sampleShare'>,
): Promise<PartitionIndex | undefined> {
  const previous = files.manifest;
  if (!previous || previous.table !== 'posts' || files.compacted.length !== previous.files.length) return undefined;
  // Fully indexed, or (the rest there) the gram index lacks the vocabulary to build it from.
  const have = previous.index;
  const vocabularyOnDisk = Boolean(files.index?.tokens);
  if (have?.tokens && have.byFacet && have.sample && (have.tokenGrams || !vocabularyOnDisk)) return undefined;
  if (previous.files.length === 0) return undefined;
  const generation = previous.generation + 1;
  const index = await writeSideFiles(conn, files.dir, generation, previous.files, {
    previous: have,
    rareTokenMaxDf: options.rareTokenMaxDf,
    sampleShare: options.sampleShare,
    noGrams: !vocabularyOnDisk,
  });
  await writeManifest(files.dir, { ...previous, generation, index, publishedAt: now });
  return index;
}

/**
 * Deletes files replaced more than graceMs ago (a query that listed them just before the swap may still be
 * reading them), and flush temp files older than that (left by a flusher that crashed mid-write).
 */
export async function sweepPartition(files: PartitionFiles, now: number, graceMs: number): Promise<number> {
  const present = new Set(files.entries);
  let deleted = 0;
  for (const r of files.manifest?.replaced ?? []) {
    if (present.has(r.file) && r.at + graceMs <= now) {
      await unlink(join(files.dir, r.file)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      deleted++;
    }
  }
  for (const name of files.entries) {
    if (!name.endsWith(TMP_EXT) || !isFlushFile(name.slice(0, -TMP_EXT.length))) continue;
    const path = join(files.dir, name);
    const st = await stat(path).catch(() => undefined);
    if (st && st.mtimeMs + graceMs <= now) {
      await rm(path, { force: true });
      deleted++;
    }
  }
  if (deleted > 0) await fsyncDir(files.dir);
  return deleted;
}

/** All steps for one partition (optionally stopping early to simulate a crash). */
export async function compactPartition(
  conn: DuckDBConnection,
  dataDir: string,
  table: TableName,
  date: string,
  options: CompactionOptions = {},
): Promise<PartitionSummary> {
  const now = options.now ?? Date.now();
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const stop = options.stopAfter;
  let files = await listPartitionFiles(dataDir, table, date);
  const summary: PartitionSummary = {
    table,
    date,
    compacted: false,
    generation: files.manifest?.generation ?? 0,
    filesIn: 0,
    rowsIn: 0,
    rowsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    deleted: 0,
    indexBytes: 0,
  };
  const plan = planPartition(files, table);
  if (stop === 'plan') return summary;
  await cleanPartition(files);
  if (stop === 'clean') return summary;
  if (plan) {
    const { rowsIn, bytesIn } = await inputStats(conn, plan);
    const output = await writeCompacted(conn, dataDir, plan, options);
    const outputs = output.files;
    Object.assign(summary, {
      filesIn: plan.inputs.length,
      rowsIn,
      bytesIn,
      rowsOut: outputs.reduce((a, o) => a + o.rows, 0),
      bytesOut: outputs.reduce((a, o) => a + o.bytes, 0),
    });
    const index =
      table === 'posts' && outputs.length > 0
        ? await writeSideFiles(
            conn,
            plan.dir,
            plan.generation,
            outputs.map((o) => o.file),
            { rareTokenMaxDf: options.rareTokenMaxDf, sampleShare: options.sampleShare },
          )
        : undefined;
    summary.indexBytes = index?.bytes ?? 0;
    if (stop === 'write') return summary;
    await publishPartition(plan, output, now, index);
    Object.assign(summary, { compacted: true, generation: plan.generation });
    if (stop === 'publish') return summary;
    files = await listPartitionFiles(dataDir, table, date);
  } else if (stop === 'write' || stop === 'publish') {
    return summary;
  } else if (table === 'posts') {
    const index = await indexPartition(conn, files, now, options);
    if (index) {
      Object.assign(summary, { compacted: true, generation: summary.generation + 1, indexBytes: index.bytes });
      files = await listPartitionFiles(dataDir, table, date);
    }
    if (await applyLateTombstones(conn, dataDir, files)) files = await listPartitionFiles(dataDir, table, date);
  }
  summary.deleted = await sweepPartition(files, now, graceMs);
  return summary;
}
