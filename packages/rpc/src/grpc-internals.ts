import type { Http2Server, Http2SecureServer, ServerHttp2Session } from 'node:http2';
import type { Server } from '@grpc/grpc-js';

// Every reach into grpc-js's private state is here, for the pinned version (1.14.x); the tests
// of unimplemented.ts, tls.ts and server.ts fail if a new version moves them.
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
