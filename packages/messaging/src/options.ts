import { trace, type Tracer, type TracerProvider } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { BackoffPolicy } from '@vpcd/backoff';
import { compileSigningKeys, type SigningKeys } from './signing.js';

export interface BrokerOptions {
  /** `amqp://user:password@host:port/vhost` (or `amqps://`); never logged. */
  url: string;
  logger: Logger;
  /** Metrics are created on this registry when the broker is created. */
  registry: Registry;
  /** Default: the global tracer provider. */
  tracerProvider?: TracerProvider;
  /** Connection name shown in the management UI and the metric label `client`. Default 'vpcd'. */
  name?: string;
  /** Delay before each reconnect attempt: full jitter, doubling. Defaults 100 ms, capped at 5000 ms. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** A publish not confirmed by then (waiting for a connection included) rejects. Default 10000. */
  publishTimeoutMs?: number;
  /** AMQP heartbeat: a silent peer is declared dead after about twice this. Default 10. */
  heartbeatSeconds?: number;
  /** Time allowed for one connection attempt (TCP and AMQP handshake). Default 5000. */
  connectTimeoutMs?: number;
  /**
   * HMAC-SHA256 keys (at least 32 bytes each): every publish is signed with the first, and every
   * delivery must carry a signature by one of them, else it is refused before its handler
   * (dead-lettered, counted in `messaging_messages_rejected_total`). Default: none, nothing
   * signed or checked.
   */
  signingKeys?: readonly Buffer[];
  /**
   * TLS of an `amqps://` URL: PEM files of the CA that signed the broker's certificate (default:
   * the system's CAs) and of this client's certificate and key (both or neither). They are read
   * again on every connection attempt, so renewed files are used at the next reconnect.
   */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

/** Options checked once, with every default filled in. */
export interface CompiledBrokerOptions {
  readonly url: string;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly tracer: Tracer;
  readonly name: string;
  readonly reconnect: BackoffPolicy;
  readonly publishTimeoutMs: number;
  readonly heartbeatSeconds: number;
  readonly connectTimeoutMs: number;
  readonly signing: SigningKeys | undefined;
  readonly tls: { caFile?: string; certFile?: string; keyFile?: string } | undefined;
}

/** Validates `options` and fills in defaults; throws a TypeError naming every bad option. */
export function compileOptions(options: BrokerOptions): CompiledBrokerOptions {
  const problems: string[] = [];
  if (!isAmqpUrl(options.url)) problems.push('url must be an amqp:// or amqps:// URL');
  const name = options.name ?? 'vpcd';
  if (name === '') problems.push('name must not be empty');
  const positive = (key: string, value: number | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value <= 0) problems.push(`${key} must be a positive integer`);
    return value;
  };
  const initialDelayMs = positive(
    'reconnect.initialDelayMs',
    options.reconnect?.initialDelayMs,
    100,
  );
  const maxDelayMs = positive('reconnect.maxDelayMs', options.reconnect?.maxDelayMs, 5000);
  if (initialDelayMs > maxDelayMs) {
    problems.push('reconnect.initialDelayMs must not exceed reconnect.maxDelayMs');
  }
  let signing: SigningKeys | undefined;
  if (options.signingKeys !== undefined) {
    try {
      signing = compileSigningKeys(options.signingKeys);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  const tls = options.tls;
  if (tls !== undefined) {
    if (isAmqpUrl(options.url) && new URL(options.url).protocol !== 'amqps:') {
      problems.push('tls needs an amqps:// url');
    }
    if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
      problems.push('tls.certFile and tls.keyFile go together');
    }
  }
  const compiled: CompiledBrokerOptions = {
    url: options.url,
    logger: options.logger.child({ component: 'messaging', client: name }),
    registry: options.registry,
    tracer: (options.tracerProvider ?? trace.getTracerProvider()).getTracer('@vpcd/messaging'),
    name,
    reconnect: Object.freeze({ initialDelayMs, maxDelayMs }),
    publishTimeoutMs: positive('publishTimeoutMs', options.publishTimeoutMs, 10_000),
    heartbeatSeconds: positive('heartbeatSeconds', options.heartbeatSeconds, 10),
    connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs, 5000),
    signing,
    tls: tls && Object.freeze({ ...tls }),
  };
  if (problems.length > 0) throw new TypeError(`invalid broker options: ${problems.join('; ')}`);
  return Object.freeze(compiled);
}

function isAmqpUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'amqp:' || protocol === 'amqps:';
  } catch {
    return false;
  }
}
