// Host key fingerprints as OpenSSH prints them ("SHA256:" + unpadded base64) and the key type
// read from an SSH wire-format public key blob.
import { createHash } from 'node:crypto';

export function fingerprintOf(keyBlob: Uint8Array): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

/** The first string of an SSH public key blob is its type ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256"…). */
export function keyTypeOf(keyBlob: Uint8Array): string {
  const buffer = Buffer.from(keyBlob.buffer, keyBlob.byteOffset, keyBlob.byteLength);
  if (buffer.byteLength < 4) return 'unknown';
  const length = buffer.readUInt32BE(0);
  if (length === 0 || length > 64 || 4 + length > buffer.byteLength) return 'unknown';
  return buffer.toString('latin1', 4, 4 + length);
}

/** The host key algorithms that use a key of this type, for ordering the offer like OpenSSH does. */
export function algorithmsForKeyType(keyType: string): string[] {
  if (keyType === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  return [keyType];
}

/** ssh2's default host key algorithms, strongest first. */
export const DEFAULT_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** Offer the key types already known for a host first, so a host with several keys is not "unknown" for nothing. */
export function preferredHostKeyAlgorithms(knownKeyTypes: string[]): string[] {
  const preferred = knownKeyTypes.flatMap(algorithmsForKeyType).filter((a) => DEFAULT_HOST_KEY_ALGORITHMS.includes(a));
  return [...new Set([...preferred, ...DEFAULT_HOST_KEY_ALGORITHMS])];
}
