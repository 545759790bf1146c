import { niceMax, svgChart } from './chart';
import { parseMetrics } from './metrics';
import { percentileOf } from './report';

describe('the picture', () => {
  it('rounds axes up to 1, 2 or 5 times a power of ten', () => {
    expect([niceMax(0), niceMax(0.3), niceMax(7), niceMax(10), niceMax(11), niceMax(430)]).toEqual([
      1, 0.5, 10, 10, 20, 500,
    ]);
  });

  it('draws one polyline per series in its panel, scaled, with the fault markers in every panel', () => {
    const svg = svgChart(
      [
        {
          title: 'RSS',
          unit: 'MB',
          series: [
            {
              name: 'ingest',
              color: '#111',
              points: [
                { x: 0, y: 0 },
                { x: 10, y: 100 },
              ],
            },
          ],
        },
        { title: 'lag', unit: 's', series: [{ name: 'lag', color: '#222', points: [{ x: 5, y: 1 }] }] },
      ],
      [{ x: 5, label: 'redis-kill' }],
      10,
      'Soak <test>',
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Soak &lt;test&gt;');
    const lines = [...svg.matchAll(/<polyline[^>]*points="([^"]+)"/g)].map((m) => m[1]);
    expect(lines).toHaveLength(2);
    // x 0..10 spans the plot (64..944); y 0 is the panel's bottom, 100 (the axis max) its top.
    expect(lines[0]).toBe('64.0,192.0 944.0,58.0');
    expect(svg.match(/stroke="#c33"/g)).toHaveLength(2);
    expect(svg.match(/>redis-kill</g)).toHaveLength(1);
  });
});

describe('metrics and percentiles', () => {
  it('reads gauges and sums labelled counters of a Prometheus exposition', () => {
    const text = [
      '# HELP ingest_lag_seconds lag',
      'ingest_lag_seconds 1.5',
      'ingest_flushes_total{result="ok"} 7',
      'ingest_flushes_total{result="error"} 2',
      'ingest_lag_seconds_other 9',
    ].join('\n');
    expect(parseMetrics(text, ['ingest_lag_seconds', 'ingest_flushes_total'])).toEqual({
      ingest_lag_seconds: 1.5,
      ingest_flushes_total: 9,
    });
  });

  it('nearest-rank percentiles', () => {
    expect(percentileOf([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentileOf([5, 1, 4, 2, 3], 95)).toBe(5);
    expect(percentileOf([], 95)).toBeNaN();
  });
});
