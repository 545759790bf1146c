import { pino, type Logger } from 'pino';

// JSON logs. Post text, search text and secrets are only ever logged at debug level or not at all.
export function createLogger(level: string): Logger {
  return pino({
    name: 'graph',
    level,
    redact: { paths: ['exportSigningSecret', 'config.exportSigningSecret', 'req.headers.authorization'], remove: true },
  });
}

export type { Logger };
