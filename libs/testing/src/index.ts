export { freePort } from './free-port';
export { startRedis, type RedisServer } from './redis-server';
export { makeTempDir } from './temp-dir';
