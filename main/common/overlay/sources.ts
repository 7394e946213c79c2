// The documents the overlay rules cite.
import type { RuleSource } from '../workspace/rules/types.js';

export const wireguardProtocol = (section: string): RuleSource => ({
  document: 'WireGuard: Protocol & Cryptography, and the WireGuard whitepaper (J. A. Donenfeld)',
  section,
  url: 'https://www.wireguard.com/protocol/',
});

export const wgManual = (section: string): RuleSource => ({
  document: 'wg(8), the WireGuard configuration utility (wireguard-tools)',
  section,
  url: 'https://git.zx2c4.com/wireguard-tools/about/src/man/wg.8',
});

export const wgQuickManual = (section: string): RuleSource => ({
  document: 'wg-quick(8) (wireguard-tools)',
  section,
  url: 'https://git.zx2c4.com/wireguard-tools/about/src/man/wg-quick.8',
});

export const pathMtuDiscovery: RuleSource = {
  document: 'RFC 1191 / RFC 8201: Path MTU Discovery (IPv4 / IPv6)',
  section: 'Packets larger than the path MTU are dropped when they may not be fragmented',
  url: 'https://www.rfc-editor.org/rfc/rfc8201',
};

/**
 * The rules about a stack's traffic riding an overlay: each finding cites the riding stack's own
 * document (its latency limit, its redundancy, its addressing); the rule itself cites WireGuard's.
 */
export const overlayRiders = {
  latency: wireguardProtocol('Every packet is sent inside UDP over the underlay: the tunnel adds to its round trip and jitter'),
  redundancy: wireguardProtocol('A peer is reached at one endpoint at a time: a hub that fails takes every path through it'),
  addressing: wgManual('AllowedIPs: only the addresses listed for a peer are sent through the tunnel'),
};
