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
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
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

  it('lists the services this server serves and health, not every service of the API', async () => {
    const res = await ask(t.address, { list_services: '' });
    const names = res.list_services_response!.service.map((s) => s.name).sort();
    assert.deepEqual(names, ['grpc.health.v1.Health', 'vpc.v1.VpcService']);
  });

  it('answers a symbol with its real file and that file with its dependencies', async () => {
    const res = await ask(t.address, { file_containing_symbol: 'vpc.v1.VpcService' });
    const files = res.file_descriptor_response!.file_descriptor_proto.map((bytes) =>
      fromBinary(FileDescriptorProtoSchema, bytes),
    );
    assert.equal(files[0]?.name, 'vpc/v1/vpc.proto');
    assert.deepEqual(
      files[0]?.service.map((s) => s.name),
      ['VpcService'],
    );
    assert.deepEqual(files[0]?.dependency, ['google/protobuf/timestamp.proto']);
    assert.ok(files.some((f) => f.name === 'google/protobuf/timestamp.proto'));
  });

  it('serves an imported file by its name', async () => {
    const res = await ask(t.address, { file_by_filename: 'vpc/v1/chassis.proto' });
    const files = res.file_descriptor_response!.file_descriptor_proto.map((bytes) =>
      fromBinary(FileDescriptorProtoSchema, bytes),
    );
    assert.deepEqual(files[0]?.dependency, [
      'google/protobuf/timestamp.proto',
      'vpc/v1/chassis_state.proto',
    ]);
    assert.deepEqual(files.map((f) => f.name).sort(), [
      'google/protobuf/timestamp.proto',
      'vpc/v1/chassis.proto',
      'vpc/v1/chassis_state.proto',
    ]);
  });
});
