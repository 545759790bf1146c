import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import type { Plugin } from 'graphql-yoga';

/** Headers a browser cannot add to a cross-site request without a CORS preflight; GET needs one of them. */
export const CSRF_HEADERS = ['x-graphql-csrf', 'x-graphql-yoga-csrf', 'graphql-preflight', 'apollo-require-preflight'];

/** The only POST bodies accepted: JSON, which a cross-site form cannot send and fetch only after a preflight. */
const JSON_TYPES = ['application/json', 'application/graphql+json', 'application/graphql-response+json'];

export interface RequestGuardOptions {
  graphqlEndpoint: string;
  maxBodyBytes: number;
}

function refuse(fetchAPI: { Response: typeof Response }, status: number, code: string, message: string, extra = {}) {
  return new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...extra },
  });
}

/**
 * Checks made before a request body is read or parsed, so that refusing costs nothing:
 * - POST must be JSON: `application/x-www-form-urlencoded`, `multipart/form-data` and `text/plain` are what a
 *   cross-site form or a "simple" fetch can send without a preflight (CSRF), so they get 415;
 * - POST must declare a Content-Length no larger than maxBodyBytes (413, 411 without one);
 * - GET must carry one of CSRF_HEADERS (403, @graphql-yoga/plugin-csrf-prevention): a cross-site <img> or link
 *   cannot, so nobody's browser can be made to run searches.
 */
export function requestGuardPlugins(options: RequestGuardOptions): Plugin[] {
  return [
    {
      onRequest({ request, url, fetchAPI, endResponse }) {
        if (url.pathname !== options.graphqlEndpoint || request.method !== 'POST') return;
        const type = (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
        if (!JSON_TYPES.includes(type)) {
          endResponse(
            refuse(
              fetchAPI,
              415,
              'UNSUPPORTED_MEDIA_TYPE',
              `POST ${options.graphqlEndpoint} takes a JSON body: send Content-Type: application/json`,
              { accept: 'application/json' },
            ),
          );
          return;
        }
        const length = request.headers.get('content-length');
        if (length === null || !/^\d+$/.test(length)) {
          endResponse(refuse(fetchAPI, 411, 'LENGTH_REQUIRED', 'send the body with a Content-Length header'));
          return;
        }
        if (Number(length) > options.maxBodyBytes) {
          endResponse(
            refuse(
              fetchAPI,
              413,
              'REQUEST_TOO_LARGE',
              `the request body is ${length} bytes; at most ${options.maxBodyBytes} are accepted`,
            ),
          );
        }
      },
    },
    useCSRFPrevention({ requestHeaders: CSRF_HEADERS }),
  ];
}
