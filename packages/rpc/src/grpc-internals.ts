import type {
  Http2Server,
  Http2SecureServer,
  OutgoingHttpHeaders,
  ServerHttp2Session,
  ServerHttp2Stream,
} from 'node:http2';
import type { Server, ServerInterceptingCallInterface } from '@grpc/grpc-js';
import type { CallEnd } from './call-state.js';

// Every reach into grpc-js's private state is here, for the pinned version (1.14.x);
// grpc-internals.test.ts fails if a new version moves them. None is a fast path: each does what
// grpc-js offers no public way to do (route unknown methods, check optional client
// certificates, close sessions at a forced shutdown, see the statuses grpc-js sends itself).
interface ServerInternals {
  handlers: Map<string, unknown>;
  http2Servers: Map<Http2Server | Http2SecureServer, { sessions: Set<ServerHttp2Session> }>;
}

function internals(server: Server): ServerInternals {
  const found = server as unknown as Partial<ServerInternals>;
  if (!(found.handlers instanceof Map) || !(found.http2Servers instanceof Map)) {
    throw new Error('grpc-js Server internals changed: packages/rpc needs updating');
  }
  return found as ServerInternals;
}

/** Replaces the map where grpc-js looks up the handler of each method path. */
export function replaceHandlerMap(
  server: Server,
  make: (current: Map<string, unknown>) => Map<string, unknown>,
): void {
  const state = internals(server);
  state.handlers = make(state.handlers);
}

/** The HTTP/2 servers of every bound port. */
export function http2Servers(server: Server): Array<Http2Server | Http2SecureServer> {
  return [...internals(server).http2Servers.keys()];
}

/**
 * Destroys every open HTTP/2 session. grpc-js's forceShutdown misses them when channelz is off
 * (it only walks its channelz session map), leaving clients to find out by keepalive.
 */
export function destroySessions(server: Server): void {
  for (const { sessions } of internals(server).http2Servers.values()) {
    for (const session of sessions) session.destroy();
  }
}

/**
 * The HTTP/2 stream of grpc-js's base server call: the call the first (here, the only)
 * interceptor is given.
 */
export function callStream(call: ServerInterceptingCallInterface): ServerHttp2Stream {
  const stream = (call as unknown as { stream?: ServerHttp2Stream }).stream;
  if (stream === undefined) {
    throw new Error('grpc-js server call internals changed: packages/rpc needs updating');
  }
  return stream;
}

function statusIn(headers: OutgoingHttpHeaders | undefined): CallEnd | undefined {
  if (headers === undefined) return undefined;
  const code = headers['grpc-status'];
  if (code === undefined) return undefined;
  const message = headers['grpc-message'];
  let details = typeof message === 'string' ? message : '';
  try {
    details = decodeURI(details); // grpc-js sends encodeURI(details)
  } catch {
    // left as sent
  }
  return { code: Number(code), details };
}

/**
 * The gRPC status a server stream sent: in the headers of a trailers-only response, or in its
 * trailers. Undefined while none has gone out, or when the stream closed without one.
 */
export function sentStatus(stream: ServerHttp2Stream): CallEnd | undefined {
  return statusIn(stream.sentHeaders) ?? statusIn(stream.sentTrailers);
}

/** True once a status (or the end of the response) has gone out on the stream. */
export function responseEnded(stream: ServerHttp2Stream): boolean {
  return stream.writableEnded || stream.destroyed;
}
