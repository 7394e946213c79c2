// IPv4/IPv6 addresses and CIDR prefixes as numbers, so the workspace can check that an address
// belongs to its network and whether two networks overlap. Pure: no Node modules.

export interface IpAddress {
  family: 4 | 6;
  value: bigint;
  /** IPv6 zone id (`eth0` in `fe80::1%eth0`): an interface name, letters, digits and `._-`, at most 15 characters. */
  zone?: string;
}

/** A zone id names an interface: what Linux accepts (IFNAMSIZ − 1), restricted to letters, digits and `._-`. */
export function isZoneId(text: string): boolean {
  return /^[A-Za-z0-9._-]{1,15}$/.test(text) && text !== '.' && text !== '..';
}

export interface CidrPrefix {
  family: 4 | 6;
  network: bigint;
  bits: number;
}

function parseIPv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || (part.length > 1 && part.startsWith('0'))) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIPv6(zoneless: string): bigint | undefined {
  const halves = zoneless.split('::');
  if (halves.length > 2) return undefined;
  const toGroups = (half: string): number[] | undefined => {
    if (half === '') return [];
    const groups: number[] = [];
    const pieces = half.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i] ?? '';
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIPv4(piece);
        if (v4 === undefined) return undefined;
        groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return undefined;
        groups.push(parseInt(piece, 16));
      }
    }
    return groups;
  };
  const head = toGroups(halves[0] ?? '');
  const tail = halves.length === 2 ? toGroups(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** Parses "192.0.2.1", "2001:db8::1" or "fe80::1%eth0" (a zone id only on IPv6, and only an interface name); undefined when it is neither. */
export function parseIp(text: string): IpAddress | undefined {
  if (text.includes(':')) {
    const percent = text.indexOf('%');
    const zone = percent >= 0 ? text.slice(percent + 1) : undefined;
    if (zone !== undefined && !isZoneId(zone)) return undefined;
    const value = parseIPv6(percent >= 0 ? text.slice(0, percent) : text);
    return value === undefined ? undefined : { family: 6, value, ...(zone !== undefined ? { zone } : {}) };
  }
  const value = parseIPv4(text);
  return value === undefined ? undefined : { family: 4, value };
}

export function isIpAddress(text: string): boolean {
  return parseIp(text) !== undefined;
}

/** Parses "10.0.0.0/24" or "fd00::/64"; host bits may be set (they are masked off). A prefix has no zone id. */
export function parseCidr(text: string): CidrPrefix | undefined {
  const slash = text.indexOf('/');
  if (slash < 0 || text.includes('%')) return undefined;
  const address = parseIp(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  if (!address || !/^\d{1,3}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  const width = address.family === 4 ? 32 : 128;
  if (bits > width) return undefined;
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
  return { family: address.family, network: address.value & mask, bits };
}

export function isCidr(text: string): boolean {
  return parseCidr(text) !== undefined;
}

function maskOf(family: 4 | 6, bits: number): bigint {
  const width = family === 4 ? 32 : 128;
  return bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
}

export function cidrContains(prefix: CidrPrefix, address: IpAddress): boolean {
  return prefix.family === address.family && (address.value & maskOf(prefix.family, prefix.bits)) === prefix.network;
}

export function cidrsOverlap(a: CidrPrefix, b: CidrPrefix): boolean {
  if (a.family !== b.family) return false;
  const bits = Math.min(a.bits, b.bits);
  const mask = maskOf(a.family, bits);
  return (a.network & mask) === (b.network & mask);
}
