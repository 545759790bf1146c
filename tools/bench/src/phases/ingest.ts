import type { BenchOptions } from '../args';
import type { BenchPaths } from '../paths';
import type { Log } from '../progress';
import type { IngestResult } from '../result';

export async function runIngest(_o: BenchOptions, _paths: BenchPaths, _log: Log): Promise<IngestResult> {
  throw new Error('not wired yet');
}
