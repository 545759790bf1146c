// `npm start` (live Jetstream) and `npm run demo` (offline simulator): Redis (private when REDIS_URL is unset),
// ingest and graph together; Ctrl-C stops them in reverse order, ingest flushing what it buffered.
import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from '@bsky-explorer/testing';
import { runTs, stopChild } from './child';
import { RedisMissingError, startLocalRedis } from './local-redis';

async function main(): Promise<number> {
  const demo = process.argv.includes('--demo');
  const env: NodeJS.ProcessEnv = { ...process.env };
  env.DATA_DIR = resolve(env.DATA_DIR ?? (demo ? './data/demo' : './data'));
  const started: ChildProcess[] = [];
  const log = (msg: string) => process.stderr.write(`[run] ${msg}\n`);

  const stopAll = async () => {
    for (const child of [...started].reverse()) await stopChild(child);
  };

  try {
    if (!env.REDIS_URL) {
      const redis = await startLocalRedis(env.DATA_DIR, await freePort());
      started.push(redis.process);
      env.REDIS_URL = redis.url;
      log(`private redis-server at ${redis.url}, data in ${env.DATA_DIR}/redis`);
    }
    if (demo) {
      const simPort = await freePort();
      started.push(
        runTs(
          'tools/jetstream-sim/src/cli.ts',
          // Events stamped from now on, with fresh posts each run, so "today" queries show them.
          [
            '--synthetic',
            '--rate',
            env.DEMO_RATE ?? '500',
            '--seed',
            String(Date.now() % 1e9),
            '--start-time',
            new Date().toISOString(),
            '--port',
            String(simPort),
          ],
          env,
        ),
      );
      env.JETSTREAM_URL = `ws://127.0.0.1:${simPort}/subscribe`;
      env.FLUSH_INTERVAL_MS ??= '5000';
      log(`demo: synthetic firehose on ${env.JETSTREAM_URL}, flush every ${env.FLUSH_INTERVAL_MS} ms`);
    }
    started.push(runTs('apps/ingest/src/main.ts', [], env));
    started.push(runTs('apps/graph/src/main.ts', [], env));
    log(`GraphiQL: http://localhost:${env.GRAPH_PORT ?? 4000}/graphql  (Ctrl-C stops)`);
  } catch (err) {
    log(err instanceof RedisMissingError ? err.message : `start failed: ${(err as Error).stack ?? err}`);
    await stopAll();
    return 1;
  }

  const exitCode = await new Promise<number>((done) => {
    // Handlers stay installed while the services stop: npm and tsx relay a Ctrl-C or a SIGTERM to this process as
    // well, and a second signal meeting no handler would kill it half-way, leaving ingest, the simulator and Redis
    // running on their own (detached, they do not get the terminal's signal).
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      log(stopping ? `${signal}: already stopping` : `${signal}: stopping`);
      stopping = true;
      done(0);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    for (const child of started) {
      child.once('exit', (code, signal) => {
        log(`a service exited unexpectedly (code ${code}, signal ${signal}); stopping the others`);
        done(1);
      });
    }
  });
  for (const child of started) child.removeAllListeners('exit');
  await stopAll();
  log('stopped');
  return exitCode;
}

main().then((code) => {
  process.exitCode = code;
});
