import { status as Status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { codeLogLevel, codeName } from '../codes.js';
import { unknownMethod } from '../method.js';
import type { LayerSteps, ServerLayer } from '../server-layer.js';

// Probes call health every few seconds; their lines would drown the rest.
const quietServices = new Set(['grpc.health.v1.Health']);

/**
 * Writes one structured line per finished call: method, code, duration, peer and trace id.
 * Metadata (which may hold credentials) is never logged.
 */
export function serverLoggingLayer(logger: Logger): ServerLayer {
  const steps: LayerSteps = {
    onEnd: (end, { info, path, state, grpc, startMs }) => {
      const level = quietServices.has(info.service) ? 'debug' : codeLogLevel(end.code);
      if (!logger.isLevelEnabled(level)) return;
      const fields: Record<string, unknown> = {
        'grpc.service': info === unknownMethod ? path.slice(0, 200) : info.service,
        'grpc.method': info.method,
        'grpc.code': codeName(end.code),
        'grpc.duration_ms': Math.round((performance.now() - startMs) * 1000) / 1000,
        peer: grpc.getPeer(),
        trace_id: state.traceId,
      };
      if (end.code !== Status.OK) fields['grpc.error'] = end.details;
      logger[level](fields, 'finished call');
    },
  };
  return () => steps;
}
