import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { PostStore } from '@bsky-explorer/storage';
import type { GraphConfig } from '../config';
import { clientError, ErrorCode } from '../errors';
import type { Logger } from '../logger';
import { exportEvictionsTotal, exportRowsTotal, exportsTotal } from '../metrics';
import { signExport, verifyExportSignature } from '../signing';
import { enforceDiskBudget } from './disk-budget';
import { ExportQuota } from './export-quota';
import { storeCall } from '../store-calls';
import type { SearchFilter } from '../validation';

/** 128 random bits, hex: unguessable, and safe as a file name. */
export const EXPORT_ID_RE = /^[0-9a-f]{32}$/;
const PARTIAL_EXT = '.partial';

export interface CreatedExport {
  url: string;
  expiresAtUs: number;
  rowCount: number;
}

export type DownloadCheck =
  { status: 200; path: string; size: number; id: string } | { status: 403 | 404 | 410; reason: string };

/**
 * CSV exports: DuckDB writes `<EXPORT_DIR>/<id>.csv`, the client gets a link signed with
 * HMAC(secret, id.expires). Expiry lives in the link and in the file's mtime (for the sweep).
 */
export class ExportService {
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly quota: ExportQuota;

  constructor(
    private readonly store: PostStore,
    private readonly config: Pick<
      GraphConfig,
      | 'exportDir'
      | 'exportSigningSecret'
      | 'exportTtlSeconds'
      | 'exportMaxRows'
      | 'publicUrl'
      | 'exportSweepIntervalMs'
      | 'exportMaxConcurrent'
      | 'exportMaxConcurrentPerClient'
      | 'exportRowsPerHourPerClient'
      | 'exportMaxDiskBytes'
    >,
    private readonly log: Logger,
  ) {
    this.quota = new ExportQuota({
      maxConcurrent: config.exportMaxConcurrent,
      maxConcurrentPerClient: config.exportMaxConcurrentPerClient,
      rowsPerHour: config.exportRowsPerHourPerClient,
    });
  }

  async init(): Promise<void> {
    await mkdir(this.config.exportDir, { recursive: true });
  }

  /**
   * Writes one export for `client` (the key quotas count by) within its quotas: a slot among the exports running
   * at once, rows reserved against its hourly allowance, and the export folder kept within its disk budget.
   */
  async create(
    filter: SearchFilter,
    limit: number | undefined,
    client: string,
    log: Logger = this.log,
  ): Promise<CreatedExport> {
    let end: (() => void) | undefined;
    try {
      end = this.quota.begin(client);
      return await this.write(filter, limit, client, log);
    } catch (err) {
      const code = (err as { extensions?: { code?: string } }).extensions?.code;
      exportsTotal.inc({
        result:
          code === ErrorCode.EXPORT_TOO_LARGE
            ? 'too_large'
            : code === ErrorCode.RATE_LIMITED || code === ErrorCode.SERVER_BUSY
              ? 'limited'
              : 'error',
      });
      throw err;
    } finally {
      end?.();
    }
  }

  private async write(
    filter: SearchFilter,
    limit: number | undefined,
    client: string,
    log: Logger,
  ): Promise<CreatedExport> {
    const { exportMaxRows, exportDir, exportTtlSeconds } = this.config;
    // Rows to reserve: the limit when the client's allowance covers it, else what actually matches.
    let expected = limit;
    if (limit === undefined || limit > this.quota.remaining(client)) {
      const { count: total } = await storeCall(() => this.store.count(filter));
      // No limit given: refuse up front rather than silently truncate at the maximum.
      if (limit === undefined && total > exportMaxRows) {
        throw clientError(
          ErrorCode.EXPORT_TOO_LARGE,
          `${total} posts match, more than the export maximum of ${exportMaxRows}; narrow text, dateRange or author, or pass limit`,
          { matching: total, maxRows: exportMaxRows },
        );
      }
      expected = Math.min(limit ?? total, total);
    }
    const settle = this.quota.reserve(client, expected ?? 0);
    const id = randomBytes(16).toString('hex');
    const path = join(exportDir, `${id}.csv`);
    // Written under another name and renamed, so that the sweep never takes a file still being written.
    const partial = `${path}${PARTIAL_EXT}`;
    await mkdir(exportDir, { recursive: true });
    let rowCount: number;
    try {
      ({ rowCount } = await storeCall(() =>
        this.store.exportCsv({ ...filter, limit: limit ?? exportMaxRows }, partial),
      ));
      settle(rowCount);
    } catch (err) {
      settle(0);
      await rm(partial, { force: true });
      throw err;
    }
    const expires = Math.floor(Date.now() / 1000) + exportTtlSeconds;
    // The file's mtime records its expiry, so the sweep needs no other state and survives restarts.
    await utimes(partial, new Date(), new Date(expires * 1000));
    await rename(partial, path);
    exportsTotal.inc({ result: 'ok' });
    exportRowsTotal.inc(rowCount);
    log.info({ exportId: id, rowCount, expires }, 'export written');
    await this.evict(`${id}.csv`);
    return { url: this.url(id, expires), expiresAtUs: expires * 1_000_000, rowCount };
  }

