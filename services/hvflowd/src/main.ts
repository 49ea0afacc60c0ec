import { runUntilSignal } from '@vpcd/observability';
import { loadConfig } from './config.js';
import { createDeps } from './deps.js';
import { startHvflowd } from './server.js';

// hvflowd: loadConfig -> createDeps -> startHvflowd -> runUntilSignal. See README.md.
try {
  const config = loadConfig(process.env);
  const deps = createDeps(config);
  const hvflowd = await startHvflowd(config, deps);
  deps.logger.info(
    {
      chassis: config.chassis,
      datapath: config.datapath,
      address: hvflowd.address,
      grpcPort: hvflowd.grpcPort,
      metricsPort: hvflowd.metricsPort,
    },
    'hvflowd started',
  );
  await runUntilSignal(hvflowd.stoppables, { logger: deps.logger });
} catch (err) {
  process.stderr.write(`hvflowd: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
