import { fileURLToPath } from 'node:url';
import { fleetChassisId } from '@vpcd/hvflowd';
import { FLEET_PREFIX, type Region } from '../../region/local-region.js';
import { spawnService, type ServiceProcess } from '../../region/service-process.js';

const hvflowdMain = fileURLToPath(
  new URL('../../../../services/hvflowd/dist/main.js', import.meta.url),
);

export interface FleetProcessOptions {
  /** Simulated chassis, `sim-0000`... */
  readonly size: number;
  /** Where its log goes. */
  readonly runDir: string;
  /** gRPC port; 0 for any. A restart passes the port of the previous life, as it registered it. */
  readonly grpcPort?: number;
}

/** The chassis ids a fleet of `size` simulates. */
export function fleetChassisIds(size: number): string[] {
  return Array.from({ length: size }, (_, i) => fleetChassisId('sim', i, size));
}

/**
 * One hvflowd process simulating a fleet on the memory datapath, configured as the local
 * region starts its own fleet, but started here so its start can be timed apart from the
 * region's and so it can be restarted on the same address. The region must accept fleet
 * identities (its `fleetIdentities` option: ALLOW_FLEET_IDENTITIES at northd and southd).
 */
export async function spawnFleet(region: Region, o: FleetProcessOptions): Promise<ServiceProcess> {
  return spawnService({
    name: 'hvflowd-fleet',
    script: hvflowdMain,
    readyMessage: 'hvflowd started',
    logDir: o.runDir,
    env: {
      GRPC_LISTEN: `127.0.0.1:${o.grpcPort ?? 0}`,
      METRICS_LISTEN: '127.0.0.1:0',
      LOG_LEVEL: 'info',
      OTEL_TRACES_EXPORTER: 'none',
      NORTHD_ADDR: region.northdAddr,
      // Its own certificate, or without TLS a service token of its own (never the admin's).
      ...(await region.agentEnv(`hvflowd-fleet:${FLEET_PREFIX}`)),
      ...(region.tls ? {} : { HVFLOWD_INSECURE_DEV: 'true' }),
      SIMULATE_CHASSIS: String(o.size),
      FLEET_PREFIX,
      DATAPATH: 'memory',
    },
  });
}

/** Whether the process' /readyz answers 200: for hvflowd, every chassis applied its first sync. */
export async function isReady(p: ServiceProcess): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${p.metricsPort}/readyz`);
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}
