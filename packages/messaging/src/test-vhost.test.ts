import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect } from 'amqplib';
import { adminChannel } from './test-support.js';
import { testVhostUrl } from './testing/index.js';

describe(
  'testVhostUrl',
  { skip: process.env.AMQP_URL ? 'AMQP_URL is used as given' : false },
  () => {
    it('gives each suite a vhost of its own, which drop deletes', async () => {
      const [first, second] = await Promise.all([testVhostUrl(), testVhostUrl()]);
      assert.notEqual(first.url, second.url);
      const a = await adminChannel(first.url);
      const b = await adminChannel(second.url);
      try {
        await a.channel.assertQueue('same-name', { durable: false });
        a.channel.sendToQueue('same-name', Buffer.from('only in the first'));
        await b.channel.assertQueue('same-name', { durable: false });
        assert.equal((await b.channel.checkQueue('same-name')).messageCount, 0);
      } finally {
        await a.close();
        await b.close();
      }
      await first.drop();
      await second.drop();
      await assert.rejects(connect(first.url), 'the dropped vhost refuses connections');
    });
  },
);
