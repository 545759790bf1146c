import { sustainedRate } from './ingest';

describe('ingest phase', () => {
  it('rates the flushes between 10 % and 90 % of the posts, without the start-up and the drain', () => {
    // 1,000 posts: nothing for 2 s (start-up), then 100 posts per 0.5 s, the last 100 after a 4-s drain.
    const samples: [number, number][] = [
      [0, 0],
      [2000, 0],
    ];
    for (let f = 100, t = 2500; f <= 900; f += 100, t += 500) samples.push([t, f]);
    samples.push([10_000, 1000]);
    // 10 % at 2.5 s, 90 % at 6.5 s: 800 posts in 4 s.
    expect(sustainedRate(samples, 1000)).toBe(200);
    // End to end it would be 1,000 posts in 10 s: the drain and start-up are what the sustained rate leaves out.
    expect(
      sustainedRate(
        [
          [0, 0],
          [1000, 1000],
        ],
        1000,
      ),
    ).toBeUndefined();
    expect(sustainedRate([], 1000)).toBeUndefined();
  });
});
