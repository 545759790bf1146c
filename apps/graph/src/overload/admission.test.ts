import { Admission, ServerBusyError } from './admission';

describe('Admission', () => {
  it('runs up to maxConcurrent, queues the rest in order, hands slots over on release', async () => {
    const a = new Admission({ maxConcurrent: 2, maxQueued: 5, maxWaitMs: 5000 });
    const r1 = await a.acquire();
    const r2 = await a.acquire();
    const order: number[] = [];
    const q3 = a.acquire().then((r) => (order.push(3), r));
    const q4 = a.acquire().then((r) => (order.push(4), r));
    expect(a.stats()).toEqual({ running: 2, queued: 2 });
    r1();
    r1(); // twice is harmless
    const r3 = await q3;
    expect(a.stats()).toEqual({ running: 2, queued: 1 });
    r2();
    const r4 = await q4;
    expect(order).toEqual([3, 4]);
    r3();
    r4();
    expect(a.stats()).toEqual({ running: 0, queued: 0 });
  });

  it('refuses at once when the queue is full, and after maxWaitMs when it does not move', async () => {
    const a = new Admission({ maxConcurrent: 1, maxQueued: 1, maxWaitMs: 200 });
    const held = await a.acquire();
    const waiting = a.acquire().catch((e: unknown) => e);
    const started = Date.now();
    const full = await a.acquire().catch((e: unknown) => e);
    expect(full).toBeInstanceOf(ServerBusyError);
    expect((full as ServerBusyError).reason).toBe('queue_full');
    expect(Date.now() - started).toBeLessThan(50);
    const late = await waiting;
    expect(late).toBeInstanceOf(ServerBusyError);
    expect((late as ServerBusyError).reason).toBe('wait_too_long');
    expect((late as ServerBusyError).retryAfterSeconds).toBe(1);
    expect(a.stats()).toEqual({ running: 1, queued: 0 });
    held();
    expect(a.stats()).toEqual({ running: 0, queued: 0 });
  });
});
