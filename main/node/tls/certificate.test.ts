// Reading an endpoint's certificate without trusting it: the fingerprint as openssl prints it, the names on
// it, nothing sent; a silent endpoint and a closed port fail with the caller's own errors.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CwError } from '../../common/errors.js';
import { isIpLiteral, normalizeFingerprint, readPeerCertificate } from './certificate.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-tlscert-'));
let server: tls.Server;
let port = 0;
let expected = '';
const received: Buffer[] = [];
afterAll(() => {
  server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
beforeAll(async () => {
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=node1.cw.test'], { encoding: 'utf8', timeout: 30_000 });
  if (made.status !== 0) throw new Error(`openssl could not make a test certificate: ${made.stderr}`);
  const cert = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
  expected = new crypto.X509Certificate(cert).fingerprint256;
  server = tls.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert }, (socket) => socket.on('data', (d: Buffer) => received.push(d)).on('error', () => undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

const errors = {
  timeoutError: () => new CwError('TIMEOUT', 'no TLS answer in time'),
  connectError: (err: NodeJS.ErrnoException) => new CwError('UNREACHABLE', `cannot reach it (${err.code})`),
};

describe('reading the certificate an endpoint presents', () => {
  it('gives its SHA-256 fingerprint as openssl prints it, its names and its end date, and sends nothing', async () => {
    const cert = await readPeerCertificate('127.0.0.1', port, { timeoutMs: 5_000, ...errors });
    expect(cert.fingerprint).toBe(expected);
    expect(cert.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(cert.subject).toBe('node1.cw.test');
    expect(cert.issuer).toBe('node1.cw.test');
    expect(new Date(cert.validTo).getTime()).toBeGreaterThan(Date.now());
    await new Promise((r) => setTimeout(r, 100));
    expect(Buffer.concat(received).length).toBe(0);
  });

  it("fails with the caller's time-out error when the endpoint never answers the handshake", async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const at = (silent.address() as net.AddressInfo).port;
      const started = Date.now();
      await expect(readPeerCertificate('127.0.0.1', at, { timeoutMs: 300, ...errors })).rejects.toMatchObject({ code: 'TIMEOUT', message: 'no TLS answer in time' });
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      silent.close();
    }
  });

  it("fails with the caller's connection error on a closed port", async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const at = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(readPeerCertificate('127.0.0.1', at, { timeoutMs: 5_000, ...errors })).rejects.toMatchObject({ code: 'UNREACHABLE', message: 'cannot reach it (ECONNREFUSED)' });
  });
});

describe('fingerprints and hosts', () => {
  it('writes a SHA-256 fingerprint one way whatever way it was typed, and refuses anything else', () => {
    const colons = 'AB:'.repeat(31) + 'CD';
    expect(normalizeFingerprint('ab'.repeat(31) + 'cd')).toBe(colons);
    expect(normalizeFingerprint(colons.toLowerCase())).toBe(colons);
    expect(() => normalizeFingerprint('AB:CD')).toThrow(/is not a SHA-256 certificate fingerprint/);
    expect(() => normalizeFingerprint('ab'.repeat(20))).toThrow(CwError);
  });

  it('tells an address from a host name (no server name is sent for an address)', () => {
    for (const host of ['10.0.0.1', '::1', '[fd00::5]']) expect(isIpLiteral(host), host).toBe(true);
    for (const host of ['pve1', 'vcenter.lab.example', 'keystone-1']) expect(isIpLiteral(host), host).toBe(false);
  });
});
