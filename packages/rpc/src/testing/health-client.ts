import {
  credentials,
  loadPackageDefinition,
  type Client,
  type ClientReadableStream,
  type ServiceClientConstructor,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';

/** A grpc.health.v1.Health client with promise-returning check(). */
export interface HealthClient {
  /** Resolves SERVING, NOT_SERVING or UNKNOWN; rejects NOT_FOUND for an unknown service. */
  check(service: string): Promise<string>;
  watch(service: string): ClientReadableStream<{ status: string }>;
  close(): void;
}

let constructor: ServiceClientConstructor | undefined;

export function healthClient(address: string): HealthClient {
  constructor ??= (
    loadPackageDefinition(loadSync(protoPath, { enums: String })) as unknown as {
      grpc: { health: { v1: { Health: ServiceClientConstructor } } };
    }
  ).grpc.health.v1.Health;
  const client = new constructor(address, credentials.createInsecure()) as unknown as Client & {
    check(req: { service: string }, cb: (e: Error | null, res?: { status: string }) => void): void;
    watch(req: { service: string }): ClientReadableStream<{ status: string }>;
  };
  return {
    check: (service) =>
      new Promise((resolve, reject) =>
        client.check({ service }, (err, res) => (err ? reject(err) : resolve(res!.status))),
      ),
    watch: (service) => client.watch({ service }),
    close: () => client.close(),
  };
}
