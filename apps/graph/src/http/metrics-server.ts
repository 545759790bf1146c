import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { registry } from '../metrics';

/**
 * /metrics on a port of its own, so that the API port (the one a reverse proxy publishes) does not expose it.
 * Only Prometheus on the internal network needs to reach it.
 */
export class MetricsServer {
  private readonly server: Server;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    this.server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n'),
      );
    });
  }

  /** http://host:port once listening. */
  get url(): string {
    const address = this.server.address() as AddressInfo | null;
    return address ? `http://${this.host === '0.0.0.0' ? '127.0.0.1' : this.host}:${address.port}` : '';
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, this.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeIdleConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
