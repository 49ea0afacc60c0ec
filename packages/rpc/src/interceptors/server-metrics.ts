import { ServerInterceptingCall, type ServerInterceptor } from '@grpc/grpc-js';
import type { Registry } from 'prom-client';
import { adopt, callState } from '../call-state.js';
import { methodMetrics, type MethodMetrics } from '../metrics.js';
import { unknownMethod, type MethodInfo } from '../method.js';

/**
 * Counts calls, messages and outcomes with the go-grpc-prometheus names. Every method in
 * `methods` must be known before the first call; calls to any other path count as
 * grpc_service="unknown", grpc_method="unknown".
 */
export function serverMetricsInterceptor(
  registry: Registry,
  methods: ReadonlyMap<string, MethodInfo>,
): { interceptor: ServerInterceptor; register(info: MethodInfo): void } {
  const byPath = new Map<string, MethodMetrics>();
  const unknown = methodMetrics(registry, 'server', unknownMethod);
  const register = (info: MethodInfo) => {
    if (!byPath.has(info.path)) byPath.set(info.path, methodMetrics(registry, 'server', info));
  };
  for (const info of methods.values()) register(info);

  const interceptor: ServerInterceptor = (method, call) => {
    const metrics = byPath.get(method.path) ?? unknown;
    const state = callState(call);
    const startMs = performance.now();
    metrics.started();
    state.onEnd((end) => metrics.handled(end.code, (performance.now() - startMs) / 1000));
    const wrapped = new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMessage: (message, nextMessage) => {
            metrics.received();
            nextMessage(message);
          },
        }),
      sendMessage: (message, next) => {
        metrics.sent();
        next(message);
      },
    });
    return adopt(wrapped, state);
  };
  return { interceptor, register };
}