  /** Removes the oldest finished exports while the folder is over EXPORT_MAX_DISK_BYTES (never `keep`). */
  async evict(keep?: string): Promise<string[]> {
    const { removed, bytes } = await enforceDiskBudget(this.config.exportDir, this.config.exportMaxDiskBytes, keep);
    if (removed.length > 0) {
      exportEvictionsTotal.inc(removed.length);
      this.log.info(
        { removed: removed.length, bytesLeft: bytes },
        'oldest exports removed to stay within the disk budget',
      );
    }
    return removed;
  }

  url(id: string, expiresUnix: number): string {
    const signature = signExport(this.config.exportSigningSecret, id, expiresUnix);
    return `${this.config.publicUrl}/exports/${id}.csv?expires=${expiresUnix}&signature=${signature}`;
  }

  /** Decides a download: 403 bad/missing signature, 410 expired (file removed), 404 unknown, else the file. */
  async check(
    id: string,
    expiresParam: string | null,
    signature: string | null,
    nowMs = Date.now(),
  ): Promise<DownloadCheck> {
    if (!EXPORT_ID_RE.test(id)) return { status: 404, reason: 'unknown export' };
    if (!expiresParam || !signature || !/^\d{1,12}$/.test(expiresParam)) {
      return { status: 403, reason: 'missing or malformed signature' };
    }
    const expires = Number(expiresParam);
    if (!verifyExportSignature(this.config.exportSigningSecret, id, expires, signature)) {
      return { status: 403, reason: 'bad signature' };
    }
    const path = join(this.config.exportDir, `${id}.csv`);
    if (expires * 1000 <= nowMs) {
      await rm(path, { force: true });
      return { status: 410, reason: 'export link expired' };
    }
    try {
      const info = await stat(path);
      return { status: 200, path, size: info.size, id };
    } catch {
      return {
        status: 404,
        reason: 'unknown export (expired, removed to free disk space, or never written); run exportPosts again',
      };
    }
  }

  /**
   * Removes expired exports (mtime = expiry) and partial files left by a crash (older than TTL + 1 h, far past any
   * running export). Returns how many files were removed.
   */
  async sweep(nowMs = Date.now()): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.config.exportDir);
    } catch {
      return 0;
    }
    let removed = 0;
    for (const name of names) {
      const path = join(this.config.exportDir, name);
      try {
        const info = await stat(path);
        const expiresMs = name.endsWith('.csv')
          ? info.mtimeMs
          : info.mtimeMs + this.config.exportTtlSeconds * 1000 + 3_600_000;
        if (!info.isFile() || expiresMs > nowMs) continue;
        await rm(path, { force: true });
        removed++;
      } catch {
        // Removed concurrently (a 410 download): nothing to do.
      }
    }
    if (removed > 0) this.log.info({ removed }, 'expired exports removed');
    return removed;
  }

  startSweeping(): void {
    if (this.sweepTimer) return;
    this.sweepTimer = setInterval(() => {
      this.sweep().catch((err) => this.log.error({ err }, 'export sweep failed'));
    }, this.config.exportSweepIntervalMs);
    this.sweepTimer.unref();
  }

  stopSweeping(): void {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }
}
