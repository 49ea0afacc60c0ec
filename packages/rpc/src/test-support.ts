import { connect, type IncomingHttpHeaders } from 'node:http2';
// Shared set-up of this package's tests: a VpcService on a real loopback port.
import { credentials, type Client } from '@grpc/grpc-js';
import { VpcServiceService, VpcServiceClient, type Vpc } from '@vpcd/api';
import { Registry } from 'prom-client';
import type { LoggerOptions } from 'pino';
import { createClient, type ClientOptions, type PromiseClient } from './client.js';
import type { AsyncServiceImplementation } from './handler.js';
import { RpcError } from './rpc-error.js';
import { createServer, type RpcServer } from './server.js';
import type { ServerOptions } from './server-options.js';
import { Status } from './index.js';
import { captureLogger } from '@vpcd/observability/testing';

export type VpcImpl = AsyncServiceImplementation<typeof VpcServiceService>;

export function vpc(fields: Partial<Vpc> = {}): Vpc {
  return {
    id: 'vpc-1',
    projectId: 'p-1',
    name: 'blue',
    cidr: '10.0.0.0/16',
    vni: 100,
    generation: 1,
    createTime: undefined,
    ...fields,
  };
}

/** Answers GetVpc with a VPC, or NOT_FOUND for id "missing". */
export const defaultImpl: VpcImpl = {
  createVpc: (req) => Promise.resolve(vpc({ name: req.name, cidr: req.cidr })),
  getVpc: (req) =>
    req.id === 'missing'
      ? Promise.reject(new RpcError(Status.NOT_FOUND, `vpc ${req.id} not found`))
      : Promise.resolve(vpc({ id: req.id })),
  listVpcs: () => Promise.resolve({ vpcs: [vpc()], nextPageToken: '' }),
  deleteVpc: () => Promise.resolve({}),
};

export interface TestServer {
  readonly server: RpcServer;
  readonly address: string;
  readonly registry: Registry;
  readonly lines: Array<Record<string, unknown>>;
}

export async function startServer(
  options: Partial<ServerOptions> & {
    impl?: Partial<VpcImpl>;
    host?: string;
    /** pino options of the captured logger. */
    loggerOptions?: LoggerOptions;
  } = {},
): Promise<TestServer> {
  const registry = options.registry ?? new Registry();
  const captured = captureLogger('debug', options.loggerOptions);
  const server = createServer({ logger: captured.logger, registry, ...options });
  server.add(VpcServiceService, { ...defaultImpl, ...options.impl });
  const host = options.host ?? '127.0.0.1';
  const port = await server.listen(`${host}:0`);
  return { server, address: `${host}:${port}`, registry, lines: captured.lines };
}

export function vpcClient(
  address: string,
  options: Partial<ClientOptions> = {},
): PromiseClient<VpcServiceClient> {
  return createClient(VpcServiceClient, {
    address,
    logger: captureLogger().logger,
    registry: new Registry(),
    ...options,
  });
}

/** A bare grpc-js client, for calls that the typed client cannot make (bad bytes, odd paths). */
export function rawClient(address: string): Client {
  return new VpcServiceClient(address, credentials.createInsecure());
}

/** Sends `bytes` as the request of `path` and resolves the status code the server returned. */
export function rawCall(
  client: Client,
  path: string,
  bytes: Buffer,
  deadline: number = Date.now() + 10_000,
): Promise<{ code: Status; details: string }> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      bytes,
      { deadline },
      (err) =>
        resolve(err ? { code: err.code, details: err.details } : { code: Status.OK, details: '' }),
    );
  });
}

/**
 * Sends an empty request to `path` over plain HTTP/2 with `grpc-timeout: timeoutMs` and never
 * cancels it: the server's own deadline ends the call, as a grpc-js client's cancel at its
 * deadline could reach the server first (and be counted CANCELLED) on a loaded machine.
 * Resolves the grpc-status of the answer, trailers-only or not.
 */
export async function callLeavingDeadlineToServer(
  address: string,
  path: string,
  timeoutMs: number,
): Promise<Status> {
  const session = connect(`http://${address}`);
  try {
    const stream = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-timeout': `${timeoutMs}m`,
    });
    const status = new Promise<Status>((resolve, reject) => {
      const statusOf = (headers: IncomingHttpHeaders) => {
        const value = headers['grpc-status'];
        if (value !== undefined) resolve(Number(value));
      };
      stream.on('response', statusOf);
      stream.on('trailers', statusOf);
      stream.on('error', reject);
      stream.on('close', () => reject(new Error(`stream closed without a grpc-status`)));
    });
    stream.resume();
    stream.end(Buffer.alloc(5)); // one empty, uncompressed message
    return await status;
  } finally {
    session.close();
  }
}

/** Polls `read` until `done` holds; for effects that land after a response (server metrics). */
export async function eventually<T>(
  read: () => Promise<T> | T,
  done: (v: T) => boolean,
): Promise<T> {
  for (let i = 0; ; i++) {
    const value = await read();
    if (done(value) || i >= 500) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
}
