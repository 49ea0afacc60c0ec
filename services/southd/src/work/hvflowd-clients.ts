import { HvflowdServiceClient, maxStateMessageBytes } from '@vpcd/api';
import { createClient, type ClientTlsOptions, type PromiseClient } from '@vpcd/rpc';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export interface HvflowdClientsOptions {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly tls: ClientTlsOptions | undefined;
  readonly bearerToken: string | undefined;
  /** Clients kept open; the least recently used is closed past it. Default 4096. */
  readonly maxClients?: number;
}

/** One client per hvflowd address, created on first use, least recently used closed first. */
export class HvflowdClients {
  private readonly clients = new Map<string, PromiseClient<HvflowdServiceClient>>();

  constructor(private readonly options: HvflowdClientsOptions) {}

  get(address: string): PromiseClient<HvflowdServiceClient> {
    let client = this.clients.get(address);
    if (client) {
      this.clients.delete(address); // re-insert: Map order is the recency order
    } else {
      client = createClient(HvflowdServiceClient, {
        address,
        logger: this.options.logger,
        registry: this.options.registry,
        tls: this.options.tls,
        bearerToken: this.options.bearerToken,
        // What hvflowd receives at most (see @vpcd/api limits): larger is refused here, for good.
        channelOptions: { 'grpc.max_send_message_length': maxStateMessageBytes },
      });
      const max = this.options.maxClients ?? 4096;
      if (this.clients.size >= max) {
        const [oldest, stale] = this.clients.entries().next().value!;
        stale.close();
        this.clients.delete(oldest);
      }
    }
    this.clients.set(address, client);
    return client;
  }

  closeAll(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}
