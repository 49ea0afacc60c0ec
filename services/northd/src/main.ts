import { runUntilSignal } from '@vpcd/observability';
import { loadConfig } from './config.js';
import { createDeps } from './deps.js';
import { startNorthd } from './server.js';

// northd: loadConfig -> createDeps -> startNorthd -> runUntilSignal. See README.md.
try {
  const config = loadConfig(process.env);
  const deps = await createDeps(config);
  const northd = await startNorthd(config, deps);
  deps.logger.info(
    { northdId: config.northdId, grpcPort: northd.grpcPort, metricsPort: northd.metricsPort },
    'northd started',
  );
  await runUntilSignal(northd.stoppables, { logger: deps.logger });
} catch (err) {
  process.stderr.write(`northd: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
