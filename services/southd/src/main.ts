import { runUntilSignal } from '@vpcd/observability';
import { loadConfig } from './config.js';
import { createDeps } from './deps.js';
import { startSouthd } from './server.js';

// southd: loadConfig -> createDeps -> startSouthd -> runUntilSignal. See README.md.
try {
  const config = loadConfig(process.env);
  const deps = createDeps(config);
  const southd = await startSouthd(config, deps);
  deps.logger.info(
    { grpcPort: southd.grpcPort, metricsPort: southd.metricsPort },
    'southd started',
  );
  await runUntilSignal(southd.stoppables, { logger: deps.logger });
} catch (err) {
  process.stderr.write(`southd: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
