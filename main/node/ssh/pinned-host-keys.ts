// The app's own pinned host keys, one per {host, port, key type}, in a JSON file in the data folder.
// ~/.ssh/known_hosts stays the admin's; the app only ever writes here.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomically } from '../secrets/file-store.js';
import { dataHome } from '../paths.js';
import { fingerprintOf, keyTypeOf } from './fingerprint.js';

export interface PinnedHostKey {
  host: string;
  port: number;
  keyType: string;
  /** Base64 of the SSH public key blob. */
  key: string;
  fingerprint: string;
  pinnedAt: string;
}

interface PinnedFile {
  version: 1;
  keys: PinnedHostKey[];
}

export function defaultPinnedHostKeysFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(dataHome(env), 'ssh', 'pinned-host-keys.json');
}

export class PinnedHostKeys {
  constructor(readonly file: string) {}

  private read(): PinnedFile {
    try {
      const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as PinnedFile;
      return parsed.version === 1 && Array.isArray(parsed.keys) ? parsed : { version: 1, keys: [] };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, keys: [] };
      throw error;
    }
  }

  list(): PinnedHostKey[] {
    return this.read().keys;
  }

  lookup(host: string, port: number): PinnedHostKey[] {
    const name = host.toLowerCase();
    return this.read().keys.filter((k) => k.host === name && k.port === port);
  }

  /** Pins (or replaces, when the admin explicitly re-pins) the key of this type for this host and port. */
  pin(host: string, port: number, keyBlob: Buffer): PinnedHostKey {
    const data = this.read();
    const entry: PinnedHostKey = {
      host: host.toLowerCase(),
      port,
      keyType: keyTypeOf(keyBlob),
      key: keyBlob.toString('base64'),
      fingerprint: fingerprintOf(keyBlob),
      pinnedAt: new Date().toISOString(),
    };
    data.keys = data.keys.filter((k) => !(k.host === entry.host && k.port === port && k.keyType === entry.keyType));
    data.keys.push(entry);
    writeFileAtomically(this.file, JSON.stringify(data, null, 2));
    return entry;
  }

  forget(host: string, port: number, keyType?: string): number {
    const data = this.read();
    const name = host.toLowerCase();
    const before = data.keys.length;
    data.keys = data.keys.filter((k) => !(k.host === name && k.port === port && (keyType === undefined || k.keyType === keyType)));
    if (data.keys.length !== before) writeFileAtomically(this.file, JSON.stringify(data, null, 2));
    return before - data.keys.length;
  }
}
