// The local demo while the services are being built: starts what exists (the instrumented RPC
// server with health and reflection, and the /metrics /healthz /readyz server), checks them
// through a real client, prints where they are, and waits for Ctrl-C (exits at once with --once).
import { loadPackageDefinition as loadApi } from '@vpcd/api';
import { createLogger, createRegistry, startHttpServer } from '@vpcd/observability';
import { createServer } from '@vpcd/rpc';
import { healthClient } from '@vpcd/rpc/testing';

const once = process.argv.includes('--once');
const logger = createLogger({ name: 'demo', level: 'warn' });
const registry = createRegistry({ service: 'demo' });

const server = createServer({ logger, registry, reflection: loadApi() });
const grpcPort = await server.listen(process.env.GRPC_LISTEN ?? '127.0.0.1:0');
const http = await startHttpServer({
  listen: process.env.METRICS_LISTEN ?? '127.0.0.1:0',
  registry,
  logger,
});
http.setReady(true);

const health = healthClient(`127.0.0.1:${grpcPort}`);
const status = await health.check('');
health.close();
const metrics = await (await fetch(`http://${http.address}/metrics`)).text();
const ok = status === 'SERVING' && metrics.includes('grpc_server_handled_total');

process.stdout.write(
  [
    'vpcd local demo: the foundation (packages/rpc, packages/observability).',
    'northd, southd, hvflowd and hvaddr are not built yet, so no region runs.',
    `  gRPC (health, reflection)  127.0.0.1:${grpcPort}   health: ${status}`,
    `  metrics                    http://${http.address}/metrics`,
    `  health, readiness          http://${http.address}/healthz  /readyz`,
    ok ? 'foundation verified.' : 'foundation check FAILED.',
    '',
  ].join('\n'),
);

async function stop(code: number): Promise<never> {
  await server.shutdown();
  await http.close();
  process.exit(code);
}
if (once || !ok) {
  await stop(ok ? 0 : 1);
} else {
  process.stdout.write('Ctrl-C stops it.\n');
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
}
