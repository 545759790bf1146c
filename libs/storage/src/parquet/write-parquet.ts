import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { tableToIPC } from 'apache-arrow';
import {
  Compression,
  Table as WasmTable,
  WriterPropertiesBuilder,
  writeParquet as wasmWriteParquet,
} from 'parquet-wasm';
import type { TableName, TableRows } from '@bsky-explorer/schema';
import { fsyncDir, publishTmp } from '../layout/durable-fs';
import { TMP_EXT } from '../layout/partition';
import { buildArrowTable } from './arrow-columns';

/**
 * Rows per row group in flush files. A flush (~30k posts at peak) fits in one group; larger batches are split so
 * that DuckDB can prune and parallelise over them like over compacted files (DuckDB's own row-group size).
 */
export const FLUSH_ROW_GROUP_SIZE = 122_880;

export interface WriteResult {
  rows: number;
  bytes: number;
}

/**
 * Columns whose values repeat enough for dictionary encoding to pay (parquet leaf paths; list items are
 * `<name>.list.item`). On the unique ones (uri, cid, rkey, rev, text, times, links) a dictionary only costs: off,
 * a 30k-post flush encodes ~30 % faster and comes out ~5 % smaller (measured, apps/ingest/README.md).
 */
const DICTIONARY_COLUMNS = [
  'did',
  'embed_kind',
  'operation',
  'kind',
  'status',
  'langs.list.item',
  'labels.list.item',
  'tags.list.item',
];

function writerProperties() {
  let b = new WriterPropertiesBuilder()
    .setCompression(Compression.ZSTD)
    .setMaxRowGroupSize(FLUSH_ROW_GROUP_SIZE)
    .setCreatedBy('bsky-explorer storage')
    .setDictionaryEnabled(false);
  for (const c of DICTIONARY_COLUMNS) b = b.setColumnDictionaryEnabled(c, true);
  return b.build();
}

/** Encodes rows as zstd Parquet bytes (in memory). */
export function encodeParquet<T extends TableName>(table: T, rows: readonly TableRows[T][]): Uint8Array {
  const ipc = tableToIPC(buildArrowTable(table, rows), 'stream');
  const wasmTable = WasmTable.fromIPCStream(ipc);
  // writeParquet consumes the wasm table; the properties object is consumed too.
  return wasmWriteParquet(wasmTable, writerProperties());
}

/** mkdir -p, fsyncing the parent of every folder it had to create so the new entries survive a crash. */
export async function ensureDirDurable(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return;
  const created: string[] = [];
  for (let d = dir; d.length >= first.length; d = dirname(d)) created.push(d);
  for (const d of created.reverse()) await fsyncDir(dirname(d));
}

/**
 * Writes `rows` to `finalPath` durably: `<finalPath>.tmp`, fsync, rename, fsync of the folder. A reader never sees
 * a half-written file; redoing a write with the same name replaces the file instead of adding a second one.
 */
export async function writeParquet<T extends TableName>(
  table: T,
  rows: readonly TableRows[T][],
  finalPath: string,
): Promise<WriteResult> {
  const bytes = encodeParquet(table, rows);
  await ensureDirDurable(dirname(finalPath));
  const tmp = finalPath + TMP_EXT;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await publishTmp(tmp, finalPath);
  return { rows: rows.length, bytes: bytes.byteLength };
}
