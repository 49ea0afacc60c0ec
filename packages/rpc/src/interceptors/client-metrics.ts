import type { Registry } from 'prom-client';
import type { ClientLayer, ClientLayerSteps } from '../client-layer.js';
import { methodMetrics, type MethodMetrics } from '../metrics.js';
import { describeService, type MethodDefinitionLike } from '../method.js';

/** Counts calls, messages and outcomes with the go-grpc-prometheus grpc_client_* names. */
export function clientMetricsLayer(
  registry: Registry,
  definition: Record<string, MethodDefinitionLike>,
): ClientLayer {
  const byPath = new Map<string, { metrics: MethodMetrics; messages: ClientLayerSteps }>(
    describeService(definition).map((info) => {
      const metrics = methodMetrics(registry, 'client', info);
      const messages = {
        onSendMessage: () => metrics.sent(),
        onReceiveMessage: () => metrics.received(),
      };
      return [info.path, { metrics, messages }];
    }),
  );
  return ({ path }) => {
    const counted = byPath.get(path);
    if (!counted) return undefined;
    const { metrics, messages } = counted;
    const startMs = performance.now();
    metrics.started();
    return {
      ...messages,
      onReceiveStatus: (status) =>
        metrics.handled(status.code, (performance.now() - startMs) / 1000),
    };
  };
}
