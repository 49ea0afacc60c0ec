import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { parseListenAddress } from './listen-address.js';

/** A health check: true when healthy. Throwing or rejecting counts as unhealthy. */
export type HealthCheck = () => boolean | Promise<boolean>;

export interface HttpServerOptions {
  /** "host:port", ":port", "port" or a port number; port 0 picks a free port. */
  listen: string | number;
  registry: Registry;
  logger: Logger;
  /** Extra readiness condition, checked on every /readyz after setReady(true). */
  readiness?: HealthCheck;
  /** Liveness condition for /healthz. Default: alive while the process answers. */
  liveness?: HealthCheck;
}

export interface HttpServer {
  /** The port actually bound (the ephemeral one when port 0 was asked for). */
  readonly port: number;
  /** "host:port" actually bound, IPv6 hosts in brackets. */
  readonly address: string;
  /** /readyz answers 503 until this is called with true (and after it is called with false). */
  setReady(ready: boolean): void;
  /** Stops listening, drops open connections and resolves once the server is closed. Idempotent. */
  close(): Promise<void>;
}

/** Starts the operations endpoint of a program: GET /metrics, /healthz and /readyz. */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { host, port } = parseListenAddress(options.listen);
  const log = options.logger.child({ component: 'ops-http' });
  let ready = false;
  const probe = async (check: HealthCheck | undefined, name: string): Promise<boolean> => {
    try {
      return check === undefined || (await check());
    } catch (error: unknown) {
      log.warn({ err: error }, `${name} check failed`);
      return false;
    }
  };
  const routes = new Map<string, (res: ServerResponse) => Promise<void>>();
  routes.set('/metrics', async (res) => {
    const body = await options.registry.metrics();
    send(res, 200, body, options.registry.contentType);
  });
  routes.set('/healthz', async (res) => {
    const alive = await probe(options.liveness, 'liveness');
    send(res, alive ? 200 : 503, alive ? 'ok\n' : 'not alive\n');
  });
  routes.set('/readyz', async (res) => {
    const isReady = ready && (await probe(options.readiness, 'readiness'));
    send(res, isReady ? 200 : 503, isReady ? 'ok\n' : 'not ready\n');
  });
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const route = routes.get(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (route === undefined) {
      return send(res, 404, 'not found\n');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, 'method not allowed\n');
    }
    await route(res);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error({ err: error, path: req.url }, 'ops request failed');
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => log.error({ err: error }, 'ops server error'));
  const bound = server.address() as AddressInfo;
  const address = `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
  log.info({ address }, 'ops server listening');
  let closed: Promise<void> | undefined;
  return {
    port: bound.port,
    address,
    setReady(value) {
      ready = value;
    },
    close: () =>
      (closed ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      })),
  };
}

function send(res: ServerResponse, status: number, body: string, contentType?: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType ?? 'text/plain; charset=utf-8');
  res.end(body);
}
