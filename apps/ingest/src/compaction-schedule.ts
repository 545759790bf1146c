// Runs compaction of closed days every `intervalMs`, one run at a time, never overlapping a stop.
import type { Logger } from './logger';
import type { IngestMetrics } from './metrics';

export type CompactFn = (dataDir: string, options: { now?: number; graceMs?: number }) => Promise<unknown>;

export class CompactionSchedule {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly opts: {
      dataDir: string;
      intervalMs: number;
      graceMs: number;
      compact: CompactFn;
      metrics: IngestMetrics;
      log: Logger;
    },
  ) {}

  start(): void {
    if (this.opts.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.runOnce(), this.opts.intervalMs);
    this.timer.unref();
  }

  /** One run now (or joins the one in progress). Never throws: failures are logged and counted. */
  runOnce(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async run(): Promise<void> {
    const { metrics, log } = this.opts;
    const end = metrics.compactionDuration.startTimer();
    try {
      const summary = await this.opts.compact(this.opts.dataDir, { graceMs: this.opts.graceMs });
      metrics.compactions.inc({ result: 'ok' });
      log.info({ summary }, 'compaction done');
    } catch (err) {
      metrics.compactions.inc({ result: 'error' });
      log.error({ err }, 'compaction failed');
    } finally {
      end();
    }
  }
}
