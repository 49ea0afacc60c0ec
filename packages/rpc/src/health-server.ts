import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { HealthImplementation } from 'grpc-health-check';
import type { Logger } from 'pino';
import { destroySessions } from './private-state.js';

/**
 * A plaintext gRPC server that serves grpc.health.v1.Health and nothing else, sharing the
 * HealthImplementation of an RpcServer, so it reports that server's status (NOT_SERVING from the
 * start of its drain). It exists for probes that cannot speak TLS, such as kubelet's gRPC
 * probes, while the main port requires it. Calls here skip the metrics, tracing and logging
 * layers: probes every few seconds would swamp the request metrics and logs.
 */
export class HealthServer {
  private readonly grpc = new Server();

  constructor(
    health: HealthImplementation,
    private readonly logger: Logger,
  ) {
    health.addToServer(this.grpc);
  }

  /** Listens on `address` (`host:port`; port 0 picks a free one) and resolves the bound port. */
  async listen(address: string): Promise<number> {
    const port = await new Promise<number>((resolve, reject) => {
      this.grpc.bindAsync(address, ServerCredentials.createInsecure(), (err, bound) =>
        err ? reject(err) : resolve(bound),
      );
    });
    this.logger.info({ address, port }, 'gRPC health listening (plaintext, health only)');
    return port;
  }

  /**
   * Closes the port and every connection at once: health calls carry no work worth waiting
   * for, and an open Watch stream would otherwise hold the shutdown.
   */
  close(): void {
    destroySessions(this.grpc);
    this.grpc.forceShutdown();
  }
}
