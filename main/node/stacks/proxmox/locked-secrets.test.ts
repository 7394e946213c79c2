// A cluster whose password is in a locked store says SECRETS_LOCKED (the app's unlock dialog), not "secret not found".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { workspaceSchema } from '../../../common/workspace/schema.js';
import { UnlockableSecretStore } from '../../secrets/unlockable-store.js';
import { createProxmoxApi } from './cluster-api.js';

describe('Proxmox API credentials from a locked store', () => {
  it('fails with SECRETS_LOCKED before anything is sent', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cw-pve-locked-')), 'secrets.sealed.json');
    const secrets = new UnlockableSecretStore(file, { lockedAdvice: 'unlock it in the app.' });
    const workspace = workspaceSchema.parse({
      version: 1,
      name: 'estate',
      sites: [{ name: 'a', kind: 'lan' }],
      networks: [{ name: 'mgmt', roles: ['management', 'corosync'] }],
      nodes: [{ name: 'pve1', site: 'a', addresses: { mgmt: '127.0.0.1' } }],
      proxmox: { clusters: [{ name: 'homelab', nodes: ['pve1'], links: [{ link: 0, network: 'mgmt' }], api: { endpoint: '127.0.0.1:9', user: 'root@pam', passwordSecret: 'pve-root', fingerprint: `${'AB:'.repeat(31)}CD` } }] },
    });
    const api = createProxmoxApi({ secrets });
    const resolved = api.resolve(workspace, 'homelab');
    await expect(api.inContext(resolved, () => api.client(resolved).get('/version'))).rejects.toMatchObject({ code: 'SECRETS_LOCKED' });
  });
});
