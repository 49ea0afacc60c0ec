import { fileURLToPath } from 'node:url';
import type { Region } from './local-region.js';
import { spawnService, type ServiceProcess } from './service-process.js';

const hvaddrMain = fileURLToPath(new URL('../../../services/hvaddr/dist/main.js', import.meta.url));

/**
 * hvaddr for one chassis of `region`, as its own process: DHCP on a free UDP port of 127.0.0.1
 * (relayed clients only: no interface faces guests here), metrics on a free port. Its `started`
 * fields include `dhcpPort`. The region does not run hvaddr itself: a chassis of a local region
 * has no guests to serve.
 */
export async function startHvaddr(
  region: Region,
  o: { chassisId: string; runDir: string },
): Promise<ServiceProcess> {
  return spawnService({
    name: `hvaddr-${o.chassisId}`,
    script: hvaddrMain,
    readyMessage: 'hvaddr started',
    logDir: o.runDir,
    env: {
      CHASSIS_ID: o.chassisId,
      NORTHD_ADDR: region.northdAddr,
      // Its own certificate, or without TLS (tls: false) a service token of its own.
      ...(await region.agentEnv(`hvaddr:${o.chassisId}`)),
      DHCP_CLIENT_IDENTITY: 'chaddr',
      DHCP_LISTEN: '127.0.0.1:0',
      METRICS_LISTEN: '127.0.0.1:0',
      BINDINGS_REFRESH_MS: '200',
      LOG_LEVEL: 'info',
      OTEL_TRACES_EXPORTER: 'none',
    },
  });
}
