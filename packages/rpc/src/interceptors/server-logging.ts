import { status as Status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { codeLogLevel, codeName } from '../codes.js';
import { lineWriter } from '../log-line.js';
import { unknownMethod, type MethodInfo } from '../method.js';
import type { LayerCall, LayerSteps, ServerLayer } from '../server-layer.js';

// Probes call health every few seconds; their lines would drown the rest.
const quietServices = new Set(['grpc.health.v1.Health']);
const message = 'finished call';

/** The service as logs label it: the path, cut short, for a method nobody serves. */
const serviceOf = ({ info, path }: LayerCall) =>
  info === unknownMethod ? path.slice(0, 200) : info.service;

/** The JSON of each part of the line that repeats, made once: methods and codes. */
class LineParts {
  private readonly methods = new Map<MethodInfo, string>();
  private readonly codes = new Map<Status, string>();

  method(call: LayerCall): string {
    const { info } = call;
    const known = info !== unknownMethod;
    let json = known ? this.methods.get(info) : undefined;
    if (json === undefined) {
      json = `,"grpc.service":${JSON.stringify(serviceOf(call))},"grpc.method":${JSON.stringify(info.method)}`;
      if (known) this.methods.set(info, json);
    }
    return json;
  }

  code(code: Status): string {
    let json = this.codes.get(code);
    if (json === undefined) {
      json = `,"grpc.code":${JSON.stringify(codeName(code))}`;
      this.codes.set(code, json);
    }
    return json;
  }
}

/**
 * Writes one structured line per finished call: method, code, duration, peer and trace id.
 * Metadata (which may hold credentials) is never logged. The line is built from its parts'
 * JSON, made once where they repeat (see lineWriter), unless the logger needs pino's own path.
 */
export function serverLoggingLayer(logger: Logger): ServerLayer {
  const writer = lineWriter(logger);
  const parts = new LineParts();
  const durationMs = ({ startMs }: LayerCall) =>
    Math.round((performance.now() - startMs) * 1000) / 1000;
  const steps: LayerSteps = {
    onEnd: (end, call) => {
      const level = quietServices.has(call.info.service) ? 'debug' : codeLogLevel(end.code);
      if (!logger.isLevelEnabled(level)) return;
      if (writer === undefined) {
        const fields: Record<string, unknown> = {
          'grpc.service': serviceOf(call),
          'grpc.method': call.info.method,
          'grpc.code': codeName(end.code),
          'grpc.duration_ms': durationMs(call),
          peer: call.grpc.getPeer(),
          trace_id: call.state.traceId,
        };
        if (end.code !== Status.OK) fields['grpc.error'] = end.details;
        logger[level](fields, message);
        return;
      }
      const error = end.code === Status.OK ? '' : `,"grpc.error":${JSON.stringify(end.details)}`;
      writer.write(
        level,
        `${parts.method(call)}${parts.code(end.code)},"grpc.duration_ms":${durationMs(call)}` +
          `,"peer":${JSON.stringify(call.grpc.getPeer())},"trace_id":${JSON.stringify(call.state.traceId)}${error}`,
        message,
      );
    },
  };
  return () => steps;
}
