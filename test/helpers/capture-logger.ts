import type { Logger } from '../../src/server/logger.js';

/** A logger that keeps every line, with its level, for assertions. */
export interface CapturedLogger extends Logger {
  readonly lines: string[];
  /** Lines of one level. */
  at(level: 'debug' | 'info' | 'warn' | 'error'): string[];
}

export function captureLogger(): CapturedLogger {
  const entries: Array<{ level: 'debug' | 'info' | 'warn' | 'error'; message: string }> = [];
  const add = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string) =>
    void entries.push({ level, message });
  return {
    get lines() {
      return entries.map((e) => `${e.level}: ${e.message}`);
    },
    at: (level) => entries.filter((e) => e.level === level).map((e) => e.message),
    debug: add('debug'),
    info: add('info'),
    warn: add('warn'),
    error: add('error'),
  };
}
