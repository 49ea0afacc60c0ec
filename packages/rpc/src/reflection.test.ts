import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  credentials,
  loadPackageDefinition,
  type ClientDuplexStream,
  type ServiceClientConstructor,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { loadPackageDefinition as loadApiDescriptors } from '@vpcd/api';
import { startServer, type TestServer } from './test-support.js';

// The reflection protocol's own proto ships with @grpc/reflection.
const reflectionProto = join(
  dirname(createRequire(import.meta.url).resolve('@grpc/reflection')),
  '../proto/grpc/reflection/v1/reflection.proto',
);
const pkg = loadPackageDefinition(loadSync(reflectionProto, { keepCase: true })) as unknown as {
  grpc: { reflection: { v1: { ServerReflection: ServiceClientConstructor } } };
};

interface ReflectionResponse {
  list_services_response?: { service: Array<{ name: string }> };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
}

function ask(address: string, request: object): Promise<ReflectionResponse> {
  const client = new pkg.grpc.reflection.v1.ServerReflection(address, credentials.createInsecure());
  const stream = (
    client as unknown as {
      ServerReflectionInfo(): ClientDuplexStream<object, ReflectionResponse>;
    }
  ).ServerReflectionInfo();
  return new Promise((resolve, reject) => {
    stream.on('data', (res: ReflectionResponse) => {
      resolve(res);
      stream.end();
      client.close();
    });
    stream.on('error', reject);
    stream.write(request);
  });
}

describe('server reflection', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({ reflection: loadApiDescriptors() });
  });
  after(() => t.server.shutdown());

  it('lists the served services', async () => {
    const res = await ask(t.address, { list_services: '' });
    const names = res.list_services_response!.service.map((s) => s.name);
    assert.ok(names.includes('vpc.v1.VpcService'), names.join(','));
  });

  it('describes a method so grpcurl can call it', async () => {
    const res = await ask(t.address, { file_containing_symbol: 'vpc.v1.VpcService' });
    assert.ok(res.file_descriptor_response!.file_descriptor_proto.length > 0);
  });
});
