import { createServer } from 'node:net';

/**
 * A free TCP port on 127.0.0.1. (@bsky-explorer/testing has one, but it is not linked into node_modules, so the
 * harness run by tsx outside jest cannot resolve it.)
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
