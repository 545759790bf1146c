// Shared helpers of the ingest integration tests: a real redis-server, temp DATA_DIRs, configs with test-sized
// timings, Jetstream messages, and reading the Parquet files back with DuckDB.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, LIST, VARCHAR, listValue } from '@duckdb/node-api';
import type { TableName } from '@bsky-explorer/schema';
import { postsWithDerivedColumns } from '@bsky-explorer/storage';
import {
  DEFAULT_START_TIME_US,
  generateEvents,
  startJetstreamSim,
  type JetstreamSim,
} from '@bsky-explorer/jetstream-sim';
import { freePort, makeTempDir, startRedis, waitFor, type RedisServer } from '@bsky-explorer/testing';
import { parseConfig, type IngestConfig } from '../src/config';

export { freePort, makeTempDir, startRedis, waitFor, type RedisServer };

/** Config for tests: no env, short timings, ephemeral port, silent logs; `overrides` win. */
export function testConfig(
  overrides: Partial<IngestConfig> & Pick<IngestConfig, 'redisUrl' | 'dataDir'>,
): IngestConfig {
  return {
    ...parseConfig({}),
    jetstreamUrls: ['ws://127.0.0.1:1/subscribe'],
    ingestPort: 0,
    logLevel: (process.env.TEST_LOG_LEVEL as IngestConfig['logLevel']) ?? 'silent',
    flushIntervalMs: 3_600_000,
    flushSafetyLagMs: 0,
    silenceTimeoutMs: 2_000,
    backoffMinMs: 20,
    backoffMaxMs: 200,
    rewindSeconds: 2,
    dedupWindowSeconds: 600,
    compactionIntervalMs: 0,
    ...overrides,
  };
}

export async function parquetFiles(dataDir: string, table: TableName): Promise<string[]> {
  const out: string[] = [];
  let parts: string[];
  try {
    parts = await readdir(join(dataDir, table));
  } catch {
    return out;
  }
  for (const p of parts.sort()) {
    for (const f of (await readdir(join(dataDir, table, p))).sort())
      if (f.endsWith('.parquet')) out.push(join(dataDir, table, p, f));
  }
  return out;
}

let db: Promise<DuckDBInstance> | undefined;

/** Every row of a table's Parquet files (BIGINT/TIMESTAMP as numbers), via DuckDB. */
export async function readTable(dataDir: string, table: TableName, columns = '*'): Promise<Record<string, unknown>[]> {
  const files = await parquetFiles(dataDir, table);
  if (files.length === 0) return [];
  db ??= DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await (await db).connect();
  try {
    const reader = await conn.runAndReadAll(
      `SELECT ${columns} FROM ${table === 'posts' ? postsWithDerivedColumns('read_parquet($files)') : 'read_parquet($files)'}`,
      { files: listValue(files) },
      { files: LIST(VARCHAR) },
    );
    return reader.getRowObjectsJS().map((r) => {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(r))
        o[k] = typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.getTime() : v;
      return o;
    });
  } finally {
    conn.closeSync();
  }
}

