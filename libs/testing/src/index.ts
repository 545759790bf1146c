export { freePort } from './free-port';
export { startRedis, type RedisServer } from './redis-server';
export { makeTempDir } from './temp-dir';
export { waitFor } from './wait-for';
export { postRow, POST_ROW_T0 } from './post-row';
