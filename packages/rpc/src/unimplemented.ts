import { status as Status, type Server, type UntypedHandleCall } from '@grpc/grpc-js';
import { replaceHandlerMap } from './private-state.js';

interface Handler {
  func: UntypedHandleCall;
  serialize: (value: unknown) => Buffer;
  deserialize: (bytes: Buffer) => unknown;
  type: 'unary';
  path: string;
}

class HandlersWithFallback<V> extends Map<string, V | Handler> {
  override get(path: string): V | Handler {
    return super.get(path) ?? unimplementedHandler(path);
  }
}

function unimplementedHandler(path: string): Handler {
  return {
    func: (_call: unknown, callback: (err: { code: Status; details: string }) => void) =>
      callback({ code: Status.UNIMPLEMENTED, details: `unknown method ${path.slice(0, 200)}` }),
    serialize: (value) => value as Buffer,
    deserialize: (bytes) => bytes,
    type: 'unary',
    path,
  };
}

/**
 * Routes calls to unknown methods through the interceptors, so they are counted and logged like
 * any other call. grpc-js answers them UNIMPLEMENTED before any interceptor runs, looking them up
 * in its private `handlers` map; this swaps in a map that returns an UNIMPLEMENTED handler for
 * unknown paths.
 */
export function routeUnknownMethods(server: Server): void {
  replaceHandlerMap(server, (current) => new HandlersWithFallback(current));
}
