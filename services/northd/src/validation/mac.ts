import { randomBytes } from 'node:crypto';

const macPattern = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** Lower-cases and checks a MAC; the problem when it is not a unicast colon-separated MAC. */
export function normalizeMac(text: string): { mac: string } | { problem: string } {
  const mac = text.trim().toLowerCase().replaceAll('-', ':');
  if (!macPattern.test(mac)) return { problem: 'not a MAC address like 02:00:00:00:00:01' };
  if (parseInt(mac.slice(0, 2), 16) & 1)
    return { problem: 'a multicast MAC cannot be an interface address' };
  if (mac === '00:00:00:00:00:00') return { problem: 'the all-zero MAC is not an address' };
  return { mac };
}

/** A random locally administered unicast MAC (02:xx:...). */
export function randomMac(): string {
  const bytes = randomBytes(6);
  bytes[0] = (bytes[0]! & 0xfc) | 0x02;
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}
