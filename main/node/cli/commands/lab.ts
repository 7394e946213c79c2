// clusterwright lab: start, inspect, shape and remove a multi-site lab of namespace hosts (see main/node/lab).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CwError } from '../../../common/errors.js';
import { defaultLabStateDir, describeLink, loadLabSpec, openLab, startLab, stopLab, type LabStatus, type LinkParams, type LinkStatus, type NetworkIndex } from '../../lab/index.js';
import type { CliCommand, CliIO } from '../types.js';
import { exitCodes, UsageError } from '../types.js';

const usage = [
  'lab up <file.yml> [--state DIR] [--prefix NAME] [--replace]',
  '       lab down [--state DIR] [--prefix NAME]',
  '       lab status [--state DIR] [--json]',
  '       lab link <siteA> <siteB> <lan|man|wan|internet> [--network 0|1] [--state DIR]',
  '       lab link <siteA> <siteB> --delay MS [--jitter MS] [--loss PCT] [--bandwidth MBIT] [--network 0|1] [--state DIR]',
  '       lab cut <siteA> <siteB> [--network 0|1] [--state DIR]',
  '       lab restore <siteA> <siteB> [--network 0|1] [--state DIR]',
].join('\n');

const common = {
  state: { type: 'string' },
  prefix: { type: 'string' },
  json: { type: 'boolean' },
  replace: { type: 'boolean' },
  network: { type: 'string' },
  delay: { type: 'string' },
  jitter: { type: 'string' },
  loss: { type: 'string' },
  bandwidth: { type: 'string' },
} as const;

