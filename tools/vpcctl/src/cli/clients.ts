import { createLogger, createRegistry } from '@vpcd/observability';
import { northdClients, type NorthdClients } from '@vpcd/rpc';
import type { Io } from './io.js';
import type { Settings } from './settings.js';

/** The northd services, on one set of settings. */
export type Clients = NorthdClients;

/** Opens the clients lazily (nothing connects before the first call). Logs go to stderr with -v. */
export function createClients(settings: Settings, io: Io): Clients {
  return northdClients({
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
  });
}
