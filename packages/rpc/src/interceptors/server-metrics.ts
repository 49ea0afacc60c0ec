import type { Registry } from 'prom-client';
import { methodMetrics, type MethodMetrics } from '../metrics.js';
import { unknownMethod, type MethodInfo } from '../method.js';
import type { LayerSteps, ServerLayer } from '../server-layer.js';

/** The steps of every call of one method: counting needs nothing of the call but its start. */
function countingSteps(metrics: MethodMetrics): LayerSteps {
  return {
    onReceiveMessage: () => metrics.received(),
    onSendMessage: () => metrics.sent(),
    onEnd: (end, call) => metrics.handled(end.code, (performance.now() - call.startMs) / 1000),
  };
}

/**
 * Counts calls, messages and outcomes with the go-grpc-prometheus names. Every method must be
 * registered before its first call; calls to any other path count as grpc_service="unknown",
 * grpc_method="unknown".
 */
export function serverMetricsLayer(registry: Registry): {
  layer: ServerLayer;
  register(info: MethodInfo): void;
} {
  const byPath = new Map<string, { metrics: MethodMetrics; steps: LayerSteps }>();
  const counted = (metrics: MethodMetrics) => ({ metrics, steps: countingSteps(metrics) });
  const unknown = counted(methodMetrics(registry, 'server', unknownMethod));
  const register = (info: MethodInfo) => {
    if (!byPath.has(info.path)) {
      byPath.set(info.path, counted(methodMetrics(registry, 'server', info)));
    }
  };
  const layer: ServerLayer = ({ path }) => {
    const { metrics, steps } = byPath.get(path) ?? unknown;
    metrics.started();
    return steps;
  };
  return { layer, register };
}
