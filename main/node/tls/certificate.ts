// The certificate a TLS endpoint presents, read without trusting it (for the admin's "confirm this fingerprint"
// prompt), and the one form every pin and fingerprint is compared in. Each client words its own errors.
import net from 'node:net';
import tls from 'node:tls';
import { CwError } from '../../common/errors.js';

/** `AA:BB:…` upper-case, colon-separated: the form `openssl x509 -fingerprint -sha256` prints. */
export function normalizeFingerprint(fp: string): string {
  const hex = fp.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  if (hex.length !== 64) throw new CwError('INVALID_INPUT', `'${fp}' is not a SHA-256 certificate fingerprint (expected 32 colon-separated bytes).`);
  return hex.match(/../g)!.join(':');
}

/** An IPv4 or IPv6 address (IPv6 with or without brackets): no server name to send for it. */
export function isIpLiteral(host: string): boolean {
  return net.isIP(host.replace(/^\[|\]$/g, '')) !== 0;
}

/** The server name to send for a host: none for an address. */
export function serverNameFor(host: string): string | undefined {
  return isIpLiteral(host) ? undefined : host;
}

/** A certificate's subject or issuer field, which Node gives as a string or a list. */
export function firstOf(v: string | string[] | undefined): string {
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

export interface PeerCertificate {
  /** SHA-256, normalized. */
  fingerprint: string;
  subject: string;
  issuer: string;
  validTo: string;
}

/**
 * Connects to `host:port`, reads the certificate it presents and hangs up; nothing is sent. Fails with
 * `timeoutError` when the handshake does not end within `timeoutMs`, and with `connectError` (a CwError
 * passes through as it is) when the connection fails.
 */
export function readPeerCertificate(
  host: string,
  port: number,
  options: { timeoutMs: number; timeoutError(): Error; connectError(err: NodeJS.ErrnoException): Error },
): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, rejectUnauthorized: false, servername: serverNameFor(host) });
    const timer = setTimeout(() => socket.destroy(options.timeoutError()), options.timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve({ fingerprint: normalizeFingerprint(cert.fingerprint256), subject: firstOf(cert.subject?.CN), issuer: firstOf(cert.issuer?.CN), validTo: cert.valid_to });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err instanceof CwError ? err : options.connectError(err));
    });
  });
}