function num(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} takes a number ≥ 0, not "${value}".`);
  return n;
}

function networkOf(value: string | undefined): NetworkIndex | undefined {
  if (value === undefined) return undefined;
  if (value !== '0' && value !== '1') throw new UsageError(`--network is 0 (management / corosync link0) or 1 (corosync link1), not "${value}".`);
  return Number(value) as NetworkIndex;
}

function printStatus(status: LabStatus, io: CliIO): void {
  io.out(`Lab "${status.name}" (${status.status}, prefix ${status.prefix}, started ${status.startedAt}${status.upMs !== undefined ? `, up in ${(status.upMs / 1000).toFixed(1)} s` : ''})`);
  io.out(`State: ${status.stateDir}   processes ${status.processes.running}/${status.processes.total} running   memory ${status.memoryMiB} MiB`);
  io.out('');
  io.out('Hosts:');
  for (const h of status.hosts) {
    const services = Object.entries(h.services).filter(([, on]) => on).map(([name]) => name);
    io.out(`  ${h.name.padEnd(12)} site ${h.site.padEnd(8)} ${Object.values(h.addresses).join('  ').padEnd(30)} ${h.running ? `running${services.length ? ` (${services.join(', ')})` : ''}` : 'NOT RUNNING'}`);
  }
  io.out('');
  io.out('Links:');
  for (const l of status.links) {
    const [n0, n1] = l.networks;
    const same = n0.description === n1.description && n0.cut === n1.cut;
    const line = (n: LinkStatus) => `${(n.preset ?? 'custom').padEnd(9)} ${n.description}${n.cut ? '  CUT' : ''}`;
    if (same) io.out(`  ${`${l.a} ↔ ${l.b}`.padEnd(20)} ${line(n0)}`);
    else {
      io.out(`  ${`${l.a} ↔ ${l.b}`.padEnd(20)} network 0: ${line(n0)}`);
      io.out(`  ${''.padEnd(20)} network 1: ${line(n1)}`);
    }
  }
}

export const labCommand: CliCommand = {
  name: 'lab',
  summary: 'Run a multi-site test lab on this machine: hosts with real sshd and corosync, shaped links between sites (root, Linux).',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: common, allowPositionals: true, strict: true });
    const [verb, ...rest] = positionals;
    const stateDir = path.resolve(values.state ?? defaultLabStateDir(io.env));
    switch (verb) {
      case 'up': {
        const file = rest[0];
        if (!file || rest.length > 1) throw new UsageError('lab up takes one lab description file, e.g. assets/labs/three-sites.yml.');
        let text: string;
        try {
          text = fs.readFileSync(file, 'utf8');
        } catch (error) {
          throw new CwError('NOT_FOUND', `Cannot read the lab description ${file}: ${error instanceof Error ? error.message : String(error)}`);
        }
        const spec = loadLabSpec(text, file);
        const lab = await startLab(spec, { stateDir, ...(values.prefix ? { prefix: values.prefix } : {}), replace: Boolean(values.replace), log: (line) => io.err(line) });
        io.out(`Lab "${lab.name}" is up (${((lab.upMs ?? 0) / 1000).toFixed(1)} s).`);
        io.out('');
        for (const h of lab.hosts) {
          io.out(`  ${h.name.padEnd(12)} site ${h.site.padEnd(8)} ${Object.entries(h.addresses).map(([n, a]) => `${n} ${a}`).join('   ')}${h.jumpHost ? `   (reach it through ${h.jumpHost})` : ''}`);
        }
        io.out('');
        for (const l of lab.links) io.out(`  ${`${l.a} ↔ ${l.b}`.padEnd(20)} ${(l.networks[0].preset ?? 'custom').padEnd(9)} ${describeLink(l.networks[0].params)}`);
        io.out('');
        io.out(`SSH:        ssh -F ${lab.sshConfigPath} <host>`);
        io.out(`Key:        ${lab.clientKeyPath}`);
        io.out(`Workspace:  ${lab.workspacePath}`);
        io.out(`Stop it:    clusterwright lab down${values.state ? ` --state ${stateDir}` : ''}`);
        return exitCodes.ok;
      }
      case 'down': {
        if (rest.length) throw new UsageError('lab down takes no arguments besides --state and --prefix.');
        const removed = await stopLab(stateDir, values.prefix ? { prefix: values.prefix } : {});
        io.out(removed.netns.length || removed.interfaces.length ? `Removed the lab in ${stateDir}: ${removed.netns.length} namespaces, ${removed.interfaces.length} interfaces.` : `No lab was running in ${stateDir}.`);
        return exitCodes.ok;
      }
      case 'status': {
        const status = await openLab(stateDir).status();
        if (values.json) io.out(JSON.stringify(status, null, 2));
        else printStatus(status, io);
        return status.hosts.every((h) => h.running) ? exitCodes.ok : exitCodes.failed;
      }
      case 'link': {
        const [a, b, preset] = rest;
        if (!a || !b || rest.length > 3) throw new UsageError('lab link takes two sites and a preset (or --delay …).');
        const custom: Partial<LinkParams> = {};
        const delay = num(values.delay, 'delay');
        const jitter = num(values.jitter, 'jitter');
        const loss = num(values.loss, 'loss');
        const bandwidth = num(values.bandwidth, 'bandwidth');
        if (delay !== undefined) custom.delayMs = delay;
        if (jitter !== undefined) custom.jitterMs = jitter;
        if (loss !== undefined) custom.lossPercent = loss;
        if (bandwidth !== undefined) custom.bandwidthMbit = bandwidth;
        if (preset && Object.keys(custom).length) throw new UsageError('Give either a preset or --delay/--jitter/--loss/--bandwidth, not both.');
        if (!preset && !Object.keys(custom).length) throw new UsageError('lab link needs a preset (lan, man, wan, internet) or --delay MS.');
        const network = networkOf(values.network);
        const state = await openLab(stateDir).setLink(a, b, preset ?? custom, network === undefined ? {} : { network });
        const shown = state.networks[network ?? 0];
        io.out(`${a} ↔ ${b}: ${shown.preset ?? 'custom'} (${describeLink(shown.params)})${network === undefined ? '' : ` on network ${network}`}`);
        return exitCodes.ok;
      }
      case 'cut':
      case 'restore': {
        const [a, b] = rest;
        if (!a || !b || rest.length > 2) throw new UsageError(`lab ${verb} takes two sites.`);
        const network = networkOf(values.network);
        const lab = openLab(stateDir);
        const options = network === undefined ? {} : { network };
        if (verb === 'cut') await lab.cut(a, b, options);
        else await lab.restore(a, b, options);
        io.out(`${a} ↔ ${b}: ${verb === 'cut' ? 'cut (100 % loss)' : 'restored'}${network === undefined ? '' : ` on network ${network}`}`);
        return exitCodes.ok;
      }
      default:
        throw new UsageError(verb ? `Unknown lab command "${verb}".` : 'Which lab command? up, down, status, link, cut or restore.');
    }
  },
};
