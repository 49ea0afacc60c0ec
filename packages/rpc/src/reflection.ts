import type { Server } from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { healthDescriptors } from './health-descriptor.js';

const healthService = 'grpc.health.v1.Health';

/**
 * Adds server reflection (grpc.reflection.v1 and v1alpha) describing the files of `descriptors`
 * and grpc.health.v1, and listing only the services this server serves (`services`, plus
 * health): a descriptor set holds every service of the API, but a client that lists a server's
 * services means to call them. Call it once, after the last service is added.
 */
export function addReflection(
  server: Server,
  descriptors: PackageDefinition,
  services: readonly string[],
): void {
  new ReflectionService(
    { ...healthDescriptors(), ...descriptors },
    { services: [...services, healthService] },
  ).addToServer(server);
}
