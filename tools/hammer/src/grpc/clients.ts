import {
  ChassisServiceClient,
  InterfaceServiceClient,
  ProjectServiceClient,
  VpcServiceClient,
} from '@vpcd/api';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient, type ClientTlsOptions, type PromiseClient } from '@vpcd/rpc';

export interface Clients {
  readonly vpcs: PromiseClient<VpcServiceClient>;
  readonly interfaces: PromiseClient<InterfaceServiceClient>;
  readonly chassis: PromiseClient<ChassisServiceClient>;
  readonly projects: PromiseClient<ProjectServiceClient>;
  close(): void;
}

export interface ConnectOptions {
  readonly address: string;
  readonly token: string | undefined;
  readonly tls: ClientTlsOptions | undefined;
  readonly callDeadlineMs: number;
}

/** The northd clients of one credential. The hammer's own logs and metrics are not kept. */
export function openClients(options: ConnectOptions): Clients {
  const base = {
    address: options.address,
    logger: createLogger({ name: 'hammer', level: 'silent' }),
    registry: createRegistry({ service: 'hammer', collectDefault: false }),
    tls: options.tls,
    defaultDeadlineMs: options.callDeadlineMs,
    bearerToken: options.token,
  };
  const clients = {
    vpcs: createClient(VpcServiceClient, base),
    interfaces: createClient(InterfaceServiceClient, base),
    chassis: createClient(ChassisServiceClient, base),
    projects: createClient(ProjectServiceClient, base),
  };
  return { ...clients, close: () => Object.values(clients).forEach((c) => c.close()) };
}
