import {
  ChassisServiceClient,
  InterfaceServiceClient,
  ProjectServiceClient,
  VpcServiceClient,
} from '@vpcd/api';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient, type PromiseClient } from '@vpcd/rpc';
import type { Io } from './io.js';
import type { Settings } from './settings.js';

/** The northd services, on one set of settings. */
export interface Clients {
  readonly vpcs: PromiseClient<VpcServiceClient>;
  readonly interfaces: PromiseClient<InterfaceServiceClient>;
  readonly chassis: PromiseClient<ChassisServiceClient>;
  readonly projects: PromiseClient<ProjectServiceClient>;
  close(): void;
}

/** Opens the clients lazily (nothing connects before the first call). Logs go to stderr with -v. */
export function createClients(settings: Settings, io: Io): Clients {
  const base = {
    address: settings.address,
    logger: createLogger({
      name: 'vpcctl',
      level: settings.verbose ? 'debug' : 'silent',
      destination: { write: (line: string) => void io.stderr.write(line) },
    }),
    registry: createRegistry({ service: 'vpcctl', collectDefault: false }),
    tls: settings.tls,
    defaultDeadlineMs: settings.timeoutMs,
    bearerToken: settings.token,
  };
  const clients = {
    vpcs: createClient(VpcServiceClient, base),
    interfaces: createClient(InterfaceServiceClient, base),
    chassis: createClient(ChassisServiceClient, base),
    projects: createClient(ProjectServiceClient, base),
  };
  return { ...clients, close: () => Object.values(clients).forEach((c) => c.close()) };
}
