import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { multistream, pino, type Logger, type LoggerOptions } from 'pino';
import { lineWriter } from './log-line.js';

function capturing(options: LoggerOptions): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino(options, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

const fixedTime = () => ',"time":"2026-12-03T09:00:00.000Z"';
const fields = { 'grpc.code': 'OK', 'grpc.duration_ms': 0.125, peer: '127.0.0.1:5000' };
const fieldsJson = ',"grpc.code":"OK","grpc.duration_ms":0.125,"peer":"127.0.0.1:5000"';

describe('lineWriter', () => {
  const cases: Array<[string, LoggerOptions, (l: Logger) => Logger]> = [
    ['a plain logger', { timestamp: fixedTime }, (l) => l],
    [
      'level labels and base fields, as createLogger sets them',
      {
        timestamp: fixedTime,
        base: { service: 'northd', pid: 7, hostname: 'h"1' },
        formatters: { level: (label: string) => ({ level: label }) },
        redact: { paths: ['authorization'], censor: '[REDACTED]' },
      },
      (l) => l,
    ],
    ['a child with bindings', { timestamp: fixedTime }, (l) => l.child({ component: 'grpc' })],
    [
      'a child whose bindings were replaced',
      { timestamp: fixedTime },
      (l) => {
        const child = l.child({ a: 1 });
        child.setBindings({ b: 'two' });
        return child;
      },
    ],
    ['a custom message key', { timestamp: fixedTime, messageKey: 'message' }, (l) => l],
  ];
  for (const [name, options, derive] of cases) {
    it(`writes the line pino writes, byte for byte, for ${name}`, () => {
      const { logger: root, lines } = capturing(options);
      const logger = derive(root);
      const writer = lineWriter(logger);
      assert.ok(writer, 'the writer applies');
      for (const level of ['info', 'warn', 'error'] as const) {
        // The message repeats, then changes.
        const msg = level === 'error' ? 'other' : 'finished "call"';
        logger[level](fields, msg);
        writer.write(level, fieldsJson, msg);
      }
      assert.equal(lines.length, 6);
      for (let i = 0; i < lines.length; i += 2) assert.equal(lines[i + 1], lines[i]);
    });
  }

  const refused: Array<[string, () => Logger]> = [
    ['a mixin', () => capturing({ mixin: () => ({ extra: 1 }) }).logger],
    ['a log formatter', () => capturing({ formatters: { log: (o) => o } }).logger],
    [
      'a logMethod hook',
      () =>
        capturing({
          hooks: {
            logMethod(args, method) {
              method.apply(this, args);
            },
          },
        }).logger,
    ],
    ['nested fields', () => capturing({ nestedKey: 'payload' }).logger],
    ['a message prefix', () => capturing({}).logger.child({}, { msgPrefix: '[grpc] ' })],
    ['a multistream', () => pino({}, multistream([{ stream: { write: () => undefined } }]))],
  ];
  for (const [name, make] of refused) {
    it(`does not apply to a logger with ${name}`, () => {
      assert.equal(lineWriter(make()), undefined);
    });
  }
});
