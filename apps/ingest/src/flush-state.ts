// The flusher's durable bookkeeping, kept in DATA_DIR next to the Parquet files it describes (written with
// tmp + fsync + rename). Redis is not enough on its own: with appendfsync everysec the last second of Redis
// writes can vanish in a crash, and a flush intent that vanished after its files were written would let the
// same entries be flushed again under another name. A file in DATA_DIR is exactly as durable as the Parquet.
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface FlushIntent {
  first: string;
  last: string;
  count: number;
  /** Last entry id of each file group but the last (written in this order): a redo names the files the same. */
  cuts?: string[];
}

export interface FlushState {
  /** Every stream entry with an id <= this is in a durable Parquet file. */
  flushedThrough: string | null;
  /** The flush in progress: its files may exist, complete or not; redo exactly this range. */
  intent: FlushIntent | null;
}

export const FLUSH_STATE_DIR = 'ingest-state';

export class FlushStateFile {
  readonly path: string;

  constructor(dataDir: string, name = 'flush-state.json') {
    this.path = join(dataDir, FLUSH_STATE_DIR, name);
  }

  async read(): Promise<FlushState> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { flushedThrough: null, intent: null };
      throw err;
    }
    const parsed = JSON.parse(text) as Partial<FlushState>;
    return { flushedThrough: parsed.flushedThrough ?? null, intent: parsed.intent ?? null };
  }

  async write(state: FlushState): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify(state));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.path);
    const dir = await open(dirname(this.path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
