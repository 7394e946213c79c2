// proxmox.* through the real dispatcher: input and output checked by the contract, a TLS certificate
// read from a real HTTPS listener (openssl-made), WAN reasoning returned as text.
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCore } from '../../core.js';
import { createCa, issueNodeCertificate } from './simulator/certs.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-pve-svc-'));
const core = createCore({ hostKind: 'test', workspaceDir: path.join(tmp, 'ws') });
const ctx = { signal: new AbortController().signal, session: { openStream: () => 0 } };

afterAll(async () => {
  await core.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('proxmox.* methods', () => {
  it('computes totem timing for a measured WAN link, with its reasoning', async () => {
    const result = await core.dispatch(ctx, 'proxmox.tuneTotem', { rttMs: 30, jitterMs: 5, lossPct: 0.5, nodes: 3 });
    expect(result.ok).toBe(true);
    expect(result.ok && result.value).toMatchObject({ verdict: 'wan-tuned', totem: { join: 90 }, effectiveTokenMs: 3125 });
    const bad = await core.dispatch(ctx, 'proxmox.tuneTotem', { rttMs: -1, jitterMs: 0, nodes: 1 });
    expect(!bad.ok && bad.error.code).toBe('INVALID_INPUT');
  });

  it('reads the certificate a node presents, for the admin to confirm before pinning', async () => {
    const ca = await createCa();
    const cert = await issueNodeCertificate(ca, 'pve1', ['127.0.0.1']);
    const server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (_req, res) => res.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as { port: number }).port;
      const result = await core.dispatch(ctx, 'proxmox.probeCertificate', { host: '127.0.0.1', port });
      expect(result.ok && result.value).toMatchObject({ fingerprint: cert.fingerprint, subject: 'pve1.local', issuer: 'Proxmox Virtual Environment' });
      const closed = await core.dispatch(ctx, 'proxmox.probeCertificate', { host: '127.0.0.1', port: 1 });
      expect(!closed.ok && closed.error.code).toBe('UNREACHABLE');
    } finally {
      server.close();
    }
  });
});
