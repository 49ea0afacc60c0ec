import { hostname } from 'node:os';
import { pino, type DestinationStream, type LevelWithSilent, type Logger } from 'pino';
import { stdoutDestination } from './log-destination.js';

export type { Logger };

/**
 * Paths whose values never reach a log line (credentials in objects, headers and gRPC metadata).
 * Explicit paths only: a leading wildcard makes pino walk every field of every line, which
 * doubles the cost of the per-call log line. Code must not log metadata or tokens at all; this
 * list is the second line of defence, and `redactPaths` extends it.
 */
const REDACTED_PATHS: readonly string[] = [
  'authorization',
  'token',
  'password',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'metadata.authorization',
  'call.authorization',
  'call.token',
];

export interface LoggerOptions {
  /** Service name, written as the `service` field of every line. */
  name: string;
  /** Minimum level; the caller maps LOG_LEVEL onto it. Default 'info'. */
  level?: LevelWithSilent;
  /**
   * Where lines go. Default stdout, written at most 10 ms after a line (see LogDestination).
   * Tests pass a stream to capture lines.
   */
  destination?: DestinationStream;
  /** Extra paths to redact, in pino's path syntax, added to the built-in list. */
  redactPaths?: readonly string[];
}

let lastTimeMs = -1;
let lastTime = '';
let lastSecond = -1;
let secondPrefix = '';

/**
 * pino's `,"time":"<ISO-8601>"` field, with the date and time up to the second formatted once a
 * second and the line's own text made once a millisecond: a busy server writes several lines in
 * the same millisecond, and toISOString on each was about a tenth of the per-call line's CPU time
 * in the RPC benchmark's profile. Whole seconds since the epoch are whole in UTC (no leap
 * seconds in JavaScript time), so the milliseconds are the remainder.
 */
export function isoTime(nowMs = Date.now()): string {
  if (nowMs !== lastTimeMs) {
    lastTimeMs = nowMs;
    const millis = nowMs % 1000;
    const second = nowMs - millis;
    if (second !== lastSecond) {
      lastSecond = second;
      // "2026-12-03T09:00:00.000Z" without its "000Z".
      secondPrefix = `,"time":"${new Date(second).toISOString().slice(0, 20)}`;
    }
    lastTime = `${secondPrefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z"`;
  }
  return lastTime;
}

/**
 * Creates the JSON-lines logger every vpcd program uses: one object a line, `level` as a label,
 * ISO-8601 `time`, `service`/`pid`/`hostname` on every line, secrets replaced by '[REDACTED]'.
 */
export function createLogger(options: LoggerOptions): Logger {
  const loggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.name, pid: process.pid, hostname: hostname() },
    timestamp: () => isoTime(),
    formatters: { level: (label: string) => ({ level: label }) },
    redact: {
      paths: [...REDACTED_PATHS, ...(options.redactPaths ?? [])],
      censor: '[REDACTED]',
    },
  };
  return pino(loggerOptions, options.destination ?? stdoutDestination());
}
