// SOAK.md and its picture (SOAK.svg beside it) from a finished run's files.
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Account } from './account';
import { svgChart, type Marker } from './chart';
import type { ExpectedSummary, FaultSwitches } from './expected';
import type { FaultRecord, LoadWindow, Sample } from './metrics';

export interface SoakRun {
  started: string;
  ended?: string;
  dir: string;
  hours: number;
  multiple: number;
  rate: number;
  count: number;
  seed: number;
  startTimeUs: number;
  switches: FaultSwitches;
  diskMb: number;
  clients: number;
  loadRate: number;
  quiet?: string;
  machine: string;
  commit: string;
  loadavg: { t: number; load1: number }[];
  faults: FaultRecord[];
  ingestExit?: number | null;
  ingestStarts?: number;
  deadLetters?: number;
  deadLetterReasons?: Record<string, number>;
  simStats?: { eventsSent: number; connectionsAccepted: number; connectionsDropped: number };
  expected?: ExpectedSummary;
  account?: Account;
  clean?: boolean;
}

async function jsonl<T>(file: string): Promise<T[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

const n = (v: number | undefined) => (v === undefined ? '–' : v.toLocaleString('en'));
const MB = 2 ** 20;

export function percentileOf(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length))) - 1] : NaN;
}

/** The account as a table: one row per table, then dead letters. */
export function accountTable(run: SoakRun): string[] {
  const a = run.account;
  const e = run.expected;
  if (!a || !e) return ['The run did not reach its account (see the log).'];
  const lines = [
    '| table | expected (sent) | stored rows | found | lost | duplicated | not sent but stored | removed by compaction (deleted / superseded) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...(['posts', 'tombstones', 'accounts', 'identities'] as const).map(
      (t) =>
        `| ${t} | ${n(a[t].expected)} | ${n(a[t].stored)} | ${n(a[t].found)} | **${n(a[t].lost)}** | **${n(a[t].duplicated)}** | ${n(a[t].unexpected)} | ${t === 'posts' ? n(a[t].removedByCompaction) : '–'} |`,
    ),
    '',
    `Dead letters: ${n(e.malformed + e.oversized)} broken messages sent (${n(e.malformed)} malformed, ${n(e.oversized)} oversized 17 MiB), ` +
      `**${n(run.deadLetters)}** entries in \`ingest:dead-letter\` (${Object.entries(run.deadLetterReasons ?? {})
        .map(([r, c]) => `${r} ${n(c)}`)
        .join(', ')}).`,
  ];
  for (const t of ['posts', 'tombstones', 'accounts', 'identities'] as const) {
    if (a[t].examples.lost.length) lines.push('', `Lost ${t} (first keys): ${a[t].examples.lost.join(', ')}`);
    if (a[t].examples.unexpected.length)
      lines.push('', `Unexpected ${t} (first keys): ${a[t].examples.unexpected.join(', ')}`);
  }
  return lines;
}

