import { readFileSync } from 'node:fs';
import { minimumKeyBytes } from './signing.js';

/** What these readers need of a configuration reader (@vpcd/observability's EnvReader fits). */
export interface BusEnvReader {
  string(variable: string): string | undefined;
  report(variable: string, problem: string): void;
}

/** What a service needs to reach the bus, besides AMQP_URL: pass both to createBroker. */
export interface BusConfig {
  readonly signingKeys: readonly Buffer[];
  readonly tls: { caFile?: string; certFile?: string; keyFile?: string } | undefined;
}

/**
 * The bus configuration of northd and southd: the signing keys (readSigningKeys) and, for an
 * `amqps://` AMQP_URL, the broker's CA from AMQP_TLS_CA (default TLS_CA, else the system's
 * CAs) and a client certificate from AMQP_TLS_CERT and AMQP_TLS_KEY (both or neither). The TLS
 * variables are refused with a plain `amqp://` URL, so TLS is never silently off.
 */
export function readBusConfig(r: BusEnvReader, readFile?: (path: string) => string): BusConfig {
  const signingKeys = readSigningKeys(r, readFile);
  const url = r.string('AMQP_URL');
  const amqps = url !== undefined && URL.canParse(url) && new URL(url).protocol === 'amqps:';
  const caFile = r.string('AMQP_TLS_CA');
  const certFile = r.string('AMQP_TLS_CERT');
  const keyFile = r.string('AMQP_TLS_KEY');
  if (!amqps) {
    for (const [name, value] of Object.entries({
      AMQP_TLS_CA: caFile,
      AMQP_TLS_CERT: certFile,
      AMQP_TLS_KEY: keyFile,
    })) {
      if (value !== undefined) r.report(name, 'needs an amqps:// AMQP_URL');
    }
    return Object.freeze({ signingKeys, tls: undefined });
  }
  if ((certFile === undefined) !== (keyFile === undefined)) {
    r.report(
      certFile ? 'AMQP_TLS_KEY' : 'AMQP_TLS_CERT',
      'AMQP_TLS_CERT and AMQP_TLS_KEY go together',
    );
  }
  const ca = caFile ?? r.string('TLS_CA');
  const tls = Object.freeze({
    ...(ca !== undefined && { caFile: ca }),
    ...(certFile !== undefined && keyFile !== undefined && { certFile, keyFile }),
  });
  return Object.freeze({ signingKeys, tls });
}

/**
 * The bus keys of a service, from `BUS_HMAC_KEY` (keys separated by commas) or
 * `BUS_HMAC_KEY_FILE` (a file with one key a line; blank lines and lines starting with # are
 * skipped; a mounted Secret). Exactly one of the two is required. The first key signs, every key
 * verifies: to rotate, add the new key second everywhere, then move it first, then drop the old
 * one, each step rolled out to northd and southd before the next. A key is its text's UTF-8
 * bytes, at least 32 of them (`openssl rand -base64 48`). Problems are reported on `r`, never
 * with a key in them.
 */
export function readSigningKeys(
  r: BusEnvReader,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): Buffer[] {
  const inline = r.string('BUS_HMAC_KEY');
  const file = r.string('BUS_HMAC_KEY_FILE');
  if (inline !== undefined && file !== undefined) {
    r.report('BUS_HMAC_KEY', 'set BUS_HMAC_KEY or BUS_HMAC_KEY_FILE, not both');
    return [];
  }
  let variable: string;
  let texts: string[];
  if (inline !== undefined) {
    variable = 'BUS_HMAC_KEY';
    texts = inline.split(',').map((text) => text.trim());
  } else if (file !== undefined) {
    variable = 'BUS_HMAC_KEY_FILE';
    let content: string;
    try {
      content = readFile(file);
    } catch (err) {
      r.report(variable, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
      return [];
    }
    texts = content
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
  } else {
    r.report(
      'BUS_HMAC_KEY',
      'required (or BUS_HMAC_KEY_FILE): the key northd and southd sign bus messages with',
    );
    return [];
  }
  if (texts.length === 0) r.report(variable, 'holds no key');
  const keys = texts.map((text) => Buffer.from(text, 'utf8'));
  keys.forEach((key, index) => {
    if (key.length < minimumKeyBytes) {
      r.report(variable, `key ${index + 1} is shorter than ${minimumKeyBytes} bytes`);
    }
  });
  return keys;
}
