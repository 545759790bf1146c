// Main-thread side of the flush worker: one worker thread, started on first use, one job at a time (the flusher
// never overlaps flushes). A worker that dies fails the job in progress (the flusher retries; nothing was acked)
// and is replaced on the next job.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WrittenFile } from '@bsky-explorer/storage';
import type { FlushBatch } from './flush-commit';
import type { FlushJob, FlushReply } from './flush-worker';

interface Pending {
  resolve: (files: WrittenFile[]) => void;
  reject: (err: unknown) => void;
}

/**
 * The worker's young generation, in MB. V8 otherwise grows it to 128 MB under this allocation rate (measured: the
 * worker's heap at 154-190 MB, 128 of them new space), and every page it touches stays in the RSS. Rows and Arrow
 * buffers of a group outlive a scavenge anyway; 16 MB cost no measurable CPU (apps/ingest README, Performance).
 */
const WORKER_YOUNG_GENERATION_MB = 16;

/**
 * The bundled flush-worker.js beside this file (container image), else the TypeScript source through tsx's
 * CommonJS hook (tsx's ESM loader does not apply to a worker's entry file, so a tiny CommonJS bootstrap loads it).
 */
function spawnWorker(): Worker {
  const js = join(__dirname, 'flush-worker.js');
  const options = { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } };
  if (existsSync(js)) return new Worker(js, options);
  const ts = join(__dirname, 'flush-worker.ts');
  const bootstrap = `require(${JSON.stringify(createRequire(__filename).resolve('tsx/cjs'))}); require(${JSON.stringify(ts)});`;
  return new Worker(bootstrap, { eval: true, ...options });
}

export class FlushWorkerClient {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();

  /** Same shape as WriteFlushBatch. */
  readonly write = (dataDir: string, batch: FlushBatch): Promise<WrittenFile[]> => {
    const worker = this.worker ?? this.spawn();
    const id = this.nextId++;
    worker.ref(); // only a job in progress keeps the process alive
    return new Promise<WrittenFile[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // The payload's memory moves to the worker (not copied); this thread no longer needs it.
      const bytes = batch.payload.bytes;
      const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      worker.postMessage({ id, dataDir, batch } satisfies FlushJob, own ? [bytes.buffer as ArrayBuffer] : []);
    });
  };

  /** Starts the worker now (it loads the writer and parquet-wasm) so the first flush does not wait for that. */
  warm(): void {
    const worker = this.worker ?? this.spawn();
    if (this.pending.size === 0) worker.unref();
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  private spawn(): Worker {
    const worker = spawnWorker();
    this.worker = worker;
    worker.on('message', (reply: FlushReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.ok) p.resolve(reply.files);
      else p.reject(Object.assign(new Error(reply.error.message), reply.error));
    });
    const fail = (err: unknown) => {
      if (this.worker === worker) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`flush worker exited with code ${code}`)));
    return worker;
  }
}
