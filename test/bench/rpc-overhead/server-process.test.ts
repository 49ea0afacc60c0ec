import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GetVpcRequest, type Vpc } from '@vpcd/api';
import { fixedVpc, variants } from './bench-service.js';
import { benchClient, waitForReady } from './load.js';
import { startServerProcess } from './server-process.js';

describe('bench server child', () => {
  for (const variant of variants) {
    it(`serves GetVpc (${variant}) and reports the calls it answered when stopped`, async () => {
      const server = await startServerProcess({ variant });
      const client = benchClient(server.port);
      try {
        await waitForReady(client, 10_000);
        for (let i = 0; i < 3; i++) {
          const vpc = await new Promise<Vpc>((resolve, reject) =>
            client.getVpc(GetVpcRequest.fromPartial({ id: 'x' }), (err, res) =>
              err ? reject(err) : resolve(res),
            ),
          );
          assert.deepEqual(vpc, fixedVpc);
        }
        const usage = await server.usage();
        assert.ok(usage.cpuMicros > 0);
      } finally {
        client.close();
      }
      const stats = await server.stop();
      assert.equal(stats.handled, 3);
      if (variant === 'rpc') {
        assert.equal(stats.metricHandled, 3);
        assert.equal(stats.spansExported, 3);
        assert.ok((stats.logLines ?? 0) >= 3, `log lines: ${stats.logLines}`);
      }
    });
  }
});
