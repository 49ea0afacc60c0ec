import { northdClients, type ClientTlsOptions, type NorthdClients } from '@vpcd/rpc';

export type Clients = NorthdClients;

export interface ConnectOptions {
  readonly address: string;
  readonly token: string | undefined;
  readonly tls: ClientTlsOptions | undefined;
  readonly callDeadlineMs: number;
}

/** The northd clients of one credential. The hammer's own logs and metrics are not kept. */
export function openClients(options: ConnectOptions): Clients {
  return northdClients({
    address: options.address,
    tls: options.tls,
    defaultDeadlineMs: options.callDeadlineMs,
    bearerToken: options.token,
  });
}