/** Counts per uri+cid (posts) or uri+time_us (others): every value must be 1 for "no duplicate". */
export function duplicates(rows: Record<string, unknown>[], key: (r: Record<string, unknown>) => string): string[] {
  const seen = new Map<string, number>();
  for (const r of rows) seen.set(key(r), (seen.get(key(r)) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([k]) => k);
}

const DID = 'did:plc:abcdefghijklmnopqrstuvwx';
const CID = 'bafyreicl7rzkxdrm4zz2ehbx52kuk3mvfow6p3gzfys72r5grvskxoswy4';
const BASE_US = Date.parse('2026-05-25T14:00:00Z') * 1000;

/** A post create as Jetstream sends it; `i` makes rkey, rev and time unique. */
export function postMessage(i: number, text = `post number ${i}`, op: 'create' | 'update' = 'create'): string {
  return JSON.stringify({
    did: DID,
    time_us: BASE_US + i * 1000,
    kind: 'commit',
    commit: {
      rev: tid(i * 2 + (op === 'update' ? 1 : 0)),
      operation: op,
      collection: 'app.bsky.feed.post',
      rkey: tid(i),
      record: {
        $type: 'app.bsky.feed.post',
        createdAt: new Date(BASE_US / 1000 + i).toISOString(),
        langs: ['en'],
        text,
      },
      cid: CID,
    },
  });
}

export function deleteMessage(i: number, j: number): string {
  return JSON.stringify({
    did: DID,
    time_us: BASE_US + j * 1000,
    kind: 'commit',
    commit: { rev: tid(j * 2 + 1), operation: 'delete', collection: 'app.bsky.feed.post', rkey: tid(i) },
  });
}

/** An identity event of DID at time index j (seq 2000 + j), with a handle unless `handle` is undefined. */
export function identityMessage(j: number, handle?: string): string {
  return JSON.stringify({
    did: DID,
    time_us: BASE_US + j * 1000,
    kind: 'identity',
    identity: {
      did: DID,
      ...(handle !== undefined ? { handle } : {}),
      seq: 2000 + j,
      time: new Date(BASE_US / 1000 + j).toISOString(),
    },
  });
}

export function accountMessage(j: number, active: boolean, status?: string): string {
  return JSON.stringify({
    did: DID,
    time_us: BASE_US + j * 1000,
    kind: 'account',
    account: {
      active,
      did: DID,
      seq: 1000 + j,
      time: new Date(BASE_US / 1000 + j).toISOString(),
      ...(status ? { status } : {}),
    },
  });
}

export const postUriOf = (i: number) => `at://${DID}/app.bsky.feed.post/${tid(i)}`;

// A syntactically valid TID (13 base32-sortable chars) from a number.
function tid(n: number): string {
  const alphabet = '234567abcdefghijklmnopqrstuvwxyz';
  let s = '';
  let v = n + 2 ** 50;
  for (let k = 0; k < 13; k++) {
    s = alphabet[v % 32] + s;
    v = Math.floor(v / 32);
  }
  return '3' + s.slice(1);
}

export { DEFAULT_START_TIME_US, startJetstreamSim, type JetstreamSim };

export interface Expected {
  /** `${uri}|${cid}` → text, for every post create and update. */
  posts: Map<string, string>;
  deletes: Set<string>;
  accounts: number;
  /** `${did}|${handle}|${time_us}` of every identity event (handle '' when it has none). */
  identities: string[];
  /** time_us of the last event the ingest will receive (posts filter: commits of posts, identity, account). */
  lastTimeUs: number;
  /** Exactly what Jetstream sends with wantedCollections=app.bsky.feed.post (for an 'events' simulator). */
  messages: string[];
}

/**
 * What the synthetic firehose with these options must produce in Parquet. `lost(n)` names the messages (by
 * their index in `messages`) that are sent but must not be stored (e.g. the simulator's oversized ones).
 */
export function expectedRows(options: { seed: number; count: number }, lost?: (n: number) => boolean): Expected {
  const out: Expected = {
    posts: new Map(),
    deletes: new Set(),
    accounts: 0,
    identities: [],
    lastTimeUs: 0,
    messages: [],
  };
  let n = 0;
  for (const e of generateEvents(options)) {
    if (e.type === 'commit') continue;
    out.lastTimeUs = e.timeUs;
    out.messages.push(e.json);
    if (lost?.(n++)) continue;
    if (e.type === 'post' || e.type === 'post-update') {
      const ev = e.event;
      const c = ev.commit as NonNullable<typeof ev.commit>;
      out.posts.set(
        `at://${ev.did}/app.bsky.feed.post/${c.rkey}|${c.cid}`,
        String((c.record as { text: string }).text),
      );
    } else if (e.type === 'post-delete') {
      const c = e.event.commit as NonNullable<typeof e.event.commit>;
      out.deletes.add(`at://${e.did}/app.bsky.feed.post/${c.rkey}`);
    } else if (e.type === 'account') {
      out.accounts++;
    } else if (e.type === 'identity') {
      // The simulator's handles are already in normal form (lower-case, valid).
      out.identities.push(`${e.did}|${e.event.identity?.handle ?? ''}|${e.timeUs}`);
    }
  }
  return out;
}

/** Asserts the Parquet files hold exactly the expected rows: no gap, no duplicate, text byte-exact. */
export async function expectExactly(dataDir: string, expected: Expected): Promise<void> {
  const posts = await readTable(dataDir, 'posts', 'uri, cid, text');
  const dup = duplicates(posts, (r) => `${r.uri}|${r.cid}`);
  expect(dup).toEqual([]);
  const missing: string[] = [];
  const wrongText: string[] = [];
  for (const [key, text] of expected.posts) {
    const row = rowsByKey(posts).get(key);
    if (row === undefined) missing.push(key);
    else if (row !== text) wrongText.push(key);
  }
  expect(missing.slice(0, 5)).toEqual([]);
  expect(wrongText.slice(0, 5)).toEqual([]);
  expect(posts).toHaveLength(expected.posts.size);
  const tombstones = await readTable(dataDir, 'tombstones', 'uri, kind, rev');
  expect(new Set(tombstones.filter((r) => r.kind === 'delete').map((r) => String(r.uri)))).toEqual(expected.deletes);
  expect(duplicates(tombstones, (r) => `${r.uri}|${r.kind}|${r.rev}`)).toEqual([]);
  expect(await readTable(dataDir, 'accounts', 'did')).toHaveLength(expected.accounts);
  // Identity rows exactly once each (a replay or a redone flush must not add one), handles as sent.
  const identities = await readTable(
    dataDir,
    'identities',
    "did || '|' || coalesce(handle, '') || '|' || time_us AS k",
  );
  expect(identities.map((r) => String(r.k)).sort()).toEqual([...expected.identities].sort());
}

const byKeyCache = new WeakMap<object, Map<string, unknown>>();
function rowsByKey(rows: Record<string, unknown>[]): Map<string, unknown> {
  let m = byKeyCache.get(rows);
  if (!m) {
    m = new Map(rows.map((r) => [`${r.uri}|${r.cid}`, r.text]));
    byKeyCache.set(rows, m);
  }
  return m;
}
