import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

/**
 * A logger whose lines are kept, parsed, in `lines` (synchronously, in order); `options` are
 * pino's, the level aside.
 */
export function captureLogger(
  level: pino.Level = 'debug',
  options: pino.LoggerOptions = {},
): {
  logger: Logger;
  lines: Array<Record<string, unknown>>;
} {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return { logger: pino({ ...options, level }, sink), lines };
}
