// `pvecm` stand-in for lab hosts (bundled to one file, run over SSH like the real one): status, nodes,
// expected, qdevice setup/remove with real corosync-qnetd/-qdevice and their certificate tools.
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import {
  bumpConfigVersion,
  clusterName,
  configVersion,
  corosyncNodes,
  parseCorosyncConf,
  qdeviceHost,
  renderCorosyncConf,
  withQdevice,
  withoutQdevice,
  type CorosyncSection,
} from '../../../../common/stacks/proxmox/corosync-conf.js';
import { shellCommand } from '../../../ssh/shell-quote.js';

/** Where the lab's /etc/pve directories live (set when the stand-in is bundled). */
const pmxcfsRoot = process.env.CW_PVE_PMXCFS_ROOT ?? '';
const localConf = '/etc/corosync/corosync.conf';
const qdeviceNet = '/etc/corosync/qdevice/net';
const qnetdDb = '/etc/corosync/qnetd/nssdb';

class Die extends Error {}

function die(message: string): never {
  throw new Die(message);
}

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(argv: string[], options: { timeoutMs?: number; noerr?: boolean; echo?: boolean } = {}): Ran {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: options.timeoutMs ?? 60_000 });
  const res = { code: r.status ?? (r.error ? 127 : 1), stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  if (options.echo) {
    if (res.stdout) process.stdout.write(res.stdout);
    if (res.stderr) process.stderr.write(res.stderr);
  }
  if (res.code !== 0 && !options.noerr) die(`command '${argv.join(' ')}' failed: exit code ${res.code}${res.stderr ? `\n${res.stderr.trim()}` : ''}`);
  return res;
}

const sshOptions = ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=accept-new', '-o', 'ConnectTimeout=10', '-l', 'root'];

/** ssh joins its arguments into one remote shell line, so the command is quoted argument by argument. */
function onNode(address: string, argv: string[], options: { noerr?: boolean; echo?: boolean } = {}): Ran {
  // The address after "--": never read as an ssh option.
  return run(['ssh', ...sshOptions, '--', address, shellCommand(...argv)], options);
}
const scpBase = ['scp', '-q', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=accept-new', '-o', 'ConnectTimeout=10'];
const remote = (host: string): string => (host.includes(':') ? `[${host}]` : host);

/** The cluster's /etc/pve (found by the cluster name in this node's corosync.conf). */
function etcPve(): { dir: string; conf: CorosyncSection } {
  let text: string;
  try {
    text = fs.readFileSync(localConf, 'utf8');
  } catch {
    die("Error: Corosync config '/etc/pve/corosync.conf' does not exist - is this node part of a cluster?");
  }
  const name = clusterName(parseCorosyncConf(text));
  const dir = path.join(pmxcfsRoot, `cluster-${name}`);
  const shared = path.join(dir, 'corosync.conf');
  if (!pmxcfsRoot || !fs.existsSync(shared)) die("Error: Corosync config '/etc/pve/corosync.conf' does not exist - is this node part of a cluster?");
  return { dir, conf: parseCorosyncConf(fs.readFileSync(shared, 'utf8')) };
}

function writeClusterConf(dir: string, conf: CorosyncSection): number {
  bumpConfigVersion(conf);
  const file = path.join(dir, 'corosync.conf');
  fs.writeFileSync(`${file}.new`, renderCorosyncConf(conf));
  fs.renameSync(`${file}.new`, file);
  return configVersion(conf);
}

function quorumtool(args: string[]): Ran {
  return run(['timeout', '10', 'corosync-quorumtool', ...args], { noerr: true, timeoutMs: 12_000 });
}

/** Members with their ring0 address, and whether corosync sees each of them now. */
function members(conf: CorosyncSection): { name: string; address: string; online: boolean }[] {
  const listed = quorumtool(['-l']);
  const online = new Set([...listed.stdout.matchAll(/^\s*(\d+)\s+\d+\s+/gm)].map((m) => Number(m[1])));
  return corosyncNodes(conf)
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((n) => ({ name: n.name, address: n.links[0] ?? n.name, online: online.has(n.nodeid) }));
}

/** pmxcfs copies a new corosync.conf to every node; wait until each has it (the test servers do the copying). */
function waitPropagated(nodes: { name: string; address: string }[], version: number): void {
  for (const n of nodes) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const r = onNode(n.address, ['grep', '-c', `config_version: ${version}$`, localConf], { noerr: true });
      if (r.code === 0) break;
      if (Date.now() > deadline) die(`corosync.conf version ${version} did not reach node '${n.name}' within 20 s - is pmxcfs (the test server) running there?`);
      spawnSync('sleep', ['0.2']);
    }
  }
}

