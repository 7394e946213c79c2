// Test workspaces the what-if tests share (not part of the app bundle: only tests import it).

/** Four hosts in two sites, one vSAN cluster recorded as no longer stretched (its two fault domains kept). */
export const unstretchedVsanYaml = `version: 1
name: w
sites:
  - { name: a, kind: lan }
  - { name: b, kind: man }
networks:
  - { name: mgmt, roles: [management], cidr: 198.18.0.0/16 }
nodes:
  - { name: a1, site: a, addresses: { mgmt: 198.18.0.1 } }
  - { name: a2, site: a, addresses: { mgmt: 198.18.0.2 } }
  - { name: b1, site: b, addresses: { mgmt: 198.18.0.3 } }
  - { name: b2, site: b, addresses: { mgmt: 198.18.0.4 } }
vsan:
  clusters:
    - name: plain
      vcenter: { endpoint: 127.0.0.1 }
      stretched: false
      preferredSite: { site: a, hosts: [a1, a2] }
      secondarySite: { site: b, hosts: [b1, b2] }
`;
