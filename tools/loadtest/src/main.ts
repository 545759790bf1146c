// `npm run loadtest -- --data-dir DIR [--during rest|flushes|compaction] [--levels 1,8,32,64] [--seconds 20]
// [--url URL] [--out FILE]`: the mixed GraphQL profile at each level of concurrent clients (autocannon), against a
// graph it starts over DATA_DIR (as `npm run graph` would, in production mode, per-client limits off so that one
// load generator is not throttled as one client), with a live ingest or a compaction beside it (scenario.ts), or
// against a running graph (--url).
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startGraph } from './graph-process';
import { loadPostgres } from './pg-peer';
import { runPgLevel } from './pg-level';
import { buildPgMix } from './pg-mix';
import { buildMix } from './mix';
import { markdown, type LoadReport } from './report';
import { runLevel } from './run-level';
import { DURING, startScenario, type During } from './scenario';
import { sampleData } from './sample';

const loadAverage = async () => Number((await readFile('/proc/loadavg', 'utf8')).split(' ')[0]);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      url: { type: 'string' },
      levels: { type: 'string', default: '1,8,32,64' },
      seconds: { type: 'string', default: '20' },
      out: { type: 'string' },
      label: { type: 'string' },
      postgres: { type: 'string' },
      during: { type: 'string', default: 'rest' },
    },
  });
  const during = values.during as During;
  const levels = values.levels.split(',').map(Number);
  const seconds = Number(values.seconds);
  if (
    levels.some((n) => !Number.isInteger(n) || n < 1) ||
    !(seconds > 0) ||
    (!values.url && !values['data-dir']) ||
    (values.postgres && !values['data-dir']) ||
    !DURING.includes(during) ||
    (during !== 'rest' && !values['data-dir'])
  ) {
    console.error(
      'usage: npm run loadtest -- --data-dir DIR | --url http://host:port [--during rest|flushes|compaction (with --data-dir)] [--levels 1,8,32,64] [--seconds 20] [--out FILE.md] [--label TEXT] [--postgres EMPTY_DIR (with --data-dir)]',
    );
    process.exitCode = 2;
    return;
  }
  const dataDir = values['data-dir'] ? resolve(values['data-dir']) : undefined;
  const scenario = dataDir ? await startScenario(during, dataDir, (line) => console.log(line)) : undefined;
  const started = values.url
    ? undefined
    : await startGraph(scenario!.dataDir).catch(async (err: unknown) => {
        await scenario?.stop();
        throw err;
      });
  const base = values.url ?? started!.url;
  const endpoint = `${base.replace(/\/+$/, '')}/graphql`;
  try {
    // A busy machine can time the sampling query out: a few tries before giving up.
    let sample;
    for (let attempt = 1; !sample; attempt++) {
      try {
        sample = await sampleData(endpoint);
      } catch (err) {
        if (attempt >= 5) throw err;
        console.error(`${(err as Error).message}; trying again in 5 s`);
        await new Promise((r) => setTimeout(r, 5000));
      }
    }
    const mix = buildMix(sample);
    console.log(`mix of ${mix.length} requests per cycle; sample ${JSON.stringify(sample)}`);
    const report: LoadReport = {
      date: new Date().toISOString().slice(0, 10),
      label: values.label,
      loadavg: [],
      endpoint,
      dataDir,
      secondsPerLevel: seconds,
      sample,
      machine: `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
      levels: [],
    };
    for (const connections of levels) {
      const level = await runLevel(endpoint, mix, connections, seconds);
      report.levels.push(level);
      report.loadavg!.push(await loadAverage());
      console.log(
        `${connections} clients: ${level.throughput} req/s, p50 ${level.p50Ms} ms, p95 ${level.p95Ms} ms, p99 ${level.p99Ms} ms, errors ${JSON.stringify(level.errors)}`,
      );
    }
    // What ran beside the levels, said before it stops.
    const beside = await scenario?.describe();
    if (beside) report.label = [values.label, beside].filter(Boolean).join('; ');
    if (values.postgres) {
      // Ours is stopped first: PostgreSQL gets the machine the graph had (and the scenario ends with it).
      started?.child.kill('SIGTERM');
      await scenario?.stop();
      // Ours is kept whatever happens to PostgreSQL: its failure becomes a note in the report.
      const pg = await loadPostgres(dataDir!, resolve(values.postgres), (line) => console.log(line)).catch(
        (err: unknown) => {
          report.postgresFailure = err instanceof Error ? err.message : String(err);
          console.error(`PostgreSQL: ${report.postgresFailure}`);
          return undefined;
        },
      );
      if (pg)
        try {
          const pgMix = buildPgMix(sample, mix);
          report.postgres = {
            levels: [],
            loadavg: [],
            rows: pg.rows,
            setup: `COPY ${pg.loadSeconds.toFixed(0)} s, indexes ${pg.indexSeconds.toFixed(0)} s (GIN lower(text) gin_trgm_ops, btree (time_us DESC, uri DESC), btree (did, time_us DESC), btree (uri)); statement_timeout 10 s like QUERY_TIMEOUT_MS.`,
          };
          const connect = { host: '127.0.0.1', port: pg.port, user: 'postgres', database: 'postgres' };
          for (const connections of levels) {
            const level = await runPgLevel(connect, pgMix, connections, seconds);
            report.postgres.levels.push(level);
            report.postgres.loadavg.push(await loadAverage());
            console.log(
              `PostgreSQL ${connections} clients: ${level.throughput} req/s, p50 ${level.p50Ms} ms, p95 ${level.p95Ms} ms, p99 ${level.p99Ms} ms, errors ${JSON.stringify(level.errors)}`,
            );
          }
        } finally {
          await pg.peer.stop();
        }
    }
    const md = markdown(report);
    console.log(`\n${md}`);
    if (values.out) await appendFile(values.out, `\n${md}`);
    await writeFile(join(tmpdir(), 'loadtest-last.json'), JSON.stringify(report, null, 1));
  } finally {
    started?.child.kill('SIGTERM');
    await scenario?.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
