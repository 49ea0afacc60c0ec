import { status as Status } from '@grpc/grpc-js';
import type {
  handleUnaryCall,
  sendUnaryData,
  ServerUnaryCall,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { isRpcError, RpcError } from './rpc-error.js';

/** A unary method definition as ts-proto's grpc-js output declares it. */
export interface UnaryMethodDefinition<Req, Res> {
  readonly path: string;
  readonly requestStream: false;
  readonly responseStream: false;
  readonly requestSerialize: (value: Req) => Buffer;
  readonly requestDeserialize: (bytes: Buffer) => Req;
  readonly responseSerialize: (value: Res) => Buffer;
  readonly responseDeserialize: (bytes: Buffer) => Res;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any request and response type
export type UnaryServiceDefinition = Record<string, UnaryMethodDefinition<any, any>>;

type RequestOf<M> = M extends { requestDeserialize: (bytes: Buffer) => infer Req } ? Req : never;
type ResponseOf<M> = M extends { responseDeserialize: (bytes: Buffer) => infer Res } ? Res : never;

/**
 * A service implemented with async functions: return the response, or throw (an RpcError for a
 * status the caller should see; anything else is INTERNAL and logged).
 */
export type AsyncServiceImplementation<D> = {
  [K in keyof D]: (
    request: RequestOf<D[K]>,
    call: ServerUnaryCall<RequestOf<D[K]>, ResponseOf<D[K]>>,
  ) => Promise<ResponseOf<D[K]>>;
};

const serverFault = new Set<Status>([
  Status.UNKNOWN,
  Status.INTERNAL,
  Status.UNAVAILABLE,
  Status.DATA_LOSS,
]);

function unaryHandler<Req, Res>(
  fn: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
  logger: Logger,
): handleUnaryCall<Req, Res> {
  const fail = (err: unknown, callback: sendUnaryData<Res>) => {
    const rpcError = RpcError.from(err);
    // The caller sees the code and message; the log keeps the cause of server-side failures.
    if (!isRpcError(err) || (rpcError.cause !== undefined && serverFault.has(rpcError.code))) {
      logger.error({ err: rpcError.cause ?? err, code: rpcError.code }, 'handler failed');
    }
    callback(rpcError.toStatus());
  };
  return (call, callback) => {
    try {
      fn(call.request, call).then(
        (response) => callback(null, response),
        (err: unknown) => fail(err, callback),
      );
    } catch (err) {
      fail(err, callback);
    }
  };
}

/** Adapts an async implementation to grpc-js's callback handlers. */
export function toGrpcImplementation<D extends UnaryServiceDefinition>(
  definition: D,
  implementation: AsyncServiceImplementation<D>,
  logger: Logger,
): UntypedServiceImplementation {
  const grpcImpl: UntypedServiceImplementation = {};
  for (const name of Object.keys(definition)) {
    const fn = implementation[name as keyof D];
    if (typeof fn !== 'function') throw new Error(`no implementation for method ${name}`);
    grpcImpl[name] = unaryHandler(fn.bind(implementation) as never, logger) as never;
  }
  return grpcImpl;
}
