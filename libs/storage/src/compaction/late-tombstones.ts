import { rename, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { LIST, VARCHAR, listValue, type DuckDBConnection } from '@duckdb/node-api';
import { fsyncDir, fsyncFile } from '../layout/durable-fs';
import { listDataFiles, type PartitionFiles } from '../layout/list-data-files';
import { writeManifest } from '../layout/manifest';
import { postsWithDerivedColumns } from '../posts-columns';
import { SIDE_COMPRESSION_LEVEL, sqlLiteral } from './compaction-sql';

// Tombstones that arrive after a posts day was compacted (a post deleted or edited days later) would otherwise be
// read by every query over that day, forever: over a month of closed days a query built a hash of ~6M tombstones
// (~200 ms) to hide the few rows they reach there. Each compaction run applies them to the day instead, as Lucene
// keeps a segment's deletions beside it rather than rewriting the segment: the versions of the day's rows that the
// new tombstone files hide go into a small hidden-version file of the partition, and those tombstone files are
// recorded as applied (PartitionManifest.hidden, .appliedTombstones). Readers then hide those versions
// (query/applied-tombstones.ts) and skip the tombstone files. A new generation of the day drops the rows instead.

export const HIDDEN_PREFIX = 'hidden-';

/**
 * Applies to a compacted posts day every tombstone file its manifest does not list as applied (all of them for a
 * day compacted before the list existed): one semi-join of those tombstones against the day's rows, the hidden
 * versions (uri, time_us) written to hidden-<generation>-<n>.parquet when there are any, then one atomic
 * manifest write. Names of applied files no longer listed (a flush file replaced by its day's compaction) are
 * dropped from the record. Returns whether it published.
 */
export async function applyLateTombstones(
  conn: DuckDBConnection,
  dataDir: string,
  files: PartitionFiles,
): Promise<boolean> {
  const manifest = files.manifest;
  if (!manifest || manifest.table !== 'posts' || manifest.files.length === 0) return false;
  const tombstones = (await listDataFiles(dataDir, 'tombstones')).map((t) => relative(dataDir, t));
  const applied = new Set(manifest.appliedTombstones ?? []);
  const late = tombstones.filter((t) => !applied.has(t));
  if (late.length === 0 && manifest.appliedTombstones) return false;

  const hidden = [...(manifest.hidden ?? [])];
  if (late.length > 0) {
    const name = `${HIDDEN_PREFIX}${manifest.generation}-${hidden.length}.parquet`;
    // Named like compaction's staging files: cleanPartition removes what a crash left.
    const staging = join(files.dir, `.compacting-${name}`);
    const known = hidden.map((h) => join(files.dir, h));
    // Versions already hidden by an earlier run are left out, so a post deleted twice is listed once.
    const values = {
      posts: listValue(manifest.files.map((f) => join(files.dir, f))),
      late: listValue(late.map((t) => join(dataDir, t))),
      ...(known.length ? { known: listValue(known) } : {}),
    };
    const types = { posts: LIST(VARCHAR), late: LIST(VARCHAR), ...(known.length ? { known: LIST(VARCHAR) } : {}) };
    // COPY … TO cannot take its target as a parameter; the path is built from our own names, never from input.
    // COPY answers with the number of rows it wrote.
    const copied = await conn.runAndReadAll(
      `COPY (
         SELECT p.uri, p.time_us FROM ${postsWithDerivedColumns('read_parquet($posts)')} p
         WHERE EXISTS (SELECT 1 FROM read_parquet($late) t
                       WHERE t.uri = p.uri AND (t.kind = 'delete' OR t.time_us > p.time_us))
         ${known.length ? 'AND NOT EXISTS (SELECT 1 FROM read_parquet($known) h WHERE h.uri = p.uri)' : ''}
         ORDER BY p.uri)
       TO ${sqlLiteral(staging)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL ${SIDE_COMPRESSION_LEVEL})`,
      values,
      types,
    );
    if (Number(copied.getRowsJS()[0][0]) > 0) {
      await fsyncFile(staging);
      await rename(staging, join(files.dir, name));
      await fsyncDir(files.dir);
      hidden.push(name);
    } else {
      await rm(staging, { force: true });
    }
  }
  const listed = new Set(tombstones);
  await writeManifest(files.dir, {
    ...manifest,
    appliedTombstones: [...[...applied].filter((t) => listed.has(t)), ...late],
    ...(hidden.length ? { hidden } : {}),
  });
  return true;
}
