// What a name that ends up on a host may look like, by the rules of the system that reads it: host
// names (RFC 1123), interface names (Linux), user names (POSIX), API endpoints, jump
// specs (each stack adds its own in its folder). Each check returns undefined when the value is fine, else what is expected. Pure.
import { isZoneId, parseIp } from './ip.js';

/** Linux interface names (an IPv6 zone id names one): IFNAMSIZ (16) less the terminating NUL. */
export const maxInterfaceNameLength = 15;

/** An IPv4 or IPv6 address; an IPv6 address may carry a zone id (`fe80::1%eth0`) that names an interface. */
export function checkIpAddress(value: string): string | undefined {
  const percent = value.indexOf('%');
  if (percent >= 0) {
    const ip = parseIp(value.slice(0, percent));
    if (!ip || ip.family !== 6) return 'an IPv4 or IPv6 address; only an IPv6 address may carry a zone id after "%"';
    if (!isZoneId(value.slice(percent + 1))) return `a zone id after "%" that names an interface: letters, digits, ".", "_" or "-", at most ${maxInterfaceNameLength} characters (such as eth0)`;
    return undefined;
  }
  return parseIp(value) ? undefined : 'an IPv4 or IPv6 address such as 10.0.0.11 or fd00::11';
}

/** The zone id of an IPv6 address (`eth0` in `fe80::1%eth0`), if any. */
export function zoneOf(address: string): string | undefined {
  const percent = address.indexOf('%');
  return percent >= 0 ? address.slice(percent + 1) : undefined;
}

const labelRe = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** One RFC 1123 label: letters, digits and "-", not at either end, at most 63 characters. */
export function isHostLabel(value: string): boolean {
  return labelRe.test(value);
}

/** An RFC 1123 host name: labels separated by dots, at most 253 characters in all. */
export function checkHostName(value: string): string | undefined {
  const text = value.endsWith('.') ? value.slice(0, -1) : value;
  if (text.length === 0 || text.length > 253 || !text.split('.').every(isHostLabel)) {
    return 'a host name (RFC 1123: labels of letters, digits and "-", separated by dots, such as pve1.example.lan)';
  }
  return undefined;
}

/** A host to connect to: an address (with an optional IPv6 zone id) or a host name. */
export function checkHost(value: string): string | undefined {
  // Host names hold no ":" and are not all digits and dots: anything else is read as an address.
  if (value.includes(':') || /^[0-9.]+$/.test(value)) return checkIpAddress(value);
  return checkHostName(value) ? 'a host name (RFC 1123, such as pve1.example.lan) or an IP address' : undefined;
}

/**
 * Where SSH connects: an address, a host name, or a ~/.ssh/config alias (which may also hold "_").
 * Never an option: it cannot begin with "-".
 */
export function checkSshHost(value: string): string | undefined {
  if (checkHost(value) === undefined) return undefined;
  if (/^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})$/.test(value) && !value.includes('..')) return undefined;
  return 'a host name, an IP address or a ~/.ssh/config alias (letters, digits, ".", "_" and "-", starting with a letter, digit or "_")';
}

/** POSIX portable user names (letters, digits, ".", "_", "-"; not starting with "-"), at most 32 characters as on Linux. */
export function checkUserName(value: string): string | undefined {
  if (!/^[A-Za-z0-9._][A-Za-z0-9._-]{0,31}$/.test(value) || /^\.{1,2}$/.test(value) || /^[0-9]+$/.test(value)) {
    return 'a user name of letters, digits, ".", "_" and "-" (not starting with "-", not all digits, at most 32 characters), such as root';
  }
  return undefined;
}

/** A TCP port written as text: 1–65535. */
function isPort(text: string): boolean {
  return /^[0-9]{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65535;
}

/** `host`, `host:port` or `[v6]:port`, the host checked like any other; undefined when it cannot be read. */
export function splitHostPort(value: string): { host: string; port?: number } | undefined {
  const bracketed = /^\[([^\]]+)\](?::([0-9]+))?$/.exec(value);
  if (bracketed) {
    if (bracketed[2] !== undefined && !isPort(bracketed[2])) return undefined;
    return { host: bracketed[1]!, ...(bracketed[2] !== undefined ? { port: Number(bracketed[2]) } : {}) };
  }
  const colon = value.lastIndexOf(':');
  if (colon > 0 && value.indexOf(':') === colon) {
    const port = value.slice(colon + 1);
    if (!isPort(port)) return undefined;
    return { host: value.slice(0, colon), port: Number(port) };
  }
  return { host: value };
}

/** An API endpoint: `host`, `host:port` or `[IPv6]:port`. */
export function checkEndpoint(value: string): string | undefined {
  const parts = splitHostPort(value);
  if (!parts || checkHost(parts.host)) return 'host or host:port (an address or RFC 1123 host name; an IPv6 address with a port in brackets: [fd00::1]:8006; port 1–65535)';
  return undefined;
}

/** A jump host as OpenSSH's ProxyJump writes it: `[user@]host[:port]` (IPv6 in brackets), or a node of the workspace. */
export function checkJumpSpec(value: string): string | undefined {
  const expected = 'a node name of this workspace or [user@]host[:port] (a POSIX user, a host name or address, port 1–65535)';
  const at = value.lastIndexOf('@');
  if (at >= 0 && checkUserName(value.slice(0, at))) return expected;
  const parts = splitHostPort(at >= 0 ? value.slice(at + 1) : value);
  if (!parts || checkSshHost(parts.host)) return expected;
  return undefined;
}

/** No control characters (C0, DEL, C1), no line or paragraph separators, no NUL. */
export function hasControlCharacters(value: string): boolean {
  return /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value);
}

/** A path on this machine to a private key: absolute or under the home folder (~/), one line, no NUL. */
export function checkIdentityFile(value: string): string | undefined {
  if (hasControlCharacters(value)) return 'a file path on one line without control characters';
  if (!(value.startsWith('/') || value.startsWith('~/'))) return 'an absolute path (/home/admin/.ssh/id_ed25519) or one under your home folder (~/.ssh/id_ed25519)';
  if (value.length > 4096) return 'a path of at most 4096 characters';
  return undefined;
}

/** Ids the secret store hands out (secrets.put): letters, digits, "_", "." and "-". */
export function checkSecretId(value: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(value) ? undefined : 'a secret id as secrets.put returns it (letters, digits, "_", "." and "-")';
}

/** Short text shown on a card (labels): one line, no control characters, at most 64 characters. */
export function checkLabel(value: string): string | undefined {
  if (hasControlCharacters(value) || value.length > 64) return 'a label of at most 64 characters on one line';
  return undefined;
}
