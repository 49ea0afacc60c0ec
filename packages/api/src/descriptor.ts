import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadFileDescriptorSetFromBuffer, type PackageDefinition } from '@grpc/proto-loader';

/** Path of the binary FileDescriptorSet of protos/ (written by `make proto`), for reflection. */
export const descriptorSetPath = fileURLToPath(new URL('../descriptor/vpc.binpb', import.meta.url));

/**
 * Loads the API's descriptors as a grpc-js package definition, as server reflection needs.
 * Reads a file: call once at start-up.
 */
export function loadPackageDefinition(): PackageDefinition {
  return loadFileDescriptorSetFromBuffer(readFileSync(descriptorSetPath), {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
  });
}
