import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseListenAddress } from './listen-address.js';

describe('parseListenAddress', () => {
  const good: { input: string | number; host: string | undefined; port: number }[] = [
    { input: '0.0.0.0:9101', host: '0.0.0.0', port: 9101 },
    { input: '127.0.0.1:0', host: '127.0.0.1', port: 0 },
    { input: 'localhost:9102', host: 'localhost', port: 9102 },
    { input: '[::1]:9103', host: '::1', port: 9103 },
    { input: '[::]:9104', host: '::', port: 9104 },
    { input: ':9101', host: undefined, port: 9101 },
    { input: '9101', host: undefined, port: 9101 },
    { input: ' 9101 ', host: undefined, port: 9101 },
    { input: 9101, host: undefined, port: 9101 },
    { input: 0, host: undefined, port: 0 },
  ];
  for (const { input, host, port } of good) {
    it(`parses ${JSON.stringify(input)}`, () => {
      assert.deepEqual(parseListenAddress(input), { host, port });
    });
  }

  const bad: { input: string | number; error: RegExp }[] = [
    { input: '', error: /port is missing/ },
    { input: 'metrics', error: /port "metrics" is not a number/ },
    { input: 'localhost:', error: /port is missing/ },
    { input: 'localhost:http', error: /port "http" is not a number/ },
    { input: ':65536', error: /0 to 65535/ },
    { input: ':-1', error: /port "-1" is not a number/ },
    { input: '::1:9101', error: /IPv6 host must be in brackets/ },
    { input: '[::1:9101', error: /unbalanced brackets/ },
    { input: '[]:9101', error: /unbalanced brackets/ },
    { input: 'my host:9101', error: /white space/ },
    { input: 1.5, error: /0 to 65535/ },
    { input: -1, error: /0 to 65535/ },
    { input: Number.NaN, error: /0 to 65535/ },
  ];
  for (const { input, error } of bad) {
    it(`rejects ${JSON.stringify(input)} and quotes it`, () => {
      assert.throws(
        () => parseListenAddress(input),
        (thrown: unknown) =>
          thrown instanceof Error &&
          error.test(thrown.message) &&
          thrown.message.includes(`"${String(input)}"`),
      );
    });
  }
});
