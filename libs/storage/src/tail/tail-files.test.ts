import { flushFileName, padStreamId } from '../layout/partition';
import { filesWithTail, type TailSnapshot } from './tail-files';
import { parseTailPath } from './tail-path';
import { knownRows } from '../query/file-spans';

const day = (date: string) => Date.parse(`${date}T00:00:00Z`) * 1000;
const flushFile = (table: string, date: string, first: string, last: string) =>
  `/data/${table}/date=${date}/${flushFileName(first, last)}`;

describe('filesWithTail', () => {
  const snap: TailSnapshot = {
    gen: 3,
    lo: padStreamId('100-0'),
    hi: padStreamId('300-0'),
    days: { posts: ['2024-05-24', '2024-05-25'], tombstones: ['2024-05-25'], accounts: ['2024-05-25'] },
  };
  const older = flushFile('posts', '2024-05-25', '50-0', '99-0');
  const covered = flushFile('posts', '2024-05-25', '100-0', '200-0');
  const coveredTombstones = flushFile('tombstones', '2024-05-25', '100-0', '200-0');
  const compacted = '/data/posts/date=2024-05-24/part-00001-g2.parquet';
  const files = () => ({
    posts: [compacted, older, covered],
    unindexed: [older, covered],
    indexed: [],
    tombstones: [coveredTombstones],
    accounts: [],
  });

  it('leaves out the flush files the tail holds, keeps the rest, and adds the tail of each day', () => {
    const out = filesWithTail(files(), snap, {});
    const tail = out.posts.filter((p) => p.startsWith('tail:')).map(parseTailPath);
    expect(out.posts.filter((p) => !p.startsWith('tail:'))).toEqual([compacted, older]);
    expect(out.unindexed?.filter((p) => !p.startsWith('tail:'))).toEqual([older]);
    expect(out.tombstones.filter((p) => !p.startsWith('tail:'))).toEqual([]);
    expect(tail.map((t) => t.date)).toEqual(['2024-05-24', '2024-05-25']);
    // The whole held range: [lo, hi] as [lo, next(hi)).
    expect(tail[0]).toMatchObject({ table: 'posts', gen: 3, lo: snap.lo, hiEx: padStreamId('300-1') });
    expect(out.accounts.map(parseTailPath).map((t) => t.table)).toEqual(['accounts']);
  });

  it('caps the tail below a flush file that runs past its end, and reads that file', () => {
    const straddler = flushFile('posts', '2024-05-25', '250-0', '400-0');
    const later = flushFile('posts', '2024-05-25', '400-1', '500-0');
    const sets = files();
    sets.posts.push(straddler, later);
    sets.unindexed.push(straddler, later);
    const out = filesWithTail(sets, snap, {});
    expect(out.posts.filter((p) => !p.startsWith('tail:'))).toEqual([compacted, older, straddler, later]);
    const [tail] = out.posts.filter((p) => p.startsWith('tail:')).map(parseTailPath);
    expect(tail.hiEx).toBe(padStreamId('250-0'));
  });

  it('gives the tail pseudo files the snapshot’s rows per day, and no rows once capped (the snapshot counts past the cap)', () => {
    const spans = { '2024-05-25': { minUs: day('2024-05-25'), maxUs: day('2024-05-25') + 9, rows: 7 } };
    const whole = filesWithTail(files(), { ...snap, postSpans: spans }, {});
    const [held] = whole.posts.filter((p) => p.startsWith('tail:') && p.includes('2024-05-25'));
    expect(knownRows(held)).toBe(7);
    const sets = files();
    sets.posts.push(flushFile('posts', '2024-05-25', '250-0', '400-0'));
    const capped = filesWithTail(sets, { ...snap, postSpans: spans }, {});
    const [part] = capped.posts.filter((p) => p.startsWith('tail:') && p.includes('2024-05-25'));
    expect(knownRows(part)).toBeUndefined();
  });

  it('adds only the tail days of the query range (posts in range, tombstones from its start, accounts always)', () => {
    const out = filesWithTail(files(), snap, { fromUs: day('2024-05-25'), toUs: day('2024-05-26') });
    expect(out.posts.filter((p) => p.startsWith('tail:')).map((p) => parseTailPath(p).date)).toEqual(['2024-05-25']);
    const none = filesWithTail(files(), snap, { fromUs: day('2024-05-26') });
    expect(none.posts.filter((p) => p.startsWith('tail:'))).toEqual([]);
    expect(none.tombstones).toEqual([]);
    expect(none.accounts).toHaveLength(1);
  });
});
