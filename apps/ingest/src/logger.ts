import { pino, type Logger } from 'pino';
import type { LogLevel } from './config';

export type { Logger };

/** Structured JSON logs on stdout; parts take a child per component (`log.child({ component: 'flusher' })`; a second `name` key would repeat in the JSON). */
export function createLogger(level: LogLevel = 'info'): Logger {
  return pino({ name: 'ingest', level, base: { service: 'ingest' } });
}
