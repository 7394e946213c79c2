// Certificate thumbprints as vSphere shows them: upper-case hex bytes joined by colons. vCenter's own
// certificate is pinned by SHA-256 (32 bytes); an ESXi host's is the thumbprint vCenter reports in
// SSLVerifyFault and expects back in HostConnectSpec.sslThumbprint (SHA-1, 20 bytes, on vSphere 6.x–7.x).
import { CwError } from '../../errors.js';

/** Normalizes `aa:bb…`, `AABB…` or `aa bb …` to `AA:BB:…`; `bytes` restricts the length (20, 32). */
export function normalizeThumbprint(text: string, bytes?: 20 | 32): string {
  const hex = text.replace(/[\s:]/g, '').toUpperCase();
  const lengths = bytes ? [bytes] : [20, 32];
  if (!/^[0-9A-F]+$/.test(hex) || !lengths.includes(hex.length / 2)) {
    const what = bytes === 32 ? 'a SHA-256 certificate fingerprint (32 bytes)' : bytes === 20 ? 'a SHA-1 certificate thumbprint (20 bytes)' : 'a certificate thumbprint (20 or 32 colon-separated bytes)';
    throw new CwError('INVALID_INPUT', `'${text.slice(0, 120)}' is not ${what}.`);
  }
  return hex.match(/../g)!.join(':');
}

export function sameThumbprint(a: string, b: string): boolean {
  return normalizeThumbprint(a) === normalizeThumbprint(b);
}
