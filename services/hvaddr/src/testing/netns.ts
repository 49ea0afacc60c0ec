import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { needsService } from '@vpcd/observability/testing';

const run = promisify(execFile);

/** A network namespace joined to this one by a veth pair. */
export interface VethNamespace {
  readonly namespace: string;
  /** The veth end in this namespace, addressed with `hostCidr`. */
  readonly hostInterface: string;
  /** The veth end inside the namespace. */
  readonly namespaceInterface: string;
  /** Runs a command inside the namespace; rejects when it exits non-zero. */
  exec(
    command: string,
    args: readonly string[],
    options?: { timeoutMs?: number },
  ): Promise<{ stdout: string; stderr: string }>;
  /** Deletes the namespace and the pair; safe to call twice. */
  destroy(): Promise<void>;
}

export interface VethNamespaceOptions {
  /** e.g. 10.77.0.1/24 */
  readonly hostCidr: string;
  /** Address of the namespace end, when it needs one (to send plain UDP from inside). */
  readonly namespaceCidr?: string;
  readonly namespaceMac: string;
}

/**
 * Creates a namespace and a veth pair with unique short names (needs root and iproute2). On a
 * failure half-way, what was created is removed before the error is thrown.
 */
export async function createVethNamespace(options: VethNamespaceOptions): Promise<VethNamespace> {
  needsService('a network namespace');
  const id = randomBytes(3).toString('hex');
  const namespace = `hvaddr-${id}`;
  const hostInterface = `hvh${id}`;
  const namespaceInterface = `hvn${id}`;
  let destroyed = false;
  const destroy = async () => {
    if (destroyed) return;
    destroyed = true;
    await run('ip', ['link', 'del', hostInterface]).catch(() => undefined);
    await run('ip', ['netns', 'del', namespace]).catch(() => undefined);
  };
  const inside = (args: string[]) => run('ip', ['netns', 'exec', namespace, ...args]);
  try {
    await run('ip', ['netns', 'add', namespace]);
    await run('ip', [
      ...['link', 'add', hostInterface, 'type', 'veth'],
      ...['peer', 'name', namespaceInterface, 'netns', namespace],
    ]);
    await run('ip', ['addr', 'add', options.hostCidr, 'dev', hostInterface]);
    await run('ip', ['link', 'set', hostInterface, 'up']);
    await inside(['ip', 'link', 'set', 'lo', 'up']);
    await inside(['ip', 'link', 'set', namespaceInterface, 'address', options.namespaceMac]);
    if (options.namespaceCidr !== undefined) {
      await inside(['ip', 'addr', 'add', options.namespaceCidr, 'dev', namespaceInterface]);
    }
    await inside(['ip', 'link', 'set', namespaceInterface, 'up']);
  } catch (err) {
    await destroy();
    throw err;
  }
  return {
    namespace,
    hostInterface,
    namespaceInterface,
    exec: (command, args, execOptions = {}) =>
      run('ip', ['netns', 'exec', namespace, command, ...args], {
        timeout: execOptions.timeoutMs ?? 60_000,
      }),
    destroy,
  };
}
