// Guests behind ports of a sandboxed Open vSwitch, for the DHCP security tests. The sandbox's
// ovs-vswitchd runs in a network namespace of its own (startOvsSandbox); each guest is a network
// namespace joined to it by a veth pair whose switch end is a port of the bridge with
// `external_ids:iface-id`, as a hypervisor's VM manager attaches a VM.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { OvsSandbox } from '@vpcd/hvflowd/testing';

const run = promisify(execFile);

export interface SwitchNamespace {
  /** The pid of ovs-vswitchd: `nsenter -t <pid> -n` enters the namespace of its devices. */
  readonly pid: number;
  /** Runs a command in the switch's network namespace. */
  exec(command: string, args: readonly string[]): Promise<string>;
}

export async function switchNamespace(sandbox: OvsSandbox): Promise<SwitchNamespace> {
  const pid = Number((await readFile(path.join(sandbox.dir, 'ovs-vswitchd.pid'), 'utf8')).trim());
  return {
    pid,
    exec: async (command, args) =>
      (await run('nsenter', ['-t', String(pid), '-n', command, ...args])).stdout,
  };
}

export interface Guest {
  readonly namespace: string;
  /** The guest's interface, inside its namespace. */
  readonly device: string;
  /** The bridge port (in the switch's namespace). */
  readonly port: string;
  exec(
    command: string,
    args: readonly string[],
    timeoutMs?: number,
  ): Promise<{ stdout: string; stderr: string }>;
  destroy(): Promise<void>;
}

/**
 * A namespace with one interface of `mac` (and `cidr` with a default route through it, when
 * given), attached to `bridge` as a port bound to `interfaceId`. Removed by destroy(), also
 * half-way through a failed creation.
 */
export async function attachGuest(
  sandbox: OvsSandbox,
  sw: SwitchNamespace,
  o: { bridge: string; interfaceId: string; mac: string; cidr?: string },
): Promise<Guest> {
  const id = randomBytes(3).toString('hex');
  const namespace = `vpcd-guest-${id}`;
  const device = `gst${id}`;
  const port = `sw${id}`;
  const destroy = async () => {
    await run('ip', ['netns', 'del', namespace]).catch(() => undefined);
    await run('ip', ['link', 'del', port]).catch(() => undefined);
    await sw.exec('ip', ['link', 'del', port]).catch(() => undefined);
  };
  const inside = (args: string[]) => run('ip', ['netns', 'exec', namespace, ...args]);
  try {
    await run('ip', ['netns', 'add', namespace]);
    await run('ip', ['link', 'add', device, 'type', 'veth', 'peer', 'name', port]);
    await run('ip', ['link', 'set', device, 'netns', namespace]);
    await run('ip', ['link', 'set', port, 'netns', String(sw.pid)]);
    await inside(['ip', 'link', 'set', 'lo', 'up']);
    await inside(['ip', 'link', 'set', device, 'address', o.mac]);
    await inside(['ip', 'link', 'set', device, 'up']);
    // The userspace datapath does not complete checksums a veth left to offload (OVS's own
    // userspace tests turn it off too): datagrams the guest's kernel sends need them whole.
    await inside(['ethtool', '-K', device, 'tx', 'off']);
    if (o.cidr !== undefined) {
      await inside(['ip', 'addr', 'add', o.cidr, 'dev', device]);
      await inside(['ip', 'route', 'add', 'default', 'dev', device]);
    }
    await sw.exec('ip', ['link', 'set', port, 'up']);
    await sandbox.run('ovs-vsctl', [
      ...['add-port', o.bridge, port, '--', 'set', 'Interface', port],
      `external_ids:iface-id=${o.interfaceId}`,
    ]);
  } catch (err) {
    await destroy();
    throw err;
  }
  return {
    namespace,
    device,
    port,
    exec: (command, args, timeoutMs = 30_000) =>
      run('ip', ['netns', 'exec', namespace, command, ...args], { timeout: timeoutMs }),
    destroy,
  };
}
