// Reads OpenSSH known_hosts files (never writes them): plain and hashed (|1|salt|hmac) host
// patterns, [host]:port, wildcards and negation, and the @revoked / @cert-authority markers.
import { createHmac, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';

export type KnownHostMarker = 'revoked' | 'cert-authority' | null;

export interface KnownHostEntry {
  marker: KnownHostMarker;
  /** Raw host field: comma-separated patterns, or one hashed name. */
  hosts: string;
  keyType: string;
  key: Buffer;
  /** "file:line", for messages that tell the admin which line to edit. */
  source: string;
}

/** How OpenSSH writes a host name into known_hosts: bare for port 22, "[host]:port" otherwise. */
export function knownHostsName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

export function parseKnownHosts(text: string, sourceName: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostMarker = null;
    if (fields[0]?.startsWith('@')) {
      const name = fields.shift();
      if (name === '@revoked') marker = 'revoked';
      else if (name === '@cert-authority') marker = 'cert-authority';
      else return; // unknown marker: OpenSSH ignores the line too
    }
    const [hosts, keyType, keyBase64] = fields;
    if (!hosts || !keyType || !keyBase64) return;
    const key = Buffer.from(keyBase64, 'base64');
    if (key.byteLength === 0) return;
    entries.push({ marker, hosts, keyType, key, source: `${sourceName}:${index + 1}` });
  });
  return entries;
}

function wildcardMatch(pattern: string, value: string): boolean {
  const regex = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 'i');
  return regex.test(value);
}

function hashedMatch(field: string, name: string): boolean {
  const [, magic, salt, hash] = field.split('|');
  if (magic !== '1' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
  return expected.byteLength === actual.byteLength && timingSafeEqual(expected, actual);
}

/** Does this entry's host field name the host? (One negated pattern that matches excludes it.) */
export function entryMatchesHost(hosts: string, host: string, port: number): boolean {
  const name = knownHostsName(host, port);
  if (hosts.startsWith('|')) return hashedMatch(hosts, name);
  let matched = false;
  for (const pattern of hosts.split(',')) {
    if (pattern.startsWith('!')) {
      if (wildcardMatch(pattern.slice(1), name)) return false;
    } else if (wildcardMatch(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

export class KnownHostsFiles {
  constructor(private readonly files: string[]) {}

  /** Entries naming this host, read fresh each time (the admin may edit the file while the app runs). */
  lookup(host: string, port: number): KnownHostEntry[] {
    const found: KnownHostEntry[] = [];
    for (const file of this.files) {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      for (const entry of parseKnownHosts(text, file)) {
        if (entryMatchesHost(entry.hosts, host, port)) found.push(entry);
      }
    }
    return found;
  }
}
