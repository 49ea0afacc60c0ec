// A northd whose wall clock jumps, under a running write load: forward a minute, then back 90 s
// (to half a minute behind), then right again. Lease expiry is the database's NOW(3) alone and a
// lease's local validity runs on the monotonic clock, so no lease changes hands: the epochs the
// API shows stay as they were, and the case ends with the history checker and the zero-diff
// audit (see under-load.ts). The clock is moved without root by Debian's libfaketime
// (`make prereqs` installs it), preloaded into northd-0 alone and reading its offset from a file
// the test rewrites; the monotonic clock is left alone, as an NTP step leaves it. The region runs
// in plaintext: a clock half a minute behind would see the region's fresh certificates as not
// yet valid, which is a fault of its own.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChassisServiceClient } from '@vpcd/api';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient } from '@vpcd/rpc';
import { startRegion, type Region } from '../region/local-region.js';
import { underLoad } from './under-load.js';

const libfaketime = '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1';
const skip = existsSync(libfaketime) ? undefined : `no ${libfaketime} (Debian's faketime)`;
const chassisIds = ['hv1', 'hv2'];

describe('a northd whose clock jumps', { skip }, () => {
  let region: Region;
  const runDir = mkdtempSync(join(tmpdir(), 'vpcd-clock-chaos-'));
  const offsetFile = join(runDir, 'northd-0.faketime');
  /** Sets northd-0's clock `offset` from the real one, in libfaketime's syntax (`+60s`). */
  const setClock = (offset: string) => writeFileSync(offsetFile, `${offset}\n`);

  before(async () => {
    setClock('+0');
    region = await startRegion({
      runDir,
      tls: false,
      northdEnv: (i): Record<string, string> =>
        i === 0
          ? {
              LD_PRELOAD: libfaketime,
              FAKETIME_TIMESTAMP_FILE: offsetFile,
              // Read the file again at most once a second, not at every call.
              FAKETIME_CACHE_DURATION: '1',
              FAKETIME_DONT_FAKE_MONOTONIC: '1',
            }
          : {},
      chassis: chassisIds.map((id, i) => ({
        id,
        underlayIp: `192.0.2.${i + 1}`,
        datapath: 'memory' as const,
      })),
    });
  });
  after(async () => {
    await region?.stop();
  });

  it('forward a minute, back 90 s: no lease changes hands, nothing is lost', async () => {
    const chassis = createClient(ChassisServiceClient, {
      logger: createLogger({ name: 'clock', level: 'silent' }),
      registry: createRegistry({ service: 'clock', collectDefault: false }),
      address: `127.0.0.1:${region.northds[1]!.grpcPort}`,
      bearerToken: region.adminToken,
    });
    const leases = async () => {
      const { chassis: all } = await chassis.listChassis({ pageSize: 1000, pageToken: '' });
      return Object.fromEntries(
        all.filter((c) => chassisIds.includes(c.id)).map((c) => [c.id, `${c.owner}@${c.epoch}`]),
      );
    };
    let before: Record<string, string> = {};
    const seen: Array<Record<string, string>> = [];
    try {
      await underLoad(region, 'clock-jumps', chassisIds, async () => {
        before = await leases();
        assert.ok(
          Object.values(before).some((l) => l.startsWith('northd-0@')),
          `northd-0 owns a chassis before the jumps: ${JSON.stringify(before)}`,
        );
        for (const offset of ['+60s', '-30s', '+0']) {
          setClock(offset);
          // Past the lease TTL (3 s) and the file's cache (1 s): a northd that judged expiry by
          // its own clock would have claimed the other's chassis, or dropped its own, by now.
          for (let i = 0; i < 10; i++) {
            seen.push(await leases());
            await sleep(500);
          }
        }
      });
    } finally {
      setClock('+0');
      chassis.close();
    }
    for (const now of seen) assert.deepEqual(now, before, 'a lease changed hands');
  });
});
