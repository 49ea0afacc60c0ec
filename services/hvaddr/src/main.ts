import { runUntilSignal } from '@vpcd/observability';
import { loadConfig } from './config.js';
import { createDeps } from './deps.js';
import { startHvaddr } from './server.js';

// hvaddr: loadConfig -> createDeps -> startHvaddr -> runUntilSignal. See README.md.
try {
  const config = loadConfig(process.env);
  const deps = createDeps(config);
  const hvaddr = await startHvaddr(config, deps);
  deps.logger.info(
    { dhcpPort: hvaddr.dhcpPort, metricsPort: hvaddr.metricsPort },
    'hvaddr started',
  );
  await runUntilSignal(hvaddr.stoppables, { logger: deps.logger });
} catch (err) {
  process.stderr.write(`hvaddr: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
