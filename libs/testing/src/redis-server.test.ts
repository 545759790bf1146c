import { Redis } from 'ioredis';
import { startRedis } from './redis-server';

describe('startRedis', () => {
  it('serves a real redis with AOF on, and keeps data across a SIGKILL restart', async () => {
    const server = await startRedis({ appendfsync: 'always' });
    const client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: null });
    try {
      await client.connect();
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      await client.set('k', 'v');
      await server.kill();
      await server.restart();
      expect(await client.get('k')).toBe('v');
    } finally {
      client.disconnect();
      await server.stop();
    }
  });
});
