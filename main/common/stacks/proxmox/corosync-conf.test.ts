// corosync.conf parse/render and Proxmox's create/join rules, on configs written the way PVE writes them.
import { describe, expect, it } from 'vitest';
import {
  addNodeToConf,
  bumpConfigVersion,
  corosyncNodes,
  createClusterConf,
  formatLink,
  interfaceLinks,
  parseCorosyncConf,
  parseLink,
  removeNodeFromConf,
  renderCorosyncConf,
  verifyCorosyncConf,
  withQdevice,
  withoutQdevice,
  withTotem,
} from './corosync-conf.js';

const twoLinks = () =>
  bumpConfigVersion(
    createClusterConf({ clusterName: 'homelab', nodeName: 'pve1', links: { 0: { address: '198.18.1.1', priority: 20 }, 1: { address: '198.19.1.1' } }, tokenCoefficient: 125 }),
  );

describe('creating a cluster configuration', () => {
  it('renders exactly what PVE writes for a two-link cluster (sorted keys, one interface per link)', () => {
    expect(renderCorosyncConf(twoLinks())).toBe(`logging {
  debug: off
  to_syslog: yes
}

nodelist {
  node {
    name: pve1
    nodeid: 1
    quorum_votes: 1
    ring0_addr: 198.18.1.1
    ring1_addr: 198.19.1.1
  }
}

quorum {
  provider: corosync_votequorum
}

totem {
  cluster_name: homelab
  config_version: 1
  interface {
    knet_link_priority: 20
    linknumber: 0
  }
  interface {
    linknumber: 1
  }
  ip_version: ipv4-6
  link_mode: passive
  secauth: on
  token_coefficient: 125
  version: 2
}

`);
  });

  it('parses what it renders, and comments and odd spacing', () => {
    const text = renderCorosyncConf(twoLinks());
    expect(parseCorosyncConf(text)).toEqual(parseCorosyncConf(text.replace(/\n/g, ' # c\n  ')));
    expect(renderCorosyncConf(parseCorosyncConf(text))).toBe(text);
    expect(() => parseCorosyncConf('totem { version 2 }')).toThrow(/missing ':' after key 'version'/);
    expect(() => parseCorosyncConf('totem { version: 2 ')).toThrow(/not closed/);
    expect(() => parseCorosyncConf('totem { } totem { }')).toThrow(/appears twice/);
  });

  it('falls back to the node address as link0 when no link is given', () => {
    const conf = createClusterConf({ clusterName: 'c', nodeName: 'pve1', links: {}, fallbackAddress: '198.18.1.1' });
    expect(corosyncNodes(conf)[0]!.links).toEqual({ 0: '198.18.1.1' });
  });

  it('bumps config_version on every write', () => {
    const conf = twoLinks();
    expect(conf.totem).toMatchObject({ config_version: '1' });
    expect(bumpConfigVersion(conf).totem).toMatchObject({ config_version: '2' });
  });
});

