// `npm run compact [-- --no-wait]`: compact the closed days' files in DATA_DIR now, print the summary, then wait
// COMPACTION_GRACE_MS and run again to remove the files it replaced. They are kept that long for queries already
// reading them (a graph may be running); --no-wait leaves them to the next run (ingest's hourly one).
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { compactClosedDays } from '@bsky-explorer/storage';
import { ConfigError, parseConfig } from './config';

async function main(): Promise<number> {
  let config;
  let wait: boolean;
  try {
    wait = !parseArgs({ options: { 'no-wait': { type: 'boolean' } } }).values['no-wait'];
    config = parseConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError) && !(err instanceof TypeError)) throw err;
    process.stderr.write(`compact: ${err.message}\n`);
    return 2;
  }
  const options = { graceMs: config.compactionGraceMs, memoryLimit: config.compactionMemoryLimit };
  const summary = await compactClosedDays(config.dataDir, options);
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  if (summary.days.length > 0 && wait) {
    const seconds = Math.ceil(config.compactionGraceMs / 1000);
    process.stderr.write(
      `compact: the replaced files stay ${seconds} s (COMPACTION_GRACE_MS) for queries already reading them; ` +
        `waiting to remove them (--no-wait leaves them to the next run)\n`,
    );
    await sleep(config.compactionGraceMs);
    const sweep = await compactClosedDays(config.dataDir, options);
    process.stderr.write(`compact: removed ${sweep.deleted} replaced file(s)\n`);
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`compact: failed: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
