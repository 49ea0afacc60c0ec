import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { grpcType, parsePath } from './method.js';

describe('method paths', () => {
  const cases: Array<[string, ReturnType<typeof parsePath>]> = [
    ['/vpc.v1.VpcService/GetVpc', { service: 'vpc.v1.VpcService', method: 'GetVpc' }],
    ['/Svc/M', { service: 'Svc', method: 'M' }],
    ['vpc.v1.VpcService/GetVpc', undefined],
    ['/vpc.v1.VpcService/', undefined],
    ['//GetVpc', undefined],
    ['', undefined],
  ];
  for (const [path, want] of cases) {
    it(`parses ${JSON.stringify(path)}`, () => assert.deepEqual(parsePath(path), want));
  }

  it('names stream types as go-grpc-prometheus does', () => {
    assert.equal(grpcType(false, false), 'unary');
    assert.equal(grpcType(true, false), 'client_stream');
    assert.equal(grpcType(false, true), 'server_stream');
    assert.equal(grpcType(true, true), 'bidi_stream');
  });
});
