// Certificates for the Proxmox test server, made with Debian's openssl the way a PVE node has them:
// a per-installation CA (pve-root-ca) and a node certificate it signs (pve-ssl.pem).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CwError } from '../../../../common/errors.js';
import { spawnBounded } from './host.js';

export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
}

export interface NodeCertificate {
  certPem: string;
  keyPem: string;
  fingerprint: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const res = await spawnBounded(['openssl', ...args.map((a) => a.replace('{dir}', cwd))], { timeoutMs: 30_000 });
  if (res.code !== 0) throw new CwError('REMOTE_FAILED', `openssl ${args[0]} failed: ${res.stderr.trim()}`);
}

function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-pve-cert-'));
  return fn(dir).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

/** A new CA, like the one `pvecm updatecerts` creates on a fresh node (EC P-256 here, for speed). */
export function createCa(): Promise<CertificateAuthority> {
  return withTempDir(async (dir) => {
    const ou = crypto.randomUUID();
    await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', '{dir}/ca.key', '-out', '{dir}/ca.pem', '-days', '3650', '-subj', `/CN=Proxmox Virtual Environment/OU=${ou}/O=PVE Cluster Manager CA`], dir);
    return { certPem: fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8'), keyPem: fs.readFileSync(path.join(dir, 'ca.key'), 'utf8') };
  });
}

/** The node certificate (pve-ssl.pem) signed by `ca`, with the node name and address as SANs. */
export function issueNodeCertificate(ca: CertificateAuthority, nodeName: string, addresses: string[]): Promise<NodeCertificate> {
  return withTempDir(async (dir) => {
    fs.writeFileSync(path.join(dir, 'ca.pem'), ca.certPem);
    fs.writeFileSync(path.join(dir, 'ca.key'), ca.keyPem, { mode: 0o600 });
    const san = ['DNS:localhost', `DNS:${nodeName}`, ...addresses.map((a) => `IP:${a}`)].join(',');
    fs.writeFileSync(path.join(dir, 'ext.cnf'), `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`);
    await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', '{dir}/node.key', '-out', '{dir}/node.csr', '-subj', `/OU=PVE Cluster Node/O=Proxmox Virtual Environment/CN=${nodeName}.local`], dir);
    await openssl(['x509', '-req', '-in', '{dir}/node.csr', '-CA', '{dir}/ca.pem', '-CAkey', '{dir}/ca.key', '-set_serial', `0x${crypto.randomBytes(8).toString('hex')}`, '-days', '700', '-extfile', '{dir}/ext.cnf', '-out', '{dir}/node.pem'], dir);
    const certPem = fs.readFileSync(path.join(dir, 'node.pem'), 'utf8');
    return { certPem, keyPem: fs.readFileSync(path.join(dir, 'node.key'), 'utf8'), fingerprint: new crypto.X509Certificate(certPem).fingerprint256 };
  });
}

/** The `certificates/info` entry PVE returns for a PEM file. */
export function certificateInfo(filename: string, pem: string): Record<string, unknown> {
  const x = new crypto.X509Certificate(pem);
  return {
    filename,
    fingerprint: x.fingerprint256,
    issuer: x.issuer.replace(/\n/g, ', '),
    subject: x.subject.replace(/\n/g, ', '),
    notbefore: Math.floor(Date.parse(x.validFrom) / 1000),
    notafter: Math.floor(Date.parse(x.validTo) / 1000),
    san: (x.subjectAltName ?? '').split(', ').filter(Boolean),
    'public-key-type': x.publicKey.asymmetricKeyType ?? 'unknown',
    pem,
  };
}
