// `npm run compact`: compact the closed days' files in DATA_DIR now, print the summary, exit.
import { compactClosedDays } from '@bsky-explorer/storage';
import { ConfigError, parseConfig } from './config';

async function main(): Promise<number> {
  let config;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`compact: ${err.message}\n`);
    return 2;
  }
  const summary = await compactClosedDays(config.dataDir, {
    graceMs: config.compactionGraceMs,
    memoryLimit: config.compactionMemoryLimit,
  });
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
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
