/** Where a server listens. `host` undefined means every interface (IPv6 and IPv4 when available). */
export interface ListenAddress {
  readonly host: string | undefined;
  readonly port: number;
}

/**
 * Parses a listen address as written in METRICS_LISTEN or GRPC_LISTEN: "0.0.0.0:9101",
 * "[::1]:9101", "localhost:9101", ":9101", "9101", or a port number. Port 0 asks for an ephemeral
 * port. Throws an Error that quotes the input and says what is wrong.
 */
export function parseListenAddress(input: string | number): ListenAddress {
  if (typeof input === 'number') {
    return Object.freeze({ host: undefined, port: checkPort(input, String(input)) });
  }
  const text = input.trim();
  const colon = text.lastIndexOf(':');
  if (colon === -1) {
    return Object.freeze({ host: undefined, port: parsePort(text, input) });
  }
  const port = parsePort(text.slice(colon + 1), input);
  const host = parseHost(text.slice(0, colon), input);
  return Object.freeze({ host, port });
}

function parseHost(raw: string, input: string): string | undefined {
  if (raw === '') {
    return undefined;
  }
  if (raw.startsWith('[') || raw.endsWith(']')) {
    if (!raw.startsWith('[') || !raw.endsWith(']') || raw.length === 2) {
      throw invalid(input, 'unbalanced brackets around an IPv6 host');
    }
    return raw.slice(1, -1);
  }
  if (raw.includes(':')) {
    throw invalid(input, 'an IPv6 host must be in brackets, as in "[::1]:9101"');
  }
  if (/\s/.test(raw)) {
    throw invalid(input, 'the host contains white space');
  }
  return raw;
}

function parsePort(raw: string, input: string): number {
  if (!/^\d+$/.test(raw)) {
    throw invalid(input, raw === '' ? 'the port is missing' : `port "${raw}" is not a number`);
  }
  return checkPort(Number(raw), input);
}

function checkPort(port: number, input: string): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw invalid(input, 'the port must be an integer from 0 to 65535');
  }
  return port;
}

function invalid(input: string, reason: string): Error {
  return new Error(`invalid listen address "${input}": ${reason}`);
}
