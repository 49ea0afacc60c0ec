import { randomBytes } from 'node:crypto';
import { GATEWAY_MAC_RANGE, isGatewayRangeMac } from '@vpcd/flows';

const macPattern = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** Lower-cases and checks a MAC; the problem when it is not a unicast colon-separated MAC. */
export function normalizeMac(text: string): { mac: string } | { problem: string } {
  const mac = text.trim().toLowerCase().replaceAll('-', ':');
  if (!macPattern.test(mac)) return { problem: 'not a MAC address like 02:00:00:00:00:01' };
  if (parseInt(mac.slice(0, 2), 16) & 1)
    return { problem: 'a multicast MAC cannot be an interface address' };
  if (mac === '00:00:00:00:00:00') return { problem: 'the all-zero MAC is not an address' };
  if (isGatewayRangeMac(mac)) {
    return { problem: `${mac} is in the range of the VPC gateways (${GATEWAY_MAC_RANGE})` };
  }
  return { mac };
}

/** A random locally administered unicast MAC, never one of the gateways' range. */
export function randomMac(): string {
  for (;;) {
    const bytes = randomBytes(6);
    bytes[0] = (bytes[0]! & 0xfc) | 0x02;
    const mac = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
    if (!isGatewayRangeMac(mac)) return mac;
  }
}
