import { HvflowdServiceClient, maxStateMessageBytes } from '@vpcd/api';
import { createClient, type ClientTlsOptions, type PromiseClient } from '@vpcd/rpc';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { hvflowdIdentityCheck } from './hvflowd-identity.js';

export interface HvflowdClientsOptions {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly tls: ClientTlsOptions | undefined;
  /**
   * Check that the hvflowd dialled for a chassis presents that chassis' identity (default); off
   * only where one certificate is shared by every hypervisor (HVFLOWD_SERVER_NAME).
   */
  readonly checkChassisIdentity: boolean;
  /** In that check, accept a simulated fleet's `hvflowd-fleet:<prefix>` (ALLOW_FLEET_IDENTITIES). */
  readonly allowFleetIdentities: boolean;
  readonly bearerToken: string | undefined;
  /** Clients kept open; the least recently used is closed past it. Default 4096. */
  readonly maxClients?: number;
}

/**
 * One client per hvflowd address, created on first use, least recently used closed first. With
 * TLS and the chassis identity check, one per address and chassis: each connection verifies
 * that the server names the chassis it was dialled for (a fleet process then has a connection
 * per simulated chassis).
 */
export class HvflowdClients {
  private readonly clients = new Map<string, PromiseClient<HvflowdServiceClient>>();
  /** Per client key: why the last connection was refused, while it is refused. */
  private readonly refusals = new Map<string, string>();
  private readonly refused: Counter;

  constructor(private readonly options: HvflowdClientsOptions) {
    this.refused = new Counter({
      name: 'southd_hvflowd_identity_refused_total',
      help: 'Connections to an hvflowd refused because its certificate did not name the chassis dialled for.',
      registers: [options.registry],
    });
  }

  /**
   * Why the hvflowd at `address` was refused for `chassisId` (its certificate names another
   * identity), while it is; undefined when it was not, or passed since.
   */
  identityRefusal(address: string, chassisId: string): string | undefined {
    return this.refusals.get(`${chassisId}@${address}`);
  }

  get(address: string, chassisId: string): PromiseClient<HvflowdServiceClient> {
    const { tls } = this.options;
    const perChassis = tls !== undefined && this.options.checkChassisIdentity;
    const key = perChassis ? `${chassisId}@${address}` : address;
    let client = this.clients.get(key);
    if (client) {
      this.clients.delete(key); // re-insert: Map order is the recency order
    } else {
      client = createClient(HvflowdServiceClient, {
        address,
        logger: this.options.logger,
        registry: this.options.registry,
        tls: perChassis
          ? {
              ...tls,
              checkServerIdentity: hvflowdIdentityCheck(
                chassisId,
                this.options.allowFleetIdentities,
                (refusal) => {
                  if (refusal === undefined) this.refusals.delete(key);
                  else {
                    this.refusals.set(key, refusal);
                    this.refused.inc();
                  }
                },
              ),
            }
          : tls,
        bearerToken: this.options.bearerToken,
        // What hvflowd receives at most (see @vpcd/api limits): larger is refused here, for good.
        channelOptions: { 'grpc.max_send_message_length': maxStateMessageBytes },
      });
      const max = this.options.maxClients ?? 4096;
      if (this.clients.size >= max) {
        const [oldest, stale] = this.clients.entries().next().value!;
        stale.close();
        this.clients.delete(oldest);
        this.refusals.delete(oldest);
      }
    }
    this.clients.set(key, client);
    return client;
  }

  closeAll(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
    this.refusals.clear();
  }
}
