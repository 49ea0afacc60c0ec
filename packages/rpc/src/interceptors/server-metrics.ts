import type { Registry } from 'prom-client';
import { methodMetrics, type MethodMetrics } from '../metrics.js';
import { unknownMethod, type MethodInfo } from '../method.js';
import type { LayerSteps, ServerLayer } from '../server-layer.js';

interface Counted {
  readonly metrics: MethodMetrics;
  /** Shared by every call of the method: counting messages needs nothing of the call. */
  readonly steps: LayerSteps;
}

function counted(metrics: MethodMetrics): Counted {
  return {
    metrics,
    steps: { onReceiveMessage: () => metrics.received(), onSendMessage: () => metrics.sent() },
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
  const byPath = new Map<string, Counted>();
  const unknown = counted(methodMetrics(registry, 'server', unknownMethod));
  const register = (info: MethodInfo) => {
    if (!byPath.has(info.path)) {
      byPath.set(info.path, counted(methodMetrics(registry, 'server', info)));
    }
  };
  const layer: ServerLayer = ({ path, state }) => {
    const { metrics, steps } = byPath.get(path) ?? unknown;
    const startMs = performance.now();
    metrics.started();
    state.onEnd((end) => metrics.handled(end.code, (performance.now() - startMs) / 1000));
    return steps;
  };
  return { layer, register };
}
