import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { privateRabbitmq } from './private-rabbitmq.js';
import { testBrokerUrl, testVhostUrl } from './test-broker-url.js';

describe('the broker test helpers in make check', () => {
  const before = process.env.VPCD_UNIT_ONLY;
  afterEach(() => {
    if (before === undefined) delete process.env.VPCD_UNIT_ONLY;
    else process.env.VPCD_UNIT_ONLY = before;
  });

  it('refuse to reach RabbitMQ, before trying any broker', async () => {
    process.env.VPCD_UNIT_ONLY = '1';
    await assert.rejects(testBrokerUrl(), /needs RabbitMQ, but VPCD_UNIT_ONLY=1/);
    await assert.rejects(testVhostUrl(), /needs RabbitMQ, but VPCD_UNIT_ONLY=1/);
    await assert.rejects(privateRabbitmq(), /needs RabbitMQ, but VPCD_UNIT_ONLY=1/);
  });
});