describe('adding a node (PVE addnode rules)', () => {
  it('adds a node with all links, picking the next free nodeid', () => {
    const { conf, nodeid } = addNodeToConf(twoLinks(), { name: 'pve2', links: { 0: { address: '198.18.1.2' }, 1: { address: '198.19.1.2' } } });
    expect(nodeid).toBe(2);
    expect(corosyncNodes(conf).map((n) => [n.name, n.nodeid, n.links])).toEqual([
      ['pve1', 1, { 0: '198.18.1.1', 1: '198.19.1.1' }],
      ['pve2', 2, { 0: '198.18.1.2', 1: '198.19.1.2' }],
    ]);
    expect(verifyCorosyncConf(conf)).toEqual([]);
  });

  it('refuses a joiner with fewer or more links than the cluster', () => {
    expect(() => addNodeToConf(twoLinks(), { name: 'pve2', links: { 0: { address: '198.18.1.2' } } })).toThrow(
      "corosync: link 1 exists in cluster config but wasn't specified for new node",
    );
    expect(() => addNodeToConf(twoLinks(), { name: 'pve2', links: { 0: { address: 'a1' }, 1: { address: 'b1' }, 2: { address: 'c1' } } })).toThrow(
      "corosync: link 2 specified for new node doesn't exist in cluster config",
    );
  });

  it('refuses an address already used by another node, and an existing name', () => {
    expect(() => addNodeToConf(twoLinks(), { name: 'pve2', links: { 0: { address: '198.18.1.2' }, 1: { address: '198.19.1.1' } } })).toThrow(
      "corosync: address '198.19.1.1' already used on link ring1_addr by node 'pve1'",
    );
    expect(() => addNodeToConf(twoLinks(), { name: 'pve1', links: { 0: { address: '198.18.1.9' }, 1: { address: '198.19.1.9' } } })).toThrow("can't add existing node 'pve1'");
  });

  it('falls back to new_node_ip only on a single-link cluster', () => {
    const single = bumpConfigVersion(createClusterConf({ clusterName: 'c', nodeName: 'pve1', links: { 0: { address: '198.18.1.1' } } }));
    expect(corosyncNodes(addNodeToConf(single, { name: 'pve2', links: {}, newNodeIp: '198.18.1.2' }).conf)[1]!.links).toEqual({ 0: '198.18.1.2' });
    expect(() => addNodeToConf(twoLinks(), { name: 'pve2', links: {}, newNodeIp: '198.18.1.2' })).toThrow(/fallback only supported on single-link clusters/);
  });

  it('removes a node by name or ring0 address', () => {
    const { conf } = addNodeToConf(twoLinks(), { name: 'pve2', links: { 0: { address: '198.18.1.2' }, 1: { address: '198.19.1.2' } } });
    expect(corosyncNodes(removeNodeFromConf(conf, '198.18.1.2').conf).map((n) => n.name)).toEqual(['pve1']);
    expect(() => removeNodeFromConf(conf, 'pve9')).toThrow('Node/IP: pve9 is not a known host of the cluster.');
  });

  it('reports a node missing an address for a configured interface', () => {
    const conf = twoLinks();
    delete (conf.nodelist as { node: Record<string, string>[] }).node[0]!.ring1_addr;
    expect(verifyCorosyncConf(conf)).toEqual(["node 'pve1' is missing address for interface number 1"]);
    expect(interfaceLinks(conf)).toEqual([0, 1]);
  });
});

describe('QDevice and totem sections', () => {
  it('writes quorum.device as pvecm qdevice setup does, and refuses a second one', () => {
    const conf = withQdevice(twoLinks(), { host: '198.18.3.1', algorithm: 'ffsplit' });
    expect(renderCorosyncConf(conf)).toContain(`quorum {
  device {
    model: net
    net {
      algorithm: ffsplit
      host: 198.18.3.1
      tls: on
    }
    votes: 1
  }
  provider: corosync_votequorum
}`);
    expect(() => withQdevice(conf, { host: '198.18.3.1', algorithm: 'ffsplit' })).toThrow(/already configured/);
    expect(withoutQdevice(conf).quorum).toEqual({ provider: 'corosync_votequorum' });
    expect(() => withoutQdevice(twoLinks())).toThrow('No QDevice configured!');
  });

  it('sets and clears totem timing keys', () => {
    const conf = withTotem(twoLinks(), { token: 10000, consensus: 12000, token_coefficient: undefined });
    expect(conf.totem).toMatchObject({ token: '10000', consensus: '12000' });
    expect((conf.totem as Record<string, unknown>).token_coefficient).toBeUndefined();
  });

  it('formats and parses link property strings', () => {
    expect(formatLink({ address: '198.18.1.1', priority: 10 })).toBe('address=198.18.1.1,priority=10');
    expect(parseLink('198.18.1.1')).toEqual({ address: '198.18.1.1' });
    expect(parseLink('priority=5,address=x')).toEqual({ address: 'x', priority: 5 });
    expect(() => parseLink('weight=3')).toThrow(/invalid key/);
  });
});
