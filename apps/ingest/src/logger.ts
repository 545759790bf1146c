import { pino, type Logger } from 'pino';
import type { LogLevel } from './config';

export type { Logger };

/** Structured JSON logs on stdout; parts take a named child (`log.child({ name: 'flusher' })`). */
export function createLogger(level: LogLevel = 'info'): Logger {
  return pino({ name: 'ingest', level, base: { service: 'ingest' } });
}
