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

/** The rule-level source of the rules about cluster traffic riding an overlay; their findings cite the stack's own document. */
export const clusterTrafficOverOverlays: RuleSource = {
  document: 'Clusterwright seed: cluster traffic over overlays between sites',
  section: "Each finding cites the riding stack's own documentation",
};
