// corosync helpers for lab tests: a hand-written corosync.conf, a shared authkey, quorum polling under a timeout.
import fs from 'node:fs';
import type { Lab } from '../../main/node/lab/index.js';

export interface CorosyncNode {
  host: string;
  nodeId: number;
}

/** corosync.conf as an admin (or Proxmox) writes it: knet, passive link mode, one interface per link. */
export function corosyncConf(lab: Lab, clusterName: string, nodes: CorosyncNode[], options: { links?: 1 | 2; tokenMs?: number; qdeviceHost?: string; ringAddress?: (host: string, link: number) => string | undefined } = {}): string {
  const links = options.links ?? 2;
  const nodeBlocks = nodes.map((n) => {
    const h = lab.host(n.host);
    return [
      '  node {',
      `    name: ${n.host}`,
      `    nodeid: ${n.nodeId}`,
      '    quorum_votes: 1',
      ...Array.from({ length: links }, (_, i) => `    ring${i}_addr: ${options.ringAddress?.(n.host, i) ?? h.addressList[i]}`),
      '  }',
    ].join('\n');
  });
  const quorum = ['quorum {', '  provider: corosync_votequorum'];
  if (options.qdeviceHost) {
    quorum.push(
      '  device {',
      '    model: net',
      '    votes: 1',
      '    net {',
      `      host: ${lab.host(options.qdeviceHost).addressList[0]}`,
      '      algorithm: ffsplit',
      '      tls: on',
      '    }',
      '  }',
    );
  }
  quorum.push('}');
  return [
    'logging {',
    '  to_syslog: no',
    '  to_logfile: yes',
    '  logfile: /var/log/corosync/corosync.log',
    '  timestamp: on',
    '}',
    '',
    'nodelist {',
    ...nodeBlocks,
    '}',
    '',
    ...quorum,
    '',
    'totem {',
    `  cluster_name: ${clusterName}`,
    '  config_version: 1',
    ...Array.from({ length: links }, (_, i) => `  interface {\n    linknumber: ${i}\n  }`),
    '  ip_version: ipv4-6',
    '  link_mode: passive',
    '  secauth: on',
    '  version: 2',
    ...(options.tokenMs ? [`  token: ${options.tokenMs}`] : []),
    '}',
    '',
  ].join('\n');
}

/** Writes corosync.conf and one authkey (made by corosync-keygen on the first host) to every host. */
export async function installCorosync(lab: Lab, conf: string, hosts: string[]): Promise<void> {
  const [first] = hosts;
  await lab.execOk(first!, ['corosync-keygen', '-k', '/etc/corosync/authkey'], { timeoutMs: 10_000 });
  const key = fs.readFileSync(lab.hostPath(first!, '/etc/corosync/authkey'));
  for (const host of hosts) {
    fs.writeFileSync(lab.hostPath(host, '/etc/corosync/authkey'), key, { mode: 0o400 });
    fs.writeFileSync(lab.hostPath(host, '/etc/corosync/corosync.conf'), conf);
  }
}

/** corosync-quorumtool -s under a timeout: true = quorate (exit 0), false = not (exit 2) or no answer. */
export async function isQuorate(lab: Lab, host: string): Promise<boolean> {
  const result = await lab.exec(host, ['timeout', '3', 'corosync-quorumtool', '-s'], { timeoutMs: 5_000 });
  return result.code === 0;
}

/** Polls (no faster than every 100 ms) until every host's quorate state equals `want`; returns ms taken or undefined on timeout. */
export async function waitQuorate(lab: Lab, hosts: string[], want: boolean, timeoutMs: number, intervalMs = 150): Promise<number | undefined> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const states = await Promise.all(hosts.map((h) => isQuorate(lab, h)));
    if (states.every((s) => s === want)) return Date.now() - started;
    await new Promise((r) => setTimeout(r, Math.max(100, intervalMs)));
  }
  return undefined;
}

/** A runtime value from corosync-cmapctl (e.g. runtime.config.totem.token). */
export async function cmapNumber(lab: Lab, host: string, key: string): Promise<number> {
  const result = await lab.execOk(host, ['timeout', '3', 'corosync-cmapctl', '-g', key], { timeoutMs: 5_000 });
  const value = /=\s*(\d+)/.exec(result.stdout)?.[1];
  if (value === undefined) throw new Error(`corosync-cmapctl -g ${key} on ${host} printed no number: ${result.stdout}`);
  return Number(value);
}
