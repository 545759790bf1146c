import { buildMix, shapes, type Sample } from './mix';
import { errorCode, percentile, summarise } from './stats';

const sample: Sample = {
  commonWord: 'coffee',
  rareWord: 'zyzzyva',
  author: 'did:plc:alice',
  newest: '2025-03-03T12:00:00Z',
  hourBefore: '2025-03-03T11:00:00Z',
  uris: ['at://did:plc:alice/app.bsky.feed.post/1'],
};

describe('percentile and summarise', () => {
  it('uses nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(values, 50), percentile(values, 95), percentile(values, 99), percentile(values, 100)]).toEqual([
      50, 95, 99, 100,
    ]);
    expect(percentile([7], 95)).toBe(7);
  });

  it('summarises a level with throughput and per-shape p95', () => {
    const lat = [
      ...Array.from({ length: 90 }, () => ({ shape: 'a', ms: 10 })),
      ...Array.from({ length: 10 }, () => ({ shape: 'b', ms: 100 })),
    ];
    const r = summarise(8, 10, lat, { SERVER_BUSY: 2 });
    expect(r).toMatchObject({ connections: 8, requests: 100, throughput: 10, p50Ms: 10, p95Ms: 100, p99Ms: 100 });
    expect(r.shapes).toEqual({ a: { n: 90, p95Ms: 10 }, b: { n: 10, p95Ms: 100 } });
  });

  it('reads the error code of an answer', () => {
    expect(errorCode(200, '{"data":{}}')).toBeUndefined();
    expect(errorCode(503, '{"errors":[{"extensions":{"code":"SERVER_BUSY"}}]}')).toBe('SERVER_BUSY');
    expect(errorCode(200, '{"errors":[{"message":"x"}]}')).toBe('UNKNOWN');
    expect(errorCode(502, 'bad gateway')).toBe('HTTP_502');
  });
});

describe('the mix', () => {
  it('holds each shape as often as its weight, starting with a first page', () => {
    const mix = buildMix(sample);
    const weights = shapes(sample);
    expect(mix).toHaveLength(weights.reduce((s, w) => s + w.weight, 0));
    for (const { step, weight } of weights) expect(mix.filter((m) => m.name === step.name)).toHaveLength(weight);
    expect(mix[0].name).toBe('common word');
    const next = mix.find((m) => m.kind === 'next-page')!;
    expect(JSON.parse(next.body('CUR')).variables).toEqual({ text: 'coffee', after: 'CUR' });
    expect(JSON.parse(mix[0].body(undefined)).variables).toEqual({ first: 50, text: 'coffee' });
  });
});
