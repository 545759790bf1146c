import { randomUUID } from 'node:crypto';
import type { PostStore, Timings } from '@bsky-explorer/storage';
import type { GraphConfig } from './config';
import type { ExportService } from './exports/export-service';
import { createHandleLoader, createPostLoader, type HandleLoader, type PostLoader } from './loaders';
import type { Logger } from './logger';

/** Built once per process and shared by every request (constructor injection, no container). */
export interface AppContext {
  config: GraphConfig;
  store: PostStore;
  exports: ExportService;
  log: Logger;
}

/** What resolvers see: the app context plus per-request state (loaders must never be shared across requests). */
export interface GraphContext extends AppContext {
  requestId: string;
  /** Who rate limits and export quotas count this request against (see http/client-address.ts). */
  clientKey: string;
  postLoader: PostLoader;
  /** Post.author.handle by DID (see createHandleLoader). */
  handleLoader: HandleLoader;
  /** With GRAPH_TIMINGS: ms per phase of this request's store calls, by call (see timings-plugin.ts). */
  timings?: { search: Timings; count: Timings };
}

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

/** Reuses a sane incoming x-request-id (from a proxy), otherwise makes one. */
export function requestIdFrom(header: string | null | undefined): string {
  return header && REQUEST_ID_RE.test(header) ? header : randomUUID();
}

export function createRequestContext(app: AppContext, requestId: string, clientKey: string): GraphContext {
  return {
    ...app,
    requestId,
    clientKey,
    log: app.log.child({ requestId }),
    postLoader: createPostLoader(app.store),
    handleLoader: createHandleLoader(app.store),
    ...(app.config.timings ? { timings: { search: {}, count: {} } } : {}),
  };
}
