// The host keys a running lab generated for its own hosts, as a scoped host-key source for the SSH engine:
// the lab knows them, so the app and the CLI reach its hosts without prompts. Narrow on purpose, so that
// no other host is checked any less strictly: only the addresses the lab gave its hosts (in the lab range
// 198.18.0.0/15), only port 22, only the exact keys it recorded, only while the lab is up and that host runs.
// A new lab at the same addresses replaces the keys; `lab down` removes the state file and with it the trust.
import fs from 'node:fs';
import type { ScopedHostKeySource } from '../ssh/host-keys.js';
import { planLab } from './plan.js';
import { readLabState, stateFilePath } from './state.js';
import { isRunning } from './system.js';

interface LabKey {
  keyType: string;
  key: Buffer;
  source: string;
  /** The host's PID 1: its keys count only while it runs. */
  initPid: number;
}

/** An IPv4 address in 198.18.0.0/15, the benchmarking range the lab uses (never a routed Internet address). */
export function inLabRange(address: string): boolean {
  const match = /^198\.(18|19)\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  return Boolean(match && Number(match[2]) <= 255 && Number(match[3]) <= 255);
}

export class LabHostKeys implements ScopedHostKeySource {
  private cache: { stamp: string; byAddress: Map<string, LabKey[]> } | undefined;

  constructor(readonly stateDir: string) {}

  lookup(host: string, port: number): { keyType: string; key: Buffer; source: string }[] {
    if (port !== 22 || !inLabRange(host)) return [];
    return (this.load().get(host) ?? []).filter((k) => isRunning(k.initPid)).map(({ keyType, key, source }) => ({ keyType, key, source }));
  }

  /** Every key the lab vouches for now, by address (for listings). */
  entries(): { host: string; port: number; keyType: string; key: Buffer; source: string }[] {
    return [...this.load().entries()].flatMap(([host, keys]) => keys.filter((k) => isRunning(k.initPid)).map((k) => ({ host, port: 22, keyType: k.keyType, key: k.key, source: k.source })));
  }

  /** Read again whenever the state file changes (a lab started, replaced, stopped, a key regenerated). */
  private load(): Map<string, LabKey[]> {
    const file = stateFilePath(this.stateDir);
    let stamp: string;
    try {
      const stat = fs.statSync(file);
      // Only a file this user (or root) wrote and no one else may change can vouch for keys.
      const uid = process.getuid?.() ?? 0;
      if ((stat.uid !== uid && stat.uid !== 0) || (stat.mode & 0o022) !== 0) return new Map();
      stamp = `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
    } catch {
      this.cache = undefined;
      return new Map();
    }
    if (this.cache?.stamp === stamp) return this.cache.byAddress;
    const byAddress = new Map<string, LabKey[]>();
    try {
      const state = readLabState(this.stateDir);
      if (state && state.status === 'up') {
        const plan = planLab(state.spec, { prefix: state.prefix, stateDir: state.stateDir, slot: state.slot ?? 0 });
        for (const host of plan.hosts) {
          const recorded = state.hosts[host.name];
          if (!recorded) continue;
          for (const address of host.addresses) {
            if (!inLabRange(address)) continue;
            const keys = recorded.hostKeys.map((k) => ({ keyType: k.type, key: Buffer.from(k.key, 'base64'), source: `the lab "${state.name}"`, initPid: recorded.initPid }));
            byAddress.set(address, [...(byAddress.get(address) ?? []), ...keys.filter((k) => k.key.byteLength > 0)]);
          }
        }
      }
    } catch {
      // A state file being rewritten or from another version vouches for nothing.
      return new Map();
    }
    this.cache = { stamp, byAddress };
    return byAddress;
  }
}