function status(): number {
  const { conf } = etcPve();
  const totem = (conf.totem ?? {}) as Record<string, string>;
  out('Cluster information');
  out('-------------------');
  const row = (label: string, value: string): void => out(`${`${label}:`.padEnd(17)} ${value}`);
  row('Name', totem.cluster_name ?? 'UNKOWN?');
  row('Config Version', totem.config_version ?? '-1');
  row('Transport', totem.transport ?? 'knet');
  row('Secure auth', totem.secauth ?? 'off');
  out();
  const r = quorumtool(['-siH']);
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  return r.code;
}

function qdeviceSetup(address: string, force: boolean): number {
  if (net.isIP(address) === 0) die(`400 Parameter verification failed.\naddress: invalid format - value does not look like a valid IP address`);
  const { dir, conf } = etcPve();
  const nodes = members(conf);
  for (const n of nodes) if (!n.online) die(`All nodes must be online! Node ${n.name} is offline, aborting.`);
  if (qdeviceHost(conf) && !force) die('QDevice already configured!');
  let algorithm: 'ffsplit' | 'lms' = 'ffsplit';
  if (nodes.length % 2 === 1) {
    if (force) algorithm = 'lms';
    else die('Clusters with an odd node count are not officially supported!');
  }
  const name = clusterName(conf)!;
  if (fs.existsSync(`${qdeviceNet}/nssdb`)) {
    if (force) fs.rmSync(`${qdeviceNet}/nssdb`, { recursive: true, force: true });
    else die('QDevice certificate store already initialised, set force to delete!');
  }
  out('\nINFO: initializing qnetd server');
  onNode(address, ['corosync-qnetd-certutil', '-i'], { noerr: true, echo: true });
  out('\nINFO: copying CA cert and initializing on all nodes');
  run([...scpBase, `root@${remote(address)}:${qnetdDb}/qnetd-cacert.crt`, path.join(dir, 'qnetd-cacert.crt')]);
  for (const n of nodes) {
    const r = onNode(n.address, ['corosync-qdevice-net-certutil', '-i', '-c', path.join(dir, 'qnetd-cacert.crt')], { noerr: true });
    out(`\nnode '${n.name}': ${r.stdout.trim()}`);
  }
  fs.rmSync(path.join(dir, 'qnetd-cacert.crt'), { force: true });
  out('\nINFO: generating cert request');
  run(['corosync-qdevice-net-certutil', '-r', '-n', name], { echo: true });
  out('\nINFO: copying exported cert request to qnetd server');
  run([...scpBase, `${qdeviceNet}/nssdb/qdevice-net-node.crq`, `root@${remote(address)}:/tmp`]);
  out('\nINFO: sign and export cluster cert');
  onNode(address, ['corosync-qnetd-certutil', '-s', '-c', '/tmp/qdevice-net-node.crq', '-n', name], { echo: true });
  out('\nINFO: copy exported CRT');
  run([...scpBase, `root@${remote(address)}:${qnetdDb}/cluster-${name}.crt`, `${qdeviceNet}/nssdb`]);
  out('\nINFO: import certificate');
  run(['corosync-qdevice-net-certutil', '-M', '-c', `${qdeviceNet}/nssdb/cluster-${name}.crt`], { echo: true });
  out('\nINFO: copy and import pk12 cert to all nodes');
  fs.copyFileSync(`${qdeviceNet}/nssdb/qdevice-net-node.p12`, path.join(dir, 'qdevice-net-node.p12'));
  for (const n of nodes) {
    const r = onNode(n.address, ['corosync-qdevice-net-certutil', '-m', '-c', path.join(dir, 'qdevice-net-node.p12')]);
    out(`\nnode '${n.name}': ${r.stdout.trim()}`);
  }
  fs.rmSync(path.join(dir, 'qdevice-net-node.p12'), { force: true });
  out('\nINFO: add QDevice to cluster configuration');
  const fresh = etcPve().conf;
  if (qdeviceHost(fresh)) die('Qdevice already configured, must be removed before setting up new one!');
  const version = writeClusterConf(dir, withQdevice(fresh, { host: address, algorithm }));
  waitPropagated(nodes, version);
  for (const n of nodes) {
    out(`\nINFO: start and enable corosync qdevice daemon on node '${n.name}'...`);
    onNode(n.address, ['systemctl', 'start', 'corosync-qdevice'], { echo: true });
    onNode(n.address, ['systemctl', 'enable', 'corosync-qdevice'], { noerr: true });
  }
  run(['corosync-cfgtool', '-R'], { timeoutMs: 15_000 });
  return 0;
}

