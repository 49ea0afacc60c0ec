import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { Metadata, status as Status } from '@grpc/grpc-js';
import { RpcError } from './rpc-error.js';

/** One bad field of a request, as google.rpc.BadRequest.FieldViolation. */
export interface FieldViolation {
  /** Path of the field, e.g. `cidr` or `ip`. */
  readonly field: string;
  readonly description: string;
}

const statusDetailsKey = 'grpc-status-details-bin';
const badRequestType = 'type.googleapis.com/google.rpc.BadRequest';

/**
 * An INVALID_ARGUMENT error carrying google.rpc.BadRequest details (in `grpc-status-details-bin`,
 * as google.rpc.Status), so clients can point at the offending field.
 */
export function invalidArgument(violations: readonly FieldViolation[]): RpcError {
  const message = violations.map((v) => `${v.field}: ${v.description}`).join('; ');
  const badRequest = new BinaryWriter();
  for (const v of violations) {
    badRequest.uint32(10).fork().uint32(10).string(v.field).uint32(18).string(v.description).join();
  }
  const any = new BinaryWriter()
    .uint32(10)
    .string(badRequestType)
    .uint32(18)
    .bytes(badRequest.finish())
    .finish();
  const status = new BinaryWriter()
    .uint32(8)
    .int32(Status.INVALID_ARGUMENT)
    .uint32(18)
    .string(message)
    .uint32(26)
    .bytes(any)
    .finish();
  const metadata = new Metadata();
  metadata.set(statusDetailsKey, Buffer.from(status));
  return new RpcError(Status.INVALID_ARGUMENT, message, { metadata });
}

/** The field violations of an error's google.rpc.BadRequest details; empty when it has none. */
export function fieldViolations(metadata: Metadata | undefined): FieldViolation[] {
  const raw = metadata?.get(statusDetailsKey)[0];
  if (!Buffer.isBuffer(raw)) return [];
  const violations: FieldViolation[] = [];
  for (const any of readField(raw, 3)) {
    const [typeUrl] = readField(any, 1);
    if (typeUrl?.toString('utf8') !== badRequestType) continue;
    const [value] = readField(any, 2);
    for (const v of value ? readField(value, 1) : []) {
      const [field] = readField(v, 1);
      const [description] = readField(v, 2);
      violations.push({
        field: field?.toString('utf8') ?? '',
        description: description?.toString('utf8') ?? '',
      });
    }
  }
  return violations;
}

/** The length-delimited values of field `number` in an encoded message. */
function readField(bytes: Uint8Array, number: number): Buffer[] {
  const reader = new BinaryReader(bytes);
  const found: Buffer[] = [];
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    if (fieldNo === number && wireType === WireType.LengthDelimited)
      found.push(Buffer.from(reader.bytes()));
    else reader.skip(wireType);
  }
  return found;
}
