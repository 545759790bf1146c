import { loadavg } from 'node:os';
import type { BenchResult } from './result';
import { recordPhase } from './timeline';

const empty = (): BenchResult =>
  ({ startedAt: '', finishedAt: '', notes: [], options: {}, machine: {} }) as unknown as BenchResult;

describe('recordPhase', () => {
  it('records each phase in order with its duration and the load average at its start and end', async () => {
    const r = empty();
    const value = await recordPhase(r, 'first', async () => {
      await new Promise((done) => setTimeout(done, 20));
      return 42;
    });
    await recordPhase(r, 'second', () => 'sync');
    expect(value).toBe(42);
    expect(r.timeline?.map((p) => p.phase)).toEqual(['first', 'second']);
    const [first] = r.timeline ?? [];
    expect(first.seconds).toBeGreaterThanOrEqual(0.015);
    expect(first.failed).toBeUndefined();
    for (const l of [first.loadStart, first.loadEnd]) {
      expect(l).toHaveLength(3);
      // The 15-minute average moves slowly: what we recorded is what the OS says now, to the rounding.
      expect(Math.abs(l[2] - loadavg()[2])).toBeLessThan(0.5);
    }
  });

  it('marks a phase that throws as failed and still records its end', async () => {
    const r = empty();
    await expect(
      recordPhase(r, 'broken', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(r.timeline).toEqual([expect.objectContaining({ phase: 'broken', failed: true })]);
    expect(r.timeline?.[0].loadEnd).toHaveLength(3);
  });
});
