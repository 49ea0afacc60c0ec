import {
  ChassisServiceClient,
  InterfaceServiceClient,
  ProjectServiceClient,
  VpcServiceClient,
} from '@vpcd/api';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { createClient, type ClientOptions, type PromiseClient } from './client.js';

/** northd's public API: one client per service, on one address and credential. */
export interface NorthdClients {
  readonly projects: PromiseClient<ProjectServiceClient>;
  readonly vpcs: PromiseClient<VpcServiceClient>;
  readonly interfaces: PromiseClient<InterfaceServiceClient>;
  readonly chassis: PromiseClient<ChassisServiceClient>;
  close(): void;
}

/**
 * As ClientOptions; a caller that keeps no client logs or metrics (tests, load generators)
 * leaves out `logger` (silent) and `registry` (one of its own).
 */
export type NorthdClientOptions = Omit<ClientOptions, 'logger' | 'registry'> & {
  readonly logger?: Logger;
  readonly registry?: Registry;
};

/**
 * The clients of every northd service, built the one way vpcctl, hammer, the benches and the
 * tests share. Nothing connects before the first call.
 */
export function northdClients(options: NorthdClientOptions): NorthdClients {
  const base: ClientOptions = {
    ...options,
    logger: options.logger ?? pino({ level: 'silent' }),
    registry: options.registry ?? new Registry(),
  };
  const clients = {
    projects: createClient(ProjectServiceClient, base),
    vpcs: createClient(VpcServiceClient, base),
    interfaces: createClient(InterfaceServiceClient, base),
    chassis: createClient(ChassisServiceClient, base),
  };
  return { ...clients, close: () => Object.values(clients).forEach((c) => c.close()) };
}
