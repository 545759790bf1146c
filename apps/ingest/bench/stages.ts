// Per-stage CPU cost of the ingest path on a replay file (one JSON message per line), single-threaded.
// Usage: npx tsx --tsconfig tsconfig.base.json apps/ingest/bench/stages.ts <firehose.jsonl>
import { readFileSync } from 'node:fs';
import { decodeEvent, exceedsDepth, toRows, type TableRow } from '@bsky-explorer/schema';
import { encodeParquet } from '@bsky-explorer/storage';

function time(label: string, n: number, fn: () => void): void {
  fn(); // warm up
  const t = performance.now();
  fn();
  const ms = performance.now() - t;
  console.log(`${label.padEnd(28)} ${((ms * 1000) / n).toFixed(2)} µs/item`);
}

const lines = readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
const bufs = lines.map((l) => Buffer.from(l));
const n = bufs.length;
time('decodeEvent(Buffer)', n, () => bufs.forEach((b) => decodeEvent(b)));
time('toString utf8', n, () => bufs.forEach((b) => b.toString('utf8')));
time('exceedsDepth', n, () => lines.forEach((l) => exceedsDepth(l, 64)));
time('JSON.parse', n, () => lines.forEach((l) => JSON.parse(l)));
const events = bufs.map((b) => decodeEvent(b)).flatMap((d) => (d.ok ? [d.event] : []));
time('toRows', n, () => events.forEach((e) => toRows(e)));
const rows: TableRow[] = events.flatMap((e) => {
  const r = toRows(e);
  return r.ok ? r.rows : [];
});
time('JSON.stringify rows', n, () => events.forEach((e) => JSON.stringify((toRows(e) as { rows: unknown }).rows)));
const posts = rows.filter((r) => r.table === 'posts').map((r) => r.row);
const p = posts.slice(0, 30000) as never[];
time('encodeParquet 30k posts', p.length, () => encodeParquet('posts', p));
console.log('    bytes/post', (encodeParquet('posts', p).byteLength / p.length).toFixed(1));
