/**
 * What a guarded deserializer returns instead of throwing: grpc-js would answer a message that
 * fails to parse with INTERNAL, but garbage from a client is its mistake (INVALID_ARGUMENT).
 */
export class DecodeFailure {
  constructor(readonly reason: string) {}
}

/** Wraps a deserializer so that a parse error becomes a DecodeFailure value. */
export function guardDeserialize<T>(deserialize: (bytes: Buffer) => T): (bytes: Buffer) => T {
  return (bytes) => {
    try {
      return deserialize(bytes);
    } catch (err) {
      return new DecodeFailure(err instanceof Error ? err.message : String(err)) as T;
    }
  };
}
