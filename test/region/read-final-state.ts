import {
  ChassisServiceClient,
  InterfaceServiceClient,
  InterfaceStatus,
  VpcServiceClient,
} from '@vpcd/api';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient, type ClientTlsOptions } from '@vpcd/rpc';
import type { FinalState } from './history/history.js';

/** Reads every page of a List call: `read(pageToken)` answers one page and the next token. */
async function allPages<T>(read: (pageToken: string) => Promise<[T[], string]>): Promise<T[]> {
  const all: T[] = [];
  let token = '';
  do {
    const [items, next] = await read(token);
    all.push(...items);
    token = next;
  } while (token);
  return all;
}

/**
 * The final state of a run as the API answers it (to the operator's token, which sees every
 * project): the interfaces of `vpcIds`, every VPC, and every chassis' epoch.
 */
export async function readFinalState(o: {
  address: string;
  token: string;
  tls?: ClientTlsOptions;
  vpcIds: readonly string[];
}): Promise<FinalState> {
  const base = {
    logger: createLogger({ name: 'final-state', level: 'silent' }),
    registry: createRegistry({ service: 'final-state', collectDefault: false }),
    address: o.address,
    bearerToken: o.token,
    tls: o.tls,
  };
  const interfaces = createClient(InterfaceServiceClient, base);
  const vpcs = createClient(VpcServiceClient, base);
  const chassis = createClient(ChassisServiceClient, base);
  try {
    const found = [];
    for (const vpcId of o.vpcIds) {
      found.push(
        ...(await allPages(async (pageToken) => {
          const page = await interfaces.listInterfaces({
            vpcId,
            chassisId: '',
            pageSize: 1000,
            pageToken,
          });
          return [page.interfaces, page.nextPageToken];
        })),
      );
    }
    const allVpcs = await allPages(async (pageToken) => {
      const page = await vpcs.listVpcs({ pageSize: 1000, pageToken });
      return [page.vpcs, page.nextPageToken];
    });
    const allChassis = await allPages(async (pageToken) => {
      const page = await chassis.listChassis({ pageSize: 1000, pageToken });
      return [page.chassis, page.nextPageToken];
    });
    return {
      interfaces: found.map((i) => ({
        id: i.id,
        vpcId: i.vpcId,
        chassisId: i.chassisId,
        name: i.name,
        ip: i.ip,
        mac: i.mac,
        active: i.status === InterfaceStatus.INTERFACE_STATUS_ACTIVE,
      })),
      vpcs: allVpcs.map((v) => ({ id: v.id, vni: v.vni, cidr: v.cidr })),
      epochs: new Map(allChassis.map((c) => [c.id, Number(c.epoch)])),
    };
  } finally {
    for (const c of [interfaces, vpcs, chassis]) c.close();
  }
}
