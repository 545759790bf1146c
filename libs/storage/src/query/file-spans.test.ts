import { makeTempDir } from '@bsky-explorer/testing';
import { DuckDbPool } from '../duckdb/pool';
import { filesHolding, filesInRange, maxIndexedAt, registerSpan, rowsInRange } from './file-spans';
import { HOUR, T0, flush, post } from './fixtures.test-util';

// A scan window opens only the files whose own indexed_at span meets it (read from their statistics once).

describe('file spans', () => {
  it('keep the files meeting a range by their own indexed_at span, and give the newest indexed_at', async () => {
    const tmp = await makeTempDir('bsky-spans-');
    try {
      const [morning] = await flush(tmp.path, {
        posts: [post(1, { indexed_at: T0 - 3 * HOUR }), post(2, { indexed_at: T0 - 2 * HOUR })],
      });
      const [noon] = await flush(tmp.path, {
        posts: [post(3, { indexed_at: T0 }), post(4, { indexed_at: T0 + HOUR })],
      });
      await using pool = await DuckDbPool.create({ dataDir: tmp.path, queryTimeoutMs: 20_000, poolSize: 1 });
      await pool.use('search', async (session) => {
        const both = [morning, noon];
        expect(await filesInRange(session, both, T0 - 3 * HOUR, T0 + 2 * HOUR)).toEqual(both);
        // Bounds: from inclusive (a span's max equal to lo meets it), to exclusive (a span's min equal to hi does not).
        expect(await filesInRange(session, both, T0 - 2 * HOUR, T0)).toEqual([morning]);
        expect(await filesInRange(session, both, T0 - 2 * HOUR + 1, T0 + 1)).toEqual([noon]);
        expect(await filesInRange(session, both, T0 - HOUR, T0 - 1)).toEqual([]);
        // Not a data file of the layout (no span known, e.g. a tail path): always kept.
        expect(await filesInRange(session, [...both, 'tail:/posts/date=2024-05-25/g1_x_y'], T0 - HOUR, T0 - 1)).toEqual(
          ['tail:/posts/date=2024-05-25/g1_x_y'],
        );
        // By key times: the files whose span holds one of them (span ends inclusive).
        expect(await filesHolding(session, both, [T0 - 2 * HOUR])).toEqual([morning]);
        expect(await filesHolding(session, both, [T0 + HOUR, T0 - 3 * HOUR])).toEqual(both);
        // Between the two spans, or after both: no file.
        expect(await filesHolding(session, both, [T0 - 90 * 60_000_000, T0 + 2 * HOUR])).toEqual([]);
        expect(await maxIndexedAt(session, both)).toBe(T0 + HOUR);
        expect(await maxIndexedAt(session, [morning])).toBe(T0 - 2 * HOUR);
        // Rows of a range, spread evenly over each file's span: all 4, half of `noon`'s 2, none between the spans.
        expect(await rowsInRange(session, both, T0 - 3 * HOUR, T0 + HOUR + 1)).toBeCloseTo(4, 6);
        expect(await rowsInRange(session, both, T0, T0 + HOUR / 2)).toBeCloseTo(1, 3);
        expect(await rowsInRange(session, both, T0 - 90 * 60_000_000, T0 - 30 * 60_000_000)).toBe(0);
        // A tail path counts by the span and rows it was registered with; without rows, no estimate.
        const tail = 'tail:/posts/date=2024-05-25/g1_a_b';
        registerSpan(tail, { minUs: T0, maxUs: T0 + 999, rows: 1000 });
        expect(await rowsInRange(session, [noon, tail], T0 + 500, T0 + 1000)).toBeCloseTo(500 + 2 * (500 / HOUR), 3);
        registerSpan(tail, { minUs: T0, maxUs: T0 + 999 });
        expect(await rowsInRange(session, [tail], T0, T0 + 1000)).toBeUndefined();
      });
    } finally {
      await tmp.remove();
    }
  });
});