export async function renderReport(run: SoakRun, dir: string, outMd: string): Promise<void> {
  const samples = await jsonl<Sample>(join(dir, 'samples.jsonl'));
  const windows = await jsonl<LoadWindow>(join(dir, 'load.jsonl'));
  const min = (t: number) => t / 60_000;
  const xMax = Math.max(1, Math.ceil(min(run.hours * 3_600_000)) + 5);
  const markers: Marker[] = run.faults.map((f) => ({ x: min(f.t), label: f.kind }));
  const svg = svgChart(
    [
      {
        title: 'RSS',
        unit: 'MB',
        series: (
          [
            ['ingest', '#1f77b4'],
            ['graph', '#2ca02c'],
            ['redis', '#d62728'],
          ] as const
        ).map(([k, color]) => ({
          name: k,
          color,
          points: samples.filter((s) => s.rss[k] > 0).map((s) => ({ x: min(s.t), y: s.rss[k] / MB })),
        })),
      },
      {
        title: 'Ingest lag (now − time_us of the last event received)',
        unit: 's',
        series: [
          {
            name: 'lag',
            color: '#9467bd',
            points: samples.filter((s) => s.lagSeconds !== undefined).map((s) => ({ x: min(s.t), y: s.lagSeconds! })),
          },
        ],
      },
      {
        title: `Search latency per 60 s window, ${run.clients} clients ≤ ${run.loadRate} req/s, mixed profile`,
        unit: 'ms',
        series: [
          { name: 'p95', color: '#ff7f0e', points: windows.map((w) => ({ x: min(w.t), y: w.p95Ms })) },
          { name: 'p50', color: '#17becf', points: windows.map((w) => ({ x: min(w.t), y: w.p50Ms })) },
        ],
      },
      {
        title: 'DATA_DIR (tmpfs) used',
        unit: 'MB',
        series: [
          { name: 'used', color: '#7f7f7f', points: samples.map((s) => ({ x: min(s.t), y: s.diskUsedBytes / MB })) },
        ],
      },
    ],
    markers,
    xMax,
    `Soak ${run.started.slice(0, 16)} UTC: ${run.hours} h at ${run.multiple}× the live rate, faults marked`,
  );
  const svgName = basename(outMd).replace(/\.md$/i, '.svg');
  await writeFile(join(dirname(outMd), svgName), svg);
  await writeFile(join(dir, svgName), svg);

  const peak = (k: 'ingest' | 'graph' | 'redis') => Math.max(0, ...samples.map((s) => s.rss[k])) / MB;
  const lags = samples.flatMap((s) => (s.lagSeconds === undefined ? [] : [s.lagSeconds]));
  const errors: Record<string, number> = {};
  for (const w of windows) for (const [c, k] of Object.entries(w.errors)) errors[c] = (errors[c] ?? 0) + k;
  const requests = windows.reduce((s, w) => s + w.requests, 0);
  const loads = run.loadavg.map((l) => l.load1);
  // What the operator saw beside the run (other jobs on the machine, …): DIR/NOTES.md, kept across re-renders.
  const notes = (await readFile(join(dir, 'NOTES.md'), 'utf8').catch(() => '')).trim();
  const md = [
    '# Soak',
    '',
    `\`npm run soak -- --hours ${run.hours} --multiple ${run.multiple}\` (issue 13, item 4), started ${run.started.replace('T', ' ').slice(0, 16)} UTC, ended ${run.ended?.replace('T', ' ').slice(0, 16) ?? '–'} UTC, code ${run.commit}, ${run.machine}, machine shared with other jobs: load average (1 min) ${loads.length ? `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}, median ${percentileOf(loads, 50).toFixed(1)}` : '–'}. Run folder \`${run.dir}\` (logs, samples, expected rows; data outside the repository).`,
    '',
    '## What ran',
    '',
    `- The simulator (tools/jetstream-sim, in the soak's process): synthetic seed ${run.seed}, ${n(run.rate)} events/s ≈ ${n(Math.round(run.rate * 0.29))} posts/s (${run.multiple}× the live ~300 posts/s), event time = wall time, ${n(run.count)} events in all; a 17 MiB message every ${n(run.switches.oversizedEvery)} events (~5 min) sent although the subscriber asks for 1 MiB at most, and a broken one every ${n(run.switches.malformedEvery)} (~3 s; cut short, or a post text over 3,000 bytes, or a string time_us).`,
    `- redis-server (infra/compose/redis.conf: AOF everysec, noeviction), \`apps/ingest\` (\`npm run ingest\`'s entry, production defaults: 5-minute / 50,000-row flushes), \`apps/graph\` (production mode) — as processes.`,
    `- DATA_DIR on a ${n(run.diskMb)} MB tmpfs (Parquet, ingest state and the Redis AOF share it, as on the production volume): "disk nearly full" is a ballast file that leaves 4 MB free for 90 s, then is removed.`,
    `- The load test's mixed profile (tools/loadtest) beside it: ${run.clients} clients, at most ${run.loadRate} requests/s, in 60 s windows${run.quiet ? `, paused ${run.quiet} UTC` : ''}; ${n(requests)} requests in all, errors ${
      Object.keys(errors).length
        ? Object.entries(errors)
            .map(([c, k]) => `${k} ${c}`)
            .join(', ')
        : '0'
    }.`,
    `- Faults on a schedule, one every ${Math.round(Math.min(5, (run.hours * 60) / 7))} min in turn, none in the last interval; at the end the simulator stops at its last event, the ingest stops with SIGTERM (final flush) once its cursor holds that event, and the account is computed (tools/soak/src/account.ts): the simulator's positions regenerated from the seed, normalised by libs/schema, compared in DuckDB with the file set a reader sees (compacted files plus the flush files they did not replace).`,
    '',
    `## Account: ${run.clean === undefined ? 'not computed' : run.clean ? 'clean (0 lost, 0 duplicated)' : '**NOT clean**'}`,
    '',
    `Events the simulator sent (each position once; the ingest subscribes to posts, identity and account): ${n(run.expected?.sent)}; messages sent with every replay after reconnects: ${n(run.simStats?.eventsSent)} over ${n(run.simStats?.connectionsAccepted)} connections. Ingest processes started: ${n(run.ingestStarts)}, last exit code ${run.ingestExit ?? '–'}.`,
    '',
    ...accountTable(run),
    '',
    '## Over time',
    '',
    `![RSS, ingest lag, search p50/p95 and disk use over the soak, faults marked](${svgName})`,
    '',
    `Peak RSS: ingest ${peak('ingest').toFixed(0)} MB (whole process tree), graph ${peak('graph').toFixed(0)} MB, redis ${peak('redis').toFixed(0)} MB. Ingest lag: median ${percentileOf(lags, 50).toFixed(1)} s, p95 ${percentileOf(lags, 95).toFixed(1)} s, max ${Math.max(0, ...lags).toFixed(1)} s (sampled every 10 s). Search p95 per window: median ${percentileOf(
      windows.map((w) => w.p95Ms),
      50,
    )} ms, worst ${Math.max(0, ...windows.map((w) => w.p95Ms))} ms.`,
    '',
    ...(notes ? ['## Notes', '', notes, ''] : []),
    '## Faults',
    '',
    '| recorded at (min, when the fault was over) | fault | what happened |',
    '| ---: | --- | --- |',
    ...run.faults.map((f) => `| ${min(f.t).toFixed(1)} | ${f.kind} | ${f.detail.replace(/\|/g, '\\|')} |`),
    '',
  ].join('\n');
  await writeFile(outMd, md);
}
