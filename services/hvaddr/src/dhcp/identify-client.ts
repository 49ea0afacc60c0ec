import type { Binding } from '../bindings/binding.js';
import type { BindingTable } from '../bindings/binding-table.js';
import { type DhcpPacket, hardwareAddressOf } from '@vpcd/dhcp';
import type { DropReason } from './drop-reason.js';

/**
 * How hvaddr tells which interface a request is for (DHCP_CLIENT_IDENTITY).
 *
 * - `port`: by the port it came in on. The flows of br-int steer each request to hvaddr's port
 *   with the ingress port's ofport written over its UDP source port (the mark); `ports` maps the
 *   mark to the interface attached there. The request is served only for that interface, and
 *   only when its chaddr is that interface's MAC.
 * - `chaddr`: by the hardware address the client wrote, for development and load tests without
 *   Open vSwitch (relay agents, a veth into a namespace). Any host that reaches the socket can
 *   claim any MAC: never on a hypervisor.
 */
export type ClientIdentity =
  | {
      readonly kind: 'port';
      readonly ports: { interfaceOf(ofport: number): Promise<string | undefined> };
    }
  | { readonly kind: 'chaddr' };

export type ClientIdentityKind = ClientIdentity['kind'];

export type Identified =
  | { readonly ok: true; readonly binding: Binding }
  | { readonly ok: false; readonly reason: DropReason };

/** The rate-limit key of a request: its port's mark, or its chaddr. Checked before any lookup. */
export function rateKey(identity: ClientIdentity, packet: DhcpPacket, mark: number): string {
  return identity.kind === 'port' ? `port:${mark}` : hardwareAddressOf(packet);
}

/**
 * The binding a request is served for, or why it is dropped: `relayed` (a guest carries no relay
 * address), `unknown_port` (no interface at the mark), `unknown_client` (the interface or MAC is
 * not bound on this chassis), `chaddr_mismatch` (chaddr is not the port's MAC: spoofing).
 */
export async function identifyClient(
  identity: ClientIdentity,
  table: BindingTable,
  packet: DhcpPacket,
  mark: number,
): Promise<Identified> {
  const mac = hardwareAddressOf(packet);
  if (identity.kind === 'chaddr') {
    const binding = table.get(mac);
    return binding ? { ok: true, binding } : { ok: false, reason: 'unknown_client' };
  }
  const interfaceId = await identity.ports.interfaceOf(mark);
  if (interfaceId === undefined) return { ok: false, reason: 'unknown_port' };
  const binding = table.getByInterface(interfaceId);
  if (binding === undefined) return { ok: false, reason: 'unknown_client' };
  if (binding.mac !== mac) return { ok: false, reason: 'chaddr_mismatch' };
  return { ok: true, binding };
}