function qdeviceRemove(): number {
  const { dir, conf } = etcPve();
  const nodes = members(conf);
  for (const n of nodes) if (!n.online) die(`All nodes must be online! Node ${n.name} is offline, aborting.`);
  if (!qdeviceHost(conf)) die('No QDevice configured!');
  const version = writeClusterConf(dir, withoutQdevice(conf));
  for (const n of nodes) onNode(n.address, ['rm', '-rf', '/etc/corosync/qdevice']);
  waitPropagated(nodes, version);
  for (const n of nodes) {
    onNode(n.address, ['systemctl', 'stop', 'corosync-qdevice']);
    onNode(n.address, ['systemctl', 'disable', 'corosync-qdevice'], { noerr: true });
  }
  run(['corosync-cfgtool', '-R'], { timeoutMs: 15_000 });
  out('\nRemoved Qdevice.');
  return 0;
}

const usage = `USAGE: pvecm <COMMAND> [ARGS] [OPTIONS]
       pvecm status
       pvecm nodes
       pvecm expected <expected>
       pvecm qdevice setup <address> [--force]
       pvecm qdevice remove
       pvecm add <hostname> --fingerprint <fp> [--link0 <addr>] [--link1 <addr>]...
(Clusterwright lab stand-in: create goes through the API, POST /cluster/config; add asks for the peer's root password
 and calls POST /cluster/config/join here, as the real pvecm add does without --use_ssh.)`;

/** `pvecm add`: asks for the peer's root password (stdin when it is not a terminal) and joins through the local API. */
function add(args: string[]): number {
  const [hostname, ...options] = args;
  if (!hostname || hostname.startsWith('-')) die(`400 not enough arguments\n${usage}`);
  const params: string[] = [];
  let fingerprint = '';
  for (let i = 0; i < options.length; i++) {
    const m = /^--?([a-z0-9_-]+)(?:=(.*))?$/.exec(options[i]!);
    if (!m) die(`400 unable to parse option '${options[i]}'`);
    const key = m[1]!;
    if (key === 'use_ssh') die('pvecm add --use_ssh is not offered in the lab: the join goes through the API.');
    if (key === 'force') {
      params.push('--force', '1');
      continue;
    }
    const value = m[2] ?? options[++i];
    if (value === undefined) die(`400 missing value for option '--${key}'`);
    if (!/^(fingerprint|link[0-7]|nodeid|votes)$/.test(key)) die(`400 Parameter verification failed.\n${key}: property is not defined in schema and the schema does not allow additional properties`);
    if (key === 'fingerprint') fingerprint = value;
    params.push(`--${key}`, value);
  }
  if (!fingerprint) die('400 Parameter verification failed.\nfingerprint: property is missing and it is not optional');
  process.stderr.write(`Please enter superuser (root) password for '${hostname}': `);
  const password = fs.readFileSync(0, 'utf8').split('\n')[0] ?? '';
  process.stderr.write('\n');
  if (!password) die('no password given');
  process.stdout.write(`Establishing API connection with host '${hostname}'\n`);
  const r = spawnSync('pvesh', ['create', '/cluster/config/join', '--hostname', hostname, ...params], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, CW_PVESH_PASSWORD: password }, timeout: 300_000 });
  return r.status ?? 1;
}

export function main(argv: string[]): number {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'status':
        return status();
      case 'nodes':
        etcPve();
        return (() => {
          const r = quorumtool(['-l']);
          process.stdout.write(r.stdout);
          process.stderr.write(r.stderr);
          return r.code;
        })();
      case 'expected': {
        const n = rest[0];
        if (!n || !/^\d+$/.test(n) || Number(n) < 1) die('400 Parameter verification failed.\nexpected: value must have a minimum value of 1');
        etcPve();
        const r = quorumtool(['-e', n]);
        process.stdout.write(r.stdout);
        process.stderr.write(r.stderr);
        return r.code;
      }
      case 'add':
        return add(rest);
      case 'qdevice':
        if (rest[0] === 'setup' && rest[1]) return qdeviceSetup(rest[1], rest.includes('--force') || rest.includes('--force=1'));
        if (rest[0] === 'remove') return qdeviceRemove();
        process.stderr.write(`${usage}\n`);
        return 255;
      default:
        process.stderr.write(`${cmd ? `ERROR: unknown command 'pvecm ${cmd}'\n` : ''}${usage}\n`);
        return 255;
    }
  } catch (err) {
    process.stderr.write(`${err instanceof Die ? err.message : (err as Error).stack}\n`);
    return 255;
  }
}
