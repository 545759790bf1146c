import type { CORSOptions } from 'graphql-yoga';
import { CSRF_HEADERS } from './request-guards';

/**
 * CORS from an allow-list of origins. Yoga's default reflects any Origin with Allow-Credentials, which lets every
 * site read answers with the visitor's cookies; here an origin not on the list gets no CORS headers at all (the
 * browser then keeps the answer from the page), and credentials are never allowed (the API uses none).
 */
export function corsOptions(allowed: readonly string[]): (request: Request) => CORSOptions {
  const origins = new Set(allowed);
  return (request) => {
    const origin = request.headers.get('origin');
    if (origin === null || !origins.has(origin)) return false;
    return {
      origin: [origin],
      credentials: false,
      methods: ['GET', 'POST'],
      allowedHeaders: ['content-type', 'accept', 'x-request-id', ...CSRF_HEADERS],
      exposedHeaders: ['x-request-id', 'retry-after'],
      maxAge: 600,
    };
  };
}
