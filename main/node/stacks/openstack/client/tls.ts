// TLS for the OpenStack clients: every https endpoint is pinned by the SHA-256 fingerprint of its certificate,
// checked on the connection before a single request byte is written (the admin confirms it once, like SSH).
import net from 'node:net';
import tls from 'node:tls';
import { Agent, type buildConnector } from 'undici';
import { CwError } from '../../../../common/errors.js';
import { firstOf, normalizeFingerprint, readPeerCertificate, serverNameFor, type PeerCertificate } from '../../../tls/certificate.js';

export { normalizeFingerprint, type PeerCertificate };

/** `host:port` as the pins are keyed (IPv6 in brackets), with the scheme's default port filled in. */
export function originKey(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname.toLowerCase()}:${port}`;
}

/** Pinned fingerprints by `host:port`: each https endpoint of a cloud may sit on another host with another certificate. */
export type CertificatePins = Record<string, string>;

/** Reads the certificate an endpoint presents, without trusting it: for the "confirm this fingerprint" prompt. */
export function probeCertificate(url: string, timeoutMs = 10_000): Promise<PeerCertificate> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port || 443);
  return readPeerCertificate(host, port, {
    timeoutMs,
    timeoutError: () => new CwError('TIMEOUT', `No TLS answer from ${host}:${port} within ${timeoutMs} ms. Check the address and that port ${port} is reachable.`),
    connectError: (err) => new CwError('UNREACHABLE', `Cannot reach ${host}:${port} (${err.code ?? err.message}).`),
  });
}

/**
 * An undici dispatcher whose https connections are accepted only when the peer's certificate matches the pin
 * for its `host:port`. Plain http (a lab on loopback, or an admin's explicit choice) connects as usual.
 */
export function pinnedAgent(pins: () => CertificatePins, connectTimeoutMs = 10_000): Agent {
  const connect: buildConnector.connector = (options, callback) => {
    const host = options.hostname.replace(/^\[|\]$/g, '');
    const port = Number(options.port || (options.protocol === 'https:' ? 443 : 80));
    const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    let done = false;
    const finish = (err: Error | null, socket?: net.Socket): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) callback(err, null);
      else callback(null, socket!);
    };
    const timer = setTimeout(() => {
      sock.destroy();
      finish(new CwError('TIMEOUT', `Connecting to ${where} timed out after ${connectTimeoutMs} ms. Check the address and that the port is open.`));
    }, connectTimeoutMs);
    const onError = (err: NodeJS.ErrnoException): void => finish(err instanceof CwError ? err : new CwError('UNREACHABLE', `Cannot reach ${where} (${err.code ?? err.message}). Check that the service runs and the port is open from here.`));
    let sock: net.Socket;
    if (options.protocol !== 'https:') {
      sock = net.connect({ host, port });
      sock.once('connect', () => finish(null, sock));
      sock.once('error', onError);
      return;
    }
    const pinned = pins()[`${host.toLowerCase()}:${port}`];
    const tlsSock = tls.connect({ host, port, rejectUnauthorized: false, servername: options.servername || serverNameFor(host), ALPNProtocols: ['http/1.1'] });
    sock = tlsSock;
    tlsSock.once('error', onError);
    tlsSock.once('secureConnect', () => {
      const cert = tlsSock.getPeerCertificate();
      const seen = normalizeFingerprint(cert.fingerprint256);
      const detail = { kind: 'tls-certificate', host, port, fingerprint: seen, subject: firstOf(cert.subject?.CN), issuer: firstOf(cert.issuer?.CN) };
      if (!pinned) {
        tlsSock.destroy();
        finish(new CwError('HOST_KEY_UNKNOWN', `The OpenStack endpoint ${where} presented a certificate not seen before (SHA-256 ${seen}, issued by ${detail.issuer || 'unknown'}). Compare it with the certificate on the node (openssl x509 -noout -fingerprint -sha256), then confirm it to pin it.`, detail));
        return;
      }
      if (normalizeFingerprint(pinned) !== seen) {
        tlsSock.destroy();
        finish(new CwError('HOST_KEY_CHANGED', `The certificate of ${where} changed: pinned ${normalizeFingerprint(pinned)}, now ${seen}. Nothing was sent. If the certificate was renewed on purpose, confirm the new fingerprint; otherwise treat it as an attack.`, { ...detail, pinned: normalizeFingerprint(pinned) }));
        return;
      }
      finish(null, tlsSock);
    });
  };
  return new Agent({ connect, keepAliveTimeout: 4_000 });
}
