// `npm run ingest`: the ingest service alone, configured by environment variables.
import { ConfigError, parseConfig } from './config';
import { createLogger } from './logger';
import { createIngest } from './service';

async function main(): Promise<number> {
  let config;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`ingest: ${err.message}\n`);
    return 2;
  }
  if (!config.redisUrl) {
    process.stderr.write(
      'ingest: REDIS_URL is not set. Point it at a Redis 7 with AOF on (redis://host:6379), or run `npm start` /\n' +
        '`npm run demo`, which start a private redis-server (install it with: sudo apt-get install redis-server).\n',
    );
    return 2;
  }
  const log = createLogger(config.logLevel);
  const ingest = createIngest(config, { logger: log });
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  await ingest.start();
  const received = await signal;
  log.info({ signal: received }, 'signal received');
  // A second signal while the final flush runs means "now": the data stays in Redis for the next start.
  const force = (s: NodeJS.Signals) => {
    log.warn({ signal: s }, 'second signal: exiting without waiting for the final flush');
    process.exit(1);
  };
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  await ingest.stop();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`ingest: fatal: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
