// Step 8 (a worker thread): turns a flush's entry payloads into rows and writes its Parquet files (Arrow build,
// zstd encode, fsync), so this CPU-heavy part runs on the second core while the main thread keeps receiving.
// Bundled as its own file next to main.js (infra/docker/bundle.ts ENTRY_POINTS).
import { parentPort } from 'node:worker_threads';
import { writeFlushBatch, type WrittenFile } from '@bsky-explorer/storage';
import type { FlushBatch } from './flush-commit';
import { rowsOfPayload } from './stream-entry';

export interface FlushJob {
  id: number;
  dataDir: string;
  batch: FlushBatch;
}

export type FlushReply =
  | { id: number; ok: true; files: WrittenFile[] }
  | { id: number; ok: false; error: { name: string; message: string; code?: string; stack?: string } };

/** The rows were decoded and validated on receipt (decode-message.ts): here they are only parsed back. */
export function writeBatch(dataDir: string, batch: FlushBatch): Promise<WrittenFile[]> {
  return writeFlushBatch(dataDir, {
    firstId: batch.firstId,
    lastId: batch.lastId,
    rows: rowsOfPayload(batch.payload),
  });
}

const port = parentPort;
if (port) {
  port.on('message', (job: FlushJob) => {
    writeBatch(job.dataDir, job.batch).then(
      (files) => port.postMessage({ id: job.id, ok: true, files } satisfies FlushReply),
      (err: unknown) => {
        const e = err instanceof Error ? (err as NodeJS.ErrnoException) : new Error(String(err));
        port.postMessage({
          id: job.id,
          ok: false,
          error: { name: e.name, message: e.message, code: (e as NodeJS.ErrnoException).code, stack: e.stack },
        } satisfies FlushReply);
      },
    );
  });
}
