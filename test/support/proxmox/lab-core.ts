// The app's core as the Proxmox wizard drives it, with its own lab (started through lab.up in the test),
// an in-memory secret store, SSH that pins new host keys, the official schema on its Proxmox clients, and
// every event kept; afterAll takes the lab down and prints the suite's timings and schema counts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createCore, type Core } from '../../../main/node/core.js';
import { MemorySecretStore } from '../../../main/node/secrets/index.js';
import { coreSchema, reportCoreSchema } from './core-schema.js';

export interface LabCore {
  readonly core: Core;
  readonly stateDir: string;
  /** Where the core keeps its workspace, journals and pins (removed afterwards). */
  readonly tmp: string;
  readonly secrets: MemorySecretStore;
  readonly events: { name: string; payload: unknown }[];
  readonly timings: string[];
}

export function useLabCore(prefix: string, suite: string): LabCore {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `cw-${prefix}-core-`));
  const stateDir = fs.mkdtempSync(`/tmp/${prefix}-`);
  const secrets = new MemorySecretStore();
  const schema = coreSchema();
  const events: { name: string; payload: unknown }[] = [];
  const timings: string[] = [];
  let core: Core | undefined;

  beforeAll(() => {
    core = createCore({
      hostKind: 'test',
      workspaceDir: path.join(tmp, 'workspace'),
      lab: { stateDir, prefix },
      stackOptions: { proxmox: { schema: schema } },
      ssh: { secrets, sshConfigFile: null, interactive: false, engine: { acceptNewHostKeys: true, pinnedHostKeysFile: path.join(tmp, 'pinned-host-keys.json') } },
    });
    core.events.subscribe((name, payload) => events.push({ name, payload }));
  });

  afterAll(async () => {
    try {
      if ((await core?.call('lab.status', {}))?.running) await core?.call('lab.down', {});
    } finally {
      await core?.close();
      fs.rmSync(stateDir, { recursive: true, force: true });
      fs.rmSync(tmp, { recursive: true, force: true });
      console.log(`${suite}:\n  ${timings.join('\n  ')}`);
      reportCoreSchema(suite, schema);
    }
  }, 60_000);

  return {
    get core(): Core {
      if (!core) throw new Error('The core is not up (its beforeAll failed).');
      return core;
    },
    stateDir,
    tmp,
    secrets,
    events,
    timings,
  };
}
