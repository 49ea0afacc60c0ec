import type { EnvReader } from './env-reader.js';
import { parseListenAddress } from './listen-address.js';
import { loadTracingConfig, type TracingConfig } from './tracing-config.js';

/** A listen address variable (`host:port`, `:port` or `port`); `fallback` when unset. */
export function readListen(r: EnvReader, variable: string, fallback: string): string {
  const value = r.string(variable) ?? fallback;
  try {
    parseListenAddress(value);
  } catch (err) {
    r.report(variable, err instanceof Error ? err.message : String(err));
  }
  return value;
}

/**
 * HEALTH_LISTEN: the opt-in plaintext port serving only grpc.health.v1 (for kubelet's gRPC
 * probes, which cannot speak TLS); undefined when unset. It needs a port of its own: a port
 * of one of `taken` (variable -> address) is reported.
 */
export function readHealthListen(
  r: EnvReader,
  taken: Readonly<Record<string, string>>,
): string | undefined {
  if (r.string('HEALTH_LISTEN') === undefined) return undefined;
  const value = readListen(r, 'HEALTH_LISTEN', '');
  const portOf = (address: string) => {
    try {
      return parseListenAddress(address).port;
    } catch {
      return undefined; // reported by readListen
    }
  };
  const port = portOf(value);
  const clash = Object.keys(taken).find((name) => port && portOf(taken[name]!) === port);
  if (clash) r.report('HEALTH_LISTEN', `port ${port} is ${clash}'s: the health port needs its own`);
  return value;
}

/**
 * The OpenTelemetry configuration from the OTEL_* variables of `env`, its problems recorded in
 * `r` with the service's own, so one error names them all. Undefined when it has problems.
 */
export function readTracing(
  r: EnvReader,
  env: NodeJS.ProcessEnv,
  serviceName: string,
): TracingConfig | undefined {
  try {
    return loadTracingConfig(serviceName, env);
  } catch (err) {
    for (const issue of (err as { issues?: Array<{ variable: string; problem: string }> }).issues ??
      []) {
      r.report(issue.variable, issue.problem);
    }
    return undefined;
  }
}
