import type { Sample } from './mix';
import type { LevelResult } from './stats';

export interface LoadReport {
  date: string;
  /** What else ran: "at rest", "during flushes", "during compaction". */
  label?: string;
  /** 1-minute load average at the end of each level (GraphQL levels, then PostgreSQL's). */
  loadavg?: number[];
  postgres?: { levels: LevelResult[]; loadavg: number[]; rows: number; setup: string };
  /** Why the PostgreSQL levels are missing, when --postgres was asked for and failed. */
  postgresFailure?: string;
  endpoint: string;
  dataDir?: string;
  posts?: number;
  secondsPerLevel: number;
  sample: Sample;
  machine: string;
  levels: LevelResult[];
}

const codes = (errors: Record<string, number>) =>
  Object.keys(errors).length === 0
    ? '0'
    : Object.entries(errors)
        .sort((a, b) => b[1] - a[1])
        .map(([code, n]) => `${n} ${code}`)
        .join(', ');

/** The Markdown section of a run: one row per level, then p95 per query shape per level. */
export function markdown(r: LoadReport): string {
  const lines = [
    `### Load test ${r.date}${r.label ? `, ${r.label}` : ''}`,
    '',
    `${r.machine}. Endpoint ${r.endpoint}${r.dataDir ? `, DATA_DIR ${r.dataDir}` : ''}${r.posts ? ` (${r.posts.toLocaleString('en')} posts)` : ''}; ` +
      `${r.secondsPerLevel} s per level; mix: ${r.sample.commonWord} (common), ${r.sample.rareWord} (rare), one author, the newest hour, ` +
      'next pages through cursors, counts, lookups by uri and 1 % exports of 1,000 rows. Latency measured at the client.',
    '',
    '| clients | requests | req/s | p50 ms | p95 ms | p99 ms | errors (by code) | load avg |',
    '| ------: | -------: | ----: | -----: | -----: | -----: | ---------------- | -------: |',
    ...r.levels.map(
      (l, i) =>
        `| ${l.connections} | ${l.requests} | ${l.throughput} | ${l.p50Ms} | ${l.p95Ms} | ${l.p99Ms} | ${codes(l.errors)} | ${r.loadavg?.[i] ?? '–'} |`,
    ),
    '',
  ];
  if (r.postgresFailure) lines.push(`PostgreSQL + pg_trgm: not measured (${r.postgresFailure}).`, '');
  if (r.postgres) {
    const pg = r.postgres;
    lines.push(
      `PostgreSQL 15 + pg_trgm, the same profile as SQL (tools/loadtest/src/pg-mix.ts), the same levels and seconds, one pg connection per client, ${pg.rows.toLocaleString('en')} posts; ${pg.setup}`,
      '',
      '| clients | PostgreSQL req/s | p50 ms | p95 ms | p99 ms | errors | load avg | ours req/s |',
      '| ------: | ---------------: | -----: | -----: | -----: | ------ | -------: | ---------: |',
      ...pg.levels.map(
        (l, i) =>
          `| ${l.connections} | ${l.throughput} | ${l.p50Ms} | ${l.p95Ms} | ${l.p99Ms} | ${codes(l.errors)} | ${pg.loadavg[i] ?? '–'} | ${r.levels.find((o) => o.connections === l.connections)?.throughput ?? '–'} |`,
      ),
      '',
    );
  }
  const shapes = [...new Set(r.levels.flatMap((l) => Object.keys(l.shapes)))];
  const pgLevels = r.postgres?.levels ?? [];
  lines.push(
    `| p95 ms by shape | ${[...r.levels.map((l) => `${l.connections} clients`), ...pgLevels.map((l) => `PostgreSQL ${l.connections}`)].join(' | ')} |`,
    `| --- | ${[...r.levels, ...pgLevels].map(() => '---:').join(' | ')} |`,
    ...shapes.map((s) => `| ${s} | ${[...r.levels, ...pgLevels].map((l) => l.shapes[s]?.p95Ms ?? '–').join(' | ')} |`),
    '',
  );
  return lines.join('\n');
}
