import { clientError, ErrorCode, retryLaterError } from '../errors';

export interface ExportQuotaOptions {
  maxConcurrent: number;
  maxConcurrentPerClient: number;
  /** Rows per client per sliding hour; 0: no limit. */
  rowsPerHour: number;
}

const HOUR_MS = 3_600_000;

interface Usage {
  running: number;
  /** Rows charged, oldest first: settled exports and reservations of running ones. */
  charges: { atMs: number; rows: number }[];
}

/**
 * What exports may cost: a bound on exports running at once (all clients: 503 SERVER_BUSY; one client: 429
 * RATE_LIMITED) and rows per client per sliding hour (429 RATE_LIMITED with the time until enough rows age out).
 * An export reserves its expected rows before writing and settles to the rows written, so two exports of one
 * client cannot both pass on the same remainder.
 */
export class ExportQuota {
  private running = 0;
  private readonly clients = new Map<string, Usage>();

  constructor(
    private readonly options: ExportQuotaOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes an export slot for `client`; call the returned function when the export has ended. */
  begin(client: string): () => void {
    const usage = this.usage(client);
    if (usage.running >= this.options.maxConcurrentPerClient) {
      throw retryLaterError(
        ErrorCode.RATE_LIMITED,
        `this client already runs ${usage.running} export(s), the most allowed at once; wait for it to finish`,
        5,
        { limit: 'concurrentExportsPerClient' },
      );
    }
    if (this.running >= this.options.maxConcurrent) {
      throw retryLaterError(
        ErrorCode.SERVER_BUSY,
        `${this.running} exports are running, the most the server runs at once; retry shortly`,
        10,
        { limit: 'concurrentExports' },
      );
    }
    this.running++;
    usage.running++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.running--;
      usage.running--;
      this.forgetIdle(client, usage);
    };
  }

  /** Rows `client` may still export in the current hour (Infinity without a limit). */
  remaining(client: string): number {
    if (this.options.rowsPerHour === 0) return Infinity;
    return Math.max(0, this.options.rowsPerHour - this.used(this.usage(client)));
  }

  /** Reserves `rows` for `client` or throws; returns the function that settles the reservation to the rows written. */
  reserve(client: string, rows: number): (written: number) => void {
    const { rowsPerHour } = this.options;
    if (rowsPerHour === 0) return () => {};
    if (rows > rowsPerHour) {
      throw clientError(
        ErrorCode.EXPORT_TOO_LARGE,
        `${rows} rows is more than one client may export per hour (${rowsPerHour}); narrow the filters or pass a smaller limit`,
        { maxRowsPerHour: rowsPerHour },
      );
    }
    const usage = this.usage(client);
    const used = this.used(usage);
    if (used + rows > rowsPerHour) {
      // Wait until the oldest charges have aged out far enough for `rows` to fit.
      let freed = 0;
      let retryAtMs = this.now() + HOUR_MS;
      for (const c of usage.charges) {
        freed += c.rows;
        if (used - freed + rows <= rowsPerHour) {
          retryAtMs = c.atMs + HOUR_MS;
          break;
        }
      }
      const retryAfter = Math.max(1, Math.ceil((retryAtMs - this.now()) / 1000));
      throw retryLaterError(
        ErrorCode.RATE_LIMITED,
        `this export needs ${rows} rows but this client has ${Math.max(0, rowsPerHour - used)} of its ${rowsPerHour} rows per hour left; retry in ${retryAfter} s or export fewer rows`,
        retryAfter,
        { limit: 'exportRowsPerHour' },
      );
    }
    const charge = { atMs: this.now(), rows };
    usage.charges.push(charge);
    return (written) => {
      charge.rows = Math.max(0, Math.min(written, charge.rows));
    };
  }

  private usage(client: string): Usage {
    let usage = this.clients.get(client);
    if (!usage) this.clients.set(client, (usage = { running: 0, charges: [] }));
    return usage;
  }

  private used(usage: Usage): number {
    const since = this.now() - HOUR_MS;
    while (usage.charges.length > 0 && usage.charges[0].atMs <= since) usage.charges.shift();
    return usage.charges.reduce((sum, c) => sum + c.rows, 0);
  }

  private forgetIdle(client: string, usage: Usage): void {
    if (usage.running === 0 && this.used(usage) === 0) this.clients.delete(client);
  }
}
