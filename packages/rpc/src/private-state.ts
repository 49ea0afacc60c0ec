import type {
  Http2Session,
  Http2Server,
  Http2SecureServer,
  OutgoingHttpHeaders,
  ServerHttp2Session,
  ServerHttp2Stream,
} from 'node:http2';
import { isMap } from 'node:util/types';
import type { Server, ServerInterceptingCallInterface } from '@grpc/grpc-js';
import type { CallEnd } from './call-state.js';
import { StreamTable } from './stream-table.js';

// Every reach into a library's private state is here: grpc-js's, for the pinned version
// (1.14.x; private-state.test.ts fails if a new version moves them), and Node's HTTP/2 session
// state, for the pinned Node (24.x; session-streams.test.ts). grpc-js's are no fast paths: each
// does what grpc-js offers no public way to do (route unknown methods, check optional client
// certificates, close sessions at a forced shutdown, see the statuses grpc-js sends itself).
// Node's is one, and worth it: with the session's Map (see StreamTable), a plain node:http2
// server under the rpc benchmark's load promotes 0.86 KiB of each call to the old generation;
// with a StreamTable, 0.04 KiB.
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

/** What Node keeps under a session's `Symbol('state')`: only the field used here. */
interface SessionState {
  streams: unknown;
}

function sessionState(session: Http2Session): SessionState | undefined {
  const fields = session as unknown as Record<symbol, unknown>;
  for (const key of Object.getOwnPropertySymbols(session)) {
    if (key.description !== 'state') continue;
    const state = fields[key];
    if (typeof state === 'object' && state !== null && 'streams' in state) {
      return state;
    }
  }
  return undefined;
}

/**
 * Gives a new session a StreamTable for its open streams in place of Node's Map. Call it from
 * the server's 'session' event, before the session has a stream. Returns false, changing
 * nothing, when the session's state is not where Node 24 keeps it or already has streams.
 */
export function useStreamTable(session: Http2Session): boolean {
  const state = sessionState(session);
  if (state === undefined || !isMap(state.streams) || state.streams.size !== 0) return false;
  state.streams = new StreamTable<unknown>();
  return true;
}

/** The structure a session keeps its open streams in: for tests. */
export function sessionStreams(session: Http2Session): unknown {
  return sessionState(session)?.streams;
}
