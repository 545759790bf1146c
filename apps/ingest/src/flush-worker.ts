// Worker thread entry: decodes a flush's buffered messages and writes its Parquet files (Arrow build, zstd
// encode, fsync), so this CPU-heavy part runs on the second core while the main thread keeps receiving.
// Bundled as its own file next to main.js (infra/docker/bundle.ts ENTRY_POINTS).
import { parentPort } from 'node:worker_threads';
import { writeRawFlushBatch, type RawFlushBatch } from './flush-rows';

export interface FlushJob {
  id: number;
  dataDir: string;
  batch: RawFlushBatch;
}

export type FlushReply =
  | { id: number; ok: true; files: Awaited<ReturnType<typeof writeRawFlushBatch>> }
  | { id: number; ok: false; error: { name: string; message: string; code?: string; stack?: string } };

const port = parentPort;
if (port) {
  port.on('message', (job: FlushJob) => {
    writeRawFlushBatch(job.dataDir, job.batch).then(
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
