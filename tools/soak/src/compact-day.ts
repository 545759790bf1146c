// `tsx tools/soak/src/compact-day.ts DATA_DIR YYYY-MM-DD`: the soak's compaction fault. `npm run compact` only
// compacts closed days; the soak's data is all of today, so this compacts today's partitions while ingest keeps
// flushing into them (the same swap a reader must survive at midnight + a late flush).
import { compactDay } from '@bsky-explorer/storage';

const [dataDir, date] = process.argv.slice(2);
// COMPACTION_MEMORY_LIMIT's production default (the 1 GB of the first 1-hour run spilled past the 2 GB left on its
// tmpfs at 2.6M posts and failed).
compactDay(dataDir, date, { memoryLimit: process.env.COMPACTION_MEMORY_LIMIT ?? '4GB' }).then(
  (s) => {
    process.stdout.write(
      `${JSON.stringify({ compaction: { date: s.date, rowsIn: s.rowsIn, rowsOut: s.rowsOut, bytesIn: s.bytesIn, bytesOut: s.bytesOut, deleted: s.deleted, ms: Math.round(s.durationMs) } })}\n`,
    );
  },
  (err: unknown) => {
    process.stderr.write(`compaction failed: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
