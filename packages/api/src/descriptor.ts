import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadFileDescriptorSetFromBuffer, type PackageDefinition } from '@grpc/proto-loader';

/** Path of the binary FileDescriptorSet of protos/ (written by `make proto`), for reflection. */
export const descriptorSetPath = fileURLToPath(new URL('../descriptor/vpc.binpb', import.meta.url));

/**
 * Loads the API's descriptors as a grpc-js package definition, as server reflection needs.
 * Reads a file: call once at start-up.
 *
 * Every type carries the set's own files (each .proto as `buf build` wrote it, with its real
 * dependency list, google/protobuf/*.proto included) as its `fileDescriptorProtos`, which is
 * what @grpc/reflection serves: proto-loader alone would give one file per package, named after
 * the first .proto, claiming every service and importing nothing, which no reflection client
 * (buf curl, grpcurl) can resolve.
 */
export function loadPackageDefinition(): PackageDefinition {
  const set = readFileSync(descriptorSetPath);
  const definition = loadFileDescriptorSetFromBuffer(set, {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
  });
  const files = fileDescriptorProtos(set);
  for (const value of Object.values(definition)) {
    if ('fileDescriptorProtos' in value) value.fileDescriptorProtos = files;
  }
  return definition;
}

/**
 * The serialized FileDescriptorProtos of a serialized FileDescriptorSet (`repeated
 * FileDescriptorProto file = 1`), byte for byte, in the set's order (dependencies first).
 */
function fileDescriptorProtos(set: Uint8Array): Buffer[] {
  const files: Buffer[] = [];
  let at = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (at >= set.length || shift > 28) throw new Error('malformed FileDescriptorSet');
      const byte = set[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < set.length) {
    if (varint() !== 0x0a) throw new Error('malformed FileDescriptorSet: field other than file');
    const length = varint();
    if (at + length > set.length) throw new Error('malformed FileDescriptorSet: truncated file');
    files.push(Buffer.from(set.subarray(at, at + length)));
    at += length;
  }
  return files;
}
