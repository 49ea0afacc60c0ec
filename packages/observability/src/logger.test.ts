import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, isoTime, type LoggerOptions } from './logger.js';

function capture(options: Omit<LoggerOptions, 'destination'>) {
  const lines: Record<string, unknown>[] = [];
  const destination = {
    write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  };
  return { logger: createLogger({ ...options, destination }), lines };
}

describe('createLogger', () => {
  it('writes the service name, a level label and an ISO time on every line', () => {
    const { logger, lines } = capture({ name: 'northd' });
    logger.info({ vpcId: 'vpc-1' }, 'vpc created');
    const [line] = lines;
    assert.equal(line?.service, 'northd');
    assert.equal(line?.level, 'info');
    assert.equal(line?.msg, 'vpc created');
    assert.equal(line?.vpcId, 'vpc-1');
    assert.match(String(line?.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('redacts authorization and token fields at the places credentials are kept', () => {
    const { logger, lines } = capture({ name: 'northd' });
    logger.info({
      authorization: 'Bearer a',
      token: 't1',
      call: { authorization: 'Bearer b', token: 't2', method: 'CreateVpc' },
      req: { headers: { authorization: 'Bearer c', host: 'northd' } },
      metadata: { authorization: 'Bearer d' },
    });
    const text = JSON.stringify(lines[0]);
    for (const secret of ['Bearer a', 'Bearer b', 'Bearer c', 'Bearer d', 't1', 't2']) {
      assert.ok(!text.includes(`"${secret}"`), `${secret} leaked: ${text}`);
    }
    assert.equal(lines[0]?.authorization, '[REDACTED]');
    assert.deepEqual(lines[0]?.req, { headers: { authorization: '[REDACTED]', host: 'northd' } });
    assert.equal((lines[0]?.call as Record<string, unknown>).method, 'CreateVpc');
  });

  it('redacts the extra paths it is given', () => {
    const { logger, lines } = capture({ name: 'southd', redactPaths: ['amqp.url'] });
    logger.info({ amqp: { url: 'amqp://user:secret@mq' } });
    assert.deepEqual(lines[0]?.amqp, { url: '[REDACTED]' });
  });

  it('drops lines below the configured level', () => {
    const { logger, lines } = capture({ name: 'hvflowd', level: 'warn' });
    logger.info('quiet');
    logger.warn('loud');
    assert.deepEqual(
      lines.map((line) => line.msg),
      ['loud'],
    );
  });
});

describe('isoTime', () => {
  it('writes what toISOString writes, across milliseconds, seconds and days', () => {
    const base = Date.UTC(2026, 11, 31, 23, 59, 59, 0);
    const times = [base, base + 5, base + 5, base + 50, base + 999, base + 1000, base + 1007];
    times.push(Date.UTC(2027, 0, 1, 0, 0, 0, 120), Date.UTC(2024, 1, 29, 12, 0, 0, 1), base);
    for (const ms of times) {
      assert.equal(isoTime(ms), `,"time":"${new Date(ms).toISOString()}"`, new Date(ms).toJSON());
    }
  });
});
