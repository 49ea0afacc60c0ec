import { ChassisServiceClient } from '@vpcd/api';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient } from '@vpcd/rpc';
import type { Region } from '../region/local-region.js';
import type { ServiceProcess } from '../region/service-process.js';
import { startPacketWatch, type PacketFixture, type PacketWatchResult } from './packet-watch.js';
import { underLoad } from './under-load.js';

/**
 * Runs `chaos` under the write load of underLoad (its history check and zero-diff audit
 * included) while a packet watch traces `fixture` on chassis `index`'s bridge, from before the
 * load starts until the audit has passed. Resolves what the watch saw.
 */
export async function packetsUnderLoad(
  region: Region,
  index: number,
  fixture: PacketFixture,
  name: string,
  chassisIds: readonly string[],
  chaos: () => Promise<void>,
): Promise<PacketWatchResult> {
  const sandbox = region.ovsSandbox(index);
  if (!sandbox) throw new Error(`chassis ${index} has no Open vSwitch`);
  const watch = startPacketWatch(sandbox, fixture);
  const failure = await (async () => {
    // A few rounds before the fault: the figures start from traffic that passed.
    while (watch.rounds() < 3) await new Promise((r) => setTimeout(r, 20));
    await underLoad(region, name, chassisIds, chaos);
  })().then(
    () => undefined,
    (err: unknown) => ({ err }),
  );
  const result = await watch.stop();
  if (failure) throw failure.err;
  return result;
}

/** The running northd that owns `chassisId` now, as the API tells. */
export async function ownerOf(region: Region, chassisId: string): Promise<ServiceProcess> {
  const chassis = createClient(ChassisServiceClient, {
    logger: createLogger({ name: 'packets', level: 'silent' }),
    registry: createRegistry({ service: 'packets', collectDefault: false }),
    address: region.northdAddr,
    bearerToken: region.adminToken,
    tls: region.clientTls,
  });
  try {
    const { owner } = await chassis.getChassis({ id: chassisId });
    const northd = region.northds.find((n) => n.name === owner);
    if (!northd) throw new Error(`${chassisId} is owned by ${owner || 'nobody'}`);
    return northd;
  } finally {
    chassis.close();
  }
}
