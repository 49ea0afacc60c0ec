/** The grpc_type label values of go-grpc-prometheus. */
export type GrpcType = 'unary' | 'client_stream' | 'server_stream' | 'bidi_stream';

/** A method as the metrics and logs label it. */
export interface MethodInfo {
  readonly path: string;
  readonly service: string;
  readonly method: string;
  readonly type: GrpcType;
}

/** Labels for calls to a path no service registered; bounded so no caller can grow the series. */
export const unknownMethod: MethodInfo = Object.freeze({
  path: '',
  service: 'unknown',
  method: 'unknown',
  type: 'unary',
});

export function grpcType(requestStream: boolean, responseStream: boolean): GrpcType {
  if (requestStream && responseStream) return 'bidi_stream';
  if (requestStream) return 'client_stream';
  if (responseStream) return 'server_stream';
  return 'unary';
}

/** Splits `/pkg.Service/Method` into its service and method; undefined when malformed. */
export function parsePath(path: string): { service: string; method: string } | undefined {
  const slash = path.lastIndexOf('/');
  if (!path.startsWith('/') || slash <= 1 || slash === path.length - 1) return undefined;
  return { service: path.slice(1, slash), method: path.slice(slash + 1) };
}

export interface MethodDefinitionLike {
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}

/** Describes every method of a grpc-js service definition. */
export function describeService(definition: Record<string, MethodDefinitionLike>): MethodInfo[] {
  return Object.values(definition).map((def) => {
    const parsed = parsePath(def.path);
    if (!parsed) throw new Error(`malformed method path ${JSON.stringify(def.path)}`);
    return Object.freeze({
      path: def.path,
      ...parsed,
      type: grpcType(def.requestStream, def.responseStream),
    });
  });
}
