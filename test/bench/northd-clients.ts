import {
  ChassisServiceClient,
  InterfaceServiceClient,
  ProjectServiceClient,
  VpcServiceClient,
} from '@vpcd/api';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient, type ClientTlsOptions, type PromiseClient } from '@vpcd/rpc';

/** The API of one northd, as vpcctl sees it: @vpcd/rpc clients with the admin bearer token. */
export interface NorthdClients {
  readonly vpcs: PromiseClient<VpcServiceClient>;
  readonly interfaces: PromiseClient<InterfaceServiceClient>;
  readonly chassis: PromiseClient<ChassisServiceClient>;
  readonly projects: PromiseClient<ProjectServiceClient>;
  close(): void;
}

/** Clients of the northd on `grpcPort`; plaintext unless `tls` (the region's `clientTls`). */
export function northdClients(
  grpcPort: number,
  bearerToken: string,
  tls?: ClientTlsOptions,
): NorthdClients {
  const options = {
    address: `127.0.0.1:${grpcPort}`,
    logger: createLogger({ name: 'northd-bench', level: 'silent' }),
    registry: createRegistry({ service: 'northd-bench', collectDefault: false }),
    bearerToken,
    tls,
  };
  const clients = {
    vpcs: createClient(VpcServiceClient, options),
    interfaces: createClient(InterfaceServiceClient, options),
    chassis: createClient(ChassisServiceClient, options),
    projects: createClient(ProjectServiceClient, options),
  };
  return { ...clients, close: () => Object.values(clients).forEach((c) => c.close()) };
}

/** Round-robin over the northd instances: call i goes to instance i mod n. */
export function alternate<T>(items: readonly T[]): (i: number) => T {
  if (items.length === 0) throw new Error('nothing to alternate between');
  return (i) => items[i % items.length] as T;
}
