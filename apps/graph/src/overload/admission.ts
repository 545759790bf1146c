/** Thrown by Admission.acquire when the queue is full or the wait would exceed its bound. */
export class ServerBusyError extends Error {
  override name = 'ServerBusyError';
  constructor(
    readonly reason: 'queue_full' | 'wait_too_long',
    /** Seconds after which a retry is worth trying (for Retry-After). */
    readonly retryAfterSeconds: number,
  ) {
    super(reason === 'queue_full' ? 'the queue of operations is full' : 'an operation waited too long for its turn');
  }
}

export interface AdmissionOptions {
  maxConcurrent: number;
  maxQueued: number;
  maxWaitMs: number;
}

interface Waiter {
  resolve: (release: () => void) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A bound on operations executing at once, with a FIFO queue of bounded length and wait. A caller past either bound
 * gets ServerBusyError at once (or when its wait runs out) instead of waiting into a QUERY_TIMEOUT: under overload
 * clients learn it in at most maxWaitMs and can back off, and admitted work keeps its latency.
 */
export class Admission {
  private running = 0;
  private readonly queue: Waiter[] = [];

  constructor(private readonly options: AdmissionOptions) {}

  stats(): { running: number; queued: number } {
    return { running: this.running, queued: this.queue.length };
  }

  /** Resolves to a release function (call it exactly once, when the work is really over). */
  acquire(): Promise<() => void> {
    if (this.running < this.options.maxConcurrent) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    if (this.queue.length >= this.options.maxQueued || this.options.maxWaitMs === 0) {
      return Promise.reject(new ServerBusyError('queue_full', this.retryAfter()));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.queue.indexOf(waiter);
          if (i >= 0) this.queue.splice(i, 1);
          reject(new ServerBusyError('wait_too_long', this.retryAfter()));
        }, this.options.maxWaitMs),
      };
      this.queue.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) {
        // The slot passes straight to the next waiter: `running` stays the same.
        clearTimeout(next.timer);
        next.resolve(this.releaser());
      } else {
        this.running--;
      }
    };
  }

  /** About as long as the queue takes to move on: at least 1 s, more when it is long. */
  private retryAfter(): number {
    return Math.max(1, Math.ceil(this.options.maxWaitMs / 1000));
  }
}
