import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger';
import { exportDownloadsTotal } from '../metrics';
import type { ExportService } from './export-service';

const ROUTE_RE = /^\/exports\/([^/]*)\.csv$/;

/** GET /exports/<id>.csv?expires=…&signature=… in front of GraphQL: 403 / 410 / 404, or the CSV streamed. */
export function useExportDownloads(exports: ExportService, log: Logger): Plugin {
  return {
    async onRequest({ request, url, fetchAPI, endResponse }) {
      if (!url.pathname.startsWith('/exports/')) return;
      const text = (status: number, body: string, headers: Record<string, string> = {}) =>
        new fetchAPI.Response(`${body}\n`, {
          status,
          headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
        });
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(text(405, 'method not allowed', { allow: 'GET, HEAD' }));
        return;
      }
      const id = ROUTE_RE.exec(url.pathname)?.[1] ?? '';
      const check = await exports.check(id, url.searchParams.get('expires'), url.searchParams.get('signature'));
      exportDownloadsTotal.inc({ status: String(check.status) });
      if (check.status !== 200) {
        log.info({ status: check.status, reason: check.reason }, 'export download refused');
        endResponse(text(check.status, check.reason));
        return;
      }
      const body =
        request.method === 'HEAD' ? null : (Readable.toWeb(createReadStream(check.path)) as ReadableStream<Uint8Array>);
      endResponse(
        new fetchAPI.Response(body, {
          status: 200,
          headers: {
            'content-type': 'text/csv; charset=utf-8',
            'content-disposition': `attachment; filename="bsky-posts-${check.id}.csv"`,
            'content-length': String(check.size),
            'cache-control': 'private, no-store',
            'x-content-type-options': 'nosniff',
          },
        }),
      );
    },
  };
}
